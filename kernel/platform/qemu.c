/*
 * PVH backend (QEMU pc/q35/microvm, Firecracker, Xen PVH): the 16550 at
 * COM1 for the console, isa-debugcon for the exact exit status and
 * isa-debug-exit to stop QEMU; where the starter wires one (husk-qemu), a
 * second 16550 at COM2 brings the signals it was sent. Ring 3 reaches
 * these ports through the TSS I/O bitmap.
 */
#include <husk/abi.h>
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/ioapic.h"
#include "../arch/x86_64/lapic.h"
#include "../console.h"
#include "../irq.h"
#include "../lib.h"
#include "../platform.h"

/* 16550 registers, offsets from the UART's base port (DLAB clear). */
#define RBR 0 /* receive buffer */
#define IER 1 /* interrupt enable */
#define LCR 3 /* line control */
#define MCR 4 /* modem control */
#define LSR 5 /* line status register */
#define SCR 7 /* scratch */
#define IER_RX 0x01   /* interrupt while a received byte waits */
#define LCR_8N1 0x03  /* and DLAB clear, so RBR and IER are reachable */
#define MCR_OUT2 0x08 /* on PCs, gates the UART's line to the controller */
#define LSR_DR 0x01   /* a received byte waits in RBR */
#define LSR_THRE 0x20 /* transmit holding register empty */
/* Bytes taken per interrupt: a line still raised after them interrupts
 * again after the EOI (level-triggered), so nothing waits for long. */
#define COM2_BURST 16

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

/*
 * COM2 is a control channel, never a console: husk-qemu writes one byte
 * per signal it was sent, the signal's number (lib/launch_qemu_run.c).
 * signals_in collects them as husk-vmm's console page collects its own,
 * bit sig-1, until irq_host_signals() takes them.
 */
static uint64_t signals_in;

/* Nothing at a port reads 0xff; a scratch register that keeps two
 * different values is a UART's. */
static int com2_present(void)
{
	outb(HUSK_QEMU_COM2 + SCR, 0x5a);
	if (inb(HUSK_QEMU_COM2 + SCR) != 0x5a)
		return 0;
	outb(HUSK_QEMU_COM2 + SCR, 0xa5);
	return inb(HUSK_QEMU_COM2 + SCR) == 0xa5;
}

/* Reading RBR lowers the line once no byte waits: done before the EOI,
 * as a level-triggered device handler must (kernel/irq.c). */
static void com2_receive(void *arg)
{
	(void)arg;
	for (int n = 0; n < COM2_BURST; n++) {
		uint8_t sig;

		if (!(inb(HUSK_QEMU_COM2 + LSR) & LSR_DR))
			break;
		sig = inb(HUSK_QEMU_COM2 + RBR);
		if (sig >= 1 && sig <= 64)
			__atomic_fetch_or(&signals_in, 1ULL << (sig - 1),
					  __ATOMIC_SEQ_CST);
		else
			kprintf("husk: COM2: byte %u is not a signal number: "
				"ignored\n", sig);
	}
	irq_host_signals();
}

/*
 * The line is routed level-triggered: the 16550 holds it high for as long
 * as a byte waits, so a byte that lands while the handler runs raises the
 * interrupt again after the EOI instead of hiding behind a line that
 * never went low (an edge would be missed). No FIFO: turning it on
 * clears it, which would drop a signal sent while we booted; without it
 * QEMU keeps the next bytes in the channel until RBR is read.
 */
static void qemu_start(void)
{
	int vector;

	if (!com2_present())
		return; /* no channel: signals stay the starter's */
	if (!lapic_init()) {
		kprintf("husk: COM2: no local APIC: host signals are not "
			"passed on\n");
		return;
	}
	if ((vector = irq_alloc(com2_receive, 0)) < 0) {
		kprintf("husk: COM2: no interrupt vector left: host signals "
			"are not passed on\n");
		return;
	}
	outb(HUSK_QEMU_COM2 + LCR, LCR_8N1);
	outb(HUSK_QEMU_COM2 + MCR, MCR_OUT2);
	lapic_mask_lint0(); /* IRQ 3 reaches the 8259 too */
	if (ioapic_route(HUSK_QEMU_COM2_IRQ, (unsigned)vector, 1))
		return; /* ioapic_route said why */
	outb(HUSK_QEMU_COM2 + IER, IER_RX); /* a byte already waiting fires now */
}

static uint64_t qemu_take_host_signals(void)
{
	return __atomic_exchange_n(&signals_in, 0, __ATOMIC_SEQ_CST);
}

const struct platform_ops platform_qemu = {
	.name = "pvh",
	.console_write = qemu_write,
	.console_flush = qemu_flush,
	.take_host_signals = qemu_take_host_signals,
	.start = qemu_start,
	.exit = qemu_exit,
};
