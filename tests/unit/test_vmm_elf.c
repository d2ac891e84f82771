/*
 * husk-vmm's ELF loader (vmm/elf.c) on images crafted here: a valid
 * minimal husk image, then one defect at a time, each of which must be
 * rejected with its own message and exit status.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "vmm.h"

#define VB HUSK_KERNEL_VBASE
#define IMG_PA 0x100000ULL
#define IMG_SIZE 0x40000ULL  /* 256 KiB, bss included */
#define TEXT_SIZE 0x2000ULL  /* bytes in the file */
#define DATA_OFF 0x1000      /* file offset of the segment data */
#define MEM_SIZE (8 * MiB)

struct note {
	Elf64_Nhdr nh;
	char name[8];
	struct husk_image_layout l;
} __attribute__((packed));

struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];
	struct note note;
	size_t size; /* bytes to write */
};

static char dir[] = "/tmp/husk-test-elf.XXXXXX";

static void region(struct husk_image_layout *l, uint64_t pa, uint64_t size,
		   uint32_t flags)
{
	struct husk_region *r = &l->region[l->nregions++];

	r->vaddr = VB + pa;
	r->size = size;
	r->flags = flags;
}

/* A layout that husk_check_layout() accepts. */
static void make_layout(struct husk_image_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->abi_version = HUSK_ABI_VERSION;
	l->image_start = VB + IMG_PA;
	l->image_end = VB + IMG_PA + IMG_SIZE;
	l->entry = VB + 0x100000;
	l->vectors = VB + 0x101000;
	l->boot_info = VB + 0x102000;
	l->console = VB + 0x104000;
	l->console_size = 4096 - HUSK_CONSOLE_HDR;
	l->trap_frame = VB + 0x105000;
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

static void make_image(struct image *im)
{
	Elf64_Ehdr *eh = &im->eh;
	struct husk_image_layout l;

	memset(im, 0, sizeof(*im));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = IMG_PA;
	eh->e_phoff = offsetof(struct image, ph);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 2;

	im->ph[0].p_type = PT_LOAD;
	im->ph[0].p_flags = PF_R | PF_X;
	im->ph[0].p_offset = DATA_OFF;
	im->ph[0].p_vaddr = VB + IMG_PA;
	im->ph[0].p_paddr = IMG_PA;
	im->ph[0].p_filesz = TEXT_SIZE;
	im->ph[0].p_memsz = IMG_SIZE;
	im->ph[0].p_align = 4096;

	im->ph[1].p_type = PT_NOTE;
	im->ph[1].p_offset = offsetof(struct image, note);
	im->ph[1].p_filesz = sizeof(im->note);
	im->ph[1].p_align = 4;

	im->note.nh.n_namesz = 5;
	im->note.nh.n_descsz = sizeof(struct husk_image_layout);
	im->note.nh.n_type = HUSK_NOTE_LAYOUT;
	memcpy(im->note.name, "husk", 5);
	make_layout(&l);
	memcpy(&im->note.l, &l, sizeof(l));
	im->size = DATA_OFF + TEXT_SIZE;
}

/* Writes the headers, then TEXT_SIZE bytes of a recognisable pattern. */
static char *write_image(const char *name, const struct image *im)
{
	static char path[256];
	uint8_t data[TEXT_SIZE];
	FILE *f;
	size_t i, n;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(2);
	}
	n = im->size < DATA_OFF ? im->size : DATA_OFF;
	fwrite(im, 1, n < sizeof(*im) ? n : sizeof(*im), f);
	if (im->size > DATA_OFF) {
		fseek(f, DATA_OFF, SEEK_SET);
		fwrite(data, 1, im->size - DATA_OFF, f);
	}
	fclose(f);
	return path;
}

static struct guest_mem mem;

/* Opens and loads; returns the status, 0 on success. */
static int load(const char *name, const struct image *im, uint64_t mem_size,
		struct husk_image *img)
{
	char *path = write_image(name, im);
	struct guest_mem g = mem;
	int rc;

	g.size = mem_size;
	rc = elf_open(path, img);
	if (!rc)
		rc = elf_load(img, &g, "1M");
	elf_close(img);
	return rc;
}

