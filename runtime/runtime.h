/*
 * husk-runtime: an OCI runtime (runtime-spec 1.x, runc's command line)
 * that runs a container's root filesystem and process as a husk
 * unikernel. One file per verb, like cli/; the work is lib/'s (the
 * config.json reader, root filesystems, the monitor's command line).
 *
 * State lives in ROOT/<id>/ (--root, default /run/husk-runtime):
 * state.json (replaced by rename) and, until `start`, exec.fifo, on which
 * the container's init process waits before it becomes the monitor.
 * Errors go to standard error and, when --log is given, to that file in
 * runc's form, where engines look for them; the exit status is then 1.
 */
#ifndef HUSK_RUNTIME_H
#define HUSK_RUNTIME_H

#include <limits.h>
#include <netinet/in.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#define RT_NAME "husk-runtime"
#define RT_VERSION "0.1.0"
#define RT_SPEC_VERSION "1.1.0"      /* the runtime-spec we follow */
#define RT_DEFAULT_ROOT "/run/husk-runtime"
#define RT_EXIT_FAIL 1               /* runc's status for every error */
#define RT_FIFO "exec.fifo"
#define RT_STATE "state.json"

struct rt_global {
	const char *root;
	const char *log;
	int log_json;
	int debug;
	const char *cache;   /* root filesystems; NULL: the default */
};
extern struct rt_global rt;

struct rt_verb {
	const char *name;
	const char *usage;
	const char *summary;
	int (*run)(int argc, char **argv);
};

/* ---- log.c ---- */

/* One line to --log (JSON or text), when it is set. */
void rt_log(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An error: --log and standard error. Returns RT_EXIT_FAIL. */
int rt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* rt_fail with lib's recorded message (store_error()). */
int rt_fail_lib(void);

/* ---- opts.c: runc's flag forms: -x, --x, --x=V, --x V ---- */

struct rt_opt {
	const char *name;      /* long name, without dashes */
	char short_name;       /* or 0 */
	const char **value;    /* takes a value, or NULL */
	int *flag;             /* a switch, or NULL */
};

/* Parses options up to the first argument; *first is its index. */
int rt_parse(const char *verb, const struct rt_opt *opts, int argc, char **argv,
	     int *first);
/* "ID" checks: exactly n arguments from first. */
int rt_need_args(const char *verb, const char *usage, int argc, int first,
		 int min, int max);

/* ---- record.c: the state directory ---- */

enum rt_status { RT_CREATING, RT_CREATED, RT_RUNNING, RT_STOPPED };

struct rt_record {
	char id[256];
	char dir[PATH_MAX];
	json_t *doc;           /* state.json */
	pid_t pid;             /* the init, then the monitor; 0 while creating */
	uint64_t pid_start;
};

int rt_valid_id(const char *id);
/* ROOT/id. */
int rt_record_dir(const char *id, char *buf, size_t n);
/* Reads ROOT/id/state.json: "container does not exist" when missing. */
int rt_record_load(const char *id, struct rt_record *r);
/* Replaces state.json with r->doc (temporary, rename). */
int rt_record_save(struct rt_record *r);
void rt_record_free(struct rt_record *r);
/* Removes ROOT/id and everything in it. */
int rt_record_remove(const char *dir);
enum rt_status rt_record_status(const struct rt_record *r);
const char *rt_status_name(enum rt_status st);
/* The runtime-spec state: ociVersion, id, status, pid, bundle, ... */
json_t *rt_record_state(const struct rt_record *r);
/* Waits (at most timeout_ms) for the record's process to be gone. */
int rt_wait_gone(const struct rt_record *r, int timeout_ms);

/* ---- init.c: the container's init, which becomes the monitor ---- */

#define RT_NET_TAP "husk-tap0"
#define RT_NET_MAX_DNS 3       /* the guest's dns= limit */

struct rt_init {
	char **argv;           /* the monitor's command line */
	const char *fifo;      /* waits on it until `start` */
	const char *console;   /* pty slave, or NULL: inherited stdio */
	int new_netns;
	const char *netns_path;
	/* To rebuild argv with a NIC (net.c): lib/launch's input. */
	json_t *config;
	const char *vmm, *kernel, *cpio;
	char dns[RT_NET_MAX_DNS][INET_ADDRSTRLEN];
	int ndns;
};

/*
 * Forks the init and waits until it is set up (namespaces, stdio). It
 * then waits on *go, the write end of a pipe, for rt_init_go before it
 * blocks on the fifo, and exits if *go closes without it. Returns its
 * pid, or -1 after rt_fail-ready text in store_error().
 */
pid_t rt_init_spawn(const struct rt_init *in, int *go);
/* Lets the init go on to the fifo (once the record names it); closes go. */
int rt_init_go(int go);

/* ---- net*.c: the guest on the container's network ---- */

struct rt_net {
	char dev[IF_NAMESIZE];        /* the engine's interface, e.g. eth0 */
	char mac[18];
	char addr[INET_ADDRSTRLEN];
	unsigned prefix;
	char gw[INET_ADDRSTRLEN];     /* "" without a default route */
	int mtu;
};

/* The interface other than lo with an IPv4 address: 1, 0 when there is
 * none, -1 with a message in err. */
int rt_net_probe(struct rt_net *n, char *err, size_t nerr);
/* The TAP and redirects both ways between it and n->dev (which keeps
 * its address). 0, or -1 with a message in err. */
int rt_net_plug(const struct rt_net *n, const char *tap, char *err, size_t nerr);
/* Up to max IPv4 name servers from the container's resolv.conf. */
int rt_net_dns(const json_t *config, const char *root,
	       char dns[][INET_ADDRSTRLEN], int max);
/*
 * In the container's namespace, at start: when it has an addressed
 * interface, plugs the guest into it and replaces *argv with the monitor's
 * command line with that NIC (*argv is then the caller's to free). 0, or
 * -1 with a message in err.
 */
int rt_net_attach(const struct rt_init *in, char ***argv, char *err, size_t nerr);

/* ---- console.c ---- */

/* A pty whose master goes to the --console-socket; slave receives its path. */
int rt_console_setup(const char *socket_path, const json_t *size, char *slave,
		     size_t n, int *master);

/* ---- hooks.c ---- */

/* Runs the hooks in list (config.json's form) with the state on stdin. */
int rt_hooks_run(const char *kind, const json_t *list, const json_t *state);

/* ---- the verbs ---- */

extern const struct rt_verb rt_verb_create, rt_verb_start, rt_verb_state,
	rt_verb_kill, rt_verb_delete, rt_verb_features, rt_verb_exec,
	rt_verb_pause, rt_verb_resume, rt_verb_update, rt_verb_checkpoint,
	rt_verb_restore, rt_verb_events, rt_verb_ps;

#endif
