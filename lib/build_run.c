/*
 * RUN: the command runs under runc (Debian's) in a bundle generated for
 * the step: its root is the step's overlay, its environment the stage's
 * ARG/ENV scope, its directory WORKDIR, its user USER; new PID, IPC, UTS,
 * mount and network namespaces (the network one only without --network
 * host, so a RUN has no network by default); /proc, /dev, /dev/pts,
 * /dev/shm, /dev/mqueue, /sys (read-only) and a /tmp tmpfs, with the
 * masked and read-only paths of runc's example spec, and Docker's default
 * capabilities. Its output streams to the progress, one prefixed line at
 * a time, as BuildKit's plain progress shows it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build_int.h"
#include "json_util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What runc makes as mount points; not part of the step's change. */
static const char *const mount_points[] = { "proc", "dev", "sys", "tmp" };

static const char *const capabilities[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
	"CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP",
	"CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
	"CAP_AUDIT_WRITE",
};

static const char *const masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/sys/firmware", "/proc/scsi",
};

static const char *const readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static json_t *str_list(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

#define LIST(v) str_list(v, sizeof(v) / sizeof((v)[0]))

json_t *run_argv(const struct stage_state *ss, const struct df_inst *in)
{
	json_t *a;

	if (in->json)
		return str_list((const char *const *)in->args, in->nargs);
	a = json_deep_copy(ss->shell);
	if (a && in->nargs)
		json_array_append_new(a, json_string(in->args[0]));
	return a;
}

static json_t *run_env(const struct stage_state *ss)
{
	json_t *env = json_array();

	for (size_t i = 0; i < ss->scope.n; i++)
		env_list_set(env, ss->scope.key[i], ss->scope.val[i]);
	if (!df_vars_get(&ss->scope, "PATH"))
		env_list_set(env, "PATH", DEFAULT_PATH);
	return env;
}

static json_t *mount(const char *dest, const char *type, const char *source,
		     json_t *options)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "destination", dest, "type", type,
			 "source", source, "options", options);
}

static json_t *mounts(void)
{
	json_t *m = json_array();

	json_array_append_new(m, mount("/proc", "proc", "proc", json_array()));
	json_array_append_new(m, mount("/dev", "tmpfs", "tmpfs",
		json_pack("[s, s, s, s]", "nosuid", "strictatime", "mode=755",
			  "size=65536k")));
	json_array_append_new(m, mount("/dev/pts", "devpts", "devpts",
		json_pack("[s, s, s, s, s, s]", "nosuid", "noexec", "newinstance",
			  "ptmxmode=0666", "mode=0620", "gid=5")));
	json_array_append_new(m, mount("/dev/shm", "tmpfs", "shm",
		json_pack("[s, s, s, s, s]", "nosuid", "noexec", "nodev",
			  "mode=1777", "size=65536k")));
	json_array_append_new(m, mount("/dev/mqueue", "mqueue", "mqueue",
		json_pack("[s, s, s]", "nosuid", "noexec", "nodev")));
	json_array_append_new(m, mount("/sys", "sysfs", "sysfs",
		json_pack("[s, s, s, s]", "nosuid", "noexec", "nodev", "ro")));
	json_array_append_new(m, mount("/tmp", "tmpfs", "tmpfs",
		json_pack("[s, s, s]", "nosuid", "nodev", "mode=1777")));
	return m;
}

static json_t *namespaces(bool host_network)
{
	json_t *ns = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid",
			       "type", "ipc", "type", "uts", "type", "mount");

	if (!host_network)
		json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
	return ns;
}

static json_t *bundle_config(const struct build *b, struct stage_state *ss,
			     const struct df_inst *in, const char *rootfs,
			     uint32_t uid, uint32_t gid)
{
	const char *cwd = json_string_value(json_object_get(stage_config(ss),
							    "WorkingDir"));

	return json_pack("{s:s, s:{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:o, s:o},"
			 " s:b}, s:{s:s, s:b}, s:s, s:o,"
			 " s:{s:o, s:o, s:o}}",
			 "ociVersion", "1.0.2",
			 "process", "terminal", 0, "user", "uid", (int)uid, "gid", (int)gid,
			 "args", run_argv(ss, in), "env", run_env(ss),
			 "cwd", cwd && *cwd ? cwd : "/",
			 "capabilities", "bounding", LIST(capabilities),
			 "effective", LIST(capabilities), "permitted", LIST(capabilities),
			 "noNewPrivileges", 0,
			 "root", "path", rootfs, "readonly", 0,
			 "hostname", "husk-build", "mounts", mounts(),
			 "linux", "namespaces", namespaces(b->o->network_host),
			 "maskedPaths", LIST(masked), "readonlyPaths", LIST(readonly));
}

