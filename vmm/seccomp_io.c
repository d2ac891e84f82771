/*
 * The network I/O thread's seccomp allowlist, installed by that thread
 * alone (no TSYNC) as it starts; the vCPU thread has its own (seccomp.c).
 * Common to every backend:
 *   poll, ppoll        waiting (glibc's poll() may be either)
 *   read               the stop and queue eventfds: emptying them
 *   write              the interrupt eventfd (irqfd); standard error, for
 *                      the one line that says a device stopped
 *   futex              the device's lock, shared with the vCPU thread
 *   clock_gettime      timeouts (when the vDSO cannot answer)
 *   close              the device's descriptors, as the thread ends
 *   madvise,           glibc's thread exit: the stack returned, signals
 *   rt_sigprocmask     blocked
 *   mmap, mprotect     malloc (the thread's own arena, made on its first
 *   (never PROT_EXEC), free), munmap, brk
 *   exit, exit_group   the thread's end; abort()
 * Each backend adds its own (net_fd.c, net_user.c).
 */
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "vmm.h"

static int allow_fd(scmp_filter_ctx ctx, int call, int fd)
{
	if (fd < 0)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, call, 1,
				SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)fd));
}

static int common_rules(scmp_filter_ctx ctx, const struct net_dev *n)
{
	static const int plain[] = {
		SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(futex),
		SCMP_SYS(clock_gettime), SCMP_SYS(close), SCMP_SYS(madvise),
		SCMP_SYS(rt_sigprocmask), SCMP_SYS(munmap), SCMP_SYS(brk),
		SCMP_SYS(exit),
		SCMP_SYS(exit_group),
	};
	int rc = seccomp_allow_calls(ctx, plain,
				     sizeof(plain) / sizeof(plain[0]));

	if (!rc)
		rc = seccomp_allow_noexec_maps(ctx);
	if (!rc)
		rc = allow_fd(ctx, SCMP_SYS(read), n->stop_fd);
	for (unsigned i = 0; i < 2 && !rc; i++)
		rc = allow_fd(ctx, SCMP_SYS(read), n->kick_fd[i]);
	if (!rc)
		rc = allow_fd(ctx, SCMP_SYS(write), n->vdev.irq_fd);
	if (!rc)
		rc = allow_fd(ctx, SCMP_SYS(write), 2);
	return rc;
}

int seccomp_prepare_io(const struct net_dev *n, struct seccomp_prog *p)
{
	scmp_filter_ctx ctx;
	int rc;

	p->len = 0;
	p->filter = NULL;
	if (!(ctx = seccomp_new_filter()))
		return HUSK_VMM_EXIT_KVM;
	rc = common_rules(ctx, n);
	if (!rc)
		rc = n->be->ops->seccomp_rules(n->be, ctx);
	if (rc < 0)
		rc = vmm_fail(HUSK_VMM_EXIT_KVM, "seccomp: the I/O thread's "
			      "rules: error %d", rc);
	else
		rc = seccomp_export(ctx, p);
	seccomp_release(ctx);
	return rc;
}
