/*
 * KVM: the VM, its one memory slot, its one vCPU, and the vCPU's initial
 * state (segments, control registers, MSRs, XCR0), all taken from the
 * builder's husk_cpu_state.
 *
 * Interrupts: a split irqchip (KVM_CAP_SPLIT_IRQCHIP) gives the vCPU an
 * in-kernel local APIC, whose timer preempts threads and wakes the idle
 * `hlt` inside the kernel, at almost no cost to start (a full
 * KVM_CREATE_IRQCHIP costs 6-14 ms under PVM and adds an IOAPIC and PIC we
 * do not use). Without it the guest runs without a timer.
 * Deliberately absent: PIT, TSS/identity-map addresses (only needed for
 * real mode on VMX; we start in long mode).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

#define MSR_IA32_TSC 0x10

static int kvm_err(const char *what)
{
	return vmm_fail(HUSK_VMM_EXIT_KVM, "%s: %s", what, strerror(errno));
}

static int open_dev(struct vm *v)
{
	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm >= 0)
		return 0;
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
		return vmm_fail(HUSK_VMM_EXIT_KVM,
				"KVM is not available on this machine (/dev/kvm: "
				"%s): load kvm_intel or kvm_amd, enable "
				"virtualization in the firmware, or enable nested "
				"virtualization if this is a VM", strerror(errno));
	if (errno == EACCES || errno == EPERM)
		return vmm_fail(HUSK_VMM_EXIT_KVM,
				"no permission to open /dev/kvm: add your user "
				"to the 'kvm' group (sudo usermod -aG kvm $USER) "
				"and log in again");
	return kvm_err("/dev/kvm");
}

static int create_vm(struct vm *v)
{
	int api = ioctl(v->kvm, KVM_GET_API_VERSION, 0);

	if (api != KVM_API_VERSION)
		return vmm_fail(HUSK_VMM_EXIT_KVM,
				"KVM API version %d, husk-vmm needs %d", api,
				KVM_API_VERSION);
	do
		v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	while (v->vm < 0 && errno == EINTR);
	return v->vm < 0 ? kvm_err("KVM_CREATE_VM") : 0;
}

/* Before the vCPU exists. No routes are needed: nothing but the local
 * APIC's own timer raises interrupts. Guest RAM is one slot from 0, so a
 * guest whose RAM reaches the APIC's page goes without (no timer: threads
 * are not preempted and sleeping spins) until the slot has a hole there. */
static void create_split_irqchip(struct vm *v, const struct guest_mem *g)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args = { 24 },
	};

	v->lapic = g->size <= HUSK_LAPIC_PADDR &&
		   ioctl(v->kvm, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP) > 0 &&
		   ioctl(v->vm, KVM_ENABLE_CAP, &cap) == 0;
}

static int add_memory(struct vm *v, const struct guest_mem *g)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = g->size,
		.userspace_addr = (uintptr_t)g->base,
	};

	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return kvm_err("KVM_SET_USER_MEMORY_REGION");
	return 0;
}

static int create_vcpu(struct vm *v)
{
	int size;

	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return kvm_err("KVM_CREATE_VCPU");
	size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return kvm_err("KVM_GET_VCPU_MMAP_SIZE");
	v->run_size = (size_t)size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return kvm_err("mmap of the vCPU's kvm_run");
	}
	return 0;
}

/* The local APIC starts enabled (see HUSK_VEC_SPURIOUS): a host signal's
 * MSI is taken even by a guest that never set the APIC up itself. */
static int enable_lapic(struct vm *v)
{
	struct kvm_lapic_state s;
	uint32_t svr = 0x100 | HUSK_VEC_SPURIOUS;

	if (!v->lapic)
		return 0;
	if (ioctl(v->vcpu, KVM_GET_LAPIC, &s) < 0)
		return kvm_err("KVM_GET_LAPIC");
	memcpy(&s.regs[0xf0], &svr, 4);
	memset(&s.regs[0x80], 0, 4); /* TPR */
	if (ioctl(v->vcpu, KVM_SET_LAPIC, &s) < 0)
		return kvm_err("KVM_SET_LAPIC");
	return 0;
}

int kvm_open_vm(struct vm *v, const struct guest_mem *g)
{
	int rc;

	v->kvm = v->vm = v->vcpu = -1;
	v->run = NULL;
	rc = open_dev(v);
	if (!rc)
		rc = create_vm(v);
	if (!rc)
		create_split_irqchip(v, g);
	if (!rc)
		rc = add_memory(v, g);
	if (!rc)
		rc = create_vcpu(v);
	if (!rc)
		rc = enable_lapic(v);
	return rc;
}

int kvm_set_cpuid(struct vm *v, const struct cpuid_table *t)
{
	static union kvm_cpuid_buf u;
	uint32_t i;

	memset(&u, 0, sizeof(u.c) + t->nent * sizeof(u.c.entries[0]));
	u.c.nent = t->nent;
	for (i = 0; i < t->nent; i++) {
		struct kvm_cpuid_entry2 *k = &u.c.entries[i];
		const struct cpuid_entry *e = &t->e[i];
		k->function = e->function;
		k->index = e->index;
		k->flags = e->flags;
		k->eax = e->eax;
		k->ebx = e->ebx;
		k->ecx = e->ecx;
		k->edx = e->edx;
	}
	if (ioctl(v->vcpu, KVM_SET_CPUID2, &u.c) < 0)
		return kvm_err("KVM_SET_CPUID2");
	return 0;
}

