/*
 * What the container verbs (run, create, start, ps, logs, stop, kill, rm,
 * wait, container, inspect) share: their option parsing and the running
 * of husk-vmm under a keeper that records how it ended.
 */
#ifndef HUSK_CONTAINER_CLI_H
#define HUSK_CONTAINER_CLI_H

#include <signal.h>

#include "cli.h"
#include "container.h"
#include "launch.h"

/* The hidden verb a detached container's supervisor runs as. */
#define SUPERVISE_VERB "__supervise"

/* ---- container_args.c: run and create's options ---- */

struct run_args {
	int detach, rm, tty, interactive, quiet;
	const char *name;
	const char *image;
	struct launch_opts launch;
	char **env_store;        /* what launch.env points into */
	struct opt_list publish; /* -p, repeatable */
};

/* run and create's help for the options run_args_parse takes, around
 * their own -i line. */
#define RUN_ARGS_HELP_HEAD \
	"      --entrypoint string  Overwrite the default ENTRYPOINT of the image\n" \
	"  -e, --env list           Set environment variables\n" \
	"      --env-file list      Read in a file of environment variables\n"
#define RUN_ARGS_HELP_TAIL \
	"  -m, --memory bytes       Memory of the VM (default 256m)\n" \
	"      --name string        Assign a name to the container\n" \
	"      --hostname string    Container host name (default: the short ID)\n" \
	"      --network string     none (the default without -p), user (outbound\n" \
	"                           connections and -p, no root), tap:NAME\n" \
	"  -p, --publish list       Publish a container's port to the host:\n" \
	"                           [HOST_IP:][HOST_PORT:]PORT[/tcp|/udp]\n" \
	"  -q, --quiet              Do not say that QEMU runs the container where\n" \
	"                           KVM is unusable\n" \
	"      --rm                 Automatically remove the container when it exits\n" \
	"  -t, --tty                Accepted; no pseudo-terminal is allocated\n" \
	"  -w, --workdir string     Working directory inside the container\n"

/*
 * Docker's run/create command line: options up to IMAGE, then the
 * command and its arguments untouched. -e and --env-file repeat; -e KEY
 * takes KEY from husk's environment. 0, -1 after help, or EXIT_HUSK.
 */
int run_args_parse(const struct verb *v, int argc, char **argv,
		   struct run_args *a);
void run_args_free(struct run_args *a);

/* ---- container_exec.c: creating and running ---- */

/* The image, its root filesystem, the record (status created). */
int ctr_create(struct store *s, struct run_args *a, struct container *c);
/*
 * Runs husk-vmm with its output on the terminal and in the container's
 * log, husk as its keeper; signals sent to husk are passed on. Returns
 * the exit status to give.
 */
int ctr_run_foreground(struct store *s, struct container *c, int interactive);
/*
 * A foreground --rm run: the record (running, husk's own pid), then
 * husk-vmm replaces husk (same pid, signals and exit status). Returns
 * only on failure, the record removed.
 */
int ctr_exec_rm(struct store *s, struct run_args *a);
/* One line on standard error when the container runs under QEMU because
 * KVM is unusable (HUSK_MONITOR=auto), unless quiet; once per process. */
void ctr_note_monitor(int quiet);
/* Forks husk-vmm; out/err >= 0 replace its standard output/error. */
pid_t ctr_spawn_monitor(char **argv, int interactive, int out, int err);
/* Starts the supervisor and returns once husk-vmm runs. */
int ctr_start_detached(struct store *s, struct container *c);
/* The husk-vmm command line (rootfs rebuilt when it was pruned). */
int ctr_launch_argv(struct store *s, const struct container *c,
		    struct launch_argv *argv);
/* Records a start or an exit. */
int ctr_mark_running(struct store *s, struct container *c, pid_t monitor);
/* The exit, with what the guest's report says (State.Error, OOMKilled). */
int ctr_mark_exited(struct store *s, struct container *c, int wait_status,
		    const struct console_report *report);

/* ---- container_ctl.c: finding, signalling, waiting ---- */

/* container_find with the CLI's message; returns the exit status. */
int ctr_find(struct store *s, const char *what, struct container *c);
/* "KILL", "SIGTERM", "15". */
int ctr_parse_signal(const char *s, int *sig);
/* Signals husk-vmm; EXIT_NOT_FOUND-style message when it does not run. */
int ctr_signal(struct container *c, int sig, const char *what);
/*
 * Reloads the record until it is exited or timeout_ms (< 0: forever)
 * passed: 0 when exited, 1 on timeout, CTR_GONE when it was a --rm
 * container whose record went with it (no exit status kept), else an
 * exit status (after a message).
 */
#define CTR_GONE 2
int ctr_wait_exited(struct store *s, struct container *c, int64_t timeout_ms);
/* Stops: SIGTERM, then SIGKILL after timeout_s seconds. */
int ctr_stop(struct store *s, struct container *c, int timeout_s);

/* ---- container_inspect.c ---- */

/* Docker's container inspect object. */
json_t *ctr_inspect_json(const struct container *c);
/*
 * For `husk inspect`: the container named what, when there is one
 * (*found = 1); nothing printed otherwise.
 */
int ctr_inspect_find(const char *what, json_t **out, int *found);

#endif
