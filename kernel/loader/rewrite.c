/*
 * The system-call rewriter (see rewrite.h). For each site x86_scan_syscalls
 * marks X86_PATCH_MOV:
 *
 *   before                         after
 *   mov $NR, %eax   (5-7 bytes)    jmp tramp        (e9 rel32, int3 pad)
 *   syscall         (0f 05)        syscall          (left in place)
 *
 *   tramp (one 48-byte slot per site, in a read+exec area near the code):
 *     lea -128(%rsp), %rsp         skip the program's red zone
 *     mov $NR, %eax                the original mov, copied verbatim
 *     call husk_syscall_enter      direct when in reach, else through the
 *                                  pointer at the area's start
 *     pushfq; pop %r11             r11 = rflags, as SYSCALL leaves it
 *                                  (written inside the skipped 128 bytes)
 *     lea 128(%rsp), %rsp
 *     lea ret(%rip), %rcx          rcx = the address after the syscall
 *     jmp ret
 *
 * husk_syscall_enter preserves every register but rax (the result), rcx
 * and r11, and the flags; so after the trampoline the registers are those
 * a real SYSCALL on Linux leaves. The syscall instruction stays, so a jump
 * straight to it (which a linear sweep cannot rule out for indirect
 * branches) still works, through the slow path; the padding is int3 so
 * that a jump into the middle of the old mov stops loudly instead of
 * running a syscall with the wrong number.
 */
#include <husk/x86.h>
#include "../console.h"
#include "../lib.h"
#include "../mm.h"
#include "../mm/vma.h"
#include "../vm.h"
#include "rewrite.h"
#include "x86dec.h"

#define SLOT 48       /* bytes per trampoline (41 at most are used) */
#define AREA_HDR 64   /* the area starts with &husk_syscall_enter */
#define REACH 0x7ff00000LL /* rel32, with room for the area itself */
#define MAX_TRIES 65536    /* placement steps before giving up */
#define SITES0 512

extern char **husk_options;           /* kernel/main.c */
extern char husk_syscall_enter[];     /* kernel/sys/entry.S */

static uint32_t total_patched, total_declined;

static int has_option(const char *name)
{
	for (char **o = husk_options; o && *o; o++)
		if (!strcmp(*o, name))
			return 1;
	return 0;
}

int rewrite_enabled(void)
{
	static int enabled = -1;

	if (enabled < 0)
		enabled = !has_option("husk.no-rewrite");
	return enabled;
}

static int stats_wanted(void)
{
	static int wanted = -1;

	if (wanted < 0)
		wanted = has_option("husk.rewrite-stats");
	return wanted;
}

void rewrite_totals(uint32_t *patched, uint32_t *declined)
{
	*patched = total_patched;
	*declined = total_declined;
}

static int fits32(int64_t d)
{
	return d >= -0x80000000LL && d <= 0x7fffffffLL;
}

static uint8_t *put(uint8_t *p, const void *b, size_t n)
{
	memcpy(p, b, n);
	return p + n;
}

/* op (1-2 bytes) rel32 to target, for an instruction at va (p's address
 * once mapped) that ends right after the rel32. */
static uint8_t *rel32(uint8_t *p, uint64_t va, const uint8_t *op, size_t oplen,
		      uint64_t target)
{
	int32_t d = (int32_t)(int64_t)(target - (va + oplen + 4));

	p = put(p, op, oplen);
	return put(p, &d, 4);
}

/* One trampoline at t (mapped at tva); ret: the address after the syscall. */
static void emit(uint8_t *t, uint64_t tva, const uint8_t *mov, unsigned movlen,
		 uint64_t ret, uint64_t area_va)
{
	static const uint8_t skip_rz[] = { 0x48, 0x8d, 0x64, 0x24, 0x80 };
	static const uint8_t call_op[] = { 0xe8 }, call_ind[] = { 0xff, 0x15 };
	static const uint8_t flags_r11[] = { 0x9c, 0x41, 0x5b };
	static const uint8_t back_rz[] = { 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0 };
	static const uint8_t lea_rcx[] = { 0x48, 0x8d, 0x0d }, jmp_op[] = { 0xe9 };
	uint64_t enter = (uint64_t)husk_syscall_enter;
	uint8_t *p = t;

	memset(t, 0xcc, SLOT);
	p = put(p, skip_rz, sizeof(skip_rz));
	p = put(p, mov, movlen);
	if (fits32((int64_t)(enter - (tva + (p - t) + 5))))
		p = rel32(p, tva + (p - t), call_op, 1, enter);
	else
		p = rel32(p, tva + (p - t), call_ind, 2, area_va);
	p = put(p, flags_r11, sizeof(flags_r11));
	p = put(p, back_rz, sizeof(back_rz));
	p = rel32(p, tva + (p - t), lea_rcx, 3, ret);
	rel32(p, tva + (p - t), jmp_op, 1, ret);
}

