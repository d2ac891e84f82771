/*
 * clone and clone3 for threads (CLONE_VM | CLONE_THREAD), exit of one
 * thread, and the thread-id calls.
 *
 * The child resumes where the parent's system call returns, with the
 * parent's registers but rax = 0 and its own stack. The door
 * (husk_syscall_enter) was called either by a rewritten site's trampoline
 * or by husk_syscall_slow; both skipped the program's 128-byte red zone and
 * the slow path also pushed the resume address, so those bytes are copied
 * to the top of the child's stack and the child returns through the same
 * code with its rsp that much lower: the code after the call then lands
 * exactly on the child's stack, as a real SYSCALL would.
 */
#include <husk/x86.h>
#include "../console.h"
#include "../lib.h"
#include "../sys/calls.h"
#include "../sys/syscall.h"
#include "thread.h"

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_PIDFD 0x1000
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_DETACHED 0x400000
#define CLONE_CHILD_SETTID 0x1000000
#define EINVAL 22
#define ENOMEM 12
#define EPERM 1

/* What a thread may share and set; anything else is a new process. */
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		      CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | \
		      CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
		      CLONE_DETACHED | CLONE_CHILD_SETTID)

struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static long refuse(const char *why)
{
	static int said;

	if (!said) {
		said = 1;
		kprintf("husk: clone: %s (ENOSYS)\n", why);
	}
	return -ENOSYS;
}

/* The child's registers: the parent's at the door, resuming after it. */
static int child_frame(const struct syscall_args *a, uint64_t stack,
		       struct husk_trap_frame *f)
{
	uint64_t ret = a->ret, skip = 128;

	if (ret == (uint64_t)husk_syscall_slow_ret)
		skip += 8; /* the resume address the slow path pushed */
	if (!user_range_ok(stack - skip, skip))
		return -EFAULT;
	memcpy((void *)(stack - skip), (void *)(a->user_rsp + 8), skip);
	memset(f, 0, sizeof(*f));
	f->rdi = (uint64_t)a->a[0];
	f->rsi = (uint64_t)a->a[1];
	f->rdx = (uint64_t)a->a[2];
	f->r10 = (uint64_t)a->a[3];
	f->r8 = (uint64_t)a->a[4];
	f->r9 = (uint64_t)a->a[5];
	f->rbx = a->rbx;
	f->rbp = a->rbp;
	f->r12 = a->r12;
	f->r13 = a->r13;
	f->r14 = a->r14;
	f->r15 = a->r15;
	f->rax = 0;
	f->rip = ret;
	f->rsp = stack - skip;
	f->rflags = a->rflags;
	f->cs = GDT_USER_CS;
	f->ss = GDT_USER_DS;
	return 0;
}

static long clone_thread(const struct syscall_args *a, uint64_t flags,
			 uint64_t stack, uint64_t ptid, uint64_t ctid,
			 uint64_t tls)
{
	struct husk_trap_frame f;
	struct thread *t;
	int rc;

	if (!(flags & CLONE_THREAD) || (flags & CLONE_VFORK))
		return refuse("a new process sharing memory (CLONE_VM without "
			      "CLONE_THREAD, or CLONE_VFORK: posix_spawn) is not "
			      "supported: a unikernel runs one process");
	if (flags & ~(THREAD_FLAGS | 0xff))
		return -EINVAL;
	if (!(flags & CLONE_SIGHAND) || !stack)
		return -EINVAL;
	if ((flags & CLONE_SETTLS) && tls >= (1ULL << 47))
		return -EPERM;
	if (((flags & CLONE_PARENT_SETTID) && !user_range_ok(ptid, 4)) ||
	    ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) &&
	     !user_range_ok(ctid, 4)))
		return -EFAULT;
	rc = child_frame(a, stack, &f);
	if (rc)
		return rc;
	t = thread_create(&f, (flags & CLONE_SETTLS) ? tls : current->fs_base);
	if (!t)
		return -ENOMEM; /* as Linux says when a task cannot be made */
	if (flags & CLONE_PARENT_SETTID)
		*(volatile int *)ptid = t->tid;
	if (flags & CLONE_CHILD_SETTID)
		*(volatile int *)ctid = t->tid;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ctid;
	return t->tid;
}

/* From sys_clone (kernel/sys/proc.c) once CLONE_VM is set. */
long clone_vm(const struct syscall_args *a)
{
	return clone_thread(a, (uint64_t)a->a[0], (uint64_t)a->a[1],
			    (uint64_t)a->a[2], (uint64_t)a->a[3],
			    (uint64_t)a->a[4]);
}

long sys_clone3(const struct syscall_args *a)
{
	const struct clone_args *ca = (const struct clone_args *)a->a[0];
	uint64_t size = (uint64_t)a->a[1];

	if (size < 64 || size > 4096)
		return -EINVAL;
	if (!user_range_ok((uint64_t)ca, size))
		return -EFAULT;
	if (!(ca->flags & CLONE_VM))
		return refuse("clone3 without CLONE_VM: a unikernel runs one "
			      "process; new processes are not supported");
	if (ca->exit_signal || (size >= 80 && ca->set_tid_size) ||
	    (size >= 88 && ca->cgroup) || (ca->flags & CLONE_PIDFD))
		return -EINVAL;
	if (!ca->stack || !ca->stack_size)
		return -EINVAL;
	return clone_thread(a, ca->flags, ca->stack + ca->stack_size,
			    ca->parent_tid, ca->child_tid, ca->tls);
}

long sys_exit(const struct syscall_args *a)
{
	thread_exit((int)(a->a[0] & 0xff));
}

long sys_gettid(const struct syscall_args *a)
{
	(void)a;
	return current->tid;
}

long sys_set_tid_address(const struct syscall_args *a)
{
	current->clear_child_tid = (uint64_t)a->a[0];
	return current->tid;
}
