/*
 * husk-vmm backend. Console output collects in the shared ring and reaches
 * the monitor in one exit per flush (each exit costs ~25 us under PVM), so
 * never one per byte. Ring 3 reaches the two ports through the TSS I/O
 * bitmap.
 */
#include <husk/abi.h>
#include <husk/image.h>
#include "../arch/x86_64/cpu.h"
#include "../lib.h"
#include "../platform.h"

/* The ring: 16 KiB, named in the image note; data follows the header. */
char husk_console_ring[16384] __attribute__((aligned(4096)));
#define ring ((struct husk_console *)husk_console_ring)

static int ring_stream = HUSK_STREAM_OUT; /* whose bytes the ring holds */

static void vmm_flush(void)
{
	if (ring->len)
		outl(HUSK_PORT_CONSOLE, (uint32_t)ring_stream);
}

/* One ring for both streams: switching streams flushes first, so the
 * monitor sees each stream's bytes in order and in the right place. */
static void vmm_write(int stream, const char *s, size_t n)
{
	if (stream != ring_stream) {
		vmm_flush();
		ring_stream = stream;
	}
	while (n) {
		size_t used = ring->len;
		size_t room = HUSK_CONSOLE_SIZE - used;
		size_t k = n < room ? n : room;

		if (!room) {
			vmm_flush();
			continue;
		}
		memcpy(ring->buf + used, s, k);
		ring->len = (uint32_t)(used + k);
		s += k;
		n -= k;
	}
}

static void __attribute__((noreturn)) vmm_exit(int status, unsigned reason,
					       unsigned detail)
{
	vmm_flush();
	outl(HUSK_PORT_EXIT,
	     (uint32_t)(status & 0xff) | (reason & 0xff) << 8 | detail << 16);
	for (;;)
		husk_cpu_idle(&husk_never); /* not reached: the monitor has gone */
}


static uint64_t vmm_take_host_signals(void)
{
	return __atomic_exchange_n(&ring->signals, 0, __ATOMIC_SEQ_CST);
}

const struct platform_ops platform_vmm = {
	.name = "husk-vmm",
	.console_write = vmm_write,
	.console_flush = vmm_flush,
	.take_host_signals = vmm_take_host_signals,
	.exit = vmm_exit,
};

