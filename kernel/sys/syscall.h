/* The Linux system-call layer: dispatch and the calls themselves. */
#ifndef KERNEL_SYS_SYSCALL_H
#define KERNEL_SYS_SYSCALL_H

#include <stdint.h>

/* Laid out by husk_syscall_enter (sys/entry.S). */
struct syscall_args {
	long a[6]; /* rdi, rsi, rdx, r10, r8, r9 */
	long nr;   /* rax */
};

typedef long (*syscall_fn)(const struct syscall_args *);

long husk_syscall(const struct syscall_args *args);

/* Linux's names by number (generated: scripts/gen-syscall-names.sh). */
#define SYSCALL_NAMES_MAX 512
extern const char *const syscall_names[SYSCALL_NAMES_MAX];
extern int syscall_trace; /* print every call (husk.trace) */

/* Ring-3 code that runs a system call for a SYSCALL that trapped. */
extern char husk_syscall_slow[];

#define ENOSYS 38
#define EFAULT 14
#define EBADF 9

#endif
