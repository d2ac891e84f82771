/* AF_INET addresses and lwIP's errors, for tcp.c and udp.c. */
#include "../lib.h"
#include "inet.h"
#include "lwip/err.h"

#define AF_UNSPEC 0

int inet_addr_in(const void *addr, uint32_t len, ip_addr_t *ip, uint16_t *port, int unspec_ok)
{
	struct sockaddr_in_ sin;

	if (len < sizeof(uint16_t))
		return -EINVAL;
	memcpy(&sin.family, addr, sizeof(uint16_t));
	if (sin.family == AF_UNSPEC && unspec_ok)
		return 1;
	if (len < sizeof(sin))
		return -EINVAL;
	memcpy(&sin, addr, sizeof(sin));
	if (sin.family != AF_INET)
		return -EAFNOSUPPORT;
	ip_addr_set_ip4_u32(ip, sin.addr);
	*port = lwip_ntohs(sin.port);
	return 0;
}

int inet_addr_out(void *buf, uint32_t len, const ip_addr_t *ip, uint16_t port)
{
	struct sockaddr_in_ sin;

	memset(&sin, 0, sizeof(sin));
	sin.family = AF_INET;
	sin.port = lwip_htons(port);
	sin.addr = ip ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
	memcpy(buf, &sin, len < sizeof(sin) ? len : sizeof(sin));
	return sizeof(sin);
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
