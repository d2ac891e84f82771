/*
 * Signals as the rest of the library OS raises and waits for them.
 * (kernel/sys/signal.c keeps the tables; delivery happens when a system
 * call or a trap returns to the program.)
 */
#ifndef KERNEL_SYS_SIGNAL_H
#define KERNEL_SYS_SIGNAL_H

#include <stdint.h>

#define SIGPIPE 13
#define SIGALRM 14

/* Sends sig to the calling thread (SIGPIPE from a write to a closed pipe,
 * a fault): taken when the current system call returns. */
void signal_raise(int sig);
/* The calling thread's blocked mask: returns the old one. ppoll and
 * pselect6 swap in theirs for the wait, then restore it. */
uint64_t signal_swap_mask(uint64_t mask);

#endif
