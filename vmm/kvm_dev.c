/*
 * KVM's side of a device: the guest's QueueNotify writes complete in the
 * kernel as eventfd signals (ioeventfd, ~3 us instead of a ~25 us exit
 * under PVM), and the device's interrupts are eventfd writes that KVM
 * turns into MSIs to the local APIC (irqfd through an MSI route), so the
 * I/O thread never needs the vCPU thread. Both need the split irqchip
 * (kvm.c): its in-kernel local APIC is what the MSIs reach.
 *
 * Device i's interrupt is GSI VMM_GSI_BASE + i, routed as an MSI with
 * vector HUSK_VEC_DEVICE_BASE + i to APIC ID 0 (physical destination,
 * fixed delivery, edge). The GSIs below VMM_GSI_BASE stay clear of the
 * pins a split irqchip reserves for a userspace IOAPIC.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"

#define VMM_GSI_BASE 24
#define MSI_ADDRESS 0xfee00000u /* APIC ID 0, physical mode */

int kvm_route_msis(struct vm *v, unsigned ndev)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[HUSK_MAX_DEVICES];
	} t;
	unsigned i;

	if (!v->lapic)
		return vmm_fail(HUSK_VMM_EXIT_KVM, "a network device needs "
				"KVM's split irqchip (an in-kernel local APIC), "
				"which this KVM did not provide");
	memset(&t, 0, sizeof(t));
	t.r.nr = ndev;
	for (i = 0; i < ndev; i++) {
		t.e[i].gsi = VMM_GSI_BASE + i;
		t.e[i].type = KVM_IRQ_ROUTING_MSI;
		t.e[i].u.msi.address_lo = MSI_ADDRESS;
		t.e[i].u.msi.data = HUSK_VEC_DEVICE_BASE + i;
	}
	if (ioctl(v->vm, KVM_SET_GSI_ROUTING, &t.r) < 0)
		return vmm_fail(HUSK_VMM_EXIT_KVM, "KVM_SET_GSI_ROUTING: %s",
				strerror(errno));
	return 0;
}

int kvm_attach_irqfd(struct vm *v, unsigned index, int *irq_fd)
{
	struct kvm_irqfd f;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return vmm_fail(HUSK_VMM_EXIT_KVM, "eventfd: %s",
				strerror(errno));
	memset(&f, 0, sizeof(f));
	f.fd = (uint32_t)fd;
	f.gsi = VMM_GSI_BASE + index;
	if (ioctl(v->vm, KVM_IRQFD, &f) < 0) {
		int err = errno;
		close(fd);
		return vmm_fail(HUSK_VMM_EXIT_KVM, "KVM_IRQFD: %s",
				strerror(err));
	}
	*irq_fd = fd;
	return 0;
}

int kvm_attach_ioeventfd(struct vm *v, uint64_t addr, uint32_t datamatch,
			 int fd)
{
	struct kvm_ioeventfd e;

	memset(&e, 0, sizeof(e));
	e.addr = addr;
	e.len = 4;
	e.fd = fd;
	e.datamatch = datamatch;
	e.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
	if (ioctl(v->vm, KVM_IOEVENTFD, &e) < 0)
		return vmm_fail(HUSK_VMM_EXIT_KVM, "KVM_IOEVENTFD at 0x%llx: %s",
				(unsigned long long)addr, strerror(errno));
	return 0;
}
