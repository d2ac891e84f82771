/* The empty symbol table of the first link pass (see kernel/kernel.mk). */
	.section .husk_syms, "a"
	.balign 8
	.globl husk_syms_count, husk_syms, husk_sym_names
husk_syms_count:
	.long 0
	.balign 8
husk_syms:
husk_sym_names:
	.byte 0
