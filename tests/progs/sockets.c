/*
 * Sockets over 127.0.0.1 and AF_UNIX: TCP and UDP, stream, datagram and
 * seqpacket Unix sockets, socketpair, names, options, readiness (poll and
 * epoll, level- and edge-triggered), shutdown, EPIPE and SIGPIPE,
 * ECONNREFUSED, non-blocking connect, SCM_RIGHTS, sendfile and a 4 MiB
 * transfer with its checksum. One deterministic line per check ("ok N
 * what" / "not ok N what: details"), then "sockets: N checks, M failed";
 * exits 0 only when every check passed. Plain Linux: the same binary runs
 * on the host (the reference) and on husk.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BIG (4 << 20)
#define SOCK_PATH "/tmp/sockets.sock"
#define DGRAM_PATH "/tmp/sockets.dgram"
#define FILE_PATH "/tmp/sockets.file"

static int n, failed;

static void check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	n++;
	if (ok) {
		printf("ok %d %s\n", n, what);
		return;
	}
	failed++;
	printf("not ok %d %s: ", n, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d %s)\n", errno, strerror(errno));
}

static void check_err(long r, int e, const char *what)
{
	int got = errno;

	check(r == -1 && got == e, what, "returned %ld, errno %d, want errno %d", r, got, e);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A TCP listener on 127.0.0.1 at an ephemeral port; *port gets it. */
static int tcp_listener(int backlog, int *port)
{
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, backlog) ||
	    getsockname(s, (struct sockaddr *)&a, &len))
		return -1;
	*port = ntohs(a.sin_port);
	return s;
}

static int tcp_connect(int port)
{
	struct sockaddr_in a = loopback(port);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		close(s);
		return -1;
	}
	return s;
}

/* A connected TCP pair: *c the client's end, *s the server's. */
static int tcp_pair(int *c, int *s)
{
	int port, l = tcp_listener(4, &port);

	if (l < 0 || (*c = tcp_connect(port)) < 0)
		return -1;
	*s = accept(l, 0, 0);
	close(l);
	return *s < 0 ? -1 : 0;
}

static int poll1(int fd, short events, int timeout)
{
	struct pollfd p = { fd, events, 0 };
	int r = poll(&p, 1, timeout);

	return r < 0 ? -1 : p.revents;
}

static int getint(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, level, name, &v, &len) ? -1 : v;
}

static int setint(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

/* Reads exactly len bytes (or until end of file / error). */
static long read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		long r = read(fd, (char *)buf + done, len - done);
		if (r <= 0)
			return done ? (long)done : r;
		done += (size_t)r;
	}
	return (long)done;
}

/* ---- the socket as a file ---- */

