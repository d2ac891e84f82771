/*
 * process.terminal: the container gets a pseudo-terminal, and its master
 * goes to the engine through --console-socket (an AF_UNIX socket) as
 * SCM_RIGHTS, with the slave's path as the message, as runc sends it. The
 * engine then copies between the master and its user; the init takes the
 * slave as its controlling terminal and standard streams (init.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "runtime.h"

static int send_fd(int sock, int fd, const char *name)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr msg = { 0 };
	struct cmsghdr *c;

	memset(control, 0, sizeof(control));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) < 0 ? -1 : 0;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		close(s);
		return -1;
	}
	return s;
}

/* process.consoleSize {height, width}, when the engine gives one. */
static void set_size(int master, const json_t *size)
{
	struct winsize ws = { 0 };

	if (!json_is_object(size))
		return;
	ws.ws_row = (unsigned short)json_integer_value(json_object_get(size, "height"));
	ws.ws_col = (unsigned short)json_integer_value(json_object_get(size, "width"));
	if (ws.ws_row && ws.ws_col)
		ioctl(master, TIOCSWINSZ, &ws);
}

int rt_console_setup(const char *socket_path, const json_t *size, char *slave,
		     size_t n, int *master)
{
	int m, sock;

	if (!socket_path)
		return rt_fail("process.terminal is true but no --console-socket was "
			       "given: husk-runtime cannot allocate a terminal "
			       "without one");
	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, slave, n)) {
		if (m >= 0)
			close(m);
		return rt_fail("cannot allocate a pseudo-terminal: %s", strerror(errno));
	}
	set_size(m, size);
	sock = connect_socket(socket_path);
	if (sock < 0 || send_fd(sock, m, slave)) {
		int err = errno;
		if (sock >= 0)
			close(sock);
		close(m);
		return rt_fail("--console-socket %s: %s", socket_path, strerror(err));
	}
	close(sock);
	*master = m;
	return 0;
}