/* A flat 64-bit ring-3 segment: code (type 11, L) or data (type 3, D/B). */
static void user_segment(struct kvm_segment *s, uint16_t selector, int code)
{
	memset(s, 0, sizeof(*s));
	s->selector = selector;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = code ? 11 : 3; /* execute/read or read/write, accessed */
	s->present = 1;
	s->dpl = 3;
	s->s = 1;
	s->l = code ? 1 : 0;
	s->db = code ? 0 : 1;
	s->g = 1;
}

/*
 * TR holds the 64-bit TSS. After LTR a CPU caches it as busy (type 11),
 * and VMX insists on that for a 64-bit guest. AMD's SVM checks nothing,
 * but QEMU's emulation of SVM (our nested test harness, and anyone running
 * husk-vmm inside QEMU TCG) refuses ring-3 port I/O unless the cached type
 * is 9, "available". PVM emulates ring-3 port I/O with KVM's instruction
 * emulator, which checks only that TR is present and large enough. So:
 * 11 on Intel, 9 elsewhere.
 */
static int set_sregs(struct vm *v, const struct husk_cpu_state *c,
		     int tss_busy)
{
	struct kvm_sregs s;

	/* Start from KVM's values for what we do not set (APIC base, the
	 * pending-interrupt bitmap). */
	if (ioctl(v->vcpu, KVM_GET_SREGS, &s) < 0)
		return kvm_err("KVM_GET_SREGS");
	user_segment(&s.cs, c->cs, 1);
	user_segment(&s.ss, c->ss, 0);
	user_segment(&s.ds, c->ds, 0);
	s.es = s.fs = s.gs = s.ds;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.selector = c->tr;
	s.tr.base = c->tss_base;
	s.tr.limit = c->tss_limit;
	s.tr.type = tss_busy ? 11 : 9;
	s.tr.present = 1;
	memset(&s.ldt, 0, sizeof(s.ldt));
	s.ldt.unusable = 1;
	s.gdt.base = c->gdt_base;
	s.gdt.limit = c->gdt_limit;
	s.idt.base = c->idt_base;
	s.idt.limit = c->idt_limit;
	s.cr0 = c->cr0;
	s.cr3 = c->cr3;
	s.cr4 = c->cr4;
	s.efer = c->efer;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &s) < 0)
		return kvm_err("KVM_SET_SREGS");
	return 0;
}

static int set_regs(struct vm *v, const struct husk_cpu_state *c)
{
	struct kvm_regs r;

	memset(&r, 0, sizeof(r));
	r.rip = c->rip;
	r.rsp = c->rsp;
	r.rflags = c->rflags;
	r.rdi = c->rdi;
	if (ioctl(v->vcpu, KVM_SET_REGS, &r) < 0)
		return kvm_err("KVM_SET_REGS");
	return 0;
}

static int set_msrs(struct vm *v, const struct husk_cpu_state *c)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[4];
	} m;
	int n;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 4;
	m.e[0].index = MSR_STAR;
	m.e[0].data = c->star;
	m.e[1].index = MSR_LSTAR;
	m.e[1].data = c->lstar;
	m.e[2].index = MSR_SFMASK;
	m.e[2].data = c->sfmask;
	m.e[3].index = MSR_PAT;
	m.e[3].data = c->pat;
	/* Returns how many were set; it stops at the first it refuses. */
	n = ioctl(v->vcpu, KVM_SET_MSRS, &m.h);
	if (n < 0)
		return kvm_err("KVM_SET_MSRS");
	if (n != 4)
		return vmm_fail(HUSK_VMM_EXIT_KVM,
				"KVM_SET_MSRS: KVM refused MSR 0x%x",
				m.e[n].index);
	return 0;
}

static int set_xcr0(struct vm *v, uint64_t xcr0)
{
	struct kvm_xcrs x;

	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = xcr0;
	if (ioctl(v->vcpu, KVM_SET_XCRS, &x) < 0)
		return kvm_err("KVM_SET_XCRS");
	return 0;
}

/* KVM_SET_CPUID2 must come first: KVM checks CR4, EFER and XCR0 against
 * the guest's CPUID. */
int kvm_setup_vcpu(struct vm *v, const struct husk_cpu_state *c,
		   uint64_t xcr0, int tss_busy)
{
	int rc = set_sregs(v, c, tss_busy);

	if (!rc)
		rc = set_regs(v, c);
	if (!rc)
		rc = set_msrs(v, c);
	if (!rc && xcr0)
		rc = set_xcr0(v, xcr0);
	return rc;
}

uint64_t kvm_tsc_khz(struct vm *v)
{
	int khz = ioctl(v->vcpu, KVM_GET_TSC_KHZ, 0);

	return khz > 0 ? (uint64_t)khz : 0;
}

/* The guest's TSC (host TSC plus KVM's offset), as the guest will read it. */
int kvm_read_tsc(struct vm *v, uint64_t *tsc)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 1;
	m.e.index = MSR_IA32_TSC;
	if (ioctl(v->vcpu, KVM_GET_MSRS, &m.h) != 1)
		return kvm_err("KVM_GET_MSRS (TSC)");
	*tsc = m.e.data;
	return 0;
}