static void test_file(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	char link[64], buf[64];
	struct stat st;
	long r;

	check(s >= 0, "socket AF_INET SOCK_STREAM", "socket %d", s);
	check(fstat(s, &st) == 0 && S_ISSOCK(st.st_mode), "fstat says S_IFSOCK", "mode %o", st.st_mode);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", s);
	r = readlink(link, buf, sizeof(buf) - 1);
	buf[r > 0 ? r : 0] = 0;
	check(r > 0 && !strncmp(buf, "socket:[", 8) && buf[r - 1] == ']',
	      "/proc/self/fd link is socket:[N]", "link '%s'", buf);
	check(fcntl(s, F_GETFD) == FD_CLOEXEC, "SOCK_CLOEXEC", "F_GETFD %d", fcntl(s, F_GETFD));
	check(fcntl(s, F_GETFL) & O_NONBLOCK, "SOCK_NONBLOCK", "F_GETFL %#x", fcntl(s, F_GETFL));
	check(getint(s, SOL_SOCKET, SO_TYPE) == SOCK_STREAM &&
	      getint(s, SOL_SOCKET, SO_DOMAIN) == AF_INET &&
	      getint(s, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP,
	      "SO_TYPE, SO_DOMAIN, SO_PROTOCOL", "%d %d %d", getint(s, SOL_SOCKET, SO_TYPE),
	      getint(s, SOL_SOCKET, SO_DOMAIN), getint(s, SOL_SOCKET, SO_PROTOCOL));
	check_err(read(s, buf, 1), ENOTCONN, "read of an unconnected TCP socket: ENOTCONN");
	close(s);
	check_err(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT,
		  "socket with a wrong protocol: EPROTONOSUPPORT");
	check_err(socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT, "socket of an unknown family: EAFNOSUPPORT");
	int p[2];
	pipe(p);
	check_err(getsockname(p[0], (struct sockaddr *)buf, &(socklen_t){ 16 }), ENOTSOCK,
		  "getsockname of a pipe: ENOTSOCK");
	close(p[0]);
	close(p[1]);
}

/* ---- TCP: connect, accept, names, echo ---- */

struct echo_arg {
	int listener, conns;
	long bytes;
};

/* Accepts conns connections one at a time and echoes each until EOF. */
static void *echo_server(void *p)
{
	struct echo_arg *e = p;
	char buf[4096];

	for (int i = 0; i < e->conns; i++) {
		int c = accept(e->listener, 0, 0);
		long r;

		if (c < 0)
			return 0;
		while ((r = read(c, buf, sizeof(buf))) > 0) {
			e->bytes += r;
			if (write(c, buf, (size_t)r) != r)
				break;
		}
		close(c);
	}
	return 0;
}

static void test_tcp_basics(void)
{
	struct sockaddr_in a, peer, mine;
	socklen_t len = sizeof(a);
	struct echo_arg e = { 0 };
	pthread_t t;
	int port, c, one;
	char buf[64];

	e.listener = tcp_listener(8, &port);
	e.conns = 1;
	check(e.listener >= 0 && port > 0, "listen on 127.0.0.1, ephemeral port", "port %d", port);
	check(getint(e.listener, SOL_SOCKET, SO_ACCEPTCONN) == 1, "SO_ACCEPTCONN of a listener", "%d",
	      getint(e.listener, SOL_SOCKET, SO_ACCEPTCONN));
	one = socket(AF_INET, SOCK_STREAM, 0);
	a = loopback(port);
	check_err(bind(one, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE, "bind to a port in use: EADDRINUSE");
	close(one);
	pthread_create(&t, 0, echo_server, &e);
	c = tcp_connect(port);
	check(c >= 0, "connect to the listener", "fd %d", c);
	check(getpeername(c, (struct sockaddr *)&peer, &len) == 0 && peer.sin_port == htons(port) &&
	      peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "getpeername is the listener", "port %d",
	      ntohs(peer.sin_port));
	len = sizeof(mine);
	check(getsockname(c, (struct sockaddr *)&mine, &len) == 0 && mine.sin_port != 0 &&
	      mine.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "getsockname is 127.0.0.1:ephemeral", "%x",
	      mine.sin_addr.s_addr);
	check(write(c, "hello", 5) == 5 && read_full(c, buf, 5) == 5 && !memcmp(buf, "hello", 5),
	      "echo over TCP", "got '%.5s'", buf);
	check(send(c, "x", 1, MSG_NOSIGNAL) == 1 && recv(c, buf, 1, MSG_WAITALL) == 1 && buf[0] == 'x',
	      "send and recv", "got %c", buf[0]);
	shutdown(c, SHUT_WR);
	check(read(c, buf, sizeof(buf)) == 0, "read after the server closes: end of file", "");
	pthread_join(t, 0);
	close(c);
	close(e.listener);
	check(e.bytes == 6, "the server saw every byte", "%ld", e.bytes);
}

/* A port nobody listens on: bound once, then closed. */
static int closed_port(void)
{
	int port, s = tcp_listener(1, &port);

	close(s);
	return port;
}

static void test_connect_errors(void)
{
	struct sockaddr_in a = loopback(closed_port());
	int s = socket(AF_INET, SOCK_STREAM, 0), r, err;

	check_err(connect(s, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED,
		  "connect to a closed port: ECONNREFUSED");
	close(s);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(s, (struct sockaddr *)&a, sizeof(a));
	err = errno;
	if (r < 0 && err == EINPROGRESS) {
		r = poll1(s, POLLOUT, 5000);
		check(r > 0 && (r & POLLERR), "non-blocking connect refused: POLLERR", "revents %#x", r);
		err = getint(s, SOL_SOCKET, SO_ERROR);
	}
	check(err == ECONNREFUSED, "non-blocking connect refused: ECONNREFUSED", "error %d", err);
	close(s);
}

static void test_nonblocking_connect(void)
{
	int port, l = tcp_listener(4, &port), s, r, err, c;
	struct sockaddr_in a = loopback(port);

	s = socket(AF_INET, SOCK_STREAM, 0);
	fcntl(s, F_SETFL, O_NONBLOCK);
	r = connect(s, (struct sockaddr *)&a, sizeof(a));
	err = errno;
	check(r == 0 || err == EINPROGRESS, "non-blocking connect: EINPROGRESS", "r %d", r);
	r = poll1(s, POLLOUT, 5000);
	check(r == POLLOUT, "non-blocking connect: then POLLOUT", "revents %#x", r);
	check(getint(s, SOL_SOCKET, SO_ERROR) == 0, "non-blocking connect: SO_ERROR 0", "");
	check(connect(s, (struct sockaddr *)&a, sizeof(a)) == 0, "connect again: 0, it completed", "");
	check_err(connect(s, (struct sockaddr *)&a, sizeof(a)), EISCONN, "and once more: EISCONN");
	c = accept4(l, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC);
	check(c >= 0 && (fcntl(c, F_GETFL) & O_NONBLOCK) && fcntl(c, F_GETFD) == FD_CLOEXEC,
	      "accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC", "fd %d", c);
	fcntl(l, F_SETFL, O_NONBLOCK);
	check_err(accept(l, 0, 0), EAGAIN, "accept on a non-blocking listener with nothing: EAGAIN");
	close(c);
	close(s);
	close(l);
}

/* listen(fd, 1) queues two connections (Linux's backlog + 1); a third
 * waits, unanswered, until accept makes room. */
static void test_backlog(void)
{
	int port, l = tcp_listener(1, &port), c[3], got = 0;
	struct sockaddr_in a = loopback(port);

	for (int i = 0; i < 3; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(c[i], (struct sockaddr *)&a, sizeof(a));
		if (i < 2)
			got += poll1(c[i], POLLOUT, 5000) == POLLOUT;
	}
	check(got == 2, "listen backlog 1: two connections complete", "%d", got);
	check(poll1(c[2], POLLOUT, 200) == 0, "listen backlog 1: a third waits", "");
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(l);
}

static void test_select(void)
{
	int c, s, r;
	fd_set rd;
	struct timeval tv = { 5, 0 };

	if (tcp_pair(&c, &s)) {
		check(0, "a TCP pair", "");
		return;
	}
	write(c, "s", 1);
	FD_ZERO(&rd);
	FD_SET(s, &rd);
	r = select(s + 1, &rd, 0, 0, &tv);
	check(r == 1 && FD_ISSET(s, &rd), "select: a socket with data is readable", "%d", r);
	close(c);
	close(s);
}

/* ---- data: flags, ioctls, shutdown, errors ---- */

static void test_stream_flags(void)
{
	int c, s, v = 1, r;
	char buf[16];

	if (tcp_pair(&c, &s)) {
		check(0, "a TCP pair", "");
		return;
	}
	check_err(recv(s, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT with nothing: EAGAIN");
	ioctl(s, FIONBIO, &v);
	check_err(read(s, buf, sizeof(buf)), EAGAIN, "FIONBIO, then read: EAGAIN");
	check(poll1(s, POLLIN | POLLOUT, 0) == POLLOUT, "poll: POLLOUT only", "%#x", poll1(s, POLLIN | POLLOUT, 0));
	write(c, "abcdef", 6);
	r = poll1(s, POLLIN, 5000);
	check(r == POLLIN, "poll: POLLIN once data came", "%#x", r);
	v = -1;
	ioctl(s, FIONREAD, &v);
	check(v == 6, "FIONREAD", "%d", v);
	check(recv(s, buf, 3, MSG_PEEK) == 3 && !memcmp(buf, "abc", 3), "MSG_PEEK", "");
	check(read(s, buf, sizeof(buf)) == 6 && !memcmp(buf, "abcdef", 6), "read after peek", "");
	v = 0;
	ioctl(s, FIONBIO, &v);
	shutdown(c, SHUT_WR);
	r = poll1(s, POLLIN | POLLRDHUP, 5000);
	check(r == (POLLIN | POLLRDHUP), "peer's SHUT_WR: POLLIN | POLLRDHUP", "%#x", r);
	check(read(s, buf, sizeof(buf)) == 0, "peer's SHUT_WR: end of file", "");
	check(write(s, "back", 4) == 4 && read_full(c, buf, 4) == 4 && !memcmp(buf, "back", 4),
	      "the other way still works after SHUT_WR", "");
	check_err(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "write after own SHUT_WR: EPIPE");
	close(c);
	close(s);
}

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void test_epipe(void)
{
	int c, s, i;
	long r = 0;

	if (tcp_pair(&c, &s)) {
		check(0, "a TCP pair", "");
		return;
	}
	close(s);
	for (i = 0; i < 100 && r >= 0; i++) {
		r = send(c, "x", 1, MSG_NOSIGNAL);
		if (r >= 0)
			sleep_ms(1);
	}
	check_err(r, EPIPE, "write to a closed connection: EPIPE");
	signal(SIGPIPE, on_sigpipe);
	r = write(c, "x", 1);
	check(r == -1 && errno == EPIPE && sigpipes == 1, "and SIGPIPE without MSG_NOSIGNAL",
	      "r %ld, %d signals", r, (int)sigpipes);
	signal(SIGPIPE, SIG_DFL);
	close(c);

	if (tcp_pair(&c, &s)) {
		check(0, "a TCP pair", "");
		return;
	}
	write(c, "unread", 6);
	sleep_ms(10);
	close(s); /* with unread data: a reset */
	poll1(c, POLLIN, 5000);
	check_err(read(c, (char[8]){ 0 }, 8), ECONNRESET, "peer closed with unread data: ECONNRESET");
	close(c);
}

/* ---- a 4 MiB transfer ---- */

static uint32_t next_rand(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

struct big_arg {
	int fd;
};

static void *big_sender(void *p)
{
	struct big_arg *b = p;
	unsigned char *buf = malloc(BIG);
	uint32_t x = 7;
	size_t done = 0;

	for (size_t i = 0; i < BIG; i++)
		buf[i] = (unsigned char)next_rand(&x);
	while (done < BIG) {
		size_t chunk = BIG - done < 100000 ? BIG - done : 100000;
		long r = write(b->fd, buf + done, chunk);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	shutdown(b->fd, SHUT_WR);
	free(buf);
	return 0;
}

static void test_big(int family)
{
	int fds[2], c, s;
	struct big_arg b;
	pthread_t t;
	uint32_t x = 7, sum = 0, want = 0;
	size_t total = 0;
	static unsigned char buf[65536];
	long r;

	if (family == AF_UNIX) {
		socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
		c = fds[0];
		s = fds[1];
	} else if (tcp_pair(&c, &s)) {
		check(0, "a TCP pair", "");
		return;
	}
	for (size_t i = 0; i < BIG; i++)
		want = want * 31 + (unsigned char)next_rand(&x);
	b.fd = c;
	pthread_create(&t, 0, big_sender, &b);
	while ((r = read(s, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < r; i++)
			sum = sum * 31 + buf[i];
		total += (size_t)r;
	}
	pthread_join(t, 0);
	check(total == BIG && sum == want, family == AF_UNIX ? "4 MiB over AF_UNIX, checksum" :
	      "4 MiB over TCP, checksum", "%zu bytes, sum %08x want %08x", total, sum, want);
	close(c);
	close(s);
}

/* ---- epoll ---- */

static void *epoll_clients(void *p)
{
	int port = *(int *)p;
	char buf[32];

	for (int i = 0; i < 3; i++) {
		int c = tcp_connect(port);
		int len = snprintf(buf, sizeof(buf), "client %d", i);

		write(c, buf, (size_t)len);
		read_full(c, buf, (size_t)len);
		close(c);
	}
	return 0;
}

static void test_epoll(void)
{
	int port, l = tcp_listener(8, &port), ep = epoll_create1(0), closed = 0, echoed = 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l }, out[8];
	pthread_t t;
	char buf[64];

	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	pthread_create(&t, 0, epoll_clients, &port);
	while (closed < 3) {
		int k = epoll_wait(ep, out, 8, 5000);

		if (k <= 0)
			break;
		for (int i = 0; i < k; i++) {
			int fd = out[i].data.fd;
			long r;

			if (fd == l) {
				int c = accept(l, 0, 0);
				struct epoll_event e2 = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = c };
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &e2);
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				write(fd, buf, (size_t)r);
				echoed++;
			} else {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, 0);
				close(fd);
				closed++;
			}
		}
	}
	pthread_join(t, 0);
	check(closed == 3 && echoed == 3, "an epoll loop serves three connections", "%d closed, %d echoed",
	      closed, echoed);
	close(l);

	/* Edge-triggered: one report per arrival. */
	int c, s, k1, k2, k3;
	if (tcp_pair(&c, &s)) {
		check(0, "a TCP pair", "");
		return;
	}
	ev.events = EPOLLIN | EPOLLET;
	ev.data.fd = s;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	write(c, "a", 1);
	k1 = epoll_wait(ep, out, 8, 5000);
	k2 = epoll_wait(ep, out, 8, 0);
	write(c, "b", 1);
	k3 = epoll_wait(ep, out, 8, 5000);
	check(k1 == 1 && k2 == 0 && k3 == 1, "EPOLLET: once per arrival", "%d %d %d", k1, k2, k3);
	close(c);
	k1 = epoll_wait(ep, out, 8, 5000);
	check(k1 == 1 && (out[0].events & EPOLLIN), "EPOLLET: the peer's close", "%d %#x", k1, out[0].events);
	close(s);
	close(ep);
}

/* ---- UDP ---- */

static void *udp_echo(void *p)
{
	int s = *(int *)p;
	char buf[256];
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	long r = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

	if (r > 0)
		sendto(s, buf, (size_t)r, 0, (struct sockaddr *)&from, len);
	return 0;
}

static void test_udp(void)
{
	int srv = socket(AF_INET, SOCK_DGRAM, 0), cli = socket(AF_INET, SOCK_DGRAM, 0), v = -1;
	struct sockaddr_in a = loopback(0), from;
	socklen_t len = sizeof(a);
	pthread_t t;
	char buf[256];
	long r;

	bind(srv, (struct sockaddr *)&a, sizeof(a));
	getsockname(srv, (struct sockaddr *)&a, &len);
	check(getint(srv, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM, "UDP socket", "");
	pthread_create(&t, 0, udp_echo, &srv);
	sendto(cli, "ping", 4, 0, (struct sockaddr *)&a, sizeof(a));
	len = sizeof(from);
	r = recvfrom(cli, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
	pthread_join(t, 0);
	check(r == 4 && !memcmp(buf, "ping", 4), "UDP echo", "r %ld", r);
	check(len == sizeof(from) && from.sin_port == a.sin_port && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "recvfrom gives the source", "port %d", ntohs(from.sin_port));

	connect(cli, (struct sockaddr *)&a, sizeof(a));
	send(cli, "0123456789", 10, 0);
	send(cli, "second", 6, 0);
	poll1(srv, POLLIN, 5000);
	ioctl(srv, FIONREAD, &v);
	check(v == 10, "FIONREAD: the next datagram's size", "%d", v);
	r = recv(srv, buf, 4, MSG_TRUNC);
	check(r == 10 && !memcmp(buf, "0123", 4), "MSG_TRUNC: the full length", "%ld", r);
	r = recv(srv, buf, sizeof(buf), 0);
	check(r == 6 && !memcmp(buf, "second", 6), "datagram boundaries kept", "%ld", r);
	check_err(recv(srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "UDP with nothing queued: EAGAIN");

	/* sendmmsg and recvmmsg, with iovecs. */
	struct iovec iov[3][2];
	struct mmsghdr mm[3];
	char in[3][16];
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		iov[i][0] = (struct iovec){ "msg-", 4 };
		iov[i][1] = (struct iovec){ (char *)"abc" + i, 1 };
		mm[i].msg_hdr.msg_iov = iov[i];
		mm[i].msg_hdr.msg_iovlen = 2;
	}
	r = sendmmsg(cli, mm, 3, 0);
	check(r == 3, "sendmmsg of three", "%ld", r);
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		iov[i][0] = (struct iovec){ in[i], sizeof(in[i]) };
		mm[i].msg_hdr.msg_iov = iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	poll1(srv, POLLIN, 5000);
	r = recvmmsg(srv, mm, 3, MSG_WAITFORONE, 0);
	check(r == 3 && mm[2].msg_len == 5 && !memcmp(in[0], "msg-a", 5) && !memcmp(in[2], "msg-c", 5),
	      "recvmmsg of three", "%ld", r);
	close(cli);
	close(srv);
}

/* ---- options ---- */

static void test_options(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct linger lg = { 1, 5 }, lg2;
	socklen_t len = sizeof(lg2);

	check(getint(s, SOL_SOCKET, SO_REUSEADDR) == 0 && setint(s, SOL_SOCKET, SO_REUSEADDR, 1) == 0 &&
	      getint(s, SOL_SOCKET, SO_REUSEADDR) == 1, "SO_REUSEADDR", "");
	check(setint(s, SOL_SOCKET, SO_REUSEPORT, 1) == 0 && getint(s, SOL_SOCKET, SO_REUSEPORT) == 1,
	      "SO_REUSEPORT", "");
	check(setint(s, SOL_SOCKET, SO_KEEPALIVE, 1) == 0 && getint(s, SOL_SOCKET, SO_KEEPALIVE) == 1,
	      "SO_KEEPALIVE", "");
	check(setint(s, IPPROTO_TCP, TCP_NODELAY, 1) == 0 && getint(s, IPPROTO_TCP, TCP_NODELAY) == 1,
	      "TCP_NODELAY", "");
	check(setint(s, IPPROTO_TCP, TCP_KEEPIDLE, 30) == 0 && getint(s, IPPROTO_TCP, TCP_KEEPIDLE) == 30 &&
	      setint(s, IPPROTO_TCP, TCP_KEEPINTVL, 5) == 0 && getint(s, IPPROTO_TCP, TCP_KEEPINTVL) == 5 &&
	      setint(s, IPPROTO_TCP, TCP_KEEPCNT, 3) == 0 && getint(s, IPPROTO_TCP, TCP_KEEPCNT) == 3,
	      "TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT", "");
	check(setint(s, SOL_SOCKET, SO_RCVBUF, 65536) == 0 && getint(s, SOL_SOCKET, SO_RCVBUF) == 131072 &&
	      setint(s, SOL_SOCKET, SO_SNDBUF, 65536) == 0 && getint(s, SOL_SOCKET, SO_SNDBUF) == 131072,
	      "SO_RCVBUF and SO_SNDBUF: doubled", "%d", getint(s, SOL_SOCKET, SO_RCVBUF));
	check(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0 &&
	      getsockopt(s, SOL_SOCKET, SO_LINGER, &lg2, &len) == 0 && lg2.l_onoff == 1 && lg2.l_linger == 5,
	      "SO_LINGER", "");
	check(setint(s, IPPROTO_IP, IP_TOS, 0x10) == 0 && getint(s, IPPROTO_IP, IP_TOS) == 0x10, "IP_TOS", "");
	check(getint(s, SOL_SOCKET, SO_ERROR) == 0 && getint(s, SOL_SOCKET, SO_ACCEPTCONN) == 0,
	      "SO_ERROR, SO_ACCEPTCONN of a fresh socket", "");
	check_err(setint(s, SOL_SOCKET, 9999, 1), ENOPROTOOPT, "an unknown option: ENOPROTOOPT");
	close(s);
}

/* ---- SO_RCVTIMEO, SO_SNDTIMEO ---- */

static double elapsed_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A call that must give up after about 0.2 s with EAGAIN. */
static void check_times_out(ssize_t r, const struct timespec *t0, const char *what)
{
	int e = errno;
	double dt = elapsed_since(t0);

	errno = e;
	check(r == -1 && e == EAGAIN && dt >= 0.15 && dt < 5, what, "r=%zd after %.3f s", r, dt);
}

static void test_timeouts(void)
{
	struct timeval tv = { 0, 200000 }, back = { 0, 0 }, bad = { 0, 1000000 };
	socklen_t len = sizeof(back);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct timespec t0;
	int u = socket(AF_INET, SOCK_DGRAM, 0), l = socket(AF_INET, SOCK_STREAM, 0), c, p, sv[2];
	static char buf[1 << 20];
	ssize_t r;

	check(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	      getsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &back, &len) == 0 && len == sizeof(back) &&
	      back.tv_sec == 0 && back.tv_usec == 200000, "SO_RCVTIMEO reads back", "%ld.%06ld", (long)back.tv_sec, (long)back.tv_usec);
	check_err(setsockopt(u, SOL_SOCKET, SO_SNDTIMEO, &bad, sizeof(bad)), EDOM,
		  "SO_SNDTIMEO with 1000000 us: EDOM");
	check_err(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, 4), EINVAL, "SO_RCVTIMEO too short: EINVAL");
	bind(u, (struct sockaddr *)&a, sizeof(a));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check_times_out(recv(u, buf, 16, 0), &t0, "UDP recv gives up after SO_RCVTIMEO: EAGAIN");

	bind(l, (struct sockaddr *)&a, sizeof(a));
	listen(l, 4);
	getsockname(l, (struct sockaddr *)&a, &alen);
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check_times_out(accept(l, 0, 0), &t0, "accept gives up after SO_RCVTIMEO: EAGAIN");
	c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof(a));
	p = accept(l, 0, 0);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check_times_out(read(c, buf, 16), &t0, "TCP read gives up after SO_RCVTIMEO: EAGAIN");
	write(p, "x", 1);
	check(read(c, buf, 16) == 1, "TCP read after the timeout still receives", "");
	{ /* TCP_CORK: held back, then sent when uncorked or after 200 ms */
		int one = 1, zero = 0, v = 0;
		socklen_t vl = sizeof(v);
		struct timeval wait = { 2, 0 };

		check(setsockopt(p, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) == 0 &&
		      getsockopt(p, IPPROTO_TCP, TCP_CORK, &v, &vl) == 0 && v == 1, "TCP_CORK set", "");
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
		write(p, "corked", 6);
		check(read(c, buf, 16) == 6, "a corked write still arrives (within 200 ms)", "");
		write(p, "again", 5);
		setsockopt(p, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero));
		check(read(c, buf, 16) == 5, "uncorking sends what was held", "");
	}

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = write(sv[0], buf, sizeof(buf));
	check((r > 0 && r < (ssize_t)sizeof(buf)) || (r == -1 && errno == EAGAIN),
	      "a write nobody reads stops at SO_SNDTIMEO (partial, or EAGAIN)", "r=%zd", r);
	check(elapsed_since(&t0) >= 0.15, "... after the timeout", "%.3f s", elapsed_since(&t0));
	close(sv[0]);
	close(sv[1]);
	close(c);
	close(p);
	close(l);
	close(u);
}

/* ---- IPv6: ::1, dual-stack listeners, IPV6_V6ONLY ---- */

static int listen6(int v6only, const struct in6_addr *addr, struct sockaddr_in6 *bound)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	socklen_t len = sizeof(*bound);

	memset(bound, 0, sizeof(*bound));
	bound->sin6_family = AF_INET6;
	bound->sin6_addr = *addr;
	setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	if (bind(l, (struct sockaddr *)bound, sizeof(*bound)) || listen(l, 4))
		return -1;
	getsockname(l, (struct sockaddr *)bound, &len);
	return l;
}

static void test_ipv6(void)
{
	struct sockaddr_in6 a, peer;
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(peer);
	int l = listen6(0, &in6addr_loopback, &a), c, p, v = -1, one = 1;
	char buf[8];

	check(l >= 0 && a.sin6_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&a.sin6_addr) && a.sin6_port,
	      "AF_INET6 listener on [::1]", "");
	c = socket(AF_INET6, SOCK_STREAM, 0);
	check(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0, "connect to [::1]", "");
	p = accept(l, (struct sockaddr *)&peer, &len);
	check(p >= 0 && len == sizeof(peer) && peer.sin6_family == AF_INET6 &&
	      IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr), "accept: the peer is ::1", "len %u", len);
	check(write(c, "six", 3) == 3 && read(p, buf, sizeof(buf)) == 3 && !memcmp(buf, "six", 3),
	      "data over IPv6", "");
	close(c); close(p); close(l);

	l = listen6(0, &in6addr_any, &a);
	a4.sin_port = a.sin6_port;
	c = socket(AF_INET, SOCK_STREAM, 0);
	check(l >= 0 && connect(c, (struct sockaddr *)&a4, sizeof(a4)) == 0,
	      "a dual-stack [::] listener takes an IPv4 client", "");
	len = sizeof(peer);
	p = accept(l, (struct sockaddr *)&peer, &len);
	check(p >= 0 && peer.sin6_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr) &&
	      peer.sin6_addr.s6_addr[15] == 1 && peer.sin6_addr.s6_addr[12] == 127,
	      "... which it sees as ::ffff:127.0.0.1", "");
	check(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1 && errno == EINVAL,
	      "IPV6_V6ONLY after bind: EINVAL", "");
	close(c); close(p); close(l);

	l = listen6(1, &in6addr_any, &a);
	len = sizeof(v);
	check(getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len) == 0 && v == 1, "IPV6_V6ONLY reads back", "");
	a4.sin_port = a.sin6_port;
	c = socket(AF_INET, SOCK_STREAM, 0);
	check_err(connect(c, (struct sockaddr *)&a4, sizeof(a4)), ECONNREFUSED,
		  "a V6ONLY listener refuses IPv4: ECONNREFUSED");
	close(c); close(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	check_err(setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), ENOPROTOOPT,
		  "IPV6_V6ONLY on an AF_INET socket: ENOPROTOOPT");
	close(c);

	{ /* UDP over ::1 */
		int u = socket(AF_INET6, SOCK_DGRAM, 0), w = socket(AF_INET6, SOCK_DGRAM, 0);
		struct sockaddr_in6 ua = { .sin6_family = AF_INET6, .sin6_addr = in6addr_loopback }, from;
		socklen_t ul = sizeof(ua);

		bind(u, (struct sockaddr *)&ua, sizeof(ua));
		getsockname(u, (struct sockaddr *)&ua, &ul);
		sendto(w, "udp6", 4, 0, (struct sockaddr *)&ua, sizeof(ua));
		ul = sizeof(from);
		check(recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &ul) == 4 &&
		      ul == sizeof(from) && from.sin6_family == AF_INET6 &&
		      IN6_IS_ADDR_LOOPBACK(&from.sin6_addr), "UDP over ::1, the source is ::1", "");
		close(u); close(w);
	}
}

