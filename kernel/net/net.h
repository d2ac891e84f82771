/*
 * The socket layer (kernel/net/): sockets are struct file descriptions
 * whose priv is a struct sock; each address family supplies its struct
 * sock_ops. AF_INET runs on lwIP's raw API (tcp.c, udp.c), AF_UNIX inside
 * the library OS (unix.c).
 *
 * Waiting follows kernel/sched/sched.h: a call checks its condition, then
 * sleeps on the socket's one queue; whatever changes a socket's state
 * calls sock_changed, which wakes that queue and the pollers.
 */
#ifndef KERNEL_NET_NET_H
#define KERNEL_NET_NET_H

#include <stddef.h>
#include <stdint.h>
#include "../fs/errno.h"
#include "../sched/sched.h"
#include "../sys/fd.h"
#include "../sys/ready.h"

#define ENOTSOCK 88
#define EDESTADDRREQ 89
#define EMSGSIZE 90
#define EPROTOTYPE 91
#define ENOPROTOOPT 92
#define EPROTONOSUPPORT 93
#define ESOCKTNOSUPPORT 94
#define EAFNOSUPPORT 97
#define EADDRINUSE 98
#define EADDRNOTAVAIL 99
#define ENETUNREACH 101
#define ECONNABORTED 103
#define ECONNRESET 104
#define ENOBUFS 105
#define EISCONN 106
#define ENOTCONN 107
#define ETIMEDOUT_ 110
#define ECONNREFUSED 111
#define EALREADY 114
#define EINPROGRESS 115

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK O_NONBLOCK_
#define SOCK_CLOEXEC O_CLOEXEC_

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2

struct iovec_ {
	uint64_t base, len;
};

/* A position in a user iovec array: what a send takes from, or what a
 * receive fills. (iov.c) */
struct iov_cursor {
	const struct iovec_ *iov;
	int cnt;
	size_t off;   /* into iov[0] */
	size_t left;  /* bytes from here to the end */
};
void iov_init(struct iov_cursor *c, const struct iovec_ *iov, int cnt, size_t total);
/* Copy n bytes out of / into the user buffers, advancing the cursor;
 * n <= c->left. */
void iov_take(struct iov_cursor *c, void *dst, size_t n);
void iov_put(struct iov_cursor *c, const void *src, size_t n);
/* The next contiguous piece of user memory (at most max bytes), and
 * moving past n bytes of it. */
size_t iov_piece(const struct iov_cursor *c, void **p, size_t max);
void iov_skip(struct iov_cursor *c, size_t n);

/* A socket address as the program passed it (bind, connect, sendto). */
struct sockaddr_any {
	uint16_t family;
	char data[126];
};

struct sock;

/* A message being sent or received. */
struct sock_msg {
	struct iov_cursor io;
	int flags;                 /* MSG_* of the call */
	const void *name;          /* send: the destination (or NULL) */
	uint32_t namelen;
	void *rname;               /* receive: the source goes here */
	uint32_t rnamelen;         /* in: room; out: the full length */
	uint64_t control;          /* user cmsg buffer (0: none) */
	uint64_t controllen;       /* its room */
	uint64_t controlused;      /* receive: how much of it was filled */
	int rflags;                /* receive: MSG_TRUNC, MSG_CTRUNC */
};

struct sock_ops {
	int (*bind)(struct sock *s, const void *addr, uint32_t len);
	int (*listen)(struct sock *s, int backlog);
	/* A new connected socket, or -errno; honours nonblock. */
	int (*accept)(struct sock *s, int nonblock, struct sock **out);
	int (*connect)(struct sock *s, const void *addr, uint32_t len, int nonblock);
	long (*send)(struct sock *s, struct sock_msg *m, int nonblock);
	long (*recv)(struct sock *s, struct sock_msg *m, int nonblock);
	int (*shutdown)(struct sock *s, int how);
	/* The address into buf (room len): its full length, or -errno. */
	int (*name)(struct sock *s, int peer, void *buf, uint32_t len);
	unsigned (*poll)(struct sock *s);
	long (*nread)(struct sock *s); /* FIONREAD */
	/* Family and protocol levels of setsockopt: 0 or -ENOPROTOOPT. */
	int (*setopt)(struct sock *s, int level, int name, int val);
	int (*getopt)(struct sock *s, int level, int name, int *val);
	void (*close)(struct sock *s);
};

