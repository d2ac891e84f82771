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

#define NR_MAX 512

static const syscall_fn table[NR_MAX] = {
	[1] = sys_write,
	[9] = sys_mmap,
	[10] = sys_mprotect,
	[11] = sys_munmap,
	[12] = sys_brk,
	[16] = sys_ioctl,
	[20] = sys_writev,
	[25] = sys_mremap,
	[28] = sys_madvise,
	[39] = sys_getpid,
	[60] = sys_exit_group, /* exit: one thread, so the same */
	[89] = sys_readlink,
	[158] = sys_arch_prctl,
	[186] = sys_gettid,
	[218] = sys_set_tid_address,
	[228] = sys_clock_gettime,
	[231] = sys_exit_group,
	[273] = sys_set_robust_list,
	[302] = sys_prlimit64,
	[318] = sys_getrandom,
};

static uint8_t reported[NR_MAX / 8];

long husk_syscall(const struct syscall_args *a)
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
