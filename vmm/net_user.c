/*
 * --net user: user-mode networking with libslirp, no privileges needed.
 * The guest sees 10.0.2.0/24: the gateway and host at 10.0.2.2, a DNS
 * forwarder at 10.0.2.3 (to the host's resolv.conf servers, copied at
 * start-up: net_resolv.c), its own address from DHCP starting at
 * 10.0.2.15. IPv6 is off. -p publishes guest ports: slirp listens on the
 * host (0.0.0.0 unless an address is given) and forwards each connection
 * or datagram to 10.0.2.15.
 *
 * slirp runs entirely on the I/O thread: frames from the guest go in with
 * slirp_input, its sockets and timers are served around the thread's
 * poll(), and the frames it sends to the guest wait in a small queue until
 * receive buffers take them (a full queue drops, as a busy link would;
 * TCP resends).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <glib.h>
#include <libslirp.h>

#include "vmm.h"

#define USER_QUEUE 128 /* frames waiting for the guest's receive buffers */
#define USER_TIMERS 4

struct user_frame {
	uint16_t len;
	uint8_t data[NET_FRAME_MAX];
};

struct user_timer {
	int used, armed;
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms;
};

struct user_backend {
	struct net_backend b;
	Slirp *slirp;
	struct user_frame q[USER_QUEUE];
	unsigned head, count;
	struct user_timer timers[USER_TIMERS];
	struct pollfd *fds; /* during poll_fill: where add_poll writes */
	unsigned nfds, max;
};

int net_resolv_load(void);

/* libslirp's socket.c calls this for listen (see vmm.mk): its published
 * ports get the host's full backlog, not 1. Runs before the seccomp
 * filter (slirp_add_hostfwd, at start-up). */
int net_user_listen(int fd, int backlog);
int net_user_listen(int fd, int backlog)
{
	(void)backlog;
	return listen(fd, SOMAXCONN);
}

static struct user_backend *user_of(struct net_backend *b)
{
	return (struct user_backend *)b;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- slirp's callbacks ---- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct user_backend *u = opaque;
	struct user_frame *f;

	if (len > NET_FRAME_MAX || u->count == USER_QUEUE) {
		u->b.dropped++;
		return (ssize_t)len;
	}
	f = &u->q[(u->head + u->count++) % USER_QUEUE];
	f->len = (uint16_t)len;
	memcpy(f->data, buf, len);
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	(void)opaque;
	vmm_msg("virtio-net: user network: %s", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return now_ns();
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque,
				 void *opaque)
{
	struct user_backend *u = opaque;
	unsigned i;

	for (i = 0; i < USER_TIMERS; i++) {
		struct user_timer *t = &u->timers[i];
		if (!t->used) {
			t->used = 1;
			t->id = id;
			t->cb_opaque = cb_opaque;
			t->expire_ms = -1;
			return t;
		}
	}
	return NULL; /* slirp then runs without that timer */
}

static void cb_timer_free(void *timer, void *opaque)
{
	(void)opaque;
	if (timer)
		memset(timer, 0, sizeof(struct user_timer));
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct user_timer *t = timer;

	(void)opaque;
	if (t) {
		t->armed = 1;
		t->expire_ms = expire_ms;
	}
}

/* Only used on Windows, and for waking a poll we run ourselves. */
static void cb_poll_fd(int fd, void *opaque)
{
	(void)fd, (void)opaque;
}

static void cb_notify(void *opaque)
{
	(void)opaque;
}

/* slirp's g_warning()s and g_critical()s, on the I/O thread: GLib's own
 * handler would probe standard error (isatty and more) past its seccomp
 * filter; one husk-vmm line each instead. Debug output is dropped. */
static void on_glib_log(const gchar *domain, GLogLevelFlags level,
			const gchar *msg, gpointer data)
{
	(void)data;
	if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
		return;
	vmm_msg("virtio-net: user network: %s%s%s", domain ? domain : "",
		domain ? ": " : "", msg);
}

static const SlirpCb user_callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_poll_fd,
	.unregister_poll_fd = cb_poll_fd,
	.notify = cb_notify,
	.timer_new_opaque = cb_timer_new_opaque,
};

