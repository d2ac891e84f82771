/*
 * The guest's CPUID table and the HUSK_CPU_* features derived from it.
 *
 * The table is what KVM supports (KVM_GET_SUPPORTED_CPUID, cached on disk
 * by cpuid_cache.c because the ioctl costs ~0.3 ms, a fifth of a whole VM's
 * life under PVM), minus what this machine does not have. The features are
 * read from the same table, so the guest is never told it may use
 * something KVM would refuse in CR4, EFER or XCR0.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

/* Feature bits: leaf, register, bit. */
#define L1_ECX_X2APIC    (1u << 21)
#define L1_ECX_TSC_DL    (1u << 24)
#define L1_ECX_XSAVE     (1u << 26)
#define L1_ECX_AVX       (1u << 28)
#define L1_ECX_RDRAND    (1u << 30)
#define L1_EDX_APIC      (1u << 9)
#define L7_EBX_FSGSBASE  (1u << 0)
#define L7_EBX_SMEP      (1u << 7)
#define L7_EBX_RDSEED    (1u << 18)
#define L7_EBX_SMAP      (1u << 20)
#define LX1_EDX_NX       (1u << 20)
#define LX7_EDX_INVTSC   (1u << 8)

#define XCR0_X87 1u
#define XCR0_SSE 2u
#define XCR0_AVX 4u

const struct cpuid_entry *cpuid_find(const struct cpuid_table *t,
				     uint32_t function, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < t->nent; i++) {
		const struct cpuid_entry *e = &t->e[i];
		if (e->function == function &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     e->index == index))
			return e;
	}
	return NULL;
}

static struct cpuid_entry *find_mut(struct cpuid_table *t, uint32_t function)
{
	return (struct cpuid_entry *)cpuid_find(t, function, 0);
}

/* KVM_GET_SUPPORTED_CPUID, converted to our (padding-free) entries. */
static int kvm_supported(int kvm_fd, struct cpuid_table *t)
{
	static union kvm_cpuid_buf u;
	uint32_t i;

	memset(&u.c, 0, sizeof(u.c));
	u.c.nent = CPUID_MAX_ENTRIES;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, &u.c) < 0)
		return vmm_fail(HUSK_VMM_EXIT_KVM, "KVM_GET_SUPPORTED_CPUID: %s",
				strerror(errno));
	t->nent = u.c.nent < CPUID_MAX_ENTRIES ? u.c.nent : CPUID_MAX_ENTRIES;
	for (i = 0; i < t->nent; i++) {
		const struct kvm_cpuid_entry2 *k = &u.c.entries[i];
		struct cpuid_entry *e = &t->e[i];
		e->function = k->function;
		e->index = k->index;
		e->flags = k->flags;
		e->eax = k->eax;
		e->ebx = k->ebx;
		e->ecx = k->ecx;
		e->edx = k->edx;
	}
	return 0;
}

int cpuid_supported(int kvm_fd, struct cpuid_table *t)
{
	struct cpuid_key key;
	char path[4096];
	int cache, rc;

	cpuid_host_key(&key);
	cache = cpuid_cache_path(path, sizeof(path)) == 0;
	if (cache && cpuid_cache_load(path, &key, t) == 0)
		return 0;
	rc = kvm_supported(kvm_fd, t);
	if (!rc && cache)
		cpuid_cache_store(path, &key, t);
	return rc;
}

/* lapic: KVM emulates a local APIC (split irqchip), in xAPIC mode only
 * as far as the guest is told; else there is none: say so. */
void cpuid_make_guest(struct cpuid_table *t, int lapic)
{
	struct cpuid_entry *e = find_mut(t, 1);

	if (e) {
		e->ebx &= 0x00ffffff; /* initial APIC ID 0 */
		e->ecx &= ~(L1_ECX_X2APIC | L1_ECX_TSC_DL);
		if (!lapic)
			e->edx &= ~L1_EDX_APIC;
	}
}

static uint32_t reg(const struct cpuid_table *t, uint32_t function,
		    int which)
{
	const struct cpuid_entry *e = cpuid_find(t, function, 0);

	if (!e)
		return 0;
	switch (which) {
	case 'a': return e->eax;
	case 'b': return e->ebx;
	case 'c': return e->ecx;
	default:  return e->edx;
	}
}

uint32_t cpuid_features(const struct cpuid_table *t)
{
	uint32_t f = 0;
	uint32_t c1 = reg(t, 1, 'c'), b7 = reg(t, 7, 'b');

	if (reg(t, 0x80000001, 'd') & LX1_EDX_NX)
		f |= HUSK_CPU_NX;
	if (b7 & L7_EBX_SMEP)
		f |= HUSK_CPU_SMEP;
	if (b7 & L7_EBX_SMAP)
		f |= HUSK_CPU_SMAP;
	if (b7 & L7_EBX_FSGSBASE)
		f |= HUSK_CPU_FSGSBASE;
	if (c1 & L1_ECX_RDRAND)
		f |= HUSK_CPU_RDRAND;
	if (b7 & L7_EBX_RDSEED)
		f |= HUSK_CPU_RDSEED;
	if (c1 & L1_ECX_XSAVE)
		f |= HUSK_CPU_XSAVE;
	if (reg(t, 0x80000007, 'd') & LX7_EDX_INVTSC)
		f |= HUSK_CPU_INVTSC;
	return f;
}

/* x87 | SSE | AVX, as far as leaf 0xD (what KVM lets XCR0 hold) and the
 * AVX bit allow; 0 without XSAVE. */
uint64_t cpuid_xcr0(const struct cpuid_table *t)
{
	uint32_t allowed = reg(t, 0xd, 'a');
	uint64_t x = XCR0_X87;

	if (!(cpuid_features(t) & HUSK_CPU_XSAVE) || !(allowed & XCR0_X87))
		return 0;
	if (allowed & XCR0_SSE)
		x |= XCR0_SSE;
	if ((x & XCR0_SSE) && (allowed & XCR0_AVX) &&
	    (reg(t, 1, 'c') & L1_ECX_AVX))
		x |= XCR0_AVX;
	return x;
}

/* "GenuineIntel": KVM runs on VMX (or PVM on an Intel host). */
int cpuid_is_intel(const struct cpuid_table *t)
{
	const struct cpuid_entry *e = cpuid_find(t, 0, 0);

	return e && e->ebx == 0x756e6547 && e->edx == 0x49656e69 &&
	       e->ecx == 0x6c65746e;
}
