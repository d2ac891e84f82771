/*
 * The guest's name servers: the nameserver lines of the resolv.conf the
 * engine gives the container, the file it binds on /etc/resolv.conf
 * (docker, podman) or else the one in the root filesystem. Loopback
 * servers are left out: 127.0.0.11, docker's embedded resolver, lives in
 * the namespace's own stack, which the guest does not share.
 *
 * The root filesystem is the image's, so its file is opened without
 * following links, component by component.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"

#define RESOLV_CONF "/etc/resolv.conf"

/* The source of a bind mount on /etc/resolv.conf, or NULL. */
static const char *bound_resolv_conf(const json_t *config)
{
	const json_t *mounts = json_object_get(config, "mounts"), *m;
	size_t i;

	json_array_foreach(mounts, i, m) {
		const char *dest = json_string_value(json_object_get(m, "destination"));
		if (dest && !strcmp(dest, RESOLV_CONF))
			return json_string_value(json_object_get(m, "source"));
	}
	return NULL;
}

static FILE *open_in_root(const char *root)
{
	int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), etc, fd = -1;

	if (dir < 0)
		return NULL;
	etc = openat(dir, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc >= 0) {
		fd = openat(etc, "resolv.conf", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(etc);
	}
	close(dir);
	return fd < 0 ? NULL : fdopen(fd, "re");
}

int rt_net_dns(const json_t *config, const char *root,
	       char dns[][INET_ADDRSTRLEN], int max)
{
	const char *bound = bound_resolv_conf(config);
	FILE *f = bound ? fopen(bound, "re") : open_in_root(root);
	char line[512], addr[64];
	struct in_addr a;
	int n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " nameserver %63s", addr) != 1 ||
		    inet_pton(AF_INET, addr, &a) != 1 ||
		    (ntohl(a.s_addr) >> 24) == 127)
			continue;
		inet_ntop(AF_INET, &a, dns[n++], INET_ADDRSTRLEN);
	}
	fclose(f);
	return n;
}
