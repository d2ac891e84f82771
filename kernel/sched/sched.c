/*
 * The scheduler: round robin over runnable threads on the one vCPU.
 *
 * A thread gives up the CPU inside a system call (sched_wait, sched_yield,
 * exit) or when the timer preempts it in program code. The timer runs only
 * when something needs it: a second runnable thread (a time slice) or a
 * sleeper's deadline; each interrupt costs 20-35 us under PVM, so one
 * runnable thread and no deadline means no interrupts at all. With nothing
 * runnable the vCPU halts until the next deadline.
 */
#include <husk/bootinfo.h>
#include <husk/x86.h>
#include "../arch/x86_64/lapic.h"
#include "../clock.h"
#include "../console.h"
#include "../irq.h"
#include "../lib.h"
#include "../net/net.h"
#include "../platform.h"
#include "../sys/syscall.h"
#include "futex.h"
#include "thread.h"

#define SLICE_NS 10000000 /* 10 ms */

struct thread *current, *thread_list;
volatile int need_resched;

static int timer_state;      /* 0: not probed, 1: LAPIC timer, -1: none */
static uint64_t timer_armed; /* monotonic ns it fires at, 0: off */
static volatile uint8_t idle_woken;
static uint64_t cpu_fs, cpu_gs; /* the bases loaded in the CPU */

void husk_cpu_idle(volatile uint8_t *woken);
void call_on_stack(uint64_t sp, void (*fn)(void *), void *arg)
	__attribute__((noreturn));
void husk_trap_resume(struct husk_trap_frame *f) __attribute__((noreturn));
extern struct husk_trap_frame husk_trap_frame_area;

/* The LAPIC is set up on first need: its calibration costs a millisecond
 * that a one-thread program that never sleeps should not pay at boot. */
static int timer_ok(void)
{
	if (!timer_state)
		timer_state = lapic_init() ? 1 : -1;
	return timer_state > 0;
}

void sched_tick(void)
{
	timer_armed = 0;
	need_resched = 1;
}

/* Any interrupt taken in ring 3 may have made a thread runnable (a host
 * signal, later a device): an idle() about to halt must not. */
void sched_interrupted(void)
{
	idle_woken = 1;
}

void sched_set_base(uint32_t msr, uint64_t v)
{
	if (msr == MSR_FS_BASE)
		cpu_fs = v;
	else
		cpu_gs = v;
	if (boot_info->cpu_features & HUSK_CPU_FSGSBASE) {
		if (msr == MSR_FS_BASE)
			__asm__ volatile("wrfsbase %0" : : "r"(v));
		else
			__asm__ volatile("wrgsbase %0" : : "r"(v));
		return;
	}
	husk_wrmsr(msr, v);
}

static void arm_timer(void);

static int runnable_count(void)
{
	int n = 0;

	for (struct thread *t = thread_list; t; t = t->next)
		n += t->state == T_RUNNABLE;
	return n;
}

static uint64_t earliest_deadline(void)
{
	uint64_t d = deadline_min(timers_next(),
				  net_next_deadline ? net_next_deadline() : 0);

	for (struct thread *t = thread_list; t; t = t->next)
		if (t->state == T_BLOCKED && t->deadline &&
		    (!d || t->deadline < d))
			d = t->deadline;
	return d;
}

static void unblock(struct thread *t, int reason)
{
	if (t->wq) {
		struct thread **p = &t->wq->first;
		while (*p && *p != t)
			p = &(*p)->wnext;
		if (*p)
			*p = t->wnext;
		t->wq = 0;
	}
	t->wnext = 0;
	t->deadline = 0;
	t->wake_reason = reason;
	t->state = T_RUNNABLE;
}

void sched_unblock(struct thread *t, int reason)
{
	if (t->state == T_BLOCKED)
		unblock(t, reason);
}

static void wake_expired(void)
{
	uint64_t now = clock_monotonic_ns();

	timers_expire(now);
	if (net_poll)
		net_poll(now);
	for (struct thread *t = thread_list; t; t = t->next)
		if (t->state == T_BLOCKED && t->deadline && now >= t->deadline)
			unblock(t, -ETIMEDOUT);
}

/* A signal timer was armed or disarmed: the next deadline may be earlier
 * (an expiry while the thread runs is seen at the timer's tick). */
void sched_timers_changed(void)
{
	arm_timer();
}

/* Fires at the next deadline, or at the end of the slice when another
 * thread is waiting to run; off when neither. Touches the LAPIC (an exit)
 * only when that changes. */
static void arm_timer(void)
{
	uint64_t now, want = 0, d;

	if (!timer_ok())
		return;
	now = clock_monotonic_ns();
	if (runnable_count() >= 2)
		want = now + SLICE_NS;
	d = earliest_deadline();
	if (d && (!want || d < want))
		want = d;
	if (timer_armed && want && timer_armed > now && timer_armed <= want)
		return; /* fires first anyway; the tick re-arms */
	if (!want) {
		if (timer_armed)
			lapic_timer_set(0);
		timer_armed = 0;
		return;
	}
	lapic_timer_set(want > now ? want - now : 1);
	timer_armed = want;
}

