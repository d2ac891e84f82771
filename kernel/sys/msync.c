/*
 * msync: a shared file mapping maps the file's own pages (kernel/sys/
 * mmap.c), so read() and write() already see what the mapping holds and
 * there is nothing to write back or invalidate: what is left is Linux's
 * checking of the arguments.
 */
#include "../mm/vma.h"
#include "calls.h"

#define PAGE 4096ULL
#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4
#define EINVAL 22
#define ENOMEM 12

long sys_msync(const struct syscall_args *a)
{
	uint64_t start = (uint64_t)a->a[0];
	uint64_t len = ((uint64_t)a->a[1] + PAGE - 1) & ~(PAGE - 1);
	long flags = a->a[2];

	if (flags & ~(long)(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & (PAGE - 1))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	if (start + len < start)
		return -ENOMEM;
	if (!len)
		return 0;
	/* Part of the range not mapped: ENOMEM, as Linux says (after doing
	 * the mapped part, which here is nothing). */
	return vma_covers(start, start + len) ? 0 : -ENOMEM;
}
