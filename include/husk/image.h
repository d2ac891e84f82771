/*
 * The "husk" ELF note: how a husk image describes itself to its starter.
 *
 * The linker script fills it from its own symbols (kernel/arch/x86_64/note.S),
 * so the image is the single source of truth for its layout. husk-vmm reads
 * it from the file (PT_NOTE); the PVH entry reads the same bytes in memory.
 * Every address here is a virtual address in the image range
 * (HUSK_KERNEL_VBASE + physical); husk-vmm checks each one against the
 * image's PT_LOAD segments before trusting it.
 */
#ifndef HUSK_IMAGE_H
#define HUSK_IMAGE_H

#define HUSK_NOTE_NAME   "husk"
#define HUSK_NOTE_LAYOUT 0x48550001u

/* Region permissions. Supervisor regions are ring-0 only. */
#define HUSK_R_READ  1u
#define HUSK_R_WRITE 2u
#define HUSK_R_EXEC  4u
#define HUSK_R_USER  8u

#define HUSK_MAX_IMAGE_REGIONS 12

/* Bytes of console ring data (the ring is one 16 KiB block). */
#define HUSK_CONSOLE_HDR  16
#define HUSK_CONSOLE_SIZE (16384 - HUSK_CONSOLE_HDR)

/* Offsets into struct husk_trap_frame and struct husk_r0vars, for entry.S. */
#define TF_R15    0
#define TF_RBP    64
#define TF_RDI    72
#define TF_RAX    112
#define TF_VECTOR 120
#define TF_ERROR  128
#define TF_RIP    136
#define TF_CS     144
#define TF_RFLAGS 152
#define TF_RSP    160
#define TF_SS     168
#define TF_CR2    176
#define TF_BUSY   184
#define TF_PENDING 192
#define TF_SIZE   200
#define R0_TRAP_ENTRY  0
#define R0_TRAP_STACK  8
#define R0_TRAP_FRAME  16
#define R0_IDLE_SITE   24
#define R0_INVLPG_SITE 32
#define R0_EXIT_PORT   40
#define R0_SMAP        42
#define R0_QEMU        43
#define R0_SCRATCH     48

/* Pseudo-vector of a SYSCALL that reached ring 0 (hardware KVM). */
#define HUSK_VEC_SYSCALL 256
/* The interrupt husk-vmm raises (an MSI to the local APIC) after adding to
 * struct husk_console's signals. */
#define HUSK_VEC_HOST_SIGNAL 0x41
/* The local APIC's spurious vector. husk-vmm starts the vCPU with its
 * local APIC already enabled (SVR = 0x100 | this vector, TPR 0): a
 * software-disabled APIC drops MSIs, and a program that never sleeps
 * would otherwise never hear of a host signal. */
#define HUSK_VEC_SPURIOUS 0xff
/* Devices' interrupts: husk-vmm gives device i (boot info dev[i]) vector
 * HUSK_VEC_DEVICE_BASE + i; on QEMU the guest programs the IOAPIC or
 * MSI-X with vectors from the same range. */
#define HUSK_VEC_DEVICE_BASE 0x50
#define HUSK_VEC_DEVICE_END  0x60

#ifndef __ASSEMBLER__
#include <stdint.h>

struct husk_region {
	uint64_t vaddr;
	uint64_t size;  /* page multiple */
	uint32_t flags; /* HUSK_R_* */
	uint32_t pad;
};

struct husk_image_layout {
	uint32_t abi_version; /* HUSK_ABI_VERSION */
	uint32_t nregions;
	uint64_t image_start; /* vaddr of the first byte of the image */
	uint64_t image_end;   /* vaddr past its last byte (bss included) */
	uint64_t entry;       /* ring-3 entry of the library OS */
	uint64_t boot_info;   /* struct husk_boot_info, HUSK_BOOT_INFO_SIZE */
	uint64_t console;     /* struct husk_console */
	uint64_t console_size; /* bytes of console->buf */
	uint64_t gdt;         /* HUSK_GDT_SIZE, supervisor */
	uint64_t idt;         /* 4 KiB, supervisor */
	uint64_t tss;         /* TSS + I/O bitmap, HUSK_TSS_AREA_SIZE */
	uint64_t r0vars;      /* struct husk_r0vars, supervisor */
	uint64_t pt_pool;     /* page-table pages, supervisor */
	uint64_t pt_pool_size;
	uint64_t r0_stack_top;   /* RSP0: ring-0 stack on entry from ring 3 */
	uint64_t ist_stack_top;  /* IST1: #DF, NMI, #MC */
	uint64_t r3_stack_top;   /* the library OS's boot stack */
	uint64_t trap_stack_top; /* ring-3 stack for trap handlers */
	uint64_t trap_frame;     /* struct husk_trap_frame, user-visible */
	uint64_t trap_entry;     /* ring-3 handler: void f(struct husk_trap_frame *) */
	uint64_t vectors;        /* uint64_t[256]: ring-0 entry stub per vector */
	uint64_t syscall_entry;  /* LSTAR */
	uint64_t idle_site;      /* address of the `hlt` ring 3 uses to idle */
	uint64_t invlpg_site;    /* address of the `invlpg` ring 3 uses */
	struct husk_region region[HUSK_MAX_IMAGE_REGIONS];
};

/*
 * The console ring of husk-vmm: the guest appends to buf, then writes
 * HUSK_PORT_CONSOLE; the monitor drains len bytes (clamped to the size in
 * the note) and zeroes len.
 * signals: signals the monitor was sent and passes on to the program (bit
 * sig-1), then raises HUSK_VEC_HOST_SIGNAL; the guest takes them with an
 * atomic exchange. (The page is shared memory both sides write anyway.)
 */
struct husk_console {
	volatile uint32_t len;
	uint32_t pad;
	volatile uint64_t signals;
	char buf[];
};

/*
 * Ring-0 state the stubs read. Supervisor-only: the program cannot rewrite
 * where traps go.
 */
struct husk_r0vars {
	uint64_t trap_entry;     /* ring-3 handler */
	uint64_t trap_stack_top;
	uint64_t trap_frame;
	uint64_t idle_site;
	uint64_t invlpg_site;
	uint16_t exit_port;      /* HUSK_PORT_EXIT or HUSK_QEMU_DEBUG_EXIT */
	uint8_t smap;            /* 1: stubs bracket user writes with stac/clac */
	uint8_t qemu;            /* 1: exit through isa-debug-exit */
	uint32_t pad;
	uint64_t scratch;        /* SYSCALL entry saves the user rsp here */
};

/*
 * The frame ring 0 hands to ring 3 for every exception and interrupt.
 * Offsets are used by entry.S: keep in step (checked by static asserts).
 */
struct husk_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
	uint64_t cr2;
	uint64_t busy; /* set by ring 0 on delivery; a fault while set is nested */
	/* Interrupts (bit v-32 for vector v, 32 <= v < 96) that arrived while
	 * busy or while idle: ring 0 records them here instead of delivering,
	 * without EOI; ring 3 takes them before it resumes (husk_trap_resume
	 * traps once more if one slipped in at the last moment). */
	uint64_t pending;
};

#endif /* __ASSEMBLER__ */
#endif