/* ---- the backend ---- */

static void user_send(struct net_backend *b, const uint8_t *frame, size_t len)
{
	slirp_input(user_of(b)->slirp, frame, (int)len);
}

static size_t user_recv(struct net_backend *b, uint8_t *buf)
{
	struct user_backend *u = user_of(b);
	struct user_frame *f;

	if (!u->count)
		return 0;
	f = &u->q[u->head];
	u->head = (u->head + 1) % USER_QUEUE;
	u->count--;
	memcpy(buf, f->data, f->len);
	return f->len;
}

static short to_poll(int ev)
{
	return (short)((ev & SLIRP_POLL_IN ? POLLIN : 0) |
		       (ev & SLIRP_POLL_OUT ? POLLOUT : 0) |
		       (ev & SLIRP_POLL_PRI ? POLLPRI : 0));
}

static int from_poll(short ev)
{
	return (ev & POLLIN ? SLIRP_POLL_IN : 0) |
	       (ev & POLLOUT ? SLIRP_POLL_OUT : 0) |
	       (ev & POLLPRI ? SLIRP_POLL_PRI : 0) |
	       (ev & (POLLERR | POLLNVAL) ? SLIRP_POLL_ERR : 0) |
	       (ev & POLLHUP ? SLIRP_POLL_HUP : 0);
}

/* Past NET_POLL_MAX sockets, the rest wait for a later round. */
static int add_poll(int fd, int events, void *opaque)
{
	struct user_backend *u = opaque;

	if (u->nfds == u->max)
		return -1;
	u->fds[u->nfds] = (struct pollfd){ .fd = fd, .events = to_poll(events) };
	return (int)u->nfds++;
}

static int get_revents(int idx, void *opaque)
{
	struct user_backend *u = opaque;

	return idx >= 0 && (unsigned)idx < u->nfds ?
		       from_poll(u->fds[idx].revents) : 0;
}

static void lower_timeout(int *timeout_ms, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < INT_MAX && (*timeout_ms < 0 || ms < *timeout_ms))
		*timeout_ms = (int)ms;
}

static unsigned user_poll_fill(struct net_backend *b, struct pollfd *fds,
			       unsigned max, int *timeout_ms, int want_rx)
{
	struct user_backend *u = user_of(b);
	uint32_t t = *timeout_ms < 0 ? UINT32_MAX : (uint32_t)*timeout_ms;
	int64_t now = now_ns() / 1000000;
	unsigned i;

	(void)want_rx; /* slirp's frames wait in our queue either way */
	u->fds = fds;
	u->nfds = 0;
	u->max = max;
	slirp_pollfds_fill(u->slirp, &t, add_poll, u);
	if (t != UINT32_MAX)
		lower_timeout(timeout_ms, t);
	for (i = 0; i < USER_TIMERS; i++)
		if (u->timers[i].armed)
			lower_timeout(timeout_ms, u->timers[i].expire_ms - now);
	return u->nfds;
}

static void user_poll_done(struct net_backend *b, struct pollfd *fds,
			   unsigned n)
{
	struct user_backend *u = user_of(b);
	int64_t now;
	unsigned i;

	u->fds = fds;
	u->nfds = n;
	slirp_pollfds_poll(u->slirp, 0, get_revents, u);
	now = now_ns() / 1000000;
	for (i = 0; i < USER_TIMERS; i++) {
		struct user_timer *t = &u->timers[i];
		if (t->armed && t->expire_ms <= now) {
			t->armed = 0;
			slirp_handle_timer(u->slirp, t->id, t->cb_opaque);
		}
	}
}

