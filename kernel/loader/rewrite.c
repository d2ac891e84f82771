/*
 * The system-call rewriter (see rewrite.h). For each site x86_scan_syscalls
 * finds movable (x86_site_movable: the instructions that end at the
 * syscall, at least 5 bytes of them, all of which compute the same
 * wherever they run):
 *
 *   before                         after
 *   mov $NR, %eax   \  the window  jmp tramp        (e9 rel32, int3 pad)
 *   mov %rbp, %rsi  /  (5-19 b.)
 *   syscall                        syscall          (left in place)
 *
 *   tramp (one 96-byte slot per site, in a read+exec area near the code):
 *     the window, copied          run where the program's stack is, as
 *                                  before; a rip-relative displacement is
 *                                  re-aimed at the same target
 *     lea -128(%rsp), %rsp         skip the program's red zone
 *     call husk_syscall_enter      direct when in reach, else through the
 *                                  pointer at the area's start
 *     pushfq; pop %r11             r11 = rflags, as SYSCALL leaves it
 *                                  (written inside the skipped 128 bytes)
 *     lea 128(%rsp), %rsp
 *     lea ret(%rip), %rcx          rcx = the address after the syscall
 *     jmp ret
 *     (int3 up to 64 bytes, then the site's address and its original
 *     bytes: rewrite_restore puts them back when the code is made
 *     writable again)
 *
 * husk_syscall_enter preserves every register but rax (the result), rcx
 * and r11, and the flags; so after the trampoline the registers are those
 * a real SYSCALL on Linux leaves. The syscall instruction stays, so a jump
 * straight to it (which a linear sweep cannot rule out for indirect
 * branches) still works, through the slow path, and so does restarting a
 * call by going back to it; the padding is int3 so that a jump into the
 * middle of the old window stops loudly instead of running on.
 */
#include <husk/x86.h>
#include "../console.h"
#include "../lib.h"
#include "../mm.h"
#include "../mm/vma.h"
#include "../vm.h"
#include "rewrite.h"
#include "x86dec.h"

#define SLOT 96       /* bytes per trampoline: code, then a struct original */
#define SLOT_CODE 64  /* 19 + 34 at most are used */
#define AREA_HDR 64   /* the area starts with &husk_syscall_enter and
		       * the number of slots, 8 bytes each */
#define REACH 0x7ff00000LL /* rel32, with room for the area itself */
#define MAX_TRIES 65536    /* placement steps before giving up */
#define SITES0 512
#define NOT_CODE 0x06 /* invalid in 64-bit mode: what a page not there yet
		       * reads as to the sweep */

/* Where a slot's site is and what it held, at SLOT_CODE in the slot. */
struct original {
	uint64_t site;  /* the window's address */
	uint8_t len;    /* 0: restored already */
	uint8_t bytes[X86_WINDOW_MAX];
};
_Static_assert(SLOT_CODE + sizeof(struct original) <= SLOT, "slot too small");

extern char **husk_options;           /* kernel/main.c */
extern char husk_syscall_enter[];     /* kernel/sys/entry.S */

static uint32_t total_patched, total_declined;

uint64_t rewrite_syscall_of(uint64_t ret)
{
	const struct vma *v = vma_find(ret);
	struct original o;
	uint64_t k;

	if (!v || !(v->flags & VMA_TRAMPOLINES) || ret < v->start + AREA_HDR)
		return 0;
	k = (ret - v->start - AREA_HDR) / SLOT;
	if (v->start + AREA_HDR + (k + 1) * SLOT > v->end)
		return 0;
	memcpy(&o, (const void *)(v->start + AREA_HDR + k * SLOT + SLOT_CODE),
	       sizeof(o));
	return o.len ? o.site + o.len : 0;
}

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

/* Copies the n bytes of whole instructions at src (at sva in the program)
 * to p (at pva once mapped), each rip-relative displacement re-aimed at
 * the byte it meant. NULL when one cannot reach it from there. */
