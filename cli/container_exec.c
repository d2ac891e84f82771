/*
 * Creating a container and running its husk-vmm. Whoever forks husk-vmm
 * is its keeper: it records the pid, waits, and records the exit status
 * (husk-vmm's, which is the program's; 128 + N when a signal N ended
 * husk-vmm itself, as a shell reports it). In the foreground the keeper
 * is `husk run` itself; a detached container's keeper is the supervisor
 * (supervise.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_cli.h"
#include "json_util.h"
#include "rootfs.h"
#include "vmm_main.h"

/*
 * The common case, a name, reads index.json and that one image; IDs,
 * prefixes and digests go through the whole list. 0, or -1 to fall back.
 */
static int find_by_name(struct store *s, const char *what, struct image_list *l)
{
	char full[2 * REF_NAME_MAX + REF_TAG_MAX];
	struct store_index ix;
	struct ref r;
	size_t i;
	int rc = -1;

	if (ref_parse(what, &r) || r.digest.s[0] || store_lock(s, STORE_SHARED))
		return -1;
	ref_full(&r, full, sizeof(full));
	if (!index_read(s, &ix)) {
		for (i = 0; i < ix.n; i++)
			if (ix.v[i].name && !strcmp(ix.v[i].name, full))
				break;
		l->v = i < ix.n ? calloc(1, sizeof(*l->v)) : NULL;
		if (l->v && !image_load(s, &ix.v[i].manifest, ix.v[i].media_type, l->v)) {
			l->n = 1;
			rc = 0;
		} else {
			free(l->v);
			l->v = NULL;
		}
		index_free(&ix);
	}
	store_lock(s, STORE_UNLOCKED);
	return rc;
}

static int find_image(struct store *s, const char *what, struct image_list *l,
		      struct image **img)
{
	int by_name, rc;

	memset(l, 0, sizeof(*l));
	if (!find_by_name(s, what, l)) {
		*img = &l->v[0];
		return 0;
	}
	rc = store_list(s, l);

	if (rc)
		return cli_store_fail(EXIT_HUSK);
	rc = image_find(l, what, img, &by_name);
	if (rc) {
		struct ref r;
		char shown[2 * REF_NAME_MAX];
		image_list_free(l);
		/* Docker would pull here; husk has no registry client yet. */
		if (rc == STORE_NOT_FOUND && !ref_parse(what, &r)) {
			ref_short(&r, shown, sizeof(shown));
			fprintf(stderr, "Unable to find image '%s' locally\n", shown);
			return cli_fail(EXIT_HUSK, "No such image: %s (husk cannot "
					"pull images yet: husk load or husk import "
					"it first)", shown);
		}
		return cli_fail(EXIT_HUSK, "%s", store_error());
	}
	return 0;
}

/* The image's configuration merged with the flags, its rootfs cached. */
static int run_config(struct store *s, struct run_args *a, char *cpio, size_t n,
		      json_t **config)
{
	struct image_list l;
	struct image *img;
	int rc;

	rc = find_image(s, a->image, &l, &img);
	if (rc)
		return rc;
	rc = rootfs_ensure(s, img, cpio, n);
	if (!rc)
		rc = launch_config(img, a->image, &a->launch, cpio, config);
	image_list_free(&l);
	if (rc)
		return cli_store_fail(rc == LAUNCH_EXIT_NOT_FOUND ? rc : EXIT_HUSK);
	return 0;
}

static void set_run_flags(json_t *config, const struct run_args *a)
{
	json_object_set_new(config, "AutoRemove", json_boolean(a->rm));
	json_object_set_new(config, "Tty", json_boolean(a->tty));
	json_object_set_new(config, "OpenStdin", json_boolean(a->interactive));
}

int ctr_create(struct store *s, struct run_args *a, struct container *c)
{
	char cpio[4096];
	json_t *config;
	int rc;

	rc = run_config(s, a, cpio, sizeof(cpio), &config);
	if (rc)
		return rc;
	set_run_flags(config, a);
	rc = container_create(s, config, a->name, c);
	json_decref(config);
	return rc ? cli_store_fail(EXIT_HUSK) : 0;
}

