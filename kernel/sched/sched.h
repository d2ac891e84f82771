/*
 * Threads and how they wait. Every thread runs in ring 3 with the library
 * OS; a thread waits inside a system call (sched_wait) and another runs.
 * The library OS itself is never preempted: a timer tick that lands in it
 * is taken when the current system call returns. So "check a condition,
 * then sched_wait" needs no lock: nothing runs in between.
 */
#ifndef KERNEL_SCHED_SCHED_H
#define KERNEL_SCHED_SCHED_H

#include <stdint.h>

#define ETIMEDOUT 110
#define EINTR 4

struct thread;

/* Threads waiting for something; zero-initialized is empty. */
struct waitq {
	struct thread *first;
};

/*
 * Blocks the calling thread until sched_wake(q), the deadline (monotonic
 * ns, clock_monotonic_ns(); 0 = none) or a signal it must take. Returns 0
 * when woken (wakeups can be spurious: recheck the condition), -ETIMEDOUT
 * or -EINTR.
 */
int sched_wait(struct waitq *q, uint64_t deadline);
/* Wakes up to n waiters of q (n < 0: all); returns how many. */
int sched_wake(struct waitq *q, int n);
/* Lets another runnable thread run, if any. */
void sched_yield(void);

#endif
