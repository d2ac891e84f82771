/*
 * Regular file data: a radix tree of 4 KiB pages, 512 slots per index page.
 * Height h addresses 512^h pages; six levels reach past Linux's 2^63 byte
 * limit. Pages come straight from the page allocator (a heap block of 4096
 * bytes would take two pages with its header), so that a later mmap can
 * map them. A page missing from the tree reads as the initrd's bytes below
 * lower_len, else zeros: the initrd is copied up one page at a time, on
 * the first write to that page.
 *
 * MAP_SHARED maps these very pages (vfs_file_page), so that the mapping,
 * read() and write() see the same bytes with nothing to write back; a
 * truncate tells the memory layer before it frees pages that may be mapped.
 */
#include "../lib.h"
#include "../mm.h"
#include "fs.h"

/* kernel/sys/mmap.c; absent from the host unit tests. */
extern __typeof__(mm_file_truncating) mm_file_truncating __attribute__((weak));

#define SHIFT 9
#define SLOTS (1u << SHIFT)
#define MAX_HEIGHT 6

static void *page_new(struct fs *fs)
{
	uint64_t pa = pmem_alloc(1);
	void *p;

	if (!pa)
		return 0;
	p = pmem_to_virt(pa);
	memset(p, 0, FS_PAGE);
	fs->pages++;
	return p;
}

static void page_free(struct fs *fs, void *p)
{
	pmem_free((uint64_t)((uintptr_t)p - (uintptr_t)pmem_to_virt(0)), 1);
	fs->pages--;
}

static uint64_t span_of(unsigned height)
{
	return height > MAX_HEIGHT ? 0 : 1ULL << (SHIFT * height);
}

/* The data page holding page index i, or NULL (a hole). */
static uint8_t *page_get(struct filedata *f, uint64_t i)
{
	void **node = f->root;

	if (!node || i >= span_of(f->height))
		return 0;
	for (unsigned level = f->height; level > 0 && node; level--)
		node = node[(i >> (SHIFT * (level - 1))) & (SLOTS - 1)];
	return (uint8_t *)node;
}

/* Fills a new page from the initrd bytes it replaces. */
static void copy_up(struct filedata *f, uint8_t *page, uint64_t i)
{
	uint64_t start = i * FS_PAGE;

	if (start < f->lower_len) {
		uint64_t n = f->lower_len - start;
		memcpy(page, f->lower + start, n < FS_PAGE ? n : FS_PAGE);
	}
}

static int grow(struct vnode *vn, uint64_t i)
{
	struct filedata *f = &vn->u.file;

	while (i >= span_of(f->height)) {
		if (f->height == MAX_HEIGHT)
			return 0;
		if (f->root) {
			void **top = page_new(vn->fs);
			if (!top)
				return 0;
			top[0] = f->root;
			f->root = top;
		}
		f->height++;
	}
	return 1;
}

/* The data page for index i, made (and copied up) if missing. */
static uint8_t *page_make(struct vnode *vn, uint64_t i)
{
	struct filedata *f = &vn->u.file;
	void **slot = &f->root;

	if (!grow(vn, i))
		return 0;
	for (unsigned level = f->height;; level--) {
		if (!*slot) {
			if (!(*slot = page_new(vn->fs)))
				return 0;
			if (!level) {
				f->npages++;
				copy_up(f, *slot, i);
			}
		}
		if (!level)
			return *slot;
		slot = (void **)*slot + ((i >> (SHIFT * (level - 1))) & (SLOTS - 1));
	}
}

/* Bytes [off, off+n) of page i, all within one page, into buf. */
static void read_page(struct filedata *f, uint64_t i, size_t in, uint8_t *buf,
		      size_t n)
{
	uint8_t *page = page_get(f, i);
	uint64_t pos = i * FS_PAGE + in;
	size_t from_lower = 0;

	if (page) {
		memcpy(buf, page + in, n);
		return;
	}
	if (pos < f->lower_len) {
		uint64_t avail = f->lower_len - pos;
		from_lower = avail < n ? (size_t)avail : n;
		memcpy(buf, f->lower + pos, from_lower);
	}
	memset(buf + from_lower, 0, n - from_lower);
}

