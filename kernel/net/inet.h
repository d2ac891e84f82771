/* What the Internet families' two protocols (tcp.c, udp.c) share:
 * addresses, for AF_INET and AF_INET6 sockets alike. */
#ifndef KERNEL_NET_INET_H
#define KERNEL_NET_INET_H

#include "lwip/ip_addr.h"
#include "net.h"

struct sockaddr_in_ {
	uint16_t family;
	uint16_t port;   /* network order */
	uint32_t addr;   /* network order */
	uint8_t zero[8];
};

struct sockaddr_in6_ {
	uint16_t family;
	uint16_t port;   /* network order */
	uint32_t flowinfo;
	uint8_t addr[16];
	uint32_t scope_id;
};

#define SIN6_LEN_MIN 24 /* Linux takes the RFC 2133 size, without scope_id */

/*
 * A user address for socket s: sockaddr_in on AF_INET, sockaddr_in6 on
 * AF_INET6 (an IPv4-mapped one, ::ffff:a.b.c.d, means IPv4 unless the
 * socket is IPV6_V6ONLY; :: on a dual-stack socket means both). 0,
 * -EINVAL (short), -EAFNOSUPPORT, or -ENETUNREACH (IPv4 on a V6ONLY
 * socket). AF_UNSPEC is allowed only where unspec_ok (connect's
 * "dissolve"): returns 1.
 */
int inet_addr_in(const struct sock *s, const void *addr, uint32_t len,
		 ip_addr_t *ip, uint16_t *port, int unspec_ok);
/* Writes ip:port as s's family writes it into buf of room len: the full
 * length (IPv4 peers of AF_INET6 sockets as ::ffff:a.b.c.d). */
int inet_addr_out(const struct sock *s, void *buf, uint32_t len,
		  const ip_addr_t *ip, uint16_t port);
/* The lwIP pcb type for a new socket of s's family. */
u8_t inet_pcb_type(const struct sock *s);
#define IPPROTO_IPV6 41
#define IPV6_V6ONLY 26
/* IPV6_V6ONLY on s, whose pcb has these addresses: AF_INET6 only, and only
 * before it is bound (Linux: EINVAL after). */
int inet_set_v6only(struct sock *s, ip_addr_t *local, ip_addr_t *remote,
		    int bound, int v);
/* lwIP's err_t as a negated errno. */
int inet_errno(int err);

#endif
