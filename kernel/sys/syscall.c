/*
 * System-call dispatch. Every number has a line in the table; an
 * unimplemented call returns -ENOSYS and says so once per number, never
 * crashes (what the issue asks of the layer as it grows).
 */
#include "../console.h"
#include "../lib.h"
#include "../platform.h"
#include "calls.h"
#include "syscall.h"
#include "../sched/thread.h"
#include "signal.h"

#define NR_MAX 512

static const syscall_fn table[NR_MAX] = {
	[0] = sys_read,
	[1] = sys_write,
	[2] = sys_open,
	[3] = sys_close,
	[4] = sys_stat,
	[5] = sys_fstat,
	[6] = sys_lstat,
	[7] = sys_poll,
	[8] = sys_lseek,
	[9] = sys_mmap,
	[10] = sys_mprotect,
	[11] = sys_munmap,
	[12] = sys_brk,
	[13] = sys_rt_sigaction,
	[14] = sys_rt_sigprocmask,
	[15] = sys_rt_sigreturn,
	[16] = sys_ioctl,
	[17] = sys_pread64,
	[18] = sys_pwrite64,
	[19] = sys_readv,
	[20] = sys_writev,
	[21] = sys_access,
	[22] = sys_pipe,
	[23] = sys_select,
	[24] = sys_sched_yield,
	[25] = sys_mremap,
	[26] = sys_msync,
	[28] = sys_madvise,
	[32] = sys_dup,
	[33] = sys_dup2,
	[34] = sys_pause,
	[35] = sys_nanosleep,
	[36] = sys_getitimer,
	[37] = sys_alarm,
	[38] = sys_setitimer,
	[39] = sys_getpid,
	[40] = sys_sendfile,
	[41] = sys_socket,
	[42] = sys_connect,
	[43] = sys_accept,
	[44] = sys_sendto,
	[45] = sys_recvfrom,
	[46] = sys_sendmsg,
	[47] = sys_recvmsg,
	[48] = sys_shutdown,
	[49] = sys_bind,
	[50] = sys_listen,
	[51] = sys_getsockname,
	[52] = sys_getpeername,
	[53] = sys_socketpair,
	[54] = sys_setsockopt,
	[55] = sys_getsockopt,
	[56] = sys_clone,
	[57] = sys_fork,
	[58] = sys_vfork,
	[59] = sys_execve,
	[60] = sys_exit,
	[62] = sys_kill,
	[63] = sys_uname,
	[72] = sys_fcntl,
	[73] = sys_flock,
	[74] = sys_fsync,
	[75] = sys_fsync, /* fdatasync: memory, the same */
	[76] = sys_truncate,
	[77] = sys_ftruncate,
	[79] = sys_getcwd,
	[80] = sys_chdir,
	[81] = sys_fchdir,
	[82] = sys_rename,
	[83] = sys_mkdir,
	[84] = sys_rmdir,
	[85] = sys_creat,
	[86] = sys_link,
	[87] = sys_unlink,
	[88] = sys_symlink,
	[89] = sys_readlink,
	[90] = sys_chmod,
	[91] = sys_fchmod,
	[92] = sys_chown,
	[93] = sys_fchown,
	[94] = sys_lchown,
	[95] = sys_umask,
	[96] = sys_gettimeofday,
	[97] = sys_getrlimit,
	[98] = sys_getrusage,
	[99] = sys_sysinfo,
	[100] = sys_times,
	[102] = sys_getuid,
	[104] = sys_getgid,
	[105] = sys_setuid,
	[106] = sys_setgid,
	[107] = sys_getuid, /* geteuid: one user */
	[108] = sys_getgid, /* getegid */
	[110] = sys_getppid,
	[115] = sys_getgroups,
	[117] = sys_setresuid,
	[118] = sys_getresuid,
	[119] = sys_setresgid,
	[120] = sys_getresgid,
	[127] = sys_rt_sigpending,
	[128] = sys_rt_sigtimedwait,
	[130] = sys_rt_sigsuspend,
	[131] = sys_sigaltstack,
	[137] = sys_statfs,
	[138] = sys_fstatfs,
	[149] = sys_mlock,
	[150] = sys_munlock,
	[151] = sys_mlockall,
	[152] = sys_munlockall,
	[157] = sys_prctl,
	[158] = sys_arch_prctl,
	[160] = sys_setrlimit,
	[162] = sys_sync,
	[170] = sys_sethostname,
	[186] = sys_gettid,
	[200] = sys_tkill,
	[201] = sys_time,
	[202] = sys_futex,
	[204] = sys_sched_getaffinity,
	[213] = sys_epoll_create,
	[217] = sys_getdents64,
	[218] = sys_set_tid_address,
	[222] = sys_timer_create,
	[223] = sys_timer_settime,
	[224] = sys_timer_gettime,
	[225] = sys_timer_getoverrun,
	[226] = sys_timer_delete,
	[228] = sys_clock_gettime,
	[229] = sys_clock_getres,
	[230] = sys_clock_nanosleep,
	[231] = sys_exit_group,
	[234] = sys_tgkill,
	[232] = sys_epoll_wait,
	[233] = sys_epoll_ctl,
	[257] = sys_openat,
	[258] = sys_mkdirat,
	[260] = sys_fchownat,
	[262] = sys_newfstatat,
	[263] = sys_unlinkat,
	[264] = sys_renameat,
	[265] = sys_linkat,
	[266] = sys_symlinkat,
	[267] = sys_readlinkat,
	[268] = sys_fchmodat,
	[269] = sys_faccessat,
	[270] = sys_pselect6,
	[271] = sys_ppoll,
	[273] = sys_set_robust_list,
	[280] = sys_utimensat,
	[281] = sys_epoll_pwait,
	[282] = sys_signalfd,
	[283] = sys_timerfd_create,
	[284] = sys_eventfd,
	[285] = sys_fallocate,
	[286] = sys_timerfd_settime,
	[287] = sys_timerfd_gettime,
	[288] = sys_accept4,
	[289] = sys_signalfd4,
	[290] = sys_eventfd2,
	[291] = sys_epoll_create1,
	[292] = sys_dup3,
	[293] = sys_pipe2,
	[295] = sys_preadv,
	[296] = sys_pwritev,
	[299] = sys_recvmmsg,
	[302] = sys_prlimit64,
	[307] = sys_sendmmsg,
	[309] = sys_getcpu,
	[316] = sys_renameat2,
	[318] = sys_getrandom,
	[324] = sys_membarrier,
	[325] = sys_mlock2,
	[326] = sys_copy_file_range,
	[332] = sys_statx,
	[334] = sys_rseq,
	[435] = sys_clone3,
	[436] = sys_close_range,
	[439] = sys_faccessat2,
	[441] = sys_epoll_pwait2,
};

