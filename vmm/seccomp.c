/*
 * The seccomp allowlist of the run loop. Once the guest runs, husk-vmm
 * needs only: KVM_RUN on its vCPU (and KVM_GET_REGS/KVM_GET_SREGS for a
 * register dump), write/writev to standard output and error, write to the
 * --status-fd descriptor (the exit status, at the end), and the ways
 * out. With a device, also writes to its eventfds and futex (its lock).
 * Everything else kills the process: a guest that found a bug in the run
 * loop gains no more than that. The device's I/O thread has its own
 * filter (seccomp_io.c); these filters are per thread.
 *
 * libseccomp compiles the filter to BPF at prepare time, well before the
 * guest starts; installing it is then a single prctl(), so the TSC read
 * that precedes it is as close to the first guest instruction as possible.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

static int seccomp_err(const char *what, int err)
{
	return vmm_fail(HUSK_VMM_EXIT_KVM, "seccomp: %s: %s", what,
			strerror(err < 0 ? -err : err));
}

/* A device's eventfds: QueueNotify without an ioeventfd, its interrupt,
 * the I/O thread's stop; futex for the device's lock and the join. */
static int add_device_rules(scmp_filter_ctx ctx, const int *wfds,
			    unsigned nwfds)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < nwfds && !rc; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
				      SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)wfds[i]));
	if (nwfds && !rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(futex), 0);
	return rc;
}

/* fd and request are ints to the kernel: compare their low 32 bits. */
static int add_rules(scmp_filter_ctx ctx, int vcpu_fd, int vm_fd)
{
	static const unsigned long ioctls[] = {
		KVM_RUN, KVM_GET_REGS, KVM_GET_SREGS,
	};
	static const int plain[] = {
		SCMP_SYS(exit_group), SCMP_SYS(exit), SCMP_SYS(rt_sigreturn),
	};
	int fd, rc = 0;
	unsigned i;

	for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]) && !rc; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				      SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)vcpu_fd),
				      SCMP_A1_32(SCMP_CMP_EQ, (uint32_t)ioctls[i]));
	for (fd = 1; fd <= 2 && !rc; fd++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
				      SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)fd));
		if (!rc)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
					      SCMP_SYS(writev), 1,
					      SCMP_A0_32(SCMP_CMP_EQ,
							 (uint32_t)fd));
	}
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]) && !rc; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, plain[i], 0);
	/* Passing a host signal on: an MSI to the guest's local APIC. */
	if (vm_fd >= 0 && !rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				      SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)vm_fd),
				      SCMP_A1_32(SCMP_CMP_EQ, (uint32_t)KVM_SIGNAL_MSI));
	return rc;
}

/* The size of the BPF program in fd, in instructions; 0 if unusable. */
static size_t bpf_insns(int fd)
{
	struct stat st;
	size_t n;

	if (fstat(fd, &st) < 0 || st.st_size <= 0)
		return 0;
	n = (size_t)st.st_size;
	if (n % sizeof(struct sock_filter) ||
	    n / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return 0;
	return n / sizeof(struct sock_filter);
}

int seccomp_allow_calls(scmp_filter_ctx ctx, const int *calls, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	return rc;
}

int seccomp_allow_noexec_maps(scmp_filter_ctx ctx)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				  SCMP_A2_64(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));

	if (!rc)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				      SCMP_A2_64(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	return rc;
}

/* libseccomp 2.5 exports BPF only to a file descriptor: use a memfd. */
int seccomp_export(scmp_filter_ctx ctx, struct seccomp_prog *p)
{
	size_t n;
	int fd, rc;

	fd = memfd_create("husk-vmm-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return seccomp_err("memfd_create", errno);
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0) {
		close(fd);
		return seccomp_err("seccomp_export_bpf", rc);
	}
	n = bpf_insns(fd);
	p->filter = n ? malloc(n * sizeof(struct sock_filter)) : NULL;
	if (!p->filter ||
	    read_exact(fd, p->filter, n * sizeof(struct sock_filter), 0)) {
		close(fd);
		return vmm_fail(HUSK_VMM_EXIT_KVM,
				"seccomp: cannot read the compiled filter");
	}
	p->len = (unsigned short)n;
	close(fd);
	return 0;
}

scmp_filter_ctx seccomp_new_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc;

	if (!ctx) {
		vmm_fail(HUSK_VMM_EXIT_KVM, "seccomp: seccomp_init failed (kernel "
			 "too old for SECCOMP_RET_KILL_PROCESS?)");
		return NULL;
	}
	rc = seccomp_san_rules(ctx); /* nothing outside the ASan build */
	if (rc < 0) {
		seccomp_release(ctx);
		seccomp_err("the sanitizer runtime's rules", rc);
		return NULL;
	}
	return ctx;
}

int seccomp_prepare(int vcpu_fd, int vm_fd, int status_fd, const int *wfds,
		    unsigned nwfds, struct seccomp_prog *p)
{
	scmp_filter_ctx ctx;
	int rc;

	p->len = 0;
	p->filter = NULL;
	if (!(ctx = seccomp_new_filter()))
		return HUSK_VMM_EXIT_KVM;
	rc = add_rules(ctx, vcpu_fd, vm_fd);
	if (!rc && status_fd >= 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
				      SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)status_fd));
	if (!rc)
		rc = add_device_rules(ctx, wfds, nwfds);
	if (rc < 0)
		rc = seccomp_err("seccomp_rule_add", rc);
	else
		rc = seccomp_export(ctx, p);
	seccomp_release(ctx);
	return rc;
}

int seccomp_install(const struct seccomp_prog *p)
{
	struct sock_fprog prog = {
		.len = p->len,
		.filter = p->filter,
	};

	/* The ASan build's leak check: none can run under a filter. */
	seccomp_san_prepare();
	/* Required to install a filter without CAP_SYS_ADMIN, and right
	 * anyway: nothing we could exec should gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return seccomp_err("PR_SET_NO_NEW_PRIVS", errno);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return seccomp_err("PR_SET_SECCOMP", errno);
	return 0;
}

int seccomp_apply(int vcpu_fd)
{
	struct seccomp_prog p;
	int rc = seccomp_prepare(vcpu_fd, -1, -1, NULL, 0, &p);

	if (!rc)
		rc = seccomp_install(&p);
	free(p.filter);
	return rc;
}
