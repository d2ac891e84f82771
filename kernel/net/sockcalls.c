/*
 * The socket system calls that make, name and connect sockets: socket,
 * socketpair, bind, listen, accept, accept4, connect, getsockname,
 * getpeername, shutdown. The families do the work (struct sock_ops).
 */
#include "../lib.h"
#include "../mm.h"
#include "../sys/calls.h"
#include "net.h"

#define SOCKADDR_MAX 128

static int check_flags(long flags)
{
	return flags & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC) ? -EINVAL : 0;
}

static int create(int family, int type, int protocol, struct sock **out)
{
	switch (family) {
	case AF_INET:
	case AF_INET6:
		if (type == SOCK_STREAM)
			return inet_tcp_create(family, type, protocol, out);
		if (type == SOCK_DGRAM)
			return inet_udp_create(family, type, protocol, out);
		return -ESOCKTNOSUPPORT;
	case AF_UNIX:
		return unix_create(type, protocol, out);
	default:
		return -EAFNOSUPPORT;
	}
}

long sys_socket(const struct syscall_args *a)
{
	int type = (int)a->a[1] & SOCK_TYPE_MASK;
	long flags = a->a[1] & ~(long)SOCK_TYPE_MASK;
	struct sock *s;
	int r;

	if ((r = check_flags(flags)))
		return r;
	if ((r = create((int)a->a[0], type, (int)a->a[2], &s)))
		return r;
	return sock_install(s, (int)flags);
}

long sys_socketpair(const struct syscall_args *a)
{
	int type = (int)a->a[1] & SOCK_TYPE_MASK, fds[2];
	long flags = a->a[1] & ~(long)SOCK_TYPE_MASK;
	uint64_t ufds = (uint64_t)a->a[3];
	struct sock *x, *y;
	int r;

	if ((r = check_flags(flags)))
		return r;
	if (a->a[0] == AF_INET || a->a[0] == AF_INET6)
		return -EOPNOTSUPP;
	if (a->a[0] != AF_UNIX)
		return -EAFNOSUPPORT;
	if (!user_range_ok(ufds, sizeof(fds)))
		return -EFAULT;
	if ((r = unix_pair(type, &x, &y)))
		return r;
	if ((fds[0] = sock_install(x, (int)flags)) < 0) {
		y->ops->close(y);
		heap_free(y);
		return fds[0];
	}
	if ((fds[1] = sock_install(y, (int)flags)) < 0) {
		fd_close(fds[0]);
		return fds[1];
	}
	memcpy((void *)ufds, fds, sizeof(fds));
	return 0;
}

/* A user address of len bytes: 0, -EINVAL or -EFAULT. */
static int user_addr(uint64_t addr, uint64_t len)
{
	if (len > SOCKADDR_MAX)
		return -EINVAL;
	if (len && !user_range_ok(addr, len))
		return -EFAULT;
	return 0;
}

static long bind_call(struct sock *s, const struct syscall_args *a)
{
	int r = user_addr((uint64_t)a->a[1], (uint64_t)a->a[2]);

	if (r)
		return r;
	return s->ops->bind(s, (const void *)a->a[1], (uint32_t)a->a[2]);
}

long sys_bind(const struct syscall_args *a)
{
	return sock_call(a->a[0], bind_call, a);
}

static long listen_call(struct sock *s, const struct syscall_args *a)
{
	int backlog = (int)a->a[1];

	if (!s->ops->listen)
		return -EOPNOTSUPP;
	if (backlog < 0 || backlog > 4096) /* net.core.somaxconn */
		backlog = 4096;
	return s->ops->listen(s, backlog);
}

long sys_listen(const struct syscall_args *a)
{
	return sock_call(a->a[0], listen_call, a);
}

/* Writes an address of full length n (in buf) to the user's addr, of
 * room *ulen, and the full length to *ulen. */
static int put_addr(uint64_t uaddr, uint64_t ulen, const void *buf, uint32_t n)
{
	int room;

	if (!uaddr)
		return 0;
	if (!user_range_ok(ulen, 4))
		return -EFAULT;
	memcpy(&room, (void *)ulen, 4);
	if (room < 0)
		return -EINVAL;
	if (!user_range_ok(uaddr, (uint64_t)room))
		return -EFAULT;
	memcpy((void *)uaddr, buf, (uint32_t)room < n ? (uint32_t)room : n);
	memcpy((void *)ulen, &n, 4);
	return 0;
}

/* accept and accept4 (a->nr 288 carries flags in a->a[3]). */
static long accept_call(struct sock *s, const struct syscall_args *a)
{
	long flags = a->nr == 288 ? a->a[3] : 0;
	char addr[SOCKADDR_MAX];
	struct sock *c;
	int r, n, fd;

	if ((r = check_flags(flags)))
		return r;
	if (!s->ops->accept)
		return -EOPNOTSUPP;
	if (!s->listening)
		return -EINVAL;
	sock_call_starts(s, 0);
	if ((r = s->ops->accept(s, !!(s->file->flags & O_NONBLOCK_), &c)))
		return r;
	n = c->ops->name(c, 1, addr, sizeof(addr));
	if ((fd = sock_install(c, (int)flags)) < 0)
		return fd;
	if (n >= 0 && (r = put_addr((uint64_t)a->a[1], (uint64_t)a->a[2], addr, (uint32_t)n))) {
		fd_close(fd);
		return r;
	}
	return fd;
}

long sys_accept(const struct syscall_args *a)
{
	return sock_call(a->a[0], accept_call, a);
}

long sys_accept4(const struct syscall_args *a)
{
	return sock_call(a->a[0], accept_call, a);
}

static long connect_call(struct sock *s, const struct syscall_args *a)
{
	int r = user_addr((uint64_t)a->a[1], (uint64_t)a->a[2]);

	if (r)
		return r;
	sock_call_starts(s, 1);
	r = s->ops->connect(s, (const void *)a->a[1], (uint32_t)a->a[2],
			    !!(s->file->flags & O_NONBLOCK_));
	/* A connect that outlived SO_SNDTIMEO goes on in the background,
	 * as a non-blocking one would. */
	return r == -EAGAIN && !(s->file->flags & O_NONBLOCK_) ? -EINPROGRESS : r;
}

long sys_connect(const struct syscall_args *a)
{
	return sock_call(a->a[0], connect_call, a);
}

/* getsockname (51) and getpeername (52). */
static long name_call(struct sock *s, const struct syscall_args *a)
{
	char addr[SOCKADDR_MAX];
	int n = s->ops->name(s, a->nr == 52, addr, sizeof(addr));

	if (n < 0)
		return n;
	if (!a->a[1])
		return -EFAULT;
	return put_addr((uint64_t)a->a[1], (uint64_t)a->a[2], addr, (uint32_t)n);
}

long sys_getsockname(const struct syscall_args *a)
{
	return sock_call(a->a[0], name_call, a);
}

long sys_getpeername(const struct syscall_args *a)
{
	return sock_call(a->a[0], name_call, a);
}

static long shutdown_call(struct sock *s, const struct syscall_args *a)
{
	if (a->a[1] < SHUT_RD || a->a[1] > SHUT_RDWR)
		return -EINVAL;
	return s->ops->shutdown(s, (int)a->a[1]);
}

long sys_shutdown(const struct syscall_args *a)
{
	return sock_call(a->a[0], shutdown_call, a);
}
