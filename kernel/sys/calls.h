/* The system calls, one function each, grouped by file. */
#ifndef KERNEL_SYS_CALLS_H
#define KERNEL_SYS_CALLS_H

#include "syscall.h"

/* file.c */
long sys_read(const struct syscall_args *a);
long sys_write(const struct syscall_args *a);
long sys_open(const struct syscall_args *a);
long sys_close(const struct syscall_args *a);
long sys_lseek(const struct syscall_args *a);
long sys_ioctl(const struct syscall_args *a);
long sys_pread64(const struct syscall_args *a);
long sys_pwrite64(const struct syscall_args *a);
long sys_readv(const struct syscall_args *a);
long sys_writev(const struct syscall_args *a);
/* Whether fd is a socket; readv and writev (a->nr 19, 20) of one
 * (kernel/net/socket.c, sockmsg.c). */
int sock_fd(long fd);
long sock_vectored(const struct syscall_args *a);
long sys_dup(const struct syscall_args *a);
long sys_dup2(const struct syscall_args *a);
long sys_sendfile(const struct syscall_args *a);
long sys_fcntl(const struct syscall_args *a);
long sys_fsync(const struct syscall_args *a);
long sys_truncate(const struct syscall_args *a);
long sys_ftruncate(const struct syscall_args *a);
long sys_creat(const struct syscall_args *a);
long sys_sync(const struct syscall_args *a);
long sys_openat(const struct syscall_args *a);
long sys_fallocate(const struct syscall_args *a);
long sys_dup3(const struct syscall_args *a);
long sys_preadv(const struct syscall_args *a);
long sys_pwritev(const struct syscall_args *a);
long sys_copy_file_range(const struct syscall_args *a);
long sys_close_range(const struct syscall_args *a);
long sys_flock(const struct syscall_args *a);
/* namei.c */
long sys_access(const struct syscall_args *a);
long sys_getcwd(const struct syscall_args *a);
long sys_chdir(const struct syscall_args *a);
long sys_fchdir(const struct syscall_args *a);
long sys_rename(const struct syscall_args *a);
long sys_mkdir(const struct syscall_args *a);
long sys_rmdir(const struct syscall_args *a);
long sys_link(const struct syscall_args *a);
long sys_unlink(const struct syscall_args *a);
long sys_symlink(const struct syscall_args *a);
long sys_readlink(const struct syscall_args *a);
long sys_chmod(const struct syscall_args *a);
long sys_fchmod(const struct syscall_args *a);
long sys_chown(const struct syscall_args *a);
long sys_fchown(const struct syscall_args *a);
long sys_lchown(const struct syscall_args *a);
long sys_umask(const struct syscall_args *a);
long sys_mkdirat(const struct syscall_args *a);
long sys_fchownat(const struct syscall_args *a);
long sys_unlinkat(const struct syscall_args *a);
long sys_renameat(const struct syscall_args *a);
long sys_linkat(const struct syscall_args *a);
long sys_symlinkat(const struct syscall_args *a);
long sys_readlinkat(const struct syscall_args *a);
long sys_fchmodat(const struct syscall_args *a);
long sys_faccessat(const struct syscall_args *a);
long sys_utimensat(const struct syscall_args *a);
long sys_renameat2(const struct syscall_args *a);
long sys_faccessat2(const struct syscall_args *a);
/* stat.c */
long sys_stat(const struct syscall_args *a);
long sys_fstat(const struct syscall_args *a);
long sys_lstat(const struct syscall_args *a);
long sys_statfs(const struct syscall_args *a);
long sys_fstatfs(const struct syscall_args *a);
long sys_newfstatat(const struct syscall_args *a);
long sys_statx(const struct syscall_args *a);
/* dir.c */
long sys_getdents64(const struct syscall_args *a);
/* proc.c */
long sys_getpid(const struct syscall_args *a);
long sys_exit_group(const struct syscall_args *a);
long sys_arch_prctl(const struct syscall_args *a);
long sys_prctl(const struct syscall_args *a);
long sys_fork(const struct syscall_args *a);
long sys_execve(const struct syscall_args *a);
long sys_vfork(const struct syscall_args *a);
long sys_clone(const struct syscall_args *a);
long sys_set_robust_list(const struct syscall_args *a);
long sys_prlimit64(const struct syscall_args *a);
long sys_getrlimit(const struct syscall_args *a);
long sys_setrlimit(const struct syscall_args *a);
/* misc.c */
long sys_clock_gettime(const struct syscall_args *a);
long sys_getrandom(const struct syscall_args *a);
long sys_time(const struct syscall_args *a);
long sys_clock_getres(const struct syscall_args *a);
long sys_nanosleep(const struct syscall_args *a);
long sys_clock_nanosleep(const struct syscall_args *a);
long sys_sched_yield(const struct syscall_args *a);
long sys_sysinfo(const struct syscall_args *a);
long sys_getrusage(const struct syscall_args *a);
long sys_times(const struct syscall_args *a);
long sys_sched_getaffinity(const struct syscall_args *a);
long sys_getcpu(const struct syscall_args *a);
long sys_gettimeofday(const struct syscall_args *a);
/* kernel/sched: clone.c, futex.c */
long sys_gettid(const struct syscall_args *a);
long sys_set_tid_address(const struct syscall_args *a);
long sys_exit(const struct syscall_args *a);
long sys_clone3(const struct syscall_args *a);
long clone_vm(const struct syscall_args *a);
long sys_futex(const struct syscall_args *a);
long sys_rseq(const struct syscall_args *a);
long sys_membarrier(const struct syscall_args *a);
/* fs.c */
void sys_set_exe(const char *path);
const char *sys_exe(void);
/* devfs.c: /etc defaults, /dev and /proc (after the root is mounted) */
void sys_fs_setup(void);
/* ident.c */
long sys_getuid(const struct syscall_args *a);
long sys_getgid(const struct syscall_args *a);
long sys_getppid(const struct syscall_args *a);
long sys_setuid(const struct syscall_args *a);
long sys_setgid(const struct syscall_args *a);
long sys_setresuid(const struct syscall_args *a);
long sys_setresgid(const struct syscall_args *a);
long sys_getresuid(const struct syscall_args *a);
long sys_getresgid(const struct syscall_args *a);
long sys_getgroups(const struct syscall_args *a);
long sys_uname(const struct syscall_args *a);
long sys_sethostname(const struct syscall_args *a);
const char *sys_hostname(void);
int sys_set_hostname(const char *name); /* at boot; 0 or -EINVAL */
/* signal.c */
long sys_rt_sigaction(const struct syscall_args *a);
long sys_rt_sigprocmask(const struct syscall_args *a);
long sys_sigaltstack(const struct syscall_args *a);
long sys_rt_sigpending(const struct syscall_args *a);
long sys_kill(const struct syscall_args *a);
long sys_tgkill(const struct syscall_args *a);
long sys_tkill(const struct syscall_args *a);
long sys_rt_sigsuspend(const struct syscall_args *a);
long sys_pause(const struct syscall_args *a);
long sys_rt_sigtimedwait(const struct syscall_args *a);
/* signalfd.c */
long sys_signalfd(const struct syscall_args *a);
long sys_signalfd4(const struct syscall_args *a);
/* timers.c */
long sys_getitimer(const struct syscall_args *a);
long sys_setitimer(const struct syscall_args *a);
long sys_alarm(const struct syscall_args *a);
long sys_timer_create(const struct syscall_args *a);
long sys_timer_settime(const struct syscall_args *a);
long sys_timer_gettime(const struct syscall_args *a);
long sys_timer_getoverrun(const struct syscall_args *a);
long sys_timer_delete(const struct syscall_args *a);
/* sigframe.c */
long sys_rt_sigreturn(const struct syscall_args *a);
/* pipe.c, poll.c, epoll.c, eventfd.c, timerfd.c (readiness: ready.h) */
long sys_pipe(const struct syscall_args *a);
long sys_pipe2(const struct syscall_args *a);
long sys_poll(const struct syscall_args *a);
long sys_ppoll(const struct syscall_args *a);
long sys_select(const struct syscall_args *a);
long sys_pselect6(const struct syscall_args *a);
long sys_epoll_create(const struct syscall_args *a);
long sys_epoll_create1(const struct syscall_args *a);
long sys_epoll_ctl(const struct syscall_args *a);
long sys_epoll_wait(const struct syscall_args *a);
long sys_epoll_pwait(const struct syscall_args *a);
long sys_epoll_pwait2(const struct syscall_args *a);
long sys_eventfd(const struct syscall_args *a);
long sys_eventfd2(const struct syscall_args *a);
long sys_timerfd_create(const struct syscall_args *a);
long sys_timerfd_settime(const struct syscall_args *a);
long sys_timerfd_gettime(const struct syscall_args *a);
/* mmap.c */
long sys_mmap(const struct syscall_args *a);
long sys_munmap(const struct syscall_args *a);
long sys_mprotect(const struct syscall_args *a);
long sys_madvise(const struct syscall_args *a);
long sys_mremap(const struct syscall_args *a);
int mm_fault(uint64_t addr, uint64_t error);
/* msync.c */
long sys_msync(const struct syscall_args *a);
/* mlock.c */
long sys_mlock(const struct syscall_args *a);
long sys_mlock2(const struct syscall_args *a);
long sys_munlock(const struct syscall_args *a);
long sys_mlockall(const struct syscall_args *a);
long sys_munlockall(const struct syscall_args *a);
/* mem.c */
long sys_brk(const struct syscall_args *a);
void sys_brk_init(uint64_t start);

