/*
 * The I/O APIC, programmed from ring 3 through its register window, which
 * is mapped uncached into the direct map on first use. Each access is an
 * exit, but routing happens once per device at boot.
 */
#include "../../console.h"
#include "../../vm.h"
#include "ioapic.h"
#include "lapic.h"

#define IOAPIC_PADDR 0xfec00000
#define IOAPIC_BYTES 0x20
#define REG_SELECT 0x00 /* which register the window shows */
#define REG_WINDOW 0x10
#define IDX_VERSION 0x01
#define IDX_ROUTE(pin) (0x10 + 2 * (pin)) /* low half; high at +1 */
#define ROUTE_LEVEL (1u << 15)
#define ROUTE_MASKED (1u << 16)

static volatile uint32_t *regs;
static unsigned npins;

static uint32_t read_reg(unsigned idx)
{
	regs[REG_SELECT / 4] = idx;
	return regs[REG_WINDOW / 4];
}

static void write_reg(unsigned idx, uint32_t v)
{
	regs[REG_SELECT / 4] = idx;
	regs[REG_WINDOW / 4] = v;
}

static int ioapic_ready(void)
{
	if (regs)
		return 1;
	regs = vm_map_io(IOAPIC_PADDR, IOAPIC_BYTES);
	if (!regs) {
		kprintf("husk: ioapic: cannot map its registers at %#x\n",
			IOAPIC_PADDR);
		return 0;
	}
	npins = ((read_reg(IDX_VERSION) >> 16) & 0xff) + 1;
	return 1;
}

int ioapic_route(unsigned gsi, unsigned vector, int level)
{
	if (!ioapic_ready())
		return -1;
	if (gsi >= npins) {
		kprintf("husk: ioapic: interrupt line %u out of range (%u lines)\n",
			gsi, npins);
		return -1;
	}
	/* Fixed delivery to our APIC ID, physical mode, active high; the
	 * destination first, since the low half unmasks. */
	write_reg(IDX_ROUTE(gsi), ROUTE_MASKED);
	write_reg(IDX_ROUTE(gsi) + 1, lapic_id() << 24);
	write_reg(IDX_ROUTE(gsi), vector | (level ? ROUTE_LEVEL : 0));
	return 0;
}
