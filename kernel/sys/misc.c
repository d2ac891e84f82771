/* Time and randomness. */
#include "../arch/x86_64/cpu.h"
#include "../clock.h"
#include "../lib.h"
#include "../random.h"
#include "calls.h"

#define EINVAL 22
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

struct timespec64 {
	int64_t sec, nsec;
};

long sys_clock_gettime(const struct syscall_args *a)
{
	struct timespec64 *ts = (struct timespec64 *)a->a[1];
	uint64_t ns;

	switch (a->a[0]) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		ns = clock_realtime_ns();
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID: /* one process, always running */
	case CLOCK_THREAD_CPUTIME_ID:
		ns = clock_monotonic_ns();
		break;
	default:
		return -EINVAL;
	}
	if (!user_range_ok((uint64_t)ts, sizeof(*ts)))
		return -EFAULT;
	ts->sec = (int64_t)(ns / 1000000000);
	ts->nsec = (int64_t)(ns % 1000000000);
	return 0;
}


long sys_getrandom(const struct syscall_args *a)
{
	uint8_t *buf = (uint8_t *)a->a[0];
	uint64_t len = (uint64_t)a->a[1];

	if (len > (1u << 25))
		len = 1u << 25; /* Linux returns short counts for big asks */
	if (!user_range_ok((uint64_t)buf, len))
		return -EFAULT;
	for (uint64_t i = 0; i < len; i += 8) {
		uint64_t v = random64();
		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
	return (long)len;
}

long sys_time(const struct syscall_args *a)
{
	int64_t *t = (int64_t *)a->a[0];
	int64_t now = (int64_t)(clock_realtime_ns() / 1000000000);

	if (t) {
		if (!user_range_ok((uint64_t)t, sizeof(*t)))
			return -EFAULT;
		*t = now;
	}
	return now;
}

long sys_gettimeofday(const struct syscall_args *a)
{
	int64_t *tv = (int64_t *)a->a[0];
	uint64_t ns = clock_realtime_ns();

	if (tv) {
		if (!user_range_ok((uint64_t)tv, 16))
			return -EFAULT;
		tv[0] = (int64_t)(ns / 1000000000);
		tv[1] = (int64_t)(ns % 1000000000 / 1000);
	}
	return 0;
}
