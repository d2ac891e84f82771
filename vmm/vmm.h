/*
 * husk-vmm: a minimal KVM monitor for husk images.
 *
 * The monitor loads the image, prepares the whole machine (page tables,
 * GDT, TSS, IDT, MSRs, control registers) with the shared builder in
 * kernel/arch/x86_64/machine.c and starts the vCPU directly in ring 3 at
 * the library OS's entry: no ring-0 boot code runs. After that the vCPU
 * thread drains the console ring, waits for the exit port and answers the
 * network device's register accesses; the device's own work runs on its
 * I/O thread (iothread.c).
 *
 * Every function that can fail returns 0 or one of the HUSK_VMM_EXIT_*
 * statuses of abi.h, and leaves a one-line message for vmm_error(); main()
 * prints it as "husk-vmm: <message>". Nothing below main() exits.
 */
#ifndef HUSK_VMM_H
#define HUSK_VMM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include <husk/abi.h>
#include <husk/bootinfo.h>
#include <husk/image.h>
#include <husk/machine.h>
#include <husk/virtio.h>
#include <husk/x86.h>

#define HUSK_VMM_VERSION "0.1.0"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* ---- util.c: messages ---- */

/* Records a message for main() to print and returns status. */
int vmm_fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *vmm_error(void);

/* "husk-vmm: <message>\n" on standard error, as one write(2): safe after
 * seccomp (no stdio, no allocation). */
