/*
 * Timers that raise signals: alarm, setitimer/getitimer and the POSIX
 * timer_* calls. Each armed timer is a deadline on the monotonic clock
 * that the scheduler also waits for (sched.c asks timers_next and calls
 * timers_expire), so an expiry wakes the vCPU, raises the signal and
 * re-arms interval timers (counting overruns).
 *
 * ITIMER_VIRTUAL and ITIMER_PROF count CPU time on Linux; the one process
 * here is always running when it is not waiting, so they count real time
 * (documented approximation).
 */
#include "../clock.h"
#include "../lib.h"
#include "../sched/thread.h"
#include "calls.h"
#include "signal.h"

#define EINVAL 22
#define EAGAIN 11
#define MAX_TIMERS 64
#define ITIMERS 3 /* slots 0..2: ITIMER_REAL, _VIRTUAL, _PROF */
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD_ID 4
#define TIMER_ABSTIME 1
#define NS 1000000000ULL

struct ktimer {
	int used;
	int realtime;       /* CLOCK_REALTIME: absolute times are wall time */
	uint64_t next;      /* monotonic ns; 0: disarmed */
	uint64_t interval;  /* ns; 0: one-shot */
	int notify, signo, tid, overrun;
	uint64_t value;     /* si_value */
};

static struct ktimer timers[MAX_TIMERS];

struct timeval64 { int64_t sec, usec; };
struct itimerval64 { struct timeval64 interval, value; };
struct timespec64 { int64_t sec, nsec; };
struct itimerspec64 { struct timespec64 interval, value; };
struct sigevent64 {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid;
};

uint64_t timers_next(void)
{
	uint64_t d = 0;

	for (int i = 0; i < MAX_TIMERS; i++)
		if (timers[i].used && timers[i].next && (!d || timers[i].next < d))
			d = timers[i].next;
	return d;
}

static void fire(struct ktimer *t, int id)
{
	struct ksiginfo info = { .code = SI_TIMER, .timerid = id,
				 .overrun = t->overrun, .addr = t->value };
	struct thread *to = 0;

	if (t->notify == SIGEV_NONE)
		return;
	if (id < 0) /* the itimers */
		info = (struct ksiginfo){ .code = SI_KERNEL };
	if (t->notify == SIGEV_THREAD_ID && !(to = thread_find(t->tid)))
		return; /* its thread is gone */
	signal_send(to, t->signo, &info);
}

void timers_expire(uint64_t now)
{
	for (int i = 0; i < MAX_TIMERS; i++) {
		struct ktimer *t = &timers[i];
		if (!t->used || !t->next || t->next > now)
			continue;
		t->overrun = 0;
		if (t->interval) {
			uint64_t late = (now - t->next) / t->interval;
			t->overrun = late > 0x7fffffff ? 0x7fffffff : (int)late;
			t->next += (late + 1) * t->interval;
		} else {
			t->next = 0;
		}
		fire(t, i - ITIMERS);
	}
}

static uint64_t left(const struct ktimer *t)
{
	uint64_t now = clock_monotonic_ns();

	return t->next > now ? t->next - now : (t->next ? 1 : 0);
}

static int tv_ns(const struct timeval64 *tv, uint64_t *ns)
{
	if (tv->sec < 0 || tv->usec < 0 || tv->usec >= 1000000)
		return -EINVAL;
	*ns = (uint64_t)tv->sec * NS + (uint64_t)tv->usec * 1000;
	return 0;
}

static void ns_tv(uint64_t ns, struct timeval64 *tv)
{
	tv->sec = (int64_t)(ns / NS);
	tv->usec = (int64_t)((ns % NS + 999) / 1000); /* never 0 when armed */
	if (tv->usec == 1000000) {
		tv->sec++;
		tv->usec = 0;
	}
}

static void arm(struct ktimer *t, uint64_t first, uint64_t interval)
{
	t->next = first ? clock_monotonic_ns() + first : 0;
	t->interval = interval;
	sched_timers_changed();
}

long sys_getitimer(const struct syscall_args *a)
{
	struct itimerval64 *v = (struct itimerval64 *)a->a[1];

	if (a->a[0] < 0 || a->a[0] >= ITIMERS)
		return -EINVAL;
	if (!user_range_ok((uint64_t)v, sizeof(*v)))
		return -EFAULT;
	ns_tv(timers[a->a[0]].interval, &v->interval);
	ns_tv(left(&timers[a->a[0]]), &v->value);
	if (!timers[a->a[0]].interval)
		v->interval.usec = 0;
	return 0;
}

static const int itimer_signal[ITIMERS] = { SIGALRM, SIGVTALRM, SIGPROF };

long sys_setitimer(const struct syscall_args *a)
{
	const struct itimerval64 *nv = (const struct itimerval64 *)a->a[1];
	struct itimerval64 *ov = (struct itimerval64 *)a->a[2];
	struct ktimer *t;
	uint64_t first = 0, interval = 0;
	long which = a->a[0];

	if (which < 0 || which >= ITIMERS)
		return -EINVAL;
	if ((nv && !user_range_ok((uint64_t)nv, sizeof(*nv))) ||
	    (ov && !user_range_ok((uint64_t)ov, sizeof(*ov))))
		return -EFAULT;
	if (nv && (tv_ns(&nv->value, &first) || tv_ns(&nv->interval, &interval)))
		return -EINVAL;
	t = &timers[which];
	if (ov) {
		ns_tv(t->next ? t->interval : 0, &ov->interval);
		ns_tv(left(t), &ov->value);
	}
	t->used = 1;
	t->notify = SIGEV_SIGNAL;
	t->signo = itimer_signal[which];
	if (nv)
		arm(t, first, first ? interval : 0);
	return 0;
}

