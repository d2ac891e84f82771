/*
 * Directory entries: a hash table per directory for lookups, and a list in
 * cookie order for readdir (cookies are handed out increasing, never
 * reused, so getdents64 can resume at any cookie). Link counts follow
 * Linux: a file counts its names; a directory counts its name, its "."
 * and each subdirectory's "..".
 */
#include "../lib.h"
#include "../mm.h"
#include "fs.h"

#define FIRST_BUCKETS 8

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (len--) {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h;
}

/* The first buckets come with the directory, so that inserting an entry
 * never fails; growing later is optional (chains just get longer). */
int dir_init(struct vnode *dir)
{
	struct dirtab *t = &dir->u.dir;

	t->buckets = fs_zalloc(FIRST_BUCKETS * sizeof(*t->buckets));
	t->nbuckets = FIRST_BUCKETS;
	t->next_cookie = 2; /* 0 and 1 are "." and ".." */
	return t->buckets != 0;
}

struct dentry *dentry_new(const char *name, size_t len)
{
	struct dentry *d = heap_alloc(sizeof(*d) + len + 1);

	if (!d)
		return 0;
	memset(d, 0, sizeof(*d));
	memcpy(d->name, name, len);
	d->name[len] = 0;
	d->len = (uint16_t)len;
	d->hash = name_hash(name, len);
	return d;
}

void dentry_free(struct dentry *d)
{
	heap_free(d);
}

static void grow(struct dirtab *t)
{
	uint32_t n = t->nbuckets * 2;
	struct dentry **b = fs_zalloc(n * sizeof(*b));

	if (!b)
		return;
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct dentry *d = t->buckets[i], *next;
		for (; d; d = next) {
			next = d->hnext;
			d->hnext = b[d->hash & (n - 1)];
			b[d->hash & (n - 1)] = d;
		}
	}
	heap_free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

struct dentry *dir_find(struct vnode *dir, const char *name, size_t len)
{
	struct dirtab *t = &dir->u.dir;
	uint32_t h = name_hash(name, len);
	struct dentry *d = t->buckets[h & (t->nbuckets - 1)];

	for (; d; d = d->hnext)
		if (d->hash == h && d->len == len && !memcmp(d->name, name, len))
			return d;
	return 0;
}

static void link_node(struct vnode *dir, struct dentry *d, struct vnode *vn)
{
	if (VFS_ISDIR(vn->mode)) {
		vn->nlink += 2;
		dir->nlink++;
		vn->parent = dir;
		vn->self = d;
	} else {
		vn->nlink++;
	}
}

/* Cannot fail: the caller made the entry beforehand. */
void dir_insert(struct vnode *dir, struct dentry *d, struct vnode *vn)
{
	struct dirtab *t = &dir->u.dir;
	struct dentry **b;

	if (t->count >= t->nbuckets)
		grow(t);
	b = &t->buckets[d->hash & (t->nbuckets - 1)];
	d->hnext = *b;
	*b = d;
	d->vn = vn;
	d->cookie = t->next_cookie++;
	d->prev = t->tail;
	d->next = 0;
	if (t->tail)
		t->tail->next = d;
	else
		t->head = d;
	t->tail = d;
	t->count++;
	link_node(dir, d, vn);
}

int dir_add(struct vnode *dir, const char *name, size_t len, struct vnode *vn)
{
	struct dentry *d = dentry_new(name, len);

	if (!d)
		return -ENOSPC;
	dir_insert(dir, d, vn);
	return 0;
}

static void unlink_node(struct vnode *dir, struct dentry *d, struct vnode *vn)
{
	if (VFS_ISDIR(vn->mode)) {
		vn->nlink -= 2;
		dir->nlink--;
		/* A rename inserts the new name before removing the old. */
		if (vn->self == d) {
			vn->parent = 0;
			vn->self = 0;
		}
	} else {
		vn->nlink--;
	}
}

/* Drops the entry and its link; the node goes if nothing else holds it. */
void dir_remove(struct vnode *dir, struct dentry *d)
{
	struct dirtab *t = &dir->u.dir;
	struct dentry **p = &t->buckets[d->hash & (t->nbuckets - 1)];
	struct vnode *vn = d->vn;

	while (*p != d)
		p = &(*p)->hnext;
	*p = d->hnext;
	if (d->prev)
		d->prev->next = d->next;
	else
		t->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		t->tail = d->prev;
	t->count--;
	unlink_node(dir, d, vn);
	dentry_free(d);
	node_maybe_free(vn);
}

struct dentry *dir_from(struct vnode *dir, uint64_t cookie)
{
	struct dentry *d = dir->u.dir.head;

	while (d && d->cookie < cookie)
		d = d->next;
	return d;
}

/* Empties a whole tree without recursion (an archive can nest thousands of
 * levels deep): descend while the first entry is a non-empty directory,
 * remove leaves, climb back through the parent pointers. The root itself
 * stays, for the caller. */
void dir_destroy_tree(struct vnode *root)
{
	struct vnode *d = root;

	for (;;) {
		struct dentry *e = d->u.dir.head;
		struct vnode *c;

		if (!e) {
			if (d == root)
				return;
			d = d->parent;
			continue;
		}
		c = e->vn;
		if (VFS_ISDIR(c->mode) && c->u.dir.head && c->self == e) {
			d = c;
			continue;
		}
		dir_remove(d, e);
	}
}
