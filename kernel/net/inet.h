/* What AF_INET's two protocols (tcp.c, udp.c) share: addresses. */
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

/* A user sockaddr_in: 0, -EINVAL (short) or -EAFNOSUPPORT. AF_UNSPEC is
 * allowed only where unspec_ok (connect's "dissolve"): returns 1. */
int inet_addr_in(const void *addr, uint32_t len, ip_addr_t *ip, uint16_t *port, int unspec_ok);
/* Writes ip:port into buf of room len: the full length. */
int inet_addr_out(void *buf, uint32_t len, const ip_addr_t *ip, uint16_t port);
/* lwIP's err_t as a negated errno. */
int inet_errno(int err);

#endif
