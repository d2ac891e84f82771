/*
 * Every exception reaches husk_trap() in ring 3 (entry.S copied the frame).
 * Foundation policy: a fault is fatal. Print what happened, where
 * (symbolized), the registers and a backtrace, then end the VM with
 * 128 + the signal a Linux process would have received, as a shell reports.
 */
#include <husk/abi.h>
#include <husk/image.h>
#include <husk/x86.h>
#include "backtrace.h"
#include "console.h"
#include "lib.h"
#include "platform.h"
#include "syms.h"
#include "vm.h"
#include "sys/calls.h"
#include "sys/syscall.h"
#include "irq.h"
#include "mm/vma.h"
#include "sched/thread.h"
#include "sys/signal.h"


extern char __r3_stack_bottom[], __r3_stack_top[];
extern char husk_syscall_entry[];
extern char __text_start[], __text_end[];
extern char husk_cpu_idle_entry[] __asm__("husk_cpu_idle");
extern char husk_idle_site[], husk_idle_out[];
extern char husk_resume_check[], husk_resume_tail[], husk_resume_ret[];
extern char husk_pending_site[];
void husk_trap_resume(struct husk_trap_frame *f) __attribute__((noreturn));

struct husk_trap_frame husk_trap_frame_area __attribute__((aligned(4096)));

static const char *const names[32] = {
	"divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)",
	"overflow (#OF)", "bound range (#BR)", "invalid opcode (#UD)",
	"device not available (#NM)", "double fault (#DF)", "coprocessor segment overrun",
	"invalid TSS (#TS)", "segment not present (#NP)", "stack fault (#SS)",
	"general protection (#GP)", "page fault (#PF)", "reserved 15",
	"x87 floating point (#MF)", "alignment check (#AC)", "machine check (#MC)",
	"SIMD floating point (#XM)", "virtualization (#VE)", "control protection (#CP)",
};

static int signal_of(uint64_t vector)
{
	switch (vector) {
	case 0: case 16: case 19: return SIGFPE;
	case 1: case 3: return SIGTRAP;
	case 6: return SIGILL;
	case 11: case 12: case 17: return SIGBUS;
	default: return SIGSEGV;
	}
}

/* Program code: which file it came from and where in it, as a debugger
 * would need it (addr2line -e FILE OFFSET). */
static void print_object(uint64_t rip)
{
	const struct vma *v = vma_find(rip);

	if (!v || (rip >= (uint64_t)__text_start && rip < (uint64_t)__text_end))
		return;
	if (v->name)
		kprintf("husk:   in %s+0x%lx (file offset)\n", v->name,
			v->off + (rip - v->start));
	else if (v->flags & VMA_TRAMPOLINES)
		kprintf("husk:   in the system-call trampolines of 0x%lx-0x%lx\n",
			v->owner_lo, v->owner_hi);
	else
		kprintf("husk:   in an anonymous mapping 0x%lx-0x%lx\n", v->start, v->end);
}

