/*
 * husk-qemu QEMU [QEMU ARGS...]: not a verb of husk-runtime but the small
 * program lib/launch puts in husk-vmm's place when there is no usable
 * KVM (launch_monitor.c), for husk and husk-runtime alike. It runs QEMU
 * and exits with the guest program's status (lib/launch_qemu_run.c).
 */
#include <stdio.h>
#include <string.h>

#include "launch.h"
#include "store.h"

int main(int argc, char **argv)
{
	int status;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: %s QEMU [QEMU ARGS...]\n"
			"Runs a husk guest on QEMU (the slow fallback where KVM is "
			"unusable)\nand exits with the program's status. husk and "
			"husk-runtime write its\ncommand line (lib/launch_qemu.c).\n",
			LAUNCH_QEMU_WRAPPER);
		return argc < 2 ? 120 : 0;
	}
	if (launch_qemu_run(argv + 1, &status))
		fprintf(stderr, "%s: %s\n", LAUNCH_QEMU_WRAPPER, store_error());
	return status;
}