static uint8_t reported[NR_MAX / 8];
int syscall_trace; /* husk.trace (husk-vmm --trace-syscalls) */

/* strace-style: the call, its six argument registers, its result. */
static void trace(uint64_t nr, const struct syscall_args *a, long ret)
{
	const char *name = nr < SYSCALL_NAMES_MAX && syscall_names[nr] ?
				   syscall_names[nr] : "unknown";

	kprintf("husk: trace: %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = ",
		name, a->a[0], a->a[1], a->a[2], a->a[3], a->a[4], a->a[5]);
	if (nr == 60 || nr == 231)
		kprintf("?\n"); /* exit: there is no result */
	else if (ret < 0 && ret > -4096)
		kprintf("-1 (errno %ld)\n", -ret);
	else
		kprintf("%ld (%#lx)\n", ret, ret);
}

static long dispatch(const struct syscall_args *a)
{
	uint64_t nr = (uint64_t)a->nr;

	if (nr < NR_MAX && table[nr])
		return table[nr](a);
	if (nr >= NR_MAX || !(reported[nr / 8] & (1u << (nr % 8)))) {
		if (nr < NR_MAX)
			reported[nr / 8] |= (uint8_t)(1u << (nr % 8));
		kprintf("husk: system call %s (%lu) is not implemented (ENOSYS)\n",
			nr < SYSCALL_NAMES_MAX && syscall_names[nr] ? syscall_names[nr] : "unknown",
			(unsigned long)nr);
	}
	return -ENOSYS;
}

long husk_syscall(const struct syscall_args *a)
{
	long ret;

	if (syscall_trace && (a->nr == 60 || a->nr == 231))
		trace((uint64_t)a->nr, a, 0); /* exit: no result to show */
	ret = dispatch(a);
	if (syscall_trace)
		trace((uint64_t)a->nr, a, ret);
	sched_preempt_point();
	signal_at_syscall_return(a, ret);
	return ret;
}
