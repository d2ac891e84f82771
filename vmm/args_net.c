/*
 * The network options: --net none|user|tap:NAME, -p (Docker's syntax,
 * IPv4), --mac. Every mistake is a usage error naming the option and the
 * value as typed.
 */
#define _GNU_SOURCE /* memrchr */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "vmm.h"

#define MAX_PORTS 64

int parse_net(const char *s, struct vmm_args *a)
{
	a->net_arg = s;
	a->net_set = 1;
	if (!strcmp(s, "none")) {
		a->net = NET_NONE;
	} else if (!strcmp(s, "user")) {
		a->net = NET_USER;
	} else if (!strncmp(s, "tap:", 4)) {
		const char *name = s + 4;
		if (!*name || strlen(name) >= IFNAMSIZ ||
		    strpbrk(name, "/: \t\n"))
			return vmm_fail(HUSK_VMM_EXIT_USAGE,
					"--net '%s': expected tap:NAME, NAME an "
					"interface name of 1 to %d characters",
					s, IFNAMSIZ - 1);
		a->net = NET_TAP;
		a->tap_name = name;
	} else {
		return vmm_fail(HUSK_VMM_EXIT_USAGE,
				"--net '%s': expected none, user or tap:NAME", s);
	}
	return 0;
}

/* A decimal port, 1 to 65535, exactly n characters of s. */
static int port_number(const char *s, size_t n, uint16_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (!n || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (!v || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int bad_port(const char *arg, const char *part, size_t n)
{
	return vmm_fail(HUSK_VMM_EXIT_USAGE,
			"-p '%s': port '%.*s' is not a number from 1 to 65535",
			arg, (int)n, part);
}

/* s without its /tcp or /udp: [HOST_IP:]HOST_PORT:GUEST_PORT */
static int parse_ports(const char *arg, const char *s, size_t len,
		       struct net_port *p)
{
	const char *c2 = memrchr(s, ':', len), *c1;
	char ip[INET_ADDRSTRLEN];

	if (!c2)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "-p '%s': expected "
				"[HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp]", arg);
	c1 = memrchr(s, ':', (size_t)(c2 - s));
	if (port_number(c2 + 1, len - (size_t)(c2 + 1 - s), &p->guest_port))
		return bad_port(arg, c2 + 1, len - (size_t)(c2 + 1 - s));
	if (!c1)
		c1 = s - 1;
	if (port_number(c1 + 1, (size_t)(c2 - c1 - 1), &p->host_port))
		return bad_port(arg, c1 + 1, (size_t)(c2 - c1 - 1));
	p->host_ip = 0;
	if (c1 < s)
		return 0;
	if ((size_t)(c1 - s) >= sizeof(ip))
		goto bad_ip;
	memcpy(ip, s, (size_t)(c1 - s));
	ip[c1 - s] = 0;
	if (inet_pton(AF_INET, ip, &p->host_ip) == 1)
		return 0;
bad_ip:
	return vmm_fail(HUSK_VMM_EXIT_USAGE, "-p '%s': '%.*s' is not an IPv4 "
			"address", arg, (int)(c1 - s), s);
}

int parse_port(const char *s, struct net_port *p)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	memset(p, 0, sizeof(*p));
	p->arg = s;
	if (slash && !strcmp(slash, "/udp"))
		p->udp = 1;
	else if (slash && strcmp(slash, "/tcp"))
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "-p '%s': protocol '%s' "
				"(use /tcp or /udp)", s, slash + 1);
	return parse_ports(s, s, len, p);
}

int add_port(const char *s, struct vmm_args *a)
{
	struct net_port *p;

	if (a->nports == MAX_PORTS)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "more than %d -p options",
				MAX_PORTS);
	p = realloc(a->ports, (size_t)(a->nports + 1) * sizeof(*p));
	if (!p)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "out of memory");
	a->ports = p;
	return parse_port(s, &a->ports[a->nports++]);
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	int i, hi, lo;

	for (i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		if ((hi = hex(p[0])) < 0 || (lo = hex(p[1])) < 0 ||
		    p[2] != (i == 5 ? '\0' : ':'))
			return vmm_fail(HUSK_VMM_EXIT_USAGE, "--mac '%s': "
					"expected six hexadecimal bytes such as "
					"02:00:00:12:34:56", s);
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "--mac '%s': a multicast "
				"address (the first byte must be even)", s);
	return 0;
}

/* 02:xx:xx:xx:xx:xx: locally administered, unicast. */
static void random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		memset(mac, 0x5a, 6); /* no entropy yet: still a valid MAC */
	mac[0] = 0x02;
}

int net_args_check(struct vmm_args *a)
{
	char sz[32];

	if (a->nports && a->net_set && a->net != NET_USER)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "-p %s publishes a port "
				"through --net user; it cannot go with --net %s",
				a->ports[0].arg, a->net_arg);
	if (a->nports)
		a->net = NET_USER;
	if (a->net == NET_NONE)
		return 0;
	if (a->mem_size > VMM_MMIO_BASE)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "--net %s needs --mem of at "
				"most %s: the device's registers live at 0x%llx "
				"(--mem %s)", a->net == NET_TAP ? a->net_arg :
				"user", fmt_size(sz, sizeof(sz), VMM_MMIO_BASE),
				VMM_MMIO_BASE, a->mem_arg);
	if (!a->mac_set)
		random_mac(a->mac);
	return 0;
}