long sys_alarm(const struct syscall_args *a)
{
	struct ktimer *t = &timers[0];
	uint64_t before = left(t);

	t->used = 1;
	t->notify = SIGEV_SIGNAL;
	t->signo = SIGALRM;
	arm(t, (uint64_t)(uint32_t)a->a[0] * NS, 0);
	/* Seconds left of the old alarm, rounded to nearest, never 0. */
	return before ? (long)((before + NS / 2) / NS ? (before + NS / 2) / NS : 1) : 0;
}

static struct ktimer *posix_timer(long id)
{
	if (id < 0 || id >= MAX_TIMERS - ITIMERS || !timers[id + ITIMERS].used)
		return 0;
	return &timers[id + ITIMERS];
}

long sys_timer_create(const struct syscall_args *a)
{
	long clock = a->a[0];
	const struct sigevent64 *ev = (const struct sigevent64 *)a->a[1];
	int32_t *idp = (int32_t *)a->a[2];
	struct ktimer t = { .used = 1, .notify = SIGEV_SIGNAL, .signo = SIGALRM };
	int i;

	if (clock != 0 && clock != 1 && clock != 7 && clock != 4 &&
	    clock != 2 && clock != 3)
		return -EINVAL;
	if ((ev && !user_range_ok((uint64_t)ev, sizeof(*ev))) ||
	    !user_range_ok((uint64_t)idp, 4))
		return -EFAULT;
	if (ev) {
		t.notify = ev->notify;
		t.signo = ev->signo;
		t.value = ev->value;
		t.tid = ev->tid;
		if (t.notify != SIGEV_SIGNAL && t.notify != SIGEV_NONE &&
		    t.notify != SIGEV_THREAD_ID)
			return -EINVAL;
		if (t.notify != SIGEV_NONE && (t.signo < 1 || t.signo > NSIG))
			return -EINVAL;
		if (t.notify == SIGEV_THREAD_ID && !thread_find(t.tid))
			return -EINVAL;
	}
	t.realtime = clock == 0;
	for (i = ITIMERS; i < MAX_TIMERS && timers[i].used; i++)
		;
	if (i == MAX_TIMERS)
		return -EAGAIN;
	if (!ev)
		t.value = (uint64_t)(i - ITIMERS);
	timers[i] = t;
	*idp = i - ITIMERS;
	return 0;
}

static int ts_ns(const struct timespec64 *ts, uint64_t *ns)
{
	if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= (int64_t)NS)
		return -EINVAL;
	*ns = (uint64_t)ts->sec * NS + (uint64_t)ts->nsec;
	return 0;
}

static void ns_ts(uint64_t ns, struct timespec64 *ts)
{
	ts->sec = (int64_t)(ns / NS);
	ts->nsec = (int64_t)(ns % NS);
}

long sys_timer_settime(const struct syscall_args *a)
{
	struct ktimer *t = posix_timer(a->a[0]);
	const struct itimerspec64 *nv = (const struct itimerspec64 *)a->a[2];
	struct itimerspec64 *ov = (struct itimerspec64 *)a->a[3];
	uint64_t first, interval, now;

	if (!t)
		return -EINVAL;
	if (!user_range_ok((uint64_t)nv, sizeof(*nv)) ||
	    (ov && !user_range_ok((uint64_t)ov, sizeof(*ov))))
		return -EFAULT;
	if (ts_ns(&nv->value, &first) || ts_ns(&nv->interval, &interval))
		return -EINVAL;
	if (ov) {
		ns_ts(t->next ? t->interval : 0, &ov->interval);
		ns_ts(left(t), &ov->value);
	}
	if (first && (a->a[1] & TIMER_ABSTIME)) {
		now = t->realtime ? clock_realtime_ns() : clock_monotonic_ns();
		first = first > now ? first - now : 1;
	}
	arm(t, first, first ? interval : 0);
	return 0;
}

long sys_timer_gettime(const struct syscall_args *a)
{
	struct ktimer *t = posix_timer(a->a[0]);
	struct itimerspec64 *v = (struct itimerspec64 *)a->a[1];

	if (!t)
		return -EINVAL;
	if (!user_range_ok((uint64_t)v, sizeof(*v)))
		return -EFAULT;
	ns_ts(t->next ? t->interval : 0, &v->interval);
	ns_ts(left(t), &v->value);
	return 0;
}

long sys_timer_getoverrun(const struct syscall_args *a)
{
	struct ktimer *t = posix_timer(a->a[0]);

	return t ? t->overrun : -EINVAL;
}

long sys_timer_delete(const struct syscall_args *a)
{
	struct ktimer *t = posix_timer(a->a[0]);

	if (!t)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	sched_timers_changed();
	return 0;
}
