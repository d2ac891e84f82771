/*
 * mlock, mlock2, munlock, mlockall, munlockall: the library OS never pages
 * memory out, so every page is as good as locked. They check their
 * arguments as Linux does and succeed without effect. (Not kept either:
 * the locked state itself, so msync(MS_INVALIDATE) never says EBUSY, and
 * /proc shows no VmLck.)
 */
#include "../mm/vma.h"
#include "calls.h"

#define PAGE 4096ULL
#define MLOCK_ONFAULT 1
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4
#define EINVAL 22
#define ENOMEM 12

/* The range Linux would lock: whole pages around [addr, addr + len), all
 * of which must be mapped. */
static long check_range(uint64_t addr, uint64_t len)
{
	uint64_t start = addr & ~(PAGE - 1), end;

	len = (len + (addr & (PAGE - 1)) + PAGE - 1) & ~(PAGE - 1);
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	return vma_covers(start, end) ? 0 : -ENOMEM;
}

long sys_mlock(const struct syscall_args *a)
{
	return check_range((uint64_t)a->a[0], (uint64_t)a->a[1]);
}

long sys_mlock2(const struct syscall_args *a)
{
	if (a->a[2] & ~(long)MLOCK_ONFAULT)
		return -EINVAL;
	return check_range((uint64_t)a->a[0], (uint64_t)a->a[1]);
}

long sys_munlock(const struct syscall_args *a)
{
	return check_range((uint64_t)a->a[0], (uint64_t)a->a[1]);
}

long sys_mlockall(const struct syscall_args *a)
{
	long flags = a->a[0];

	if (!flags || (flags & ~(long)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	return 0;
}

long sys_munlockall(const struct syscall_args *a)
{
	(void)a;
	return 0;
}
