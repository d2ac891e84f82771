/*
 * timerfd_create, timerfd_settime, timerfd_gettime. No interrupt counts
 * the expirations: they are computed from the clock whenever someone
 * looks (poll, read, gettime), and a wait on a timerfd ends at its next
 * expiry (the poll op's due) so that the count is taken then.
 */
#include "../clock.h"
#include "../lib.h"
#include "../mm.h"
#include "calls.h"
#include "ready.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define NS_PER_SEC 1000000000ull

struct itimerspec64 {
	int64_t interval_sec, interval_nsec;
	int64_t value_sec, value_nsec;
};

struct timerfd {
	int realtime;       /* on CLOCK_REALTIME; else monotonic (= boottime) */
	uint64_t next;      /* the next expiry on its clock (ns); 0: disarmed */
	uint64_t interval;  /* ns; 0: one shot */
	uint64_t ticks;     /* expirations not read yet */
	struct waitq readers;
};

static const struct file_ops timerfd_ops;

static uint64_t now_on(const struct timerfd *t)
{
	return t->realtime ? clock_realtime_ns() : clock_monotonic_ns();
}

/* Counts the expirations up to now into ticks. */
static void catch_up(struct file *f)
{
	struct timerfd *t = f->priv;
	uint64_t now = now_on(t), n = 1;

	if (!t->next || now < t->next)
		return;
	if (t->interval) {
		n += (now - t->next) / t->interval;
		t->next += n * t->interval;
	} else {
		t->next = 0;
	}
	t->ticks += n;
	ready_changed(f, POLLIN);
}

/* The next expiry on the monotonic clock (what sched_wait takes). */
static uint64_t monotonic_due(const struct timerfd *t)
{
	uint64_t now;

	if (!t->next || !t->realtime)
		return t->next;
	now = clock_realtime_ns();
	return deadline_after(t->next > now ? t->next - now : 0);
}

static long tfd_read(struct file *f, void *buf, size_t len, uint64_t *off)
{
	struct timerfd *t = f->priv;

	(void)off;
	if (len < sizeof(t->ticks))
		return -EINVAL;
	for (;;) {
		catch_up(f);
		if (t->ticks)
			break;
		if (f->flags & O_NONBLOCK_)
			return -EAGAIN;
		if (sched_wait(&t->readers, monotonic_due(t)) == -EINTR)
			return -EINTR;
	}
	memcpy(buf, &t->ticks, sizeof(t->ticks));
	t->ticks = 0;
	return sizeof(t->ticks);
}

static unsigned tfd_poll(struct file *f, uint64_t *due)
{
	struct timerfd *t = f->priv;

	catch_up(f);
	if (due)
		*due = deadline_min(*due, monotonic_due(t));
	return t->ticks ? POLLIN : 0; /* Linux's bits exactly */
}

static void tfd_close(struct file *f)
{
	heap_free(f->priv);
}

static const struct file_ops timerfd_ops = {
	.read = tfd_read, .lseek = anon_lseek, .stat = anon_stat,
	.poll = tfd_poll, .close = tfd_close,
};

long sys_timerfd_create(const struct syscall_args *a)
{
	long clock = a->a[0], flags = a->a[1];
	struct timerfd *t;

	if (flags & ~(long)(O_CLOEXEC_ | O_NONBLOCK_))
		return -EINVAL;
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
	    clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	if (!(t = heap_alloc(sizeof(*t))))
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	/* The alarm clocks wake a suspended machine; a VM never suspends. */
	t->realtime = clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM;
	return anon_install(&timerfd_ops, t, (int)flags, "timerfd");
}

/* ---- settime, gettime ---- */

static int valid_ts(int64_t sec, int64_t nsec)
{
	return sec >= 0 && nsec >= 0 && (uint64_t)nsec < NS_PER_SEC;
}

static uint64_t ts_ns(int64_t sec, int64_t nsec)
{
	if ((uint64_t)sec > (UINT64_MAX - NS_PER_SEC) / NS_PER_SEC)
		return UINT64_MAX - NS_PER_SEC; /* never, in practice */
	return (uint64_t)sec * NS_PER_SEC + (uint64_t)nsec;
}

/* The timerfd behind fd: -EBADF, or -EINVAL when fd is something else. */
static int timer_of(long fd, struct file **out)
{
	struct file *f = poll_fd_file(fd);

	if (!f)
		return -EBADF;
	if (f->ops != &timerfd_ops)
		return -EINVAL;
	*out = f;
	return 0;
}

/* What gettime says: the time to the next expiry and the interval. */
static void current_setting(struct file *f, struct itimerspec64 *out)
{
	struct timerfd *t = f->priv;
	uint64_t now, left = 0;

	catch_up(f);
	now = now_on(t);
	if (t->next > now)
		left = t->next - now;
	out->value_sec = (int64_t)(left / NS_PER_SEC);
	out->value_nsec = (int64_t)(left % NS_PER_SEC);
	out->interval_sec = (int64_t)(t->interval / NS_PER_SEC);
	out->interval_nsec = (int64_t)(t->interval % NS_PER_SEC);
}

static void arm(struct timerfd *t, const struct itimerspec64 *it, long flags)
{
	uint64_t value = ts_ns(it->value_sec, it->value_nsec);

	t->ticks = 0;
	t->interval = ts_ns(it->interval_sec, it->interval_nsec);
	if (!value)
		t->next = 0;
	else if (flags & TFD_TIMER_ABSTIME)
		t->next = value;
	else
		t->next = now_on(t) + value;
	sched_wake(&t->readers, -1); /* their deadline changed */
	sched_wake(&ready_waiters, -1);
}

long sys_timerfd_settime(const struct syscall_args *a)
{
	uint64_t unew = (uint64_t)a->a[2], uold = (uint64_t)a->a[3];
	long flags = a->a[1];
	struct itimerspec64 it, old;
	struct file *f;
	int r;

	if (!user_range_ok(unew, sizeof(it)))
		return -EFAULT;
	memcpy(&it, (const void *)unew, sizeof(it));
	/* CANCEL_ON_SET is accepted and never fires: nothing sets the
	 * realtime clock here (no clock_settime), so no change to cancel on. */
	if ((flags & ~(long)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
	    !valid_ts(it.value_sec, it.value_nsec) ||
	    !valid_ts(it.interval_sec, it.interval_nsec))
		return -EINVAL;
	if ((r = timer_of(a->a[0], &f)))
		return r;
	current_setting(f, &old);
	arm(f->priv, &it, flags);
	if (uold) {
		if (!user_range_ok(uold, sizeof(old)))
			return -EFAULT;
		memcpy((void *)uold, &old, sizeof(old));
	}
	return 0;
}

long sys_timerfd_gettime(const struct syscall_args *a)
{
	uint64_t ucur = (uint64_t)a->a[1];
	struct itimerspec64 cur;
	struct file *f;
	int r;

	if ((r = timer_of(a->a[0], &f)))
		return r;
	current_setting(f, &cur);
	if (!user_range_ok(ucur, sizeof(cur)))
		return -EFAULT;
	memcpy((void *)ucur, &cur, sizeof(cur));
	return 0;
}
