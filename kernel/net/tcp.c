/*
 * AF_INET SOCK_STREAM on lwIP's raw TCP API. lwIP calls back (recv, sent,
 * err, accept, connected) from inside net_pump or its timers; the
 * callbacks only queue and wake. Received data waits in our own queue and
 * the window opens (tcp_recved) only as the program reads, so a slow
 * reader slows the sender as on Linux. A listener keeps its own accept
 * queue; lwIP counts a connection against the backlog until accept takes
 * it (tcp_backlog_delayed/accepted), so listen's backlog is honoured.
 */
#include "../lib.h"
#include "../mm.h"
#include "inet.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/timeouts.h"

#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_KEEPALIVE 9
#define IP_TOS 1
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_CORK 3
#define CORK_MAX_MS 200 /* Linux sends a corked partial frame after 200 ms */
#define WRITE_CHUNK 0xffff /* tcp_write's length is 16 bits */

/* Received bytes not yet read: one lwIP packet each. */
struct rxseg {
	struct rxseg *next;
	struct pbuf *p;
	size_t off;
};

struct tcp_sock {
	struct sock *s;
	struct tcp_pcb *pcb;  /* NULL once lwIP freed it (reset, closed) */
	struct rxseg *rx, *rx_tail;
	size_t rx_bytes;
	int connecting, connected;
	int in_progress;      /* connect said EINPROGRESS: the next says 0 */
	int fin;              /* the peer sent FIN */
	int reset;            /* the connection is gone (RST, abort) */
	int shut_rd, shut_wr;
	/* A listener's accepted connections, oldest first. */
	struct tcp_sock *acc_head, *acc_tail, *acc_next;
	int backlog;
	ip_addr_t local_ip, peer_ip;
	u16_t local_port, peer_port;
	int nodelay, tos, keepidle, keepintvl, keepcnt;
	int cork;             /* TCP_CORK: queue, send full segments only */
	int cork_timer;       /* the 200 ms limit is armed */
};

static const struct sock_ops tcp_ops;

static struct tcp_sock *ts_of(struct sock *s)
{
	return s->priv;
}

/* ---- lwIP's callbacks ---- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct tcp_sock *t = arg;
	struct rxseg *seg;

	(void)pcb;
	(void)err;
	if (!p) {
		t->fin = 1;
		sock_changed(t->s, POLLIN | POLLRDHUP);
		return ERR_OK;
	}
	if (!(seg = heap_alloc(sizeof(*seg))))
		return ERR_MEM; /* lwIP keeps p and offers it again */
	seg->next = 0;
	seg->p = p;
	seg->off = 0;
	if (t->rx_tail)
		t->rx_tail->next = seg;
	else
		t->rx = seg;
	t->rx_tail = seg;
	t->rx_bytes += p->tot_len;
	sock_changed(t->s, POLLIN | POLLRDNORM);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct tcp_sock *t = arg;

	(void)pcb;
	(void)len;
	sock_changed(t->s, POLLOUT | POLLWRNORM);
	return ERR_OK;
}

/* The pcb is already freed when lwIP reports an error. */
static void on_err(void *arg, err_t err)
{
	struct tcp_sock *t = arg;

	t->pcb = 0;
	t->reset = 1;
	if (t->connecting)
		t->s->error = ECONNREFUSED;
	else if (err == ERR_RST)
		t->s->error = t->fin ? EPIPE : ECONNRESET;
	else
		t->s->error = -inet_errno(err);
	t->connecting = 0;
	sock_changed(t->s, 0);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tcp_sock *t = arg;

	(void)err;
	t->connecting = 0;
	t->connected = 1;
	t->local_ip = pcb->local_ip;
	t->local_port = pcb->local_port;
	sock_changed(t->s, POLLOUT | POLLWRNORM);
	return ERR_OK;
}

static void attach(struct tcp_sock *t, struct tcp_pcb *pcb)
{
	t->pcb = pcb;
	tcp_arg(pcb, t);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
}

static struct tcp_sock *tcp_sock_new(int family, int protocol)
{
	struct tcp_sock *t = heap_alloc(sizeof(*t));
	struct sock *s;

	if (!t)
		return 0;
	memset(t, 0, sizeof(*t));
	if (!(s = sock_new(&tcp_ops, family, SOCK_STREAM, protocol))) {
		heap_free(t);
		return 0;
	}
	s->priv = t;
	t->s = s;
	t->keepidle = 7200;
	t->keepintvl = 75;
	t->keepcnt = 9;
	return t;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tcp_sock *l = arg, *t;

