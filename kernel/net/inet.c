/* AF_INET and AF_INET6 addresses and lwIP's errors, for tcp.c and udp.c.
 * An AF_INET6 socket is dual-stack unless IPV6_V6ONLY: its lwIP pcb takes
 * both families, and IPv4 peers appear as ::ffff:a.b.c.d, as on Linux. */
#include "../lib.h"
#include "inet.h"
#include "lwip/err.h"

#define AF_UNSPEC 0

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int addr_in4(const void *addr, uint32_t len, ip_addr_t *ip, uint16_t *port)
{
	struct sockaddr_in_ sin;

	if (len < sizeof(sin))
		return -EINVAL;
	memcpy(&sin, addr, sizeof(sin));
	if (sin.family != AF_INET)
		return -EAFNOSUPPORT;
	ip_addr_set_ip4_u32(ip, sin.addr);
	*port = lwip_ntohs(sin.port);
	return 0;
}

static int is_unspecified(const uint8_t a[16])
{
	int i;

	for (i = 0; i < 16; i++)
		if (a[i])
			return 0;
	return 1;
}

static int addr_in6(const struct sock *s, const void *addr, uint32_t len,
		    ip_addr_t *ip, uint16_t *port)
{
	struct sockaddr_in6_ sin6 = { 0 };
	uint32_t w[4];

	if (len < SIN6_LEN_MIN)
		return -EINVAL;
	memcpy(&sin6, addr, len < sizeof(sin6) ? len : sizeof(sin6));
	if (sin6.family != AF_INET6)
		return -EAFNOSUPPORT;
	*port = lwip_ntohs(sin6.port);
	if (!memcmp(sin6.addr, v4mapped_prefix, sizeof(v4mapped_prefix))) {
		if (s->v6only)
			return -ENETUNREACH;
		memcpy(&w[3], sin6.addr + 12, 4);
		ip_addr_set_ip4_u32(ip, w[3]);
		return 0;
	}
	if (is_unspecified(sin6.addr) && !s->v6only) {
		ip_addr_copy(*ip, *IP_ANY_TYPE); /* both families */
		return 0;
	}
	memcpy(w, sin6.addr, sizeof(w));
	IP_ADDR6(ip, w[0], w[1], w[2], w[3]);
	if (ip6_addr_islinklocal(ip_2_ip6(ip)))
		ip6_addr_set_zone(ip_2_ip6(ip), (u8_t)sin6.scope_id);
	return 0;
}

int inet_addr_in(const struct sock *s, const void *addr, uint32_t len,
		 ip_addr_t *ip, uint16_t *port, int unspec_ok)
{
	uint16_t family;

	if (len < sizeof(family))
		return -EINVAL;
	memcpy(&family, addr, sizeof(family));
	if (family == AF_UNSPEC && unspec_ok)
		return 1;
	if (s->family == AF_INET6)
		return addr_in6(s, addr, len, ip, port);
	return addr_in4(addr, len, ip, port);
}

static int addr_out4(void *buf, uint32_t len, const ip_addr_t *ip, uint16_t port)
{
	struct sockaddr_in_ sin;

	memset(&sin, 0, sizeof(sin));
	sin.family = AF_INET;
	sin.port = lwip_htons(port);
	sin.addr = ip && IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
	memcpy(buf, &sin, len < sizeof(sin) ? len : sizeof(sin));
	return sizeof(sin);
}

static int addr_out6(void *buf, uint32_t len, const ip_addr_t *ip, uint16_t port)
{
	struct sockaddr_in6_ sin6;
	uint32_t v4;

	memset(&sin6, 0, sizeof(sin6));
	sin6.family = AF_INET6;
	sin6.port = lwip_htons(port);
	if (ip && IP_IS_V4(ip) && !ip_addr_isany(ip)) {
		memcpy(sin6.addr, v4mapped_prefix, sizeof(v4mapped_prefix));
		v4 = ip4_addr_get_u32(ip_2_ip4(ip));
		memcpy(sin6.addr + 12, &v4, 4);
	} else if (ip && IP_IS_V6(ip)) {
		memcpy(sin6.addr, ip_2_ip6(ip)->addr, 16);
		if (ip6_addr_islinklocal(ip_2_ip6(ip)))
			sin6.scope_id = ip6_addr_zone(ip_2_ip6(ip));
	}
	memcpy(buf, &sin6, len < sizeof(sin6) ? len : sizeof(sin6));
	return sizeof(sin6);
}

int inet_addr_out(const struct sock *s, void *buf, uint32_t len,
		  const ip_addr_t *ip, uint16_t port)
{
	if (s->family == AF_INET6)
		return addr_out6(buf, len, ip, port);
	return addr_out4(buf, len, ip, port);
}

int inet_set_v6only(struct sock *s, ip_addr_t *local, ip_addr_t *remote,
		    int bound, int v)
{
	if (s->family != AF_INET6)
		return -ENOPROTOOPT;
	if (bound)
		return -EINVAL;
	s->v6only = !!v;
	IP_SET_TYPE_VAL(*local, inet_pcb_type(s));
	IP_SET_TYPE_VAL(*remote, inet_pcb_type(s));
	return 0;
}

u8_t inet_pcb_type(const struct sock *s)
{
	if (s->family != AF_INET6)
		return IPADDR_TYPE_V4;
	return s->v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
}

int inet_errno(int err)
{
	switch (err) {
	case ERR_OK: return 0;
	case ERR_MEM: case ERR_BUF: return -ENOMEM;
	case ERR_TIMEOUT: return -ETIMEDOUT_;
	case ERR_RTE: return -ENETUNREACH;
	case ERR_INPROGRESS: return -EINPROGRESS;
	case ERR_VAL: return -EINVAL;
	case ERR_WOULDBLOCK: return -EAGAIN;
	case ERR_USE: return -EADDRINUSE;
	case ERR_ALREADY: return -EALREADY;
	case ERR_ISCONN: return -EISCONN;
	case ERR_CONN: return -ENOTCONN;
	case ERR_IF: return -ENETUNREACH;
	case ERR_ABRT: return -ECONNABORTED;
	case ERR_RST: return -ECONNRESET;
	case ERR_CLSD: return -ENOTCONN;
	case ERR_ARG: return -EINVAL;
	default: return -EIO;
	}
}