static void print_registers(const struct husk_trap_frame *f)
{
	kprintf("husk:   rax %016lx rbx %016lx rcx %016lx rdx %016lx\n",
		f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("husk:   rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n",
		f->rsi, f->rdi, f->rbp, f->rsp);
	kprintf("husk:   r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n",
		f->r8, f->r9, f->r10, f->r11);
	kprintf("husk:   r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n",
		f->r12, f->r13, f->r14, f->r15);
	kprintf("husk:   rip %016lx rflags %08lx cs %04lx ss %04lx cr2 %016lx\n",
		f->rip, f->rflags, f->cs, f->ss, f->cr2);
}

static void describe(const struct husk_trap_frame *f)
{
	if (f->vector == VEC_PF) {
		kprintf("husk:   %s %s address 0x%lx (%s)\n",
			f->error & 2 ? "write to" : (f->error & 16 ? "execute at" : "read from"),
			f->error & 1 ? "protected" : "unmapped", f->cr2,
			f->error & 4 ? "user" : "supervisor");
		if (f->cr2 < (uint64_t)__r3_stack_bottom &&
		    f->cr2 >= (uint64_t)__r3_stack_bottom - 4096)
			kprintf("husk:   (stack overflow: the guard page below the stack)\n");
		else if (f->cr2 < 4096)
			kprintf("husk:   (NULL pointer dereference)\n");
	} else if (f->vector == 13 && (f->error & 3) == 2 &&
		   ((f->error >> 3) == 0x80 || (f->error >> 4) == 0x80)) {
		/* IDT vector 0x80 (AMD's SVM reports it as a byte offset) */
		kprintf("husk:   int $0x80 (the 32-bit system call) is not supported: "
			"build the program for x86_64, whose system calls use SYSCALL\n");
	} else if (f->error) {
		kprintf("husk:   error code 0x%lx\n", f->error);
	}
}

/* si_code and si_addr of a fault's signal, as Linux fills them in. */
static int fault_code(const struct husk_trap_frame *f)
{
	switch (f->vector) {
	case VEC_PF: return (f->error & 1) ? 2 : 1; /* SEGV_ACCERR : MAPERR */
	case 0: return 1;                          /* FPE_INTDIV */
	case 6: return 2;                          /* ILL_ILLOPN */
	case 3: case 1: return 1;                  /* TRAP_BRKPT */
	case 17: return 1;                         /* BUS_ADRALN */
	case 16: case 19: return 7;                /* FPE_FLTINV */
	default: return SI_KERNEL;                 /* #GP and the rest */
	}
}

static uint64_t fault_addr(const struct husk_trap_frame *f)
{
	if (f->vector == VEC_PF)
		return f->cr2;
	if (f->vector == 13 || f->vector == 12)
		return 0;
	return f->rip;
}

/*
 * A SYSCALL that was not rewritten. On hardware KVM it entered ring 0 at
 * LSTAR and arrives as HUSK_VEC_SYSCALL; under PVM it stayed in ring 3 and
 * faulted on LSTAR's supervisor page. Either way rcx holds the address
 * after the instruction: resume the program in husk_syscall_slow, which
 * runs the call like any other and returns there.
 */
static int is_syscall(const struct husk_trap_frame *f)
{
	return f->vector == HUSK_VEC_SYSCALL ||
	       (f->vector == VEC_PF && f->rip == (uint64_t)husk_syscall_entry);
}

/*
 * husk_trap_resume writes 32 bytes below the target's red zone. When the
 * stack has not reached those pages yet, supply them first; 0 when they
 * cannot be (the caller reports the fault instead of faulting again).
 */
static int resumable(const struct husk_trap_frame *f)
{
	uint64_t lo = f->rsp - 128 - 32, pa;
	unsigned prot;

	/* The library OS's own stacks (the image's, threads' in the heap)
	 * are always there. */
	if (!vm_program_space(lo, f->rsp - lo))
		return 1;
	for (uint64_t a = lo; a < f->rsp; a = (a | 4095) + 1)
		if (!vm_query(a, &pa, &prot) && !mm_fault(a, 4 | 2))
			return 0;
	return 1;
}

/*
 * f stopped inside the last steps of husk_trap_resume, after the frame was
 * released: finish them here (the four values it left under the target's
 * red zone), so that f is the program's own context again.
 */
static void finish_resume(struct husk_trap_frame *f)
{
	const uint64_t *sp = (const uint64_t *)f->rsp;
	uint64_t rip = f->rip, t = (uint64_t)husk_resume_tail;
	int done;

	if ((rip >= (uint64_t)husk_resume_check && rip <= t) ||
	    (rip >= (uint64_t)husk_pending_site && rip < (uint64_t)husk_pending_site + 4))
		done = 0;
	else if (rip == t + 1 || rip == t + 2 || rip == (uint64_t)husk_resume_ret)
		done = (int)(rip - t);
	else
		return;
	if (done < 1)
		f->rdi = *sp++;
	if (done < 2)
		f->rax = *sp++;
	if (done < 3)
		f->rflags = *sp++;
	f->rip = *sp++;
	f->rsp = (uint64_t)sp + 128;
}

static int in_library_os(uint64_t rip)
{
	return rip >= (uint64_t)__text_start && rip < (uint64_t)__text_end;
}

/*
 * Every way back to ring 3 from a trap: take the interrupts that arrived
 * meanwhile, then resume f, unless the timer asked for a switch and f is
 * program code (the library OS itself is never preempted: a system call
 * switches when it returns, elsewhere the timer retries shortly).
 */
static void __attribute__((noreturn)) trap_return(struct husk_trap_frame *f)
{
	irq_drain();
	finish_resume(f);
	if (f->rip > (uint64_t)husk_cpu_idle_entry && f->rip <= (uint64_t)husk_idle_site)
		f->rip = (uint64_t)husk_idle_out; /* woken before the hlt */
	if (!in_library_os(f->rip))
		irq_raise_host_signals();
	if (need_resched && !in_library_os(f->rip) && resumable(f))
		sched_preempt(f);
	if (need_resched)
		sched_retry_soon();
	signal_at_trap_return(f);
	husk_trap_resume(f);
}

/*
 * The report's first line, the one a host keeps as the container's error
 * (lib/container_console.c): a fault in the program's code says so, with
 * the signal that ends it; any other is the library OS's own, fatal.
 */
static void print_headline(const struct husk_trap_frame *f)
{
	uint64_t vector = f->vector;
	const char *what = vector < 32 && names[vector] ? names[vector] :
		"unexpected interrupt";

	if ((f->cs & 3) && vector < 32 && !in_library_os(f->rip))
		kprintf("husk: program fault: %s, %s, vector %lu, at ",
			signal_name(signal_of(vector)), what, vector);
	else
		kprintf("husk: fatal: %s, vector %lu, at ", what, vector);
	backtrace_print_addr(f->rip);
	kprintf("\n");
}

void husk_trap(struct husk_trap_frame *f)
{
	uint64_t vector = f->vector;

	if (vector >= 32 && vector != HUSK_VEC_SYSCALL) {
		irq_take(vector);
		trap_return(f);
	}
	if (vector == VEC_UD && f->rip == (uint64_t)husk_pending_site)
		trap_return(f); /* an interrupt recorded at the last moment */
	if (is_syscall(f) && resumable(f)) {
		f->rip = (uint64_t)husk_syscall_slow;
		trap_return(f);
	}
	/* First touch of an anonymous page (mmap, the stack): supply it. */
	if (vector == VEC_PF && (f->cs & 3) && mm_fault(f->cr2, f->error) &&
	    resumable(f))
		trap_return(f);
	if ((f->cs & 3) && vector < 32 && !in_library_os(f->rip) &&
	    signal_fault(f, signal_of(vector), fault_code(f), fault_addr(f)))
		trap_return(f); /* the program's handler */
	platform->console_flush();
	print_headline(f);
	print_object(f->rip);
	describe(f);
	print_registers(f);
	backtrace_print(f->rip, f->rbp);
	platform->exit(128 + signal_of(vector), HUSK_EXIT_FAULT,
		       (unsigned)vector);
}
