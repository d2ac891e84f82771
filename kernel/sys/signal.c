/*
 * Signals: the action table, each thread's mask and alternate stack,
 * sending (kill, tgkill, tkill, the library OS's own raises) and waiting
 * (sigsuspend, pause, sigtimedwait). Delivery is in sigframe.c.
 *
 * Pending signals are one bit each (a second instance of a pending signal
 * is merged, as Linux does for the classic signals), per thread for those
 * sent to a thread, per process for the rest. A process-directed signal
 * goes to the calling thread when it does not block it, else to the first
 * thread that does not.
 */
#include "../clock.h"
#include "../lib.h"
#include "../sched/thread.h"
#include "calls.h"
#include "signal.h"

#define EINVAL 22
#define EAGAIN 11
#define ESRCH 3
#define ENOMEM 12
#define EPERM 1
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048

struct k_sigaction sig_actions[NSIG + 1];
static uint64_t proc_pending;
static struct ksiginfo proc_info[NSIG];

struct stack_t {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

/* Default action "ignore": dropped when sent, unless blocked. */
static int ignored_by_default(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
	       sig == SIGCONT || sig == SIGSTOP || sig == SIGTSTP ||
	       sig == SIGTTIN || sig == SIGTTOU;
}

static int ignored(int sig)
{
	uint64_t h = sig_actions[sig].handler;

	return h == SIG_IGN || (h == SIG_DFL && ignored_by_default(sig));
}

uint64_t signal_deliverable(const struct thread *t)
{
	return (t->sigpending | proc_pending) & ~t->sigmask;
}

uint64_t signal_pending_mask(void)
{
	return current->sigpending | proc_pending;
}

static struct thread *pick_target(uint64_t bit)
{
	if (!(current->sigmask & bit))
		return current;
	for (struct thread *t = thread_list; t; t = t->next)
		if (t->state != T_DEAD && !(t->sigmask & bit))
			return t;
	return 0;
}

static void wake_for(struct thread *t, uint64_t bit)
{
	if (t && t->state == T_BLOCKED && ((bit & ~t->sigmask) || (bit & t->sigwait)))
		sched_unblock(t, -EINTR);
}

void signal_send(struct thread *t, int sig, const struct ksiginfo *info)
{
	uint64_t bit = SIG_BIT(sig);
	struct ksiginfo zero = { 0 };

	if (sig == SIGKILL)
		signal_terminate(SIGKILL);
	if (ignored(sig) && !((t ? t : current)->sigmask & bit))
		return;
	if (!info)
		info = &zero;
	if (t) {
		if (!(t->sigpending & bit))
			t->siginfo[sig - 1] = *info;
		t->sigpending |= bit;
		wake_for(t, bit);
		signalfd_notify();
		return;
	}
	if (!(proc_pending & bit))
		proc_info[sig - 1] = *info;
	proc_pending |= bit;
	t = pick_target(bit);
	if (!t) /* blocked everywhere: a sigtimedwait may want it */
		for (t = thread_list; t && !(t->sigwait & bit); t = t->next)
			;
	wake_for(t, bit);
	signalfd_notify();
}

void signal_raise(int sig)
{
	struct ksiginfo info = { .code = SI_KERNEL };

	signal_send(current, sig, &info);
}

int signal_dequeue(uint64_t mask, struct ksiginfo *info)
{
	uint64_t own = current->sigpending & mask, any = own | (proc_pending & mask);
	int sig;

	if (!any)
		return 0;
	sig = __builtin_ctzll(own ? own : any) + 1;
	if (own) {
		*info = current->siginfo[sig - 1];
		current->sigpending &= ~SIG_BIT(sig);
	} else {
		*info = proc_info[sig - 1];
		proc_pending &= ~SIG_BIT(sig);
	}
	return sig;
}

uint64_t signal_swap_mask(uint64_t mask)
{
	uint64_t old = current->sigmask;

	current->sigmask = mask & ~SIG_UNBLOCKABLE;
	return old;
}

void signal_exec_reset(void)
{
	for (int sig = 1; sig <= NSIG; sig++)
		if (sig_actions[sig].handler != SIG_IGN)
			memset(&sig_actions[sig], 0, sizeof(sig_actions[sig]));
	current->altstack_flags = SS_DISABLE;
	current->altstack_sp = current->altstack_size = 0;
}

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
		*old = sig_actions[sig];
	if (act) {
		sig_actions[sig] = *act;
		sig_actions[sig].mask &= ~SIG_UNBLOCKABLE;
		if (ignored((int)sig)) { /* pending instances are dropped */
			proc_pending &= ~SIG_BIT(sig);
			for (struct thread *t = thread_list; t; t = t->next)
				t->sigpending &= ~SIG_BIT(sig);
		}
	}
	return 0;
}

long sys_rt_sigprocmask(const struct syscall_args *a)
{
	const uint64_t *set = (const uint64_t *)a->a[1];
	uint64_t *old = (uint64_t *)a->a[2], s, m = current->sigmask;

	if (a->a[3] != 8)
		return -EINVAL;
	if ((set && !user_range_ok((uint64_t)set, 8)) ||
	    (old && !user_range_ok((uint64_t)old, 8)))
		return -EFAULT;
	if (old)
		*old = m;
	if (!set)
		return 0;
	s = *set;
	switch (a->a[0]) {
	case SIG_BLOCK: m |= s; break;
	case SIG_UNBLOCK: m &= ~s; break;
	case SIG_SETMASK: m = s; break;
	default: return -EINVAL;
	}
	signal_swap_mask(m);
	return 0;
}

