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
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
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

/*
 * KVM_CREATE_VM costs ~40 ms under nested virtualization (and a VM's
 * set-up on any host) against a 2 ms budget for all of husk run, so a
 * "yes" is remembered in $XDG_CACHE_HOME/husk/kvm-v1 (else
 * ~/.cache/husk/kvm-v1) for this boot and this /dev/kvm node: the key is
 * the kernel's boot_id and the node's inode, device and change time (a
 * reloaded kvm module makes a new node). A "no" is never remembered: it
 * sends the run to QEMU, where the probe's cost does not matter, and KVM
 * may work a minute later. A stale "yes" only means husk-vmm reports
 * the broken KVM itself.
 */
static int kvm_cache_path(char *buf, size_t n)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int len;

	if (x && x[0] == '/')
		len = snprintf(buf, n, "%s/husk/kvm-v1", x);
	else if (home && home[0] == '/')
		len = snprintf(buf, n, "%s/.cache/husk/kvm-v1", home);
	else
		return -1;
	return len > 0 && (size_t)len < n ? 0 : -1;
}

static int kvm_key(const struct stat *st, char *key, size_t n)
{
	char boot[64] = "";
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, boot, sizeof(boot) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (r < 32)
		return -1;
	boot[strcspn(boot, "\n")] = 0;
	snprintf(key, n, "%s %llu %llu %lld.%09ld\n", boot,
		 (unsigned long long)st->st_ino,
		 (unsigned long long)st->st_rdev, (long long)st->st_ctim.tv_sec,
		 st->st_ctim.tv_nsec);
	return 0;
}

static int kvm_cached_ok(const char *key)
{
	char path[PATH_MAX], buf[256];
	int fd;
	ssize_t r;

	if (kvm_cache_path(path, sizeof(path)))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = 0;
	return !strcmp(buf, key);
}

/* Best effort: a cache that cannot be written is only slower. */
static void kvm_remember_ok(const char *key)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32], *slash;
	int fd;

	if (kvm_cache_path(path, sizeof(path)))
		return;
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (slash = strchr(tmp + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(tmp, 0700);
		*slash = '/';
	}
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, key, strlen(key)) != (ssize_t)strlen(key) ||
	    close(fd) || rename(tmp, path))
		unlink(tmp);
}

static void probe_kvm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm = -1;
	char key[256];
	struct stat st;
	int keyed = kvm >= 0 && !fstat(kvm, &st) && !kvm_key(&st, key, sizeof(key));

	kvm_known = 1;
	if (kvm < 0) {
		snprintf(kvm_why, sizeof(kvm_why), "%s", strerror(errno));
		kvm_ok = 0;
		return;
	}
	if (keyed && kvm_cached_ok(key)) {
		close(kvm);
		kvm_ok = 1;
		return;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		snprintf(kvm_why, sizeof(kvm_why), "KVM_CREATE_VM: %s",
			 strerror(errno));
	else
		close(vm);
	close(kvm);
	kvm_ok = vm >= 0;
	if (kvm_ok && keyed)
		kvm_remember_ok(key);
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
