/*
 * A small HTTP/1.0 server for the network tests (tests/suites/net.sh):
 * one thread, epoll, every socket non-blocking, "Connection: close" after
 * each response.
 *   httpd PORT
 * prints "listening on PORT" once it accepts connections, then serves:
 *   GET /        a fixed page (a query string is ignored: /?1, /?2...)
 *   GET /stats   the number of open file descriptors, so that a test can
 *                compare it before and after a load (no leaked sockets)
 *   GET /big     4 MiB (/big?BYTES: that many), for clients that stop
 *                reading or close early
 * anything else is 404. Runs until killed. Without arguments it prints
 * its usage and exits 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define REQUEST_MAX 4096
#define MAX_FD 4096
#define BIG_BYTES (4 << 20)
#define PAGE "<html><body><h1>hello from husk</h1></body></html>\n"

struct conn {
	char req[REQUEST_MAX];
	size_t got;
	char head[256];        /* response header, then the body */
	size_t head_len, head_sent;
	const char *body;      /* NULL: generated (/big) */
	size_t body_len, body_sent;
	int responding;
};

static struct conn *conns[MAX_FD];
static char filler[65536];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < MAX_FD; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket");
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("setsockopt");
	if (bind(s, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	if (listen(s, 256))
		die("listen");
	return s;
}

static void drop(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, 0);
	close(fd);
	free(conns[fd]);
	conns[fd] = 0;
}

static void respond(int ep, int fd, struct conn *c)
{
	static char stats[32];
	const char *status = "200 OK";
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLRDHUP, .data.fd = fd };

	c->body = PAGE;
	c->body_len = strlen(PAGE);
	if (!strncmp(c->req, "GET /stats ", 11)) {
		snprintf(stats, sizeof(stats), "%d\n", open_fds());
		c->body = stats;
		c->body_len = strlen(stats);
	} else if (!strncmp(c->req, "GET /big ", 9) || !strncmp(c->req, "GET /big?", 9)) {
		c->body = 0;
		c->body_len = c->req[8] == '?' ? strtoull(c->req + 9, 0, 10) : BIG_BYTES;
	} else if (strncmp(c->req, "GET / ", 6) && strncmp(c->req, "GET /?", 6)) {
		status = "404 Not Found";
		c->body = "not found\n";
		c->body_len = strlen(c->body);
	}
	c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
		"HTTP/1.0 %s\r\nContent-Type: text/html\r\n"
		"Content-Length: %zu\r\nConnection: close\r\n\r\n",
		status, c->body_len);
	c->responding = 1;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev))
		die("epoll_ctl");
}

/* Reads until the end of the request header, then answers. */
static void readable(int ep, int fd, struct conn *c)
{
	for (;;) {
		ssize_t n = read(fd, c->req + c->got, REQUEST_MAX - 1 - c->got);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			drop(ep, fd);
			return;
		}
		c->got += (size_t)n;
		c->req[c->got] = 0;
		if (strstr(c->req, "\r\n\r\n")) {
			respond(ep, fd, c);
			return;
		}
		if (c->got == REQUEST_MAX - 1) {
			drop(ep, fd);
			return;
		}
	}
}

/* The next piece to send, and its length. */
static const char *next_piece(struct conn *c, size_t *len)
{
	size_t left;

	if (c->head_sent < c->head_len) {
		*len = c->head_len - c->head_sent;
		return c->head + c->head_sent;
	}
	left = c->body_len - c->body_sent;
	if (c->body) {
		*len = left;
		return c->body + c->body_sent;
	}
	*len = left < sizeof(filler) ? left : sizeof(filler);
	return filler;
}

static void writable(int ep, int fd, struct conn *c)
{
	for (;;) {
		size_t len;
		const char *p = next_piece(c, &len);
		ssize_t n;

		if (!len) {
			drop(ep, fd);
			return;
		}
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			drop(ep, fd); /* EPIPE, ECONNRESET: the client left */
			return;
		}
		if (c->head_sent < c->head_len)
			c->head_sent += (size_t)n;
		else
			c->body_sent += (size_t)n;
	}
}

static void accept_all(int ep, int ls)
{
	for (;;) {
		int fd = accept4(ls, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };

		if (fd < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED)
				perror("accept4");
			return;
		}
		if (fd >= MAX_FD || !(conns[fd] = calloc(1, sizeof(struct conn)))) {
			close(fd);
			continue;
		}
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
			die("epoll_ctl");
	}
}

static void event(int ep, int ls, const struct epoll_event *e)
{
	int fd = e->data.fd;
	struct conn *c = conns[fd];

	if (fd == ls) {
		accept_all(ep, ls);
		return;
	}
	if (!c)
		return;
	if (c->responding && (e->events & (EPOLLERR | EPOLLHUP))) {
		drop(ep, fd);
		return;
	}
	if (c->responding)
		writable(ep, fd, c);
	else
		readable(ep, fd, c);
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN }, events[MAX_EVENTS];
	int port, ls, ep;

	if (argc != 2 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: httpd PORT\n");
		return 2;
	}
	memset(filler, 'x', sizeof(filler));
	ls = listen_on(port);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	ev.data.fd = ls;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev))
		die("epoll_ctl");
	printf("listening on %d\n", port);
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, events, MAX_EVENTS, -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++)
			event(ep, ls, &events[i]);
	}
}