void vmm_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Formats to fd with one write (truncated at 512 bytes). */
void vmm_fdprintf(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes all of buf, retrying partial writes and EINTR. 0 or -1. */
int write_all(int fd, const void *buf, size_t len);

/* Reads exactly len bytes at off. 0, or -1 with errno (0 at end of file). */
int read_exact(int fd, void *buf, size_t len, uint64_t off);

/* Formats a size as "64 MiB", "1536 KiB" or "100 bytes". */
const char *fmt_size(char *buf, size_t n, uint64_t bytes);

/* ---- args.c: the command line ---- */

#define VMM_MAX_KOPTS 256

struct vmm_args {
	uint64_t mem_size;
	const char *mem_arg;  /* --mem as typed, for messages */
	const char *cmdline;  /* --cmdline, "" when absent */
	const char *initrd;   /* NULL when absent */
	const char *image;
	int nargs;            /* program arguments after "--" */
	char **args;
	int help, version;
	int status_fd;        /* --status-fd: where the exit status goes; -1 */
	/* Library OS options from -e, --cwd, --no-rewrite, --trace-syscalls,
	 * added to the guest command line as husk.* words. */
	const char *kopts[VMM_MAX_KOPTS];
	int nkopts;
	/* The network device (net.c): --net, -p, --mac. */
	int net;               /* NET_NONE, NET_USER, NET_TAP */
	int net_set;           /* --net given */
	const char *net_arg;   /* --net as typed, for messages */
	const char *tap_name;  /* --net tap:NAME */
	uint8_t mac[6];
	int mac_set;
	struct net_port *ports; /* -p, in command-line order */
	int nports;
};

#define VMM_DEFAULT_MEM "64M"
#define VMM_MAX_MEM (1ULL << 40)

/* -p [HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp] */
struct net_port {
	const char *arg;  /* as typed, for messages */
	uint32_t host_ip; /* network order; 0: every address */
	uint16_t host_port, guest_port;
	int udp;
};

enum { NET_NONE, NET_USER, NET_TAP };

int args_parse(int argc, char **argv, struct vmm_args *a);

/* args_net.c */
int parse_net(const char *s, struct vmm_args *a);
int parse_port(const char *s, struct net_port *p);
int add_port(const char *s, struct vmm_args *a);
int parse_mac(const char *s, uint8_t mac[6]);
/* After the whole command line: -p with --net, memory, the MAC. */
int net_args_check(struct vmm_args *a);
int parse_mem(const char *s, uint64_t *out);
void usage(int fd);

/* ---- mem.c: guest memory ---- */

struct guest_mem {
	uint8_t *base;  /* guest physical 0 */
	uint64_t size;
	size_t map_size;
};

int guest_mem_alloc(struct guest_mem *g, uint64_t size);
void guest_mem_free(struct guest_mem *g);

/* ---- elf.c: the husk image ---- */

#define ELF_MAX_PHDRS 64
#define ELF_MAX_LOADS 16

struct elf_segment {
	uint64_t offset, paddr, filesz, memsz;
	unsigned index; /* in the program header table, for messages */
};

struct husk_image {
	const char *path;
	int fd;
	uint64_t file_size;
	unsigned nseg;
	struct elf_segment seg[ELF_MAX_LOADS];
	struct husk_image_layout layout;
	uint64_t pa_start, pa_end; /* the image range, physical */
	uint64_t load_end;         /* past the highest loaded byte */
};

/* Reads and checks headers and the husk note; touches no guest memory. */
int elf_open(const char *path, struct husk_image *img);
/* Smallest guest memory the image fits in (MiB multiple). */
uint64_t elf_min_mem(const struct husk_image *img);
/* Copies the segments into guest memory, zeroing bss. */
int elf_load(struct husk_image *img, const struct guest_mem *g,
	     const char *mem_arg);
void elf_close(struct husk_image *img);

static inline uint64_t image_pa(uint64_t va)
{
	return va - HUSK_KERNEL_VBASE;
}

/* ---- initrd.c ---- */

int initrd_load(const char *path, const struct guest_mem *g, uint64_t floor,
		const char *mem_arg, uint64_t *paddr, uint64_t *size);

/* ---- bootinfo.c ---- */

/* The guest command line: cmdline, then " -- " and the quoted args. */
int cmdline_build(char *out, size_t outsz, const char *cmdline, int nargs,
		  char *const *args);
int cmdline_build_opts(char *out, size_t outsz, const char *cmdline,
		       int nopts, const char *const *opts, int nargs,
		       char *const *args);

struct boot_params {
	uint32_t cpu_features;
	uint64_t xcr0;
	uint64_t tsc_khz;
	uint64_t mem_size;
	uint64_t initrd_paddr, initrd_size;
	const char *cmdline; /* already assembled, fits HUSK_CMDLINE_MAX */
	uint32_t ndev;
	struct husk_device dev[HUSK_MAX_DEVICES];
};

void bootinfo_fill(void *dst, const struct boot_params *p);
/* The clock pair, written last, just before the first KVM_RUN. */
void bootinfo_set_clock(void *dst, uint64_t tsc, uint64_t wall_ns);

/* ---- cpuid.c / cpuid_cache.c ---- */

#define CPUID_MAX_ENTRIES 512

struct cpuid_entry {
	uint32_t function, index, flags, eax, ebx, ecx, edx;
};

/* struct kvm_cpuid2 with room for CPUID_MAX_ENTRIES entries (cpuid.c
 * reads KVM's table into one, kvm.c hands the guest's to KVM in one). */
union kvm_cpuid_buf {
	struct kvm_cpuid2 c;
	char buf[sizeof(struct kvm_cpuid2) +
		 CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2)];
};

struct cpuid_table {
	uint32_t nent;
	struct cpuid_entry e[CPUID_MAX_ENTRIES];
};

/* What the cache is keyed by: host kernel and host CPU. */
struct cpuid_key {
	char release[68]; /* uname's 65, padded so the struct has no holes */
	uint32_t sig[5]; /* leaf 0 eax ebx ecx edx, leaf 1 eax */
};

int cpuid_supported(int kvm_fd, struct cpuid_table *t);
void cpuid_make_guest(struct cpuid_table *t, int lapic);
uint32_t cpuid_features(const struct cpuid_table *t);
uint64_t cpuid_xcr0(const struct cpuid_table *t);
int cpuid_is_intel(const struct cpuid_table *t);
const struct cpuid_entry *cpuid_find(const struct cpuid_table *t,
				     uint32_t function, uint32_t index);

void cpuid_host_key(struct cpuid_key *k);
/* Fills buf with the cache file's path; 0, or -1 when there is no home. */
int cpuid_cache_path(char *buf, size_t n);
/* 0 when the file held a sound table for key, else -1 (refresh it). */
int cpuid_cache_load(const char *path, const struct cpuid_key *k,
		     struct cpuid_table *t);
/* Best effort: a cache that cannot be written is not an error. */
void cpuid_cache_store(const char *path, const struct cpuid_key *k,
		       const struct cpuid_table *t);

