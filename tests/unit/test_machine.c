/*
 * The shared machine builder (kernel/arch/x86_64/machine.c), run on the
 * host on a synthetic image layout in a host buffer standing in for guest
 * memory: the page tables are walked as the CPU would, and the TSS, IDT,
 * GDT, ring-0 variables and register state are read back.
 */
#include <string.h>
#include <sys/mman.h>

#include <husk/abi.h>
#include <husk/machine.h>
#include <husk/x86.h>

#include "check.h"

#define VB HUSK_KERNEL_VBASE
#define DM HUSK_DIRECT_MAP
#define MEM (8ULL << 20)

#define R HUSK_R_READ
#define W HUSK_R_WRITE
#define X HUSK_R_EXEC
#define U HUSK_R_USER

static uint8_t *mem;
static struct husk_image_layout lay;
static struct husk_mem_region ram = { 0, MEM, HUSK_MEM_RAM, 0 };
static struct husk_machine_env env;
static struct husk_cpu_state cpu;

static void region(uint64_t pa, uint64_t size, uint32_t flags)
{
	struct husk_region *r = &lay.region[lay.nregions++];

	r->vaddr = VB + pa;
	r->size = size;
	r->flags = flags;
}

/* Like the real image: regions with guard pages between the stacks. */
static void make_layout(void)
{
	memset(&lay, 0, sizeof(lay));
	lay.abi_version = HUSK_ABI_VERSION;
	lay.image_start = VB + 0x100000;
	lay.image_end = VB + 0x13e000;
	lay.entry = VB + 0x101000;
	lay.syscall_entry = VB + 0x100800;
	lay.vectors = VB + 0x103000;
	lay.console = VB + 0x104000;
	lay.console_size = 4096 - HUSK_CONSOLE_HDR;
	lay.trap_frame = VB + 0x105000;
	lay.trap_entry = VB + 0x101100;
	lay.idle_site = VB + 0x101200;
	lay.invlpg_site = VB + 0x101300;
	lay.boot_info = VB + 0x108000;
	lay.r3_stack_top = VB + 0x10f000;
	lay.trap_stack_top = VB + 0x112000;
	lay.gdt = VB + 0x112000;
	lay.idt = VB + 0x113000;
	lay.tss = VB + 0x114000;
	lay.r0vars = VB + 0x117000;
	lay.r0_stack_top = VB + 0x11b000;
	lay.ist_stack_top = VB + 0x11e000;
	lay.pt_pool = VB + 0x11e000;
	lay.pt_pool_size = 0x20000;
	region(0x100000, 0x1000, R | X);         /* ring-0 stubs */
	region(0x101000, 0x2000, R | X | U);     /* text */
	region(0x103000, 0x1000, R | U);         /* rodata */
	region(0x104000, 0x4000, R | W | U);     /* data */
	region(0x108000, 0x2000, R | U);         /* boot info */
	/* 0x10a000: guard */
	region(0x10b000, 0x4000, R | W | U);     /* r3 stack */
	/* 0x10f000: guard */
	region(0x110000, 0x2000, R | W | U);     /* trap stack */
	region(0x112000, 0x6000, R | W);         /* GDT, IDT, TSS, r0vars */
	/* 0x118000: guard */
	region(0x119000, 0x2000, R | W);         /* r0 stack */
	/* 0x11b000: guard */
	region(0x11c000, 0x22000, R | W);        /* IST stack, pt pool */
}

static const char *build(uint32_t platform, uint32_t features)
{
	uint64_t *vec;
	unsigned v;

	memset(mem, 0, MEM);
	vec = (uint64_t *)(mem + (lay.vectors - VB));
	for (v = 0; v < 256; v++)
		vec[v] = VB + 0x100000 + v * 16;
	env.phys_base = (uintptr_t)mem;
	env.phys_size = MEM;
	env.mem = &ram;
	env.nmem = 1;
	env.platform = platform;
	env.cpu_features = features;
	memset(&cpu, 0, sizeof(cpu));
	return husk_build_machine(&env, &lay, &cpu);
}

struct walk {
	int present;
	uint64_t pa, size;
	int w, u, nx;
	int tables_in_pool;
};

/* Translates va as the CPU does: W and U must be set at every level, NX
 * at any level forbids execution. */
static struct walk walk(uint64_t va)
{
	struct walk r = { 0, 0, 0, 1, 1, 0, 1 };
	uint64_t table = cpu.cr3, pool = lay.pt_pool - VB;
	int shift;

