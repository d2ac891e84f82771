/*
 * --net tap:NAME: an existing TAP device (made beforehand, for example
 * with `ip tuntap add dev NAME mode tap user $USER`), attached with
 * TUNSETIFF and IFF_NO_PI so that each read or write is one Ethernet
 * frame; net_fd.c does the rest. We never create the device: that takes
 * CAP_NET_ADMIN, and a device that vanished should be an error, not a
 * fresh unconfigured one. (IFF_VNET_HDR would carry the virtio header
 * through for checksum and TSO offload, once they are offered.)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"

static int tap_error(const char *name, int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return vmm_fail(HUSK_VMM_EXIT_KVM,
				"--net tap:%s: not permitted to attach to the TAP "
				"device: create it for your user (ip tuntap add "
				"dev %s mode tap user $USER)", name, name);
	case EBUSY:
		return vmm_fail(HUSK_VMM_EXIT_KVM,
				"--net tap:%s: the TAP device is in use by another "
				"program", name);
	case EINVAL:
		return vmm_fail(HUSK_VMM_EXIT_KVM,
				"--net tap:%s: not a TAP device (a TUN device, or "
				"another kind of interface?)", name);
	}
	return vmm_fail(HUSK_VMM_EXIT_KVM, "--net tap:%s: TUNSETIFF: %s", name,
			strerror(err));
}

static int open_tun(const char *name, int *fd)
{
	*fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (*fd >= 0)
		return 0;
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
		return vmm_fail(HUSK_VMM_EXIT_KVM,
				"--net tap:%s: /dev/net/tun is missing: load the "
				"tun module (modprobe tun)", name);
	return vmm_fail(HUSK_VMM_EXIT_KVM, "--net tap:%s: /dev/net/tun: %s",
			name, strerror(errno));
}

int net_tap_open(const char *name, struct net_backend **out)
{
	struct ifreq ifr;
	int fd, rc;

	if (!if_nametoindex(name))
		return vmm_fail(HUSK_VMM_EXIT_KVM,
				"--net tap:%s: there is no network device %s: "
				"create it first (ip tuntap add dev %s mode tap "
				"user $USER; ip link set %s up)", name, name, name,
				name);
	rc = open_tun(name, &fd);
	if (rc)
		return rc;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		rc = errno;
		close(fd);
		return tap_error(name, rc);
	}
	*out = net_fd_backend(fd);
	if (!*out) {
		close(fd);
		return vmm_fail(HUSK_VMM_EXIT_KVM, "--net tap:%s: out of memory",
				name);
	}
	return 0;
}
