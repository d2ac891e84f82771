/*
 * The machine builder (see include/husk/machine.h). Compiled into husk-vmm
 * and, as ring-0 code, into the guest's PVH path: so no library calls, no
 * floating point, and only simple stores (every ring-0 instruction costs
 * about 0.5 us under PVM).
 *
 * Precondition: the page-table pool is zero, as ELF bss is.
 */
#include <husk/abi.h>
#include <husk/machine.h>
#include <husk/x86.h>

struct builder {
	const struct husk_machine_env *env;
	uint64_t pml4;      /* physical address */
	uint64_t next, end; /* free part of the page-table pool */
	uint64_t nx;        /* PTE_NX when the CPU has it, else 0 */
	uint32_t used;
	const char *err;
};

static uint64_t image_pa(uint64_t va)
{
	return va - HUSK_KERNEL_VBASE;
}

static uint64_t *table_at(const struct builder *b, uint64_t pa)
{
	return (uint64_t *)(b->env->phys_base + pa);
}

static uint64_t new_table(struct builder *b)
{
	if (b->next >= b->end) {
		b->err = "page-table pool exhausted: guest memory map too large "
			 "for this image";
		return 0;
	}
	b->next += PAGE_SIZE;
	b->used++;
	return b->next - PAGE_SIZE;
}

/* The entry at `index` of table `pa`, made to point at a next-level table. */
static uint64_t next_level(struct builder *b, uint64_t pa, unsigned index)
{
	uint64_t *t = table_at(b, pa);

	if (t[index] & PTE_PS) {
		b->err = "overlapping mappings in the image layout";
		return 0;
	}
	if (!(t[index] & PTE_P)) {
		uint64_t nt = new_table(b);
		if (!nt)
			return 0;
		/* Permissions are decided at the leaf; upper levels allow all. */
		t[index] = nt | PTE_P | PTE_W | PTE_U;
	}
	return t[index] & PTE_ADDR;
}

static void map_one(struct builder *b, uint64_t va, uint64_t pa,
		    uint64_t size, uint64_t pte)
{
	uint64_t pdpt, pd, pt;
	uint64_t *leaf;
	unsigned idx;

	pdpt = next_level(b, b->pml4, (va >> 39) & 511);
	pd = pdpt ? next_level(b, pdpt, (va >> 30) & 511) : 0;
	if (!pd)
		return;
	if (size == HUGE_SIZE) {
		leaf = table_at(b, pd);
		idx = (va >> 21) & 511;
		pte |= PTE_PS;
	} else {
		pt = next_level(b, pd, (va >> 21) & 511);
		if (!pt)
			return;
		leaf = table_at(b, pt);
		idx = (va >> 12) & 511;
	}
	if (leaf[idx] & PTE_P) {
		b->err = "overlapping mappings in the image layout";
		return;
	}
	leaf[idx] = pa | pte;
}

/* Maps [va, va+len) to [pa, ...) with 2 MiB pages wherever alignment and
 * length allow, 4 KiB pages elsewhere. */
static void map_range(struct builder *b, uint64_t va, uint64_t pa,
		      uint64_t len, uint32_t flags)
{
	uint64_t pte = PTE_P;

	if (flags & HUSK_R_WRITE)
		pte |= PTE_W;
	if (flags & HUSK_R_USER)
		pte |= PTE_U;
	if (!(flags & HUSK_R_EXEC))
		pte |= b->nx;
	while (len && !b->err) {
		uint64_t step = PAGE_SIZE;
		if (!(va & (HUGE_SIZE - 1)) && !(pa & (HUGE_SIZE - 1)) &&
		    len >= HUGE_SIZE)
			step = HUGE_SIZE;
		map_one(b, va, pa, step, pte);
		va += step;
		pa += step;
		len -= step;
	}
}

static void map_direct(struct builder *b, uint64_t start, uint64_t end)
{
	if (end > start)
		map_range(b, HUSK_DIRECT_MAP + start, start, end - start,
			  HUSK_R_READ | HUSK_R_WRITE | HUSK_R_USER);
}

/* All RAM above 1 MiB and outside the image, read-write, never executable:
 * the image itself is reachable only through its own mappings. */
