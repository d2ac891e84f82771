/*
 * How a Linux system call reaches the library OS, all in ring 3.
 *
 * husk_syscall_enter is the one door: called with the Linux system-call
 * registers (rax = number; rdi, rsi, rdx, r10, r8, r9 = arguments), it
 * switches to the library OS's own stack (a program's stack may be small,
 * and Linux never uses it), calls husk_syscall() in C, and returns with rax
 * = the result and every other register as Linux leaves it (rcx and r11
 * are the caller's to lose). The flags are restored; DF is clear inside.
 *
 * husk_syscall_slow is where a SYSCALL instruction that was not rewritten
 * ends up: the trap handler resumes the program there, with rcx = the
 * address after the SYSCALL, as the instruction itself would have left it.
 */
	.text
	.globl husk_syscall_enter
husk_syscall_enter:
	pushfq
	cld
	movq %rsp, husk_syscall_saved_rsp(%rip)
	leaq husk_syscall_stack_top(%rip), %rsp
	pushq $0			/* keeps the call 16-byte aligned */
	pushq %rax			/* struct syscall_args, from the top: */
	pushq %r9			/* nr, a5, a4, a3, a2, a1, a0 */
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
	movq husk_syscall_saved_rsp(%rip), %rsp
	popfq
	ret

	.globl husk_syscall_slow
husk_syscall_slow:
	leaq -128(%rsp), %rsp		/* the program's red zone */
	pushq %rcx
	call husk_syscall_enter
	popq %rcx
	pushfq				/* r11 = rflags, as SYSCALL leaves it */
	popq %r11			/* (before: pushfq must not write into */
	leaq 128(%rsp), %rsp		/* the program's red zone) */
	jmp *%rcx

	.bss
	.balign 16
husk_syscall_saved_rsp:
	.quad 0
	.balign 4096
	.skip 32768
husk_syscall_stack_top:
