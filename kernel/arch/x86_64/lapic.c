/*
 * The local APIC timer in one-shot mode, driven from ring 3 through its
 * mapped register page. Its input clock is measured against the TSC once,
 * on first use, because hypervisors differ (KVM and QEMU clock it at 1 GHz,
 * hardware at the bus frequency).
 */
#include <husk/abi.h>
#include <husk/bootinfo.h>
#include "../../clock.h"
#include "../../platform.h"
#include "lapic.h"

#define REG_ID      0x20
#define REG_TPR     0x80
#define REG_EOI     0xb0
#define REG_SVR     0xf0
#define REG_LVT_TIMER 0x320
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR  0x390
#define REG_TIMER_DIV  0x3e0
#define REG_LVT_LINT0  0x350
#define SVR_ENABLE  0x100
#define LVT_MASKED  0x10000
#define DIV_BY_1    0xb

static uint64_t ticks_per_ms;
static int ready;

static volatile uint32_t *reg(unsigned off)
{
	return (volatile uint32_t *)(HUSK_LAPIC_VA + off);
}

/* About 1 ms of TSC time against the timer counting down from the top. */
static void calibrate(void)
{
	uint64_t t0, t1;
	uint32_t left;

	*reg(REG_LVT_TIMER) = LVT_MASKED | LAPIC_TIMER_VECTOR;
	*reg(REG_TIMER_INIT) = 0xffffffffu;
	t0 = clock_monotonic_ns();
	while ((t1 = clock_monotonic_ns()) - t0 < 1000000)
		__asm__ volatile("pause");
	left = *reg(REG_TIMER_CUR);
	*reg(REG_TIMER_INIT) = 0;
	ticks_per_ms = (uint64_t)(0xffffffffu - left) * 1000000 / (t1 - t0);
	if (!ticks_per_ms)
		ticks_per_ms = 1000000; /* a timer that does not count: 1 GHz */
}

/* Once: the timer wants it on first need, devices at boot. */
int lapic_init(void)
{
	if (ready)
		return 1;
	if (!(boot_info->cpu_features & HUSK_CPU_LAPIC))
		return 0;
	*reg(REG_TPR) = 0;
	*reg(REG_SVR) = SVR_ENABLE | LAPIC_SPURIOUS_VECTOR;
	*reg(REG_TIMER_DIV) = DIV_BY_1;
	calibrate();
	*reg(REG_LVT_TIMER) = LAPIC_TIMER_VECTOR; /* one-shot, unmasked */
	ready = 1;
	return 1;
}

uint32_t lapic_id(void)
{
	return *reg(REG_ID) >> 24;
}

/* A BIOS may leave LINT0 passing on the 8259's interrupts (ExtINT); the
 * 8259 sees the same legacy lines as the IOAPIC (microvm's virtio-mmio
 * GSIs) but nobody programmed it: such a line must reach us only through
 * the IOAPIC. */
void lapic_mask_lint0(void)
{
	*reg(REG_LVT_LINT0) = LVT_MASKED;
}

void lapic_timer_set(uint64_t ns)
{
	uint64_t ticks;

	if (ns > 1000000000000ULL)
		ns = 1000000000000ULL; /* the product must not overflow */
	ticks = ns ? ns * ticks_per_ms / 1000000 : 0;

	if (ns && !ticks)
		ticks = 1;
	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu; /* the caller re-arms when it fires early */
	*reg(REG_TIMER_INIT) = (uint32_t)ticks;
}

void lapic_eoi(void)
{
	*reg(REG_EOI) = 0;
}
