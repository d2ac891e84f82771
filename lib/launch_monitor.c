/*
 * Which monitor runs a guest. husk-vmm needs a working KVM; where there
 * is none (this kind of machine, CI) the guest still boots, on QEMU with
 * TCG through the husk-qemu wrapper, only slower (launch_qemu.c).
 *
 * HUSK_MONITOR=auto (the default), vmm or qemu. auto asks the kernel
 * rather than looking for the device node: a /dev/kvm that opens can
 * still refuse KVM_CREATE_VM (a nested or paravirtual host), which is
 * exactly where husk-vmm would fail with status 123.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "launch.h"

int launch_kvm_usable(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;

	if (kvm < 0)
		return 0;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm >= 0)
		close(vm);
	close(kvm);
	return vm >= 0;
}

int launch_monitor(enum launch_monitor *m)
{
	const char *want = getenv("HUSK_MONITOR");

	if (!want || !want[0] || !strcmp(want, "auto")) {
		*m = launch_kvm_usable() ? LAUNCH_MONITOR_VMM : LAUNCH_MONITOR_QEMU;
		return 0;
	}
	if (!strcmp(want, "vmm")) {
		*m = LAUNCH_MONITOR_VMM;
		return 0;
	}
	if (!strcmp(want, "qemu")) {
		*m = LAUNCH_MONITOR_QEMU;
		return 0;
	}
	return store_fail(STORE_ERR, "HUSK_MONITOR=%s: expected auto, vmm or "
			  "qemu", want);
}

const char *launch_monitor_describe(enum launch_monitor m)
{
	if (m == LAUNCH_MONITOR_VMM)
		return "husk-vmm on KVM";
	return "QEMU microvm through husk-qemu, the slow fallback for hosts "
	       "without a usable KVM";
}
