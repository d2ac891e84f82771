/*
 * Hostile and minimal guests for husk-vmm's run loop, one per symbol pair
 * g_NAME / g_NAME_end. mkguest.c copies one into the text page of a small
 * husk image; it starts in ring 3 with %rdi = boot info, as the real
 * library OS does. The console ring is at boot info + CONSOLE_OFF.
 */
#include <husk/abi.h>
#include <husk/image.h>
#include "guests.h"

	.text
	.code64

.macro guest name
	.globl g_\name, g_\name\()_end
g_\name:
.endm

.macro end name
g_\name\()_end:
.endm

.macro exit status, reason=0, detail=0
	movl $(\status | (\reason << 8) | (\detail << 16)), %eax
	movw $HUSK_PORT_EXIT, %dx
	outl %eax, %dx
.endm

/* exit(42) */
guest exit42
	exit 42
end exit42

/* "hi from the console ring\n" through the ring, then exit(0) if the
 * monitor emptied it. */
guest console
	leaq CONSOLE_OFF(%rdi), %rsi
	leaq msg(%rip), %rcx
	xorl %eax, %eax
1:	movb (%rcx,%rax), %bl
	movb %bl, HUSK_CONSOLE_HDR(%rsi,%rax)
	incl %eax
	cmpl $(msg_end - msg), %eax
	jne 1b
	movl %eax, (%rsi)
	movw $HUSK_PORT_CONSOLE, %dx
	outl %eax, %dx
	cmpl $0, (%rsi)
	jne 2f
	exit 0
2:	exit 1
msg:	.ascii "hi from the console ring\n"
msg_end:
end console

/* A console length beyond the ring: the monitor must refuse it. */
guest console_overflow
	leaq CONSOLE_OFF(%rdi), %rsi
	movl $0xffffff00, (%rsi)
	movw $HUSK_PORT_CONSOLE, %dx
	outl %eax, %dx
	exit 0
end console_overflow

/* Checks the boot info husk-vmm filled: exit 0 if sound, else the number
 * of the first failed check. */
guest bootinfo
	movabsq $BI_MAGIC, %rax
	cmpq %rax, (%rdi)
	jne 1f
	cmpl $BI_VERSION, BI_OFF_VERSION(%rdi)
	jne 2f
	cmpl $BI_PLATFORM_VMM, BI_OFF_PLATFORM(%rdi)
	jne 3f
	cmpq $0, BI_OFF_WALL_NS(%rdi)
	je 4f
	rdtsc				/* tsc_at_entry is in the past */
	shlq $32, %rdx
	orq %rdx, %rax
	cmpq BI_OFF_TSC_ENTRY(%rdi), %rax
	jb 5f
	cmpl $1, BI_OFF_NMEM(%rdi)
	jne 6f
	exit 0
1:	exit 1
2:	exit 2
3:	exit 3
4:	exit 4
5:	exit 5
6:	exit 6
end bootinfo

/* A 1-byte write to a port the bitmap opens but husk-vmm does not serve. */
guest badport
	movw $(HUSK_PORT_EXIT + 1), %dx
	outb %al, %dx
	exit 0
end badport

/* Reading the exit port. */
guest inport
	movw $HUSK_PORT_EXIT, %dx
	inl %dx, %eax
	exit 0
end inport

/* The exit port written with outb: not the ABI. */
guest exit_outb
	movw $HUSK_PORT_EXIT, %dx
	movb $7, %al
	outb %al, %dx
end exit_outb

/* The report a ring-0 stub sends when a handler faults. */
guest nested
	exit HUSK_STATUS_PANIC, HUSK_EXIT_NESTED_FAULT, 14
end nested

guest unknown_reason
	exit 3, 9
end unknown_reason

/* hlt in ring 3 raises #GP; this image's IDT leads nowhere (every vector
 * stub address is 0), so the CPU ends in a triple fault. */
guest triple
	hlt
end triple

	.section .note.GNU-stack, "", @progbits
