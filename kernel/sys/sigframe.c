/*
 * Running a signal handler and coming back from it, with the frame Linux
 * builds on x86_64 (struct rt_sigframe: the restorer's address, a
 * ucontext with the interrupted registers and mask, the siginfo, then the
 * FPU/SIMD state), so that handlers that read their ucontext and
 * libraries that unwind through signal frames work unchanged.
 */
#include <husk/x86.h>
#include "../console.h"
#include "../lib.h"
#include "../platform.h"
#include "../sched/thread.h"
#include "calls.h"
#include "signal.h"
#include "syscall.h"
#include "../loader/rewrite.h"

#define RFLAGS_TF (1u << 8)
#define RFLAGS_DF (1u << 10)
#define UC_SIGCONTEXT_SS 2
#define UC_STRICT_RESTORE_SS 4
#define SS_ONSTACK 1
#define SS_DISABLE 2

void husk_trap_resume(struct husk_trap_frame *f) __attribute__((noreturn));
extern char __text_start[], __text_end[];

struct sigcontext64 {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved[8];
};

struct ucontext64 {
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	struct sigcontext64 mc;
	uint64_t sigmask;
};

struct siginfo64 {
	int32_t signo, errno_, code, pad;
	union {
		struct { int32_t pid; uint32_t uid; } kill;
		struct { int32_t tid, overrun; uint64_t value; } timer;
		struct { uint64_t addr; } fault;
		uint8_t raw[112];
	} u;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext64 uc;
	struct siginfo64 info;
};

_Static_assert(sizeof(struct sigcontext64) == 256, "sigcontext");
_Static_assert(sizeof(struct siginfo64) == 128, "siginfo");

static const char *const names[NSIG + 1] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGCHLD] = "SIGCHLD", [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
	[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGSYS] = "SIGSYS",
};

const char *signal_name(int sig)
{
	return sig > 0 && sig <= NSIG && names[sig] ? names[sig] : "signal";
}

void siginfo_fill(void *dst, int sig, const struct ksiginfo *ki)
{
	struct siginfo64 *si = dst;

	memset(si, 0, sizeof(*si));
	si->signo = sig;
	si->code = ki->code;
	si->errno_ = ki->errno_;
	if (ki->code == SI_TIMER) {
		si->u.timer.tid = ki->timerid;
		si->u.timer.overrun = ki->overrun;
		si->u.timer.value = ki->addr;
	} else if (ki->code <= 0) {
		si->u.kill.pid = ki->pid;
	} else if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
		   sig == SIGFPE || sig == SIGTRAP) {
		si->u.fault.addr = ki->addr;
	}
}

/* Default actions that end the program; the rest are "ignore". */
static int terminates(int sig)
{
	return !(sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
		 sig == SIGCONT || (sig >= SIGSTOP && sig <= SIGTTOU));
}

void signal_terminate(int sig)
{
	platform->console_flush();
	kprintf("husk: program terminated by %s (%d)\n", signal_name(sig), sig);
	platform->exit(128 + sig, HUSK_EXIT_SIGNAL, (unsigned)sig);
}

static void to_sigcontext(const struct husk_trap_frame *f, struct sigcontext64 *mc)
{
	mc->r8 = f->r8; mc->r9 = f->r9; mc->r10 = f->r10; mc->r11 = f->r11;
	mc->r12 = f->r12; mc->r13 = f->r13; mc->r14 = f->r14; mc->r15 = f->r15;
	mc->rdi = f->rdi; mc->rsi = f->rsi; mc->rbp = f->rbp; mc->rbx = f->rbx;
	mc->rdx = f->rdx; mc->rax = f->rax; mc->rcx = f->rcx; mc->rsp = f->rsp;
	mc->rip = f->rip; mc->eflags = f->rflags;
	mc->cs = GDT_USER_CS;
	mc->ss = GDT_USER_DS;
	mc->err = f->vector < 32 ? f->error : 0;
	mc->trapno = f->vector < 32 ? f->vector : 0;
	mc->cr2 = f->vector == VEC_PF ? f->cr2 : 0;
}

static void from_sigcontext(const struct sigcontext64 *mc, struct husk_trap_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->r8 = mc->r8; f->r9 = mc->r9; f->r10 = mc->r10; f->r11 = mc->r11;
	f->r12 = mc->r12; f->r13 = mc->r13; f->r14 = mc->r14; f->r15 = mc->r15;
	f->rdi = mc->rdi; f->rsi = mc->rsi; f->rbp = mc->rbp; f->rbx = mc->rbx;
	f->rdx = mc->rdx; f->rax = mc->rax; f->rcx = mc->rcx; f->rsp = mc->rsp;
	f->rip = mc->rip; f->rflags = (mc->eflags & 0xcd5) | RFLAGS_FIXED;
	f->cs = GDT_USER_CS;
	f->ss = GDT_USER_DS;
}

