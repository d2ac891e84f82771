/*
 * The PVH path in C, ring 0, on the temporary tables of pvh.S: fill the
 * boot info from Xen's hvm_start_info, find the CPU's features, the TSC
 * frequency and the wall-clock time, build the machine with the same
 * builder husk-vmm uses, and enter ring 3.
 *
 * Built -mgeneral-regs-only and placed in .r0text. It runs once, slowly
 * under PVM (every instruction emulated), so it stays short.
 */
#include <husk/abi.h>
#include <husk/bootinfo.h>
#include <husk/image.h>
#include <husk/machine.h>
#include <husk/x86.h>
#include "cpu.h"

/* Xen's PVH start structures (public/arch-x86/hvm/start_info.h). */
#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

extern const struct husk_image_layout husk_layout;
void pvh_enter(const struct husk_cpu_state *s) __attribute__((noreturn));

/* Early failures: nothing but the serial port and the exit device. */
static void __attribute__((noreturn)) die(const char *msg)
{
	const char *p;
	for (p = "husk: PVH boot: "; *p; p++)
		outb(HUSK_QEMU_COM1, (uint8_t)*p);
	for (p = msg; *p; p++)
		outb(HUSK_QEMU_COM1, (uint8_t)*p);
	outb(HUSK_QEMU_COM1, '\n');
	outb(HUSK_QEMU_DEBUG_EXIT, HUSK_STATUS_PANIC & 0x7f);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static uint32_t cpu_features(void)
{
	uint32_t r[4], f = 0, max;

	cpuid(0, 0, r);
	max = r[0];
	cpuid(1, 0, r);
	if (r[2] & (1u << 30))
		f |= HUSK_CPU_RDRAND;
	if (r[3] & (1u << 9))
		f |= HUSK_CPU_LAPIC; /* at its reset address on these machines */
	if (max >= 7) {
		cpuid(7, 0, r);
		if (r[1] & (1u << 0))
			f |= HUSK_CPU_FSGSBASE;
		if (r[1] & (1u << 7))
			f |= HUSK_CPU_SMEP;
		if (r[1] & (1u << 18))
			f |= HUSK_CPU_RDSEED;
		if (r[1] & (1u << 20))
			f |= HUSK_CPU_SMAP;
	}
	cpuid(0x80000000, 0, r);
	max = r[0];
	if (max >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		if (r[3] & (1u << 20))
			f |= HUSK_CPU_NX;
	}
	if (max >= 0x80000007) {
		cpuid(0x80000007, 0, r);
		if (r[3] & (1u << 8))
			f |= HUSK_CPU_INVTSC;
	}
	/* XCR0 would need xsetbv here; the PVH path keeps the reset XCR0
	 * and so does not offer XSAVE. */
	return f;
}

/* PIT channel 0's current count (counting down at 1.193182 MHz). */
static uint16_t pit_count(void)
{
	uint8_t lo, hi;

	outb(0x43, 0x00); /* latch channel 0 */
	lo = inb(0x40);
	hi = inb(0x40);
	return (uint16_t)(lo | hi << 8);
}

/* 10 ms of PIT channel 0 against the TSC; 0 when there is no PIT. Channel
 * 0 (not 2) because its gate needs no port 0x61, which microvm lacks. */
static uint64_t tsc_khz_from_pit(void)
{
	uint16_t start, now;
	uint64_t t0, t1, spins = 0;

	outb(0x43, 0x30); /* channel 0, lo/hi byte, mode 0, binary */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	start = pit_count();
	t0 = rdtsc();
	do {
		now = pit_count();
		if (++spins > 1000000)
			return 0; /* the count never moves: no PIT */
	} while ((uint16_t)(start - now) < 11932);
	t1 = rdtsc();
	return (t1 - t0) * 1193182 / ((uint64_t)(uint16_t)(start - now) * 1000);
}

/*
 * TSC frequency: a hypervisor's timing leaf, else CPUID leaf 0x15, else
 * the PIT. 0 when none works (the library OS then warns).
 */
static uint64_t tsc_khz(void)
{
	uint32_t r[4];

	cpuid(0x40000000, 0, r);
	if (r[0] >= 0x40000010 && r[1]) {
		cpuid(0x40000010, 0, r);
		if (r[0])
			return r[0];
	}
	cpuid(0, 0, r);
	if (r[0] >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2])
			return (uint64_t)r[2] * r[1] / r[0] / 1000;
	}
	return tsc_khz_from_pit();
}

/*
 * A BIOS leaves the legacy PICs delivering IRQ 0-7 on vectors 8-15, where
 * the CPU's own exceptions live (IRQ 0 would look like a double fault).
 * Move them to 0x20-0x2f and mask every line until a driver wants one.
 */
