/* The system calls, one function each, grouped by file. */
#ifndef KERNEL_SYS_CALLS_H
#define KERNEL_SYS_CALLS_H

#include "syscall.h"

/* io.c */
long sys_write(const struct syscall_args *a);
long sys_writev(const struct syscall_args *a);
long sys_ioctl(const struct syscall_args *a);
/* proc.c */
long sys_getpid(const struct syscall_args *a);
long sys_gettid(const struct syscall_args *a);
long sys_exit_group(const struct syscall_args *a);
long sys_set_tid_address(const struct syscall_args *a);
long sys_arch_prctl(const struct syscall_args *a);
long sys_set_robust_list(const struct syscall_args *a);
long sys_prlimit64(const struct syscall_args *a);
/* misc.c */
long sys_clock_gettime(const struct syscall_args *a);
long sys_getrandom(const struct syscall_args *a);
/* fs.c */
long sys_readlink(const struct syscall_args *a);
void sys_set_exe(const char *path);
/* mmap.c */
long sys_mmap(const struct syscall_args *a);
long sys_munmap(const struct syscall_args *a);
long sys_mprotect(const struct syscall_args *a);
long sys_madvise(const struct syscall_args *a);
long sys_mremap(const struct syscall_args *a);
int mm_fault(uint64_t addr, uint64_t error);
/* mem.c */
long sys_brk(const struct syscall_args *a);
void sys_brk_init(uint64_t start);

/* A user buffer: in the program's half, not page 0, not wrapping, not in
 * the library OS's windows. (Mapped-ness is the page-fault path's job.) */
int user_range_ok(uint64_t p, uint64_t n);

#endif
