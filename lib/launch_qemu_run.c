/*
 * husk-qemu's work: run QEMU as husk-vmm would run the guest, so that
 * whoever started the monitor (husk, husk-runtime's container init, an
 * engine's shim) sees the same process contract:
 *
 * - the exit status is the program's: QEMU's own keeps only 7 bits
 *   (isa-debug-exit), so the guest's "husk-exit N" line on isa-debugcon,
 *   read here from a pipe, is what counts (the last one: SeaBIOS shares
 *   the port on q35);
 * - the console reaches our standard output through a pipe we copy from,
 *   so QEMU never changes the flags of a descriptor the caller shares;
 * - SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are the
 *   program's, as on husk-vmm: each goes as one byte, its number, down a
 *   socket that QEMU gives the guest as COM2 (LAUNCH_QEMU_SIGNAL_FD), and
 *   the guest raises it. Nothing else happens: a program that ignores it
 *   runs on until whoever sent it gives up and sends SIGKILL, which
 *   takes QEMU with husk-qemu (PDEATHSIG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"

#define QEMU_SETUP_FAILED 123 /* husk-vmm's status for setup failures */
#define QEMU_NO_STATUS 125    /* the guest broke the exit protocol */

static const int passed[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

struct qemu_run {
	pid_t pid;
	int console, status, sigfd;   /* read ends; -1 once at EOF */
	int to_guest;                 /* our end of the guest's COM2 */
	char line[64];                /* the status line being read */
	size_t len;
	int guest_status;             /* -1 until "husk-exit N" */
};

/* The descriptors QEMU's command line names (launch_qemu.c), at their
 * numbers and kept across exec (dup2 onto itself keeps CLOEXEC). */
static int place_fd(int fd, int at)
{
	return dup2(fd, at) < 0 || fcntl(at, F_SETFD, 0) ? -1 : 0;
}

/* A descriptor out of the way of those placed, so that placing one never
 * closes another still to be placed. */
static int lift_fd(int fd)
{
	return fd > LAUNCH_QEMU_SIGNAL_FD ? fd :
		fcntl(fd, F_DUPFD_CLOEXEC, LAUNCH_QEMU_SIGNAL_FD + 1);
}

static void __attribute__((noreturn)) exec_qemu(char **argv, int console_w,
						int status_w, int signal_r,
						pid_t parent)
{
	sigset_t none;
	int null = open("/dev/null", O_RDONLY);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(QEMU_SETUP_FAILED);
	/* Its own process group: a signal to ours (a terminal's Ctrl-C, a
	 * runtime's kill --all) would end QEMU itself, not reach the guest
	 * through us. SIGKILL still takes it along (PDEATHSIG). */
	if (setpgid(0, 0))
		_exit(QEMU_SETUP_FAILED);
	console_w = lift_fd(console_w);
	status_w = lift_fd(status_w);
	signal_r = lift_fd(signal_r);
	if (null < 0 || console_w < 0 || status_w < 0 || signal_r < 0 ||
	    dup2(null, 0) < 0 || dup2(console_w, 1) < 0 ||
	    place_fd(status_w, LAUNCH_QEMU_STATUS_FD) ||
	    place_fd(signal_r, LAUNCH_QEMU_SIGNAL_FD))
		_exit(QEMU_SETUP_FAILED);
	execv(argv[0], argv);
	dprintf(2, "husk-qemu: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(QEMU_SETUP_FAILED);
}

/* A whole status line: "husk-exit N". */
static void status_line(struct qemu_run *r)
{
	char *end;
	long v;

	r->line[r->len] = '\0';
	if (strncmp(r->line, "husk-exit ", 10))
		return;
	v = strtol(r->line + 10, &end, 10);
	if (end != r->line + 10 && !*end && v >= 0 && v <= 255)
		r->guest_status = (int)v;
}

static void read_status(struct qemu_run *r)
{
	char buf[256];
	ssize_t k = read(r->status, buf, sizeof(buf));

	if (k <= 0) {
		if (k == 0 || errno != EINTR) {
			close(r->status);
			r->status = -1;
		}
		return;
	}
	for (ssize_t i = 0; i < k; i++) {
		if (buf[i] == '\n') {
			status_line(r);
			r->len = 0;
		} else if (r->len < sizeof(r->line) - 1) {
			r->line[r->len++] = buf[i];
		}
	}
}

/* Copies console output; a reader that went away only loses it. */
static void read_console(struct qemu_run *r)
{
	char buf[16384];
	ssize_t k = read(r->console, buf, sizeof(buf));

	if (k > 0) {
		write_full(1, buf, (size_t)k);
	} else if (k == 0 || errno != EINTR) {
		close(r->console);
		r->console = -1;
	}
}

/* Passes the signal on as its number; if QEMU has gone or stopped
 * reading, it is lost, as a signal to an ending husk-vmm is. */
static void read_signal(struct qemu_run *r)
{
	struct signalfd_siginfo si;
	uint8_t sig;

	if (read(r->sigfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo == SIGCHLD)
		return;
	sig = (uint8_t)si.ssi_signo;
	if (send(r->to_guest, &sig, 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		dprintf(2, "%s: signal %d not passed on to the guest: %s\n",
			LAUNCH_QEMU_WRAPPER, sig, strerror(errno));
}

static void pump(struct qemu_run *r)
{
	while (r->console >= 0 || r->status >= 0) {
		struct pollfd p[3] = {
			{ .fd = r->console, .events = POLLIN },
			{ .fd = r->status, .events = POLLIN },
			{ .fd = r->sigfd, .events = POLLIN },
		};
		if (poll(p, 3, -1) < 0)
			continue;
		if (p[0].revents)
			read_console(r);
		if (p[1].revents)
			read_status(r);
		if (p[2].revents)
			read_signal(r);
	}
}

static int finish(struct qemu_run *r, int wait_status, int *status)
{
	if (r->guest_status >= 0) {
		*status = r->guest_status;
		return 0;
	}
	if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
		*status = QEMU_NO_STATUS;
		return store_fail(STORE_ERR, "QEMU ended without the guest's exit "
				  "status (the guest stopped without reporting one)");
	}
	*status = QEMU_SETUP_FAILED;
	if (WIFSIGNALED(wait_status))
		return store_fail(STORE_ERR, "QEMU was killed by signal %d",
				  WTERMSIG(wait_status));
	return store_fail(STORE_ERR, "QEMU failed with status %d",
			  WEXITSTATUS(wait_status));
}

static int block_signals(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		sigaddset(&set, passed[i]);
	if (sigprocmask(SIG_BLOCK, &set, old))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

int launch_qemu_run(char **argv, int *status)
{
	struct qemu_run r = { .guest_status = -1, .console = -1, .status = -1 };
	int con[2], st[2], sig[2], wait_status = 0;
	pid_t self = getpid();
	sigset_t old;

	*status = QEMU_SETUP_FAILED;
	signal(SIGPIPE, SIG_IGN);
	r.sigfd = block_signals(&old);
	if (r.sigfd < 0 || pipe2(con, O_CLOEXEC) || pipe2(st, O_CLOEXEC) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sig))
		return store_fail_errno("cannot set up the pipes and signals");
	r.pid = fork();
	if (r.pid < 0)
		return store_fail_errno("cannot fork");
	if (!r.pid)
		exec_qemu(argv, con[1], st[1], sig[1], self);
	close(con[1]);
	close(st[1]);
	close(sig[1]);
	r.console = con[0];
	r.status = st[0];
	r.to_guest = sig[0];
	pump(&r);
	while (waitpid(r.pid, &wait_status, 0) < 0 && errno == EINTR)
		;
	close(r.to_guest);
	close(r.sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return finish(&r, wait_status, status);
}
