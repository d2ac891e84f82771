/*
 * husk-vmm: a minimal KVM monitor for husk images.
 *
 * The monitor loads the image, prepares the whole machine (page tables,
 * GDT, TSS, IDT, MSRs, control registers) with the shared builder in
 * kernel/arch/x86_64/machine.c and starts the vCPU directly in ring 3 at
 * the library OS's entry: no ring-0 boot code runs. After that it only
 * drains the console ring and waits for the exit port.
 *
 * Every function that can fail returns 0 or one of the HUSK_VMM_EXIT_*
 * statuses of abi.h, and leaves a one-line message for vmm_error(); main()
 * prints it as "husk-vmm: <message>". Nothing below main() exits.
 */
#ifndef HUSK_VMM_H
#define HUSK_VMM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include <husk/abi.h>
#include <husk/bootinfo.h>
#include <husk/image.h>
#include <husk/machine.h>
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
	/* Library OS options from -e, --cwd, --no-rewrite, --trace-syscalls,
	 * added to the guest command line as husk.* words. */
	const char *kopts[VMM_MAX_KOPTS];
	int nkopts;
};

#define VMM_DEFAULT_MEM "64M"
#define VMM_MAX_MEM (1ULL << 40)

int args_parse(int argc, char **argv, struct vmm_args *a);
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

/* ---- run.c ---- */

/* signals.c: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 are
 * recorded for the guest (installed before the filter). */
int signals_install(struct kvm_run *run);
uint64_t signals_take(void); /* bit sig-1 per signal received */

int run_guest(struct vm *v, const struct guest_mem *g,
	      const struct husk_image *img);

/* ---- dump.c ---- */

void dump_regs(int vcpu_fd);
void dump_nested_fault(int vcpu_fd, const struct guest_mem *g,
		       const struct husk_image *img);

/* ---- seccomp.c ---- */

struct seccomp_prog {
	unsigned short len;
	void *filter; /* struct sock_filter[len] */
};

/* Builds the run loop's allowlist as BPF, ahead of time, so that
 * installing it right before KVM_RUN is one system call. */
int seccomp_prepare(int vcpu_fd, int vm_fd, struct seccomp_prog *p);
int seccomp_install(const struct seccomp_prog *p);
/* Both, for tests. */
int seccomp_apply(int vcpu_fd);

#endif
