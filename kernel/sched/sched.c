/* Provisional: one thread. Replaced by the scheduler. */
#include "../clock.h"
#include "../platform.h"
#include "sched.h"

int sched_wait(struct waitq *q, uint64_t deadline)
{
	(void)q;
	if (!deadline)
		return -EINTR;
	while (clock_monotonic_ns() < deadline)
		__asm__ volatile("pause");
	return -ETIMEDOUT;
}

int sched_wake(struct waitq *q, int n)
{
	(void)q;
	(void)n;
	return 0;
}

void sched_yield(void)
{
}
