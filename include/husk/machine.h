/*
 * The machine builder: page tables, GDT, TSS with its I/O bitmap, IDT and
 * the ring-0 variables, written into guest physical memory from the image
 * note, plus the register values that start the library OS in ring 3.
 *
 * One copy, compiled twice: into husk-vmm (which writes through its mapping
 * of guest memory) and into the guest's PVH entry (which writes through a
 * temporary identity map, in ring 0, so it is built -mgeneral-regs-only).
 */
#ifndef HUSK_MACHINE_H
#define HUSK_MACHINE_H

/* Offsets into struct husk_cpu_state, for pvh.S (asserted in machine.c). */
#define HCS_CR0 0
#define HCS_CR3 8
#define HCS_CR4 16
#define HCS_EFER 24
#define HCS_GDT_BASE 32
#define HCS_IDT_BASE 40
#define HCS_GDT_LIMIT 56
#define HCS_IDT_LIMIT 58
#define HCS_TR 62
#define HCS_RIP 72
#define HCS_RSP 80
#define HCS_RFLAGS 88
#define HCS_RDI 96
#define HCS_STAR 104
#define HCS_LSTAR 112
#define HCS_SFMASK 120
#define HCS_PAT 128

#ifndef __ASSEMBLER__
#include <stdint.h>
#include "bootinfo.h"
#include "image.h"

struct husk_machine_env {
	uintptr_t phys_base; /* where guest physical address 0 is, for us */
	uint64_t phys_size;  /* bytes of guest memory reachable at phys_base */
	const struct husk_mem_region *mem; /* RAM to put in the direct map */
	uint32_t nmem;
	uint32_t platform;     /* HUSK_PLATFORM_* */
	uint32_t cpu_features; /* HUSK_CPU_* the CPU offers */
};

struct husk_cpu_state {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t gdt_base, idt_base, tss_base;
	uint16_t gdt_limit, idt_limit, tss_limit, tr;
	uint16_t cs, ss, ds; /* ring-3 selectors */
	uint64_t rip, rsp, rflags, rdi;
	uint64_t star, lstar, sfmask, pat;
	uint32_t cpu_features; /* what was enabled (subset of env's) */
	uint32_t pt_pages;     /* page-table pages used */
};

/* Returns NULL on success, or a message saying what does not fit. The
 * PML4 is always the first page of the pool (the library OS finds its page
 * tables there). */
const char *husk_build_machine(const struct husk_machine_env *env,
			       const struct husk_image_layout *layout,
			       struct husk_cpu_state *out);

/* Checks a layout against the image range [image_start, image_end) and the
 * ABI. Returns NULL when sound, else what is wrong. */
const char *husk_check_layout(const struct husk_image_layout *layout);

#endif /* __ASSEMBLER__ */
#endif
