/*
 * Ring-0 entry stubs and the few ring-3 instructions that need them.
 *
 * Ring 0 does as little as it can, because under PVM each ring-0
 * instruction is emulated (~0.5 us): an exception or interrupt is copied
 * into the user-visible struct husk_trap_frame and handed to the ring-3
 * handler with iretq. Two #GP sites are services rather than faults: ring 3
 * idles by executing `hlt` at husk_idle_site, flushes a TLB entry with
 * `invlpg` at husk_invlpg_site, the whole TLB with `mov %cr3, %rax` at
 * husk_flush_site (4 bytes after it), and sets the FS or GS base with
 * `wrmsr` at husk_wrmsr_site (8 bytes after it); ring 0 performs the
 * instruction (for wrmsr only on those two MSRs).
 *
 * Nothing here may use the instructions PLATFORM.md lists as fatal in ring
 * 0 (scripts/check-ring0.sh enforces it on the linked image).
 */
#include <husk/abi.h>
#include <husk/image.h>
#include <husk/x86.h>

	.altmacro

/* The end of a #GP service: restore the two scratch registers, drop the
 * vector and error code, return to ring 3. A macro, not a shared tail:
 * under PVM every ring-0 instruction (a jmp too) costs ~0.5 us. */
.macro service_done
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq
.endm

/* Vectors for which the CPU pushes an error code. */
.macro vecstub n
	.balign 16
vec_\n:
	.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp trap_common
.endm

.macro vecaddr n
	.quad vec_\n
.endm

	.section .r0text, "ax"
	.code64

	.set i, 0
	.rept 256
	vecstub %i
	.set i, i + 1
	.endr

/* Stack: vector, error, rip, cs, rflags, rsp, ss. */
trap_common:
	cmpq $VEC_GP, (%rsp)
	je gp_service
	cmpq $32, (%rsp)
	jae irq
	jmp deliver

/* SMAP: ring 0 may touch the user-visible trap frame only between these. */
.macro user_access_on
	cmpb $0, __r0vars + R0_SMAP
	je 1f
	stac
1:
.endm
.macro user_access_off
	cmpb $0, __r0vars + R0_SMAP
	je 1f
	clac
1:
.endm

/*
 * An interrupt. From ring 3 outside its handler: delivered like a fault.
 * Otherwise (it woke the idle hlt in ring 0, or ring 3's handler is busy)
 * it is only recorded in the frame's pending bits, without EOI, and ring 3
 * takes it before it resumes anything. Vectors past 95 (the APIC's
 * spurious vector) need no EOI and are dropped.
 */
irq:
	pushq %rax
	pushq %rcx
	user_access_on
	movq __r0vars + R0_TRAP_FRAME, %rax
	testb $3, 40(%rsp)		/* cs: from ring 0, the idle hlt */
	jz 2f
	cmpq $0, TF_BUSY(%rax)
	je 3f
2:	movq 16(%rsp), %rcx		/* vector */
	subq $32, %rcx
	cmpq $64, %rcx
	jae 4f
	btsq %rcx, TF_PENDING(%rax)
4:	user_access_off
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq
3:	user_access_off
	popq %rcx
	popq %rax
	jmp deliver

/*
 * Ring 3 executed hlt or invlpg at one of the registered sites. Anything
 * else raising #GP is a fault and is delivered.
 */
gp_service:
	pushq %rax
	pushq %rbx
	movq $__r0vars, %rax
	movq 32(%rsp), %rbx		/* rip */
	cmpq R0_IDLE_SITE(%rax), %rbx
	je idle
	cmpq R0_INVLPG_SITE(%rax), %rbx
	je flush
	subq $4, %rbx			/* husk_flush_site = invlpg site + 4 */
	cmpq R0_INVLPG_SITE(%rax), %rbx
	je flush_all
	subq $4, %rbx			/* husk_wrmsr_site = invlpg site + 8 */
	cmpq R0_INVLPG_SITE(%rax), %rbx
	je set_base
	popq %rbx
	popq %rax
	jmp deliver
idle:
	incq 32(%rsp)			/* past the 1-byte hlt */
	popq %rbx
	popq %rax
	addq $16, %rsp
	sti
	hlt
	cli
	iretq