/*
 * Sets f up to enter the handler of sig: the frame goes below the red
 * zone (or on the alternate stack), the interrupted context, mask and FPU
 * state into it. 0 when the stack cannot take it.
 */
static int setup_frame(struct husk_trap_frame *f, int sig,
		       const struct ksiginfo *ki, const struct k_sigaction *act)
{
	struct thread *t = current;
	uint64_t sp = f->rsp - 128, fp;
	struct rt_sigframe *fr;

	if ((act->flags & SA_ONSTACK) && !(t->altstack_flags & SS_DISABLE) &&
	    f->rsp - t->altstack_sp >= t->altstack_size)
		sp = t->altstack_sp + t->altstack_size;
	fp = ALIGN_DOWN(sp - 4096, 64); /* room for the FPU/SIMD state */
	sp = ALIGN_DOWN(fp - sizeof(*fr), 16) - 8; /* as after a call */
	if (!user_range_ok(sp, fp + 4096 - sp))
		return 0;
	fr = (struct rt_sigframe *)sp;
	fpu_save((uint8_t *)fp);
	memset(&fr->uc, 0, sizeof(fr->uc));
	fr->pretcode = act->restorer;
	fr->uc.flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	fr->uc.ss_sp = t->altstack_sp;
	fr->uc.ss_flags = t->altstack_flags;
	fr->uc.ss_size = t->altstack_size;
	to_sigcontext(f, &fr->uc.mc);
	fr->uc.mc.fpstate = fp;
	fr->uc.mc.oldmask = t->has_saved_mask ? t->saved_mask : t->sigmask;
	fr->uc.sigmask = fr->uc.mc.oldmask;
	siginfo_fill(&fr->info, sig, ki);
	f->rip = act->handler;
	f->rsp = sp;
	f->rdi = (uint64_t)sig;
	f->rsi = (uint64_t)&fr->info;
	f->rdx = (uint64_t)&fr->uc;
	f->rax = 0;
	f->rflags &= ~(uint64_t)(RFLAGS_DF | RFLAGS_TF);
	return 1;
}

/*
 * Takes one deliverable signal into f: 1 when f now runs a handler, 0
 * when there was none to run (ignored ones are dropped on the way).
 */
static int deliver_one(struct husk_trap_frame *f)
{
	struct ksiginfo ki;
	struct k_sigaction *act;
	int sig;

	while ((sig = signal_dequeue(signal_deliverable(current), &ki))) {
		act = &sig_actions[sig];
		if (act->handler == SIG_IGN)
			continue;
		if (act->handler == SIG_DFL) {
			if (terminates(sig))
				signal_terminate(sig);
			continue;
		}
		if (!setup_frame(f, sig, &ki, act)) {
			kprintf("husk: no stack to run the %s handler on (rsp %#lx)\n",
				signal_name(sig), f->rsp);
			signal_terminate(SIGSEGV);
		}
		current->sigmask |= act->mask;
		if (!(act->flags & SA_NODEFER))
			current->sigmask |= SIG_BIT(sig);
		current->sigmask &= ~SIG_UNBLOCKABLE;
		current->has_saved_mask = 0;
		if (act->flags & SA_RESETHAND)
			act->handler = SIG_DFL;
		return 1;
	}
	if (current->has_saved_mask) { /* sigsuspend without a handler run */
		current->sigmask = current->saved_mask;
		current->has_saved_mask = 0;
	}
	return 0;
}

void signal_at_trap_return(struct husk_trap_frame *f)
{
	if (signal_deliverable(current) &&
	    !(f->rip >= (uint64_t)__text_start && f->rip < (uint64_t)__text_end))
		deliver_one(f);
}

/* The calls a handler with SA_RESTART must not restart (Linux returns
 * EINTR from these whatever the flags). */
static int never_restarted(long nr)
{
	switch (nr) {
	case 7: case 23: case 34: case 35: case 130: case 128: case 230:
	case 232: case 270: case 271: case 281: case 441:
		return 1;
	default:
		return 0;
	}
}

/* The address of the `call husk_syscall_enter` that returns to ret
 * (direct e8 rel32, or ff 15 disp32 through the trampoline area's
 * pointer), so that a restarted call goes through the same door. */
static uint64_t call_site(uint64_t ret)
{
	const uint8_t *p = (const uint8_t *)ret;

	if (p[-5] == 0xe8)
		return ret - 5;
	if (p[-6] == 0xff && p[-5] == 0x15)
		return ret - 6;
	return 0;
}

extern __typeof__(rewrite_syscall_of) rewrite_syscall_of __attribute__((weak));

/*
 * Where the program's own `syscall` instruction is for this door call, and
 * the program's rsp there: the slow path pushed the address after it (and
 * skipped the red zone); a trampoline knows its site. 0 when unknown (the
 * frame then shows the door's return, which still resumes correctly).
 */