/* ---- sendfile ---- */

static void test_sendfile(void)
{
	int c, s, f = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char data[10000], back[10000];
	off_t off = 0;
	long r;

	for (int i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)(i * 7);
	write(f, data, sizeof(data));
	if (tcp_pair(&c, &s)) {
		check(0, "a TCP pair", "");
		return;
	}
	r = sendfile(c, f, &off, sizeof(data));
	check(r == (long)sizeof(data) && off == (off_t)sizeof(data), "sendfile from a file to a socket", "%ld", r);
	check(read_full(s, back, sizeof(back)) == (long)sizeof(back) && !memcmp(back, data, sizeof(data)),
	      "sendfile: the bytes arrive", "");
	close(c);
	close(s);
	close(f);
	unlink(FILE_PATH);
}

/* ---- AF_UNIX ---- */

static void test_unix_pair(void)
{
	int sv[2], r;
	char buf[32];

	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair AF_UNIX SOCK_STREAM", "");
	check(write(sv[0], "one", 3) == 3 && write(sv[0], "two", 3) == 3 &&
	      read(sv[1], buf, sizeof(buf)) == 6 && !memcmp(buf, "onetwo", 6), "a stream merges writes", "");
	shutdown(sv[0], SHUT_WR);
	r = poll1(sv[1], POLLIN | POLLRDHUP | POLLOUT, 0);
	check(r == (POLLIN | POLLRDHUP | POLLOUT), "SHUT_WR: the peer sees POLLIN | POLLRDHUP | POLLOUT", "%#x", r);
	check(read(sv[1], buf, sizeof(buf)) == 0, "SHUT_WR: the peer reads end of file", "");
	check(write(sv[1], "x", 1) == 1 && read(sv[0], buf, 1) == 1, "SHUT_WR: the other way works", "");
	close(sv[1]);
	r = poll1(sv[0], POLLIN | POLLOUT, 0);
	check(r & POLLHUP, "the peer's close: POLLHUP", "%#x", r);
	check_err(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE, "AF_UNIX write to a closed peer: EPIPE");
	close(sv[0]);

	check(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair AF_UNIX SOCK_DGRAM", "");
	write(sv[0], "one", 3);
	write(sv[0], "two!", 4);
	check(read(sv[1], buf, sizeof(buf)) == 3 && read(sv[1], buf, sizeof(buf)) == 4,
	      "datagrams keep their boundaries", "");
	close(sv[0]);
	close(sv[1]);

	check(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair AF_UNIX SOCK_SEQPACKET", "");
	write(sv[0], "abcdef", 6);
	r = (int)recv(sv[1], buf, 2, 0);
	check(r == 2 && recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN,
	      "a seqpacket read takes one record, whole", "%d", r);
	close(sv[1]);
	check(read(sv[0], buf, sizeof(buf)) == 0, "seqpacket: end of file after the peer's close", "");
	close(sv[0]);
	check_err(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP, "socketpair AF_INET: EOPNOTSUPP");
}

static void *unix_server(void *p)
{
	int l = *(int *)p, c = accept(l, 0, 0);
	char buf[64];
	long r;

	while ((r = read(c, buf, sizeof(buf))) > 0)
		write(c, buf, (size_t)r);
	close(c);
	return 0;
}

static socklen_t unix_addr(struct sockaddr_un *a, const char *path, int abstract)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path + abstract, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + abstract + strlen(path) + !abstract);
}