flush:
	invlpg (%rdi)
	addq $3, 32(%rsp)		/* past the 3-byte invlpg (%rdi) */
	service_done
/* wrmsr for the FS and GS bases only (TLS without FSGSBASE). */
set_base:
	cmpl $MSR_FS_BASE, %ecx
	je 1f
	cmpl $MSR_GS_BASE, %ecx
	je 1f
	popq %rbx
	popq %rax
	jmp deliver			/* any other MSR: a #GP like any other */
1:	movq 8(%rsp), %rax		/* rax as ring 3 left it */
	wrmsr
	addq $2, 32(%rsp)		/* past the 2-byte wrmsr */
	service_done
flush_all:
	movq %cr3, %rbx
	movq %rbx, %cr3
	addq $3, 32(%rsp)		/* past the 3-byte mov %cr3, %rax */
	service_done

/*
 * Push the registers so that the stack holds a struct husk_trap_frame up
 * to ss, copy it to the user-visible frame, and iretq to the ring-3 handler
 * on its own stack (a stack overflow must not fault again).
 */
deliver:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq $__r0vars, %rbx
	movq R0_TRAP_FRAME(%rbx), %rdi
	testb $3, TF_CS(%rsp)
	jz fatal			/* ring 0 itself faulted */
	cmpb $0, R0_SMAP(%rbx)
	je 1f
	stac
1:	cmpq $0, TF_BUSY(%rdi)
	jne fatal			/* the ring-3 handler faulted */
	.set off, 0
	.rept TF_CR2 / 8
	movq off(%rsp), %rax
	movq %rax, off(%rdi)
	.set off, off + 8
	.endr
	movq %cr2, %rax
	movq %rax, TF_CR2(%rdi)
	movq $1, TF_BUSY(%rdi)
	cmpb $0, R0_SMAP(%rbx)
	je 1f
	clac
1:	addq $TF_CR2, %rsp		/* drop the saved frame */
	pushq $GDT_USER_DS
	pushq R0_TRAP_STACK(%rbx)
	pushq $RFLAGS_FIXED | RFLAGS_IF
	pushq $GDT_USER_CS
	pushq R0_TRAP_ENTRY(%rbx)
	iretq

/*
 * No ring-3 handler can run: end the VM with reason "nested fault" and the
 * vector, through whichever exit port this platform has.
 */
fatal:
	movq TF_VECTOR(%rsp), %rcx
	movl $HUSK_STATUS_PANIC | (HUSK_EXIT_NESTED_FAULT << 8), %eax
	shll $16, %ecx
	orl %ecx, %eax
	movzwl R0_EXIT_PORT(%rbx), %edx
	cmpb $0, R0_QEMU(%rbx)
	jne 2f
	outl %eax, %dx
	jmp 3f
2:	movl $(HUSK_STATUS_PANIC & 0x7f), %eax
	outb %al, %dx
3:	cli
	hlt
	jmp 3b

/*
 * SYSCALL. Under PVM it stays in ring 3 and faults on this supervisor page
 * (the ring-3 handler recognises rip == husk_syscall_entry); on hardware
 * KVM it arrives here in ring 0 on the user's stack. Build the frame an
 * exception would have and deliver it as HUSK_VEC_SYSCALL.
 */
	.globl husk_syscall_entry
husk_syscall_entry:
	movq %rsp, __r0vars + R0_SCRATCH
	movq $__r0_stack_top, %rsp
	pushq $GDT_USER_DS
	pushq __r0vars + R0_SCRATCH
	pushq %r11			/* rflags */
	pushq $GDT_USER_CS
	pushq %rcx			/* rip */
	pushq $0
	pushq $HUSK_VEC_SYSCALL
	jmp deliver

	.section .rodata
	.balign 8
	.globl husk_vectors
husk_vectors:
	.set i, 0
	.rept 256
	vecaddr %i
	.set i, i + 1
	.endr

/* ---- Ring 3 ---- */
	.text

/* The library OS starts here, rdi = boot info, rsp = its boot stack. Its
 * first act is to read the TSC, for the boot-time report. */
	.globl husk_start