static int write_bundle(struct build *b, struct stage_state *ss,
			const struct df_inst *in, const char *rootfs,
			char *bundle, size_t n)
{
	char path[BUILD_PATH], err[256];
	const char *user = json_string_value(json_object_get(stage_config(ss), "User"));
	uint32_t uid = 0, gid = 0;
	json_t *config;
	int rc;

	if (user && *user && users_resolve(rootfs, user, false, &uid, &gid, err,
					   sizeof(err)))
		return build_fail_at(STORE_ERR, b, in, "%s", err);
	rc = build_scratch_dir(b, "bundle", bundle, n);
	if (rc)
		return rc;
	config = bundle_config(b, ss, in, rootfs, uid, gid);
	if (!config)
		return store_fail(STORE_ERR, "out of memory");
	rc = path_join(path, sizeof(path), bundle, "config.json");
	if (!rc && json_dump_file(config, path, JSON_INDENT(1)))
		rc = store_fail_errno("%s", path);
	json_decref(config);
	return rc;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Prints each complete line of the output as it arrives. */
static void stream(struct build *b, int fd)
{
	char buf[8192];
	size_t have = 0;
	struct timespec t0;
	ssize_t k;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((k = read(fd, buf + have, sizeof(buf) - have)) != 0) {
		char *nl, *start = buf;

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		have += (size_t)k;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			print_output(b, seconds_since(&t0), start, (size_t)(nl - start));
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == sizeof(buf)) {
			print_output(b, seconds_since(&t0), buf, have);
			have = 0;
		}
	}
	if (have)
		print_output(b, seconds_since(&t0), buf, have);
}

static void exec_runc(const char *state, const char *bundle, const char *id,
		      int out)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	execlp("runc", "runc", "--root", state, "run", "--bundle", bundle, id,
	       (char *)NULL);
	fprintf(stderr, "cannot run runc: %s\n", strerror(errno));
	_exit(127);
}

/* runc's status: the command's, 128+N for a signal, 127 without runc. */
static int run_runc(struct build *b, const char *bundle, int *status)
{
	char state[BUILD_PATH], id[64];
	int pipefd[2], ws;
	pid_t pid;

	snprintf(id, sizeof(id), "husk-build-%d-%u", (int)getpid(), b->serial++);
	if (path_join(state, sizeof(state), b->work, "runc"))
		return STORE_ERR;
	if (pipe2(pipefd, O_CLOEXEC))
		return store_fail_errno("pipe");
	if (b->o->progress)
		fflush(b->o->progress);
	pid = fork();
	if (pid < 0)
		return store_fail_errno("fork");
	if (pid == 0)
		exec_runc(state, bundle, id, pipefd[1]);
	close(pipefd[1]);
	stream(b, pipefd[0]);
	close(pipefd[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}

/* Drops the mount points runc created that the tree did not have. */
static void drop_mount_points(const struct stage_state *ss, const char *upper)
{
	char lower[BUILD_PATH], path[BUILD_PATH];
	struct stat st;

	for (size_t i = 0; i < sizeof(mount_points) / sizeof(mount_points[0]); i++) {
		if (path_join(lower, sizeof(lower), ss->root, mount_points[i]) ||
		    path_join(path, sizeof(path), upper, mount_points[i]))
			continue;
		if (lstat(lower, &st) && !lstat(path, &st) && S_ISDIR(st.st_mode))
			remove_tree(path);
	}
}

int run_step(struct build *b, struct stage_state *ss, const struct df_inst *in,
	     const struct digest *key)
{
	struct cache_entry e = { .created = build_now(b) };
	char bundle[BUILD_PATH];
	struct fs_step fs;
	int rc, status = 0;

	rc = fs_step_begin(b, ss, &fs);
	if (!rc)
		rc = write_bundle(b, ss, in, fs.merged, bundle, sizeof(bundle));
	if (!rc)
		rc = run_runc(b, bundle, &status);
	if (!rc && status)
		rc = build_fail_at(BUILD_STEP_FAILED, b, in, "exit code %d", status);
	if (rc) {
		fs_step_abort(&fs);
		return rc;
	}
	rc = fs_step_unmount(&fs);
	if (!rc)
		drop_mount_points(ss, fs.upper);
	if (!rc)
		rc = fs_step_end(b, ss, &fs, &e);
	else
		fs_step_abort(&fs);
	if (!rc)
		rc = stage_history(ss, in->text, e.created, !e.has_layer);
	return rc ? rc : cache_store(b, key, &e);
}
