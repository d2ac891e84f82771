/*
 * Sending and receiving: sendto, recvfrom, sendmsg, recvmsg, sendmmsg,
 * recvmmsg. Each builds a struct sock_msg over the caller's buffers and
 * hands it to the family.
 */
#include "../lib.h"
#include "../sys/calls.h"
#include "net.h"

#define IOV_MAX 1024
#define MMSG_MAX 1024 /* UIO_MAXIOV */
#define MSG_WAITFORONE 0x10000

/* Linux's struct msghdr and struct mmsghdr on x86_64. */
struct msghdr_ {
	uint64_t name;
	uint32_t namelen, pad0;
	uint64_t iov, iovlen, control, controllen;
	int32_t flags, pad1;
};

struct mmsghdr_ {
	struct msghdr_ hdr;
	uint32_t len, pad;
};

static int nonblocking(struct sock *s, int flags)
{
	return (flags & MSG_DONTWAIT) || (s->file->flags & O_NONBLOCK_);
}

/* The buffers of an iovec array (already checked, or our own): their
 * total length, or -errno. */
static long check_iov(const struct iovec_ *iov, uint64_t cnt)
{
	uint64_t total = 0;

	for (uint64_t i = 0; i < cnt; i++) {
		if ((int64_t)iov[i].len < 0 || total + iov[i].len > 0x7ffff000)
			return -EINVAL;
		if (iov[i].len && !user_range_ok(iov[i].base, iov[i].len))
			return -EFAULT;
		total += iov[i].len;
	}
	return (long)total;
}

static long do_send(struct sock *s, struct sock_msg *m)
{
	if (m->namelen > 128)
		return -EINVAL;
	if (m->namelen && !user_range_ok((uint64_t)m->name, m->namelen))
		return -EFAULT;
	sock_call_starts(s, 1);
	return s->ops->send(s, m, nonblocking(s, m->flags));
}

static long do_recv(struct sock *s, struct sock_msg *m)
{
	if (m->flags & MSG_OOB)
		return -EINVAL;
	sock_call_starts(s, 0);
	return s->ops->recv(s, m, nonblocking(s, m->flags));
}

static long sendto_call(struct sock *s, const struct syscall_args *a)
{
	struct iovec_ v = { (uint64_t)a->a[1], (uint64_t)a->a[2] };
	struct sock_msg m = { 0 };
	long r;

	if ((r = check_iov(&v, 1)) < 0)
		return r;
	iov_init(&m.io, &v, 1, (size_t)r);
	m.flags = (int)a->a[3];
	m.name = a->a[4] ? (const void *)a->a[4] : 0;
	m.namelen = m.name ? (uint32_t)a->a[5] : 0;
	return do_send(s, &m);
}

long sys_sendto(const struct syscall_args *a)
{
	return sock_call(a->a[0], sendto_call, a);
}

/* Copies the source address the family left in m back to the user. */
static int put_source(struct sock_msg *m, uint64_t uaddr, uint64_t ulen)
{
	if (!uaddr || !ulen)
		return 0;
	if (!user_range_ok(ulen, 4))
		return -EFAULT;
	memcpy((void *)ulen, &m->rnamelen, 4);
	return 0;
}

static long recvfrom_call(struct sock *s, const struct syscall_args *a)
{
	struct iovec_ v = { (uint64_t)a->a[1], (uint64_t)a->a[2] };
	uint64_t uaddr = (uint64_t)a->a[4], ulen = (uint64_t)a->a[5];
	struct sock_msg m = { 0 };
	int room = 0;
	long r;

	if ((r = check_iov(&v, 1)) < 0)
		return r;
	iov_init(&m.io, &v, 1, (size_t)r);
	m.flags = (int)a->a[3];
	if (uaddr && ulen) {
		if (!user_range_ok(ulen, 4))
			return -EFAULT;
		memcpy(&room, (void *)ulen, 4);
		if (room < 0)
			return -EINVAL;
		if (!user_range_ok(uaddr, (uint64_t)room))
			return -EFAULT;
		m.rname = (void *)uaddr;
		m.rnamelen = (uint32_t)room;
	}
	if ((r = do_recv(s, &m)) < 0)
		return r;
	if (m.rname && put_source(&m, uaddr, ulen))
		return -EFAULT;
	return r;
}

long sys_recvfrom(const struct syscall_args *a)
{
	return sock_call(a->a[0], recvfrom_call, a);
}

