/*
 * -p and --network (see publish.h). Docker's syntax, IPv4 host addresses
 * (the guest's network has no IPv6 yet): port ranges and [IPv6] hosts are
 * refused with a message that says so.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "publish.h"
#include "store.h"

static int bad(const char *s, const char *why)
{
	return store_fail(STORE_ERR, "invalid publish spec \"%s\": %s", s, why);
}

/* A port number 1-65535 of exactly the text [p, end). */
static int port_number(const char *p, const char *end, int *out)
{
	long v = 0;

	if (p == end || end - p > 5)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

/* A free port on ip for the protocol: bind port 0 and see what came. */
static int pick_port(const char *ip, int udp, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0), rc = -1;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, ip, &a.sin_addr);
	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len)) {
		*port = ntohs(a.sin_port);
		rc = 0;
	}
	close(fd);
	return rc;
}

static int parse_proto(const char *s, const char *slash, struct publish *p)
{
	if (!slash)
		return 0;
	if (!strcmp(slash, "/tcp"))
		return 0;
	if (!strcmp(slash, "/udp")) {
		p->udp = 1;
		return 0;
	}
	return bad(s, "the protocol must be tcp or udp");
}

int publish_parse(const char *s, struct publish *p)
{
	const char *slash = strchr(s, '/'), *end = slash ? slash : s + strlen(s);
	const char *c1 = memchr(s, ':', (size_t)(end - s)), *c2 = NULL, *gp;
	struct in_addr ip;

	memset(p, 0, sizeof(*p));
	strcpy(p->host_ip, "0.0.0.0");
	if (s[0] == '[')
		return bad(s, "IPv6 host addresses are not supported");
	if (memchr(s, '-', (size_t)(end - s)))
		return bad(s, "port ranges are not supported");
	if (parse_proto(s, slash, p))
		return STORE_ERR;
	if (c1)
		c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	if (c2 && memchr(c2 + 1, ':', (size_t)(end - c2 - 1)))
		return bad(s, "expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]");
	gp = c2 ? c2 + 1 : c1 ? c1 + 1 : s;
	if (port_number(gp, end, &p->guest_port))
		return bad(s, "the container port must be a number from 1 to 65535");
	if (c2) {
		if ((size_t)(c1 - s) >= sizeof(p->host_ip))
			return bad(s, "the host address is not an IPv4 address");
		memcpy(p->host_ip, s, (size_t)(c1 - s));
		p->host_ip[c1 - s] = '\0';
		if (inet_pton(AF_INET, p->host_ip, &ip) != 1)
			return bad(s, "the host address is not an IPv4 address");
	}
	/* HOST_PORT is c1+1..c2 with an address, s..c1 without; empty only
	 * after an address (`127.0.0.1::80`). */
	if (c2 && c2 > c1 + 1 && port_number(c1 + 1, c2, &p->host_port))
		return bad(s, "the host port must be a number from 1 to 65535");
	if (c1 && !c2 && port_number(s, c1, &p->host_port))
		return bad(s, "the host port must be a number from 1 to 65535");
	if (!p->host_port && pick_port(p->host_ip, p->udp, &p->host_port))
		return store_fail_errno("-p %s: no free port on %s", s, p->host_ip);
	return 0;
}

const char *publish_network_mode(const char *network, size_t npublish)
{
	if (!network || !strcmp(network, "bridge") || !strcmp(network, "default"))
		return npublish || network ? "user" : "none";
	if (!strcmp(network, "none") || !strcmp(network, "user") ||
	    (!strncmp(network, "tap:", 4) && network[4]))
		return network;
	store_fail(STORE_ERR, "--network %s: expected none, user, bridge or "
		   "tap:NAME (an existing TAP device)", network);
	return NULL;
}

static int add_binding(json_t *ports, const struct publish *p)
{
	char key[16], hport[8];
	json_t *list, *b;

	snprintf(key, sizeof(key), "%d/%s", p->guest_port, p->udp ? "udp" : "tcp");
	snprintf(hport, sizeof(hport), "%d", p->host_port);
	list = json_object_get(ports, key);
	if (!list) {
		list = json_array();
		if (!list || json_object_set_new(ports, key, list))
			return store_fail(STORE_ERR, "out of memory");
	}
	b = json_pack("{s:s, s:s}", "HostIp", p->host_ip, "HostPort", hport);
	if (!b || json_array_append_new(list, b))
		return store_fail(STORE_ERR, "out of memory");
	return 0;
}

int publish_config(json_t *config, const char *mode, const char **specs,
		   size_t n)
{
	json_t *ports = json_object();
	struct publish p;
	size_t i;

	if (!ports)
		return store_fail(STORE_ERR, "out of memory");
	if (n && strcmp(mode, "user")) {
		json_decref(ports);
		return store_fail(STORE_ERR, "-p %s: publishing a port needs "
				  "--network user (the default with -p), not %s",
				  specs[0], mode);
	}
	for (i = 0; i < n; i++)
		if (publish_parse(specs[i], &p) || add_binding(ports, &p)) {
			json_decref(ports);
			return STORE_ERR;
		}
	json_object_set_new(config, "NetworkMode", json_string(mode));
	json_object_set_new(config, "PortBindings", ports);
	return 0;
}

/* "53/udp" before "80/tcp": by port, then protocol, as Docker lists them. */
static int key_order(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	long px = strtol(x, NULL, 10), py = strtol(y, NULL, 10);

	return px != py ? (px < py ? -1 : 1) : strcmp(x, y);
}

static int each_binding(const char *key, const json_t *list,
			int (*fn)(void *ctx, const char *spec), void *ctx)
{
	const json_t *b;
	char spec[64];
	size_t i;
	int rc;

	json_array_foreach(list, i, b) {
		const char *ip = json_string_value(json_object_get(b, "HostIp"));
		const char *hp = json_string_value(json_object_get(b, "HostPort"));
		if (!ip || !hp)
			return store_fail(STORE_ERR, "container config: "
					  "PortBindings %s is malformed", key);
		snprintf(spec, sizeof(spec), "%s:%s:%s", ip, hp, key);
		if ((rc = fn(ctx, spec)))
			return rc;
	}
	return 0;
}

int publish_each(const json_t *config, int (*fn)(void *ctx, const char *spec),
		 void *ctx)
{
	json_t *ports = json_object_get(config, "PortBindings"), *list;
	size_t n = json_object_size(ports), i = 0;
	const char *key, **keys;
	int rc = 0;

	if (!n)
		return 0;
	if (!(keys = calloc(n, sizeof(*keys))))
		return store_fail(STORE_ERR, "out of memory");
	json_object_foreach(ports, key, list)
		keys[i++] = key;
	qsort(keys, n, sizeof(*keys), key_order);
	for (i = 0; !rc && i < n; i++)
		rc = each_binding(keys[i], json_object_get(ports, keys[i]), fn, ctx);
	free(keys);
	return rc;
}
