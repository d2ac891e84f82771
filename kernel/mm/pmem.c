/*
 * Physical page allocator: one bitmap per free range (a bit per 4 KiB page,
 * set when allocated), kept at the start of the range it describes. First
 * fit from a moving hint; contiguous runs for multi-page requests.
 */
#include "../lib.h"
#include "../mm.h"

#define PAGE 4096ULL

struct range {
	uint64_t base;   /* first page described */
	uint64_t npages;
	uint64_t *bits;
	uint64_t hint;
};

static struct range ranges[PMEM_MAX_RANGES];
static unsigned nranges;
static uint64_t free_pages, total_pages;
static uintptr_t direct;

void *pmem_to_virt(uint64_t pa)
{
	return (void *)(direct + pa);
}

static void add_range(uint64_t lo, uint64_t hi)
{
	struct range *r;
	uint64_t n, map_pages;

	lo = ALIGN_UP(lo, PAGE);
	hi = ALIGN_DOWN(hi, PAGE);
	if (hi <= lo || nranges == PMEM_MAX_RANGES)
		return;
	n = (hi - lo) / PAGE;
	map_pages = ALIGN_UP((n + 7) / 8, PAGE) / PAGE;
	if (n <= map_pages)
		return;
	r = &ranges[nranges++];
	r->bits = pmem_to_virt(lo);
	memset(r->bits, 0, map_pages * PAGE);
	r->base = lo + map_pages * PAGE;
	r->npages = n - map_pages;
	r->hint = 0;
	free_pages += r->npages;
	total_pages += r->npages;
}

/* Adds [lo, hi) less every excluded range that cuts into it. */
static void add_clipped(uint64_t lo, uint64_t hi, const struct pmem_range *ex,
			unsigned nex)
{
	for (unsigned i = 0; i < nex; i++) {
		if (ex[i].end <= lo || ex[i].base >= hi)
			continue;
		add_clipped(lo, ex[i].base, ex + i + 1, nex - i - 1);
		add_clipped(ex[i].end, hi, ex + i + 1, nex - i - 1);
		return;
	}
	add_range(lo, hi);
}

void pmem_init(const struct husk_mem_region *mem, uint32_t nmem,
	       const struct pmem_range *exclude, unsigned nexclude,
	       uintptr_t direct_base)
{
	direct = direct_base;
	nranges = 0;
	free_pages = total_pages = 0;
	for (uint32_t i = 0; i < nmem; i++) {
		uint64_t lo = mem[i].base, hi = mem[i].base + mem[i].size;
		if (mem[i].type != HUSK_MEM_RAM)
			continue;
		if (lo < 0x100000)
			lo = 0x100000; /* never mapped: see ARCHITECTURE.md */
		if (hi > lo)
			add_clipped(lo, hi, exclude, nexclude);
	}
}

static int test_bit(const struct range *r, uint64_t i)
{
	return (r->bits[i / 64] >> (i % 64)) & 1;
}

static void set_bits(struct range *r, uint64_t i, uint64_t n, int on)
{
	for (; n; i++, n--) {
		if (on)
			r->bits[i / 64] |= 1ULL << (i % 64);
		else
			r->bits[i / 64] &= ~(1ULL << (i % 64));
	}
}

/* First run of n free pages at or after `from`; npages when none. */
static uint64_t find_run(const struct range *r, uint64_t from, uint64_t n)
{
	uint64_t run = 0;

	for (uint64_t i = from; i < r->npages; i++) {
		if (!(i % 64) && r->bits[i / 64] == ~0ULL && i + 64 <= r->npages) {
			run = 0;
			i += 63;
			continue;
		}
		run = test_bit(r, i) ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return r->npages;
}

uint64_t pmem_alloc(size_t n)
{
	if (!n || n > free_pages)
		return 0;
	for (unsigned k = 0; k < nranges; k++) {
		struct range *r = &ranges[k];
		uint64_t i = find_run(r, r->hint, n);

		if (i == r->npages && r->hint)
			i = find_run(r, 0, n);
		if (i == r->npages)
			continue;
		set_bits(r, i, n, 1);
		r->hint = i + n;
		free_pages -= n;
		return r->base + i * PAGE;
	}
	return 0;
}

void pmem_free(uint64_t pa, size_t n)
{
	for (unsigned k = 0; k < nranges; k++) {
		struct range *r = &ranges[k];
		if (pa < r->base || pa >= r->base + r->npages * PAGE)
			continue;
		set_bits(r, (pa - r->base) / PAGE, n, 0);
		if ((pa - r->base) / PAGE < r->hint)
			r->hint = (pa - r->base) / PAGE;
		free_pages += n;
		return;
	}
}

uint64_t pmem_free_pages(void)
{
	return free_pages;
}

uint64_t pmem_total_pages(void)
{
	return total_pages;
}