/* The cached root filesystem; made again when a prune took it. */
static int rootfs_of(struct store *s, const struct container *c, char *cpio,
		     size_t n)
{
	struct image_list l;
	struct digest m;
	struct stat st;
	size_t i;
	int rc;

	if (digest_parse(json_str(c->config, "Manifest") ?
			 json_str(c->config, "Manifest") : "", &m))
		return store_fail(STORE_ERR, "%s/config.json: field Manifest: "
				  "expected a sha256 digest", c->dir);
	rc = rootfs_path(s, &m, cpio, n);
	if (rc || !stat(cpio, &st))
		return rc;
	rc = store_list(s, &l);
	if (rc)
		return rc;
	for (i = 0; i < l.n; i++)
		if (digest_equal(&l.v[i].manifest, &m))
			break;
	if (i == l.n)
		rc = store_fail(STORE_ERR, "the image of container %s (%s) is no "
				"longer in the store", container_name(c), m.s);
	else
		rc = rootfs_ensure(s, &l.v[i], cpio, n);
	image_list_free(&l);
	return rc;
}

int ctr_launch_argv(struct store *s, const struct container *c,
		    struct launch_argv *argv)
{
	char cpio[4096], vmm[4096], kernel[4096];
	int rc = launch_tools(vmm, sizeof(vmm), kernel, sizeof(kernel));

	if (!rc)
		rc = rootfs_of(s, c, cpio, sizeof(cpio));
	if (!rc)
		rc = launch_argv(c->config, vmm, kernel, cpio, argv);
	return rc;
}

int ctr_mark_running(struct store *s, struct container *c, pid_t monitor)
{
	struct container_state *st = &c->state;

	memset(st->error, 0, sizeof(st->error));
	st->oom_killed = 0;
	st->status = CONTAINER_RUNNING;
	st->pid = monitor;
	st->pid_start = proc_start_time(monitor);
	st->keeper = getpid();
	st->keeper_start = proc_start_time(st->keeper);
	st->exit_code = 0;
	st->started = time_now_ns();
	st->finished = 0;
	return container_save_state(s, c);
}

static int exit_status_of(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return EXIT_HUSK;
}

int ctr_mark_exited(struct store *s, struct container *c, int wait_status,
		    const struct console_report *report)
{
	struct container_state *st = &c->state;

	st->status = CONTAINER_EXITED;
	st->exit_code = exit_status_of(wait_status);
	st->finished = time_now_ns();
	console_report_state(report, st->exit_code, st);
	/* For husk wait, which may hold it open past the record's end. */
	container_exitcode_write(c, st->exit_code);
	if (json_is_true(json_object_get(c->config, "AutoRemove")))
		return container_remove(s, c);
	return container_save_state(s, c);
}

/*
 * Docker users expect to be told when a run will be slow: where KVM is
 * unusable, HUSK_MONITOR=auto falls back to QEMU (launch_monitor.c).
 * Once per process, however many containers it starts.
 */
void ctr_note_monitor(int quiet)
{
	static int said;
	const char *why;

	if (quiet || said)
		return;
	why = launch_monitor_fallback();
	if (why)
		fprintf(stderr, "husk: /dev/kvm is not usable (%s); running "
			"under QEMU (slower)\n", why);
	said = 1;
}

/* ---- foreground ---- */

static volatile pid_t monitor_pid;

/*
 * Signals sent to husk go on to husk-vmm, which hands them to the
 * program. Ctrl-C from the terminal reaches husk-vmm by itself (same
 * process group), so those (SI_KERNEL) are not sent twice.
 */
static void pass_on(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	if (monitor_pid > 0 && info->si_code != SI_KERNEL)
		kill(monitor_pid, sig);
}

