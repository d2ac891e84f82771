/*
 * Container records, kept without a daemon under $HUSK_HOME/containers/:
 *
 *   lock               flock(2): exclusive while a record is created,
 *                      changed or removed (names stay unique)
 *   spare/N            emptied directories of removed records, reused
 *                      for new ones (container_dir.c)
 *   <64 hex id>/config.json   fixed at create: Id, Name, Created, Image,
 *                      ImageID, Manifest, Path, Args, Entrypoint, Cmd,
 *                      Env, WorkingDir, Memory, AutoRemove, Tty, OpenStdin
 *   <id>/state.json    Status (created|running|exited), Pid (husk-vmm),
 *                      Keeper (the husk process that waits for it and
 *                      records its exit), their start times, ExitCode,
 *                      StartedAt, FinishedAt (ns since 1970), Error (the
 *                      first line of the guest's crash report, "" for
 *                      none), OOMKilled
 *   <id>/exitcode      the exit status ("137\n"), written in place, once,
 *                      by whoever learns it: the keeper, or for a
 *                      foreground --rm run the monitor itself
 *                      (husk-vmm --status-fd); empty until then. husk
 *                      wait opens it while the container runs, so that
 *                      a --rm container's status outlives its record
 *   <id>/log           the container's output (detached or not, written
 *                      by its keeper), one line per record:
 *                      "<RFC 3339 time> stdout|stderr <text>"
 *
 * Files are replaced by rename(2), so a reader sees the old or the new
 * one, never half of one; readers take no lock. A record that says
 * running while neither husk-vmm nor its keeper lives any more (a pid is
 * checked with its start time, so a reused pid does not fool us) is
 * exited with 137, as if killed, or removed when the container was --rm
 * (a foreground --rm run has no keeper: husk wrote the record and became
 * the monitor, so the first reader after its end removes it), both by the
 * reader that notices, under the lock.
 *
 * Errors follow the store's convention (store_error()).
 */
#ifndef HUSK_CONTAINER_H
#define HUSK_CONTAINER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "store.h"

#define CONTAINER_ID_LEN 64
/* The most of a guest's report line a record keeps (State.Error). */
#define CONSOLE_HEADLINE_MAX 512
/* A longer console line is logged in pieces of this size. */
#define CONSOLE_LINE_MAX (16 * 1024)
#define CONTAINER_EXIT_KILLED 137 /* 128 + SIGKILL */

enum container_status {
	CONTAINER_CREATED,
	CONTAINER_RUNNING,
	CONTAINER_EXITED,
};

struct container_state {
	enum container_status status;
	pid_t pid;                /* husk-vmm */
	uint64_t pid_start;       /* its start time, /proc/PID/stat field 22 */
	pid_t keeper;             /* waits for husk-vmm, records the exit */
	uint64_t keeper_start;
	int exit_code;
	int64_t started, finished; /* ns since 1970; 0: never */
	char error[CONSOLE_HEADLINE_MAX]; /* the guest's report, or "" */
	int oom_killed;           /* the guest's memory ran out */
};

struct container {
	char id[CONTAINER_ID_LEN + 1];
	char dir[4096];
	json_t *config;           /* config.json */
	struct container_state state;
};

struct container_list {
	struct container *v;
	size_t n;
};

/* ---- container.c ---- */

/* $HUSK_HOME/containers, created on first use. */
int container_root(const struct store *s, char *buf, size_t n);

/*
 * A new record (status created) for config, which gets Id, Name (name,
 * or a generated adjective_surname) and Created. A name already in use
 * is refused with Docker's message.
 */
int container_create(const struct store *s, json_t *config, const char *name,
		     struct container *c);

/*
 * A new record that says running from the start, for pid: a process
 * about to become the monitor (vmm_main, or an exec, which keeps its pid
 * and start time), with no keeper. Its readers remove it once pid has ended if config says
 * AutoRemove; otherwise they record 137, nobody having seen the status.
 */
int container_create_running(const struct store *s, json_t *config,
			     const char *name, pid_t pid, struct container *c);

/*
 * Reads one record by its full ID, checking whether it still runs;
 * STORE_NOT_FOUND for a --rm container that ended (its record removed).
 */
int container_load(const struct store *s, const char *id, struct container *c);
void container_free(struct container *c);

/*
 * By name, full ID or unique ID prefix. STORE_NOT_FOUND with "No such
 * container: X".
 */
int container_find(const struct store *s, const char *what, struct container *c);

/* Every record, newest first. */
int container_list(const struct store *s, struct container_list *l);
void container_list_free(struct container_list *l);

/* Replaces state.json with c->state (under the lock). */
int container_save_state(const struct store *s, struct container *c);
/* Removes the record and its log. */
int container_remove(const struct store *s, struct container *c);

const char *container_name(const struct container *c);
const char *container_status_name(enum container_status st);
/* The log's path. */
void container_log_path(const struct container *c, char *buf, size_t n);