/* Taken: mapped, or reserved by a mapping whose pages come on first
 * touch (kernel/mm/vma.c). */
static int taken(uint64_t va)
{
	uint64_t pa;
	unsigned prot;

	return vm_query(va, &pa, &prot) || vma_overlaps(va, va + PAGE_SIZE);
}

/* The first taken page in [lo, lo + len) from the top, or 0. */
static uint64_t top_taken(uint64_t lo, uint64_t len)
{
	uint64_t va;

	for (va = lo + len; va > lo; va -= PAGE_SIZE)
		if (taken(va - PAGE_SIZE))
			return va - PAGE_SIZE;
	return 0;
}

static uint64_t bottom_taken(uint64_t lo, uint64_t len)
{
	uint64_t va;

	for (va = lo; va < lo + len; va += PAGE_SIZE)
		if (taken(va))
			return va;
	return 0;
}

/* A free, mappable range of len bytes within [reach_lo, reach_hi), outside
 * [obj_lo, obj_hi): below the object first, then above it. 0 if none. */
static uint64_t place(uint64_t len, uint64_t obj_lo, uint64_t obj_hi,
		      uint64_t reach_lo, uint64_t reach_hi)
{
	uint64_t hi = obj_lo, lo = obj_hi, p;
	int i;

	for (i = 0; i < MAX_TRIES && hi >= reach_lo + len && hi > len; i++) {
		uint64_t c = hi - len;
		if (!vm_user_range(c, len))
			hi -= PAGE_SIZE;
		else if ((p = top_taken(c, len)))
			hi = p;
		else
			return c;
	}
	for (i = 0; i < MAX_TRIES && lo + len <= reach_hi; i++) {
		if (!vm_user_range(lo, len))
			lo += PAGE_SIZE;
		else if ((p = bottom_taken(lo, len)))
			lo = p + PAGE_SIZE;
		else
			return lo;
	}
	return 0;
}

static const char *const reason[X86_DECLINE_MAX] = {
	[X86_DECLINE_UNSUPPORTED] = "int80/sysenter",
	[X86_DECLINE_ENCODING] = "prefixed",
	[X86_DECLINE_NO_PREV] = "no-prev",
	[X86_DECLINE_PREV_NOT_MOV] = "not-mov",
	[X86_DECLINE_NEAR_RESYNC] = "near-garbage",
	[X86_DECLINE_BRANCH_INSIDE] = "branch-inside",
	[X86_DECLINE_SIGRETURN] = "rt_sigreturn",
};

static void report(uint64_t va, size_t len, const struct rewrite_result *r,
		   const struct x86_scan_stats *st, uint32_t far, uint32_t other)
{
	char buf[256];
	int n = 0;
	unsigned i;

	for (i = 1; i < X86_DECLINE_MAX; i++)
		if (st->decline[i])
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s %u",
				      n ? ", " : "", reason[i], st->decline[i]);
	if (far && n < (int)sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - n, "%sout-of-reach %u",
			      n ? ", " : "", far);
	if (other && n < (int)sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, "%sno-area %u", n ? ", " : "",
			 other);
	kprintf("husk: rewrite: 0x%lx+0x%lx: %u sites, %u patched, %u declined"
		"%s%s%s\n", (unsigned long)va, (unsigned long)len, r->sites,
		r->patched, r->declined, r->declined ? " (" : "",
		r->declined ? buf : "", r->declined ? ")" : "");
}