/* ---- kvm.c ---- */

struct vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	int lapic; /* 1: an in-kernel local APIC (split irqchip) */
};

int kvm_open_vm(struct vm *v, const struct guest_mem *g);
int kvm_set_cpuid(struct vm *v, const struct cpuid_table *t);
int kvm_setup_vcpu(struct vm *v, const struct husk_cpu_state *s,
		   uint64_t xcr0, int tss_busy);
uint64_t kvm_tsc_khz(struct vm *v);
int kvm_read_tsc(struct vm *v, uint64_t *tsc);

/* ---- console.c ---- */

/* Writes the console ring at console (struct husk_console with size bytes
 * of buf, as the image note says) to fd and empties it. 0, or -1 after a
 * message when the guest's length exceeds size. */
int console_flush(uint8_t *console, uint64_t size, int fd);

/* ---- run.c ---- */

/* signals.c: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 are
 * recorded for the guest (installed before the filter). */
int signals_install(struct kvm_run *run);
uint64_t signals_take(void); /* bit sig-1 per signal received */

/* devs: the virtio-mmio devices whose registers MMIO exits reach. */
struct virtio_dev;
int run_guest(struct vm *v, const struct guest_mem *g,
	      const struct husk_image *img, struct virtio_dev *const *devs,
	      unsigned ndev);

/* ---- dump.c ---- */

void dump_regs(int vcpu_fd);
void dump_nested_fault(int vcpu_fd, const struct guest_mem *g,
		       const struct husk_image *img);

/* ---- seccomp.c ---- */

typedef void *scmp_filter_ctx; /* as <seccomp.h> has it */

struct seccomp_prog {
	unsigned short len;
	void *filter; /* struct sock_filter[len] */
};

/* Builds the run loop's allowlist as BPF, ahead of time, so that
 * installing it right before KVM_RUN is one system call. status_fd: the
 * --status-fd descriptor the exit status is written to at the end (-1:
 * none). wfds: eventfds the vCPU thread may also write (a device's; then
 * futex too, for the device's lock). */
int seccomp_prepare(int vcpu_fd, int vm_fd, int status_fd, const int *wfds,
		    unsigned nwfds, struct seccomp_prog *p);
/* ctx compiled to BPF into p. */
/* An empty filter whose default kills the process (each thread's starts
 * so); NULL after a message. */
scmp_filter_ctx seccomp_new_filter(void);
int seccomp_export(scmp_filter_ctx ctx, struct seccomp_prog *p);
/* Allows calls[0..n) whatever their arguments. */
int seccomp_allow_calls(scmp_filter_ctx ctx, const int *calls, size_t n);
/* mmap and mprotect, never with PROT_EXEC: no new code in husk-vmm. */
int seccomp_allow_noexec_maps(scmp_filter_ctx ctx);
int seccomp_install(const struct seccomp_prog *p);
/* Both, for tests. */
int seccomp_apply(int vcpu_fd);

/* seccomp_io.c: the network I/O thread's own allowlist. */
struct net_dev;
int seccomp_prepare_io(const struct net_dev *n, struct seccomp_prog *p);

/* seccomp_san.c, the ASan build only (no-ops otherwise): the sanitizer
 * runtime's own calls, added to every filter; its leak check, run once
 * before the first filter. */
int seccomp_san_rules(scmp_filter_ctx ctx);
void seccomp_san_prepare(void);

/* ---- virtq.c: the device side of a split virtqueue ---- */

/* Guest-physical home of device i's virtio-mmio registers: just below the
 * local APIC, so guest RAM must end below VMM_MMIO_BASE. */
#define VMM_MMIO_BASE 0xfeb00000ULL
#define VMM_MMIO_STRIDE 0x1000ULL
#define VMM_MMIO_PADDR(i) (VMM_MMIO_BASE + (uint64_t)(i) * VMM_MMIO_STRIDE)

#define VIRTQ_NUM_MAX 256 /* QueueNumMax: the most entries a queue may have */

/* One descriptor of a chain, already checked to lie in guest memory. */
struct virtq_seg {
	uint8_t *p;
	uint32_t len;
};

/* A chain taken from the available ring: nout device-readable segments,
 * then nin device-writable ones. */
