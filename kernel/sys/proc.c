/* Process identity and thread-local storage. One process. */
#include <husk/bootinfo.h>
#include <husk/x86.h>
#include "../console.h"
#include "../platform.h"
#include "calls.h"
#include "../sched/thread.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define EINVAL 22
#define EPERM 1
#define ESRCH 3


long sys_getpid(const struct syscall_args *a)
{
	(void)a;
	return 1;
}

long sys_exit_group(const struct syscall_args *a)
{
	husk_exit((int)(a->a[0] & 0xff));
}

long sys_arch_prctl(const struct syscall_args *a)
{
	uint64_t v = (uint64_t)a->a[1];

	switch (a->a[0]) {
	case ARCH_SET_FS:
		if (v >= (1ULL << 47))
			return -EPERM;
		current->fs_base = v;
		sched_set_base(MSR_FS_BASE, v);
		return 0;
	case ARCH_SET_GS:
		if (v >= (1ULL << 47))
			return -EPERM;
		current->gs_base = v;
		sched_set_base(MSR_GS_BASE, v);
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		if (!user_range_ok(v, 8))
			return -EFAULT;
		*(uint64_t *)v = a->a[0] == ARCH_GET_FS ? current->fs_base : current->gs_base;
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_set_robust_list(const struct syscall_args *a)
{
	if (a->a[1] != 24) /* sizeof(struct robust_list_head) */
		return -EINVAL;
	current->robust_list = (uint64_t)a->a[0];
	return 0;
}

#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_INFINITY (~0ULL)

struct rlimit64 {
	uint64_t cur, max;
};

/* The limits a container would see; setting them is accepted and ignored
 * until something in husk enforces them. */
long sys_prlimit64(const struct syscall_args *a)
{
	struct rlimit64 *old = (struct rlimit64 *)a->a[3];

	if (a->a[0] != 0 && a->a[0] != 1)
		return -ESRCH;
	if (a->a[1] < 0 || a->a[1] > 15)
		return -EINVAL;
	if (!old)
		return 0;
	if (!user_range_ok((uint64_t)old, sizeof(*old)))
		return -EFAULT;
	old->cur = old->max = RLIM_INFINITY;
	if (a->a[1] == RLIMIT_STACK)
		old->cur = 8 << 20;
	if (a->a[1] == RLIMIT_NOFILE)
		old->cur = old->max = 1024;
	return 0;
}

/* getrlimit and setrlimit: prlimit64 on this process. */
long sys_getrlimit(const struct syscall_args *a)
{
	struct syscall_args p = { .a = { 0, a->a[0], 0, a->a[1] } };

	return sys_prlimit64(&p);
}

long sys_setrlimit(const struct syscall_args *a)
{
	struct syscall_args p = { .a = { 0, a->a[0], a->a[1], 0 } };

	if (!user_range_ok((uint64_t)a->a[1], 16))
		return -EFAULT;
	return sys_prlimit64(&p);
}

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39

static char comm[16] = "husk";
static int pdeathsig, no_new_privs;

/* The prctl options programs use at start-up; others are EINVAL, as for
 * an option Linux does not know. */
long sys_prctl(const struct syscall_args *a)
{
	uint64_t p = (uint64_t)a->a[1];

	switch (a->a[0]) {
	case PR_SET_NAME:
		if (!user_range_ok(p, 1))
			return -EFAULT;
		for (int i = 0; i < 15; i++)
			if (!(comm[i] = ((const char *)p)[i]))
				break;
		comm[15] = 0;
		return 0;
	case PR_GET_NAME:
		if (!user_range_ok(p, 16))
			return -EFAULT;
		for (int i = 0; i < 16; i++)
			((char *)p)[i] = comm[i];
		return 0;
	case PR_SET_PDEATHSIG:
		if (p > 64)
			return -EINVAL;
		pdeathsig = (int)p; /* the parent is the VM: it never dies first */
		return 0;
	case PR_GET_PDEATHSIG:
		if (!user_range_ok(p, 4))
			return -EFAULT;
		*(int *)p = pdeathsig;
		return 0;
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_DUMPABLE:
		return p <= 1 ? 0 : -EINVAL;
	case PR_SET_NO_NEW_PRIVS:
		if (p != 1)
			return -EINVAL;
		no_new_privs = 1;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return no_new_privs;
	default:
		return -EINVAL;
	}
}

#define CLONE_VM 0x100
#define CLONE_THREAD 0x10000
#define ENOSYS_ 38

/* One line per kind, once: what the program asked for and why it fails. */
static long no_new_process(const char *call)
{
	static unsigned said;
	unsigned bit = call[0] == 'v' ? 1 : call[0] == 'f' ? 2 : 4;

	if (!(said & bit)) {
		said |= bit;
		kprintf("husk: %s: a unikernel runs one process; new processes are "
			"not supported (ENOSYS)\n", call);
	}
	return -ENOSYS_;
}

long sys_fork(const struct syscall_args *a)
{
	(void)a;
	return no_new_process("fork");
}

long sys_vfork(const struct syscall_args *a)
{
	(void)a;
	return no_new_process("vfork");
}

/* clone without CLONE_VM is a new process; with it, a thread
 * (kernel/sched/clone.c). */
long sys_clone(const struct syscall_args *a)
{
	if (!(a->a[0] & CLONE_VM))
		return no_new_process("clone without CLONE_VM");
	return clone_vm(a);
}
