/*
 * husk guest/monitor ABI: the one narrow contract between a husk image and
 * whatever starts it (husk-vmm, or the image's own PVH entry on QEMU,
 * Firecracker, Xen PVH).
 *
 * Everything the two sides share is in this directory:
 *   abi.h       ports, exit protocol, address-space constants (this file)
 *   image.h     the "husk" ELF note: where the image wants things mapped
 *   bootinfo.h  struct husk_boot_info: what the starter hands the guest
 *   x86.h       architectural constants (segments, CR bits, page entries)
 *   machine.h   the builder of page tables, GDT, IDT and TSS, compiled into
 *               both husk-vmm and the guest's PVH path (one copy)
 *
 * Bump HUSK_ABI_VERSION on any incompatible change; husk-vmm refuses an
 * image whose note carries another version.
 */
#ifndef HUSK_ABI_H
#define HUSK_ABI_H

#define HUSK_ABI_VERSION 1

/* This header is also read by the assembler. */
#ifdef __ASSEMBLER__
#define HUSK_U64(x) x
#else
#define HUSK_U64(x) x##ULL
#endif

/*
 * Virtual address space, shared by the library OS and the program (both run
 * in ring 3). Everything is in the lower half: PVM confines a guest's page
 * walks to the lower half and one hypervisor-chosen slice of the upper half
 * (never the top 2 GiB), so a higher-half image could not run there.
 *   [0, 1 GiB)                the Linux program's fixed addresses and brk
 *                             (later issues); page 0 is never mapped
 *   HUSK_KERNEL_VBASE + pa    the image, region by region permissions
 *                             (below 2 GiB: the small code model)
 *   HUSK_DIRECT_MAP + pa      all guest RAM outside the image, read-write,
 *                             never executable
 *   elsewhere below 128 TiB   the program's mmap area and stack (later)
 * The first MiB of physical memory is never mapped.
 */
#define HUSK_KERNEL_VBASE HUSK_U64(0x40000000)
#define HUSK_DIRECT_MAP   HUSK_U64(0x100000000000)
#define HUSK_DIRECT_MAP_END HUSK_U64(0x110000000000) /* 1 TiB of RAM at most */
#define HUSK_IMAGE_PADDR  HUSK_U64(0x100000) /* image load address, 1 MiB */
/* The local APIC (xAPIC registers), when boot_info says there is one: its
 * page in the direct map, uncached, for ring 3 (timer, EOI). RAM never
 * reaches this physical address. */
#define HUSK_LAPIC_PADDR  HUSK_U64(0xfee00000)
#define HUSK_LAPIC_VA     (HUSK_DIRECT_MAP + HUSK_LAPIC_PADDR)

/*
 * I/O ports of husk-vmm. The TSS I/O bitmap lets ring 3 reach only these
 * (on husk-vmm) or the 16550 and the debug ports (on QEMU).
 *   HUSK_PORT_EXIT:    outl(value): the guest is done. value is
 *                      status | reason << 8 | detail << 16.
 *   HUSK_PORT_CONSOLE: outl(stream): flush boot_info->console; the monitor
 *                      writes console->len bytes (bounded by the size it
 *                      learnt from the image note, never by the guest) to its
 *                      standard error when stream is HUSK_STREAM_ERR, else
 *                      to its standard output, then sets len to 0.
 */
#define HUSK_PORT_EXIT    0x4a0
#define HUSK_PORT_CONSOLE 0x4a4
#define HUSK_PORT_WIDTH   4 /* both are written with 32-bit outl */
#define HUSK_STREAM_OUT   1
#define HUSK_STREAM_ERR   2

/* QEMU ports used on the PVH path. */
#define HUSK_QEMU_COM1       0x3f8 /* 16550 console */
#define HUSK_QEMU_COM2       0x2f8 /* 16550: host signals in, a byte each */
#define HUSK_QEMU_COM2_IRQ   3     /* its ISA line (GSI) */
#define HUSK_QEMU_DEBUGCON   0x402 /* isa-debugcon: "husk-exit N" status line */
#define HUSK_QEMU_DEBUG_EXIT 0x501 /* isa-debug-exit: ends QEMU */

/* Exit reasons (bits 8-15 of the value written to HUSK_PORT_EXIT). */
#define HUSK_EXIT_NORMAL       0 /* the program exited with status */
#define HUSK_EXIT_FAULT        1 /* a fault; detail = vector; reported */
#define HUSK_EXIT_PANIC        2 /* library OS panic; reported */
#define HUSK_EXIT_NESTED_FAULT 3 /* fault while handling a fault (ring 0
                                  * gave up; detail = vector) */
#define HUSK_EXIT_SIGNAL       4 /* a signal's default action ended the
                                  * program; detail = signal; reported */

/* Statuses the guest uses for its own failures, as a shell would report. */
#define HUSK_STATUS_PANIC 134 /* 128 + SIGABRT */

/*
 * husk-vmm's own failures. A guest status can be any 0-255 (a Linux program
 * may exit 123); husk-vmm's failures are told apart by the one "husk-vmm:"
 * line it prints on standard error, and use a range programs seldom use.
 */
#define HUSK_VMM_EXIT_USAGE   120 /* bad command line */
#define HUSK_VMM_EXIT_IMAGE   121 /* image missing, unreadable, not a husk ELF */
#define HUSK_VMM_EXIT_MEMORY  122 /* guest memory too small or unavailable */
#define HUSK_VMM_EXIT_KVM     123 /* /dev/kvm missing, not permitted, or
                                   * a KVM ioctl failed during setup */
#define HUSK_VMM_EXIT_VMEXIT  124 /* unexpected VM exit, emulation failure,
                                   * triple fault (register dump printed) */
#define HUSK_VMM_EXIT_GUEST   125 /* guest broke the ABI (bad port, bad
                                   * console length) or a nested fault */

#endif
