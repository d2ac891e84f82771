/*
 * The run loop: KVM_RUN until the guest writes HUSK_PORT_EXIT. MMIO exits
 * inside a device's register block go to its transport (virtio_mmio.c).
 *
 * Runs under the seccomp filter. The guest is untrusted: the console
 * length it writes is bounded by the size the image note gave before the
 * guest ran, and the I/O data KVM points at is checked to lie inside the
 * kvm_run mapping. Anything unexpected ends the VM with one line and a
 * register dump.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

/* Handlers return RUN_ON to go on running, else the exit status. */
#define RUN_ON (-1)

struct runner {
	struct vm *v;
	const struct guest_mem *g;
	const struct husk_image *img;
	uint8_t *console;      /* struct husk_console in guest memory */
	uint64_t console_size; /* from the note, not from the guest */
	struct virtio_dev *const *devs;
	unsigned ndev;
};

static int unexpected(const struct runner *r, int status)
{
	dump_regs(r->v->vcpu);
	return status;
}

/* Drains the console ring (console.c): HUSK_STREAM_ERR to standard
 * error, any other stream to standard output. */
static int flush_console(const struct runner *r, uint32_t stream)
{
	if (console_flush(r->console, r->console_size,
			  stream == HUSK_STREAM_ERR ? 2 : 1))
		return unexpected(r, HUSK_VMM_EXIT_GUEST);
	return RUN_ON;
}

/* value = status | reason << 8 | detail << 16. Returns the exit status. */
static int guest_exit(const struct runner *r, uint32_t value)
{
	unsigned status = value & 0xff, reason = (value >> 8) & 0xff;
	unsigned detail = value >> 16;
	int rc = flush_console(r, HUSK_STREAM_OUT); /* the guest flushed
							* before a stream switch */

	if (rc != RUN_ON)
		return rc;
	switch (reason) {
	case HUSK_EXIT_NORMAL:
	case HUSK_EXIT_FAULT: /* the guest printed its own report */
	case HUSK_EXIT_PANIC:
	case HUSK_EXIT_SIGNAL:
		return (int)status;
	case HUSK_EXIT_NESTED_FAULT:
		vmm_msg("guest faulted while handling a fault (vector %u)",
			detail);
		dump_nested_fault(r->v->vcpu, r->g, r->img);
		return (int)status;
	}
	vmm_msg("guest exited with unknown reason %u (value 0x%08x)", reason,
		value);
	return unexpected(r, HUSK_VMM_EXIT_GUEST);
}

static int handle_io(const struct runner *r)
{
	const struct kvm_run *k = r->v->run;
	uint64_t off = k->io.data_offset;
	uint64_t bytes = (uint64_t)k->io.size * k->io.count;
	uint32_t value = 0;
	int out = k->io.direction == KVM_EXIT_IO_OUT;

	if (off > r->v->run_size || bytes > r->v->run_size - off) {
		vmm_msg("KVM reported I/O data outside kvm_run (offset %llu, "
			"%llu bytes)", (unsigned long long)off,
			(unsigned long long)bytes);
		return unexpected(r, HUSK_VMM_EXIT_VMEXIT);
	}
	if (out && k->io.port == HUSK_PORT_CONSOLE) {
		value = HUSK_STREAM_OUT;
		if (k->io.size == 4 && k->io.count == 1)
			memcpy(&value, (const uint8_t *)k + off, 4);
		return flush_console(r, value);
	}
	if (out && k->io.port == HUSK_PORT_EXIT && k->io.size == 4 &&
	    k->io.count == 1) {
		memcpy(&value, (const uint8_t *)k + off, 4);
		return guest_exit(r, value);
	}
	vmm_msg("guest %s port 0x%x (%u-byte access x %u): not a husk-vmm "
		"port, or not used as the ABI says", out ? "wrote" : "read",
		k->io.port, k->io.size, k->io.count);
	return unexpected(r, HUSK_VMM_EXIT_GUEST);
}

