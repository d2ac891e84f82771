/*
 * Flattening: every layer is read once, its entries applied to the tree
 * and the data of regular files appended to a spool file (an unlinked
 * temporary); then the tree is written as cpio newc in path order,
 * reading each file's data back from the spool. Data a higher layer
 * replaced stays in the spool as dead bytes, which is cheaper than
 * reading the layers twice.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "layer_filters.h"
#include "rootfs.h"

#define CHUNK (256 * 1024)
#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"

struct flatten {
	struct rootfs_tree tree;
	struct archive_entry *root;   /* the layers' "./" entry, if any */
	int spool;
	int64_t spool_end;
	char *buf;
	const char *layer;            /* for messages: the layer's digest */
};

static int spool_data(struct flatten *f, struct archive *a, const char *path,
		      int64_t *off)
{
	la_ssize_t k;

	*off = f->spool_end;
	while ((k = archive_read_data(a, f->buf, CHUNK)) > 0) {
		if (write_full(f->spool, f->buf, (size_t)k))
			return store_fail_errno("rootfs spool: cannot write");
		f->spool_end += k;
	}
	if (k < 0)
		return store_fail(STORE_ERR, "layer %s: entry '%s': %s", f->layer,
				  path, archive_error_string(a));
	return 0;
}

/* ".wh.NAME" and ".wh..wh..opq" act on the tree and are not kept. */
static int apply_whiteout(struct flatten *f, const char *path, unsigned layer)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t dirlen = slash ? (size_t)(slash - path) : 0;
	char target[4096];

	if (!strcmp(base, OPAQUE)) {
		snprintf(target, sizeof(target), "%.*s", (int)dirlen, path);
		rootfs_tree_opaque(&f->tree, target, layer);
		return 0;
	}
	if (!base[strlen(WHITEOUT)])
		return store_fail(STORE_ERR, "layer %s: whiteout '%s' names "
				  "nothing", f->layer, path);
	snprintf(target, sizeof(target), "%.*s%s%s", (int)dirlen, path,
		 dirlen ? "/" : "", base + strlen(WHITEOUT));
	rootfs_tree_whiteout(&f->tree, target);
	return 0;
}

static int apply_entry(struct flatten *f, struct archive *a,
		       struct archive_entry *e, unsigned layer)
{
	const char *raw = archive_entry_pathname(e), *link, *base;
	char path[4096], target[4096];
	struct archive_entry *copy;
	int64_t off = -1;
	int rc;

	if (!raw)
		return store_fail(STORE_ERR, "layer %s: an entry has no name",
				  f->layer);
	if ((rc = rootfs_clean_path(raw, path, sizeof(path))))
		return store_fail_context("layer %s", f->layer);
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (!strncmp(base, WHITEOUT, strlen(WHITEOUT)))
		return apply_whiteout(f, path, layer);
	link = archive_entry_hardlink(e);
	if (link && rootfs_clean_path(link, target, sizeof(target)))
		return store_fail_context("layer %s: hard link '%s'", f->layer, raw);
	if (!path[0]) {
		if (f->root)
			archive_entry_free(f->root);
		f->root = archive_entry_clone(e);
		return f->root ? 0 : store_fail(STORE_ERR, "out of memory");
	}
	if (!link && archive_entry_filetype(e) == AE_IFREG &&
	    archive_entry_size(e) > 0 && (rc = spool_data(f, a, path, &off)))
		return rc;
	copy = archive_entry_clone(e);
	if (!copy)
		return store_fail(STORE_ERR, "out of memory");
	return rootfs_tree_put(&f->tree, path, copy, layer, off,
			       link ? target : NULL);
}

static struct archive *open_layer(int fd)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	layer_filters_enable(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	if (archive_read_open_fd(a, fd, CHUNK) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int apply_layer(struct flatten *f, struct store *s,
		       const struct image *img, unsigned i)
{
	struct archive_entry *e;
	struct archive *a;
	struct digest d;
	int64_t size;
	int fd, r, rc;

	rc = image_layer(img, i, &d, &size, NULL);
	if (!rc)
		rc = blob_open(s, &d, &fd, &size);
	if (rc)
		return rc;
	f->layer = d.s;
	a = open_layer(fd);
	if (!a) {
		close(fd);
		return store_fail(STORE_ERR, "layer %s: cannot read it", d.s);
	}
	while (!rc && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK)
		rc = apply_entry(f, a, e, i + 1);
	if (!rc && r != ARCHIVE_EOF)
		rc = store_fail(STORE_ERR, "layer %s: %s", d.s,
				archive_error_string(a));
	archive_read_free(a);
	close(fd);
	return rc;
}

static struct archive_entry *plain_dir(void)
{
	struct archive_entry *e = archive_entry_new();

	if (e) {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	}
	return e;
}

/* Directories no layer names, so that every entry has its parent first. */
static int add_missing_parents(struct flatten *f)
{
	size_t i, n = f->tree.n;
	char dir[4096];
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		char *slash;
		struct rootfs_node *p;

		if (!f->tree.v[i].entry)
			continue;
		snprintf(dir, sizeof(dir), "%s", f->tree.v[i].path);
		while (!rc && (slash = strrchr(dir, '/'))) {
			*slash = '\0';
			p = rootfs_tree_find(&f->tree, dir);
			if (p && p->entry)
				break;
			rc = rootfs_tree_put(&f->tree, dir, plain_dir(), 0, -1, NULL);
		}
	}
	return rc;
}

int rootfs_flatten(struct store *s, const struct image *img, int fd)
{
	struct flatten f = { .spool = -1 };
	size_t i, n = image_layer_count(img);
	char spool[4096];
	int rc;

	f.buf = malloc(CHUNK);
	if (!f.buf)
		return store_fail(STORE_ERR, "out of memory");
	rc = store_tmp_file(s, "spool", spool, sizeof(spool), &f.spool);
	if (!rc)
		unlink(spool);
	for (i = 0; !rc && i < n; i++)
		rc = apply_layer(&f, s, img, (unsigned)i);
	if (!rc)
		rc = add_missing_parents(&f);
	if (!rc)
		rc = rootfs_flatten_write(&f.tree, f.root, f.spool, fd);
	if (f.spool >= 0)
		close(f.spool);
	if (f.root)
		archive_entry_free(f.root);
	rootfs_tree_free(&f.tree);
	free(f.buf);
	return rc;
}