static int rejects(const char *name, const struct image *im, int status,
		   const char *msg)
{
	struct husk_image img;
	int rc = load(name, im, MEM_SIZE, &img);

	if (rc != status || !strstr(vmm_error(), msg) ||
	    !strstr(vmm_error(), name)) {
		printf("# %s: status %d, message '%s'\n", name, rc, vmm_error());
		return 0;
	}
	return 1;
}

static void test_valid(void)
{
	struct image im;
	struct husk_image img;
	int rc, ok = 1;
	uint64_t i;

	make_image(&im);
	memset(mem.base, 0xaa, MEM_SIZE);
	rc = load("valid.elf", &im, MEM_SIZE, &img);
	if (rc)
		printf("# valid.elf: %s\n", vmm_error());
	CHECK("valid image loads", rc == 0);
	for (i = 0; i < TEXT_SIZE; i++)
		ok &= mem.base[IMG_PA + i] == (uint8_t)(i * 7 + 1);
	CHECK("valid image: file bytes at p_paddr", ok);
	for (ok = 1, i = TEXT_SIZE; i < IMG_SIZE; i++)
		ok &= mem.base[IMG_PA + i] == 0;
	CHECK("valid image: bss zeroed", ok);
	CHECK("valid image: bytes below untouched", mem.base[IMG_PA - 1] == 0xaa);
	CHECK("valid image: layout read from the note",
	      img.layout.entry == VB + 0x100000 &&
	      img.layout.console_size == 4096 - HUSK_CONSOLE_HDR);
	CHECK("valid image: physical range",
	      img.pa_start == IMG_PA && img.pa_end == IMG_PA + IMG_SIZE);
	CHECK("valid image: needs 2 MiB", elf_min_mem(&img) == 2 * MiB);
}

