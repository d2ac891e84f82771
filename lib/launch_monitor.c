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
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "launch.h"

/*
 * The answer, once per process: husk run asks before it says which
 * monitor it picked and again when it builds the command line, and
 * KVM_CREATE_VM costs more than the question is worth twice.
 */
static int kvm_known, kvm_ok;
static char kvm_why[160];

static void probe_kvm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm = -1;

	if (kvm < 0) {
		snprintf(kvm_why, sizeof(kvm_why), "%s", strerror(errno));
	} else {
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
		if (vm < 0)
			snprintf(kvm_why, sizeof(kvm_why), "KVM_CREATE_VM: %s",
				 strerror(errno));
		else
			close(vm);
		close(kvm);
	}
	kvm_ok = vm >= 0;
	kvm_known = 1;
}

int launch_kvm_usable(void)
{
	if (!kvm_known)
		probe_kvm();
	return kvm_ok;
}

const char *launch_kvm_problem(void)
{
	return launch_kvm_usable() ? NULL : kvm_why;
}

static int auto_mode(const char *want)
{
	return !want || !want[0] || !strcmp(want, "auto");
}

int launch_monitor(enum launch_monitor *m)
{
	const char *want = getenv("HUSK_MONITOR");

	if (auto_mode(want)) {
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

const char *launch_monitor_fallback(void)
{
	const char *vmm = getenv("HUSK_VMM");

	/* A stand-in monitor, or a choice made by hand: nothing to explain. */
	if ((vmm && vmm[0]) || !auto_mode(getenv("HUSK_MONITOR")))
		return NULL;
	return launch_kvm_problem();
}

const char *launch_monitor_describe(enum launch_monitor m)
{
	if (m == LAUNCH_MONITOR_VMM)
		return "husk-vmm on KVM";
	return "QEMU microvm through husk-qemu, the slow fallback for hosts "
	       "without a usable KVM";
}
