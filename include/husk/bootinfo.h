/*
 * struct husk_boot_info: everything the starter tells the guest, in one
 * versioned structure at the address the image note names (layout.boot_info).
 * husk-vmm fills it before the first instruction; on the PVH path the image's
 * own ring-0 entry fills it from Xen's hvm_start_info.
 */
#ifndef HUSK_BOOTINFO_H
#define HUSK_BOOTINFO_H

#include <stdint.h>

#define HUSK_BOOT_MAGIC   0x6f6f426b73754855ULL /* "HuskBoo" */
#define HUSK_BOOT_VERSION 2
#define HUSK_BOOT_INFO_SIZE 8192

#define HUSK_MAX_MEM_REGIONS 32
#define HUSK_CMDLINE_MAX     4096
#define HUSK_MAX_DEVICES     8

/* Who started the guest: selects the platform backend. */
#define HUSK_PLATFORM_VMM 1 /* husk-vmm: console ring, HUSK_PORT_* */
#define HUSK_PLATFORM_PVH 2 /* QEMU/Firecracker/Xen PVH: 16550, debug exit */

/* Memory region types (same numbers as the E820/PVH memory map). */
#define HUSK_MEM_RAM      1
#define HUSK_MEM_RESERVED 2

/* CPU features the starter enabled (and the guest may therefore use). */
#define HUSK_CPU_NX       (1u << 0)
#define HUSK_CPU_SMEP     (1u << 1)
#define HUSK_CPU_SMAP     (1u << 2)
#define HUSK_CPU_FSGSBASE (1u << 3)
#define HUSK_CPU_RDRAND   (1u << 4)
#define HUSK_CPU_RDSEED   (1u << 5)
#define HUSK_CPU_XSAVE    (1u << 6) /* CR4.OSXSAVE set, XCR0 in xcr0 */
#define HUSK_CPU_INVTSC   (1u << 7)
#define HUSK_CPU_LAPIC    (1u << 8) /* a local APIC at HUSK_LAPIC_PADDR, mapped */

struct husk_mem_region {
	uint64_t base;
	uint64_t size;
	uint32_t type;
	uint32_t pad;
};

/*
 * Devices the starter attached (husk-vmm fills these; on the PVH path the
 * guest finds its devices itself: virtio-mmio from QEMU's command line
 * additions, virtio-pci by scanning the bus).
 */
#define HUSK_DEV_VIRTIO_MMIO 1 /* a virtio-mmio register block */
/* Its interrupts are edge-triggered MSIs (irqfd): the guest need not write
 * InterruptACK, which would cost an exit (the status stays informative). */
#define HUSK_DEVF_MSI 1u

struct husk_device {
	uint32_t kind;   /* HUSK_DEV_* */
	uint32_t flags;  /* HUSK_DEVF_* */
	uint64_t paddr;  /* register block, guest-physical, page-aligned */
	uint64_t size;   /* bytes */
	uint32_t vector; /* IDT vector its interrupt arrives on; 0: none */
	uint32_t pad;
};

struct husk_boot_info {
	uint64_t magic;    /* HUSK_BOOT_MAGIC */
	uint32_t version;  /* HUSK_BOOT_VERSION */
	uint32_t size;     /* sizeof(struct husk_boot_info) */
	uint32_t platform; /* HUSK_PLATFORM_* */
	uint32_t cpu_features; /* HUSK_CPU_* */
	uint64_t xcr0;

	uint64_t tsc_khz;      /* 0: unknown, the guest calibrates */
	uint64_t tsc_at_boot;  /* TSC when wall_ns_at_boot was read */
	uint64_t wall_ns_at_boot; /* Unix time in ns; 0: unknown */
	uint64_t tsc_at_entry; /* TSC just before the first guest instruction */

	uint64_t initrd_paddr; /* 0 when none */
	uint64_t initrd_size;

	uint32_t nmem;
	uint32_t pad;
	struct husk_mem_region mem[HUSK_MAX_MEM_REGIONS];

	char cmdline[HUSK_CMDLINE_MAX]; /* NUL-terminated */

	uint32_t ndev;
	uint32_t pad2;
	struct husk_device dev[HUSK_MAX_DEVICES];
};

#endif
