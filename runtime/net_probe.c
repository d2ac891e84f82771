/*
 * The engine's interface in the container's network namespace: the one
 * the IPv4 default route leaves by, else the first one other than lo
 * with an IPv4 address; its address and prefix, the gateway, its MAC and
 * MTU. The guest takes them over (net_plug.c), so it answers on the
 * container's IP exactly as a runc container would.
 *
 * Read with getifaddrs and ioctls on the calling thread's namespace, and
 * /proc/self/net/route, which is that namespace's table too.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime.h"

#define ROUTE_TABLE "/proc/self/net/route"

/* The default route's interface and gateway; 0 when there is none. */
static int default_route(struct rt_net *n)
{
	char line[256], dev[IF_NAMESIZE];
	unsigned dest, gw, flags, mask;
	FILE *f = fopen(ROUTE_TABLE, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
		if (sscanf(line, "%15s %x %x %x %*d %*d %*d %x", dev, &dest, &gw,
			   &flags, &mask) != 5 || dest || mask)
			continue;
		snprintf(n->dev, sizeof(n->dev), "%s", dev);
		inet_ntop(AF_INET, &gw, n->gw, sizeof(n->gw));
		fclose(f);
		return 1;
	}
	fclose(f);
	return 0;
}

static unsigned prefix_of(const struct sockaddr *mask)
{
	uint32_t m = ntohl(((const struct sockaddr_in *)mask)->sin_addr.s_addr);

	return (unsigned)__builtin_popcount(m);
}

/* dev's first IPv4 address, or with dev empty the first interface's that
 * is not a loopback. */
static int ipv4_address(struct rt_net *n)
{
	struct ifaddrs *all, *a;
	int found = 0;

	if (getifaddrs(&all))
		return -1;
	for (a = all; a && !found; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET ||
		    (a->ifa_flags & IFF_LOOPBACK) || !a->ifa_netmask)
			continue;
		if (n->dev[0] && strcmp(n->dev, a->ifa_name))
			continue;
		snprintf(n->dev, sizeof(n->dev), "%s", a->ifa_name);
		inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr,
			  n->addr, sizeof(n->addr));
		n->prefix = prefix_of(a->ifa_netmask);
		found = 1;
	}
	freeifaddrs(all);
	return found;
}

static int link_details(struct rt_net *n)
{
	struct ifreq ifr = { 0 };
	const unsigned char *m;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n->dev);
	if (!ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
		snprintf(n->mac, sizeof(n->mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		rc = ioctl(fd, SIOCGIFMTU, &ifr);
		n->mtu = ifr.ifr_mtu;
	}
	close(fd);
	return rc;
}

int rt_net_probe(struct rt_net *n, char *err, size_t nerr)
{
	int found;

	memset(n, 0, sizeof(*n));
	if (default_route(n) && ipv4_address(n) == 1)
		found = 1;
	else {
		/* No default route, or one through an interface without an
		 * IPv4 address: any addressed interface will do, gatewayless. */
		memset(n, 0, sizeof(*n));
		found = ipv4_address(n);
	}
	if (found < 0) {
		snprintf(err, nerr, "the network namespace's addresses: %s",
			 strerror(errno));
		return -1;
	}
	if (found && link_details(n)) {
		snprintf(err, nerr, "interface %s: %s", n->dev, strerror(errno));
		return -1;
	}
	return found;
}
