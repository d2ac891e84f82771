/* kvmcheck: smallest possible end-to-end test of /dev/kvm.
 * Creates a VM with one 64 KiB slot at guest address 0, a vCPU in real
 * mode starting at 0000:1000, and runs
 *     mov $42, %al ; out %al, $0x10 ; hlt
 * It expects KVM_EXIT_IO (port 0x10, value 42), then KVM_EXIT_HLT.
 * Prints "kvmcheck ok" and exits 0 on success, a message and 1 otherwise. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE 0x10000
#define ENTRY    0x1000

static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(void)
{
	static const uint8_t code[] = {
		0xb0, 42,   /* mov $42, %al */
		0xe6, 0x10, /* out %al, $0x10 */
		0xf4,       /* hlt */
	};
	int kvm, vm, vcpu, size;
	uint8_t *mem;
	struct kvm_run *run;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if ((kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0)
		return fail("open /dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		fprintf(stderr, "kvmcheck: unexpected KVM API version\n");
		return 1;
	}
	if ((vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0)
		return fail("KVM_CREATE_VM");

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap");
	memcpy(mem + ENTRY, code, sizeof(code));
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = MEM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");

	if ((vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0)
		return fail("KVM_CREATE_VCPU");
	if ((size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0)) < 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");

	/* Real mode, CS base 0, IP at ENTRY. */
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = ENTRY;
	regs.rflags = 0x2; /* bit 1 is reserved and must be set */
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS");

	/* First exit: the OUT. */
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN");
	if (run->exit_reason != KVM_EXIT_IO ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.port != 0x10 ||
	    run->io.size != 1 || run->io.count != 1 ||
	    *((uint8_t *)run + run->io.data_offset) != 42) {
		fprintf(stderr, "kvmcheck: expected OUT 42 to port 0x10, "
			"got exit_reason %u\n", run->exit_reason);
		return 1;
	}

	/* Second exit: the HLT. */
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN");
	if (run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "kvmcheck: expected HLT, got exit_reason %u\n",
			run->exit_reason);
		return 1;
	}
	puts("kvmcheck ok");
	return 0;
}