static int patchable(const struct x86_syscall_site *s, const uint8_t *mem,
		     uint64_t va, size_t len)
{
	uint64_t off = s->prev_addr - va;

	return (s->flags & X86_PATCH_MOV) && !s->decline &&
	       s->kind == X86_SITE_SYSCALL && s->len == 2 &&
	       s->prev_len >= 5 && s->prev_len <= 7 &&
	       s->prev_addr >= va && s->prev_addr + s->prev_len == s->addr &&
	       s->addr + 2 <= va + len &&
	       (mem[off] == 0xb8 || mem[off] == 0xc7 || mem[off] == 0x48);
}

int rewrite_code(uint8_t *mem, size_t len, uint64_t va, uint64_t obj_lo,
		 uint64_t obj_hi, struct rewrite_result *r)
{
	struct x86_scan_stats st;
	struct x86_syscall_site *s;
	uint64_t area = 0, area_len = 0, pa = 0, reach_lo, reach_hi;
	size_t max = SITES0, n, i, want = 0, k;
	uint32_t far = 0, noarea = 0;
	uint8_t *tp = 0;

	memset(r, 0, sizeof(*r));
	if (!rewrite_enabled() || !len)
		return 0;
	for (;;) {
		s = heap_alloc(max * sizeof(*s));
		if (!s)
			return 0;
		n = x86_scan_syscalls_ex(mem, len, va, s, max, &st);
		if (n <= max)
			break;
		heap_free(s);
		max = n;
	}
	r->sites = (uint32_t)n;
	for (i = 0; i < n; i++)
		want += patchable(&s[i], mem, va, len);
	reach_lo = va + len > (uint64_t)REACH ? va + len - REACH : 0;
	reach_hi = va + REACH;
	if (want) {
		area_len = ALIGN_UP(AREA_HDR + want * SLOT, PAGE_SIZE);
		area = place(area_len, ALIGN_DOWN(obj_lo, PAGE_SIZE),
			     ALIGN_UP(obj_hi, PAGE_SIZE), reach_lo, reach_hi);
		if (area && !(pa = pmem_alloc(area_len / PAGE_SIZE)))
			area = 0;
	}
	if (area) {
		uint64_t enter = (uint64_t)husk_syscall_enter;

		tp = pmem_to_virt(pa);
		memset(tp, 0xcc, area_len);
		memcpy(tp, &enter, 8);
		for (i = 0, k = 0; i < n; i++) {
			uint64_t t = area + AREA_HDR + k * SLOT;

			if (!patchable(&s[i], mem, va, len))
				continue;
			if (!fits32((int64_t)(t - (s[i].prev_addr + 5))) ||
			    !fits32((int64_t)(s[i].addr + 2 - t))) {
				far++;
				continue;
			}
			emit(tp + AREA_HDR + k * SLOT, t, mem + (s[i].prev_addr - va),
			     s[i].prev_len, s[i].addr + 2, area);
			k++;
		}
		/* Read+exec; written only through the direct map, above. */
		if (!k || vm_map(area, pa, area_len, VM_READ | VM_EXEC)) {
			pmem_free(pa, area_len / PAGE_SIZE);
			area = 0;
			noarea = (uint32_t)(want - far);
		} else if (vma_add(area, area + area_len, VMA_READ | VMA_EXEC, 0)) {
			vm_unmap(area, area_len, 0);
			pmem_free(pa, area_len / PAGE_SIZE);
			area = 0;
			noarea = (uint32_t)(want - far);
		}
	} else {
		noarea = (uint32_t)want;
	}
	if (area) {
		for (i = 0, k = 0; i < n; i++) {
			uint64_t t = area + AREA_HDR + k * SLOT;
			uint8_t *m = mem + (s[i].prev_addr - va);
			int32_t d;

			if (!patchable(&s[i], mem, va, len) ||
			    !fits32((int64_t)(t - (s[i].prev_addr + 5))) ||
			    !fits32((int64_t)(s[i].addr + 2 - t)))
				continue;
			d = (int32_t)(int64_t)(t - (s[i].prev_addr + 5));
			m[0] = 0xe9;
			memcpy(m + 1, &d, 4);
			memset(m + 5, 0xcc, s[i].prev_len - 5u);
			k++;
		}
		r->patched = (uint32_t)k;
		r->area_va = area;
		r->area_len = area_len;
	}
	r->declined = r->sites - r->patched;
	total_patched += r->patched;
	total_declined += r->declined;
	if (stats_wanted())
		report(va, len, r, &st, far, noarea);
	heap_free(s);
	return (int)r->patched;
}
