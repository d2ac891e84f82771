/*
 * The mapping table (see vma.h): a sorted array, because programs have a
 * few dozen mappings and lookups must be cheap; insertion and removal move
 * the tail.
 */
#include "../lib.h"
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

static int insert_at(unsigned i, const struct vma *v)
{
	if (count == VMA_MAX)
		return -ENOMEM;
	memmove(&table[i + 1], &table[i], (count - i) * sizeof(table[0]));
	table[i] = *v;
	count++;
	return 0;
}

static void delete_at(unsigned i)
{
	memmove(&table[i], &table[i + 1], (count - i - 1) * sizeof(table[0]));
	count--;
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
	table[i].end = addr;
	return insert_at(i + 1, &tail);
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
		if (a->end == b->start && a->prot == b->prot && a->flags == b->flags) {
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

int vma_add(uint64_t start, uint64_t end, unsigned prot, unsigned flags)
{
	struct vma v = { start, end, prot, flags };
	int rc = vma_remove(start, end);

	if (!rc)
		rc = insert_at(first_after(start), &v);
	if (!rc)
		merge(start, end);
	return rc;
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
