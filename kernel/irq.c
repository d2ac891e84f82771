/*
 * Interrupt dispatch in ring 3: the local APIC timer, husk-vmm's
 * host-signal interrupt, and devices' vectors (irq_claim, irq_alloc),
 * among them QEMU's COM2, the other way host signals arrive.
 */
#include <husk/image.h>
#include "arch/x86_64/lapic.h"
#include "irq.h"
#include "platform.h"
#include "sched/thread.h"
#include "sys/signal.h"

#define NDEV_VECTORS (HUSK_VEC_DEVICE_END - HUSK_VEC_DEVICE_BASE)

extern struct husk_trap_frame husk_trap_frame_area;

static struct {
	irq_handler_fn fn;
	void *arg;
} devices[NDEV_VECTORS];

static volatile uint8_t host_signals_waiting;

/* docker stop, husk stop, Ctrl-C: the monitor was sent these signals and
 * passes them on to the program, as a kill(2) from outside would. Here,
 * in the interrupt, they are only noted: raising one wakes threads, and
 * the interrupt may have landed inside sched_block between its test for
 * signals and its sleep, which would then sleep for good. The scheduler
 * raises them (irq_raise_host_signals), or the trap return when the
 * interrupt came in program code. */
void irq_host_signals(void)
{
	host_signals_waiting = 1;
	need_resched = 1;
}

void irq_raise_host_signals(void)
{
	struct ksiginfo info = { .code = SI_USER, .pid = 0 };
	uint64_t bits;

	if (!host_signals_waiting)
		return;
	host_signals_waiting = 0;
	bits = platform->take_host_signals();
	for (int sig = 1; sig <= 64; sig++)
		if (bits & (1ULL << (sig - 1)))
			signal_send(0, sig, &info);
}

static int is_device_vector(uint64_t vector)
{
	return vector >= HUSK_VEC_DEVICE_BASE && vector < HUSK_VEC_DEVICE_END;
}

/* The handler first: a level-triggered line (the IOAPIC's) must be quiet
 * before the EOI, or the IOAPIC sends the same interrupt again at once.
 * Then a scheduler pass, which runs net_poll: at the end of the current
 * system call, at once in program code, or when the idle halt returns. */
static void device_interrupt(uint64_t vector)
{
	unsigned i = (unsigned)(vector - HUSK_VEC_DEVICE_BASE);

	if (devices[i].fn)
		devices[i].fn(devices[i].arg);
	lapic_eoi();
	need_resched = 1;
}

void irq_take(uint64_t vector)
{
	if (vector == LAPIC_SPURIOUS_VECTOR)
		return; /* no EOI for the spurious vector */
	sched_interrupted();
	if (is_device_vector(vector)) {
		device_interrupt(vector);
		return;
	}
	lapic_eoi();
	if (vector == LAPIC_TIMER_VECTOR)
		sched_tick();
	else if (vector == HUSK_VEC_HOST_SIGNAL)
		irq_host_signals();
}

void irq_drain(void)
{
	uint64_t bits;

	while ((bits = __atomic_exchange_n(&husk_trap_frame_area.pending, 0,
					   __ATOMIC_SEQ_CST)))
		for (unsigned i = 0; i < 64; i++)
			if (bits & (1ULL << i))
				irq_take(32 + i);
}

int irq_claim(unsigned vector, irq_handler_fn fn, void *arg)
{
	unsigned i = vector - HUSK_VEC_DEVICE_BASE;

	if (!is_device_vector(vector) || devices[i].fn)
		return -1;
	devices[i].arg = arg;
	devices[i].fn = fn;
	return 0;
}

int irq_alloc(irq_handler_fn fn, void *arg)
{
	for (unsigned v = HUSK_VEC_DEVICE_BASE; v < HUSK_VEC_DEVICE_END; v++)
		if (!irq_claim(v, fn, arg))
			return (int)v;
	return -1;
}