static void test_header_defects(void)
{
	struct image im;

	make_image(&im);
	im.size = 40;
	CHECK("truncated header rejected",
	      rejects("trunc-hdr.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "truncated ELF header"));
	make_image(&im);
	im.size = DATA_OFF + 100;
	CHECK("truncated segment data rejected",
	      rejects("trunc-data.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "segment 0: data at 0x1000+0x2000 lies outside the file"));
	make_image(&im);
	im.size = 100;
	CHECK("truncated program headers rejected",
	      rejects("trunc-ph.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "program headers lie outside the file"));
	make_image(&im);
	memcpy(im.eh.e_ident, "\177ELG", 4);
	CHECK("not ELF rejected",
	      rejects("notelf.elf", &im, HUSK_VMM_EXIT_IMAGE, "not an ELF file"));
	make_image(&im);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	CHECK("wrong class rejected",
	      rejects("class32.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "not a 64-bit ELF (class 1)"));
	make_image(&im);
	im.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	CHECK("big-endian rejected",
	      rejects("msb.elf", &im, HUSK_VMM_EXIT_IMAGE, "not a little-endian"));
	make_image(&im);
	im.eh.e_machine = EM_AARCH64;
	CHECK("wrong machine rejected",
	      rejects("arm.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      ": not an x86_64 ELF (e_machine 183)"));
	make_image(&im);
	im.eh.e_type = ET_DYN;
	CHECK("ET_DYN rejected",
	      rejects("pie.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "not an executable ELF (e_type 3, position-independent)"));
	make_image(&im);
	im.eh.e_phnum = 0xffff;
	CHECK("absurd e_phnum rejected",
	      rejects("phnum.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "bad program header count 65535"));
	make_image(&im);
	im.eh.e_phentsize = 32;
	CHECK("wrong e_phentsize rejected",
	      rejects("phentsize.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "bad program header size 32"));
}

static void test_segment_defects(void)
{
	struct image im;
	struct husk_image img;
	int rc;

	make_image(&im);
	im.eh.e_phnum = 3;
	im.ph[2] = im.ph[0];
	im.ph[2].p_paddr = 0x10000000;
	im.ph[2].p_vaddr = VB + 0x10000000;
	im.ph[2].p_memsz = 0x1000;
	im.ph[2].p_filesz = 0x1000;
	CHECK("segment outside guest memory rejected",
	      rejects("outside.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      ": segment 2 (0x10000000-0x10001000) lies outside guest "
		      "memory (8 MiB)"));
	im.ph[2].p_paddr = IMG_PA + 0x1000;
	CHECK("overlapping segments rejected",
	      rejects("overlap.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      ": segments 0 and 2 overlap"));
	im.ph[2].p_paddr = ~0ULL - 0x10;
	CHECK("wrapping segment rejected",
	      rejects("wrap.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "segment 2: address range overflows"));
	make_image(&im);
	im.ph[0].p_filesz = IMG_SIZE + 1;
	CHECK("filesz > memsz rejected",
	      rejects("filesz.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "segment 0: file size 0x40001 exceeds memory size 0x40000"));
	make_image(&im);
	im.ph[0].p_offset = ~0ULL - 0x100;
	CHECK("segment offset past the file rejected",
	      rejects("offset.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "lies outside the file"));
	make_image(&im);
	im.ph[0].p_memsz = 0x20000; /* image_end beyond the segments */
	CHECK("image range not covered by segments rejected",
	      rejects("cover.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "is not covered by its segments"));
	make_image(&im);
	rc = load("small.elf", &im, 1 * MiB, &img);
	CHECK("--mem too small: status 122", rc == HUSK_VMM_EXIT_MEMORY);
	CHECK("--mem too small: message",
	      strstr(vmm_error(), "--mem 1M is too small for ") &&
	      strstr(vmm_error(), "small.elf (needs at least 2 MiB)"));
}

static void test_note_defects(void)
{
	struct image im;

	make_image(&im);
	im.eh.e_phnum = 1;
	CHECK("no PT_NOTE: not a husk image",
	      rejects("nonote.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      ": not a husk image (no husk note)"));
	make_image(&im);
	memcpy(im.note.name, "GNU", 4);
	im.note.nh.n_namesz = 4;
	CHECK("foreign note: not a husk image",
	      rejects("gnunote.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      ": not a husk image (no husk note)"));
	make_image(&im);
	{
		/* A foreign note just before ours, in the same segment. */
		static const uint32_t gnu[4] = { 4, 0, 3, 0x00554e47 };
		size_t at = offsetof(struct image, note) - sizeof(gnu);
		struct husk_image img;

		memcpy((char *)&im + at, gnu, sizeof(gnu));
		im.ph[1].p_offset = at;
		im.ph[1].p_filesz += sizeof(gnu);
		CHECK("husk note found after a foreign note",
		      load("twonotes.elf", &im, MEM_SIZE, &img) == 0);
	}
	make_image(&im);
	im.note.nh.n_descsz = 16;
	im.ph[1].p_filesz = 12 + 8 + 16;
	CHECK("wrong note size rejected",
	      rejects("notesize.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "husk note is 16 bytes"));
	make_image(&im);
	im.note.nh.n_descsz = 0x7ffffff0;
	CHECK("husk note running past its segment rejected",
	      rejects("notelong.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "malformed husk note"));
	make_image(&im);
	memcpy(im.note.name, "GNU", 4);
	im.note.nh.n_namesz = 4;
	im.note.nh.n_descsz = 0x7ffffff0;
	CHECK("malformed foreign note: not a husk image",
	      rejects("gnulong.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      ": not a husk image (no husk note)"));
	make_image(&im);
	im.note.l.abi_version = 2;
	CHECK("wrong ABI version rejected",
	      rejects("abi2.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "image built for husk ABI version 2; this husk-vmm runs "
		      "version 1"));
	make_image(&im);
	im.note.l.region[0].flags |= HUSK_R_WRITE;
	CHECK("W+X region rejected",
	      rejects("wx.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "bad husk note: husk note region both writable and "
		      "executable"));
	make_image(&im);
	im.note.l.console_size = ~0ULL - 3; /* header + size wraps */
	CHECK("console size that wraps rejected",
	      rejects("console.elf", &im, HUSK_VMM_EXIT_IMAGE,
		      "bad husk note: husk note points outside the image"));
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	mem.base = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem.size = MEM_SIZE;
	test_valid();
	test_header_defects();
	test_segment_defects();
	test_note_defects();
	if (!getenv("KEEP_TEST_FILES")) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return CHECK_DONE();
}