static void test_unix_named(void)
{
	struct sockaddr_un a, got;
	socklen_t alen = unix_addr(&a, SOCK_PATH, 0), len = sizeof(got);
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c, d;
	struct stat st;
	pthread_t t;
	char buf[32];

	unlink(SOCK_PATH);
	check(bind(l, (struct sockaddr *)&a, alen) == 0, "bind AF_UNIX to a path", "");
	check(stat(SOCK_PATH, &st) == 0 && S_ISSOCK(st.st_mode), "the path is an S_IFSOCK node", "mode %o",
	      st.st_mode);
	d = socket(AF_UNIX, SOCK_STREAM, 0);
	check_err(bind(d, (struct sockaddr *)&a, alen), EADDRINUSE, "bind to a used path: EADDRINUSE");
	check_err(connect(d, (struct sockaddr *)&a, alen), ECONNREFUSED, "connect before listen: ECONNREFUSED");
	close(d);
	check(getsockname(l, (struct sockaddr *)&got, &len) == 0 && len == alen &&
	      !strcmp(got.sun_path, SOCK_PATH), "getsockname gives the path", "len %u", len);
	listen(l, 4);
	pthread_create(&t, 0, unix_server, &l);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	check(connect(c, (struct sockaddr *)&a, alen) == 0, "connect to the path", "");
	len = sizeof(got);
	check(getpeername(c, (struct sockaddr *)&got, &len) == 0 && !strcmp(got.sun_path, SOCK_PATH),
	      "getpeername gives the path", "");
	check(write(c, "unix", 4) == 4 && read_full(c, buf, 4) == 4 && !memcmp(buf, "unix", 4),
	      "echo over AF_UNIX", "");
	close(c);
	pthread_join(t, 0);
	close(l);
	unlink(SOCK_PATH);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	check_err(connect(c, (struct sockaddr *)&a, alen), ENOENT, "connect to a missing path: ENOENT");
	close(c);

	/* An abstract name. */
	alen = unix_addr(&a, "husk-sockets-test", 1);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	check(bind(l, (struct sockaddr *)&a, alen) == 0 && listen(l, 1) == 0, "bind to an abstract name", "");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	check(connect(c, (struct sockaddr *)&a, alen) == 0, "connect to the abstract name", "");
	d = accept(l, 0, 0);
	check(d >= 0 && write(d, "abs", 3) == 3 && read(c, buf, sizeof(buf)) == 3, "accept it and talk", "");
	close(d);
	close(c);
	close(l);
}