long file_read(struct vnode *vn, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	if (off >= vn->size)
		return 0;
	if (len > vn->size - off)
		len = (size_t)(vn->size - off);
	if (len > (size_t)INT64_MAX)
		len = (size_t)INT64_MAX;
	while (done < len) {
		uint64_t pos = off + done;
		size_t in = pos % FS_PAGE, n = FS_PAGE - in;
		if (n > len - done)
			n = len - done;
		read_page(&vn->u.file, pos / FS_PAGE, in, (uint8_t *)buf + done, n);
		done += n;
	}
	return (long)done;
}

/* Writes up to the file size limit; a short count when memory runs out
 * part-way, -ENOSPC when nothing could be written. */
long file_write(struct vnode *vn, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	if (!len)
		return 0;
	if (off >= FS_MAX_SIZE)
		return -EFBIG;
	if (len > FS_MAX_SIZE - off)
		len = (size_t)(FS_MAX_SIZE - off);
	while (done < len) {
		uint64_t pos = off + done;
		size_t in = pos % FS_PAGE, n = FS_PAGE - in;
		uint8_t *page = page_make(vn, pos / FS_PAGE);
		if (!page)
			break;
		if (n > len - done)
			n = len - done;
		memcpy(page + in, (const uint8_t *)buf + done, n);
		done += n;
	}
	if (!done)
		return -ENOSPC;
	if (off + done > vn->size)
		vn->size = off + done;
	node_touch(vn, 1);
	return (long)done;
}

/* Frees the pages of a subtree with index >= from; `level` index levels
 * sit above its data pages, the first of which has index `base`. */
static void prune(struct vnode *vn, void **slot, unsigned level, uint64_t base,
		  uint64_t from)
{
	void **node = *slot;
	uint64_t span = span_of(level - 1);
	int empty = 1;

	if (!node)
		return;
	if (!level) {
		if (base >= from) {
			page_free(vn->fs, node);
			vn->u.file.npages--;
			*slot = 0;
		}
		return;
	}
	for (unsigned i = 0; i < SLOTS; i++) {
		if (base + (i + 1) * span > from)
			prune(vn, &node[i], level - 1, base + i * span, from);
		empty &= node[i] == 0;
	}
	if (empty) {
		page_free(vn->fs, node);
		*slot = 0;
	}
}

static void shrink(struct vnode *vn, uint64_t size)
{
	struct filedata *f = &vn->u.file;
	uint8_t *last = page_get(f, size / FS_PAGE);

	/* The tail of the last page must read as zeros if the file grows. */
	if (last && size % FS_PAGE)
		memset(last + size % FS_PAGE, 0, FS_PAGE - size % FS_PAGE);
	if (mm_file_truncating)
		mm_file_truncating(vn, (size + FS_PAGE - 1) / FS_PAGE);
	prune(vn, &f->root, f->height, 0, (size + FS_PAGE - 1) / FS_PAGE);
	if (!f->root)
		f->height = 0; /* small again: no index pages to walk */
	if (f->lower_len > size)
		f->lower_len = size;
}

/* Growing leaves a hole: nothing is allocated. */
int file_truncate(struct vnode *vn, uint64_t size)
{
	if (size > FS_MAX_SIZE)
		return -EFBIG;
	if (size < vn->size)
		shrink(vn, size);
	vn->size = size;
	node_touch(vn, 1);
	return 0;
}

int vfs_file_mappable(struct vnode *vn)
{
	return VFS_ISREG(vn->mode) && !(vn->ops && (vn->ops->read || vn->ops->write));
}

void *vfs_file_page(struct vnode *vn, uint64_t index, int make)
{
	if (!vfs_file_mappable(vn))
		return 0;
	return make ? page_make(vn, index) : page_get(&vn->u.file, index);
}

const void *vfs_file_lower(struct vnode *vn, uint64_t off, uint64_t len)
{
	struct filedata *f = &vn->u.file;
	uint64_t i;

	if (!vfs_file_mappable(vn) || !len || off > f->lower_len ||
	    len > f->lower_len - off)
		return 0;
	for (i = off / FS_PAGE; i <= (off + len - 1) / FS_PAGE; i++)
		if (page_get(f, i))
			return 0;
	return f->lower + off;
}

void file_free(struct vnode *vn)
{
	struct filedata *f = &vn->u.file;

	prune(vn, &f->root, f->height, 0, 0);
	f->lower_len = 0;
}