static void forward_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = pass_on;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/*
 * Without -i the program gets no standard input, as with Docker.
 * posix_spawn (a vfork underneath) copies no page tables: a plain fork of
 * husk costs milliseconds where page faults are emulated (nested KVM).
 */
pid_t ctr_spawn_monitor(char **argv, int interactive, int out, int err)
{
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	int rc;

	if (posix_spawn_file_actions_init(&fa))
		return -1;
	if (!interactive)
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, 1);
	if (err >= 0)
		posix_spawn_file_actions_adddup2(&fa, err, 2);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		errno = rc;
		return -1;
	}
	return pid;
}

/* A handler, not SIG_IGN: husk-vmm must not inherit an ignored SIGPIPE. */
static void on_sigpipe(int sig)
{
	(void)sig;
}

/*
 * husk-vmm's output comes through husk, as Docker's does through its
 * daemon: on to the terminal as it comes, and into the container's log,
 * so that `husk logs` shows it, crash report included, after the VM is
 * gone. A broken terminal pipe (`husk run ... | head`) reaches husk-vmm
 * as a broken pipe of its own (console_copy).
 */
static pid_t spawn_logged(char **argv, int interactive,
			  struct console_stream *out, struct console_stream *err)
{
	int po[2], pe[2];
	pid_t pid;

	if (pipe2(po, O_CLOEXEC))
		return -1;
	if (pipe2(pe, O_CLOEXEC)) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	signal(SIGPIPE, on_sigpipe);
	pid = ctr_spawn_monitor(argv, interactive, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		close(po[0]);
		close(pe[0]);
		return -1;
	}
	console_stream_init(out, "stdout", po[0], 1);
	console_stream_init(err, "stderr", pe[0], 2);
	return pid;
}

int ctr_run_foreground(struct store *s, struct container *c, int interactive)
{
	static struct console_stream out, err;
	struct console_report report = { 0 };
	struct launch_argv argv;
	int status, rc, log;
	pid_t pid;

	rc = ctr_launch_argv(s, c, &argv);
	if (rc)
		return cli_store_fail(EXIT_HUSK);
	log = container_log_open(c);
	if (log < 0) {
		launch_argv_free(&argv);
		return cli_fail(EXIT_HUSK, "cannot open the container's log: %s",
				strerror(errno));
	}
	forward_signals();
	fflush(NULL);
	pid = spawn_logged(argv.v, interactive, &out, &err);
	launch_argv_free(&argv);
	if (pid < 0) {
		close(log);
		return cli_fail(EXIT_HUSK, "cannot run husk-vmm: %s", strerror(errno));
	}
	monitor_pid = pid;
	if (ctr_mark_running(s, c, pid))
		cli_store_fail(0);
	console_copy(&out, &err, log, &report);
	close(log);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cli_fail(EXIT_HUSK, "waitpid: %s", strerror(errno));
	monitor_pid = 0;
	if (ctr_mark_exited(s, c, status, &report) &&
	    !strstr(store_error(), "No such container"))
		cli_store_fail(0);
	return exit_status_of(status);
}

/* ---- foreground --rm: husk becomes the monitor ---- */

static int stdin_from_null(void)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0)
		return cli_fail(EXIT_HUSK, "/dev/null: %s", strerror(errno));
	close(null);
	return 0;
}

/*
 * Such a container is removed the moment it ends, so nobody needs husk
 * to wait for it: husk writes the record (running, its own pid), then
 * becomes the monitor: it calls vmm_main(), the monitor husk carries
 * (vmm/vmm_main.h), saving an exec of husk-vmm; a stand-in $HUSK_VMM or
 * the QEMU fallback is exec'd in husk's place (exec keeps the pid and its
 * start time, so the record names the monitor either way). `husk ps`
 * lists it, `husk stop` and `husk kill` signal it; signals (Ctrl-C,
 * SIGTERM) reach the monitor directly, which passes them to the program,
 * and the exit status is the monitor's own. The monitor also writes it
 * to the record's exitcode file (--status-fd), for `husk wait`. With no
 * keeper left to remove the record, the first reader that finds its pid
 * ended does (container.c). Returns only on failure.
 */
