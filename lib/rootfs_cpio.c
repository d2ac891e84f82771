/*
 * Writing the flattened tree as cpio newc: entries in byte order of their
 * paths (a directory sorts before everything under it), the root "."
 * first, inode numbers of our own. A hard link and the file it names
 * share an inode number and nlink; as GNU cpio does, only the last of
 * them carries the data, which is what the guest (like Linux) expects.
 *
 * The data of every ELF file of a page or more starts on a page boundary
 * of the archive, so that the guest can map the pages of its programs and
 * libraries where the initrd holds them instead of copying them
 * (kernel/sys/mmap_private.c; the monitors load the initrd page-aligned).
 * What moves it there is a padding entry before it: a regular file named
 * "." (which no real tree can hold: "." is the root, written first) whose
 * data is zeros. The guest skips such entries (kernel/fs/cpio.c); other
 * readers list a "." entry and cannot create it.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "rootfs.h"

#define CHUNK (256 * 1024)
#define PAGE 4096
#define NEWC_HDR 110
#define TRAILER_LEN 124 /* "TRAILER!!!": 110 + 11, padded to 4 */

struct writer {
	struct archive *a;
	struct rootfs_tree *t;
	int spool;
	unsigned *nlink;      /* per node: its link group's size */
	unsigned *left;       /* per node: members not written yet */
	size_t *group;        /* per node: the node holding the data */
	char *buf;
	uint64_t pos; /* bytes of the archive written so far */
};

static uint64_t align4(uint64_t x)
{
	return (x + 3) & ~(uint64_t)3;
}

/* What a newc entry with this name and data size takes in the archive. */
static uint64_t newc_len(const char *name, uint64_t size)
{
	return align4(NEWC_HDR + strlen(name) + 1) + align4(size);
}

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
		if (archive_write_data(w->a, w->buf, (size_t)k) != k)
			return store_fail(STORE_ERR, "cpio: %s",
					  archive_error_string(w->a));
		off += k;
		size -= k;
	}
	return 0;
}

static int put_entry(struct writer *w, struct archive_entry *e)
{
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		return store_fail(STORE_ERR, "cpio: '%s': %s",
				  archive_entry_pathname(e),
				  archive_error_string(w->a));
	return 0;
}

/* The bytes of data the writer puts after e's header: a regular file's,
 * or a symlink's target. */
static uint64_t entry_data_len(struct archive_entry *e)
{
	const char *target;

	if (archive_entry_filetype(e) == AE_IFREG)
		return (uint64_t)archive_entry_size(e);
	if (archive_entry_filetype(e) == AE_IFLNK &&
	    (target = archive_entry_symlink(e)))
		return strlen(target);
	return 0;
}

/* 1 when the data at off (size bytes) in the spool is an ELF file of at
 * least a page: what a guest maps. */
static int mappable_elf(struct writer *w, int64_t off, int64_t size)
{
	char magic[4];

	return size >= PAGE && pread(w->spool, magic, 4, off) == 4 &&
	       !memcmp(magic, "\x7f" "ELF", 4);
}

/* The padding entry that puts the data of the next entry, named name, on
 * a page boundary (none when it is there already). */
static int pad_for(struct writer *w, const char *name)
{
	uint64_t pad_hdr = newc_len(".", 0);
	uint64_t n = (PAGE - (w->pos + pad_hdr + newc_len(name, 0)) % PAGE) % PAGE;
	struct archive_entry *e;
	int rc;

	if ((w->pos + newc_len(name, 0)) % PAGE == 0)
		return 0;
	e = archive_entry_new();
	if (!e)
		return store_fail(STORE_ERR, "out of memory");
	archive_entry_set_pathname(e, ".");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_nlink(e, 1);
	archive_entry_set_size(e, (la_int64_t)n);
	rc = put_entry(w, e);
	archive_entry_free(e);
	memset(w->buf, 0, n);
	if (!rc && n && archive_write_data(w->a, w->buf, n) != (la_ssize_t)n)
		rc = store_fail(STORE_ERR, "cpio: %s", archive_error_string(w->a));
	w->pos += pad_hdr + n;
	return rc;
}

static int write_node(struct writer *w, size_t i)
{
	struct rootfs_node *nd = &w->t->v[i], *data = &w->t->v[w->group[i]];
	struct archive_entry *e = archive_entry_clone(data->entry);
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
	rc = 0;
	if (archive_entry_filetype(e) == AE_IFREG &&
	    mappable_elf(w, data->data_off, archive_entry_size(e)))
		rc = pad_for(w, nd->path);
	if (!rc)
		rc = put_entry(w, e);
	if (!rc && archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e))
		rc = copy_data(w, data->data_off, archive_entry_size(e));
	w->pos += newc_len(nd->path, entry_data_len(e));
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
	rc = put_entry(w, e);
	w->pos += newc_len(".", 0);
	archive_entry_free(e);
	return rc;
}

static int write_all(struct writer *w, struct archive_entry *root, int fd)
{
	off_t start = lseek(fd, 0, SEEK_CUR);
	size_t i, n = 0, *order;
	int rc;

	order = malloc((w->t->n + 1) * sizeof(*order));
	if (!order)
		return store_fail(STORE_ERR, "out of memory");
	for (i = 0; i < w->t->n; i++)
		if (w->t->v[i].entry)
			order[n++] = i;
	qsort_r(order, n, sizeof(*order), by_path, w->t);
	archive_write_set_format_cpio_newc(w->a);
	archive_write_set_bytes_in_last_block(w->a, 1);
	rc = archive_write_open_fd(w->a, fd) == ARCHIVE_OK ? 0 :
		store_fail(STORE_ERR, "cpio: %s", archive_error_string(w->a));
	if (!rc)
		rc = write_root(w, root);
	for (i = 0; !rc && i < n; i++)
		rc = write_node(w, order[i]);
	if (!rc && archive_write_close(w->a) != ARCHIVE_OK)
		rc = store_fail(STORE_ERR, "cpio: %s", archive_error_string(w->a));
	/* The padding is only right if the count of what was written is
	 * (offsets count from the archive's start; a pipe is not checked). */
	if (!rc && start >= 0 &&
	    lseek(fd, 0, SEEK_CUR) != (off_t)(start + w->pos + TRAILER_LEN))
		rc = store_fail(STORE_ERR, "cpio: wrote %lld bytes, expected %llu",
				(long long)lseek(fd, 0, SEEK_CUR) - start,
				(unsigned long long)(w->pos + TRAILER_LEN));
	free(order);
	return rc;
}

int rootfs_flatten_write(struct rootfs_tree *t, struct archive_entry *root,
			 int spool, int fd)
{
	struct writer w = { .t = t, .spool = spool };
	int rc;

	w.a = archive_write_new();
	w.buf = malloc(CHUNK);
	rc = w.a && w.buf ? count_links(&w) : store_fail(STORE_ERR, "out of memory");
	if (!rc)
		rc = write_all(&w, root, fd);
	if (w.a)
		archive_write_free(w.a);
	free(w.nlink);
	free(w.left);
	free(w.group);
	free(w.buf);
	return rc;
}
