/*
 * Networking at boot, for build/husk.elf's launcher: find the devices,
 * start lwIP on a NIC, configure it from the kernel options (ip=, gw=,
 * dns=, hostname=), wait for the address, write the /etc files.
 */
#ifndef KERNEL_NET_NETCFG_H
#define KERNEL_NET_NETCFG_H

/* opts: the kernel options, NULL-terminated. 0, or -1 after naming the
 * option that is wrong. Needs the root filesystem mounted. */
int net_boot(char **opts);

/* A line of /etc/hosts: name and dotted address. */
struct etc_host {
	char name[65];
	char addr[16];
};

/* etcfiles.c: /etc/hostname, /etc/hosts and /etc/resolv.conf, replacing
 * the image's as Docker does. addr: ours in dotted form, NULL when there
 * is none; dns: ndns name servers, dotted; extra: more hosts lines. */
void etc_write_network(const char *hostname, const char *addr,
		       char dns[][16], int ndns,
		       const struct etc_host *extra, int nextra);

#endif
