/* The Linux system-call layer: dispatch and the calls themselves. */
#ifndef KERNEL_SYS_SYSCALL_H
#define KERNEL_SYS_SYSCALL_H

#include <stdint.h>

/* Laid out by husk_syscall_enter (sys/entry.S). */
struct syscall_args {
	long a[6]; /* rdi, rsi, rdx, r10, r8, r9 */
	long nr;   /* rax */
	uint64_t rbx, rbp, r12, r13, r14, r15; /* the caller's, reloaded */
	uint64_t user_rsp; /* the caller's, at the return address */
	uint64_t ret;      /* the return address */
	uint64_t rflags;   /* the caller's */
};

typedef long (*syscall_fn)(const struct syscall_args *);

long husk_syscall(const struct syscall_args *args);

/* Linux's names by number (generated: scripts/gen-syscall-names.sh). */
#define SYSCALL_NAMES_MAX 512
extern const char *const syscall_names[SYSCALL_NAMES_MAX];
extern int syscall_trace; /* print every call (husk.trace) */

/* Ring-3 code that runs a system call for a SYSCALL that trapped, and the
 * return address its call of the door leaves. */
extern char husk_syscall_slow[], husk_syscall_slow_ret[];
/* The current thread's library-OS stack (sys/entry.S, kernel/sched). */
extern uint64_t husk_kstack_top;
extern char husk_syscall_stack_top[];

#define ENOSYS 38
#define EFAULT 14
#define EBADF 9

#endif