/* ---- container_proc.c: processes ---- */

/* The start time of pid (jiffies since boot); 0 when it is gone. */
uint64_t proc_start_time(pid_t pid);
/* Whether pid still is the process that started at start. */
int proc_alive(pid_t pid, uint64_t start);
/* What a child wrote on its status pipe fd until it closed it (or n - 1
 * bytes), NUL-terminated in msg; the bytes read. Closes fd. */
size_t proc_read_status(int fd, char *msg, size_t n);
/* Nanoseconds since 1970. */
int64_t time_now_ns(void);
/* "2024-05-01T10:00:00.123456789Z"; "0001-01-01T00:00:00Z" for 0. */
void time_format_ns(int64_t ns, char *buf, size_t n);

/* ---- container_console.c: the guest's console, logged and read ---- */

/* What the guest's last report said. */
struct console_report {
	char headline[CONSOLE_HEADLINE_MAX]; /* its first line, without
					      * "husk: ", printable ASCII */
	int oom;                             /* an out-of-memory report */
	char monitor[CONSOLE_HEADLINE_MAX];  /* husk-vmm's last own line */
	char launch[CONSOLE_HEADLINE_MAX];   /* the last console line when
					      * it was a "husk: " one */
};

/* One of husk-vmm's output streams on its way to the log. */
struct console_stream {
	int fd;            /* the read end; -1 once closed */
	int tee;           /* where the bytes also go as they come, or -1 */
	const char *name;  /* "stdout", "stderr": the log's stream names */
	int midline;       /* buf continues a line logged in part */
	size_t len;
	char buf[CONSOLE_LINE_MAX];
};

void console_stream_init(struct console_stream *st, const char *name, int fd,
			 int tee_fd);
/*
 * Copies out and err into log (one record per line; log < 0: nowhere)
 * and each to its tee until both are closed, noting the guest's reports
 * in r. A tee whose reader went away (EPIPE) closes its stream, so that
 * husk-vmm meets the broken pipe as it would without us in between.
 */
void console_copy(struct console_stream *out, struct console_stream *err,
		  int log, struct console_report *r);
/* Notes a console line (n bytes, no newline) in r: the library OS's
 * reports ("husk: program fault: ", "fatal: ", "panic: ", "out of
 * memory: "), husk-vmm's own lines ("husk-vmm: ") and whether the line
 * is a "husk: " one. Only the line's first CONSOLE_HEADLINE_MAX bytes
 * are read. */
void console_report_line(struct console_report *r, const char *line, size_t n);
/* st->error and st->oom_killed for a container that ended with exit_code:
 * set only when that end was abnormal: > 128 (the report), 120-125
 * (husk-vmm failed: its line), 126 and 127 (the program could not be
 * started: the library OS's last line). */
void console_report_state(const struct console_report *r, int exit_code,
			  struct container_state *st);
/* The container's log, opened for appending (-1 with errno on failure). */
int container_log_open(const struct container *c);

/* ---- container_file.c ---- */

/* Replaces dir/name with buf (temporary in dir, rename; fsync if sync). */
int container_write_file(const char *dir, const char *name, const void *buf,
			 size_t n, int sync);
/* Writes dir/name in place: for a directory nobody reads yet. */
int container_put_file(const char *dir, const char *name, const void *buf,
		       size_t n, int sync);
/*
 * The record's exitcode file, opened with flags as given (O_RDONLY |
 * O_CLOEXEC for a waiter; O_WRONLY, inherited, for a monitor's
 * --status-fd); -1 with errno on failure.
 */
int container_exitcode_open(const struct container *c, int flags);
/* Writes status into it (the keeper's part, before a --rm record goes). */
int container_exitcode_write(const struct container *c, int status);
/* The status in an exitcode file opened earlier; -1 while it is empty. */
int container_exitcode_read(int fd, int *status);
/* flock(2) on containers/lock; returns the fd, or -1 after store_fail. */
int container_lock(const struct store *s, int exclusive);
void container_unlock(int fd);

/* ---- container_dir.c: record directories (callers hold the lock) ---- */

/* An empty directory under root/spare/ to write a new record into. */
int container_dir_begin(const char *root, char *buf, size_t n);
/* Renames it to the record's path (fsyncing root if sync). */
int container_dir_publish(const char *staged, const char *dir, int sync);
/* Empties a removed record's directory and parks it for reuse. */
int container_dir_retire(const char *root, const char *dir);
/*
 * Whether dir is a record's directory without config.json or state.json:
 * what a retire killed halfway leaves (records are published whole).
 */
int container_dir_incomplete(const char *dir);

/* ---- names.c ---- */

/* "adjective_surname", from seed; Docker's style, our own words. */
void names_generate(uint32_t seed, char *buf, size_t n);
/* Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
int names_valid(const char *name);

#endif
