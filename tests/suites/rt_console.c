/*
 * rt_console [--hold] SOCKET OUT: the engine's end of husk-runtime's
 * --console-socket, for tests/suites/runtime_vmm.sh (what conmon or
 * containerd's shim do with a container that has process.terminal).
 *
 * Listens on SOCKET, then forks, and the parent exits: when it returns,
 * create may connect. The child accepts one connection, takes the
 * pseudo-terminal master that arrives as SCM_RIGHTS, writes the name
 * sent with it and the terminal's size ("NAME ROWSxCOLS") to OUT.name,
 * and copies all it reads from the master to OUT until the last slave is
 * closed (the monitor has ended), then exits.
 *
 * --hold keeps create waiting inside connect(): the listen backlog (0,
 * one pending connection) is filled by a connection of our own, which
 * is only taken off after SIGUSR1. Meanwhile create has written its
 * state without a pid, so a test can see the status "creating".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t released;

static void on_usr1(int sig)
{
	(void)sig;
	released = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "rt_console: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_on(const char *path, struct sockaddr_un *sa)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	strcpy(sa->sun_path, path);
	unlink(path);
	if (s < 0 || bind(s, (struct sockaddr *)sa, sizeof(*sa)) || listen(s, 0))
		die(path);
	return s;
}

/* The master from the message, and the slave's name it carries. */
static int receive_fd(int conn, char *name, size_t n)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { name, n - 1 };
	struct msghdr msg = { 0 };
	struct cmsghdr *c;
	ssize_t got;
	int fd;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	got = recvmsg(conn, &msg, 0);
	c = CMSG_FIRSTHDR(&msg);
	if (got < 0 || !c || c->cmsg_type != SCM_RIGHTS) {
		errno = got < 0 ? errno : EPROTO;
		die("recvmsg");
	}
	name[got] = '\0';
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void copy_out(int master, const char *out)
{
	char buf[4096];
	ssize_t k;
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);

	if (fd < 0)
		die(out);
	/* EIO: the last slave is closed; data written before is read first. */
	while ((k = read(master, buf, sizeof(buf))) > 0 || (k < 0 && errno == EINTR))
		if (k > 0 && write(fd, buf, (size_t)k) != k)
			die(out);
	close(fd);
}

static void serve(int s, int dummy, const char *out)
{
	char name[256], path[4096];
	struct winsize ws = { 0 };
	sigset_t usr1, old;
	int conn, master;
	FILE *f;

	if (dummy >= 0) {
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, &old);
		while (!released)
			sigsuspend(&old);
		close(accept(s, NULL, NULL)); /* ours: the backlog frees */
		close(dummy);
	}
	conn = accept(s, NULL, NULL);
	if (conn < 0)
		die("accept");
	master = receive_fd(conn, name, sizeof(name));
	close(conn);
	close(s);
	ioctl(master, TIOCGWINSZ, &ws);
	snprintf(path, sizeof(path), "%s.name", out);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s %ux%u\n", name, ws.ws_row, ws.ws_col) < 0 || fclose(f))
		die(path);
	copy_out(master, out);
}

/* The caller may read our stdout to its end ($(...)): the child lets go
 * of it, and of stderr, whose messages go to OUT.err. */
static void detach(const char *out)
{
	char path[4096];
	int null = open("/dev/null", O_RDWR), err;

	snprintf(path, sizeof(path), "%s.err", out);
	err = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (null < 0 || err < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(err, 2) < 0)
		die("detach");
	close(null);
	close(err);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { 0 };
	int hold = argc > 1 && !strcmp(argv[1], "--hold");
	int s, dummy = -1;
	pid_t pid;

	if (argc != 3 + hold) {
		fprintf(stderr, "usage: rt_console [--hold] SOCKET OUT\n");
		return 2;
	}
	signal(SIGUSR1, on_usr1);
	s = listen_on(argv[1 + hold], &sa);
	if (hold) {
		dummy = socket(AF_UNIX, SOCK_STREAM, 0);
		if (dummy < 0 || connect(dummy, (struct sockaddr *)&sa, sizeof(sa)))
			die("the holding connection");
	}
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid) {
		printf("%d\n", (int)pid); /* for the SIGUSR1 */
		return 0;
	}
	setsid(); /* the caller's terminal signals are not ours */
	detach(argv[2 + hold]);
	serve(s, dummy, argv[2 + hold]);
	return 0;
}