static uint8_t *move_window(uint8_t *p, uint64_t pva, const uint8_t *src,
			    uint64_t sva, unsigned n)
{
	unsigned off = 0;

	while (off < n) {
		int l = x86_insn_len(src + off, n - off);
		int d = l > 0 ? x86_rip_disp(src + off, (size_t)l) : 0;
		int32_t disp;
		int64_t aim;

		if (l <= 0)
			return 0; /* the sweep decoded it: never happens */
		memcpy(p + off, src + off, (size_t)l);
		if (d) {
			memcpy(&disp, src + off + d, 4);
			aim = (int64_t)(sva + off + l + (int64_t)disp -
					(pva + off + l));
			if (!fits32(aim))
				return 0;
			disp = (int32_t)aim;
			memcpy(p + off + d, &disp, 4);
		}
		off += (unsigned)l;
	}
	return p + n;
}

/* One trampoline at t (mapped at tva) for the window at win (win_va in the
 * program, len bytes) and the syscall ending at ret. 0 when the window's
 * rip-relative operand cannot be re-aimed from here. */
static int emit(uint8_t *t, uint64_t tva, const uint8_t *win, uint64_t win_va,
		unsigned len, uint64_t ret, uint64_t area_va)
{
	static const uint8_t skip_rz[] = { 0x48, 0x8d, 0x64, 0x24, 0x80 };
	static const uint8_t call_op[] = { 0xe8 }, call_ind[] = { 0xff, 0x15 };
	static const uint8_t flags_r11[] = { 0x9c, 0x41, 0x5b };
	static const uint8_t back_rz[] = { 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0 };
	static const uint8_t lea_rcx[] = { 0x48, 0x8d, 0x0d }, jmp_op[] = { 0xe9 };
	uint64_t enter = (uint64_t)husk_syscall_enter;
	uint8_t *p = t;

	struct original o = { .site = win_va, .len = (uint8_t)len };

	memset(t, 0xcc, SLOT_CODE);
	p = move_window(p, tva, win, win_va, len);
	if (!p) {
		memset(t, 0xcc, SLOT_CODE);
		return 0;
	}
	memcpy(o.bytes, win, len);
	memcpy(t + SLOT_CODE, &o, sizeof(o));
	p = put(p, skip_rz, sizeof(skip_rz));
	if (fits32((int64_t)(enter - (tva + (p - t) + 5))))
		p = rel32(p, tva + (p - t), call_op, 1, enter);
	else
		p = rel32(p, tva + (p - t), call_ind, 2, area_va);
	p = put(p, flags_r11, sizeof(flags_r11));
	p = put(p, back_rz, sizeof(back_rz));
	p = rel32(p, tva + (p - t), lea_rcx, 3, ret);
	rel32(p, tva + (p - t), jmp_op, 1, ret);
	return 1;
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
	[X86_DECLINE_UNMOVABLE] = "unmovable",
};

static void report(uint64_t va, size_t len, const struct rewrite_result *r,
		   const struct x86_scan_stats *st, uint32_t far, uint32_t other)
{
	char buf[256];
	int n = 0;
	unsigned i;

	for (i = 1; i < X86_DECLINE_MAX; i++)
		if (st->win_decline[i])
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s %u",
				      n ? ", " : "", reason[i], st->win_decline[i]);
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

static int patchable(const struct x86_syscall_site *s, uint64_t va, size_t len)
{
	return x86_site_movable(s) && s->kind == X86_SITE_SYSCALL &&
	       s->len == 2 && s->win_len <= X86_WINDOW_MAX &&
	       s->win_addr >= va && s->win_addr + s->win_len == s->addr &&
	       s->addr + 2 <= va + len;
}

/* The sites of [mem, mem + len) in a heap array (*n of them), or NULL. */
static struct x86_syscall_site *scan(const uint8_t *mem, size_t len,
				     uint64_t va, size_t *n,
				     struct x86_scan_stats *st)
{
	struct x86_syscall_site *s;
	size_t max = SITES0;

	for (;;) {
		s = heap_alloc(max * sizeof(*s));
		if (!s)
			return 0;
		*n = x86_scan_syscalls_ex(mem, len, va, s, max, st);
		if (*n <= max)
			return s;
		heap_free(s);
		max = *n;
	}
}

/* Writes the trampolines of the patchable sites into the area (tp, mapped
 * at area), in site order; a site that cannot have one (out of reach) is
 * marked unpatchable (win_len 0). Returns how many were written. */