	for (shift = 39; shift >= 12; shift -= 9) {
		uint64_t e;

		if (table >= MEM)
			return r;
		if (table < pool || table >= pool + lay.pt_pool_size)
			r.tables_in_pool = 0;
		e = ((uint64_t *)(mem + table))[(va >> shift) & 511];
		if (!(e & PTE_P))
			return r;
		r.w &= !!(e & PTE_W);
		r.u &= !!(e & PTE_U);
		r.nx |= !!(e & PTE_NX);
		if (shift == 12 || (shift <= 30 && (e & PTE_PS))) {
			r.present = 1;
			r.size = 1ULL << shift;
			r.pa = (e & PTE_ADDR & ~(r.size - 1)) | (va & (r.size - 1));
			return r;
		}
		table = e & PTE_ADDR;
	}
	return r;
}

/* Every page of [pa, pa+len) at VB+pa mapped with these permissions. */
static int mapped_as(uint64_t pa, uint64_t len, int w, int u, int nx)
{
	uint64_t off;

	for (off = 0; off < len; off += 4096) {
		struct walk r = walk(VB + pa + off);
		if (!r.present || r.pa != pa + off || r.w != w || r.u != u ||
		    r.nx != nx || !r.tables_in_pool)
			return 0;
	}
	return 1;
}

static int unmapped(uint64_t va)
{
	return !walk(va).present;
}

static void test_page_tables(void)
{
	struct walk r;
	uint64_t pa;
	int ok;

	CHECK("builder: succeeds", build(HUSK_PLATFORM_VMM, ~0u) == NULL);
	CHECK("pt: ring-0 text present, exec, read-only, supervisor",
	      mapped_as(0x100000, 0x1000, 0, 0, 0));
	CHECK("pt: text present, exec, read-only, user",
	      mapped_as(0x101000, 0x2000, 0, 1, 0));
	CHECK("pt: rodata read-only, NX, user",
	      mapped_as(0x103000, 0x1000, 0, 1, 1));
	CHECK("pt: data writable, NX, user",
	      mapped_as(0x104000, 0x4000, 1, 1, 1));
	CHECK("pt: boot info read-only for ring 3",
	      mapped_as(0x108000, 0x2000, 0, 1, 1));
	CHECK("pt: stacks writable, NX, user",
	      mapped_as(0x10b000, 0x4000, 1, 1, 1) &&
	      mapped_as(0x110000, 0x2000, 1, 1, 1));
	CHECK("pt: GDT/IDT/TSS/r0vars supervisor, writable, NX",
	      mapped_as(0x112000, 0x6000, 1, 0, 1));
	CHECK("pt: ring-0 stacks and pool supervisor, writable, NX",
	      mapped_as(0x119000, 0x2000, 1, 0, 1) &&
	      mapped_as(0x11c000, 0x22000, 1, 0, 1));
	CHECK("pt: guard pages unmapped",
	      unmapped(VB + 0x10a000) && unmapped(VB + 0x10f000) &&
	      unmapped(VB + 0x118000) && unmapped(VB + 0x11b000));
	CHECK("pt: page 0 unmapped", unmapped(0) && unmapped(0xfff));
	CHECK("pt: nothing below the image in its range",
	      unmapped(VB) && unmapped(VB + 0xff000));
	CHECK("pt: nothing past the image", unmapped(VB + 0x13e000));

	/* The direct map: RAM from 1 MiB, minus the image, NX. */
	CHECK("direct: first MiB unmapped",
	      unmapped(DM) && unmapped(DM + 0xff000));
	for (ok = 1, pa = 0x100000; pa < 0x13e000; pa += 4096)
		ok &= unmapped(DM + pa);
	CHECK("direct: the image is not in the direct map", ok);
	r = walk(DM + 0x13e000);
	CHECK("direct: 4 KiB pages up to the first 2 MiB boundary",
	      r.present && r.size == 4096 && r.pa == 0x13e000 && r.w &&
	      r.nx && r.u);
	r = walk(DM + 0x1ff000);
	CHECK("direct: last 4 KiB page before 2 MiB",
	      r.present && r.size == 4096 && r.pa == 0x1ff000);
	for (ok = 1, pa = 0x200000; pa < MEM; pa += 0x200000) {
		r = walk(DM + pa + 0x1234);
		ok &= r.present && r.size == (2ULL << 20) &&
		      r.pa == pa + 0x1234 && r.nx && r.w;
	}
	CHECK("direct: 2 MiB pages once aligned, writable, NX", ok);
	CHECK("direct: nothing past the end of RAM", unmapped(DM + MEM));
	CHECK("pt: pages used reported", cpu.pt_pages >= 5 && cpu.pt_pages < 32);
}

static void test_no_nx(void)
{
	struct walk r;

	CHECK("no NX: builder succeeds",
	      build(HUSK_PLATFORM_VMM, ~0u & ~HUSK_CPU_NX) == NULL);
	r = walk(VB + 0x104000);
	CHECK("no NX: no NX bit anywhere (it would be reserved)",
	      r.present && !r.nx && !walk(DM + 0x200000).nx &&
	      !(cpu.efer & EFER_NXE));
}

