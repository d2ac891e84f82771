/*
 * AF_INET SOCK_DGRAM on lwIP's raw UDP API: each datagram lwIP delivers
 * waits in our queue with its source until read (whole, or truncated with
 * MSG_TRUNC); the queue holds at most SO_RCVBUF bytes, beyond which
 * datagrams are dropped, as on Linux.
 */
#include "../lib.h"
#include "../mm.h"
#include "inet.h"
#include "lwip/udp.h"

#define IPPROTO_IP 0
#define IPPROTO_UDP 17
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define IP_TOS 1
#define UDP_MAX 65507 /* 65535 less the IPv4 and UDP headers */

struct dgram {
	struct dgram *next;
	struct pbuf *p;
	ip_addr_t ip;
	u16_t port;
};

struct udp_sock {
	struct sock *s;
	struct udp_pcb *pcb;
	struct dgram *head, *tail;
	size_t bytes;
	int connected;
	int shut_rd, shut_wr;
	int tos;
};

static const struct sock_ops udp_ops;

static struct udp_sock *us_of(struct sock *s)
{
	return s->priv;
}

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		    const ip_addr_t *addr, u16_t port)
{
	struct udp_sock *u = arg;
	struct dgram *d;

	(void)pcb;
	if (u->shut_rd || u->bytes + p->tot_len > (size_t)u->s->rcvbuf ||
	    !(d = heap_alloc(sizeof(*d)))) {
		pbuf_free(p);
		return;
	}
	d->next = 0;
	d->p = p;
	d->ip = *addr;
	d->port = port;
	if (u->tail)
		u->tail->next = d;
	else
		u->head = d;
	u->tail = d;
	u->bytes += p->tot_len;
	sock_changed(u->s, POLLIN | POLLRDNORM);
}

int inet_udp_create(int family, int type, int protocol, struct sock **out)
{
	struct udp_sock *u;
	struct sock *s;

	(void)type;
	if (protocol && protocol != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	net_start();
	if (!(u = heap_alloc(sizeof(*u))))
		return -ENOMEM;
	memset(u, 0, sizeof(*u));
	if (!(s = sock_new(&udp_ops, family, SOCK_DGRAM, IPPROTO_UDP)) ||
	    !(u->pcb = udp_new_ip_type(inet_pcb_type(s)))) {
		heap_free(s);
		heap_free(u);
		return -ENOMEM;
	}
	s->priv = u;
	u->s = s;
	udp_recv(u->pcb, on_recv, u);
	*out = s;
	return 0;
}

static int udp_bind_(struct sock *s, const void *addr, uint32_t len)
{
	struct udp_sock *u = us_of(s);
	ip_addr_t ip;
	u16_t port;
	int r;

	if ((r = inet_addr_in(s, addr, len, &ip, &port, 0)))
		return r;
	if (u->pcb->local_port)
		return -EINVAL;
	if (s->reuseaddr)
		ip_set_option(u->pcb, SOF_REUSEADDR);
	return inet_errno(udp_bind(u->pcb, &ip, port));
}

static int udp_connect_(struct sock *s, const void *addr, uint32_t len, int nonblock)
{
	struct udp_sock *u = us_of(s);
	ip_addr_t ip;
	u16_t port;
	int r;

	(void)nonblock;
	if ((r = inet_addr_in(s, addr, len, &ip, &port, 1)) < 0)
		return r;
	if (r == 1) { /* AF_UNSPEC: forget the peer */
		udp_disconnect(u->pcb);
		u->connected = 0;
		return 0;
	}
	if ((r = inet_errno(udp_connect(u->pcb, &ip, port))))
		return r;
	u->connected = 1;
	return 0;
}

static long udp_send_(struct sock *s, struct sock_msg *m, int nonblock)
{
	struct udp_sock *u = us_of(s);
	size_t len = m->io.left;
	ip_addr_t ip;
	u16_t port;
	struct pbuf *p;
	err_t err;
	int r;

	(void)nonblock;
	if (u->shut_wr)
		return sock_epipe(m->flags);
	if (m->name) {
		if ((r = inet_addr_in(s, m->name, m->namelen, &ip, &port, 0)))
			return r;
	} else if (u->connected) {
		ip = u->pcb->remote_ip;
		port = u->pcb->remote_port;
	} else {
		return -EDESTADDRREQ;
	}
	if (len > UDP_MAX)
		return -EMSGSIZE;
	if (!(p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM)))
		return -ENOBUFS;
	iov_take(&m->io, p->payload, len);
	err = udp_sendto(u->pcb, p, &ip, port);
	pbuf_free(p);
	net_pump();
	return err == ERR_OK ? (long)len : inet_errno(err);
}

