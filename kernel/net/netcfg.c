/*
 * Networking at boot (see netcfg.h). Kernel options, before "--":
 *   ip=dhcp            the default when there is a NIC
 *   ip=ADDRESS/PREFIX  static, e.g. ip=10.0.2.15/24
 *   gw=ADDRESS         the default gateway, with a static ip=
 *   dns=ADDRESS        a name server (repeatable); replaces DHCP's
 *   hostname=NAME      the host name (uname, /etc/hostname, DHCP)
 *   add-host=NAME:ADDRESS  a line of /etc/hosts (repeatable), as docker
 *                      run --add-host
 * With a NIC, lwIP starts here rather than at the first socket, and the
 * program starts once the address is there (a DHCP lease: lwIP's client,
 * without its ARP probe of the offered address, binds in milliseconds),
 * or after WAIT_NS with a warning.
 */
#include "../clock.h"
#include "../console.h"
#include "../drivers/drivers.h"
#include "../lib.h"
#include "../sys/calls.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "net.h"
#include "netcfg.h"

#define WAIT_NS 3000000000ULL
#define HOSTNAME_MAX 64
#define EXTRA_HOSTS_MAX 16

struct netcfg {
	int dhcp;
	ip4_addr_t ip, mask, gw;
	int has_gw;
	const char *gw_option;
	ip4_addr_t dns[DNS_MAX_SERVERS];
	int ndns;
	const char *hostname;
	struct etc_host extra[EXTRA_HOSTS_MAX]; /* add-host= */
	int nextra;
};

static struct waitq address_wq;

/* ---- options ---- */

/* A dotted quad, strictly: four decimal numbers up to 255. The end of
 * what was read, or NULL. */
static const char *parse_ipv4(const char *s, ip4_addr_t *out)
{
	uint32_t v = 0;

	for (int part = 0; part < 4; part++) {
		unsigned n = 0, digits = 0;

		if (part && *s++ != '.')
			return 0;
		for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			n = n * 10 + (unsigned)(*s - '0');
		if (!digits || digits > 3 || n > 255)
			return 0;
		v = v << 8 | n;
	}
	ip4_addr_set_u32(out, lwip_htonl(v));
	return s;
}

static int parse_address(const char *s, ip4_addr_t *out)
{
	const char *end = parse_ipv4(s, out);

	return end && !*end ? 0 : -1;
}