struct sock {
	const struct sock_ops *ops;
	int family, type, protocol;
	struct file *file;     /* its description, NULL while in a backlog */
	uint64_t ino;          /* "socket:[ino]" */
	struct waitq wq;       /* blocked in any call on it */
	int error;             /* pending SO_ERROR (positive errno) */
	int listening;
	int rcvbuf, sndbuf;    /* SO_RCVBUF, SO_SNDBUF as set */
	int reuseaddr, reuseport, keepalive;
	int linger_on, linger_secs;
	uint64_t rcvtimeo_ns, sndtimeo_ns; /* SO_RCVTIMEO, SO_SNDTIMEO; 0: none */
	int v6only;            /* IPV6_V6ONLY (AF_INET6) */
	void *priv;            /* the family's own state */
};

/* socket.c */
struct sock *sock_new(const struct sock_ops *ops, int family, int type, int protocol);
/* A description and fd for s (flags: SOCK_NONBLOCK, SOCK_CLOEXEC): the
 * fd, or -errno (s is then closed). */
int sock_install(struct sock *s, int flags);
/* fn on the socket of fd (a->a[0] for most calls), or -EBADF, -ENOTSOCK. */
struct syscall_args;
long sock_call(long fd, long (*fn)(struct sock *s, const struct syscall_args *a),
	       const struct syscall_args *a);
void sock_changed(struct sock *s, unsigned key);
/* A receiving (accept too) or sending (connect too) call on s starts:
 * its waits end at s's SO_RCVTIMEO or SO_SNDTIMEO from now. */
void sock_call_starts(struct sock *s, int sending);
/* Blocks on s's queue (or on q, another socket's): 0, -EINTR, or -EAGAIN
 * when the call's timeout passed. */
int sock_wait(struct sock *s);
int sock_wait_on(struct waitq *q);
/* A listener's accept waits until has_pending(s): 0, -EAGAIN (nonblock),
 * -EINTR, or -EINVAL once s stops listening (shutdown). */
int sock_accept_wait(struct sock *s, int nonblock, int (*has_pending)(struct sock *s));
/* The error a write to a closed connection gives (EPIPE), raising
 * SIGPIPE unless flags has MSG_NOSIGNAL. */
long sock_epipe(int flags);
int sock_take_error(struct sock *s);

/* net.c: lwIP, started at the first AF_INET socket, or at boot when
 * there is a NIC. */
void net_start(void);

/* A NIC's driver, as net.c drives it. */
struct net_nic {
	/* Takes what the device finished: received frames into lwIP,
	 * transmitted buffers back; re-enables the device's interrupts when
	 * it found nothing more. 1 when work is left for another pass. */
	int (*poll)(struct net_nic *n);
	/* Notifies the device of the frames lwIP queued since the last call. */
	void (*flush)(struct net_nic *n);
	int polled; /* no interrupts: net_poll must come every millisecond */
	int busy;   /* poll's last answer */
	struct net_nic *next;
};
/* After lwIP has the NIC's netif (netif_add). */
void net_add_nic(struct net_nic *n);
/* Delivers what lwIP queued on the loopback netif and has NICs send what
 * lwIP queued on them: called after each call into lwIP. */
void net_pump(void);
/* Weak: images without the network library link neither. */
uint64_t net_next_deadline(void) __attribute__((weak));
void net_poll(uint64_t now) __attribute__((weak));

/* Families. */
int inet_tcp_create(int family, int type, int protocol, struct sock **out);
int inet_udp_create(int family, int type, int protocol, struct sock **out);
int unix_create(int type, int protocol, struct sock **out);
int unix_pair(int type, struct sock **a, struct sock **b);

#endif
