/*
 * The container's init process: forked by create, it sets itself up
 * (process group or session and terminal, network namespace), says so on
 * a pipe, then blocks opening exec.fifo for writing until `start` opens
 * it for reading, as runc's init does. Then it execs the monitor in its
 * own place: the pid engines got in --pid-file is the monitor's, so their
 * signals and their wait reach it, and create can exit meanwhile (the
 * init is adopted by the engine's subreaper: containerd's shim, conmon).
 *
 * Before it blocks on the fifo it waits for create to have recorded its
 * pid: an init whose create was killed before that is found by nobody
 * (delete sees a record without a pid), so it must not live on.
 *
 * Between the two it plugs the guest into the namespace's network, if
 * it has one (net.c). Once it has told `start` to go on, it removes the
 * fifo itself, so that the status says running even if `start` is
 * killed before it could remove it.
 *
 * The init leads its own process group, so that `kill --all` and delete
 * reach the QEMU fallback's child too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

#include "container.h"
#include "runtime.h"
#include "store.h"

/* Tells create what failed, and ends the init. */
static void __attribute__((noreturn)) init_fail(int report, const char *what)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "container init: %s: %s", what,
			 strerror(errno));

	write_full(report, msg, (size_t)n);
	_exit(RT_EXIT_FAIL);
}

static void default_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void take_terminal(const char *slave, int report)
{
	int fd;

	if (setsid() < 0)
		init_fail(report, "setsid");
	fd = open(slave, O_RDWR);
	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0))
		init_fail(report, slave);
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		init_fail(report, "dup2");
	if (fd > 2)
		close(fd);
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Returns whether the container has a network namespace of its own: not
 * the engine's, which docker's --network host names by path
 * (/var/run/docker/netns/default), and whose links are never touched.
 */
static int enter_netns(const struct rt_init *in, int report)
{
	struct stat engine, ours;
	int fd;

	if (stat("/proc/self/ns/net", &engine))
		init_fail(report, "/proc/self/ns/net");
	if (in->new_netns && unshare(CLONE_NEWNET))
		init_fail(report, "a new network namespace");
	if (in->netns_path) {
		fd = open(in->netns_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET))
			init_fail(report, in->netns_path);
		close(fd);
	}
	if (stat("/proc/self/ns/net", &ours))
		init_fail(report, "/proc/self/ns/net");
	return !same_file(&engine, &ours);
}

/*
 * At start, once the engine has set the namespace up: the monitor's
 * command line, with a NIC when the container's own namespace has an
 * addressed interface (net.c). A failure goes to `start` on the fifo
 * instead of the "0" that means go, and ends the init.
 */
static char **plug_network(const struct rt_init *in, int own_netns, int fifo)
{
	char err[512], msg[600], **argv = in->argv;
	int n;

	if (!own_netns)
		return argv;
	if (!rt_net_attach(in, &argv, err, sizeof(err)))
		return argv;
	n = snprintf(msg, sizeof(msg), "container init: %s", err);
	write_full(fifo, msg, (size_t)n);
	dprintf(2, "%s: %s\n", RT_NAME, msg);
	_exit(RT_EXIT_FAIL);
}

/* Waits for create's byte: none (create died first) ends the init. */
static void wait_for_record(int go)
{
	ssize_t k;
	char c;

	while ((k = read(go, &c, 1)) < 0 && errno == EINTR)
		;
	if (k != 1)
		_exit(RT_EXIT_FAIL);
	close(go);
}

static void __attribute__((noreturn)) init_main(const struct rt_init *in,
						int report, int go)
{
	char **argv;
	int fifo, own_netns;

	default_signals();
	if (in->console)
		take_terminal(in->console, report);
	else if (setpgid(0, 0))
		init_fail(report, "setpgid");
	own_netns = enter_netns(in, report);
	/* Nothing the engine left open reaches the monitor but stdio. */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	close(report);  /* create stops waiting: we are ready */
	wait_for_record(go);
	fifo = open(in->fifo, O_WRONLY | O_CLOEXEC);
	if (fifo < 0) {
		dprintf(2, "%s: container init: %s: %s\n", RT_NAME, in->fifo,
			strerror(errno));
		_exit(RT_EXIT_FAIL);
	}
	argv = plug_network(in, own_netns, fifo);
	if (write(fifo, "0", 1) != 1) {
		dprintf(2, "%s: container init: %s: %s\n", RT_NAME, in->fifo,
			strerror(errno));
		_exit(RT_EXIT_FAIL);
	}
	close(fifo);
	unlink(in->fifo); /* running from now on, whatever becomes of start */
	execv(argv[0], argv);
	dprintf(2, "%s: cannot run the monitor %s: %s\n", RT_NAME, argv[0],
		strerror(errno));
	_exit(STORE_ERR);
}

pid_t rt_init_spawn(const struct rt_init *in, int *go)
{
	char msg[512];
	size_t got;
	int p[2], g[2];
	pid_t pid;

	*go = -1;
	if (pipe2(p, O_CLOEXEC)) {
		store_fail_errno("pipe");
		return -1;
	}
	if (pipe2(g, O_CLOEXEC)) {
		store_fail_errno("pipe");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		store_fail_errno("fork");
		close(p[0]);
		close(p[1]);
		close(g[0]);
		close(g[1]);
		return -1;
	}
	if (!pid) {
		close(p[0]);
		close(g[1]);
		init_main(in, p[1], g[0]);
	}
	close(p[1]);
	close(g[0]);
	got = proc_read_status(p[0], msg, sizeof(msg));
	if (!got) {
		*go = g[1];
		return pid;
	}
	close(g[1]);
	waitpid(pid, NULL, 0);
	store_fail(STORE_ERR, "%s", msg);
	return -1;
}

int rt_init_go(int go)
{
	int rc;

	/* An init that died meanwhile must not take create with it. */
	signal(SIGPIPE, SIG_IGN);
	rc = write_full(go, "1", 1);
	close(go);
	return rc ? rt_fail("container init: %s", strerror(errno)) : 0;
}