static void test_unix_dgram(void)
{
	struct sockaddr_un a, from, me;
	socklen_t alen = unix_addr(&a, DGRAM_PATH, 0), len = sizeof(from);
	socklen_t mlen = unix_addr(&me, "husk-sockets-client", 1);
	int srv = socket(AF_UNIX, SOCK_DGRAM, 0), cli = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[32];
	long r;

	unlink(DGRAM_PATH);
	bind(srv, (struct sockaddr *)&a, alen);
	bind(cli, (struct sockaddr *)&me, mlen);
	check(sendto(cli, "dgram", 5, 0, (struct sockaddr *)&a, alen) == 5, "sendto an AF_UNIX path", "");
	r = recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
	check(r == 5 && len == mlen && !memcmp(from.sun_path, me.sun_path, mlen - 2),
	      "recvfrom gives the sender's name", "r %ld len %u", r, len);
	close(srv);
	close(cli);
	unlink(DGRAM_PATH);
}

static void test_scm_rights(void)
{
	int sv[2], p[2], got = -1;
	char cbuf[CMSG_SPACE(sizeof(int))], buf[16], c = 'x';
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &p[0], sizeof(int));
	check(sendmsg(sv[0], &m, 0) == 1, "sendmsg with SCM_RIGHTS", "");
	close(p[0]);
	memset(cbuf, 0, sizeof(cbuf));
	m.msg_controllen = sizeof(cbuf);
	c = 0;
	check(recvmsg(sv[1], &m, 0) == 1 && c == 'x', "recvmsg of it", "");
	h = CMSG_FIRSTHDR(&m);
	if (h && h->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(h), sizeof(int));
	write(p[1], "through", 7);
	check(got >= 0 && read(got, buf, sizeof(buf)) == 7 && !memcmp(buf, "through", 7),
	      "the passed descriptor reads the pipe", "fd %d", got);
	close(got);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void test_msg_iovecs(void)
{
	int c, s;
	char a[3] = "abc", b[4] = "defg", x[2], y[5];
	struct iovec out[2] = { { a, 3 }, { b, 4 } }, in[2] = { { x, 2 }, { y, 5 } };
	struct msghdr m = { .msg_iov = out, .msg_iovlen = 2 };

	if (tcp_pair(&c, &s)) {
		check(0, "a TCP pair", "");
		return;
	}
	check(sendmsg(c, &m, 0) == 7, "sendmsg with two iovecs", "");
	m.msg_iov = in;
	check(recvmsg(s, &m, MSG_WAITALL) == 7 && !memcmp(x, "ab", 2) && !memcmp(y, "cdefg", 5),
	      "recvmsg into two iovecs", "");
	check(writev(c, out, 2) == 7 && readv(s, in, 2) == 7 && !memcmp(y, "cdefg", 5), "writev and readv", "");
	close(c);
	close(s);
}