static void put_source(const struct sock *s, struct sock_msg *m, struct dgram *d)
{
	char sa[28];
	int n = inet_addr_out(s, sa, sizeof(sa), &d->ip, d->port);

	if (!m->rname)
		return;
	memcpy(m->rname, sa, m->rnamelen < (uint32_t)n ? m->rnamelen : (uint32_t)n);
	m->rnamelen = (uint32_t)n;
}

static long udp_recv_(struct sock *s, struct sock_msg *m, int nonblock)
{
	struct udp_sock *u = us_of(s);
	struct dgram *d;
	size_t n, k;
	int r;

	while (!(d = u->head)) {
		if (s->error)
			return -sock_take_error(s);
		if (u->shut_rd)
			return 0;
		if (nonblock)
			return -EAGAIN;
		if ((r = sock_wait(s)))
			return r;
	}
	n = d->p->tot_len < m->io.left ? d->p->tot_len : m->io.left;
	for (k = 0; k < n;) {
		void *p;
		size_t piece = iov_piece(&m->io, &p, n - k);

		pbuf_copy_partial(d->p, p, (u16_t)piece, (u16_t)k);
		iov_skip(&m->io, piece);
		k += piece;
	}
	if (n < d->p->tot_len)
		m->rflags |= MSG_TRUNC;
	put_source(s, m, d);
	r = (m->flags & MSG_TRUNC) ? d->p->tot_len : (int)n;
	if (!(m->flags & MSG_PEEK)) {
		u->head = d->next;
		if (!u->head)
			u->tail = 0;
		u->bytes -= d->p->tot_len;
		pbuf_free(d->p);
		heap_free(d);
	}
	return r;
}

static int udp_name(struct sock *s, int peer, void *buf, uint32_t len)
{
	struct udp_sock *u = us_of(s);

	if (peer) {
		if (!u->connected)
			return -ENOTCONN;
		return inet_addr_out(s, buf, len, &u->pcb->remote_ip, u->pcb->remote_port);
	}
	return inet_addr_out(s, buf, len, &u->pcb->local_ip, u->pcb->local_port);
}

/* Linux applies it even when unconnected, and says ENOTCONN then. */
static int udp_shutdown_(struct sock *s, int how)
{
	struct udp_sock *u = us_of(s);

	if (how != SHUT_WR)
		u->shut_rd = 1;
	if (how != SHUT_RD)
		u->shut_wr = 1;
	sock_changed(s, 0);
	return u->connected ? 0 : -ENOTCONN;
}

static unsigned udp_poll_(struct sock *s)
{
	struct udp_sock *u = us_of(s);
	unsigned mask = POLLOUT | POLLWRNORM;

	if (u->head)
		mask |= POLLIN | POLLRDNORM;
	if (u->shut_rd)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (u->shut_rd && u->shut_wr)
		mask |= POLLHUP;
	return mask;
}

/* FIONREAD on a datagram socket: the size of the next datagram. */
static long udp_nread(struct sock *s)
{
	struct udp_sock *u = us_of(s);

	return u->head ? u->head->p->tot_len : 0;
}

static int udp_setopt(struct sock *s, int level, int name, int v)
{
	struct udp_sock *u = us_of(s);

	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)
		return inet_set_v6only(s, &u->pcb->local_ip, &u->pcb->remote_ip,
				       u->pcb->local_port != 0, v);
	if (level == SOL_SOCKET) {
		if (name == SO_REUSEADDR) {
			if (v)
				ip_set_option(u->pcb, SOF_REUSEADDR);
			else
				ip_reset_option(u->pcb, SOF_REUSEADDR);
		}
		return 0;
	}
	if (level == IPPROTO_IP && name == IP_TOS) {
		u->tos = v & 0xfc;
		u->pcb->tos = (u8_t)u->tos;
		return 0;
	}
	return -ENOPROTOOPT;
}

static int udp_getopt(struct sock *s, int level, int name, int *v)
{
	if (level == IPPROTO_IP && name == IP_TOS) {
		*v = us_of(s)->tos;
		return 0;
	}
	return -ENOPROTOOPT;
}

static void udp_close_(struct sock *s)
{
	struct udp_sock *u = us_of(s);

	udp_remove(u->pcb);
	while (u->head) {
		struct dgram *d = u->head;

		u->head = d->next;
		pbuf_free(d->p);
		heap_free(d);
	}
	heap_free(u);
}

static const struct sock_ops udp_ops = {
	.bind = udp_bind_, .connect = udp_connect_, .send = udp_send_,
	.recv = udp_recv_, .shutdown = udp_shutdown_, .name = udp_name,
	.poll = udp_poll_, .nread = udp_nread, .setopt = udp_setopt,
	.getopt = udp_getopt, .close = udp_close_,
};