/* ADDRESS/PREFIX */
static int parse_static(const char *s, struct netcfg *c)
{
	const char *p = parse_ipv4(s, &c->ip);
	unsigned prefix = 0, digits = 0;

	if (!p || *p++ != '/')
		return -1;
	for (; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
		prefix = prefix * 10 + (unsigned)(*p - '0');
	if (!digits || *p || prefix > 32)
		return -1;
	ip4_addr_set_u32(&c->mask,
			 lwip_htonl(prefix ? ~0u << (32 - prefix) : 0));
	c->dhcp = 0;
	return 0;
}

/* Letters, digits, '-' and '.', as host names are (RFC 1123). */
static int valid_hostname(const char *s)
{
	size_t n = strnlen(s, HOSTNAME_MAX + 1);

	if (!n || n > HOSTNAME_MAX || *s == '-' || *s == '.')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

/* NAME:ADDRESS */
static int parse_add_host(const char *s, struct netcfg *c)
{
	struct etc_host *h = &c->extra[c->nextra];
	const char *colon = s;
	ip4_addr_t a;
	size_t n;

	while (*colon && *colon != ':')
		colon++;
	n = (size_t)(colon - s);
	if (!*colon || !n || n > HOSTNAME_MAX || parse_address(colon + 1, &a))
		return -1;
	memcpy(h->name, s, n);
	h->name[n] = 0;
	if (!valid_hostname(h->name))
		return -1;
	ip4addr_ntoa_r(&a, h->addr, sizeof(h->addr));
	c->nextra++;
	return 0;
}

static int bad(const char *opt, const char *want)
{
	kprintf("husk: kernel option %s: %s\n", opt, want);
	return -1;
}

static int parse_option(const char *o, struct netcfg *c)
{
	if (!strncmp(o, "ip=", 3)) {
		if (!strcmp(o + 3, "dhcp")) {
			c->dhcp = 1;
			return 0;
		}
		if (parse_static(o + 3, c))
			return bad(o, "expected ip=dhcp or ip=ADDRESS/PREFIX "
				      "(for example ip=10.0.2.15/24)");
	} else if (!strncmp(o, "gw=", 3)) {
		if (parse_address(o + 3, &c->gw))
			return bad(o, "expected gw=ADDRESS (for example gw=10.0.2.2)");
		c->has_gw = 1;
		c->gw_option = o;
	} else if (!strncmp(o, "dns=", 4)) {
		if (c->ndns == DNS_MAX_SERVERS)
			return bad(o, "too many dns= options (at most 3)");
		if (parse_address(o + 4, &c->dns[c->ndns]))
			return bad(o, "expected dns=ADDRESS (for example dns=10.0.2.3)");
		c->ndns++;
	} else if (!strncmp(o, "hostname=", 9)) {
		if (!valid_hostname(o + 9))
			return bad(o, "a host name is 1 to 64 letters, digits, "
				      "'-' and '.'");
		c->hostname = o + 9;
	} else if (!strncmp(o, "add-host=", 9)) {
		if (c->nextra == EXTRA_HOSTS_MAX)
			return bad(o, "too many add-host= options (at most 16)");
		if (parse_add_host(o + 9, c))
			return bad(o, "expected add-host=NAME:ADDRESS (for example "
				      "add-host=db:10.0.2.2)");
	}
	return 0;
}

static int parse_options(char **opts, struct netcfg *c)
{
	c->dhcp = 1;
	for (char **o = opts; o && *o; o++)
		if (parse_option(*o, c))
			return -1;
	if (c->has_gw && c->dhcp)
		return bad(c->gw_option, "only with a static ip=ADDRESS/PREFIX "
					 "(DHCP supplies the gateway)");
	return 0;
}

/* ---- configuring the NIC ---- */

static void address_changed(struct netif *n)
{
	(void)n;
	sched_wake(&address_wq, -1);
}

static int has_address(struct netif *n, const struct netcfg *c)
{
	return c->dhcp ? dhcp_supplied_address(n) : 1;
}

static void configure(struct netif *n, const struct netcfg *c)
{
	netif_set_hostname(n, sys_hostname());
	netif_set_status_callback(n, address_changed);
	if (!c->dhcp)
		netif_set_addr(n, &c->ip, &c->mask, &c->gw);
	netif_set_up(n);
	if (c->dhcp && dhcp_start(n) != ERR_OK)
		kprintf("husk: net: the DHCP client cannot start\n");
	net_pump(); /* the first DHCP message out */
}

/* Until the address is there, the deadline passes or a signal comes
 * (which the program then takes). */
static void wait_for_address(struct netif *n, const struct netcfg *c)
{
	uint64_t deadline = clock_monotonic_ns() + WAIT_NS;

	while (!has_address(n, c))
		if (sched_wait(&address_wq, deadline))
			break;
	if (!has_address(n, c))
		kprintf("husk: net: no DHCP lease after %llu s: the program "
			"starts without an address\n", WAIT_NS / 1000000000ULL);
}

/* The name servers: dns= options, else DHCP's (lwIP's client keeps them
 * in its DNS table). */
static int name_servers(const struct netcfg *c, char out[][16])
{
	int n = 0;

	for (; n < c->ndns; n++)
		ip4addr_ntoa_r(&c->dns[n], out[n], 16);
	for (u8_t i = 0; !c->ndns && i < DNS_MAX_SERVERS; i++) {
		const ip_addr_t *a = dns_getserver(i);

		if (!ip_addr_isany(a))
			ip4addr_ntoa_r(ip_2_ip4(a), out[n++], 16);
	}
	return n;
}

static void write_etc(struct netif *n, const struct netcfg *c)
{
	char addr[16], dns[DNS_MAX_SERVERS][16];
	int ndns = name_servers(c, dns);

	ip4addr_ntoa_r(netif_ip4_addr(n), addr, sizeof(addr));
	etc_write_network(sys_hostname(), has_address(n, c) ? addr : 0,
			  dns, ndns, c->extra, c->nextra);
}

int net_boot(char **opts)
{
	struct netcfg c = { 0 };

	if (parse_options(opts, &c))
		return -1;
	if (c.hostname)
		sys_set_hostname(c.hostname); /* valid_hostname said it fits */
	drivers_probe();
	if (!netif_default) {
		if (!c.dhcp || c.ndns || c.nextra)
			kprintf("husk: net: no network device: ip=, gw=, dns= "
				"and add-host= are ignored\n");
		return 0;
	}
	configure(netif_default, &c);
	wait_for_address(netif_default, &c);
	write_etc(netif_default, &c);
	return 0;
}
