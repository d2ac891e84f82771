/*
 * The mapping table (see vma.h): a sorted array, because programs have a
 * few dozen mappings and lookups must be cheap; insertion and removal move
 * the tail. A record of a shared file mapping holds a reference on the
 * file, so that its pages outlive an unlink or a close.
 */
#include "../fs/vfs.h"
#include "../lib.h"
#include "../mm.h"
#include "vma.h"

#define ENOMEM 12

static struct vma table[VMA_MAX];
static unsigned count;

const struct vma *vma_at(unsigned i)
{
	return i < count ? &table[i] : 0;
}

/* Index of the first record ending after addr. */
static unsigned first_after(uint64_t addr)
{
	unsigned lo = 0, hi = count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (table[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct vma *vma_find(uint64_t addr)
{
	unsigned i = first_after(addr);

	return i < count && table[i].start <= addr ? &table[i] : 0;
}

int vma_overlaps(uint64_t start, uint64_t end)
{
	unsigned i = first_after(start);

	return i < count && table[i].start < end;
}

int vma_covers(uint64_t start, uint64_t end)
{
	unsigned i = first_after(start);

	for (; start < end; i++) {
		if (i == count || table[i].start > start)
			return 0;
		start = table[i].end;
	}
	return 1;
}

/* Stores a copy of v, which takes a reference on its file. */
static int insert_at(unsigned i, const struct vma *v)
{
	if (count == VMA_MAX)
		return -ENOMEM;
	memmove(&table[i + 1], &table[i], (count - i) * sizeof(table[0]));
	table[i] = *v;
	if (v->file)
		vfs_get(v->file);
	count++;
	return 0;
}

static void delete_at(unsigned i)
{
	struct vnode *file = table[i].file;

	memmove(&table[i], &table[i + 1], (count - i - 1) * sizeof(table[0]));
	count--;
	if (file)
		vfs_put(file);
}

/* Splits the record at i (if any) so that no record straddles addr. */
static int split_at(uint64_t addr)
{
	unsigned i = first_after(addr);
	struct vma tail;

	if (i == count || table[i].start >= addr)
		return 0;
	tail = table[i];
	tail.start = addr;
	if (tail.file || tail.name)
		tail.off += addr - table[i].start;
	table[i].end = addr;
	return insert_at(i + 1, &tail);
}

/* b continues a: same kind, and for a file the next bytes of it. A
 * trampoline area stays one record (kernel/loader/rewrite.c walks it). */
static int continues(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->prot == b->prot &&
	       !(a->flags & VMA_TRAMPOLINES) &&
	       a->flags == b->flags && a->file == b->file && a->name == b->name &&
	       (!(a->file || a->name) || a->off + (a->end - a->start) == b->off) &&
	       a->owner_lo == b->owner_lo && a->owner_hi == b->owner_hi;
}

/* Joins touching records of the same kind in [start, end] and around it,
 * as Linux does, so that a range mprotect-ed back is one mapping again. */
static void merge(uint64_t start, uint64_t end)
{
	unsigned i = first_after(start);

	if (i > 0)
		i--;
	while (i + 1 < count && table[i].start <= end) {
		struct vma *a = &table[i], *b = &table[i + 1];
		if (continues(a, b)) {
			a->end = b->end;
			delete_at(i + 1);
		} else {
			i++;
		}
	}
}

int vma_remove(uint64_t start, uint64_t end)
{
	int rc = split_at(start);
	unsigned i;

	if (!rc)
		rc = split_at(end);
	if (rc)
		return rc;
	i = first_after(start);
	while (i < count && table[i].start < end)
		delete_at(i);
	return 0;
}

int vma_insert(const struct vma *v)
{
	struct vnode *keep = v->file ? vfs_get(v->file) : 0;
	int rc = vma_remove(v->start, v->end); /* may drop v's file's records */

	if (!rc)
		rc = insert_at(first_after(v->start), v);
	if (!rc)
		merge(v->start, v->end);
	if (keep)
		vfs_put(keep);
	return rc;
}

int vma_add(uint64_t start, uint64_t end, unsigned prot, unsigned flags)
{
	struct vma v = { .start = start, .end = end, .prot = prot, .flags = flags };

	return vma_insert(&v);
}

int vma_add_named(uint64_t start, uint64_t end, unsigned prot, unsigned flags,
		  const char *path, uint64_t off)
{
	struct vma v = { .start = start, .end = end, .prot = prot, .flags = flags,
			 .name = vma_intern(path), .off = off };

	return vma_insert(&v);
}

/* Few distinct files are ever mapped (a program and its libraries), so a
 * list that only grows is enough, and names never dangle. */
struct interned {
	struct interned *next;
	char path[];
};

const char *vma_intern(const char *path)
{
	static struct interned *all;
	struct interned *n;
	size_t len;

	if (!path)
		return 0;
	for (n = all; n; n = n->next)
		if (!strcmp(n->path, path))
			return n->path;
	len = strlen(path);
	n = heap_alloc(sizeof(*n) + len + 1);
	if (!n)
		return 0;
	memcpy(n->path, path, len + 1);
	n->next = all;
	all = n;
	return n->path;
}

int vma_protect(uint64_t start, uint64_t end, unsigned prot)
{
	int rc = split_at(start);

	if (!rc)
		rc = split_at(end);
	for (unsigned i = first_after(start); !rc && i < count && table[i].start < end; i++)
		table[i].prot = prot;
	if (!rc)
		merge(start, end);
	return rc;
}

uint64_t vma_gap(uint64_t len, uint64_t floor, uint64_t below)
{
	uint64_t top = below;
	unsigned i = first_after(below);

	if (i < count && table[i].start < below)
		top = table[i].start; /* a record straddles `below` */
	/* Walk down through the records below it. */
	while (i-- > 0) {
		if (table[i].end <= top && top - table[i].end >= len)
			return top - len;
		if (table[i].start < top)
			top = table[i].start;
		if (top < floor + len)
			return 0;
	}
	return top >= floor + len ? top - len : 0;
}