/* A sock_msg over a user msghdr: 0 or -errno. */
static long msg_from_user(struct msghdr_ *h, int flags, struct sock_msg *m)
{
	long total;

	if (h->iovlen > IOV_MAX)
		return -EMSGSIZE;
	if (h->iovlen && !user_range_ok(h->iov, h->iovlen * sizeof(struct iovec_)))
		return -EFAULT;
	if ((total = check_iov((const struct iovec_ *)h->iov, h->iovlen)) < 0)
		return total;
	memset(m, 0, sizeof(*m));
	iov_init(&m->io, (const struct iovec_ *)h->iov, (int)h->iovlen, (size_t)total);
	m->flags = flags;
	if (h->control && h->controllen && !user_range_ok(h->control, h->controllen))
		return -EFAULT;
	m->control = h->control;
	m->controllen = h->control ? h->controllen : 0;
	return 0;
}

static long send_one(struct sock *s, struct msghdr_ *h, int flags)
{
	struct sock_msg m;
	long r;

	if ((r = msg_from_user(h, flags, &m)))
		return r;
	m.name = h->name ? (const void *)h->name : 0;
	m.namelen = m.name ? h->namelen : 0;
	return do_send(s, &m);
}

static long recv_one(struct sock *s, struct msghdr_ *h, int flags)
{
	struct sock_msg m;
	long r;

	if ((r = msg_from_user(h, flags, &m)))
		return r;
	if (h->name && h->namelen) {
		if (!user_range_ok(h->name, h->namelen))
			return -EFAULT;
		m.rname = (void *)h->name;
		m.rnamelen = h->namelen;
	}
	if ((r = do_recv(s, &m)) < 0)
		return r;
	h->namelen = m.rname ? m.rnamelen : 0;
	h->controllen = m.controlused;
	h->flags = m.rflags;
	return r;
}

static struct msghdr_ *user_msghdr(uint64_t p, uint64_t size)
{
	return user_range_ok(p, size) ? (struct msghdr_ *)p : 0;
}

/* sendmsg (46) and recvmsg (47). */
static long msg_call(struct sock *s, const struct syscall_args *a)
{
	struct msghdr_ *h = user_msghdr((uint64_t)a->a[1], sizeof(*h));

	if (!h)
		return -EFAULT;
	if (a->nr == 46)
		return send_one(s, h, (int)a->a[2]);
	return recv_one(s, h, (int)a->a[2]);
}

/* readv (19) and writev (20) on a socket: one message over all the
 * buffers, as recvmsg and sendmsg without flags. As on Linux, a writev
 * is one write into the stream (not one segment per buffer), and a
 * readv returns what is there rather than blocking for the next buffer. */
static long vectored_call(struct sock *s, const struct syscall_args *a)
{
	uint64_t uiov = (uint64_t)a->a[1], cnt = (uint64_t)a->a[2];
	struct sock_msg m = { 0 };
	long total;

	if (cnt > IOV_MAX)
		return -EINVAL;
	if (cnt && !user_range_ok(uiov, cnt * sizeof(struct iovec_)))
		return -EFAULT;
	if ((total = check_iov((const struct iovec_ *)uiov, cnt)) < 0)
		return total;
	iov_init(&m.io, (const struct iovec_ *)uiov, (int)cnt, (size_t)total);
	return a->nr == 20 ? do_send(s, &m) : do_recv(s, &m);
}

long sock_vectored(const struct syscall_args *a)
{
	return sock_call(a->a[0], vectored_call, a);
}

long sys_sendmsg(const struct syscall_args *a)
{
	return sock_call(a->a[0], msg_call, a);
}

long sys_recvmsg(const struct syscall_args *a)
{
	return sock_call(a->a[0], msg_call, a);
}

/* sendmmsg (307) and recvmmsg (299): as many as go; an error after the
 * first message is not reported (as Linux, which keeps it for the next
 * call). recvmmsg's timeout is not applied. */
static long many_call(struct sock *s, const struct syscall_args *a)
{
	struct mmsghdr_ *v = (struct mmsghdr_ *)a->a[1];
	uint64_t n = (uint64_t)a->a[2] > MMSG_MAX ? MMSG_MAX : (uint64_t)a->a[2];
	int flags = (int)a->a[3], sending = a->nr == 307;
	uint64_t i;
	long r;

	if (n && !user_range_ok((uint64_t)v, n * sizeof(*v)))
		return -EFAULT;
	for (i = 0; i < n; i++) {
		r = sending ? send_one(s, &v[i].hdr, flags) : recv_one(s, &v[i].hdr, flags);
		if (r < 0)
			return i ? (long)i : r;
		v[i].len = (uint32_t)r;
		if (!sending && (flags & MSG_WAITFORONE))
			flags |= MSG_DONTWAIT;
	}
	return (long)i;
}

long sys_sendmmsg(const struct syscall_args *a)
{
	return sock_call(a->a[0], many_call, a);
}

long sys_recvmmsg(const struct syscall_args *a)
{
	return sock_call(a->a[0], many_call, a);
}
