/*
 * The DNS servers slirp forwards to. libslirp's slirp.c reads
 * /etc/resolv.conf with fopen() and checks it again with stat() every
 * second or so, from the I/O thread, whose seccomp filter opens no files.
 * vmm.mk renames those two calls in slirp.o to the functions below, which
 * serve a copy taken at start-up, as Docker copies the host's resolv.conf
 * into a container when it starts. Only `nameserver` lines with an IPv4
 * address are kept: slirp's DNS forwarding is IPv4 here, and a scoped
 * IPv6 address would make it look up an interface index.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "vmm.h"

#define RESOLV_CONF "/etc/resolv.conf"

static char servers[1024];
static size_t servers_len;
static struct stat servers_stat;

FILE *net_resolv_fopen(const char *path, const char *mode);
int net_resolv_stat(const char *path, struct stat *st);

/* "nameserver 192.0.2.1" appended to servers when the address is IPv4. */
static void keep_line(const char *line)
{
	char addr[64], out[96];
	struct in_addr a;
	int n;

	if (sscanf(line, " nameserver %63s", addr) != 1 ||
	    inet_pton(AF_INET, addr, &a) != 1)
		return;
	n = snprintf(out, sizeof(out), "nameserver %s\n", addr);
	if (n > 0 && servers_len + (size_t)n < sizeof(servers)) {
		memcpy(servers + servers_len, out, (size_t)n);
		servers_len += (size_t)n;
	}
}

int net_resolv_load(void)
{
	char line[512];
	FILE *f = fopen(RESOLV_CONF, "re");

	servers_len = 0;
	if (!f)
		return 0; /* no DNS forwarding; the guest may use its own */
	while (fgets(line, sizeof(line), f))
		keep_line(line);
	fclose(f);
	if (stat(RESOLV_CONF, &servers_stat) < 0)
		memset(&servers_stat, 0, sizeof(servers_stat));
	return (int)(servers_len > 0);
}

FILE *net_resolv_fopen(const char *path, const char *mode)
{
	(void)mode;
	if (strcmp(path, RESOLV_CONF) || !servers_len) {
		errno = ENOENT;
		return NULL;
	}
	return fmemopen(servers, servers_len, "r");
}

int net_resolv_stat(const char *path, struct stat *st)
{
	if (strcmp(path, RESOLV_CONF) || !servers_len) {
		errno = ENOENT;
		return -1;
	}
	*st = servers_stat;
	return 0;
}
