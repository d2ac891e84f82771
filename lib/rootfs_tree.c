/*
 * The tree that layers are applied to: one node per path, found through
 * a hash table. A whited-out node keeps its slot with no entry, so a
 * higher layer can bring the path back without rehashing.
 */
#include <stdlib.h>
#include <string.h>
#include <archive_entry.h>

#include "rootfs.h"

int rootfs_clean_path(const char *raw, char *out, size_t n)
{
	const char *p = raw;
	size_t len = 0;

	if (raw[0] == '/')
		return store_fail(STORE_ERR, "layer entry '%s': absolute path "
				  "refused", raw);
	while (*p) {
		const char *end = strchr(p, '/');
		size_t k = end ? (size_t)(end - p) : strlen(p);

		if (k == 2 && !strncmp(p, "..", 2))
			return store_fail(STORE_ERR, "layer entry '%s': '..' "
					  "refused", raw);
		if (k && !(k == 1 && p[0] == '.')) {
			if (len + k + 2 > n)
				return store_fail(STORE_ERR, "layer entry '%s': "
						  "path too long", raw);
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, k);
			len += k;
		}
		p += k;
		while (*p == '/')
			p++;
	}
	out[len] = '\0';
	return 0;
}

/* FNV-1a: short paths, no adversary that matters (the layers are ours). */
static size_t hash_path(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t *slot_of(struct rootfs_tree *t, const char *path)
{
	size_t i = hash_path(path) & (t->nslots - 1);

	while (t->slots[i] && strcmp(t->v[t->slots[i] - 1].path, path))
		i = (i + 1) & (t->nslots - 1);
	return &t->slots[i];
}

static int grow_slots(struct rootfs_tree *t)
{
	size_t i, *old = t->slots, nold = t->nslots;

	t->nslots = nold ? nold * 2 : 1024;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		t->nslots = nold;
		return store_fail(STORE_ERR, "out of memory");
	}
	for (i = 0; i < nold; i++)
		if (old[i])
			*slot_of(t, t->v[old[i] - 1].path) = old[i];
	free(old);
	return 0;
}

struct rootfs_node *rootfs_tree_find(struct rootfs_tree *t, const char *path)
{
	size_t *slot;

	if (!t->nslots)
		return NULL;
	slot = slot_of(t, path);
	return *slot ? &t->v[*slot - 1] : NULL;
}

static void node_clear(struct rootfs_node *nd)
{
	if (nd->entry)
		archive_entry_free(nd->entry);
	nd->entry = NULL;
	free(nd->link_target);
	nd->link_target = NULL;
	nd->data_off = -1;
}

static struct rootfs_node *new_node(struct rootfs_tree *t, const char *path)
{
	struct rootfs_node *nd;

	if ((t->n + 1) * 2 > t->nslots && grow_slots(t))
		return NULL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		nd = realloc(t->v, cap * sizeof(*nd));
		if (!nd)
			return NULL;
		t->v = nd;
		t->cap = cap;
	}
	nd = &t->v[t->n];
	memset(nd, 0, sizeof(*nd));
	nd->path = strdup(path);
	if (!nd->path)
		return NULL;
	t->n++;
	*slot_of(t, path) = t->n;
	return nd;
}

int rootfs_tree_put(struct rootfs_tree *t, const char *path,
		    struct archive_entry *entry, unsigned layer,
		    int64_t data_off, const char *link_target)
{
	struct rootfs_node *nd = rootfs_tree_find(t, path);

	if (!nd)
		nd = new_node(t, path);
	if (!nd) {
		archive_entry_free(entry);
		return store_fail(STORE_ERR, "out of memory");
	}
	node_clear(nd);
	nd->entry = entry;
	nd->layer = layer;
	nd->data_off = data_off;
	if (link_target && !(nd->link_target = strdup(link_target)))
		return store_fail(STORE_ERR, "out of memory");
	return 0;
}

/* Whether path lies strictly under dir ("" is the root). */
static int is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!n)
		return path[0] != '\0';
	return !strncmp(path, dir, n) && path[n] == '/';
}

void rootfs_tree_whiteout(struct rootfs_tree *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].path, path) || is_under(t->v[i].path, path))
			node_clear(&t->v[i]);
}

void rootfs_tree_opaque(struct rootfs_tree *t, const char *dir, unsigned layer)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].layer < layer && is_under(t->v[i].path, dir))
			node_clear(&t->v[i]);
}

void rootfs_tree_free(struct rootfs_tree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		node_clear(&t->v[i]);
		free(t->v[i].path);
	}
	free(t->v);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
