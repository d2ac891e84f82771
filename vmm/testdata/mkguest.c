/*
 * mkguest: writes a small husk image whose ring-3 entry runs one of the
 * guests of guests.S, for testing husk-vmm's run loop against guests that
 * misbehave on purpose (vmm/testdata/nested-test.sh runs them).
 *
 *   mkguest NAME OUT.elf      NAME: exit42, console, bootinfo, ...
 *
 * The image: 256 KiB at 1 MiB, text page (the guest), rodata page (an
 * all-zero vector table), data (boot info, console ring, trap frame),
 * stacks, and the supervisor machine area with the page-table pool.
 */
#include <elf.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <husk/abi.h>
#include <husk/bootinfo.h>
#include <husk/image.h>

#define VB HUSK_KERNEL_VBASE
#define IMG_PA 0x100000ULL
#define IMG_SIZE 0x40000ULL
#define FILE_DATA 0x1000 /* file offset of the loaded bytes */
#define LOADED 0x2000    /* text page + rodata page */

#include "guests.h"

/* What guests.S assumes. */
_Static_assert(BI_MAGIC == HUSK_BOOT_MAGIC && BI_VERSION == HUSK_BOOT_VERSION &&
	       BI_PLATFORM_VMM == HUSK_PLATFORM_VMM, "boot info constants");
_Static_assert(offsetof(struct husk_boot_info, version) == BI_OFF_VERSION &&
	       offsetof(struct husk_boot_info, platform) == BI_OFF_PLATFORM &&
	       offsetof(struct husk_boot_info, wall_ns_at_boot) == BI_OFF_WALL_NS &&
	       offsetof(struct husk_boot_info, tsc_at_entry) == BI_OFF_TSC_ENTRY &&
	       offsetof(struct husk_boot_info, nmem) == BI_OFF_NMEM,
	       "boot info offsets");

#define GUEST(n) extern const char g_##n[], g_##n##_end[];
#define GUESTS(X) X(exit42) X(console) X(console_overflow) X(bootinfo) \
	X(badport) X(inport) X(exit_outb) X(nested) X(unknown_reason) X(triple)
GUESTS(GUEST)
#define ENTRY(n) { #n, g_##n, g_##n##_end },
static const struct { const char *name, *start, *end; } guests[] = {
	GUESTS(ENTRY)
};

struct file {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	Elf64_Nhdr nh;
	char name[8];
	struct husk_image_layout l; /* right after the name: packed */
} __attribute__((packed));

static void region(struct husk_image_layout *l, uint64_t pa, uint64_t size,
		   uint32_t flags)
{
	struct husk_region *r = &l->region[l->nregions++];

	r->vaddr = VB + pa;
	r->size = size;
	r->flags = flags;
}

static void layout(struct husk_image_layout *l)
{
	l->abi_version = HUSK_ABI_VERSION;
	l->image_start = VB + IMG_PA;
	l->image_end = VB + IMG_PA + IMG_SIZE;
	l->entry = VB + 0x100000;
	l->vectors = VB + 0x101000;
	l->boot_info = VB + 0x102000;
	l->console = VB + 0x102000 + CONSOLE_OFF;
	l->console_size = 4096 - HUSK_CONSOLE_HDR;
	l->trap_frame = VB + 0x105000;
	l->trap_entry = VB + 0x100000;
	l->r3_stack_top = VB + 0x108000;
	l->trap_stack_top = VB + 0x10a000;
	l->gdt = VB + 0x10c000;
	l->idt = VB + 0x10d000;
	l->tss = VB + 0x10e000;
	l->r0vars = VB + 0x111000;
	l->r0_stack_top = VB + 0x113000;
	l->ist_stack_top = VB + 0x114000;
	l->pt_pool = VB + 0x114000;
	l->pt_pool_size = 0x2c000;
	region(l, 0x100000, 0x1000, HUSK_R_READ | HUSK_R_EXEC | HUSK_R_USER);
	region(l, 0x101000, 0x1000, HUSK_R_READ | HUSK_R_USER);
	region(l, 0x102000, 0x8000, HUSK_R_READ | HUSK_R_WRITE | HUSK_R_USER);
	region(l, 0x10c000, 0x34000, HUSK_R_READ | HUSK_R_WRITE);
}

static void headers(struct file *f)
{
	struct husk_image_layout l = { 0 };

	memcpy(f->eh.e_ident, ELFMAG, SELFMAG);
	f->eh.e_ident[EI_CLASS] = ELFCLASS64;
	f->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f->eh.e_ident[EI_VERSION] = EV_CURRENT;
	f->eh.e_type = ET_EXEC;
	f->eh.e_machine = EM_X86_64;
	f->eh.e_version = EV_CURRENT;
	f->eh.e_phoff = offsetof(struct file, ph);
	f->eh.e_ehsize = sizeof(f->eh);
	f->eh.e_phentsize = sizeof(Elf64_Phdr);
	f->eh.e_phnum = 2;
	f->ph[0].p_type = PT_LOAD;
	f->ph[0].p_flags = PF_R | PF_X;
	f->ph[0].p_offset = FILE_DATA;
	f->ph[0].p_vaddr = VB + IMG_PA;
	f->ph[0].p_paddr = IMG_PA;
	f->ph[0].p_filesz = LOADED;
	f->ph[0].p_memsz = IMG_SIZE;
	f->ph[0].p_align = 4096;
	f->ph[1].p_type = PT_NOTE;
	f->ph[1].p_offset = offsetof(struct file, nh);
	f->ph[1].p_filesz = sizeof(*f) - offsetof(struct file, nh);
	f->ph[1].p_align = 4;
	f->nh.n_namesz = sizeof(HUSK_NOTE_NAME);
	f->nh.n_descsz = sizeof(struct husk_image_layout);
	f->nh.n_type = HUSK_NOTE_LAYOUT;
	memcpy(f->name, HUSK_NOTE_NAME, sizeof(HUSK_NOTE_NAME));
	layout(&l);
	memcpy(&f->l, &l, sizeof(l));
}

int main(int argc, char **argv)
{
	static struct file f;
	static char data[LOADED];
	unsigned i;
	FILE *out;

	for (i = 0; argc == 3 && i < sizeof(guests) / sizeof(guests[0]); i++)
		if (!strcmp(argv[1], guests[i].name))
			break;
	if (argc != 3 || i == sizeof(guests) / sizeof(guests[0])) {
		fprintf(stderr, "usage: mkguest NAME OUT.elf; NAME is one of:");
		for (i = 0; i < sizeof(guests) / sizeof(guests[0]); i++)
			fprintf(stderr, " %s", guests[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	headers(&f);
	memcpy(data, guests[i].start, (size_t)(guests[i].end - guests[i].start));
	out = fopen(argv[2], "wb");
	if (!out || fwrite(&f, sizeof(f), 1, out) != 1 ||
	    fseek(out, FILE_DATA, SEEK_SET) ||
	    fwrite(data, sizeof(data), 1, out) != 1 || fclose(out)) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