/* readv returns what has arrived: with exactly its first buffer's worth
 * there it must not wait for more to fill the second (husk read each
 * buffer in turn and blocked here; SO_RCVTIMEO bounds that wait). */
static void test_readv_returns_what_is_there(void)
{
	char x[2], y[5];
	struct iovec in[2] = { { x, 2 }, { y, 5 } };
	struct timeval tv = { 3, 0 };
	struct pollfd p;
	struct timespec t0;
	ssize_t r;
	double dt;
	int c, s;

	if (tcp_pair(&c, &s)) {
		check(0, "a TCP pair", "");
		return;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	p.fd = s;
	p.events = POLLIN;
	write(c, "ab", 2);
	poll(&p, 1, 5000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = readv(s, in, 2);
	dt = elapsed_since(&t0);
	check(r == 2 && !memcmp(x, "ab", 2) && dt < 1.5,
	      "readv with only its first buffer's worth there returns it at once",
	      "r=%zd after %.3f s", r, dt);
	close(c);
	close(s);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	test_file();
	test_tcp_basics();
	test_connect_errors();
	test_nonblocking_connect();
	test_backlog();
	test_select();
	test_stream_flags();
	test_epipe();
	test_big(AF_INET);
	test_big(AF_UNIX);
	test_epoll();
	test_udp();
	test_options();
	test_timeouts();
	test_ipv6();
	test_sendfile();
	test_msg_iovecs();
	test_readv_returns_what_is_there();
	test_unix_pair();
	test_unix_named();
	test_unix_dgram();
	test_scm_rights();
	printf("sockets: %d checks, %d failed\n", n, failed);
	return failed != 0;
}
