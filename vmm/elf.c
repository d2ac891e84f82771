/*
 * The ELF loader: a husk image is an ELF64 x86_64 executable whose PT_LOAD
 * segments go at their physical addresses (p_paddr) and whose PT_NOTE
 * holds the "husk" note describing the layout.
 *
 * The file is untrusted input: every offset and size is checked against
 * the file, against the other segments and against guest memory before
 * anything is copied, with arithmetic that cannot wrap (within()). The
 * file is read with pread() only.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

#define NOTE_MAX (64 * 1024) /* larger PT_NOTE segments are not ours */

/* True when [off, off+len) lies inside [0, size). */
static int within(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* "<path>: <why>", status 121. */
static int bad(const struct husk_image *img, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(const struct husk_image *img, const char *fmt, ...)
{
	char why[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return vmm_fail(HUSK_VMM_EXIT_IMAGE, "%s: %s", img->path, why);
}

static int open_file(const char *path, struct husk_image *img)
{
	struct stat st;

	memset(img, 0, sizeof(*img));
	img->path = path;
	img->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (img->fd < 0)
		return bad(img, "cannot open: %s", strerror(errno));
	if (fstat(img->fd, &st) < 0)
		return bad(img, "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return bad(img, "not a regular file");
	img->file_size = (uint64_t)st.st_size;
	return 0;
}

static int check_ehdr(struct husk_image *img, Elf64_Ehdr *eh)
{
	if (img->file_size < SELFMAG || read_exact(img->fd, eh, SELFMAG, 0) ||
	    memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return bad(img, "not an ELF file");
	if (img->file_size < sizeof(*eh) ||
	    read_exact(img->fd, eh, sizeof(*eh), 0))
		return bad(img, "truncated ELF header (%llu bytes)",
			   (unsigned long long)img->file_size);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return bad(img, "not a 64-bit ELF (class %u)",
			   eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return bad(img, "not a little-endian ELF");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return bad(img, "unknown ELF version %u", eh->e_version);
	if (eh->e_machine != EM_X86_64)
		return bad(img, "not an x86_64 ELF (e_machine %u)", eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return bad(img, "not an executable ELF (e_type %u%s)", eh->e_type,
			   eh->e_type == ET_DYN ? ", position-independent" : "");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return bad(img, "bad program header size %u", eh->e_phentsize);
	if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHDRS)
		return bad(img, "bad program header count %u (1-%u)",
			   eh->e_phnum, ELF_MAX_PHDRS);
	if (!within(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr),
		    img->file_size))
		return bad(img, "program headers lie outside the file "
			   "(truncated?)");
	return 0;
}

static int add_segment(struct husk_image *img, const Elf64_Phdr *ph,
		       unsigned index)
{
	struct elf_segment *s;
	unsigned i;

	if (ph->p_filesz > ph->p_memsz)
		return bad(img, "segment %u: file size 0x%llx exceeds memory "
			   "size 0x%llx", index,
			   (unsigned long long)ph->p_filesz,
			   (unsigned long long)ph->p_memsz);
	if (!within(ph->p_offset, ph->p_filesz, img->file_size))
		return bad(img, "segment %u: data at 0x%llx+0x%llx lies outside "
			   "the file (truncated?)", index,
			   (unsigned long long)ph->p_offset,
			   (unsigned long long)ph->p_filesz);
	if (ph->p_memsz == 0)
		return 0;
	if (ph->p_paddr + ph->p_memsz < ph->p_paddr)
		return bad(img, "segment %u: address range overflows", index);
	for (i = 0; i < img->nseg; i++) {
		const struct elf_segment *q = &img->seg[i];
		if (ph->p_paddr < q->paddr + q->memsz &&
		    q->paddr < ph->p_paddr + ph->p_memsz)
			return bad(img, "segments %u and %u overlap", q->index,
				   index);
	}
	if (img->nseg == ELF_MAX_LOADS)
		return bad(img, "more than %u loadable segments", ELF_MAX_LOADS);
	s = &img->seg[img->nseg++];
	s->offset = ph->p_offset;
	s->paddr = ph->p_paddr;
	s->filesz = ph->p_filesz;
	s->memsz = ph->p_memsz;
	s->index = index;
	if (s->paddr + s->memsz > img->load_end)
		img->load_end = s->paddr + s->memsz;
	return 0;
}

static int is_husk_name(const uint8_t *buf, uint64_t len, uint64_t name,
			const Elf64_Nhdr *nh)
{
	return nh->n_namesz == sizeof(HUSK_NOTE_NAME) &&
	       name + sizeof(HUSK_NOTE_NAME) <= len &&
	       !memcmp(buf + name, HUSK_NOTE_NAME, sizeof(HUSK_NOTE_NAME));
}

/* Looks for the husk layout note in one PT_NOTE segment's bytes. Name and
 * desc start at 4-byte aligned offsets, 8-byte when the segment says so
 * (as GNU property notes do). A malformed foreign note ends the scan of
 * its segment. Returns 1 found, 0 not here, or an error status. */
static int scan_notes(struct husk_image *img, const uint8_t *buf,
		      uint64_t len, uint64_t align)
{
	uint64_t off = 0;

	align = align == 8 ? 8 : 4;
	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name, desc, next;

		memcpy(&nh, buf + off, sizeof(nh));
		name = off + sizeof(nh);
		desc = (name + nh.n_namesz + align - 1) & ~(align - 1);
		next = (desc + nh.n_descsz + align - 1) & ~(align - 1);
		if (desc > len || desc + nh.n_descsz > len) {
			if (is_husk_name(buf, len, name, &nh))
				return bad(img, "malformed husk note (its %u "
					   "bytes run past its segment)",
					   nh.n_descsz);
			return 0;
		}
		if (is_husk_name(buf, len, name, &nh) &&
		    nh.n_type == HUSK_NOTE_LAYOUT) {
			if (nh.n_descsz != sizeof(img->layout))
				return bad(img, "husk note is %u bytes, expected "
					   "%zu (built for another husk ABI "
					   "version?)", nh.n_descsz,
					   sizeof(img->layout));
			memcpy(&img->layout, buf + desc, sizeof(img->layout));
			return 1;
		}
		if (next >= len)
			return 0;
		off = next;
	}
	return 0;
}

static int find_note(struct husk_image *img, const Elf64_Phdr *ph,
		     unsigned phnum)
{
	static uint8_t buf[NOTE_MAX];
	unsigned i;
	int rc;

	for (i = 0; i < phnum; i++) {
		if (ph[i].p_type != PT_NOTE)
			continue;
		if (!within(ph[i].p_offset, ph[i].p_filesz, img->file_size))
			return bad(img, "note segment %u lies outside the file "
				   "(truncated?)", i);
		if (ph[i].p_filesz > NOTE_MAX)
			continue;
		if (read_exact(img->fd, buf, ph[i].p_filesz, ph[i].p_offset))
			return bad(img, "cannot read: %s",
				   errno ? strerror(errno) : "short read");
		rc = scan_notes(img, buf, ph[i].p_filesz, ph[i].p_align);
		if (rc == 1)
			return 0;
		if (rc)
			return rc;
	}
	return bad(img, "not a husk image (no husk note)");
}

/* The note, beyond what husk_check_layout() checks. */
static int check_layout(struct husk_image *img)
{
	const struct husk_image_layout *l = &img->layout;
	const char *why;
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned i;

	if (l->abi_version != HUSK_ABI_VERSION)
		return bad(img, "image built for husk ABI version %u; this "
			   "husk-vmm runs version %u", l->abi_version,
			   HUSK_ABI_VERSION);
	why = husk_check_layout(l);
	if (why)
		return bad(img, "bad husk note: %s", why);
	img->pa_start = image_pa(l->image_start);
	img->pa_end = image_pa(l->image_end);
	for (i = 0; i < img->nseg; i++) {
		if (img->seg[i].paddr < lo)
			lo = img->seg[i].paddr;
		if (img->seg[i].paddr + img->seg[i].memsz > hi)
			hi = img->seg[i].paddr + img->seg[i].memsz;
	}
	if (img->pa_start < lo || img->pa_end > hi)
		return bad(img, "the image range in its husk note "
			   "(0x%llx-0x%llx) is not covered by its segments "
			   "(0x%llx-0x%llx)", (unsigned long long)img->pa_start,
			   (unsigned long long)img->pa_end,
			   (unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

int elf_open(const char *path, struct husk_image *img)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[ELF_MAX_PHDRS];
	unsigned i;
	int rc;

	rc = open_file(path, img);
	if (!rc)
		rc = check_ehdr(img, &eh);
	if (rc)
		return rc;
	if (read_exact(img->fd, ph, eh.e_phnum * sizeof(Elf64_Phdr), eh.e_phoff))
		return bad(img, "cannot read the program headers: %s",
			   errno ? strerror(errno) : "short read");
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && (rc = add_segment(img, &ph[i], i)))
			return rc;
	}
	if (img->nseg == 0)
		return bad(img, "no loadable segments");
	rc = find_note(img, ph, eh.e_phnum);
	return rc ? rc : check_layout(img);
}

uint64_t elf_min_mem(const struct husk_image *img)
{
	uint64_t end = img->pa_end > img->load_end ? img->pa_end : img->load_end;

	return (end + MiB - 1) & ~(MiB - 1);
}

/* Every segment inside guest memory. One that belongs to the image means
 * --mem is too small; one beyond the image is the image's fault. */
static int check_fit(const struct husk_image *img, uint64_t mem_size,
		     const char *mem_arg)
{
	char sz[32];
	unsigned i;

	for (i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (s->paddr + s->memsz <= mem_size)
			continue;
		if (s->paddr + s->memsz > img->pa_end)
			return bad(img, "segment %u (0x%llx-0x%llx) lies outside "
				   "guest memory (%s)", s->index,
				   (unsigned long long)s->paddr,
				   (unsigned long long)(s->paddr + s->memsz),
				   fmt_size(sz, sizeof(sz), mem_size));
	}
	if (img->pa_end > mem_size)
		return vmm_fail(HUSK_VMM_EXIT_MEMORY,
				"--mem %s is too small for %s (needs at least "
				"%llu MiB)", mem_arg, img->path,
				(unsigned long long)(elf_min_mem(img) / MiB));
	return 0;
}

int elf_load(struct husk_image *img, const struct guest_mem *g,
	     const char *mem_arg)
{
	unsigned i;
	int rc;

	rc = check_fit(img, g->size, mem_arg);
	if (rc)
		return rc;
	for (i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint8_t *dst = g->base + s->paddr;

		if (s->filesz && read_exact(img->fd, dst, s->filesz, s->offset))
			return bad(img, "cannot read segment %u: %s", s->index,
				   errno ? strerror(errno) : "short read");
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

void elf_close(struct husk_image *img)
{
	if (img->fd >= 0)
		close(img->fd);
	img->fd = -1;
}