static void pic_remap_and_mask(void)
{
	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	outb(0xa0, 0x11);
	outb(0x21, 0x20); /* ICW2: vector bases */
	outb(0xa1, 0x28);
	outb(0x21, 0x04); /* ICW3: slave on IRQ 2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01); /* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xff); /* mask all */
	outb(0xa1, 0xff);
}

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static uint64_t bcd(uint8_t v, int is_bcd)
{
	return is_bcd ? (uint64_t)((v >> 4) * 10 + (v & 15)) : v;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static uint64_t days_from_civil(uint64_t y, uint64_t m, uint64_t d)
{
	uint64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Unix time in ns from the CMOS clock, 0 when there is none. */
static uint64_t rtc_wall_ns(void)
{
	uint8_t b;
	uint64_t s, mi, h, d, mo, y;
	int spins = 0, is_bcd;

	while ((cmos(0x0a) & 0x80) && spins++ < 100000)
		; /* update in progress */
	b = cmos(0x0b);
	if (b == 0xff)
		return 0;
	is_bcd = !(b & 0x04);
	s = bcd(cmos(0x00), is_bcd);
	mi = bcd(cmos(0x02), is_bcd);
	h = cmos(0x04);
	d = bcd(cmos(0x07), is_bcd);
	mo = bcd(cmos(0x08), is_bcd);
	y = 2000 + bcd(cmos(0x09), is_bcd);
	if (!(b & 0x02) && (h & 0x80)) /* 12-hour clock, PM */
		h = (bcd(h & 0x7f, is_bcd) % 12) + 12;
	else
		h = bcd(h, is_bcd);
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	return ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + s) *
	       1000000000ULL;
}

static void copy_cmdline(struct husk_boot_info *bi, uint64_t pa)
{
	const char *src = (const char *)pa;
	unsigned i = 0;

	if (pa)
		for (; i < HUSK_CMDLINE_MAX - 1 && src[i]; i++)
			bi->cmdline[i] = src[i];
	bi->cmdline[i] = 0;
}

static void copy_memmap(struct husk_boot_info *bi,
			const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *e =
		(const struct hvm_memmap_entry *)si->memmap_paddr;
	uint32_t i, n = 0;

	if (si->version < 1 || !si->memmap_paddr || !si->memmap_entries)
		die("the starter passed no memory map (hvm_start_info v1)");
	for (i = 0; i < si->memmap_entries && n < HUSK_MAX_MEM_REGIONS; i++) {
		bi->mem[n].base = e[i].addr;
		bi->mem[n].size = e[i].size;
		bi->mem[n].type = e[i].type == HUSK_MEM_RAM ? HUSK_MEM_RAM
							     : HUSK_MEM_RESERVED;
		n++;
	}
	bi->nmem = n;
}

static uint64_t ram_end(const struct husk_boot_info *bi)
{
	uint64_t end = 0;
	uint32_t i;

	for (i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == HUSK_MEM_RAM &&
		    bi->mem[i].base + bi->mem[i].size > end)
			end = bi->mem[i].base + bi->mem[i].size;
	return end;
}

void pvh_main(uint64_t start_info, uint64_t tsc_entry)
{
	const struct hvm_start_info *si = (const struct hvm_start_info *)start_info;
	struct husk_boot_info *bi = (struct husk_boot_info *)husk_layout.boot_info;
	struct husk_machine_env env;
	struct husk_cpu_state st;
	const char *err;

	if (start_info >= (1ULL << 30) || si->magic != HVM_START_MAGIC)
		die("no hvm_start_info from the starter");
	bi->magic = HUSK_BOOT_MAGIC;
	bi->version = HUSK_BOOT_VERSION;
	bi->size = sizeof(*bi);
	bi->platform = HUSK_PLATFORM_PVH;
	bi->tsc_at_entry = tsc_entry;
	copy_cmdline(bi, si->cmdline_paddr);
	copy_memmap(bi, si);
	if (si->nr_modules && si->modlist_paddr) {
		const struct hvm_modlist_entry *m =
			(const struct hvm_modlist_entry *)si->modlist_paddr;
		bi->initrd_paddr = m->paddr;
		bi->initrd_size = m->size;
	}
	pic_remap_and_mask();
	bi->tsc_khz = tsc_khz();
	bi->wall_ns_at_boot = rtc_wall_ns();
	bi->tsc_at_boot = rdtsc();

	env.phys_base = 0; /* identity-mapped by pvh.S */
	env.phys_size = ram_end(bi);
	env.mem = bi->mem;
	env.nmem = bi->nmem;
	env.platform = HUSK_PLATFORM_PVH;
	env.cpu_features = cpu_features();
	err = husk_build_machine(&env, &husk_layout, &st);
	if (err)
		die(err);
	bi->cpu_features = st.cpu_features;
	pvh_enter(&st);
}
