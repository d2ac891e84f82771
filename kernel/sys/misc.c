/* Time and randomness. */
#include "../arch/x86_64/cpu.h"
#include "../clock.h"
#include "../lib.h"
#include "../mm.h"
#include "../random.h"
#include "calls.h"
#include "../sched/thread.h"

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

long sys_clock_getres(const struct syscall_args *a)
{
	struct timespec64 *res = (struct timespec64 *)a->a[1];

	if (a->a[0] < 0 || a->a[0] > CLOCK_BOOTTIME)
		return -EINVAL;
	if (res) {
		if (!user_range_ok((uint64_t)res, sizeof(*res)))
			return -EFAULT;
		res->sec = 0;
		res->nsec = 1; /* the TSC's ns clock */
	}
	return 0;
}

/*
 * nanosleep and clock_nanosleep: the thread sleeps until the deadline
 * (on the monotonic clock; a realtime deadline is converted once) and
 * other threads run meanwhile. rem: where an interrupted relative sleep
 * reports what was left (0: nowhere).
 */
static long sleep_until(uint64_t deadline_ns, int realtime, uint64_t rem)
{
	uint64_t now = clock_monotonic_ns(), offset;

	if (realtime) {
		offset = clock_realtime_ns() - now;
		if (deadline_ns <= offset)
			return 0;
		deadline_ns -= offset;
	}
	while ((now = clock_monotonic_ns()) < deadline_ns) {
		if (sched_block(deadline_ns) != -EINTR)
			continue;
		if (rem && user_range_ok(rem, sizeof(struct timespec64))) {
			uint64_t left = deadline_ns - clock_monotonic_ns();
			if ((int64_t)left < 0)
				left = 0;
			((struct timespec64 *)rem)->sec = (int64_t)(left / 1000000000);
			((struct timespec64 *)rem)->nsec = (int64_t)(left % 1000000000);
		}
		return -EINTR;
	}
	return 0;
}

static int read_ts(uint64_t p, uint64_t *ns)
{
	const struct timespec64 *ts = (const struct timespec64 *)p;

	if (!user_range_ok(p, sizeof(*ts)))
		return -EFAULT;
	if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= 1000000000)
		return -EINVAL;
	*ns = (uint64_t)ts->sec * 1000000000 + (uint64_t)ts->nsec;
	return 0;
}

long sys_nanosleep(const struct syscall_args *a)
{
	uint64_t ns;
	int rc = read_ts((uint64_t)a->a[0], &ns);

	return rc ? rc : sleep_until(clock_monotonic_ns() + ns, 0, (uint64_t)a->a[1]);
}

long sys_clock_nanosleep(const struct syscall_args *a)
{
	uint64_t ns;
	int realtime = a->a[0] == CLOCK_REALTIME, rc;

	if (a->a[0] != CLOCK_REALTIME && a->a[0] != CLOCK_MONOTONIC &&
	    a->a[0] != CLOCK_BOOTTIME)
		return -EINVAL;
	rc = read_ts((uint64_t)a->a[2], &ns);
	if (rc)
		return rc;
	if (!(a->a[1] & 1)) { /* relative */
		ns += realtime ? clock_realtime_ns() : clock_monotonic_ns();
		return sleep_until(ns, realtime, (uint64_t)a->a[3]);
	}
	return sleep_until(ns, realtime, 0);
}

long sys_sched_yield(const struct syscall_args *a)
{
	(void)a;
	sched_yield();
	return 0;
}

/* Linux's struct sysinfo (x86_64), from the page allocator and the clock. */
struct sysinfo64 {
	int64_t uptime;
	uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap,
		freeswap;
	uint16_t procs, pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};

long sys_sysinfo(const struct syscall_args *a)
{
	struct sysinfo64 *si = (struct sysinfo64 *)a->a[0];

	if (!user_range_ok((uint64_t)si, sizeof(*si)))
		return -EFAULT;
	memset(si, 0, sizeof(*si));
	si->uptime = (int64_t)(clock_monotonic_ns() / 1000000000);
	si->totalram = pmem_total_pages();
	si->freeram = pmem_free_pages();
	si->procs = 1;
	si->mem_unit = 4096;
	return 0;
}

struct rusage64 {
	int64_t utime_sec, utime_usec, stime_sec, stime_usec;
	int64_t rest[14];
};

/* All time is the program's: it is the only thing running. */
long sys_getrusage(const struct syscall_args *a)
{
	struct rusage64 *ru = (struct rusage64 *)a->a[1];
	uint64_t us = clock_monotonic_ns() / 1000;
	int who = (int)a->a[0]; /* an int: glibc leaves the upper half 0 */

	if (who != 0 && who != -1 && who != 1) /* SELF, CHILDREN, THREAD */
		return -EINVAL;
	if (!user_range_ok((uint64_t)ru, sizeof(*ru)))
		return -EFAULT;
	memset(ru, 0, sizeof(*ru));
	if (who != -1) {
		ru->utime_sec = (int64_t)(us / 1000000);
		ru->utime_usec = (int64_t)(us % 1000000);
	}
	return 0;
}

long sys_times(const struct syscall_args *a)
{
	int64_t *t = (int64_t *)a->a[0];
	int64_t ticks = (int64_t)(clock_monotonic_ns() / 10000000); /* 100 Hz */

	if (t) {
		if (!user_range_ok((uint64_t)t, 4 * sizeof(*t)))
			return -EFAULT;
		t[0] = ticks;
		t[1] = t[2] = t[3] = 0;
	}
	return ticks;
}

/* One CPU: CPU 0 in the mask, on node 0. */
long sys_sched_getaffinity(const struct syscall_args *a)
{
	uint64_t len = (uint64_t)a->a[1];
	uint8_t *mask = (uint8_t *)a->a[2];

	if (len < 8 || (len & 7))
		return -EINVAL;
	if (!user_range_ok((uint64_t)mask, len))
		return -EFAULT;
	memset(mask, 0, len);
	mask[0] = 1;
	return 8;
}

long sys_getcpu(const struct syscall_args *a)
{
	uint32_t *cpu = (uint32_t *)a->a[0], *node = (uint32_t *)a->a[1];

	if ((cpu && !user_range_ok((uint64_t)cpu, 4)) ||
	    (node && !user_range_ok((uint64_t)node, 4)))
		return -EFAULT;
	if (cpu)
		*cpu = 0;
	if (node)
		*node = 0;
	return 0;
}
