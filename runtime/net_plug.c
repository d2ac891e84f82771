/*
 * Plugs the guest into the container's network, inside its namespace:
 * a persistent TAP for the monitor to attach to, and tc ingress
 * redirects between it and the engine's interface both ways (mirred
 * egress redirect, as Kata's tcfilter mode does), so every frame the
 * engine's veth receives goes to the guest and every frame the guest
 * sends leaves by the veth. The guest answers with the interface's
 * address and MAC, so nothing upstream changes.
 *
 * The interface keeps its address: with every frame it receives sent on
 * to the guest, the namespace's own stack never sees a packet for it,
 * and the engine's teardown needs it. CNI's bridge plugin finds the
 * masquerade rules to remove by the addresses on the container's
 * interface at DEL; with the address gone, every container's rule
 * stayed in the host's nat table after podman rm.
 *
 * The redirects are made by iproute2's tc binary rather than rtnetlink:
 * a qdisc, a u32 filter and a nested mirred action are a page of
 * attribute encoding that tc already does right, and tc is on every
 * Debian system (iproute2, priority important). The TAP is plain
 * ioctls.
 *
 * Nothing here is undone at delete: the namespace is the engine's, and
 * the TAP and the filters go with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "runtime.h"

#define TUN_DEVICE "/dev/net/tun"

static const char *const tc_paths[] = {
	"/usr/sbin/tc", "/sbin/tc", "/usr/bin/tc", "/bin/tc", NULL,
};

static int fail(char *err, size_t nerr, const char *what, const char *dev)
{
	snprintf(err, nerr, "%s %s: %s", what, dev, strerror(errno));
	return -1;
}

static int make_tap(const char *tap, char *err, size_t nerr)
{
	struct ifreq ifr = { 0 };
	int fd = open(TUN_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return fail(err, nerr, "cannot open", TUN_DEVICE);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	/* Persistent, so that it outlives this fd until the monitor
	 * attaches; it goes away with the namespace. */
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETPERSIST, 1)) {
		close(fd);
		return fail(err, nerr, "cannot create the TAP device", tap);
	}
	close(fd);
	return 0;
}

/* The TAP up, with the engine's MTU (the guest's frames pass unchanged). */
static int tap_up(const char *tap, int mtu, char *err, size_t nerr)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return fail(err, nerr, "socket for", tap);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	ifr.ifr_mtu = mtu;
	if ((mtu <= 0 || !ioctl(fd, SIOCSIFMTU, &ifr)) &&
	    !ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (rc)
		fail(err, nerr, "cannot bring up", tap);
	close(fd);
	return rc;
}

static const char *tc_binary(void)
{
	size_t i;

	for (i = 0; tc_paths[i]; i++)
		if (!access(tc_paths[i], X_OK))
			return tc_paths[i];
	return NULL;
}

/* Runs tc with argv; its error output, if it fails, goes into err. */
static int run_tc(const char *tc, char *const argv[], char *err, size_t nerr)
{
	char out[256] = "";
	int p[2], status;
	ssize_t k, got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return fail(err, nerr, "pipe for", tc);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return fail(err, nerr, "fork for", tc);
	}
	if (!pid) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(tc, argv);
		_exit(127);
	}
	close(p[1]);
	while ((k = read(p[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += k;
	close(p[0]);
	out[got > 0 ? got : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    !WEXITSTATUS(status))
		return 0;
	snprintf(err, nerr, "%s %s %s %s %s: %s", tc, argv[1], argv[2],
		 argv[3], argv[4], out[0] ? out : "failed");
	return -1;
}

/* An ingress qdisc on from and a filter sending all it receives out of to. */
static int redirect(const char *tc, const char *from, const char *to,
		    char *err, size_t nerr)
{
	char *qdisc[] = { "tc", "qdisc", "add", "dev", (char *)from, "ingress", NULL };
	char *filter[] = { "tc", "filter", "add", "dev", (char *)from,
			   "parent", "ffff:", "protocol", "all", "u32", "match",
			   "u32", "0", "0", "action", "mirred", "egress",
			   "redirect", "dev", (char *)to, NULL };

	if (run_tc(tc, qdisc, err, nerr))
		return -1;
	return run_tc(tc, filter, err, nerr);
}

int rt_net_plug(const struct rt_net *n, const char *tap, char *err, size_t nerr)
{
	const char *tc = tc_binary();

	if (!tc) {
		snprintf(err, nerr, "the network: tc (iproute2) not found in "
			 "/usr/sbin, /sbin, /usr/bin or /bin");
		return -1;
	}
	if (make_tap(tap, err, nerr) || tap_up(tap, n->mtu, err, nerr))
		return -1;
	if (redirect(tc, n->dev, tap, err, nerr))
		return -1;
	return redirect(tc, tap, n->dev, err, nerr);
}