static uint64_t program_syscall(const struct syscall_args *a, uint64_t *rsp)
{
	uint64_t s = 0;

	if (a->ret == (uint64_t)husk_syscall_slow_ret) {
		s = *(const uint64_t *)(a->user_rsp + 8) - 2;
		*rsp = a->user_rsp + 8 + 8 + 128;
	} else if (rewrite_syscall_of) {
		s = rewrite_syscall_of(a->ret);
		*rsp = a->user_rsp + 8 + 128;
	}
	return s;
}

void signal_at_syscall_return(const struct syscall_args *a, long ret)
{
	struct husk_trap_frame f = { 0 };
	uint64_t restart, insn, rsp = 0;

	if (!signal_deliverable(current)) {
		if (current->has_saved_mask) {
			current->sigmask = current->saved_mask;
			current->has_saved_mask = 0;
		}
		return;
	}
	f.rdi = (uint64_t)a->a[0]; f.rsi = (uint64_t)a->a[1];
	f.rdx = (uint64_t)a->a[2]; f.r10 = (uint64_t)a->a[3];
	f.r8 = (uint64_t)a->a[4]; f.r9 = (uint64_t)a->a[5];
	f.rbx = a->rbx; f.rbp = a->rbp; f.r12 = a->r12; f.r13 = a->r13;
	f.r14 = a->r14; f.r15 = a->r15;
	f.rax = (uint64_t)ret;
	f.rcx = a->ret;
	f.r11 = a->rflags;
	f.rip = a->ret;
	f.rsp = a->user_rsp + 8;
	f.rflags = a->rflags;
	f.cs = GDT_USER_CS;
	f.ss = GDT_USER_DS;
	/* The program's context, as Linux shows it (musl's cancellation
	 * checks the interrupted rip against its own syscall instruction). */
	insn = program_syscall(a, &rsp);
	if (insn) {
		f.rip = f.rcx = insn + 2;
		f.rsp = rsp;
	}
	if (!deliver_one(&f))
		return;
	/* deliver_one saved rax = ret in the frame; with SA_RESTART an
	 * interrupted call is made again when the handler returns. */
	restart = insn ? insn : call_site(a->ret);
	if (ret == -EINTR && restart && !never_restarted(a->nr)) {
		struct rt_sigframe *fr = (struct rt_sigframe *)f.rsp;
		int sig = (int)f.rdi;
		if (sig_actions[sig].flags & SA_RESTART ||
		    (sig_actions[sig].handler == SIG_DFL)) {
			fr->uc.mc.rip = restart;
			fr->uc.mc.rax = (uint64_t)a->nr;
		}
	}
	husk_trap_resume(&f);
}

long sys_rt_sigreturn(const struct syscall_args *a)
{
	/* The handler's ret popped pretcode: the frame is 8 bytes below the
	 * rsp of the restorer's syscall, which is above the door's return
	 * address by what the trampoline or the slow path skipped. */
	uint64_t skip = a->ret == (uint64_t)husk_syscall_slow_ret ? 136 : 128;
	struct rt_sigframe *fr = (struct rt_sigframe *)(a->user_rsp + 8 + skip - 8);
	struct husk_trap_frame f;

	if (!user_range_ok((uint64_t)fr, sizeof(*fr))) {
		kprintf("husk: rt_sigreturn with no signal frame at %p\n", (void *)fr);
		signal_terminate(SIGSEGV);
	}
	from_sigcontext(&fr->uc.mc, &f);
	if (fr->uc.mc.fpstate && user_range_ok(fr->uc.mc.fpstate, 512) &&
	    !(fr->uc.mc.fpstate & 63))
		fpu_restore((const uint8_t *)fr->uc.mc.fpstate);
	signal_swap_mask(fr->uc.sigmask);
	if (signal_deliverable(current))
		deliver_one(&f);
	husk_trap_resume(&f);
}

/*
 * A fault in program code: the program's handler runs when it has one and
 * does not block the signal; otherwise (0) the caller prints the report
 * and the program ends with 128 + sig.
 */
int signal_fault(struct husk_trap_frame *f, int sig, int code, uint64_t addr)
{
	struct k_sigaction *act = &sig_actions[sig];
	struct ksiginfo ki = { .code = code, .addr = addr,
			       .trapno = (int32_t)f->vector };

	if (act->handler == SIG_DFL || act->handler == SIG_IGN ||
	    (current->sigmask & SIG_BIT(sig)))
		return 0;
	if (!setup_frame(f, sig, &ki, act))
		return 0;
	current->sigmask |= act->mask;
	if (!(act->flags & SA_NODEFER))
		current->sigmask |= SIG_BIT(sig);
	current->sigmask &= ~SIG_UNBLOCKABLE;
	if (act->flags & SA_RESETHAND)
		act->handler = SIG_DFL;
	return 1;
}
