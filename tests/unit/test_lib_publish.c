/* Docker's -p syntax and --network, as lib/publish.c reads them. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "publish.h"
#include "store.h"

static void good(const char *s, const char *ip, int hp, int gp, int udp)
{
	struct publish p;
	int rc = publish_parse(s, &p);

	char name[128];

	snprintf(name, sizeof(name), "publish: -p %s", s);
	CHECK(name, rc == 0 && !strcmp(p.host_ip, ip) &&
	      (hp ? p.host_port == hp : p.host_port > 0) &&
	      p.guest_port == gp && p.udp == udp);
}

static void refused(const char *s, const char *why)
{
	struct publish p;
	int rc = publish_parse(s, &p);

	char name[128];

	snprintf(name, sizeof(name), "publish: -p '%s' is refused (%s)", s, why);
	CHECK(name, rc == STORE_ERR && strstr(store_error(), why) &&
	      strstr(store_error(), s));
}

int main(void)
{
	json_t *c = json_object(), *b;
	const char *specs[] = { "8080:80", "127.0.0.1:9090:90/udp", "8081:80" };

	good("8080:80", "0.0.0.0", 8080, 80, 0);
	good("127.0.0.1:8080:80", "127.0.0.1", 8080, 80, 0);
	good("8080:80/udp", "0.0.0.0", 8080, 80, 1);
	good("8080:80/tcp", "0.0.0.0", 8080, 80, 0);
	good("80", "0.0.0.0", 0, 80, 0);
	good("127.0.0.1::6379", "127.0.0.1", 0, 6379, 0);
	refused("8080:80/sctp", "tcp or udp");
	refused("8080-8081:80-81", "ranges");
	refused("[::1]:8080:80", "IPv6");
	refused("8080:0", "container port");
	refused("8080:65536", "container port");
	refused("x:80", "host port");
	refused("1.2.3:8080:80", "IPv4");
	refused("1:2:3:4", "expected");
	refused("", "container port");

	CHECK("publish: no -p, no --network: none",
	      !strcmp(publish_network_mode(NULL, 0), "none"));
	CHECK("publish: -p alone: user", !strcmp(publish_network_mode(NULL, 1), "user"));
	CHECK("publish: bridge means user", !strcmp(publish_network_mode("bridge", 0), "user"));
	CHECK("publish: tap:NAME", !strcmp(publish_network_mode("tap:tap0", 0), "tap:tap0"));
	CHECK("publish: --network host is refused",
	      publish_network_mode("host", 0) == NULL &&
	      strstr(store_error(), "--network host"));

	CHECK("publish: three bindings", publish_config(c, "user", specs, 3) == 0);
	b = json_object_get(json_object_get(c, "PortBindings"), "80/tcp");
	CHECK("publish: two host ports for 80/tcp, in order",
	      json_array_size(b) == 2 &&
	      !strcmp(json_string_value(json_object_get(json_array_get(b, 1), "HostPort")), "8081"));
	CHECK("publish: NetworkMode recorded",
	      !strcmp(json_string_value(json_object_get(c, "NetworkMode")), "user"));
	CHECK("publish: -p with --network none is refused",
	      publish_config(c, "none", specs, 1) == STORE_ERR &&
	      strstr(store_error(), "needs --network user"));
	json_decref(c);
	return CHECK_DONE();
}