struct virtq_chain {
	uint16_t head;
	unsigned nout, nin;
	uint64_t out_len, in_len;
	struct virtq_seg seg[VIRTQ_NUM_MAX];
};

/*
 * Everything the driver sets (num, the three addresses) is plain state
 * written under the device's lock; the rings themselves are guest memory,
 * read through virtq.c only.
 */
struct virtq {
	const char *name; /* "rx", "tx": for messages */
	uint16_t num;
	int ready;
	uint64_t desc_pa, avail_pa, used_pa;
	/* Host views, set and checked when the queue goes ready. */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t *used_event, *avail_event; /* EVENT_IDX fields */
	int event_idx, indirect;            /* negotiated */
	uint16_t last_avail;  /* next available entry to take */
	uint16_t used_idx;    /* next used entry to fill */
	uint16_t signalled;   /* used_idx when we last considered signalling */
	char err[192];        /* why the last call failed */
};

void virtq_reset(struct virtq *q);
/* The queue goes ready: checks num and the rings against guest memory.
 * 0, or -1 with q->err. */
int virtq_start(struct virtq *q, const struct guest_mem *g, uint64_t features);
/* 1: a chain, 0: none available, -1: the driver broke the rules (q->err). */
int virtq_pop(struct virtq *q, const struct guest_mem *g,
	      struct virtq_chain *c);
/* Gives the last chain popped back, as if it had not been taken. */
void virtq_unpop(struct virtq *q);
/* Returns chain head to the driver, len bytes written into it. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t len);
/* Whether the driver asked for an interrupt for what was pushed since
 * the last call. */
int virtq_must_signal(struct virtq *q);
/* Asks the driver to notify when it adds past what we took; then
 * whether it already has (check again before sleeping). */
int virtq_notify_on_avail(struct virtq *q);
/* Whether entries are available (no checks: a hint for polling). */
int virtq_has_avail(const struct virtq *q);

/* ---- virtio_mmio.c: the virtio-mmio transport (version 2) ---- */

#define VIRTIO_MAX_QUEUES 2

struct virtio_dev;

struct virtio_dev_ops {
	/* QueueNotify written by the guest (without an ioeventfd taking it). */
	void (*notify)(struct virtio_dev *d, unsigned queue);
	/* DRIVER_OK set: the device may start. */
	void (*start)(struct virtio_dev *d);
};

struct virtio_dev {
	pthread_mutex_t lock; /* vCPU thread (registers) vs I/O thread */
	const char *name;     /* "virtio-net": for messages */
	uint32_t device_id;
	uint64_t paddr;       /* register block, guest-physical */
	const struct virtio_dev_ops *ops;
	const struct guest_mem *g;
	uint64_t offered, features; /* ours, and the driver's accepted ones */
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint32_t status, isr;
	unsigned nqueues;
	struct virtq q[VIRTIO_MAX_QUEUES];
	const uint8_t *config; /* device configuration space */
	uint32_t config_len;
	int irq_fd;            /* eventfd behind an irqfd; -1: none */
	int stopped;           /* a violation stopped it until reset */
	unsigned long bad_accesses; /* not 32 bits wide, unknown offsets */
};

void virtio_dev_init(struct virtio_dev *d, const char *name, uint32_t id,
		     uint64_t paddr, const struct guest_mem *g,
		     const struct virtio_dev_ops *ops, uint64_t offered,
		     unsigned nqueues);
/* An MMIO exit: off from the block's start. */
void virtio_mmio_read(struct virtio_dev *d, uint64_t off, void *data,
		      unsigned len);
void virtio_mmio_write(struct virtio_dev *d, uint64_t off, const void *data,
		       unsigned len);
/* With the lock held: DRIVER_OK, not stopped. */
int virtio_running(const struct virtio_dev *d);
/* With the lock held: sets InterruptStatus bits and injects. */
void virtio_interrupt(struct virtio_dev *d, uint32_t bits);
/* With the lock held: the guest broke the rules. Prints one line
 * ("husk-vmm: <name>: <why>; device stopped"), sets DEVICE_NEEDS_RESET
 * and raises a configuration interrupt; the VM goes on. */
void virtio_stop(struct virtio_dev *d, const char *why);

/* ---- net.c, net_*.c: the network device and its backends ---- */

