/*
 * Switching library-OS stacks between threads, all in ring 3. A thread
 * that is not running is always parked inside sched_switch on its own
 * stack: blocked in a system call, or preempted (its program context then
 * sits higher on the same stack, see sched_preempt).
 */
	.text
/* void sched_switch(uint64_t *save_ksp, uint64_t ksp) */
	.globl sched_switch
sched_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/* A new thread's first switch returns here, rsp = its initial frame. */
	.globl thread_entry
thread_entry:
	movq %rsp, %rdi
	xorl %ebp, %ebp
	call thread_start
	ud2

/* void call_on_stack(uint64_t sp, void (*fn)(void *), void *arg): never
 * returns; the old stack is abandoned. */
	.globl call_on_stack
call_on_stack:
	movq %rdi, %rsp
	movq %rdx, %rdi
	xorl %ebp, %ebp
	call *%rsi
	ud2
