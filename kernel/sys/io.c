/* write, writev and ioctl, on the console for now (fds 0-2). */
#include <husk/abi.h>
#include "../console.h"
#include "calls.h"

#define ENOTTY 25
#define EINVAL 22
#define IOV_MAX 1024

struct iovec {
	uint64_t base, len;
};

int user_range_ok(uint64_t p, uint64_t n)
{
	if (p < 4096 || p >= (1ULL << 47) || n > (1ULL << 47) - p)
		return 0;
	return !(p < HUSK_KERNEL_VBASE + (1ULL << 30) && HUSK_KERNEL_VBASE < p + n) &&
	       !(p < HUSK_DIRECT_MAP_END && HUSK_DIRECT_MAP < p + n);
}

static int console_fd(long fd)
{
	return fd == 1 || fd == 2;
}

long sys_write(const struct syscall_args *a)
{
	if (!console_fd(a->a[0]))
		return -EBADF;
	if (!user_range_ok((uint64_t)a->a[1], (uint64_t)a->a[2]))
		return -EFAULT;
	console_write((const char *)a->a[1], (unsigned long)a->a[2]);
	return a->a[2];
}

long sys_writev(const struct syscall_args *a)
{
	const struct iovec *iov = (const struct iovec *)a->a[1];
	uint64_t n = (uint64_t)a->a[2], total = 0;

	if (!console_fd(a->a[0]))
		return -EBADF;
	if (n > IOV_MAX)
		return -EINVAL;
	if (!user_range_ok((uint64_t)iov, n * sizeof(*iov)))
		return -EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		if (!user_range_ok(iov[i].base, iov[i].len))
			return total ? (long)total : -EFAULT;
		console_write((const char *)iov[i].base, iov[i].len);
		total += iov[i].len;
	}
	return (long)total;
}

/* No terminal yet: programs ask (TCGETS, TIOCGWINSZ) and take "not a tty". */
long sys_ioctl(const struct syscall_args *a)
{
	if (a->a[0] < 0 || a->a[0] > 2)
		return -EBADF;
	return -ENOTTY;
}
