/*
 * The "husk" ELF note (include/husk/image.h): the image's own description of
 * where everything is and how each region is mapped. Field order must match
 * struct husk_image_layout; kernel/arch/x86_64/layout_check.c asserts sizes.
 */
#include <husk/abi.h>
#include <husk/image.h>

#define R  HUSK_R_READ
#define W  HUSK_R_WRITE
#define X  HUSK_R_EXEC
#define U  HUSK_R_USER
#define REGION(start, size, flags) .quad start, size; .long flags, 0

	.section .note.husk, "a"
	.balign 4
	.long 5				/* namesz */
	.long husk_layout_end - husk_layout	/* descsz */
	.long HUSK_NOTE_LAYOUT
	.asciz "husk"
	.balign 4
	.globl husk_layout
husk_layout:
	.long HUSK_ABI_VERSION
	.long 11			/* nregions */
	.quad __image_pstart + HUSK_KERNEL_VBASE
	.quad __image_end
	.quad husk_start
	.quad __bootinfo_start
	.quad husk_console_ring
	.quad HUSK_CONSOLE_SIZE
	.quad __gdt
	.quad __idt
	.quad __tss
	.quad __r0vars
	.quad __pt_pool
	.quad __pt_pool_size
	.quad __r0_stack_top
	.quad __ist_stack_top
	.quad __r3_stack_top
	.quad __trap_stack_top
	.quad husk_trap_frame_area
	.quad husk_trap_entry
	.quad husk_vectors
	.quad husk_syscall_entry
	.quad husk_idle_site
	.quad husk_invlpg_site
	REGION(__r0text_start, __r0text_size, R | X)
	REGION(__text_start, __text_size, R | X | U)
	REGION(__rodata_start, __rodata_size, R | U)
	REGION(__data_start, __data_size, R | W | U)
	REGION(__bootinfo_start, 8192, R | U)
	REGION(__r3_stack_bottom, 65536, R | W | U)
	REGION(__trap_stack_bottom, 16384, R | W | U)
	REGION(__machine_start, __machine_size, R | W)
	REGION(__r0_stack_bottom, __r0_stack_size, R | W)
	REGION(__ist_stack_bottom, 8192, R | W)
	/* Page tables: user-writable, so that the library OS edits them
	 * without a trap (kernel/mm/vm.c); the VM is the isolation boundary. */
	REGION(__pt_pool, __pt_tail_size, R | W | U)
	.fill (HUSK_MAX_IMAGE_REGIONS - 11) * 24, 1, 0
husk_layout_end:
	.balign 4
