/*
 * System-call dispatch. Every number has a line in the table; an
 * unimplemented call returns -ENOSYS and says so once per number, never
 * crashes (what the issue asks of the layer as it grows).
 */
#include "../console.h"
#include "../lib.h"
#include "../platform.h"
#include "syscall.h"

#define NR_MAX 512

static long sys_write(const struct syscall_args *a);
static long sys_getpid(const struct syscall_args *a);
static long sys_exit_group(const struct syscall_args *a);

static const syscall_fn table[NR_MAX] = {
	[1] = sys_write,
	[39] = sys_getpid,
	[60] = sys_exit_group, /* exit: one thread, so the same */
	[231] = sys_exit_group,
};

static uint8_t reported[NR_MAX / 8];

/* Until the loader exists, the only callers are linked-in programs, whose
 * memory is the image's: a buffer must lie in the lower half, not page 0. */
static int user_range_ok(long p, long n)
{
	uint64_t a = (uint64_t)p, len = (uint64_t)n;

	return n >= 0 && a >= 4096 && a < (1ULL << 47) && len <= (1ULL << 47) - a;
}

static long sys_write(const struct syscall_args *a)
{
	if (a->a[0] != 1 && a->a[0] != 2)
		return -EBADF;
	if (!user_range_ok(a->a[1], a->a[2]))
		return -EFAULT;
	console_write((const char *)a->a[1], (unsigned long)a->a[2]);
	return a->a[2];
}

static long sys_getpid(const struct syscall_args *a)
{
	(void)a;
	return 1;
}

static long sys_exit_group(const struct syscall_args *a)
{
	husk_exit((int)(a->a[0] & 0xff));
}

long husk_syscall(const struct syscall_args *a)
{
	uint64_t nr = (uint64_t)a->nr;

	if (nr < NR_MAX && table[nr])
		return table[nr](a);
	if (nr >= NR_MAX || !(reported[nr / 8] & (1u << (nr % 8)))) {
		if (nr < NR_MAX)
			reported[nr / 8] |= (uint8_t)(1u << (nr % 8));
		kprintf("husk: system call %lu is not implemented (ENOSYS)\n",
			(unsigned long)nr);
	}
	return -ENOSYS;
}
