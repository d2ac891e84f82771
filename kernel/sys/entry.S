/*
 * How a Linux system call reaches the library OS, all in ring 3.
 *
 * husk_syscall_enter is the one door: called with the Linux system-call
 * registers (rax = number; rdi, rsi, rdx, r10, r8, r9 = arguments), it
 * switches to the calling thread's library-OS stack (a program's stack may
 * be small, and Linux never uses it), calls husk_syscall() in C, and
 * returns with rax = the result and every other register as Linux leaves
 * it (rcx and r11 are the caller's to lose: they are clobbered). The flags
 * are restored; DF is clear inside. The callee-saved registers are saved in the frame too, so
 * that clone can start a thread with them; they are reloaded from it.
 *
 * husk_syscall_slow is where a SYSCALL instruction that was not rewritten
 * ends up: the trap handler resumes the program there, with rcx = the
 * address after the SYSCALL, as the instruction itself would have left it.
 */
	.text
	.globl husk_syscall_enter
husk_syscall_enter:
	movq %rsp, %r11
	movq husk_kstack_top(%rip), %rsp /* the current thread's */
	pushfq				/* struct syscall_args, from the top: */
	cld				/* rflags, return address, user_rsp, */
	pushq (%r11)			/* r15 .. rbx (the caller's, for clone */
	pushq %r11			/* and signal frames), nr, a5 .. a0 */
	pushq %r15
	pushq %r14
	pushq %r13
	pushq %r12
	pushq %rbp
	pushq %rbx
	pushq %rax
	pushq %r9
	pushq %r8
	pushq %r10
	pushq %rdx
	pushq %rsi
	pushq %rdi
	movq %rsp, %rdi
	call husk_syscall
	popq %rdi
	popq %rsi
	popq %rdx
	popq %r10
	popq %r8
	popq %r9
	addq $8, %rsp			/* nr */
	popq %rbx
	popq %rbp
	popq %r12
	popq %r13
	popq %r14
	popq %r15
	/* Back without reading the program's stack again: the call may
	 * have unmapped it (musl's exit of a detached thread does). */
	popq %r11			/* user_rsp */
	popq %rcx			/* return address */
	popfq
	leaq 8(%r11), %rsp
	jmp *%rcx

	.globl husk_syscall_slow, husk_syscall_slow_ret
husk_syscall_slow:
	leaq -128(%rsp), %rsp		/* the program's red zone */
	pushq %rcx
	call husk_syscall_enter
husk_syscall_slow_ret:
	popq %rcx
	pushfq				/* r11 = rflags, as SYSCALL leaves it */
	popq %r11			/* (before: pushfq must not write into */
	leaq 128(%rsp), %rsp		/* the program's red zone) */
	jmp *%rcx

	.data
	.balign 8
	.globl husk_kstack_top
husk_kstack_top:			/* switched with the thread (sched.c) */
	.quad husk_syscall_stack_top

	.bss
	.balign 4096
	.skip 32768
	.globl husk_syscall_stack_top
husk_syscall_stack_top:			/* the first thread's */
