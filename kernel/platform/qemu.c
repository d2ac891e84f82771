/*
 * PVH backend (QEMU pc/q35/microvm, Firecracker, Xen PVH): the 16550 at
 * COM1 for the console, isa-debugcon for the exact exit status and
 * isa-debug-exit to stop QEMU. Ring 3 reaches these ports through the TSS
 * I/O bitmap.
 */
#include <husk/abi.h>
#include "../arch/x86_64/cpu.h"
#include "../lib.h"
#include "../platform.h"

#define LSR 5 /* line status register */
#define LSR_THRE 0x20 /* transmit holding register empty */

static void serial_putc(char c)
{
	int spins = 100000; /* a missing UART reads 0xff: THRE set */

	while (!(inb(HUSK_QEMU_COM1 + LSR) & LSR_THRE) && --spins)
		;
	outb(HUSK_QEMU_COM1, (uint8_t)c);
}

/* One serial line: both streams share it. */
static void qemu_write(int stream, const char *s, size_t n)
{
	(void)stream;
	while (n--)
		serial_putc(*s++);
}

static void qemu_flush(void)
{
}

/*
 * isa-debug-exit makes QEMU exit with (value << 1) | 1, so only 7 bits of
 * a status survive, and 0 cannot be told from 128. The full status goes
 * first to isa-debugcon as a "husk-exit N" line, which scripts/qemu-run.sh
 * reads back.
 */
static void __attribute__((noreturn)) qemu_exit(int status, unsigned reason,
						unsigned detail)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "husk-exit %d\n", status & 0xff);
	uint8_t v = (uint8_t)(status & 0x7f);

	(void)reason;
	(void)detail;
	for (int i = 0; i < n; i++)
		outb(HUSK_QEMU_DEBUGCON, (uint8_t)line[i]);
	if (status && !v)
		v = 0x7f;
	outb(HUSK_QEMU_DEBUG_EXIT, v);
	for (;;)
		husk_cpu_idle(&husk_never); /* no exit device: sleep for good */
}


static uint64_t qemu_take_host_signals(void)
{
	return 0; /* QEMU ends the VM on a signal */
}

const struct platform_ops platform_qemu = {
	.name = "pvh",
	.console_write = qemu_write,
	.console_flush = qemu_flush,
	.take_host_signals = qemu_take_host_signals,
	.exit = qemu_exit,
};
