/*
 * create: the bundle's config.json read and checked (lib/oci_spec.c),
 * its root directory packed into the guest's cpio (lib/rootfs_dir.c,
 * cached by content), the monitor's command line built by lib/launch
 * (husk-vmm, or the QEMU fallback), and the init forked and left waiting
 * on exec.fifo (init.c). Only then is the pid file written: an engine
 * that reads it finds a process that will become the monitor.
 *
 * Anything that fails takes back what was made: the init is killed and
 * the state directory removed, so a failed create leaves nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "launch.h"
#include "oci_spec.h"
#include "rootfs_dir.h"
#include "runtime.h"
#include "store.h"

static int run(int argc, char **argv);

const struct rt_verb rt_verb_create = {
	.name = "create",
	.usage = "[--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] "
		 "[--no-pivot] [--no-new-keyring] [--preserve-fds N] ID",
	.summary = "create a container; its guest boots at `start`",
	.run = run,
};

struct create_args {
	const char *bundle, *pid_file, *console_socket, *preserve_fds;
	int no_pivot, no_new_keyring;
	char bundle_abs[PATH_MAX];
};

/* Root filesystems: --cache, $HUSK_RUNTIME_CACHE, or a per-user default. */
static int cache_dir(char *buf, size_t n)
{
	const char *set = rt.cache ? rt.cache : getenv("HUSK_RUNTIME_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (set && set[0])
		snprintf(buf, n, "%s", set);
	else if (!geteuid())
		snprintf(buf, n, "/var/cache/husk-runtime");
	else if (xdg && xdg[0])
		snprintf(buf, n, "%s/husk-runtime", xdg);
	else if (home && home[0])
		snprintf(buf, n, "%s/.cache/husk-runtime", home);
	else
		return rt_fail("no cache directory: set --cache or HUSK_RUNTIME_CACHE");
	return 0;
}

/* lib/launch's input, kept for the init: at start it rebuilds the
 * command line with a NIC when the namespace has a network (net.c). */
struct monitor {
	json_t *conf;
	char vmm[PATH_MAX], kernel[PATH_MAX];
	struct launch_argv argv;
};

/* What lib/launch needs: Argv, Env, WorkingDir, Memory, Hostname; then
 * Path and Args. */
static int monitor_argv(const struct oci_spec *s, const char *cpio,
			struct monitor *m)
{
	json_t *conf = json_object();
	int rc;

	json_object_set_new(conf, "Argv", json_deep_copy(s->args));
	json_object_set_new(conf, "Env", s->env ? json_deep_copy(s->env) : json_array());
	json_object_set_new(conf, "WorkingDir", json_string(s->cwd));
	if (s->hostname && s->hostname[0])
		json_object_set_new(conf, "Hostname", json_string(s->hostname));
	json_object_set_new(conf, "Memory", json_integer(s->memory ? s->memory :
							  LAUNCH_DEFAULT_MEMORY));
	m->conf = conf;
	rc = launch_resolve_command(conf, cpio);
	if (!rc)
		rc = launch_tools(m->vmm, sizeof(m->vmm), m->kernel, sizeof(m->kernel));
	if (!rc)
		rc = launch_argv(conf, m->vmm, m->kernel, cpio, &m->argv);
	return rc ? rt_fail_lib() : 0;
}

static void log_monitor(const struct launch_argv *argv)
{
	enum launch_monitor m;
	size_t i, len = 0;
	char line[4096] = "";

	for (i = 0; i < argv->n && len < sizeof(line) - 1; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s",
					i ? " " : "", argv->v[i]);
	rt_log("debug", "monitor: %s", line);
	if (!strstr(argv->v[0], LAUNCH_QEMU_WRAPPER) || launch_monitor(&m))
		return;
	rt_log("warning", "no usable KVM: the guest runs on %s",
	       launch_monitor_describe(LAUNCH_MONITOR_QEMU));
}

/* The pid file, replaced by rename so that a reader never sees half. */
static int write_pid_file(const char *path, pid_t pid)
{
	char tmp[PATH_MAX + 16], text[32];
	int n = snprintf(text, sizeof(text), "%d", (int)pid);
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	f = fopen(tmp, "we");
	if (!f || fwrite(text, 1, (size_t)n, f) != (size_t)n || fclose(f)) {
		unlink(tmp);
		return rt_fail("--pid-file %s: %s", path, strerror(errno));
	}
	if (rename(tmp, path)) {
		unlink(tmp);
		return rt_fail("--pid-file %s: %s", path, strerror(errno));
	}
	return 0;
}

/* --root and its parents, as runc makes them (engines name deep ones). */
static int make_parents(const char *dir)
{
	char path[PATH_MAX], *slash;

	snprintf(path, sizeof(path), "%s", dir);
	for (slash = strchr(path + 1, '/'); ; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(path, 0711) && errno != EEXIST)
			return rt_fail("cannot create %s: %s", path, strerror(errno));
		if (!slash)
			return 0;
		*slash = '/';
	}
}