	if (err != ERR_OK || !l || !(t = tcp_sock_new(l->s->family, IPPROTO_TCP)))
		return ERR_MEM;
	t->s->v6only = l->s->v6only;
	attach(t, pcb);
	t->connected = 1;
	t->local_ip = pcb->local_ip;
	t->local_port = pcb->local_port;
	t->peer_ip = pcb->remote_ip;
	t->peer_port = pcb->remote_port;
	tcp_backlog_delayed(pcb); /* counted until accept takes it */
	if (l->acc_tail)
		l->acc_tail->acc_next = t;
	else
		l->acc_head = t;
	l->acc_tail = t;
	sock_changed(l->s, POLLIN | POLLRDNORM);
	return ERR_OK;
}

/* ---- naming, listening, connecting ---- */

int inet_tcp_create(int family, int type, int protocol, struct sock **out)
{
	struct tcp_sock *t;

	(void)type;
	if (protocol && protocol != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	net_start();
	if (!(t = tcp_sock_new(family, IPPROTO_TCP)))
		return -ENOMEM;
	if (!(t->pcb = tcp_new_ip_type(inet_pcb_type(t->s)))) {
		heap_free(t->s);
		heap_free(t);
		return -ENOMEM;
	}
	attach(t, t->pcb);
	*out = t->s;
	return 0;
}

static int tcp_bind_(struct sock *s, const void *addr, uint32_t len)
{
	struct tcp_sock *t = ts_of(s);
	ip_addr_t ip;
	u16_t port;
	int r;

	if ((r = inet_addr_in(s, addr, len, &ip, &port, 0)))
		return r;
	if (!t->pcb || t->pcb->state != CLOSED || t->pcb->local_port)
		return -EINVAL;
	if (s->reuseaddr)
		ip_set_option(t->pcb, SOF_REUSEADDR);
	if ((r = inet_errno(tcp_bind(t->pcb, &ip, port))))
		return r;
	t->local_ip = t->pcb->local_ip;
	t->local_port = t->pcb->local_port;
	return 0;
}

static int tcp_listen_(struct sock *s, int backlog)
{
	struct tcp_sock *t = ts_of(s);
	struct tcp_pcb *l;
	err_t err;

	/* Linux queues backlog + 1 connections; lwIP's count is 8 bits. */
	t->backlog = backlog + 1 > 255 ? 255 : backlog + 1;
	if (s->listening) {
		((struct tcp_pcb_listen *)t->pcb)->backlog = (u8_t)t->backlog;
		return 0;
	}
	if (!t->pcb || t->connected || t->connecting || t->pcb->state != CLOSED)
		return -EINVAL;
	if (!t->pcb->local_port && tcp_bind(t->pcb, IP4_ADDR_ANY, 0) != ERR_OK)
		return -EADDRINUSE;
	if (!(l = tcp_listen_with_backlog_and_err(t->pcb, (u8_t)t->backlog, &err)))
		return inet_errno(err);
	t->pcb = l; /* the old pcb is freed */
	t->local_ip = l->local_ip;
	t->local_port = l->local_port;
	tcp_arg(l, t);
	tcp_accept(l, on_accept);
	s->listening = 1;
	return 0;
}

static int tcp_has_pending(struct sock *s)
{
	return ts_of(s)->acc_head != 0;
}

static int tcp_accept_(struct sock *s, int nonblock, struct sock **out)
{
	struct tcp_sock *t = ts_of(s), *c;
	int r;

	if ((r = sock_accept_wait(s, nonblock, tcp_has_pending)))
		return r;
	c = t->acc_head;
	t->acc_head = c->acc_next;
	if (!t->acc_head)
		t->acc_tail = 0;
	c->acc_next = 0;
	if (c->pcb)
		tcp_backlog_accepted(c->pcb);
	*out = c->s;
	return 0;
}

static int wait_connected(struct sock *s, struct tcp_sock *t)
{
	int r;

	while (t->connecting)
		if ((r = sock_wait(s)))
			return r;
	if (s->error)
		return -sock_take_error(s);
	return 0;
}

static int tcp_connect_(struct sock *s, const void *addr, uint32_t len, int nonblock)
{
	struct tcp_sock *t = ts_of(s);
	ip_addr_t ip;
	u16_t port;
	int r;

	if (s->listening)
		return -EINVAL;
	if (t->connected && t->in_progress) {
		t->in_progress = 0;
		return 0;
	}
	if (t->connected)
		return -EISCONN;
	if (t->connecting)
		return nonblock ? -EALREADY : wait_connected(s, t);
	if ((r = inet_addr_in(s, addr, len, &ip, &port, 0)))
		return r;
	if (!t->pcb)
		return s->error ? -sock_take_error(s) : -ECONNABORTED;
	t->peer_ip = ip;
	t->peer_port = port;
	if ((r = inet_errno(tcp_connect(t->pcb, &ip, port, on_connected))))
		return r;
	t->connecting = 1;
	net_pump();
	if (nonblock) {
		t->in_progress = 1;
		return -EINPROGRESS; /* as Linux, even on loopback */
	}
	return wait_connected(s, t);
}

static int tcp_name(struct sock *s, int peer, void *buf, uint32_t len)
{
	struct tcp_sock *t = ts_of(s);

	if (peer) {
		if (!t->connected)
			return -ENOTCONN;
		return inet_addr_out(s, buf, len, &t->peer_ip, t->peer_port);
	}
	if (t->pcb && !s->listening) {
		t->local_ip = t->pcb->local_ip;
		t->local_port = t->pcb->local_port;
	}
	return inet_addr_out(s, buf, len, &t->local_ip, t->local_port);
}

/* ---- sending ---- */

static int send_room(struct tcp_sock *t)
{
	return tcp_sndbuf(t->pcb) > 0 && tcp_sndqueuelen(t->pcb) < TCP_SND_QUEUELEN - 4;
}

/* Queues what fits now: bytes queued, or -errno. */
static long queue_some(struct tcp_sock *t, struct sock_msg *m)
{
	long done = 0;

	while (m->io.left && send_room(t)) {
		size_t room = tcp_sndbuf(t->pcb), n;
		void *p;

		n = iov_piece(&m->io, &p, room < WRITE_CHUNK ? room : WRITE_CHUNK);
		if (tcp_write(t->pcb, p, (u16_t)n, TCP_WRITE_FLAG_COPY |
			      (m->io.left > n ? TCP_WRITE_FLAG_MORE : 0)) != ERR_OK)
			break; /* out of segments: wait for ACKs */
		iov_skip(&m->io, n);
		done += (long)n;
	}
	return done;
}

/* Why a send cannot go on (-errno), or 0. */
static long send_blocked(struct sock *s, struct tcp_sock *t, int flags)
{
	int e;

	if (s->error && (e = sock_take_error(s)))
		return e == EPIPE ? sock_epipe(flags) : -e;
	if (t->shut_wr || t->reset)
		return sock_epipe(flags);
	if (!t->connected && !t->connecting)
		return -ENOTCONN;
	return 0;
}

/* What a cork held back goes out (uncorked, or after CORK_MAX_MS). */
static void cork_flush(void *arg)
{
	struct tcp_sock *t = arg;

	t->cork_timer = 0;
	if (t->pcb && t->connected)
		tcp_output(t->pcb);
}

static void cork_timer_stop(struct tcp_sock *t)
{
	if (t->cork_timer)
		sys_untimeout(cork_flush, t);
	t->cork_timer = 0;
}

/* After queueing: send now, or, corked, only once a segment is full
 * (lwIP would send the partial tail too), else when the limit passes. */
static void push_out(struct tcp_sock *t)
{
	if (!t->cork || (t->pcb->unsent && t->pcb->unsent->len >= t->pcb->mss)) {
		tcp_output(t->pcb);
		return;
	}
	if (!t->cork_timer) {
		sys_timeout(CORK_MAX_MS, cork_flush, t);
		t->cork_timer = 1;
	}
}

static long tcp_send(struct sock *s, struct sock_msg *m, int nonblock)
{
	struct tcp_sock *t = ts_of(s);
	long done = 0, r;

	while (m->io.left) {
		if ((r = send_blocked(s, t, m->flags)))
			return done ? done : r;
		if (t->connected && send_room(t)) {
			done += queue_some(t, m);
			push_out(t);
			net_pump();
			continue;
		}
		if (nonblock)
			return done ? done : -EAGAIN;
		if ((r = sock_wait(s)))
			return done ? done : r;
	}
	return done;
}

/* ---- receiving ---- */

/* Copies from the queue into the user's buffers, consuming what it
 * copies unless peek: how many bytes. */
static size_t take_rx(struct tcp_sock *t, struct iov_cursor *io, int peek)
{
	struct rxseg *seg = t->rx, *next;
	size_t done = 0, off = seg ? seg->off : 0;

	while (seg && io->left) {
		size_t n = seg->p->tot_len - off, k;

		if (n > io->left)
			n = io->left;
		for (k = 0; k < n;) {
			void *u;
			size_t piece = iov_piece(io, &u, n - k);

			pbuf_copy_partial(seg->p, u, (u16_t)piece, (u16_t)(off + k));
			iov_skip(io, piece);
			k += piece;
		}
		done += n;
		off += n;
		if (off < seg->p->tot_len)
			break;
		next = seg->next;
		if (!peek) {
			t->rx = next;
			pbuf_free(seg->p);
			heap_free(seg);
		}
		seg = next;
		off = seg ? seg->off : 0;
	}
	if (!peek) {
		if (t->rx)
			t->rx->off = off;
		else
			t->rx_tail = 0;
		t->rx_bytes -= done;
	}
	return done;
}

/* The program read n bytes: open the window by as much. */
static void window_open(struct tcp_sock *t, size_t n)
{
	if (!t->pcb)
		return;
	while (n) {
		u16_t k = n > 0xffff ? 0xffff : (u16_t)n;

		tcp_recved(t->pcb, k);
		n -= k;
	}
	net_pump();
}

static int read_ended(struct tcp_sock *t)
{
	return t->fin || t->shut_rd || t->reset;
}

static long tcp_recv_(struct sock *s, struct sock_msg *m, int nonblock)
{
	struct tcp_sock *t = ts_of(s);
	int peek = m->flags & MSG_PEEK, e;
	long done = 0, r;

	m->rnamelen = 0;
	if (s->listening)
		return -ENOTCONN;
	while (m->io.left) {
		if (t->rx_bytes) {
			size_t n = take_rx(t, &m->io, peek);

			done += (long)n;
			if (!peek)
				window_open(t, n);
			if (peek || !(m->flags & MSG_WAITALL))
				break;
			continue;
		}
		if (done)
			break;
		if (s->error && (e = sock_take_error(s)))
			return -e;
		if (read_ended(t))
			break;
		if (!t->connected && !t->connecting)
			return -ENOTCONN;
		if (nonblock)
			return -EAGAIN;
		if ((r = sock_wait(s)))
			return done ? done : r;
	}
	return done;
}

static long tcp_nread(struct sock *s)
{
	return (long)ts_of(s)->rx_bytes;
}

/* ---- shutdown, poll, close ---- */

static int tcp_shutdown_(struct sock *s, int how)
{
	struct tcp_sock *t = ts_of(s);

	if (!t->connected && !s->listening)
		return -ENOTCONN;
	if (how != SHUT_WR)
		t->shut_rd = 1;
	if (how != SHUT_RD && !t->shut_wr && t->pcb && !s->listening) {
		t->shut_wr = 1;
		tcp_shutdown(t->pcb, 0, 1); /* FIN after what is queued */
		net_pump();
	}
	sock_changed(s, 0);
	return 0;
}

/* Linux's tcp_poll, bit for bit. */
static unsigned tcp_poll_(struct sock *s)
{
	struct tcp_sock *t = ts_of(s);
	int closed = t->reset || (!t->connected && !t->connecting);
	int rcv_shut = t->fin || t->shut_rd || t->reset;
	int snd_shut = t->shut_wr || t->reset;
	unsigned mask = 0;

	if (s->listening)
		return t->acc_head ? POLLIN | POLLRDNORM : 0;
	if ((rcv_shut && snd_shut) || closed)
		mask |= POLLHUP;
	if (rcv_shut)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (!t->connecting) {
		if (t->rx_bytes)
			mask |= POLLIN | POLLRDNORM;
		if (snd_shut || closed || (t->pcb && send_room(t)))
			mask |= POLLOUT | POLLWRNORM;
	}
	return mask;
}

static void free_rx(struct tcp_sock *t)
{
	while (t->rx) {
		struct rxseg *seg = t->rx;

		t->rx = seg->next;
		pbuf_free(seg->p);
		heap_free(seg);
	}
	t->rx_tail = 0;
	t->rx_bytes = 0;
}

/* Unread data, or SO_LINGER with a zero timeout, resets the connection
 * (as Linux); otherwise FIN follows what is queued. */
static void drop_pcb(struct tcp_sock *t, int abort)
{
	struct tcp_pcb *pcb = t->pcb;

	if (!pcb)
		return;
	t->pcb = 0;
	tcp_arg(pcb, 0);
	if (pcb->state == LISTEN) {
		tcp_close(pcb);
		return;
	}
	tcp_recv(pcb, 0);
	tcp_sent(pcb, 0);
	tcp_err(pcb, 0);
	if (abort || tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

static void tcp_close_(struct sock *s)
{
	struct tcp_sock *t = ts_of(s);
	int abort = t->rx_bytes || (s->linger_on && !s->linger_secs);

	while (t->acc_head) {
		struct tcp_sock *c = t->acc_head;

		t->acc_head = c->acc_next;
		drop_pcb(c, 1);
		free_rx(c);
		heap_free(c->s);
		heap_free(c);
	}
	s->listening = 0;
	cork_timer_stop(t);
	drop_pcb(t, abort);
	free_rx(t);
	net_pump();
	heap_free(t);
}

/* ---- options ---- */

static void apply_keepalive(struct tcp_sock *t)
{
	if (!t->pcb || t->s->listening)
		return;
	if (t->s->keepalive)
		ip_set_option(t->pcb, SOF_KEEPALIVE);
	else
		ip_reset_option(t->pcb, SOF_KEEPALIVE);
	t->pcb->keep_idle = (u32_t)t->keepidle * 1000;
	t->pcb->keep_intvl = (u32_t)t->keepintvl * 1000;
	t->pcb->keep_cnt = (u32_t)t->keepcnt;
}

static int set_tcp_level(struct tcp_sock *t, int name, int v)
{
	switch (name) {
	case TCP_NODELAY:
		t->nodelay = !!v;
		if (t->pcb && !t->s->listening) {
			if (v)
				tcp_nagle_disable(t->pcb);
			else
				tcp_nagle_enable(t->pcb);
		}
		return 0;
	case TCP_CORK:
		t->cork = !!v;
		if (!v) {
			cork_timer_stop(t);
			cork_flush(t);
			net_pump();
		}
		return 0;
	case TCP_KEEPIDLE: case TCP_KEEPINTVL: case TCP_KEEPCNT:
		if (v < 1 || v > 32767)
			return -EINVAL;
		*(name == TCP_KEEPIDLE ? &t->keepidle :
		  name == TCP_KEEPINTVL ? &t->keepintvl : &t->keepcnt) = v;
		apply_keepalive(t);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int tcp_setopt(struct sock *s, int level, int name, int v)
{
	struct tcp_sock *t = ts_of(s);

	if (level == SOL_SOCKET) {
		if (name == SO_KEEPALIVE)
			apply_keepalive(t);
		if (name == SO_REUSEADDR && t->pcb && !s->listening) {
			if (v)
				ip_set_option(t->pcb, SOF_REUSEADDR);
			else
				ip_reset_option(t->pcb, SOF_REUSEADDR);
		}
		return 0;
	}
	if (level == IPPROTO_TCP)
		return set_tcp_level(t, name, v);
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)
		return t->pcb ? inet_set_v6only(s, &t->pcb->local_ip, &t->pcb->remote_ip,
						t->pcb->local_port || s->listening, v) : -EINVAL;
	if (level == IPPROTO_IP && name == IP_TOS) {
		t->tos = v & 0xfc; /* Linux keeps the DSCP and ECN-free bits */
		if (t->pcb)
			t->pcb->tos = (u8_t)t->tos;
		return 0;
	}
	return -ENOPROTOOPT;
}

static int tcp_getopt(struct sock *s, int level, int name, int *v)
{
	struct tcp_sock *t = ts_of(s);

	if (level == IPPROTO_IP && name == IP_TOS) {
		*v = t->tos;
		return 0;
	}
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	switch (name) {
	case TCP_NODELAY: *v = t->nodelay; return 0;
	case TCP_CORK: *v = t->cork; return 0;
	case TCP_KEEPIDLE: *v = t->keepidle; return 0;
	case TCP_KEEPINTVL: *v = t->keepintvl; return 0;
	case TCP_KEEPCNT: *v = t->keepcnt; return 0;
	case TCP_MAXSEG: *v = t->connected && t->pcb ? t->pcb->mss : 536; return 0;
	default: return -ENOPROTOOPT;
	}
}

static const struct sock_ops tcp_ops = {
	.bind = tcp_bind_, .listen = tcp_listen_, .accept = tcp_accept_,
	.connect = tcp_connect_, .send = tcp_send, .recv = tcp_recv_,
	.shutdown = tcp_shutdown_, .name = tcp_name, .poll = tcp_poll_,
	.nread = tcp_nread, .setopt = tcp_setopt, .getopt = tcp_getopt,
	.close = tcp_close_,
};