#define NET_FRAME_MAX 1514 /* Ethernet without FCS, MTU 1500 */
#define NET_HDR_LEN ((uint32_t)sizeof(struct virtio_net_hdr))

struct net_backend;
struct pollfd;

struct net_backend_ops {
	const char *name; /* "user", "tap", "fd": for messages */
	/* A frame from the guest. */
	void (*send)(struct net_backend *b, const uint8_t *frame, size_t len);
	/* The next frame for the guest into buf (NET_FRAME_MAX bytes, more
	 * are dropped); its length, or 0 when there is none. */
	size_t (*recv)(struct net_backend *b, uint8_t *buf);
	/* What to wait for: fills fds (room for max), returns how many, and
	 * may shorten *timeout_ms. want_rx: the guest has buffers. */
	unsigned (*poll_fill)(struct net_backend *b, struct pollfd *fds,
			      unsigned max, int *timeout_ms, int want_rx);
	/* After poll: the same fds with their revents. */
	void (*poll_done)(struct net_backend *b, struct pollfd *fds,
			  unsigned n);
	/* The I/O thread's seccomp rules for this backend. */
	int (*seccomp_rules)(struct net_backend *b, scmp_filter_ctx ctx);
	/* Closes everything (in the I/O thread, as it ends). */
	void (*close)(struct net_backend *b);
};

struct net_backend {
	const struct net_backend_ops *ops;
	unsigned long dropped; /* frames the backend could not take or give */
};

/* net_fd.c: a file descriptor that carries one frame per read and write
 * (a TAP device, or a datagram socket in tests). */
struct net_backend *net_fd_backend(int fd);
/* net_tap.c: TUNSETIFF on an existing TAP device. */
int net_tap_open(const char *name, struct net_backend **out);
/* net_user.c: user-mode networking (libslirp), ports published. */
int net_user_open(const struct net_port *ports, int nports,
		  struct net_backend **out);

#define NET_POLL_MAX 1024 /* backend descriptors the I/O thread polls */

struct net_dev {
	struct virtio_dev vdev;
	struct virtio_net_config config;
	struct net_backend *be;
	int kick_fd[2];   /* eventfds: QueueNotify 0 and 1 (ioeventfd) */
	int stop_fd;      /* eventfd: ends the I/O thread */
	pthread_t thread;
	int thread_started;
	struct seccomp_prog *filter; /* the I/O thread's, installed by it */
	int thread_rc;    /* filter installation: 0 or an exit status */
	pthread_mutex_t start_lock;
	pthread_cond_t start_cond;
	int start_done;
	unsigned long rx_dropped, tx_dropped; /* oversize, no room */
	struct virtq_chain chain;             /* I/O thread scratch */
	uint8_t frame[NET_HDR_LEN + NET_FRAME_MAX];
};

/* Makes the device (no thread yet) and its eventfds, on backend be (the
 * device owns it from then on). The caller sets vdev.irq_fd. */
int net_create(struct net_dev *n, const struct guest_mem *g, uint64_t paddr,
	       const uint8_t mac[6], struct net_backend *be);
/* One pass of the I/O thread's work: tx, rx, one interrupt if the
 * driver wants it. 1 if work was left for the next pass. */
int net_process(struct net_dev *n);
/* Whether the driver has receive buffers (poll the backend for frames). */
int net_wants_rx(struct net_dev *n);
/* Starts the I/O thread, which installs filter (NULL: none) before it
 * does anything else; returns once it has. */
int net_start(struct net_dev *n, struct seccomp_prog *filter);
/* Ends the I/O thread and closes every descriptor the device owns. */
void net_stop(struct net_dev *n);
/* The descriptors the vCPU thread may write (QueueNotify without an
 * ioeventfd, the interrupt, the stop request): fills fds, returns the
 * count (at most 4). */
unsigned net_vcpu_fds(const struct net_dev *n, int *fds);

/* kvm_dev.c: a device's ioeventfds and its MSI through an irqfd. */
int kvm_route_msis(struct vm *v, unsigned ndev);
int kvm_attach_irqfd(struct vm *v, unsigned index, int *irq_fd);
int kvm_attach_ioeventfd(struct vm *v, uint64_t addr, uint32_t datamatch,
			 int fd);

#endif
