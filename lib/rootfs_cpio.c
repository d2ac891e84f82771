/*
 * Writing the flattened tree as cpio newc: entries in byte order of their
 * paths (a directory sorts before everything under it), the root "."
 * first, inode numbers of our own. A hard link and the file it names
 * share an inode number and nlink; as GNU cpio does, only the last of
 * them carries the data, which is what the guest (like Linux) expects.
 * ELF data is page-aligned (rootfs_newc.h).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "rootfs.h"
#include "rootfs_newc.h"

#define CHUNK (256 * 1024)

struct writer {
	struct newc_out out;
	struct rootfs_tree *t;
	int spool;
	unsigned *nlink;      /* per node: its link group's size */
	unsigned *left;       /* per node: members not written yet */
	size_t *group;        /* per node: the node holding the data */
	char *buf;
};

static int by_path(const void *x, const void *y, void *arg)
{
	const struct rootfs_tree *t = arg;

	return strcmp(t->v[*(const size_t *)x].path, t->v[*(const size_t *)y].path);
}

/* The node a hard link ends at, following links of links a few times. */
static int link_group(struct writer *w, size_t i, size_t *out)
{
	struct rootfs_node *nd = &w->t->v[i];
	int hops;

	for (hops = 0; nd->link_target && hops < 8; hops++) {
		struct rootfs_node *to = rootfs_tree_find(w->t, nd->link_target);
		if (!to || !to->entry)
			return store_fail(STORE_ERR, "hard link '%s' names '%s', "
					  "which is not in the image",
					  w->t->v[i].path, nd->link_target);
		nd = to;
	}
	if (nd->link_target || archive_entry_filetype(nd->entry) != AE_IFREG)
		return store_fail(STORE_ERR, "hard link '%s': '%s' is not a "
				  "regular file", w->t->v[i].path, nd->path);
	*out = (size_t)(nd - w->t->v);
	return 0;
}

static int count_links(struct writer *w)
{
	size_t i, n = w->t->n;
	int rc = 0;

	w->nlink = calloc(n, sizeof(*w->nlink));
	w->left = calloc(n, sizeof(*w->left));
	w->group = calloc(n, sizeof(*w->group));
	if (!w->nlink || !w->left || !w->group)
		return store_fail(STORE_ERR, "out of memory");
	for (i = 0; i < n; i++)
		w->group[i] = i;
	for (i = 0; !rc && i < n; i++) {
		if (!w->t->v[i].entry)
			continue;
		if (w->t->v[i].link_target)
			rc = link_group(w, i, &w->group[i]);
		w->nlink[w->group[i]]++;
	}
	for (i = 0; i < n; i++)
		w->left[i] = w->nlink[i];
	return rc;
}

static int copy_data(struct writer *w, int64_t off, int64_t size)
{
	while (size > 0) {
		size_t want = size < CHUNK ? (size_t)size : CHUNK;
		ssize_t k = pread(w->spool, w->buf, want, off);
		if (k <= 0)
			return store_fail_errno("rootfs spool: cannot read");
		if (archive_write_data(w->out.a, w->buf, (size_t)k) != k)
			return store_fail(STORE_ERR, "cpio: %s",
					  archive_error_string(w->out.a));
		off += k;
		size -= k;
	}
	return 0;
}

static int write_node(struct writer *w, size_t i)
{
	struct rootfs_node *nd = &w->t->v[i], *data = &w->t->v[w->group[i]];
	struct archive_entry *e = archive_entry_clone(data->entry);
	char head[4] = { 0 };
	int carries, rc;

	if (!e)
		return store_fail(STORE_ERR, "out of memory");
	carries = --w->left[w->group[i]] == 0;
	archive_entry_set_pathname(e, nd->path);
	archive_entry_set_hardlink(e, NULL);
	archive_entry_set_dev(e, 0);
	archive_entry_set_ino64(e, (int64_t)w->group[i] + 2);
	archive_entry_set_nlink(e, archive_entry_filetype(e) == AE_IFDIR ? 2 :
				w->nlink[w->group[i]]);
	/* Only a regular file's last link has data (the writer adds a symlink's). */
	if (archive_entry_filetype(e) != AE_IFREG || !carries || data->data_off < 0)
		archive_entry_set_size(e, 0);
	if (archive_entry_size(e) && pread(w->spool, head, sizeof(head),
					    data->data_off) != sizeof(head))
		memset(head, 0, sizeof(head));
	rc = newc_put(&w->out, e, head, sizeof(head));
	if (!rc && archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e))
		rc = copy_data(w, data->data_off, archive_entry_size(e));
	archive_entry_free(e);
	return rc;
}

static int write_root(struct writer *w, struct archive_entry *root)
{
	struct archive_entry *e = root ? archive_entry_clone(root) : archive_entry_new();
	int rc;

	if (!e)
		return store_fail(STORE_ERR, "out of memory");
	archive_entry_set_pathname(e, ".");
	archive_entry_set_filetype(e, AE_IFDIR);
	if (!root)
		archive_entry_set_perm(e, 0755);
	archive_entry_set_size(e, 0);
	archive_entry_set_ino64(e, 1);
	archive_entry_set_nlink(e, 2);
	archive_entry_set_hardlink(e, NULL);
	rc = newc_put(&w->out, e, NULL, 0);
	archive_entry_free(e);
	return rc;
}

static int write_all(struct writer *w, struct archive_entry *root, int fd)
{
	size_t i, n = 0, *order;
	int rc;

	order = malloc((w->t->n + 1) * sizeof(*order));
	if (!order)
		return store_fail(STORE_ERR, "out of memory");
	for (i = 0; i < w->t->n; i++)
		if (w->t->v[i].entry)
			order[n++] = i;
	qsort_r(order, n, sizeof(*order), by_path, w->t);
	rc = newc_open(&w->out, fd);
	if (!rc)
		rc = write_root(w, root);
	for (i = 0; !rc && i < n; i++)
		rc = write_node(w, order[i]);
	if (!rc)
		rc = newc_close(&w->out, fd);
	free(order);
	return rc;
}

int rootfs_flatten_write(struct rootfs_tree *t, struct archive_entry *root,
			 int spool, int fd)
{
	struct writer w = { .t = t, .spool = spool };
	int rc;

	w.out.a = archive_write_new();
	w.buf = malloc(CHUNK);
	rc = w.out.a && w.buf ? count_links(&w) : store_fail(STORE_ERR, "out of memory");
	if (!rc)
		rc = write_all(&w, root, fd);
	if (w.out.a)
		archive_write_free(w.out.a);
	free(w.nlink);
	free(w.left);
	free(w.group);
	free(w.buf);
	return rc;
}