/*
 * slirp opens, uses and closes host sockets of its own at any time, so
 * these calls cannot be tied to descriptors; sockets are limited to IPv4
 * and IPv6 (slirp's ICMP "ping" sockets included), ioctl to FIONREAD and
 * FIONBIO. close, malloc's calls and the rest are common (seccomp_io.c).
 */
static int user_seccomp_rules(struct net_backend *b, scmp_filter_ctx ctx)
{
	static const int calls[] = {
		SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen),
		SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(setsockopt),
		SCMP_SYS(getsockopt), SCMP_SYS(getsockname),
		SCMP_SYS(getpeername), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
		SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(shutdown),
		SCMP_SYS(fcntl),
	};
	static const int families[] = { AF_INET, AF_INET6 };
	static const unsigned long ioctls[] = { FIONREAD, FIONBIO };
	int rc = seccomp_allow_calls(ctx, calls,
				     sizeof(calls) / sizeof(calls[0]));
	unsigned i;

	(void)b;
	for (i = 0; i < 2 && !rc; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0_32(SCMP_CMP_EQ,
						 (uint32_t)families[i]));
	for (i = 0; i < 2 && !rc; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1_32(SCMP_CMP_EQ, (uint32_t)ioctls[i]));
	return rc;
}

static void user_close(struct net_backend *b)
{
	slirp_cleanup(user_of(b)->slirp);
	free(b);
}

static const struct net_backend_ops user_ops = {
	.name = "user",
	.send = user_send,
	.recv = user_recv,
	.poll_fill = user_poll_fill,
	.poll_done = user_poll_done,
	.seccomp_rules = user_seccomp_rules,
	.close = user_close,
};

static void config(SlirpConfig *c)
{
	memset(c, 0, sizeof(*c));
	c->version = 4; /* timer_new_opaque */
	c->in_enabled = true;
	inet_pton(AF_INET, "10.0.2.0", &c->vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &c->vnetmask);
	inet_pton(AF_INET, "10.0.2.2", &c->vhost);
	inet_pton(AF_INET, "10.0.2.15", &c->vdhcp_start);
	inet_pton(AF_INET, "10.0.2.3", &c->vnameserver);
	c->vhostname = "husk";
	c->if_mtu = 1500;
	c->if_mru = 1500;
}

static int publish(struct user_backend *u, const struct net_port *p)
{
	struct in_addr host = { .s_addr = p->host_ip }, guest;
	char ip[INET_ADDRSTRLEN];

	inet_pton(AF_INET, "10.0.2.15", &guest);
	if (!slirp_add_hostfwd(u->slirp, p->udp, host, p->host_port, guest,
			       p->guest_port))
		return 0;
	if (errno == EADDRINUSE)
		return vmm_fail(HUSK_VMM_EXIT_USAGE,
				"-p %s: host port %u is already in use", p->arg,
				p->host_port);
	inet_ntop(AF_INET, &host, ip, sizeof(ip));
	return vmm_fail(HUSK_VMM_EXIT_USAGE, "-p %s: cannot listen on %s:%u "
			"(%s): %s", p->arg, ip, p->host_port,
			p->udp ? "udp" : "tcp", strerror(errno));
}

int net_user_open(const struct net_port *ports, int nports,
		  struct net_backend **out)
{
	struct user_backend *u = calloc(1, sizeof(*u));
	SlirpConfig c;
	int i, rc = 0;

	if (!u)
		return vmm_fail(HUSK_VMM_EXIT_KVM, "--net user: out of memory");
	u->b.ops = &user_ops;
	g_log_set_default_handler(on_glib_log, NULL);
	net_resolv_load();
	config(&c);
	u->slirp = slirp_new(&c, &user_callbacks, u);
	if (!u->slirp) {
		free(u);
		return vmm_fail(HUSK_VMM_EXIT_KVM, "--net user: libslirp "
				"refused its configuration");
	}
	for (i = 0; i < nports && !rc; i++)
		rc = publish(u, &ports[i]);
	if (rc) {
		user_close(&u->b);
		return rc;
	}
	*out = &u->b;
	return 0;
}