static size_t fill_area(uint8_t *tp, uint64_t area, struct x86_syscall_site *s,
			size_t n, const uint8_t *mem, uint64_t va, size_t len,
			uint32_t *far)
{
	uint64_t enter = (uint64_t)husk_syscall_enter;
	size_t i, k = 0;

	memcpy(tp, &enter, 8);
	for (i = 0; i < n; i++) {
		uint64_t t = area + AREA_HDR + k * SLOT;

		if (!patchable(&s[i], va, len))
			continue;
		if (!fits32((int64_t)(t - (s[i].win_addr + 5))) ||
		    !fits32((int64_t)(s[i].addr + 2 - t)) ||
		    !emit(tp + AREA_HDR + k * SLOT, t, mem + (s[i].win_addr - va),
			  s[i].win_addr, s[i].win_len, s[i].addr + 2, area)) {
			s[i].win_len = 0;
			(*far)++;
			continue;
		}
		k++;
	}
	memcpy(tp + 8, &k, 8);
	return k;
}

/* What replaces the len-byte window at site: `jmp t` (the trampoline),
 * then int3 up to the syscall. */
static void window_patch(uint8_t *out, uint64_t site, unsigned len, uint64_t t)
{
	int32_t d = (int32_t)(int64_t)(t - (site + 5));

	out[0] = 0xe9;
	memcpy(out + 1, &d, 4);
	memset(out + 5, 0xcc, len - 5u);
}

/* Puts `jmp trampoline` (and int3 padding) over each window that has one. */
static void patch_sites(uint8_t *mem, uint64_t va, size_t len, uint64_t area,
			const struct x86_syscall_site *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (!patchable(&s[i], va, len))
			continue;
		window_patch(mem + (s[i].win_addr - va), s[i].win_addr,
			     s[i].win_len, area + AREA_HDR + k * SLOT);
		k++;
	}
}

/* Maps the area read+exec (never writable: it was written through the
 * direct map) and records it as the object's. 0, or -errno. */
static int map_area(uint64_t area, uint64_t pa, uint64_t area_len,
		    uint64_t obj_lo, uint64_t obj_hi)
{
	struct vma v = { .start = area, .end = area + area_len,
			 .prot = VMA_READ | VMA_EXEC, .flags = VMA_TRAMPOLINES,
			 .owner_lo = obj_lo, .owner_hi = obj_hi };
	int rc = vm_map(area, pa, area_len, VM_READ | VM_EXEC);

	if (!rc && (rc = vma_insert(&v)))
		vm_unmap(area, area_len, 0);
	return rc;
}

/* rewrite_code, and rewrite_code_from when mem is NULL: the sites are
 * found in src; their windows are patched in mem only when there is one. */
