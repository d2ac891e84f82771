/*
 * PVH entry, for QEMU -kernel, Firecracker and Xen PVH. The starter loads
 * the image at its physical addresses and jumps to pvh_start32 in 32-bit
 * protected mode, paging off, with ebx = struct hvm_start_info.
 *
 * We map the first GiB twice (identity, and at HUSK_KERNEL_VBASE: the next
 * GiB) with temporary tables, enter long mode, and continue in C (pvh.c), which
 * builds the same machine husk-vmm builds and drops to ring 3.
 */
#include <husk/abi.h>
#include <husk/x86.h>
#include <husk/machine.h>

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PHYS(sym) ((sym) - HUSK_KERNEL_VBASE)

	.section .note.xen, "a"
	.balign 4
	.long 4				/* namesz */
	.long 8				/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.quad pvh_start32
	.balign 4

	.section .boot32, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	rdtsc				/* first instruction's time, for boot timing */
	movl %eax, %esi
	movl %edx, %edi

	/* PML4 at T, PDPT at T+4K, PD at T+8K (T+12K unused). */
	movl $PHYS(__pvh_tables), %ebp
	leal 0x1003(%ebp), %eax
	movl %eax, (%ebp)		/* PML4[0] */
	leal 0x2003(%ebp), %eax
	movl %eax, 0x1000(%ebp)		/* PDPT[0]: identity */
	movl %eax, 0x1000 + (HUSK_KERNEL_VBASE >> 30) * 8(%ebp) /* PDPT[1] */
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax			/* present, writable, 2 MiB */
	movl %eax, 0x2000(%ebp,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	movl %ebp, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0
	lgdt PHYS(pvh_gdt_ptr)
	ljmp $GDT_KERNEL_CS, $PHYS(pvh_start64)

	.section .r0text, "ax"
	.balign 8
pvh_gdt:
	.quad 0
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x10: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x18: data */
pvh_gdt_ptr:
	.word 4 * 8 - 1
	.long PHYS(pvh_gdt)

	.code64
/* Runs first at its physical alias, then jumps to its real address. */
pvh_start64:
	movabsq $1f, %rax
	jmp *%rax
1:	xorl %eax, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq $__r0_stack_top, %rsp
	shlq $32, %rdi
	orq %rdi, %rsi			/* rsi = TSC at entry */
	movl %ebx, %edi			/* rdi = hvm_start_info */
	call pvh_main
2:	cli
	hlt
	jmp 2b

/*
 * void pvh_enter(const struct husk_cpu_state *s): load the machine pvh_main
 * built and iretq to the library OS in ring 3.
 */
	.globl pvh_enter
pvh_enter:
	movq %rdi, %rbx
	subq $16, %rsp
	movw HCS_GDT_LIMIT(%rbx), %ax
	movw %ax, (%rsp)
	movq HCS_GDT_BASE(%rbx), %rax
	movq %rax, 2(%rsp)
	lgdt (%rsp)
	movw HCS_IDT_LIMIT(%rbx), %ax
	movw %ax, (%rsp)
	movq HCS_IDT_BASE(%rbx), %rax
	movq %rax, 2(%rsp)
	lidt (%rsp)
	addq $16, %rsp
	movw HCS_TR(%rbx), %ax
	ltr %ax
	movl $GDT_KERNEL_DS, %eax
	movl %eax, %ss

	movl $MSR_EFER, %ecx
	movq HCS_EFER(%rbx), %rax
	call wrmsr_rax
	movl $MSR_STAR, %ecx
	movq HCS_STAR(%rbx), %rax
	call wrmsr_rax
	movl $MSR_LSTAR, %ecx
	movq HCS_LSTAR(%rbx), %rax
	call wrmsr_rax
	movl $MSR_SFMASK, %ecx
	movq HCS_SFMASK(%rbx), %rax
	call wrmsr_rax
	movl $MSR_PAT, %ecx
	movq HCS_PAT(%rbx), %rax
	call wrmsr_rax

	movq HCS_CR0(%rbx), %rax
	movq %rax, %cr0
	movq HCS_CR3(%rbx), %rax
	movq %rax, %cr3
	movq HCS_CR4(%rbx), %rax
	movq %rax, %cr4

	movl $GDT_USER_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	pushq $GDT_USER_DS
	pushq HCS_RSP(%rbx)
	pushq HCS_RFLAGS(%rbx)
	pushq $GDT_USER_CS
	pushq HCS_RIP(%rbx)
	movq HCS_RDI(%rbx), %rdi
	iretq

wrmsr_rax:
	movq %rax, %rdx
	shrq $32, %rdx
	wrmsr
	ret
