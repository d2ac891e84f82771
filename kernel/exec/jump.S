/*
 * void exec_jump(const struct exec_start *s): enter a Linux program as the
 * kernel would: rsp at argc, rdx = 0 (no exit function for atexit), every
 * other register zero, flags clear.
 */
	.text
	.globl exec_jump
exec_jump:
	movq 8(%rdi), %rsp		/* s->sp */
	movq 0(%rdi), %rcx		/* s->entry */
	pushq $0x202 & ~0x200		/* rflags: reserved bit only */
	popfq
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	jmp *%rcx