static void map_ram(struct builder *b, const struct husk_image_layout *l)
{
	uint64_t img_lo = image_pa(l->image_start);
	uint64_t img_hi = (image_pa(l->image_end) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint32_t i;

	for (i = 0; i < b->env->nmem && !b->err; i++) {
		const struct husk_mem_region *r = &b->env->mem[i];
		uint64_t lo = (r->base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		uint64_t hi = (r->base + r->size) & ~(PAGE_SIZE - 1);

		if (r->type != HUSK_MEM_RAM || r->size == 0)
			continue;
		if (lo < 0x100000)
			lo = 0x100000;
		if (hi > b->env->phys_size)
			hi = b->env->phys_size;
		if (hi <= lo)
			continue;
		map_direct(b, lo, hi < img_lo ? hi : img_lo);
		map_direct(b, lo > img_hi ? lo : img_hi, hi);
	}
}

/* The local APIC's register page, for ring 3: uncached (PCD | PWT), never
 * executable, where the direct map would put it (RAM never reaches it). */
static void map_lapic(struct builder *b)
{
	map_one(b, HUSK_LAPIC_VA, HUSK_LAPIC_PADDR, PAGE_SIZE,
		PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | b->nx);
}

static void put32(uint8_t *p, uint32_t v)
{
	*(volatile uint32_t *)p = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void *image_ptr(const struct builder *b, uint64_t va)
{
	return (void *)(b->env->phys_base + image_pa(va));
}

static void build_gdt(const struct builder *b, const struct husk_image_layout *l)
{
	uint64_t *g = image_ptr(b, l->gdt);
	uint64_t base = l->tss, limit = HUSK_TSS_AREA_SIZE - 1;

	g[0] = 0;
	g[1] = 0x00cf9b000000ffffULL; /* kernel 32-bit code (unused) */
	g[2] = 0x00af9b000000ffffULL; /* kernel 64-bit code */
	g[3] = 0x00cf93000000ffffULL; /* kernel data */
	g[4] = 0x00cffb000000ffffULL; /* user 32-bit code */
	g[5] = 0x00cff3000000ffffULL; /* user data */
	g[6] = 0x00affb000000ffffULL; /* user 64-bit code */
	g[7] = 0;
	/* 64-bit available TSS, present, DPL 0. */
	g[8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
	       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	g[9] = base >> 32;
}

static void allow_port(uint8_t *bitmap, unsigned port)
{
	bitmap[port / 8] &= (uint8_t)~(1u << (port % 8));
}

static void build_tss(const struct builder *b, const struct husk_image_layout *l)
{
	uint8_t *t = image_ptr(b, l->tss);
	uint8_t *bitmap = t + HUSK_TSS_SIZE;
	uint64_t *all = (uint64_t *)bitmap;
	unsigned i;

	put64(t + 4, l->r0_stack_top);   /* RSP0 */
	put64(t + 36, l->ist_stack_top); /* IST1 */
	t[102] = HUSK_TSS_SIZE & 0xff;   /* I/O bitmap offset */
	t[103] = HUSK_TSS_SIZE >> 8;
	for (i = 0; i < HUSK_IOBITMAP_SIZE / 8; i++)
		all[i] = ~0ULL; /* every port denied ... */
	bitmap[HUSK_IOBITMAP_SIZE] = 0xff;
	if (b->env->platform == HUSK_PLATFORM_VMM) { /* ... but ours; an
		 * outl needs every byte of the port's width open */
		for (i = 0; i < HUSK_PORT_WIDTH; i++) {
			allow_port(bitmap, HUSK_PORT_EXIT + i);
			allow_port(bitmap, HUSK_PORT_CONSOLE + i);
		}
	} else {
		for (i = 0; i < 8; i++) {
			allow_port(bitmap, HUSK_QEMU_COM1 + i);
			/* the host's signals, where a starter wires COM2 */
			allow_port(bitmap, HUSK_QEMU_COM2 + i);
		}
		allow_port(bitmap, HUSK_QEMU_DEBUGCON);
		allow_port(bitmap, HUSK_QEMU_DEBUG_EXIT);
		/* PCI configuration mechanism #1 (address 0xcf8, data
		 * 0xcfc): the virtio-pci driver scans bus 0 with it. */
		for (i = 0; i < 8; i++)
			allow_port(bitmap, 0xcf8 + i);
	}
}

static void build_idt(const struct builder *b, const struct husk_image_layout *l)
{
	uint64_t *idt = image_ptr(b, l->idt);
	const uint64_t *vec = image_ptr(b, l->vectors);
	unsigned v;

	for (v = 0; v < 256; v++) {
		uint64_t off = vec[v];
		uint64_t attr = 0x8e; /* present, DPL 0, interrupt gate */
		uint64_t ist = 0;

		if (v == VEC_BP)
			attr = 0xee; /* int3 from ring 3 is a breakpoint, not #GP */
		if (v == VEC_DF || v == VEC_NMI || v == VEC_MC)
			ist = 1;
		idt[2 * v] = (off & 0xffff) | ((uint64_t)GDT_KERNEL_CS << 16) |
			     (ist << 32) | (attr << 40) |
			     (((off >> 16) & 0xffff) << 48);
		idt[2 * v + 1] = off >> 32;
	}
}

static void build_r0vars(const struct builder *b,
			 const struct husk_image_layout *l, uint32_t features)
{
	struct husk_r0vars *v = image_ptr(b, l->r0vars);
	int qemu = b->env->platform != HUSK_PLATFORM_VMM;

	v->trap_entry = l->trap_entry;
	v->trap_stack_top = l->trap_stack_top;
	v->trap_frame = l->trap_frame;
	v->idle_site = l->idle_site;
	v->invlpg_site = l->invlpg_site;
	v->exit_port = qemu ? HUSK_QEMU_DEBUG_EXIT : HUSK_PORT_EXIT;
	v->smap = (features & HUSK_CPU_SMAP) ? 1 : 0;
	v->qemu = (uint8_t)qemu;
}

static void set_cpu_state(const struct husk_image_layout *l, uint32_t f,
			  uint64_t cr3, struct husk_cpu_state *s)
{
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = cr3;
	s->cr4 = CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (f & HUSK_CPU_SMEP)
		s->cr4 |= CR4_SMEP;
	if (f & HUSK_CPU_SMAP)
		s->cr4 |= CR4_SMAP;
	if (f & HUSK_CPU_FSGSBASE)
		s->cr4 |= CR4_FSGSBASE;
	if (f & HUSK_CPU_XSAVE)
		s->cr4 |= CR4_OSXSAVE;
	s->efer = EFER_SCE | EFER_LME | EFER_LMA;
	if (f & HUSK_CPU_NX)
		s->efer |= EFER_NXE;
	s->gdt_base = l->gdt;
	s->gdt_limit = HUSK_GDT_SIZE - 1;
	s->idt_base = l->idt;
	s->idt_limit = 256 * 16 - 1;
	s->tss_base = l->tss;
	s->tss_limit = HUSK_TSS_AREA_SIZE - 1;
	s->tr = GDT_TSS;
	s->cs = GDT_USER_CS;
	s->ss = s->ds = GDT_USER_DS;
	s->rip = l->entry;
	s->rsp = l->r3_stack_top;
	/* Interrupts on: ring 3 cannot turn them on itself (IOPL 0), and the
	 * timer must reach a busy thread. */
	s->rflags = RFLAGS_FIXED | RFLAGS_IF;
	s->rdi = l->boot_info;
	s->star = ((uint64_t)GDT_USER32_CS << 48) | ((uint64_t)GDT_KERNEL_CS << 32);
	s->lstar = l->syscall_entry;
	/* SYSCALL clears TF, DF, IF, IOPL, NT and AC, as on Linux. */
	s->sfmask = 0x47700;
	s->pat = 0x0007040600070406ULL; /* the reset value */
	s->cpu_features = f;
}

const char *husk_build_machine(const struct husk_machine_env *env,
			       const struct husk_image_layout *l,
			       struct husk_cpu_state *out)
{
	struct builder b = { 0 };
	uint32_t keep = HUSK_CPU_NX | HUSK_CPU_SMEP | HUSK_CPU_SMAP |
			HUSK_CPU_FSGSBASE | HUSK_CPU_RDRAND | HUSK_CPU_RDSEED |
			HUSK_CPU_XSAVE | HUSK_CPU_INVTSC | HUSK_CPU_LAPIC;
	uint32_t f = env->cpu_features & keep;
	uint32_t i;

	b.env = env;
	b.next = image_pa(l->pt_pool);
	b.end = b.next + l->pt_pool_size;
	b.nx = (f & HUSK_CPU_NX) ? PTE_NX : 0;
	b.pml4 = new_table(&b);
	for (i = 0; i < l->nregions && !b.err; i++) {
		const struct husk_region *r = &l->region[i];
		map_range(&b, r->vaddr, image_pa(r->vaddr), r->size, r->flags);
	}
	if (!b.err)
		map_ram(&b, l);
	if (!b.err && (f & HUSK_CPU_LAPIC))
		map_lapic(&b);
	if (b.err)
		return b.err;
	build_gdt(&b, l);
	build_tss(&b, l);
	build_idt(&b, l);
	build_r0vars(&b, l, f);
	set_cpu_state(l, f, b.pml4, out);
	out->pt_pages = b.used;
	return 0;
}

static int inside(const struct husk_image_layout *l, uint64_t va, uint64_t len)
{
	return va >= l->image_start && va <= l->image_end &&
	       len <= l->image_end - va;
}

static const char *check_regions(const struct husk_image_layout *l)
{
	uint32_t i, j;

	if (l->nregions == 0 || l->nregions > HUSK_MAX_IMAGE_REGIONS)
		return "bad region count in the husk note";
	for (i = 0; i < l->nregions; i++) {
		const struct husk_region *r = &l->region[i];
		if ((r->vaddr | r->size) & (PAGE_SIZE - 1))
			return "husk note region not page-aligned";
		if (!inside(l, r->vaddr, r->size))
			return "husk note region outside the image";
		if ((r->flags & HUSK_R_WRITE) && (r->flags & HUSK_R_EXEC))
			return "husk note region both writable and executable";
		for (j = 0; j < i; j++) {
			const struct husk_region *q = &l->region[j];
			if (r->vaddr < q->vaddr + q->size &&
			    q->vaddr < r->vaddr + r->size)
				return "husk note regions overlap";
		}
	}
	return 0;
}

const char *husk_check_layout(const struct husk_image_layout *l)
{
	if (l->abi_version != HUSK_ABI_VERSION)
		return "image built for another husk ABI version";
	if (l->image_start < HUSK_KERNEL_VBASE + HUSK_IMAGE_PADDR ||
	    l->image_end <= l->image_start ||
	    l->image_end - HUSK_KERNEL_VBASE > (1ULL << 30))
		return "image range in the husk note is not where husk images live";
	if (!inside(l, l->boot_info, HUSK_BOOT_INFO_SIZE) ||
	    l->console_size > (1u << 30) ||
	    !inside(l, l->console, HUSK_CONSOLE_HDR + l->console_size) ||
	    !inside(l, l->gdt, HUSK_GDT_SIZE) || !inside(l, l->idt, 4096) ||
	    !inside(l, l->tss, HUSK_TSS_AREA_SIZE) ||
	    !inside(l, l->r0vars, sizeof(struct husk_r0vars)) ||
	    !inside(l, l->pt_pool, l->pt_pool_size) ||
	    !inside(l, l->trap_frame, sizeof(struct husk_trap_frame)) ||
	    !inside(l, l->vectors, 256 * 8) || !inside(l, l->entry, 1) ||
	    !inside(l, l->r0_stack_top - 8, 8) ||
	    !inside(l, l->ist_stack_top - 8, 8) ||
	    !inside(l, l->r3_stack_top - 8, 8) ||
	    !inside(l, l->trap_stack_top - 8, 8) ||
	    ((l->pt_pool | l->pt_pool_size | l->gdt | l->idt) & (PAGE_SIZE - 1)))
		return "husk note points outside the image";
	return check_regions(l);
}

/* pvh.S and entry.S use these offsets. */
#include <stddef.h>
#define OFFSET_IS(type, field, value) \
	_Static_assert(offsetof(type, field) == (value), #type "." #field)
OFFSET_IS(struct husk_cpu_state, cr3, HCS_CR3);
OFFSET_IS(struct husk_cpu_state, efer, HCS_EFER);
OFFSET_IS(struct husk_cpu_state, gdt_limit, HCS_GDT_LIMIT);
OFFSET_IS(struct husk_cpu_state, idt_limit, HCS_IDT_LIMIT);
OFFSET_IS(struct husk_cpu_state, tr, HCS_TR);
OFFSET_IS(struct husk_cpu_state, rip, HCS_RIP);
OFFSET_IS(struct husk_cpu_state, rdi, HCS_RDI);
OFFSET_IS(struct husk_cpu_state, pat, HCS_PAT);
OFFSET_IS(struct husk_trap_frame, vector, TF_VECTOR);
OFFSET_IS(struct husk_trap_frame, rbp, TF_RBP);
OFFSET_IS(struct husk_trap_frame, rdi, TF_RDI);
OFFSET_IS(struct husk_trap_frame, rax, TF_RAX);
OFFSET_IS(struct husk_trap_frame, cs, TF_CS);
OFFSET_IS(struct husk_trap_frame, cr2, TF_CR2);
OFFSET_IS(struct husk_trap_frame, busy, TF_BUSY);
_Static_assert(sizeof(struct husk_trap_frame) == TF_SIZE, "trap frame size");
OFFSET_IS(struct husk_r0vars, exit_port, R0_EXIT_PORT);
OFFSET_IS(struct husk_r0vars, qemu, R0_QEMU);
OFFSET_IS(struct husk_r0vars, scratch, R0_SCRATCH);
_Static_assert(sizeof(struct husk_image_layout) == 8 + 22 * 8 + 12 * 24,
	       "note.S writes this layout");
