/*
 * futex(2) for threads of one process: waiters are kept in one list (a
 * program has few threads waiting at once), matched by address and bitset.
 * Checking the word and going to sleep cannot be separated by another
 * thread: the library OS is never preempted.
 */
#include "../clock.h"
#include "../console.h"
#include "../lib.h"
#include "../sys/calls.h"
#include "../sys/syscall.h"
#include "futex.h"
#include "thread.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_REALTIME 256
#define EAGAIN 11
#define EINVAL 22

struct waiter {
	uint64_t addr;
	uint32_t mask;
	struct thread *t;
	struct waiter *next;
};

static struct waiter *waiters;

struct timespec64 {
	int64_t sec, nsec;
};

static void unlink_waiter(struct waiter *w)
{
	for (struct waiter **p = &waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			return;
		}
}

static int word_ok(uint64_t uaddr)
{
	return !(uaddr & 3) && user_range_ok(uaddr, 4);
}

/* The deadline a timeout means: relative (FUTEX_WAIT) or absolute on the
 * clock the flags name (FUTEX_WAIT_BITSET). 0: none; -errno: bad. */
static int64_t deadline_of(uint64_t uts, int absolute, int realtime)
{
	const struct timespec64 *ts = (const struct timespec64 *)uts;
	uint64_t ns, now = clock_monotonic_ns();

	if (!uts)
		return 0;
	if (!user_range_ok(uts, sizeof(*ts)))
		return -EFAULT;
	if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= 1000000000)
		return -EINVAL;
	ns = (uint64_t)ts->sec * 1000000000 + (uint64_t)ts->nsec;
	if (!absolute)
		ns += now;
	else if (realtime)
		ns = ns > clock_realtime_ns() - now ? ns - (clock_realtime_ns() - now) : 0;
	return ns ? (int64_t)ns : 1; /* 0 would mean no deadline */
}

static long futex_wait(uint64_t uaddr, uint32_t val, int64_t deadline,
		       uint32_t mask)
{
	struct waiter w = { uaddr, mask, current, waiters };
	int r;

	if (!word_ok(uaddr))
		return -EFAULT;
	if (!mask)
		return -EINVAL;
	if (deadline < 0)
		return deadline;
	if (*(volatile uint32_t *)uaddr != val)
		return -EAGAIN;
	waiters = &w;
	r = sched_block((uint64_t)deadline);
	unlink_waiter(&w); /* still there after a timeout or a signal */
	return r;
}

/* t is going away (execve): its waiter record lives on its stack. */
void futex_forget(struct thread *t)
{
	for (struct waiter **p = &waiters; *p;)
		if ((*p)->t == t)
			*p = (*p)->next;
		else
			p = &(*p)->next;
}

int futex_wake(uint64_t uaddr, int n, uint32_t mask)
{
	struct waiter **p = &waiters;
	int woken = 0;

	while (*p && woken < n) {
		struct waiter *w = *p;
		if (w->addr == uaddr && (w->mask & mask)) {
			*p = w->next;
			sched_unblock(w->t, 0);
			woken++;
		} else {
			p = &w->next;
		}
	}
	return woken;
}

/* Wake n on uaddr, move up to n2 more to uaddr2 (after checking the word
 * against val3 for CMP_REQUEUE). */
static long futex_requeue(uint64_t uaddr, int n, int n2, uint64_t uaddr2,
			  const uint32_t *cmp)
{
	int woken, moved = 0;

	if (!word_ok(uaddr) || !word_ok(uaddr2))
		return -EFAULT;
	if (n < 0 || n2 < 0)
		return -EINVAL;
	if (cmp && *(volatile uint32_t *)uaddr != *cmp)
		return -EAGAIN;
	woken = futex_wake(uaddr, n, ~0u);
	for (struct waiter *w = waiters; w && moved < n2; w = w->next)
		if (w->addr == uaddr) {
			w->addr = uaddr2;
			moved++;
		}
	return woken + moved;
}

static int wake_op_cmp(unsigned cmp, uint32_t old, uint32_t arg)
{
	switch (cmp) {
	case 0: return old == arg;
	case 1: return old != arg;
	case 2: return (int32_t)old < (int32_t)arg;
	case 3: return (int32_t)old <= (int32_t)arg;
	case 4: return (int32_t)old > (int32_t)arg;
	case 5: return (int32_t)old >= (int32_t)arg;
	default: return -1;
	}
}

/* *uaddr2 = old OP oparg; wake n on uaddr, and n2 on uaddr2 if old CMP
 * cmparg (the encoding of FUTEX_OP in linux/futex.h). */
static long futex_wake_op(uint64_t uaddr, int n, int n2, uint64_t uaddr2,
			  uint32_t op)
{
	unsigned kind = (op >> 28) & 7, cmp = (op >> 24) & 15;
	uint32_t oparg = (op >> 12) & 0xfff, cmparg = op & 0xfff, old, new;
	volatile uint32_t *w2 = (volatile uint32_t *)uaddr2;
	int woken, c;

	if (!word_ok(uaddr) || !word_ok(uaddr2))
		return -EFAULT;
	if (op & (8u << 28))
		oparg = oparg < 32 ? 1u << oparg : 0;
	old = *w2;
	switch (kind) {
	case 0: new = oparg; break;
	case 1: new = old + oparg; break;
	case 2: new = old | oparg; break;
	case 3: new = old & ~oparg; break;
	case 4: new = old ^ oparg; break;
	default: return -ENOSYS;
	}
	c = wake_op_cmp(cmp, old, cmparg);
	if (c < 0)
		return -ENOSYS;
	*w2 = new;
	woken = futex_wake(uaddr, n, ~0u);
	if (c)
		woken += futex_wake(uaddr2, n2, ~0u);
	return woken;
}

long sys_futex(const struct syscall_args *a)
{
	uint64_t uaddr = (uint64_t)a->a[0], uaddr2 = (uint64_t)a->a[4];
	int op = (int)a->a[1], cmd = op & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
	uint32_t val = (uint32_t)a->a[2], val3 = (uint32_t)a->a[5];
	int realtime = !!(op & FUTEX_CLOCK_REALTIME);

	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(uaddr, val, deadline_of(a->a[3], 0, 0), ~0u);
	case FUTEX_WAIT_BITSET:
		return futex_wait(uaddr, val, deadline_of(a->a[3], 1, realtime), val3);
	case FUTEX_WAKE:
		return word_ok(uaddr) ? futex_wake(uaddr, (int)val, ~0u) : -EFAULT;
	case FUTEX_WAKE_BITSET:
		if (!val3)
			return -EINVAL;
		return word_ok(uaddr) ? futex_wake(uaddr, (int)val, val3) : -EFAULT;
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, (int)val, (int)a->a[3], uaddr2, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, (int)val, (int)a->a[3], uaddr2, &val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(uaddr, (int)val, (int)a->a[3], uaddr2, val3);
	default:
		/* Priority-inheritance and the rest: not used by pthreads'
		 * ordinary mutexes; said once by the dispatcher's rule. */
		return -ENOSYS;
	}
}
