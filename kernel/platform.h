/*
 * The one narrow interface through which the library OS sees the machine.
 * Everything else (clock, memory map, command line) comes from the boot
 * info the platform hands over; traps arrive at husk_trap() (trap.c).
 *
 * Backends: platform/vmm.c (husk-vmm: console ring, one exit per flush)
 * and platform/qemu.c (PVH starters: 16550 console, debug-exit device).
 * A later backend can run the same library OS as a host process.
 */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include <stddef.h>
#include <husk/bootinfo.h>

struct platform_ops {
	const char *name;
	/* Queue console output for HUSK_STREAM_OUT or HUSK_STREAM_ERR (the
	 * starter's standard output and error, where it has both); it may be
	 * held until the next flush. */
	void (*console_write)(int stream, const char *s, size_t n);
	void (*console_flush)(void);
	/* End the VM: status is what the starter exits with; reason and
	 * detail as in include/husk/abi.h. */
	void (*exit)(int status, unsigned reason, unsigned detail)
		__attribute__((noreturn));
	/* Signals the starter passed on to the program since the last call
	 * (bit sig-1), taken at HUSK_VEC_HOST_SIGNAL (husk-vmm) or COM2's
	 * interrupt (QEMU); 0 where it cannot. */
	uint64_t (*take_host_signals)(void);
	/* Once memory and the first thread exist: open the channels that
	 * need interrupts (QEMU's COM2). NULL when there are none. */
	void (*start)(void);
};

extern const struct platform_ops *platform;
extern const struct husk_boot_info *boot_info;

extern const struct platform_ops platform_vmm, platform_qemu;

/* Ring-3 entry points of the ring-0 services (entry.S). */
/* Halts until an interrupt unless *woken is set (kernel/sched idles). */
void husk_cpu_idle(volatile uint8_t *woken);
extern volatile uint8_t husk_never; /* always 0: halt for good */
void husk_invlpg(const void *va);
void husk_tlb_flush_all(void);
void husk_wrmsr(uint32_t msr, uint64_t value); /* FS/GS base only */

#endif
