/* Futexes: waiting on a 32-bit word of the program's memory. */
#ifndef KERNEL_SCHED_FUTEX_H
#define KERNEL_SCHED_FUTEX_H

#include <stdint.h>

/* Wakes up to n waiters on uaddr whose bitset meets mask. */
int futex_wake(uint64_t uaddr, int n, uint32_t mask);
struct thread;
/* Drops t's wait, if any (t is being destroyed). */
void futex_forget(struct thread *t);

#endif
