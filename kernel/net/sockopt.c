/*
 * setsockopt and getsockopt. The socket level (SOL_SOCKET) is kept here;
 * protocol levels (IPPROTO_TCP, IPPROTO_IP) go to the family, which also
 * hears of the socket-level options it acts on (SO_KEEPALIVE,
 * SO_REUSEADDR).
 */
#include "../lib.h"
#include "../sys/calls.h"
#include "net.h"

#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define EDOM 33
#define IPPROTO_IPV6_ 41
#define IPV6_V6ONLY_ 26
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define BUF_MAX 212992   /* net.core.rmem_max, wmem_max */
#define RCVBUF_MIN 2304  /* Linux's SOCK_MIN_RCVBUF */
#define SNDBUF_MIN 4608  /* SOCK_MIN_SNDBUF */

struct linger_ {
	int32_t onoff, secs;
};

struct timeval_ {
	int64_t sec, usec;
};

/* SO_RCVTIMEO/SO_SNDTIMEO: {0, 0} waits forever; a negative time does
 * not wait at all (as Linux). */
static int set_timeout(uint64_t *ns, const void *opt, uint32_t len)
{
	struct timeval_ tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, opt, sizeof(tv));
	if (tv.usec < 0 || tv.usec >= 1000000)
		return -EDOM;
	if (tv.sec < 0)
		*ns = 1;
	else if ((uint64_t)tv.sec > (UINT64_MAX >> 1) / 1000000000ULL)
		*ns = 0;
	else
		*ns = (uint64_t)tv.sec * 1000000000ULL + (uint64_t)tv.usec * 1000;
	return 0;
}

static int get_timeout(uint64_t ns, uint64_t opt, uint64_t ulen);

/* Linux doubles the size asked for (room for its bookkeeping) and
 * reports the doubled value. */
static int buffer_size(int v, int min)
{
	if (v < 0 || v > BUF_MAX)
		v = v < 0 ? 0 : BUF_MAX;
	v *= 2;
	return v < min ? min : v;
}

static int set_socket_level(struct sock *s, int name, int v, const void *opt, uint32_t len)
{
	const struct linger_ *l = opt;

	switch (name) {
	case SO_REUSEADDR: s->reuseaddr = !!v; break;
	case SO_REUSEPORT: s->reuseport = !!v; break;
	case SO_KEEPALIVE: s->keepalive = !!v; break;
	case SO_BROADCAST: break;
	case SO_RCVBUF: s->rcvbuf = buffer_size(v, RCVBUF_MIN); break;
	case SO_SNDBUF: s->sndbuf = buffer_size(v, SNDBUF_MIN); break;
	case SO_RCVTIMEO: return set_timeout(&s->rcvtimeo_ns, opt, len);
	case SO_SNDTIMEO: return set_timeout(&s->sndtimeo_ns, opt, len);
	case SO_LINGER:
		if (len < sizeof(*l))
			return -EINVAL;
		s->linger_on = !!l->onoff;
		s->linger_secs = l->secs;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
	if (s->ops->setopt)
		s->ops->setopt(s, SOL_SOCKET, name, v);
	return 0;
}

static long setsockopt_call(struct sock *s, const struct syscall_args *a)
{
	int level = (int)a->a[1], name = (int)a->a[2], v = 0;
	uint64_t opt = (uint64_t)a->a[3], len = (uint64_t)(uint32_t)a->a[4];

	if (len && !user_range_ok(opt, len))
		return -EFAULT;
	if (len >= 4)
		memcpy(&v, (void *)opt, 4);
	else if (len)
		v = *(uint8_t *)opt;
	else
		return -EINVAL;
	if (level == SOL_SOCKET)
		return set_socket_level(s, name, v, (const void *)opt, (uint32_t)len);
	if (!s->ops->setopt)
		return -ENOPROTOOPT;
	return s->ops->setopt(s, level, name, v);
}

long sys_setsockopt(const struct syscall_args *a)
{
	return sock_call(a->a[0], setsockopt_call, a);
}

static int get_socket_level(struct sock *s, int name, int *v)
{
	switch (name) {
	case SO_REUSEADDR: *v = s->reuseaddr; return 0;
	case SO_REUSEPORT: *v = s->reuseport; return 0;
	case SO_KEEPALIVE: *v = s->keepalive; return 0;
	case SO_TYPE: *v = s->type; return 0;
	case SO_DOMAIN: *v = s->family; return 0;
	case SO_PROTOCOL: *v = s->protocol; return 0;
	case SO_ERROR: *v = sock_take_error(s); return 0;
	case SO_RCVBUF: *v = s->rcvbuf; return 0;
	case SO_SNDBUF: *v = s->sndbuf; return 0;
	case SO_ACCEPTCONN: *v = s->listening; return 0;
	case SO_BROADCAST: *v = 0; return 0;
	default: return -ENOPROTOOPT;
	}
}

/* Writes v (size bytes at most, as much as the user's room) back. */
static int put_opt(uint64_t opt, uint64_t ulen, const void *v, uint32_t size)
{
	int room;

	if (!user_range_ok(ulen, 4))
		return -EFAULT;
	memcpy(&room, (void *)ulen, 4);
	if (room < 0)
		return -EINVAL;
	if ((uint32_t)room > size)
		room = (int)size;
	if (room && !user_range_ok(opt, (uint64_t)room))
		return -EFAULT;
	memcpy((void *)opt, v, (size_t)room);
	memcpy((void *)ulen, &room, 4);
	return 0;
}

static long getsockopt_call(struct sock *s, const struct syscall_args *a)
{
	int level = (int)a->a[1], name = (int)a->a[2], v = 0, r;
	uint64_t opt = (uint64_t)a->a[3], ulen = (uint64_t)a->a[4];

	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO))
		return get_timeout(name == SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns,
				   opt, ulen);
	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger_ l = { s->linger_on, s->linger_secs };
		return put_opt(opt, ulen, &l, sizeof(l));
	}
	if (level == IPPROTO_IPV6_ && name == IPV6_V6ONLY_ && s->family == AF_INET6)
		v = s->v6only, r = 0;
	else if (level == SOL_SOCKET)
		r = get_socket_level(s, name, &v);
	else
		r = s->ops->getopt ? s->ops->getopt(s, level, name, &v) : -ENOPROTOOPT;
	if (r)
		return r;
	return put_opt(opt, ulen, &v, sizeof(v));
}

static int get_timeout(uint64_t ns, uint64_t opt, uint64_t ulen)
{
	struct timeval_ tv = { (int64_t)(ns / 1000000000ULL),
			       (int64_t)(ns % 1000000000ULL / 1000) };

	return put_opt(opt, ulen, &tv, sizeof(tv));
}

long sys_getsockopt(const struct syscall_args *a)
{
	return sock_call(a->a[0], getsockopt_call, a);
}