static int port_allowed(const uint8_t *bitmap, unsigned port, unsigned size)
{
	unsigned i;

	for (i = 0; i < size; i++)
		if (bitmap[(port + i) / 8] & (1u << ((port + i) % 8)))
			return 0;
	return 1;
}

/* Only `ok` ports open (port_allowed of 1 byte). */
static int only_open(const uint8_t *bitmap, const unsigned *ok, unsigned n)
{
	unsigned p, i, want;

	for (p = 0; p < 65536; p++) {
		for (want = 0, i = 0; i < n; i++)
			want |= ok[i] == p;
		if (port_allowed(bitmap, p, 1) != (int)want)
			return 0;
	}
	return 1;
}

static const uint8_t *tss_bitmap(const uint8_t **tss)
{
	*tss = mem + (lay.tss - VB);
	return *tss + ((*tss)[102] | (*tss)[103] << 8);
}

static void test_tss(void)
{
	unsigned vmm[2 * HUSK_PORT_WIDTH], i;
	static const unsigned pvh[] = {
		0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff,
		0x2f8, 0x2f9, 0x2fa, 0x2fb, 0x2fc, 0x2fd, 0x2fe, 0x2ff,
		HUSK_QEMU_DEBUGCON, HUSK_QEMU_DEBUG_EXIT,
		0xcf8, 0xcf9, 0xcfa, 0xcfb, 0xcfc, 0xcfd, 0xcfe, 0xcff,
	};
	const uint8_t *tss, *bm;
	uint64_t rsp0, ist1;

	for (i = 0; i < HUSK_PORT_WIDTH; i++) {
		vmm[i] = HUSK_PORT_EXIT + i;
		vmm[HUSK_PORT_WIDTH + i] = HUSK_PORT_CONSOLE + i;
	}
	build(HUSK_PLATFORM_VMM, ~0u);
	bm = tss_bitmap(&tss);
	memcpy(&rsp0, tss + 4, 8);
	memcpy(&ist1, tss + 36, 8);
	CHECK("tss: RSP0 and IST1",
	      rsp0 == lay.r0_stack_top && ist1 == lay.ist_stack_top);
	CHECK("tss: bitmap right after the TSS, terminated",
	      bm == tss + HUSK_TSS_SIZE && bm[HUSK_IOBITMAP_SIZE] == 0xff);
	/* abi.h: the guest writes both ports with outl; the CPU checks the
	 * bit of every byte an access touches. */
	CHECK("tss: vmm: outl to HUSK_PORT_EXIT allowed",
	      port_allowed(bm, HUSK_PORT_EXIT, 4));
	CHECK("tss: vmm: outl to HUSK_PORT_CONSOLE allowed",
	      port_allowed(bm, HUSK_PORT_CONSOLE, 4));
	CHECK("tss: vmm: no other port open",
	      only_open(bm, vmm, 2 * HUSK_PORT_WIDTH));
	CHECK("tss: vmm: COM1, COM2 and QEMU ports closed",
	      !port_allowed(bm, 0x3f8, 1) && !port_allowed(bm, 0x2f8, 1) &&
	      !port_allowed(bm, 0x501, 1));
	CHECK("r0vars: vmm exit port",
	      ((struct husk_r0vars *)(mem + (lay.r0vars - VB)))->exit_port ==
	      HUSK_PORT_EXIT);

	build(HUSK_PLATFORM_PVH, ~0u);
	bm = tss_bitmap(&tss);
	CHECK("tss: pvh: COM1, COM2, 0x402, 0x501, PCI configuration 0xcf8-0xcff "
	      "and nothing else", only_open(bm, pvh, sizeof(pvh) / sizeof(pvh[0])));
	CHECK("r0vars: pvh exits through isa-debug-exit",
	      ((struct husk_r0vars *)(mem + (lay.r0vars - VB)))->exit_port ==
	      HUSK_QEMU_DEBUG_EXIT &&
	      ((struct husk_r0vars *)(mem + (lay.r0vars - VB)))->qemu == 1);
}