long sys_rt_sigpending(const struct syscall_args *a)
{
	uint64_t *set = (uint64_t *)a->a[0];

	if (a->a[1] != 8)
		return -EINVAL;
	if (!user_range_ok((uint64_t)set, 8))
		return -EFAULT;
	*set = signal_pending_mask();
	return 0;
}

static int on_altstack(uint64_t sp)
{
	return sp - current->altstack_sp < current->altstack_size;
}

long sys_sigaltstack(const struct syscall_args *a)
{
	const struct stack_t *ss = (const struct stack_t *)a->a[0];
	struct stack_t *old = (struct stack_t *)a->a[1];
	struct stack_t now = { current->altstack_sp, current->altstack_flags, 0,
			       current->altstack_size };

	if ((ss && !user_range_ok((uint64_t)ss, sizeof(*ss))) ||
	    (old && !user_range_ok((uint64_t)old, sizeof(*old))))
		return -EFAULT;
	if (!(now.flags & SS_DISABLE) && on_altstack(a->user_rsp))
		now.flags = SS_ONSTACK;
	if (old)
		*old = now;
	if (ss) {
		if (now.flags == SS_ONSTACK)
			return -EPERM; /* in use */
		if (ss->flags & ~SS_DISABLE)
			return -EINVAL;
		if (!(ss->flags & SS_DISABLE) && ss->size < MINSIGSTKSZ)
			return -ENOMEM;
		current->altstack_flags = ss->flags;
		current->altstack_sp = ss->flags ? 0 : ss->sp;
		current->altstack_size = ss->flags ? 0 : ss->size;
	}
	return 0;
}

/* kill(2): this process is pid 1 (0 and -1 name it too). */
long sys_kill(const struct syscall_args *a)
{
	long pid = (int)a->a[0], sig = (int)a->a[1];
	struct ksiginfo info = { .code = SI_USER, .pid = 1 };

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (pid != 1 && pid != 0 && pid != -1)
		return -ESRCH;
	if (sig)
		signal_send(0, (int)sig, &info);
	return 0;
}

static long thread_kill(long tid, long sig)
{
	struct thread *t = thread_find((int)tid);
	struct ksiginfo info = { .code = SI_TKILL, .pid = 1 };

	if (sig < 0 || sig > NSIG || tid <= 0)
		return -EINVAL;
	if (!t)
		return -ESRCH;
	if (sig)
		signal_send(t, (int)sig, &info);
	return 0;
}

long sys_tgkill(const struct syscall_args *a)
{
	if ((int)a->a[0] != 1)
		return (int)a->a[0] <= 0 ? -EINVAL : -ESRCH;
	return thread_kill((int)a->a[1], (int)a->a[2]);
}

long sys_tkill(const struct syscall_args *a)
{
	return thread_kill((int)a->a[0], (int)a->a[1]);
}

/* Waits for a signal to run its handler; the mask in force meanwhile is
 * mask, and the handler's return restores the caller's (sigframe.c). */
static long suspend_with(uint64_t mask)
{
	if (!current->has_saved_mask) {
		current->saved_mask = current->sigmask;
		current->has_saved_mask = 1;
	}
	signal_swap_mask(mask);
	while (!signal_deliverable(current))
		sched_block(0);
	return -EINTR;
}

long sys_rt_sigsuspend(const struct syscall_args *a)
{
	const uint64_t *set = (const uint64_t *)a->a[0];

	if (a->a[1] != 8)
		return -EINVAL;
	if (!user_range_ok((uint64_t)set, 8))
		return -EFAULT;
	return suspend_with(*set);
}

long sys_pause(const struct syscall_args *a)
{
	(void)a;
	while (!signal_deliverable(current))
		sched_block(0);
	return -EINTR;
}

void siginfo_fill(void *dst, int sig, const struct ksiginfo *ki);

struct timespec64 {
	int64_t sec, nsec;
};

long sys_rt_sigtimedwait(const struct syscall_args *a)
{
	uint64_t set = 0, deadline = 0;
	void *info = (void *)a->a[1];
	const struct timespec64 *ts = (const struct timespec64 *)a->a[2];
	struct ksiginfo ki;
	int sig, r;

	if (a->a[3] != 8)
		return -EINVAL;
	if (!user_range_ok((uint64_t)a->a[0], 8) ||
	    (info && !user_range_ok((uint64_t)info, 128)) ||
	    (ts && !user_range_ok((uint64_t)ts, sizeof(*ts))))
		return -EFAULT;
	set = *(const uint64_t *)a->a[0] & ~SIG_UNBLOCKABLE;
	if (ts) {
		if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= 1000000000)
			return -EINVAL;
		deadline = clock_monotonic_ns() + (uint64_t)ts->sec * 1000000000 +
			   (uint64_t)ts->nsec;
	}
	for (;;) {
		sig = signal_dequeue(set, &ki);
		if (sig) {
			if (info)
				siginfo_fill(info, sig, &ki);
			return sig;
		}
		if (signal_deliverable(current))
			return -EINTR; /* another signal runs its handler */
		if (ts && !ts->sec && !ts->nsec)
			return -EAGAIN;
		current->sigwait = set;
		r = sched_block(deadline);
		current->sigwait = 0;
		if (r == -ETIMEDOUT)
			return -EAGAIN;
	}
}