/* The socket layer is a library (kernel/net) that only build/husk.elf
 * links: elsewhere these are weak and absent, and the table says ENOSYS. */
#define NET_WEAK __attribute__((weak))
/* kernel/net/sockcalls.c */
long sys_socket(const struct syscall_args *a) NET_WEAK;
long sys_socketpair(const struct syscall_args *a) NET_WEAK;
long sys_bind(const struct syscall_args *a) NET_WEAK;
long sys_listen(const struct syscall_args *a) NET_WEAK;
long sys_accept(const struct syscall_args *a) NET_WEAK;
long sys_accept4(const struct syscall_args *a) NET_WEAK;
long sys_connect(const struct syscall_args *a) NET_WEAK;
long sys_getsockname(const struct syscall_args *a) NET_WEAK;
long sys_getpeername(const struct syscall_args *a) NET_WEAK;
long sys_shutdown(const struct syscall_args *a) NET_WEAK;
/* kernel/net/sockmsg.c */
long sys_sendto(const struct syscall_args *a) NET_WEAK;
long sys_recvfrom(const struct syscall_args *a) NET_WEAK;
long sys_sendmsg(const struct syscall_args *a) NET_WEAK;
long sys_recvmsg(const struct syscall_args *a) NET_WEAK;
long sys_sendmmsg(const struct syscall_args *a) NET_WEAK;
long sys_recvmmsg(const struct syscall_args *a) NET_WEAK;
/* kernel/net/sockopt.c */
long sys_setsockopt(const struct syscall_args *a) NET_WEAK;
long sys_getsockopt(const struct syscall_args *a) NET_WEAK;

/* A user buffer: in the program's half, not page 0, not wrapping, not in
 * the library OS's windows. (Mapped-ness is the page-fault path's job.) */
int user_range_ok(uint64_t p, uint64_t n);

#endif
