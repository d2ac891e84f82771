/*
 * husk-vmm's work: load a husk image, build its machine, run it in ring 3.
 * vmm_main() is husk-vmm's main() (main.c), and also runs inside `husk
 * run --rm`, which calls it rather than exec'ing husk-vmm (vmm_main.h).
 *
 * The order matters for speed and for the quality of errors: everything
 * that can be wrong with the command line, the image or a published port
 * is found before KVM is touched; everything that can fail is done before
 * the seccomp filters (the network I/O thread's, then the vCPU thread's);
 * the TSC is read last, just before the first KVM_RUN.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"
#include "vmm_main.h"

struct boot {
	struct vmm_args a;
	struct husk_image img;
	struct guest_mem mem;
	struct vm vm;
	struct cpuid_table cpuid;
	struct boot_params bp;
	struct husk_cpu_state cpu;
	char cmdline[HUSK_CMDLINE_MAX];
	struct net_backend *net_be; /* until the device owns it */
	struct net_dev net;
	struct virtio_dev *devs[HUSK_MAX_DEVICES];
	unsigned ndev;
};

static int load_image(struct boot *b)
{
	uint64_t floor;
	int rc;

	rc = cmdline_build_opts(b->cmdline, sizeof(b->cmdline), b->a.cmdline,
				b->a.nkopts, b->a.kopts, b->a.nargs, b->a.args);
	if (!rc)
		rc = elf_open(b->a.image, &b->img);
	if (!rc)
		rc = guest_mem_alloc(&b->mem, b->a.mem_size);
	if (!rc)
		rc = elf_load(&b->img, &b->mem, b->a.mem_arg);
	if (rc)
		return rc;
	/* The initrd goes above everything the image occupies. */
	floor = b->img.pa_end > b->img.load_end ? b->img.pa_end : b->img.load_end;
	floor = (floor + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (b->a.initrd)
		rc = initrd_load(b->a.initrd, &b->mem, floor, b->a.mem_arg,
				 &b->bp.initrd_paddr, &b->bp.initrd_size);
	return rc;
}

/* The CPUID table decides the features; the builder may enable fewer. */
static int setup_cpu(struct boot *b)
{
	struct husk_mem_region ram = {
		.base = 0, .size = b->mem.size, .type = HUSK_MEM_RAM,
	};
	struct husk_machine_env env = {
		.phys_base = (uintptr_t)b->mem.base,
		.phys_size = b->mem.size,
		.mem = &ram,
		.nmem = 1,
		.platform = HUSK_PLATFORM_VMM,
	};
	const char *why;
	uint64_t xcr0;
	int rc;

	rc = cpuid_supported(b->vm.kvm, &b->cpuid);
	if (rc)
		return rc;
	cpuid_make_guest(&b->cpuid, b->vm.lapic);
	rc = kvm_set_cpuid(&b->vm, &b->cpuid);
	if (rc)
		return rc;
	env.cpu_features = cpuid_features(&b->cpuid);
	if (b->vm.lapic)
		env.cpu_features |= HUSK_CPU_LAPIC;
	xcr0 = cpuid_xcr0(&b->cpuid);
	if (!xcr0)
		env.cpu_features &= ~HUSK_CPU_XSAVE;
	why = husk_build_machine(&env, &b->img.layout, &b->cpu);
	if (why)
		return vmm_fail(HUSK_VMM_EXIT_MEMORY, "%s with --mem %s: %s",
				b->img.path, b->a.mem_arg, why);
	b->bp.cpu_features = b->cpu.cpu_features;
	b->bp.xcr0 = (b->cpu.cpu_features & HUSK_CPU_XSAVE) ? xcr0 : 0;
	return kvm_setup_vcpu(&b->vm, &b->cpu, b->bp.xcr0,
			      cpuid_is_intel(&b->cpuid));
}

/* The backend first: a published port already in use is the user's
 * mistake, found before KVM is touched. */
static int open_net_backend(struct boot *b)
{
	switch (b->a.net) {
	case NET_USER:
		return net_user_open(b->a.ports, b->a.nports, &b->net_be);
	case NET_TAP:
		return net_tap_open(b->a.tap_name, &b->net_be);
	}
	return 0;
}

/* Device 0: registers at VMM_MMIO_PADDR(0), QueueNotify through
 * ioeventfds, its interrupt through an irqfd; listed in the boot info. */
static int setup_net(struct boot *b)
{
	struct net_dev *n = &b->net;
	uint64_t pa = VMM_MMIO_PADDR(b->ndev);
	unsigned i;
	int rc;

	if (!b->net_be)
		return 0;
	rc = net_create(n, &b->mem, pa, b->a.mac, b->net_be);
	b->net_be = NULL;
	if (!rc)
		rc = kvm_route_msis(&b->vm, b->ndev + 1);
	if (!rc)
		rc = kvm_attach_irqfd(&b->vm, b->ndev, &n->vdev.irq_fd);
	for (i = 0; i < 2 && !rc; i++)
		rc = kvm_attach_ioeventfd(&b->vm, pa + VIRTIO_MMIO_QUEUE_NOTIFY,
					  i, n->kick_fd[i]);
	if (rc)
		return rc;
	b->bp.dev[b->ndev] = (struct husk_device){
		.kind = HUSK_DEV_VIRTIO_MMIO,
		.flags = HUSK_DEVF_MSI,
		.paddr = pa,
		.size = VMM_MMIO_STRIDE,
		.vector = HUSK_VEC_DEVICE_BASE + b->ndev,
	};
	b->devs[b->ndev++] = &n->vdev;
	b->bp.ndev = b->ndev;
	return 0;
}

static void fill_bootinfo(struct boot *b)
{
	b->bp.tsc_khz = kvm_tsc_khz(&b->vm);
	b->bp.mem_size = b->mem.size;
	b->bp.cmdline = b->cmdline;
	bootinfo_fill(b->mem.base + image_pa(b->img.layout.boot_info), &b->bp);
}

/* The device's I/O thread starts before the vCPU thread's filter, which it
 * must not inherit, and installs its own. */
static int start_devices(struct boot *b, struct seccomp_prog *vcpu_prog)
{
	static struct seccomp_prog io_prog;
	int wfds[4];
	unsigned nw = 0;
	int rc;

	if (b->ndev)
		nw = net_vcpu_fds(&b->net, wfds);
	rc = seccomp_prepare(b->vm.vcpu, b->vm.lapic ? b->vm.vm : -1,
			     b->a.status_fd, wfds, nw, vcpu_prog);
	if (!rc && b->ndev)
		rc = seccomp_prepare_io(&b->net, &io_prog);
	if (!rc)
		rc = signals_install(b->vm.run);
	if (!rc && b->ndev)
		rc = net_start(&b->net, &io_prog);
	return rc;
}

/* The clock pair and the filter: the last things before the guest runs. */
static int arm(struct boot *b)
{
	struct seccomp_prog prog;
	struct timespec ts;
	uint64_t tsc;
	int rc;

	rc = start_devices(b, &prog);
	if (!rc)
		rc = kvm_read_tsc(&b->vm, &tsc);
	if (rc)
		return rc;
	clock_gettime(CLOCK_REALTIME, &ts);
	bootinfo_set_clock(b->mem.base + image_pa(b->img.layout.boot_info), tsc,
			   (uint64_t)ts.tv_sec * 1000000000ULL +
				   (uint64_t)ts.tv_nsec);
	return seccomp_install(&prog);
}

/* Setup failures are reported here; the run loop reports its own. */
static int boot(struct boot *b)
{
	int rc = load_image(b);

	if (!rc)
		rc = open_net_backend(b);
	if (!rc)
		rc = kvm_open_vm(&b->vm, &b->mem);
	if (!rc)
		rc = setup_cpu(b);
	if (!rc)
		rc = setup_net(b);
	if (!rc) {
		fill_bootinfo(b);
		rc = arm(b);
	}
	if (rc) {
		vmm_msg("%s", vmm_error());
		return rc;
	}
	rc = run_guest(&b->vm, &b->mem, &b->img, b->devs, b->ndev);
	if (b->ndev)
		net_stop(&b->net);
	return rc;
}

/* Whatever the starter left open past standard error (a shell's
 * redirection, an engine's pipe, husk's store) is not the guest's
 * business: no device or backend of ours could ever reach it. keep is
 * --status-fd's descriptor, or -1. */
static void close_inherited(int keep)
{
	unsigned first = 3;

	if (keep >= 3) {
		if (keep > 3 && close_range(3, (unsigned)keep - 1, 0) < 0)
			for (int fd = 3; fd < keep; fd++)
				close(fd);
		first = (unsigned)keep + 1;
	}
	if (close_range(first, ~0U, 0) < 0)
		for (int fd = (int)first; fd < 1024; fd++)
			close(fd);
}

/* --status-fd: the status for a waiter that is not our parent (husk
 * wait on a `husk run --rm`), written last, under the run loop's filter,
 * which allows this one write. */
static int finish(const struct vmm_args *a, int status)
{
	if (a->status_fd >= 0)
		vmm_fdprintf(a->status_fd, "%d\n", status);
	return status;
}

int vmm_main(int argc, char **argv)
{
	static struct boot b; /* large: keep it off the stack */
	int rc;

	/* One malloc arena for every thread: a thread's own arena is
	 * shrunk after glibc reads /proc/sys/vm/overcommit_memory, an
	 * openat that the I/O thread's seccomp filter (rightly) kills. */
	mallopt(M_ARENA_MAX, 1);
	rc = args_parse(argc, argv, &b.a);
	close_inherited(b.a.status_fd);
	if (rc) {
		vmm_msg("%s", vmm_error());
		return finish(&b.a, rc);
	}
	if (b.a.help) {
		usage(1);
		return finish(&b.a, 0);
	}
	if (b.a.version) {
		vmm_fdprintf(1, "husk-vmm %s (husk ABI %d)\n", HUSK_VMM_VERSION,
			     HUSK_ABI_VERSION);
		return finish(&b.a, 0);
	}
	return finish(&b.a, boot(&b));
}