/* The record before the init exists: status "creating". */
static int new_record(const char *id, const struct create_args *a,
		      const struct oci_spec *s, struct rt_record *r)
{
	char created[64];
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	rc = rt_record_dir(id, r->dir, sizeof(r->dir));
	if (rc)
		return rc;
	rc = make_parents(rt.root);
	if (rc)
		return rc;
	if (mkdir(r->dir, 0711))
		return errno == EEXIST ? rt_fail("container with id exists: %s", id) :
			rt_fail("cannot create %s: %s", r->dir, strerror(errno));
	time_format_ns(time_now_ns(), created, sizeof(created));
	r->doc = json_pack("{s:s, s:s, s:s}", "bundle", a->bundle_abs,
			   "rootfs", s->root, "created", created);
	if (s->annotations)
		json_object_set(r->doc, "annotations", (json_t *)s->annotations);
	if (s->stop_signal)
		json_object_set_new(r->doc, "stopSignal", json_integer(s->stop_signal));
	if (s->hooks[OCI_HOOK_POSTSTART])
		json_object_set(r->doc, "poststart", (json_t *)s->hooks[OCI_HOOK_POSTSTART]);
	if (s->hooks[OCI_HOOK_POSTSTOP])
		json_object_set(r->doc, "poststop", (json_t *)s->hooks[OCI_HOOK_POSTSTOP]);
	return rt_record_save(r);
}

static int spawn(struct rt_record *r, const struct oci_spec *s,
		 const struct create_args *a, struct monitor *m, const char *cpio)
{
	char fifo[PATH_MAX + 16], slave[128];
	struct rt_init in = { .argv = m->argv.v, .fifo = fifo,
			      .new_netns = s->new_netns, .netns_path = s->netns_path,
			      .config = m->conf, .vmm = m->vmm, .kernel = m->kernel,
			      .cpio = cpio };
	int master = -1, go, rc = 0;
	pid_t pid;

	in.ndns = rt_net_dns(s->doc, s->root, in.dns, RT_NET_MAX_DNS);

	snprintf(fifo, sizeof(fifo), "%s/" RT_FIFO, r->dir);
	if (mkfifo(fifo, 0600))
		return rt_fail("cannot create %s: %s", fifo, strerror(errno));
	if (s->terminal) {
		rc = rt_console_setup(a->console_socket,
				      json_object_get(json_object_get(s->doc, "process"),
						      "consoleSize"),
				      slave, sizeof(slave), &master);
		in.console = slave;
	}
	if (rc)
		return rc;
	pid = rt_init_spawn(&in, &go);
	if (master >= 0)
		close(master);
	if (pid < 0)
		return rt_fail_lib();
	r->pid = pid;
	r->pid_start = proc_start_time(pid);
	rc = rt_record_save(r);
	/* Only a recorded init may wait for start: delete can find it. */
	if (!rc)
		return rt_init_go(go);
	close(go);
	return rc;
}

static int run_create_hooks(struct rt_record *r, const struct oci_spec *s)
{
	json_t *state = rt_record_state(r);
	int rc = rt_hooks_run("prestart", s->hooks[OCI_HOOK_PRESTART], state);

	if (!rc)
		rc = rt_hooks_run("createRuntime", s->hooks[OCI_HOOK_CREATE_RUNTIME],
				  state);
	json_decref(state);
	return rc;
}

/* Takes back a failed create: the init, the state directory. */
static void undo(struct rt_record *r)
{
	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	if (r->dir[0])
		remove_tree(r->dir);
}

static int create(const char *id, struct create_args *a)
{
	char cache[PATH_MAX], cpio[PATH_MAX];
	struct monitor m = { 0 };
	struct rt_record r = { 0 };
	struct oci_spec s;
	int rc;

	if (!realpath(a->bundle, a->bundle_abs))
		return rt_fail("bundle %s: %s", a->bundle, strerror(errno));
	if (!rt_valid_id(id))
		return rt_record_dir(id, r.dir, sizeof(r.dir));
	if (oci_spec_load(a->bundle_abs, &s))
		return rt_fail_lib();
	rc = new_record(id, a, &s, &r);
	if (rc) {
		if (r.doc) /* made by us, not a container that already exists */
			undo(&r);
		oci_spec_free(&s);
		rt_record_free(&r);
		return rc;
	}
	rc = cache_dir(cache, sizeof(cache));
	if (!rc && rootfs_dir_ensure(s.root, cache, cpio, sizeof(cpio)))
		rc = rt_fail_lib();
	if (!rc)
		rc = monitor_argv(&s, cpio, &m);
	if (!rc) {
		log_monitor(&m.argv);
		rc = spawn(&r, &s, a, &m, cpio);
	}
	if (!rc)
		rc = run_create_hooks(&r, &s);
	if (!rc && a->pid_file)
		rc = write_pid_file(a->pid_file, r.pid);
	if (rc)
		undo(&r);
	launch_argv_free(&m.argv);
	json_decref(m.conf);
	oci_spec_free(&s);
	rt_record_free(&r);
	return rc;
}

static int run(int argc, char **argv)
{
	struct create_args a = { .bundle = "." };
	const struct rt_opt opts[] = {
		{ "bundle", 'b', &a.bundle, NULL },
		{ "pid-file", 0, &a.pid_file, NULL },
		{ "console-socket", 0, &a.console_socket, NULL },
		{ "preserve-fds", 0, &a.preserve_fds, NULL },
		{ "no-pivot", 0, NULL, &a.no_pivot },
		{ "no-new-keyring", 0, NULL, &a.no_new_keyring },
		{ NULL, 0, NULL, NULL },
	};
	int first, rc;

	rc = rt_parse("create", opts, argc, argv, &first);
	if (!rc)
		rc = rt_need_args("create", rt_verb_create.usage, argc, first, 1, 1);
	return rc ? rc : create(argv[first], &a);
}