static void test_idt_gdt(void)
{
	const uint64_t *idt, *gdt;
	unsigned v;
	int ok = 1;

	build(HUSK_PLATFORM_VMM, ~0u);
	idt = (const uint64_t *)(mem + (lay.idt - VB));
	for (v = 0; v < 256; v++) {
		uint64_t lo = idt[2 * v], hi = idt[2 * v + 1];
		uint64_t off = (lo & 0xffff) | ((lo >> 48) << 16) | (hi << 32);
		unsigned attr = (lo >> 40) & 0xff, ist = (lo >> 32) & 7;
		unsigned want_attr = v == VEC_BP ? 0xee : 0x8e;
		unsigned want_ist = v == VEC_DF || v == VEC_NMI || v == VEC_MC;

		ok &= off == VB + 0x100000 + v * 16 &&
		      ((lo >> 16) & 0xffff) == GDT_KERNEL_CS &&
		      attr == want_attr && ist == want_ist;
	}
	CHECK("idt: every gate points at its vector stub", ok);
	gdt = (const uint64_t *)(mem + (lay.gdt - VB));
	CHECK("gdt: user code 64-bit DPL 3, user data DPL 3",
	      gdt[GDT_USER_CS / 8] == 0x00affb000000ffffULL &&
	      gdt[GDT_USER_DS / 8] == 0x00cff3000000ffffULL);
	CHECK("gdt: TSS descriptor base",
	      (((gdt[8] >> 16) & 0xffffff) | ((gdt[8] >> 56) << 24) |
	       (gdt[9] << 32)) == lay.tss &&
	      ((gdt[8] >> 40) & 0xff) == 0x89);
}

static void test_cpu_state(void)
{
	uint64_t pool = lay.pt_pool - VB;

	build(HUSK_PLATFORM_VMM, HUSK_CPU_NX | HUSK_CPU_SMEP | HUSK_CPU_XSAVE);
	CHECK("cpu: registers start the library OS in ring 3",
	      cpu.rip == lay.entry && cpu.rsp == lay.r3_stack_top &&
	      cpu.rdi == lay.boot_info && cpu.cs == GDT_USER_CS &&
	      cpu.ss == GDT_USER_DS && cpu.tr == GDT_TSS);
	CHECK("cpu: cr3 is the first pool page", cpu.cr3 == pool);
	CHECK("cpu: long mode, paging, WP",
	      (cpu.cr0 & (CR0_PG | CR0_PE | CR0_WP)) ==
	      (CR0_PG | CR0_PE | CR0_WP) && (cpu.efer & EFER_LMA) &&
	      (cpu.cr4 & CR4_PAE));
	CHECK("cpu: CR4 follows the features",
	      (cpu.cr4 & CR4_SMEP) && !(cpu.cr4 & CR4_SMAP) &&
	      (cpu.cr4 & CR4_OSXSAVE) && !(cpu.cr4 & CR4_FSGSBASE));
	CHECK("cpu: features enabled reported",
	      cpu.cpu_features == (HUSK_CPU_NX | HUSK_CPU_SMEP | HUSK_CPU_XSAVE));
	CHECK("cpu: LSTAR, descriptor tables",
	      cpu.lstar == lay.syscall_entry && cpu.gdt_base == lay.gdt &&
	      cpu.idt_base == lay.idt && cpu.tss_base == lay.tss &&
	      cpu.tss_limit == HUSK_TSS_AREA_SIZE - 1);
}

static void test_errors(void)
{
	const char *why;

	lay.pt_pool_size = 2 * 4096;
	why = build(HUSK_PLATFORM_VMM, ~0u);
	CHECK("pool too small: an error, not a crash",
	      why && strstr(why, "page-table pool exhausted"));
	make_layout();

	CHECK("check_layout: sound layout accepted", husk_check_layout(&lay) == NULL);
	lay.region[1].flags |= W;
	CHECK("check_layout: W+X region rejected",
	      husk_check_layout(&lay) != NULL);
	make_layout();
	lay.region[2].vaddr = lay.region[1].vaddr + 0x1000;
	CHECK("check_layout: overlapping regions rejected",
	      husk_check_layout(&lay) != NULL);
	make_layout();
	lay.gdt = lay.image_end;
	CHECK("check_layout: GDT outside the image rejected",
	      husk_check_layout(&lay) != NULL);
	make_layout();
	lay.boot_info = lay.image_end - 4096;
	CHECK("check_layout: boot info running past the image rejected",
	      husk_check_layout(&lay) != NULL);
	make_layout();
	lay.region[0].size = 0x800;
	CHECK("check_layout: unaligned region rejected",
	      husk_check_layout(&lay) != NULL);
	make_layout();
	lay.abi_version = HUSK_ABI_VERSION + 1;
	CHECK("check_layout: other ABI version rejected",
	      husk_check_layout(&lay) != NULL);
	make_layout();
	lay.image_start = VB;
	CHECK("check_layout: image below 1 MiB rejected",
	      husk_check_layout(&lay) != NULL);
	make_layout();
}

int main(void)
{
	mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 2;
	make_layout();
	test_page_tables();
	test_no_nx();
	test_tss();
	test_idt_gdt();
	test_cpu_state();
	test_errors();
	return CHECK_DONE();
}
