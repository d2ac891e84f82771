/*
 * Frame-pointer backtraces (see backtrace.h). A frame is two words at fp:
 * the caller's fp, then the return address. The library OS's own stacks
 * are known and always there; anything else is the program's memory,
 * read only after the page tables say it is mapped and readable, since
 * a fault in the trap handler would end the VM without its report.
 */
#include "backtrace.h"
#include "console.h"
#include "lib.h"
#include "syms.h"
#include "vm.h"
#include "exec/elfsyms.h"
#include "mm/vma.h"
#include "sched/thread.h"

extern char __r3_stack_bottom[], __r3_stack_top[];
extern char __trap_stack_bottom[], __trap_stack_top[];
extern char husk_syscall_stack_top[]; /* KSTACK_SIZE bytes (sys/entry.S) */
extern char __text_start[], __text_end[];

struct span {
	uint64_t lo, hi;
};

static int in_image_text(uint64_t addr)
{
	return addr >= (uint64_t)__text_start && addr < (uint64_t)__text_end;
}

/* Whether [p, p + 16) lies on one of the library OS's stacks: the boot
 * stack, the trap stack, the first thread's system-call stack, or the
 * current thread's. */
static int on_library_stack(uint64_t p)
{
	struct span s[4] = {
		{ (uint64_t)__r3_stack_bottom, (uint64_t)__r3_stack_top },
		{ (uint64_t)__trap_stack_bottom, (uint64_t)__trap_stack_top },
		{ (uint64_t)husk_syscall_stack_top - KSTACK_SIZE,
		  (uint64_t)husk_syscall_stack_top },
		{ 0, 0 },
	};

	if (current && current->kstack) {
		s[3].lo = (uint64_t)current->kstack;
		s[3].hi = current->kstack_top;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(s); i++)
		if (p >= s[i].lo && p + 16 <= s[i].hi)
			return 1;
	return 0;
}

/* A word of the program's memory, when its page is mapped and readable. */
static int program_word(uint64_t a, uint64_t *v)
{
	uint64_t pa;
	unsigned prot;

	if ((a & 7) || !vm_program_space(a, 8) || !vm_query(a, &pa, &prot) ||
	    !(prot & VM_READ))
		return 0;
	*v = *(const volatile uint64_t *)a;
	return 1;
}

static int read_frame(uint64_t fp, uint64_t w[2])
{
	if (fp & 7)
		return 0;
	if (on_library_stack(fp)) {
		w[0] = ((const uint64_t *)fp)[0];
		w[1] = ((const uint64_t *)fp)[1];
		return 1;
	}
	return program_word(fp, &w[0]) && program_word(fp + 8, &w[1]);
}

/* Code a return address may point into: the image's, or a program
 * mapping that is executable. */
static int is_code(uint64_t addr)
{
	const struct vma *v;

	if (in_image_text(addr))
		return 1;
	v = vm_program_space(addr, 1) ? vma_find(addr) : 0;
	return v && (v->prot & VMA_EXEC);
}

/* files: the filesystem may be read for the file's symbols. */
static void print_program_addr(uint64_t addr, int files)
{
	const struct vma *v = vm_program_space(addr, 1) ? vma_find(addr) : 0;
	uint64_t off, delta;
	char name[128];

	if (!v || !v->name) {
		kprintf("0x%016lx", addr);
		return;
	}
	off = v->off + (addr - v->start);
	if (files && !elfsyms_lookup_path(v->name, off, name, sizeof(name), &delta))
		kprintf("%s+0x%lx (%s+0x%lx)", name, delta, v->name, off);
	else
		kprintf("0x%016lx (%s+0x%lx)", addr, v->name, off);
}

static void print_addr(uint64_t addr, int files)
{
	uint64_t off;
	const char *name = syms_lookup(addr, &off);

	if (name)
		kprintf("0x%016lx <%s+0x%lx>", addr, name, off);
	else
		print_program_addr(addr, files);
}

void backtrace_print_addr(uint64_t addr)
{
	print_addr(addr, 1);
}

static void print_frame(int depth, uint64_t addr, int files)
{
	kprintf("husk:   #%-2d ", depth);
	print_addr(addr, files);
	kprintf("\n");
}

void backtrace_print(uint64_t rip, uint64_t fp)
{
	/* Only a fault in the program's own code finds the library OS at
	 * rest: after a panic or a fault of its own, its filesystem may be
	 * half-changed, so program frames get their file and offset only. */
	int files = rip && vm_program_space(rip, 1);
	uint64_t w[2];
	int depth = 0;

	kprintf("husk: backtrace:\n");
	if (rip)
		print_frame(depth++, rip, files);
	while (depth < BACKTRACE_MAX && read_frame(fp, w) && w[1] &&
	       is_code(w[1] - 1)) {
		/* inside the call, not after it */
		print_frame(depth++, w[1] - 1, files);
		/* Up the stack, or from a library-OS stack to the program's
		 * (a system call's frames lead back to the program's). */
		if (w[0] <= fp && !(on_library_stack(fp) && !on_library_stack(w[0])))
			break;
		fp = w[0];
	}
}
