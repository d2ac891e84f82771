/*
 * husk-qemu [--status-fd N] QEMU [QEMU ARGS...]: not a verb of
 * husk-runtime but the small program lib/launch puts in husk-vmm's place
 * when there is no usable KVM (launch_monitor.c), for husk and
 * husk-runtime alike. It runs QEMU and exits with the guest program's
 * status (lib/launch_qemu_run.c); with --status-fd, as husk-vmm does, it
 * also writes that status to descriptor N (for husk wait).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"
#include "store.h"

static int usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [--status-fd N] QEMU [QEMU ARGS...]\n"
		"Runs a husk guest on QEMU (the slow fallback where KVM is "
		"unusable)\nand exits with the program's status, which "
		"--status-fd also writes to\ndescriptor N. husk and "
		"husk-runtime write its command line\n(lib/launch_qemu.c).\n",
		LAUNCH_QEMU_WRAPPER);
	return status;
}

/*
 * N, moved above the descriptors QEMU is handed (LAUNCH_QEMU_STATUS_FD,
 * LAUNCH_QEMU_SIGNAL_FD) and kept from it; -1 with a message.
 */
static int status_fd(const char *s)
{
	char *end;
	long n;
	int fd, fl;

	errno = 0;
	n = strtol(s, &end, 10);
	fl = (!errno && end != s && !*end && n > 2 && n <= INT_MAX) ?
		fcntl((int)n, F_GETFL) : -1;
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		fprintf(stderr, "%s: --status-fd '%s': expected a descriptor "
			"above 2, open for writing\n", LAUNCH_QEMU_WRAPPER, s);
		return -1;
	}
	fd = fcntl((int)n, F_DUPFD_CLOEXEC, 10);
	if (fd >= 0 && fd != n)
		close((int)n);
	return fd;
}

int main(int argc, char **argv)
{
	int status, fd = -1;

	if (argc > 1 && !strcmp(argv[1], "--status-fd")) {
		if (argc < 3 || (fd = status_fd(argv[2])) < 0)
			return 120;
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		return usage(120);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(0);
	if (launch_qemu_run(argv + 1, &status))
		fprintf(stderr, "%s: %s\n", LAUNCH_QEMU_WRAPPER, store_error());
	if (fd >= 0)
		dprintf(fd, "%d\n", status);
	return status;
}
