/*
 * Sockets as file descriptions: read, write, poll, ioctl, fstat and close
 * of any socket, whatever its family, and what the families share
 * (waiting, errors, EPIPE).
 */
#include "../clock.h"
#include "../lib.h"
#include "../mm.h"
#include "../sys/calls.h"
#include "../sched/thread.h"
#include "../sys/signal.h"
#include "net.h"

#define FIONREAD 0x541b

static const struct file_ops sock_file_ops;
static uint64_t next_ino = 0x2000;

struct sock *sock_new(const struct sock_ops *ops, int family, int type, int protocol)
{
	struct sock *s = heap_alloc(sizeof(*s));

	if (!s)
		return 0;
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->ino = next_ino++;
	s->rcvbuf = 212992; /* Linux's default net.core.rmem_default */
	s->sndbuf = 212992;
	return s;
}

static char *sock_name(uint64_t ino)
{
	char *p = heap_alloc(32);

	if (p)
		snprintf(p, 32, "socket:[%lu]", (unsigned long)ino);
	return p;
}

int sock_install(struct sock *s, int flags)
{
	struct file *f = file_new(&sock_file_ops, 0, VFS_O_RDWR | (flags & O_NONBLOCK_));
	int fd;

	if (!f) {
		s->ops->close(s);
		heap_free(s);
		return -ENOMEM;
	}
	f->priv = s;
	f->path = sock_name(s->ino);
	s->file = f;
	fd = fd_install(f, 0, !!(flags & O_CLOEXEC_));
	file_put(f); /* the fd holds it, or it goes (closing s) */
	return fd;
}

int sock_fd(long fd)
{
	struct file *f = fd_file(fd);

	return f && f->ops == &sock_file_ops;
}

/* The description is held for the call: another thread may close the fd
 * while this one sleeps in it. */
long sock_call(long fd, long (*fn)(struct sock *s, const struct syscall_args *a),
	       const struct syscall_args *a)
{
	struct file *f = fd_file(fd);
	long r;

	if (!f)
		return -EBADF;
	if (f->ops != &sock_file_ops)
		return -ENOTSOCK;
	file_get(f);
	r = fn(f->priv, a);
	file_put(f);
	return r;
}

void sock_changed(struct sock *s, unsigned key)
{
	sched_wake(&s->wq, -1);
	if (s->file)
		ready_changed(s->file, key);
}

void sock_call_starts(struct sock *s, int sending)
{
	uint64_t t = sending ? s->sndtimeo_ns : s->rcvtimeo_ns;

	current->sock_deadline = t ? clock_monotonic_ns() + t : 0;
}

int sock_wait_on(struct waitq *q)
{
	int r = sched_wait(q, current->sock_deadline);

	if (r == -ETIMEDOUT)
		return -EAGAIN; /* Linux: EAGAIN, EINPROGRESS for connect */
	return r == -EINTR ? -EINTR : 0;
}

int sock_wait(struct sock *s)
{
	return sock_wait_on(&s->wq);
}

int sock_accept_wait(struct sock *s, int nonblock, int (*has_pending)(struct sock *s))
{
	int r;

	while (!has_pending(s)) {
		if (nonblock)
			return -EAGAIN;
		if ((r = sock_wait(s)))
			return r;
		if (!s->listening)
			return -EINVAL;
	}
	return 0;
}

long sock_epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		signal_raise(SIGPIPE);
	return -EPIPE;
}

int sock_take_error(struct sock *s)
{
	int e = s->error;

	s->error = 0;
	return e;
}

/* ---- the file ops ---- */

static long sock_read(struct file *f, void *buf, size_t len, uint64_t *off)
{
	struct sock *s = f->priv;
	struct iovec_ v = { (uint64_t)buf, len };
	struct sock_msg m = { 0 };

	(void)off;
	iov_init(&m.io, &v, 1, len);
	sock_call_starts(s, 0);
	return s->ops->recv(s, &m, !!(f->flags & O_NONBLOCK_));
}

static long sock_write(struct file *f, const void *buf, size_t len, uint64_t *off)
{
	struct sock *s = f->priv;
	struct iovec_ v = { (uint64_t)buf, len };
	struct sock_msg m = { 0 };

	(void)off;
	iov_init(&m.io, &v, 1, len);
	sock_call_starts(s, 1);
	return s->ops->send(s, &m, !!(f->flags & O_NONBLOCK_));
}

static long sock_ioctl(struct file *f, unsigned long cmd, uint64_t arg)
{
	struct sock *s = f->priv;
	long n;

	if (cmd != FIONREAD)
		return -ENOTTY;
	if (!user_range_ok(arg, 4))
		return -EFAULT;
	if (s->listening)
		return -EINVAL;
	n = s->ops->nread(s);
	*(int *)arg = (int)n;
	return 0;
}

static int sock_stat(struct file *f, struct vfs_stat *st)
{
	struct sock *s = f->priv;

	memset(st, 0, sizeof(*st));
	st->dev = VFS_MKDEV(0, 8);
	st->ino = s->ino;
	st->mode = VFS_IFSOCK | 0777;
	st->nlink = 1;
	st->blksize = 4096;
	return 0;
}

static unsigned sock_poll(struct file *f, uint64_t *due)
{
	struct sock *s = f->priv;

	(void)due;
	return s->ops->poll(s) | (s->error ? POLLERR : 0);
}

static void sock_close(struct file *f)
{
	struct sock *s = f->priv;

	s->file = 0;
	s->ops->close(s);
	sched_wake(&s->wq, -1);
	heap_free(s);
}

static const struct file_ops sock_file_ops = {
	.read = sock_read, .write = sock_write, .ioctl = sock_ioctl,
	.stat = sock_stat, .poll = sock_poll, .close = sock_close,
};
