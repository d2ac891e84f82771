/*
 * The register dump printed with every unexpected exit, on standard error.
 * Runs under the seccomp filter: only KVM_GET_REGS, KVM_GET_SREGS and
 * write(2) are available.
 */
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

#define X(v) ((unsigned long long)(v))

void dump_regs(int vcpu_fd)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu_fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		vmm_msg("cannot read the vCPU's registers");
		return;
	}
	/* SVM leaves the VMCB undefined after a shutdown, so KVM resets the
	 * vCPU: what is left is the reset state, not the guest's. */
	if (r.rip == 0xfff0 && s.cs.selector == 0xf000) {
		vmm_msg("(no register dump: KVM reset the vCPU, as it does "
			"after a triple fault on AMD)");
		return;
	}
	vmm_fdprintf(2,
		"  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n"
		"  rsi %016llx  rdi %016llx  rbp %016llx  rsp %016llx\n"
		"  r8  %016llx  r9  %016llx  r10 %016llx  r11 %016llx\n"
		"  r12 %016llx  r13 %016llx  r14 %016llx  r15 %016llx\n",
		X(r.rax), X(r.rbx), X(r.rcx), X(r.rdx),
		X(r.rsi), X(r.rdi), X(r.rbp), X(r.rsp),
		X(r.r8), X(r.r9), X(r.r10), X(r.r11),
		X(r.r12), X(r.r13), X(r.r14), X(r.r15));
	vmm_fdprintf(2,
		"  rip %016llx  rflags %08llx  cs %04x  ss %04x (cpl %u)\n"
		"  cr0 %08llx  cr2 %016llx  cr3 %016llx  cr4 %08llx\n"
		"  efer %llx\n",
		X(r.rip), X(r.rflags), s.cs.selector, s.ss.selector,
		s.cs.selector & 3,
		X(s.cr0), X(s.cr2), X(s.cr3), X(s.cr4), X(s.efer));
}

static void print_frame(const char *what, const struct husk_trap_frame *f)
{
	vmm_fdprintf(2,
		"  %s: vector %llu error %llx rip %016llx cs %llx rflags %llx "
		"rsp %016llx cr2 %016llx\n", what, X(f->vector), X(f->error),
		X(f->rip), X(f->cs), X(f->rflags), X(f->rsp), X(f->cr2));
}

/* A copy of the frame at image address va, if it lies in guest memory. */
static int read_frame(const struct guest_mem *g, uint64_t va,
		      struct husk_trap_frame *f)
{
	uint64_t pa = image_pa(va);

	if (va < HUSK_KERNEL_VBASE || pa > g->size || sizeof(*f) > g->size - pa)
		return -1;
	memcpy(f, g->base + pa, sizeof(*f));
	return 0;
}

/*
 * After a nested fault the ring-0 stub exits with its stack holding the
 * frame of the second fault (struct husk_trap_frame up to ss), while the
 * user-visible trap frame still holds the first one.
 */
void dump_nested_fault(int vcpu_fd, const struct guest_mem *g,
		       const struct husk_image *img)
{
	struct husk_trap_frame f;
	struct kvm_regs r;

	if (read_frame(g, img->layout.trap_frame, &f) == 0)
		print_frame("fault being handled", &f);
	if (ioctl(vcpu_fd, KVM_GET_REGS, &r) == 0 &&
	    read_frame(g, r.rsp, &f) == 0) {
		f.cr2 = 0;
		print_frame("fault while handling it", &f);
	}
	dump_regs(vcpu_fd);
}