husk_start:
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, %rsi			/* husk_main's second argument */
	xorl %ebp, %ebp
	call husk_main
	ud2

/* Ring 0 delivers every trap here, rdi = the frame, on the trap stack. */
	.globl husk_trap_entry
husk_trap_entry:
	xorl %ebp, %ebp
	call husk_trap
	ud2

/*
 * void husk_trap_resume(struct husk_trap_frame *f): continue the ring-3
 * context f describes, entirely in ring 3. The last four values (rip,
 * rflags, rax, rdi) go on the target stack below its red zone, so that the
 * frame can be released (busy = 0) before they are used; `ret $128` then
 * lands on rip with rsp back where it was.
 */
	.globl husk_trap_resume
husk_trap_resume:
	movq TF_RSP(%rdi), %rax
	subq $128 + 32, %rax
	movq TF_RIP(%rdi), %rcx
	movq %rcx, 24(%rax)
	movq TF_RFLAGS(%rdi), %rcx
	movq %rcx, 16(%rax)
	movq TF_RAX(%rdi), %rcx
	movq %rcx, 8(%rax)
	movq TF_RDI(%rdi), %rcx
	movq %rcx, (%rax)
	movq %rax, %rsp
	movq 0(%rdi), %r15
	movq 8(%rdi), %r14
	movq 16(%rdi), %r13
	movq 24(%rdi), %r12
	movq 32(%rdi), %r11
	movq 40(%rdi), %r10
	movq 48(%rdi), %r9
	movq 56(%rdi), %r8
	movq 64(%rdi), %rbp
	movq 80(%rdi), %rsi
	movq 88(%rdi), %rdx
	movq 96(%rdi), %rcx
	movq 104(%rdi), %rbx
	movq $0, TF_BUSY(%rdi)
	.globl husk_resume_check
husk_resume_check:
	/* An interrupt recorded while the frame was busy, after ring 3
	 * last looked: trap once more (#UD here) so that it is taken now. */
	cmpq $0, husk_trap_frame_area + TF_PENDING(%rip)
	jne husk_pending_site
husk_resume_tail:
	popq %rdi
	popq %rax
	popfq
	.globl husk_resume_ret
husk_resume_ret:
	ret $128
	.globl husk_pending_site, husk_resume_tail
husk_pending_site:
	ud2
	jmp husk_resume_tail

/*
 * void husk_cpu_idle(volatile uint8_t *woken): sleep until an interrupt
 * (ring 0 does sti; hlt), unless *woken is set. An interrupt taken in ring 3
 * between the test and the hlt sets *woken and moves rip to husk_idle_out
 * (trap.c), so a wakeup can never be lost there.
 */
	.globl husk_cpu_idle, husk_idle_site, husk_idle_out
husk_cpu_idle:
	cmpb $0, (%rdi)
	jne husk_idle_out
husk_idle_site:
	hlt
husk_idle_out:
	ret

/* void husk_invlpg(const void *va): drop one TLB entry. */
	.globl husk_invlpg, husk_invlpg_site
husk_invlpg:
husk_invlpg_site:
	invlpg (%rdi)
	ret
/* void husk_tlb_flush_all(void): drop them all (ring 0 reloads CR3). */
	.globl husk_tlb_flush_all, husk_flush_site
husk_tlb_flush_all:
husk_flush_site:
	movq %cr3, %rax
	ret
husk_wrmsr_site:
	wrmsr
	ret
	.if husk_flush_site - husk_invlpg_site - 4
	.error "husk_flush_site must be 4 bytes after husk_invlpg_site"
	.endif
	.if husk_wrmsr_site - husk_invlpg_site - 8
	.error "husk_wrmsr_site must be 8 bytes after husk_invlpg_site"
	.endif

/* void husk_wrmsr(uint32_t msr, uint64_t value): FS or GS base only (ring
 * 0 refuses any other MSR), for CPUs without FSGSBASE. */
	.globl husk_wrmsr
husk_wrmsr:
	movl %edi, %ecx
	movl %esi, %eax
	movq %rsi, %rdx
	shrq $32, %rdx
	jmp husk_wrmsr_site
