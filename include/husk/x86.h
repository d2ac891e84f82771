/* Architectural x86_64 constants used by the guest and husk-vmm. */
#ifndef HUSK_X86_H
#define HUSK_X86_H

#include "abi.h" /* HUSK_U64: this header is also read by the assembler */

/*
 * GDT, in the order Linux uses: SYSCALL/SYSRET derive the selectors from
 * STAR, and PVM expects the user selectors Linux guests use.
 */
#define GDT_KERNEL_CS 0x10
#define GDT_KERNEL_DS 0x18
#define GDT_USER32_CS 0x23
#define GDT_USER_DS   0x2b
#define GDT_USER_CS   0x33
#define GDT_TSS       0x40 /* 16-byte descriptor, entries 8 and 9 */
#define HUSK_GDT_ENTRIES 10
#define HUSK_GDT_SIZE (HUSK_GDT_ENTRIES * 8)

/* TSS (104 bytes) followed by an I/O bitmap for all 65536 ports and the
 * terminating 0xff byte. */
#define HUSK_TSS_SIZE      104
#define HUSK_IOBITMAP_SIZE 8192
#define HUSK_TSS_AREA_SIZE (HUSK_TSS_SIZE + HUSK_IOBITMAP_SIZE + 1)

#define CR0_PE (HUSK_U64(1) << 0)
#define CR0_MP (HUSK_U64(1) << 1)
#define CR0_ET (HUSK_U64(1) << 4)
#define CR0_NE (HUSK_U64(1) << 5)
#define CR0_WP (HUSK_U64(1) << 16)
#define CR0_AM (HUSK_U64(1) << 18)
#define CR0_PG (HUSK_U64(1) << 31)

#define CR4_PAE        (HUSK_U64(1) << 5)
#define CR4_PGE        (HUSK_U64(1) << 7)
#define CR4_OSFXSR     (HUSK_U64(1) << 9)
#define CR4_OSXMMEXCPT (HUSK_U64(1) << 10)
#define CR4_FSGSBASE   (HUSK_U64(1) << 16)
#define CR4_OSXSAVE    (HUSK_U64(1) << 18)
#define CR4_SMEP       (HUSK_U64(1) << 20)
#define CR4_SMAP       (HUSK_U64(1) << 21)

#define EFER_SCE (HUSK_U64(1) << 0)
#define EFER_LME (HUSK_U64(1) << 8)
#define EFER_LMA (HUSK_U64(1) << 10)
#define EFER_NXE (HUSK_U64(1) << 11)

#define MSR_EFER   0xc0000080
#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_CSTAR  0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_PAT    0x277

#define RFLAGS_IF (HUSK_U64(1) << 9)
#define RFLAGS_AC (HUSK_U64(1) << 18)
#define RFLAGS_FIXED (HUSK_U64(1) << 1)
#define RFLAGS_IF    (HUSK_U64(1) << 9)

/* Page-table entry bits. */
#define PTE_P   (HUSK_U64(1) << 0)
#define PTE_W   (HUSK_U64(1) << 1)
#define PTE_U   (HUSK_U64(1) << 2)
#define PTE_PWT (HUSK_U64(1) << 3)
#define PTE_PCD (HUSK_U64(1) << 4)
#define PTE_PS  (HUSK_U64(1) << 7)
#define PTE_G   (HUSK_U64(1) << 8)
#define PTE_NX  (HUSK_U64(1) << 63)
#define PTE_ADDR HUSK_U64(0x000ffffffffff000)

#define PAGE_SIZE HUSK_U64(4096)
#define HUGE_SIZE (HUSK_U64(2) << 20)

/* Exception vectors. */
#define VEC_DE 0
#define VEC_DB 1
#define VEC_NMI 2
#define VEC_BP 3
#define VEC_UD 6
#define VEC_DF 8
#define VEC_GP 13
#define VEC_PF 14
#define VEC_MC 18

#endif