static int rewrite(const uint8_t *src, uint8_t *mem, size_t len, uint64_t va,
		   uint64_t obj_lo, uint64_t obj_hi, struct rewrite_result *r)
{
	struct x86_scan_stats st;
	struct x86_syscall_site *s;
	uint64_t area = 0, area_len = 0, pa = 0, reach_lo, reach_hi;
	size_t n, i, want = 0, k = 0;
	uint32_t far = 0, noarea = 0;

	memset(r, 0, sizeof(*r));
	if (!rewrite_enabled() || !len || !(s = scan(src, len, va, &n, &st)))
		return 0;
	r->sites = (uint32_t)n;
	for (i = 0; i < n; i++)
		want += patchable(&s[i], va, len);
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
		memset(pmem_to_virt(pa), 0xcc, area_len);
		k = fill_area(pmem_to_virt(pa), area, s, n, src, va, len, &far);
		if (!k || map_area(area, pa, area_len, obj_lo, obj_hi)) {
			pmem_free(pa, area_len / PAGE_SIZE);
			area = 0;
			noarea = (uint32_t)k;
		}
	} else {
		noarea = (uint32_t)want;
	}
	if (area) {
		if (mem)
			patch_sites(mem, va, len, area, s, n);
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

int rewrite_code(uint8_t *mem, size_t len, uint64_t va, uint64_t obj_lo,
		 uint64_t obj_hi, struct rewrite_result *r)
{
	return rewrite(mem, mem, len, va, obj_lo, obj_hi, r);
}

int rewrite_code_from(const uint8_t *src, size_t len, uint64_t va,
		      uint64_t obj_lo, uint64_t obj_hi, struct rewrite_result *r)
{
	return rewrite(src, 0, len, va, obj_lo, obj_hi, r);
}

static int present(uint64_t va)
{
	uint64_t pa;
	unsigned prot;

	return vm_query(va, &pa, &prot);
}

/* Copies the program's bytes at [va, va + len) into buf (a page gone
 * meanwhile reads as invalid code, so that no window reaches into it). */
static void gather(uint8_t *buf, uint64_t va, uint64_t len)
{
	uint64_t off, pa;
	unsigned prot;

	for (off = 0; off < len; off += PAGE_SIZE) {
		if (vm_query(va + off, &pa, &prot))
			memcpy(buf + off, pmem_to_virt(pa), PAGE_SIZE);
		else
			memset(buf + off, NOT_CODE, PAGE_SIZE);
	}
}

/* Writes buf back into the program's pages that are there. */
static void scatter(const uint8_t *buf, uint64_t va, uint64_t len)
{
	uint64_t off, pa;
	unsigned prot;

	for (off = 0; off < len; off += PAGE_SIZE)
		if (vm_query(va + off, &pa, &prot))
			memcpy(pmem_to_virt(pa), buf + off, PAGE_SIZE);
}

/* One run of pages that are there, [lo, hi) inside the object. */
static void rewrite_run(uint64_t lo, uint64_t hi, uint64_t obj_lo,
			uint64_t obj_hi, struct rewrite_result *sum)
{
	struct rewrite_result r;
	uint8_t *buf = heap_alloc(hi - lo);

	if (!buf)
		return;
	gather(buf, lo, hi - lo);
	if (rewrite_code(buf, hi - lo, lo, obj_lo, obj_hi, &r))
		scatter(buf, lo, hi - lo);
	heap_free(buf);
	sum->sites += r.sites;
	sum->patched += r.patched;
	sum->declined += r.declined;
}

/* Pages never touched hold no code: each run of pages that are there is
 * a region of its own (no sweep through the holes of a large mapping). */
int rewrite_mapped(uint64_t va, uint64_t len, struct rewrite_result *r)
{
	uint64_t lo = va, hi, end = va + len;

	memset(r, 0, sizeof(*r));
	if (!rewrite_enabled())
		return 0;
	for (; lo < end; lo = hi) {
		for (; lo < end && !present(lo); lo += PAGE_SIZE)
			;
		for (hi = lo; hi < end && present(hi); hi += PAGE_SIZE)
			;
		if (hi > lo)
			rewrite_run(lo, hi, va, end, r);
	}
	return (int)r->patched;
}

/* The program's byte at va through the direct map, or NULL when its page
 * is not there. */
static uint8_t *byte_at(uint64_t va)
{
	uint64_t pa;
	unsigned prot;

	return vm_query(va, &pa, &prot) ? (uint8_t *)pmem_to_virt(pa) : 0;
}

/* The site still holds the jump to slot t (nothing else wrote it since). */
static int jumps_to(uint64_t site, uint64_t t)
{
	uint8_t b[5];
	int32_t d;
	unsigned i;

	for (i = 0; i < 5; i++) {
		uint8_t *p = byte_at(site + i);
		if (!p)
			return 0;
		b[i] = *p;
	}
	memcpy(&d, b + 1, 4);
	return b[0] == 0xe9 && site + 5 + (uint64_t)(int64_t)d == t;
}

static int put_back(const struct original *o)
{
	unsigned i;

	for (i = 0; i < o->len; i++)
		if (!byte_at(o->site + i))
			return 0;
	for (i = 0; i < o->len; i++)
		*byte_at(o->site + i) = o->bytes[i];
	return 1;
}

/* The live slots (not restored, not forgotten) of every trampoline area
 * whose object overlaps [lo, hi), with a window that does too: fn(slot's
 * record, its trampoline's address, arg) for each. The areas' pages are
 * contiguous and written through the direct map. */
static unsigned each_live_slot(uint64_t lo, uint64_t hi,
			       void (*fn)(uint8_t *rec, uint64_t t, void *arg),
			       void *arg)
{
	const struct vma *v;
	unsigned i, hits = 0;

	for (i = 0; (v = vma_at(i)); i++) {
		uint64_t pa, n, k;
		unsigned prot;
		uint8_t *base;

		if (!(v->flags & VMA_TRAMPOLINES) || v->owner_hi <= lo ||
		    hi <= v->owner_lo || !vm_query(v->start, &pa, &prot))
			continue;
		base = pmem_to_virt(pa);
		memcpy(&n, base + 8, 8);
		for (k = 0; k < n && AREA_HDR + (k + 1) * SLOT <= v->end - v->start; k++) {
			uint8_t *rec = base + AREA_HDR + k * SLOT + SLOT_CODE;
			struct original o;

			memcpy(&o, rec, sizeof(o));
			if (o.len < 5 || o.len > X86_WINDOW_MAX ||
			    o.site + o.len <= lo || hi <= o.site)
				continue;
			hits++;
			if (fn)
				fn(rec, v->start + AREA_HDR + k * SLOT, arg);
		}
	}
	return hits;
}

/* The slot's record is spent: its site is neither restored nor patched
 * again (its trampoline stays, for a thread still inside it). */
static void spend(uint8_t *rec)
{
	struct original o;

	memcpy(&o, rec, sizeof(o));
	o.len = 0;
	memcpy(rec, &o, sizeof(o));
}

/* A site that lies wholly in [range[0], range[1]) and still jumps to its
 * trampoline t gets its bytes back. */
static void restore_one(uint8_t *rec, uint64_t t, void *arg)
{
	const uint64_t *range = arg;
	struct original o;

	memcpy(&o, rec, sizeof(o));
	if (o.site < range[0] || o.site + o.len > range[1] ||
	    !jumps_to(o.site, t) || !put_back(&o))
		return;
	spend(rec);
}

void rewrite_restore(uint64_t lo, uint64_t hi)
{
	uint64_t range[2] = { lo, hi };

	each_live_slot(lo, hi, restore_one, range);
}

struct replay { uint64_t va; uint8_t *page; };

/* Writes the part of the slot's patch (jmp rel32 to the trampoline, int3
 * up to the syscall) that falls in the page. */
static void replay_one(uint8_t *rec, uint64_t t, void *arg)
{
	const struct replay *rp = arg;
	uint8_t patch[X86_WINDOW_MAX];
	struct original o;
	unsigned i;

	memcpy(&o, rec, sizeof(o));
	window_patch(patch, o.site, o.len, t);
	for (i = 0; i < o.len; i++)
		if (o.site + i >= rp->va && o.site + i < rp->va + PAGE_SIZE)
			rp->page[o.site + i - rp->va] = patch[i];
}

unsigned rewrite_replay(uint64_t va, uint8_t *page)
{
	struct replay rp = { va, page };

	return each_live_slot(va, va + PAGE_SIZE, page ? replay_one : 0, &rp);
}

struct marks { uint64_t lo, hi; uint8_t *bits; };

/* Marks the pages of [lo, hi) that the slot's window touches. */
static void mark_one(uint8_t *rec, uint64_t t, void *arg)
{
	const struct marks *m = arg;
	struct original o;
	uint64_t va;

	(void)t;
	memcpy(&o, rec, sizeof(o));
	for (va = o.site & ~(uint64_t)(PAGE_SIZE - 1); va < o.site + o.len;
	     va += PAGE_SIZE)
		if (va >= m->lo && va < m->hi) {
			uint64_t i = (va - m->lo) / PAGE_SIZE;
			m->bits[i / 8] |= (uint8_t)(1u << (i % 8));
		}
}

void rewrite_mark_pages(uint64_t lo, uint64_t hi, uint8_t *bits)
{
	struct marks m = { lo, hi, bits };

	each_live_slot(lo, hi, mark_one, &m);
}

static void forget_one(uint8_t *rec, uint64_t t, void *arg)
{
	(void)t;
	(void)arg;
	spend(rec);
}

void rewrite_forget(uint64_t lo, uint64_t hi)
{
	each_live_slot(lo, hi, forget_one, 0);
}