/*
 * The record, then the monitor's command line with --status-fd, and
 * standard input. The path buffers live here, not in ctr_exec_rm's frame,
 * so that the monitor, called from there, runs on stack pages this
 * already touched (each new page is a fault: ~14 us on PVM, ~65 us
 * nested). 0, or a status after a message, the record then removed.
 */
static int exec_prepare(struct store *s, struct run_args *a, struct container *c,
			struct launch_argv *argv, int *status)
{
	char cpio[4096], vmm[4096], kernel[4096];
	json_t *config;
	int rc;

	rc = run_config(s, a, cpio, sizeof(cpio), &config);
	if (rc)
		return rc;
	set_run_flags(config, a);
	rc = container_create_running(s, config, a->name, getpid(), c);
	json_decref(config);
	if (rc)
		return cli_store_fail(EXIT_HUSK);
	/* After the record: husk-vmm's default host name is the short ID. */
	rc = launch_tools(vmm, sizeof(vmm), kernel, sizeof(kernel));
	if (!rc)
		rc = launch_argv(c->config, vmm, kernel, cpio, argv);
	/* Not close-on-exec: the monitor's own (vmm_main keeps it too). */
	*status = rc ? -1 : container_exitcode_open(c, O_WRONLY);
	if (!rc && *status < 0)
		rc = store_fail_errno("cannot open %s/exitcode", c->dir);
	if (!rc)
		rc = launch_argv_status_fd(argv, *status);
	if (rc)
		rc = cli_store_fail(EXIT_HUSK);
	else if (!a->interactive)
		rc = stdin_from_null();
	if (rc) {
		if (*status >= 0)
			close(*status);
		container_remove(s, c);
		container_free(c);
		launch_argv_free(argv);
	}
	return rc;
}

int ctr_exec_rm(struct store *s, struct run_args *a)
{
	struct launch_argv argv = { 0 };
	struct container *c = malloc(sizeof(*c));
	int rc, status;

	if (!c)
		return cli_fail(EXIT_HUSK, "out of memory");
	rc = exec_prepare(s, a, c, &argv, &status);
	if (rc) {
		free(c);
		return rc;
	}
	ctr_note_monitor(a->quiet);
	fflush(NULL);
	if (launch_vmm_builtin())
		_exit(vmm_main((int)argv.n, argv.v));
	execv(argv.v[0], argv.v);
	rc = cli_fail(EXIT_HUSK, "cannot run %s: %s", argv.v[0], strerror(errno));
	close(status);
	container_remove(s, c);
	container_free(c);
	free(c);
	launch_argv_free(&argv);
	return rc;
}

/* ---- detached ---- */

/*
 * The supervisor is husk run again (a clean process: no inherited locks
 * or buffers), in its own session, told the container and a pipe on which
 * it says "ok" once husk-vmm runs, or why it could not start it.
 */
int ctr_start_detached(struct store *s, struct container *c)
{
	char fdarg[16], msg[1024];
	int p[2], null;
	size_t got;
	pid_t pid;

	(void)s;
	if (pipe2(p, O_CLOEXEC))
		return cli_fail(EXIT_HUSK, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return cli_fail(EXIT_HUSK, "cannot fork: %s", strerror(errno));
	if (!pid) {
		setsid();
		null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		fcntl(p[1], F_SETFD, 0);
		snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
		execl("/proc/self/exe", "husk", SUPERVISE_VERB, c->id, fdarg, (char *)NULL);
		_exit(EXIT_HUSK);
	}
	close(p[1]);
	got = proc_read_status(p[0], msg, sizeof(msg));
	if (!strcmp(msg, "ok"))
		return 0;
	waitpid(pid, NULL, WNOHANG);
	return cli_fail(EXIT_HUSK, "%s", got ? msg : "the supervisor did not start");
}