/* Nothing to run: halt until an interrupt (the deadline's timer), unless
 * one came since schedule() looked (idle_woken). */
static void idle(void)
{
	uint64_t d = earliest_deadline();

	if (d && !timer_ok()) {
		while (clock_monotonic_ns() < d)
			__asm__ volatile("pause");
		return;
	}
	platform->console_flush();
	arm_timer();
	husk_cpu_idle(&idle_woken);
	irq_drain();
}

static struct thread *pick_next(void)
{
	struct thread *t = current;

	for (;;) {
		t = t->next ? t->next : thread_list;
		if (t->state == T_RUNNABLE)
			return t;
		if (t == current)
			return 0;
	}
}

static struct thread *zombie;

/* A dead thread's stack is freed by the next thread to run, not by itself. */
static void reap(void)
{
	struct thread *z = zombie, **p;

	if (!z || z == current)
		return;
	zombie = 0;
	for (p = &thread_list; *p; p = &(*p)->next)
		if (*p == z) {
			*p = z->next;
			break;
		}
	thread_free(z);
}

static void switch_to(struct thread *next)
{
	struct thread *prev = current;

	if (prev->state == T_DEAD) {
		zombie = prev;
	} else {
		fpu_save(prev->fpu);
		if (boot_info->cpu_features & HUSK_CPU_FSGSBASE)
			__asm__ volatile("rdfsbase %0" : "=r"(prev->fs_base));
	}
	current = next;
	husk_kstack_top = next->kstack_top;
	if (next->fs_base != cpu_fs)
		sched_set_base(MSR_FS_BASE, next->fs_base);
	if (next->gs_base != cpu_gs)
		sched_set_base(MSR_GS_BASE, next->gs_base);
	fpu_restore(next->fpu);
	sched_switch(&prev->ksp, next->ksp);
	reap();
}

static void schedule(void)
{
	struct thread *next;

	need_resched = 0;
	for (;;) {
		/* Reset before looking: an interrupt from here on (which may
		 * wake a thread) makes the halt below return at once. */
		idle_woken = 0;
		irq_raise_host_signals();
		wake_expired();
		next = pick_next();
		if (next)
			break;
		idle();
	}
	if (next != current)
		switch_to(next);
	arm_timer();
}

/* A new thread's first moment: its frame is on its own stack. */
void thread_start(struct husk_trap_frame *f)
{
	reap();
	arm_timer();
	husk_trap_resume(f);
}

/* A signal the thread would take, or one it waits for in sigtimedwait,
 * interrupts the wait before it starts. */
static int interrupted(void)
{
	return signal_deliverable(current) ||
	       (signal_pending_mask() & current->sigwait);
}

int sched_block(uint64_t deadline)
{
	if (interrupted())
		return -EINTR;
	current->state = T_BLOCKED;
	current->deadline = deadline;
	current->wake_reason = 0;
	schedule();
	return current->wake_reason;
}

int sched_wait(struct waitq *q, uint64_t deadline)
{
	struct thread **p = &q->first;

	if (interrupted())
		return -EINTR;
	while (*p)
		p = &(*p)->wnext;
	*p = current;
	current->wq = q;
	current->wnext = 0;
	return sched_block(deadline);
}

int sched_wake(struct waitq *q, int n)
{
	int woken = 0;

	while (q->first && (n < 0 || woken < n)) {
		unblock(q->first, 0);
		woken++;
	}
	return woken;
}

void sched_yield(void)
{
	schedule();
}

void sched_exit_current(void)
{
	current->state = T_DEAD;
	schedule();
	__builtin_unreachable(); /* a dead thread is never picked again */
}

void sched_preempt_point(void)
{
	if (need_resched)
		schedule();
}

static void preempted(void *arg)
{
	struct husk_trap_frame *copy = arg;

	husk_trap_frame_area.busy = 0; /* off the trap stack: free it */
	irq_drain();
	schedule();
	rseq_fixup(current, copy);
	signal_at_trap_return(copy);
	husk_trap_resume(copy);
}

void sched_preempt(struct husk_trap_frame *f)
{
	struct husk_trap_frame *copy = (struct husk_trap_frame *)
		ALIGN_DOWN(current->kstack_top - sizeof(*f), 16);

	memcpy(copy, f, sizeof(*f));
	call_on_stack((uint64_t)copy, preempted, copy);
}

/* A new thread may need the slice timer. */
void sched_thread_added(void)
{
	arm_timer();
}

/* execve replaces the whole program: the other threads vanish where they
 * wait (they are all parked in sched_switch). */
void thread_kill_others(void)
{
	struct thread **p = &thread_list;

	reap();
	while (*p) {
		struct thread *t = *p;
		if (t == current) {
			p = &t->next;
			continue;
		}
		sched_unblock(t, 0);
		futex_forget(t);
		*p = t->next;
		thread_free(t);
	}
	arm_timer();
}

/* A tick landed in the library OS where it cannot switch: try again in a
 * millisecond (a system call switches when it returns anyway). */
void sched_retry_soon(void)
{
	if (!timer_armed && runnable_count() >= 2 && timer_ok()) {
		lapic_timer_set(1000000);
		timer_armed = clock_monotonic_ns() + 1000000;
	}
}
