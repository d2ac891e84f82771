/*
 * Signal bookkeeping: actions, the blocked mask and the alternate stack,
 * recorded and reported back as Linux does. Nothing raises a signal yet
 * (no kill, alarm or fault delivery); those will read these tables.
 */
#include "../lib.h"
#include "calls.h"
#include "signal.h"

#define NSIG 64
#define SIGKILL 9
#define SIGSTOP 19
#define EINVAL 22
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct stack_t {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

static struct k_sigaction actions[NSIG + 1];
static uint64_t blocked;
static struct stack_t altstack = { 0, 2 /* SS_DISABLE */, 0, 0 };

long sys_rt_sigaction(const struct syscall_args *a)
{
	long sig = a->a[0];
	const struct k_sigaction *act = (const struct k_sigaction *)a->a[1];
	struct k_sigaction *old = (struct k_sigaction *)a->a[2];

	if (sig < 1 || sig > NSIG || a->a[3] != 8)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if ((act && !user_range_ok((uint64_t)act, sizeof(*act))) ||
	    (old && !user_range_ok((uint64_t)old, sizeof(*old))))
		return -EFAULT;
	if (old)
		*old = actions[sig];
	if (act) {
		actions[sig] = *act;
		actions[sig].mask &= ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
	}
	return 0;
}

long sys_rt_sigprocmask(const struct syscall_args *a)
{
	const uint64_t *set = (const uint64_t *)a->a[1];
	uint64_t *old = (uint64_t *)a->a[2], s;

	if (a->a[3] != 8)
		return -EINVAL;
	if ((set && !user_range_ok((uint64_t)set, 8)) ||
	    (old && !user_range_ok((uint64_t)old, 8)))
		return -EFAULT;
	if (old)
		*old = blocked;
	if (!set)
		return 0;
	s = *set & ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
	switch (a->a[0]) {
	case SIG_BLOCK: blocked |= s; break;
	case SIG_UNBLOCK: blocked &= ~s; break;
	case SIG_SETMASK: blocked = s; break;
	default: return -EINVAL;
	}
	return 0;
}

long sys_sigaltstack(const struct syscall_args *a)
{
	const struct stack_t *ss = (const struct stack_t *)a->a[0];
	struct stack_t *old = (struct stack_t *)a->a[1];

	if ((ss && !user_range_ok((uint64_t)ss, sizeof(*ss))) ||
	    (old && !user_range_ok((uint64_t)old, sizeof(*old))))
		return -EFAULT;
	if (old)
		*old = altstack;
	if (ss) {
		if (ss->flags & ~2)
			return -EINVAL;
		if (!(ss->flags & 2) && ss->size < 2048)
			return -12; /* ENOMEM: MINSIGSTKSZ */
		altstack = *ss;
	}
	return 0;
}

/* Provisional until delivery lands: recorded as pending, never taken. */
static uint64_t pending;

void signal_raise(int sig)
{
	if (sig >= 1 && sig <= NSIG)
		pending |= 1ULL << (sig - 1);
}

uint64_t signal_swap_mask(uint64_t mask)
{
	uint64_t old = blocked;

	blocked = mask & ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
	return old;
}