/* A device's registers; anywhere else is memory that does not exist. */
static int handle_mmio(const struct runner *r)
{
	struct kvm_run *k = r->v->run;
	uint64_t pa = k->mmio.phys_addr;
	unsigned i;

	for (i = 0; i < r->ndev; i++) {
		struct virtio_dev *d = r->devs[i];
		if (pa < d->paddr || pa - d->paddr >= VMM_MMIO_STRIDE)
			continue;
		if (k->mmio.is_write)
			virtio_mmio_write(d, pa - d->paddr, k->mmio.data,
					  k->mmio.len);
		else
			virtio_mmio_read(d, pa - d->paddr, k->mmio.data,
					 k->mmio.len);
		return RUN_ON;
	}
	vmm_msg("guest %s unbacked memory at 0x%llx (%u bytes)",
		k->mmio.is_write ? "wrote" : "read", (unsigned long long)pa,
		k->mmio.len);
	return unexpected(r, HUSK_VMM_EXIT_VMEXIT);
}

static int internal_error(const struct runner *r)
{
	const struct kvm_run *k = r->v->run;
	char data[256];
	size_t n = 0;
	uint32_t i;

	data[0] = 0;
	for (i = 0; i < k->internal.ndata && i < 16 && n < sizeof(data); i++)
		n += (size_t)snprintf(data + n, sizeof(data) - n, " 0x%llx",
				      (unsigned long long)k->internal.data[i]);
	vmm_msg("KVM internal error %u%s (data:%s)", k->internal.suberror,
		k->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
			" (instruction emulation failed)" : "",
		data[0] ? data : " none");
	return unexpected(r, HUSK_VMM_EXIT_VMEXIT);
}

static int handle_exit(const struct runner *r)
{
	const struct kvm_run *k = r->v->run;

	switch (k->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(r);
	case KVM_EXIT_MMIO:
		return handle_mmio(r);
	case KVM_EXIT_HLT:
		vmm_msg("guest halted, and no interrupt can ever wake it");
		break;
	case KVM_EXIT_SHUTDOWN:
		vmm_msg("guest triple-faulted (KVM_EXIT_SHUTDOWN)");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		return internal_error(r);
	case KVM_EXIT_FAIL_ENTRY:
		vmm_msg("KVM could not enter the guest (hardware reason 0x%llx, "
			"cpu %u)", (unsigned long long)
			k->fail_entry.hardware_entry_failure_reason,
			k->fail_entry.cpu);
		break;
	default:
		vmm_msg("unexpected VM exit %u", k->exit_reason);
		break;
	}
	return unexpected(r, HUSK_VMM_EXIT_VMEXIT);
}

/* Signals husk-vmm received go to the guest program (see signals.c). */
static int pass_signals(const struct runner *r)
{
	uint64_t bits = signals_take();
	struct kvm_msi msi = { .address_lo = HUSK_LAPIC_PADDR,
			       .data = HUSK_VEC_HOST_SIGNAL };
	uint64_t *word = (uint64_t *)(r->console +
				      offsetof(struct husk_console, signals));

	if (!bits)
		return RUN_ON;
	if (!r->v->lapic) {
		flush_console(r, HUSK_STREAM_OUT);
		return 128 + __builtin_ctzll(bits) + 1;
	}
	__atomic_fetch_or(word, bits, __ATOMIC_SEQ_CST);
	if (ioctl(r->v->vm, KVM_SIGNAL_MSI, &msi) < 0) {
		vmm_msg("KVM_SIGNAL_MSI: %s", strerror(errno));
		return unexpected(r, HUSK_VMM_EXIT_VMEXIT);
	}
	return RUN_ON;
}

int run_guest(struct vm *v, const struct guest_mem *g,
	      const struct husk_image *img, struct virtio_dev *const *devs,
	      unsigned ndev)
{
	struct runner r = {
		.v = v,
		.g = g,
		.img = img,
		.console = g->base + image_pa(img->layout.console),
		.console_size = img->layout.console_size,
		.devs = devs,
		.ndev = ndev,
	};
	int rc;

	for (;;) {
		if (ioctl(v->vcpu, KVM_RUN, 0) < 0) {
			/* A signal for the program; EAGAIN: KVM asks too. */
			if (errno == EINTR || errno == EAGAIN) {
				rc = pass_signals(&r);
				if (rc != RUN_ON)
					return rc;
				continue;
			}
			vmm_msg("KVM_RUN: %s", strerror(errno));
			return unexpected(&r, HUSK_VMM_EXIT_VMEXIT);
		}
		rc = handle_exit(&r);
		if (rc != RUN_ON)
			return rc;
	}
}
