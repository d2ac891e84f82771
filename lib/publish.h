/*
 * Docker's -p/--publish and --network for a container, as husk-vmm takes
 * them (`--net user -p HOST_IP:HOST_PORT:GUEST_PORT/PROTO`). The container's
 * config.json keeps them in Docker's shapes: "NetworkMode" and
 * "PortBindings" ({"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}).
 */
#ifndef HUSK_PUBLISH_H
#define HUSK_PUBLISH_H

#include <stddef.h>
#include <jansson.h>

struct publish {
	char host_ip[16]; /* dotted quad, "0.0.0.0" when not given */
	int host_port;    /* 1-65535 */
	int guest_port;   /* 1-65535 */
	int udp;          /* /udp, else /tcp */
};

/*
 * [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|/udp]. Without a host port
 * (`80`, `127.0.0.1::80`) one is picked now, a free one, as Docker picks an
 * ephemeral port. 0, or STORE_ERR with a message naming the value.
 */
int publish_parse(const char *s, struct publish *p);

/*
 * --network: none, user (slirp: outbound connections and published
 * ports, no root), tap:NAME; Docker's "bridge" and "default" mean user.
 * The mode as recorded, or NULL after a message.
 */
const char *publish_network_mode(const char *network, size_t npublish);

/* Adds specs[0..n) to config as "PortBindings", and "NetworkMode". */
int publish_config(json_t *config, const char *mode, const char **specs,
		   size_t n);

/* The config's ports back, in order, for the monitor's command line:
 * calls fn with "HOST_IP:HOST_PORT:GUEST_PORT/PROTO" for each. */
int publish_each(const json_t *config, int (*fn)(void *ctx, const char *spec),
		 void *ctx);

#endif
