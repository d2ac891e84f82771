/*
 * A backend on one file descriptor that carries a whole frame per read
 * and write: a TAP device opened with IFF_NO_PI (net_tap.c), or, in the
 * tests, one end of a datagram socketpair standing in for it.
 *
 * Frames are read only while the guest has receive buffers (poll asks
 * for POLLIN only then), so a guest that stops reading leaves them queued
 * in the kernel, which drops what overflows; a frame the kernel cannot
 * take on send is dropped and counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vmm.h"

struct fd_backend {
	struct net_backend b;
	int fd;
};

static struct fd_backend *fd_of(struct net_backend *b)
{
	return (struct fd_backend *)b;
}

static void fd_send(struct net_backend *b, const uint8_t *frame, size_t len)
{
	ssize_t n;

	do
		n = write(fd_of(b)->fd, frame, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len)
		b->dropped++;
}

/* A frame longer than NET_FRAME_MAX spills into `over` and is dropped. */
static size_t fd_recv(struct net_backend *b, uint8_t *buf)
{
	uint8_t over[64];
	struct iovec iov[2] = {
		{ .iov_base = buf, .iov_len = NET_FRAME_MAX },
		{ .iov_base = over, .iov_len = sizeof(over) },
	};
	ssize_t n;

	for (;;) {
		n = readv(fd_of(b)->fd, iov, 2);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0; /* EAGAIN: nothing waiting */
		if (n <= NET_FRAME_MAX)
			return (size_t)n;
		b->dropped++;
	}
}

static unsigned fd_poll_fill(struct net_backend *b, struct pollfd *fds,
			     unsigned max, int *timeout_ms, int want_rx)
{
	(void)timeout_ms;
	if (!want_rx || !max)
		return 0;
	fds[0] = (struct pollfd){ .fd = fd_of(b)->fd, .events = POLLIN };
	return 1;
}

static void fd_poll_done(struct net_backend *b, struct pollfd *fds,
			 unsigned n)
{
	/* Frames are read as receive buffers take them (net.c). */
	(void)b, (void)fds, (void)n;
}

/* read/readv/write on the one descriptor. */
static int fd_seccomp_rules(struct net_backend *b, scmp_filter_ctx ctx)
{
	static const int calls[] = { SCMP_SYS(read), SCMP_SYS(readv),
				     SCMP_SYS(write) };
	unsigned i;
	int rc = 0;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]) && !rc; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 1,
				      SCMP_A0_32(SCMP_CMP_EQ,
						 (uint32_t)fd_of(b)->fd));
	return rc;
}

static void fd_close(struct net_backend *b)
{
	close(fd_of(b)->fd);
	free(b);
}

static const struct net_backend_ops fd_ops = {
	.name = "fd",
	.send = fd_send,
	.recv = fd_recv,
	.poll_fill = fd_poll_fill,
	.poll_done = fd_poll_done,
	.seccomp_rules = fd_seccomp_rules,
	.close = fd_close,
};

struct net_backend *net_fd_backend(int fd)
{
	struct fd_backend *f = calloc(1, sizeof(*f));
	int fl = fcntl(fd, F_GETFL);

	if (!f)
		return NULL;
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	f->b.ops = &fd_ops;
	f->fd = fd;
	return &f->b;
}
