/*
 * Layers. Creating one (for import, and later for build) writes a
 * normalized tar: names cleaned, directories in byte order, no access or
 * change times, no owner names, time stamps clamped when asked, so that
 * the same tree gives the same bytes. The tar is hashed as it is written
 * (the diff_id) and gzip'ed, without a time stamp in the gzip header, into
 * a blob writer (which hashes the compressed bytes).
 *
 * Checking one (for load) decompresses it, hashes the tar and walks its
 * entries, refusing names that would escape the directory it is unpacked
 * into.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "imgarchive.h"
#include "layer_filters.h"

#define CHUNK (64 * 1024)

struct layer_out {
	struct archive *tar;  /* writes the tar into gz through tar_written */
	struct archive *gz;   /* raw gzip stream into the blob */
	struct blob_writer *blob;
	struct digest_ctx diff;
	int failed;           /* the blob write failed: message recorded */
	int discard;          /* after an error: closing must write nothing */
	const char *source;
	int64_t clamp;
	char *buf;
};

static la_ssize_t gz_written(struct archive *a, void *ctx, const void *p,
			     size_t n)
{
	struct layer_out *o = ctx;

	(void)a;
	if (o->discard)
		return (la_ssize_t)n;
	if (blob_write(o->blob, p, n)) {
		o->failed = 1;
		return -1;
	}
	return (la_ssize_t)n;
}

static la_ssize_t tar_written(struct archive *a, void *ctx, const void *p,
			      size_t n)
{
	struct layer_out *o = ctx;

	(void)a;
	if (o->discard)
		return (la_ssize_t)n;
	digest_update(&o->diff, p, n);
	if (archive_write_data(o->gz, p, n) < 0)
		return -1;
	return (la_ssize_t)n;
}

static int out_error(struct layer_out *o, struct archive *a, const char *what)
{
	if (o->failed)
		return STORE_ERR;
	return store_fail(STORE_ERR, "%s: %s: %s", o->source, what,
			  archive_error_string(a) ? archive_error_string(a) :
						    "archive error");
}

static int open_gz(struct layer_out *o)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	o->gz = archive_write_new();
	if (!o->gz || !e)
		rc = store_fail(STORE_ERR, "out of memory");
	else if (archive_write_set_format_raw(o->gz) ||
		 archive_write_add_filter_gzip(o->gz) ||
		 archive_write_set_options(o->gz, "gzip:!timestamp") ||
		 archive_write_set_bytes_in_last_block(o->gz, 1) ||
		 archive_write_open(o->gz, o, NULL, gz_written, NULL))
		rc = out_error(o, o->gz, "cannot start gzip");
	if (!rc) {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_pathname(e, "layer.tar");
		if (archive_write_header(o->gz, e))
			rc = out_error(o, o->gz, "cannot start gzip");
	}
	archive_entry_free(e);
	return rc;
}

static int open_tar(struct layer_out *o)
{
	o->tar = archive_write_new();
	if (!o->tar)
		return store_fail(STORE_ERR, "out of memory");
	if (archive_write_set_format_pax_restricted(o->tar) ||
	    archive_write_set_bytes_in_last_block(o->tar, 1) ||
	    archive_write_open(o->tar, o, NULL, tar_written, NULL))
		return out_error(o, o->tar, "cannot start the layer tar");
	return 0;
}

/* What no two builds of the same tree would agree on, removed. */
static void normalize(struct layer_out *o, struct archive_entry *e)
{
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	archive_entry_unset_birthtime(e);
	archive_entry_set_uname(e, NULL);
	archive_entry_set_gname(e, NULL);
	archive_entry_acl_clear(e);
	archive_entry_sparse_clear(e);
	archive_entry_set_fflags(e, 0, 0);
	if (o->clamp >= 0 && archive_entry_mtime(e) > o->clamp)
		archive_entry_set_mtime(e, o->clamp, 0);
	else
		archive_entry_set_mtime(e, archive_entry_mtime(e), 0);
}

static int write_header(struct layer_out *o, struct archive_entry *e)
{
	normalize(o, e);
	if (archive_write_header(o->tar, e) < ARCHIVE_WARN)
		return out_error(o, o->tar, archive_entry_pathname(e));
	return 0;
}

/* ---- from a directory ---- */

struct seen {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct dir_walk {
	struct layer_out *o;
	struct seen *links;   /* files with several links, first path */
	size_t nlinks;
};

static int copy_file(struct layer_out *o, const char *path, int64_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int64_t left = size;
	ssize_t k;

	if (fd < 0)
		return store_fail_errno("%s", path);
	while (left > 0) {
		k = read(fd, o->buf, left < CHUNK ? (size_t)left : CHUNK);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			return k < 0 ? store_fail_errno("%s", path) :
				store_fail(STORE_ERR, "%s: shrank while being read", path);
		}
		if (archive_write_data(o->tar, o->buf, (size_t)k) < 0) {
			close(fd);
			return out_error(o, o->tar, path);
		}
		left -= k;
	}
	close(fd);
	return 0;
}

/* A second name for an inode already written becomes a hard link. */
static const char *first_link(struct dir_walk *w, const struct stat *st,
			      const char *name)
{
	struct seen *v;
	size_t i;

	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return NULL;
	for (i = 0; i < w->nlinks; i++)
		if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino)
			return w->links[i].path;
	v = realloc(w->links, (w->nlinks + 1) * sizeof(*v));
	if (v) {
		w->links = v;
		v[w->nlinks].dev = st->st_dev;
		v[w->nlinks].ino = st->st_ino;
		v[w->nlinks].path = strdup(name);
		w->nlinks += v[w->nlinks].path != NULL;
	}
	return NULL;
}

static int entry_from_stat(struct archive_entry *e, const char *path,
			   const struct stat *st)
{
	char target[4096];
	ssize_t k;

	archive_entry_copy_stat(e, st);
	if (S_ISLNK(st->st_mode)) {
		k = readlink(path, target, sizeof(target) - 1);
		if (k < 0)
			return store_fail_errno("%s", path);
		target[k] = '\0';
		archive_entry_copy_symlink(e, target);
	}
	if (!S_ISREG(st->st_mode))
		archive_entry_set_size(e, 0);
	return 0;
}

static int walk_dir(struct dir_walk *w, const char *path, const char *name);

static int add_path(struct dir_walk *w, const char *path, const char *name)
{
	struct archive_entry *e;
	const char *link;
	struct stat st;
	int rc;

	if (lstat(path, &st))
		return store_fail_errno("%s", path);
	if (S_ISSOCK(st.st_mode))
		return 0; /* a socket is a running program's, not a file's */
	e = archive_entry_new();
	if (!e)
		return store_fail(STORE_ERR, "out of memory");
	rc = entry_from_stat(e, path, &st);
	archive_entry_copy_pathname(e, name);
	link = rc ? NULL : first_link(w, &st, name);
	if (link) {
		archive_entry_set_size(e, 0);
		archive_entry_copy_hardlink(e, link);
	}
	if (!rc)
		rc = write_header(w->o, e);
	if (!rc && !link && S_ISREG(st.st_mode))
		rc = copy_file(w->o, path, st.st_size);
	archive_entry_free(e);
	if (!rc && S_ISDIR(st.st_mode))
		rc = walk_dir(w, path, name);
	return rc;
}

/* Byte order, not the locale's: the same tree must give the same tar. */
static int by_bytes(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

static int walk_dir(struct dir_walk *w, const char *path, const char *name)
{
	char child[4096], child_name[4096];
	struct dirent **list;
	int n, i, rc = 0;

	n = scandir(path, &list, not_dots, by_bytes);
	if (n < 0)
		return store_fail_errno("%s", path);
	for (i = 0; i < n; i++) {
		if (!rc && (snprintf(child, sizeof(child), "%s/%s", path,
				     list[i]->d_name) >= (int)sizeof(child) ||
			    snprintf(child_name, sizeof(child_name), "%s%s%s", name,
				     *name ? "/" : "", list[i]->d_name) >=
				    (int)sizeof(child_name)))
			rc = store_fail(STORE_ERR, "%s: path too long", child);
		if (!rc)
			rc = add_path(w, child, child_name);
		free(list[i]);
	}
	free(list);
	return rc;
}

static int layer_from_dir(struct layer_out *o, const char *dir)
{
	struct dir_walk w = { .o = o };
	size_t i;
	int rc;

	rc = walk_dir(&w, dir, "");
	for (i = 0; i < w.nlinks; i++)
		free(w.links[i].path);
	free(w.links);
	return rc;
}

/* ---- from a tar ---- */

static int bad_entry(const char *source, const char *name, const char *why)
{
	return store_fail(STORE_ERR, "%s: entry \"%s\": %s: refusing the archive",
			  source, name, why);
}

/* Rewrites the names of e in place; *skip for the root itself. */
static int clean_entry(struct layer_out *o, struct archive_entry *e, int *skip)
{
	char name[4096], link[4096];
	const char *why, *hard = archive_entry_hardlink(e);
	const char *path = archive_entry_pathname(e);

	if (!path)
		return bad_entry(o->source, "?", "an entry without a name");
	if (tar_path_clean(path, name, sizeof(name), &why))
		return bad_entry(o->source, path, why);
	if (hard && tar_path_clean(hard, link, sizeof(link), &why))
		return bad_entry(o->source, path, why);
	*skip = !name[0];
	archive_entry_copy_pathname(e, name);
	if (hard)
		archive_entry_copy_hardlink(e, link);
	return 0;
}

static int copy_data(struct layer_out *o, struct archive *in, const char *name)
{
	la_ssize_t k;

	while ((k = archive_read_data(in, o->buf, CHUNK)) > 0)
		if (archive_write_data(o->tar, o->buf, (size_t)k) < 0)
			return out_error(o, o->tar, name);
	if (k < 0)
		return store_fail(STORE_ERR, "%s: entry \"%s\": %s", o->source, name,
				  archive_error_string(in));
	return 0;
}

static int open_input(struct archive **in, const char *source)
{
	int ok;

	*in = archive_read_new();
	if (!*in)
		return store_fail(STORE_ERR, "out of memory");
	layer_filters_enable(*in);
	archive_read_support_format_tar(*in);
	archive_read_support_format_empty(*in);
	ok = strcmp(source, "-") ? archive_read_open_filename(*in, source, CHUNK) :
				   archive_read_open_fd(*in, 0, CHUNK);
	if (ok != ARCHIVE_OK)
		return store_fail(STORE_ERR, "%s: %s", source,
				  archive_error_string(*in));
	return 0;
}

static int layer_from_tar(struct layer_out *o, const char *source)
{
	struct archive_entry *e;
	struct archive *in;
	int rc, r, skip;

	rc = open_input(&in, source);
	while (!rc && (r = archive_read_next_header(in, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			rc = store_fail(STORE_ERR, "%s: not a readable tar archive "
					"(truncated or damaged?): %s", source,
					archive_error_string(in));
			break;
		}
		rc = clean_entry(o, e, &skip);
		if (rc || skip)
			continue;
		rc = write_header(o, e);
		if (!rc && archive_entry_size(e) > 0 && !archive_entry_hardlink(e))
			rc = copy_data(o, in, archive_entry_pathname(e));
	}
	archive_read_free(in);
	return rc;
}

static int close_out(struct layer_out *o, struct digest *diff_id)
{
	int rc = 0;

	if (archive_write_close(o->tar))
		rc = out_error(o, o->tar, "cannot finish the layer tar");
	if (!rc && archive_write_close(o->gz))
		rc = out_error(o, o->gz, "cannot finish gzip");
	digest_final(&o->diff, diff_id);
	return rc;
}

int layer_create(const char *source, int64_t clamp,
		 struct blob_writer *w, struct digest *diff_id)
{
	struct layer_out o = { .blob = w, .source = source, .clamp = clamp };
	struct stat st;
	int rc;

	if (strcmp(source, "-") && stat(source, &st))
		return store_fail_errno("%s", source);
	o.buf = malloc(CHUNK);
	if (!o.buf || digest_init(&o.diff)) {
		free(o.buf);
		return store_fail(STORE_ERR, "out of memory");
	}
	rc = open_gz(&o);
	if (!rc)
		rc = open_tar(&o);
	if (!rc)
		rc = strcmp(source, "-") && S_ISDIR(st.st_mode) ?
			layer_from_dir(&o, source) : layer_from_tar(&o, source);
	if (!rc)
		rc = close_out(&o, diff_id);
	/* Freeing closes; after a failure that must not write anywhere. */
	o.discard = rc != 0;
	if (o.tar)
		archive_write_free(o.tar);
	if (o.gz)
		archive_write_free(o.gz);
	if (o.diff.md)
		digest_abandon(&o.diff);
	free(o.buf);
	return rc;
}

/* ---- checking a layer ---- */

struct layer_in {
	struct archive *raw;  /* decompresses the blob */
	struct digest_ctx diff;
	char *buf;
	int failed;
};

static la_ssize_t raw_read(struct archive *a, void *ctx, const void **p)
{
	struct layer_in *in = ctx;
	la_ssize_t k = archive_read_data(in->raw, in->buf, CHUNK);

	(void)a;
	if (k < 0) {
		in->failed = 1;
		archive_set_error(a, EIO, "%s", archive_error_string(in->raw));
		return -1;
	}
	digest_update(&in->diff, in->buf, (size_t)k);
	*p = in->buf;
	return k;
}

static int open_raw(struct layer_in *in, int fd, const char *label)
{
	struct archive_entry *e;
	int r;

	in->raw = archive_read_new();
	if (!in->raw)
		return store_fail(STORE_ERR, "out of memory");
	layer_filters_enable(in->raw);
	archive_read_support_format_raw(in->raw);
	archive_read_support_format_empty(in->raw);
	r = archive_read_open_fd(in->raw, fd, CHUNK);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(in->raw, &e);
	if (r == ARCHIVE_OK || r == ARCHIVE_EOF)
		return 0;
	return store_fail(STORE_ERR, "%s: cannot decompress: %s", label,
			  archive_error_string(in->raw));
}

static int walk_entries(struct layer_in *in, const char *label)
{
	char name[4096];
	struct archive_entry *e;
	struct archive *tar = archive_read_new();
	const char *why, *hard;
	int r, rc = 0;

	if (!tar)
		return store_fail(STORE_ERR, "out of memory");
	archive_read_support_format_tar(tar);
	archive_read_support_format_empty(tar);
	r = archive_read_open(tar, in, NULL, raw_read, NULL);
	while (!rc && r == ARCHIVE_OK &&
	       (r = archive_read_next_header(tar, &e)) == ARCHIVE_OK) {
		hard = archive_entry_hardlink(e);
		if (!archive_entry_pathname(e))
			rc = bad_entry(label, "?", "an entry without a name");
		else if (tar_path_clean(archive_entry_pathname(e), name,
					    sizeof(name), &why) ||
		    (hard && tar_path_clean(hard, name, sizeof(name), &why)))
			rc = bad_entry(label, archive_entry_pathname(e), why);
	}
	if (!rc && r != ARCHIVE_EOF)
		rc = store_fail(STORE_ERR, "%s: not a readable layer tar (truncated "
				"or damaged?): %s", label, archive_error_string(tar));
	archive_read_free(tar);
	return rc;
}

/* The tar reader stops at its end marker; the diff_id covers every byte. */
static int drain(struct layer_in *in, const char *label)
{
	la_ssize_t k;

	while ((k = archive_read_data(in->raw, in->buf, CHUNK)) > 0)
		digest_update(&in->diff, in->buf, (size_t)k);
	if (k < 0)
		return store_fail(STORE_ERR, "%s: cannot decompress: %s", label,
				  archive_error_string(in->raw));
	return 0;
}

int layer_check(int fd, const char *label, struct digest *diff_id)
{
	struct layer_in in = { 0 };
	int rc;

	in.buf = malloc(CHUNK);
	if (!in.buf || digest_init(&in.diff)) {
		free(in.buf);
		return store_fail(STORE_ERR, "out of memory");
	}
	rc = open_raw(&in, fd, label);
	if (!rc && archive_format(in.raw) != ARCHIVE_FORMAT_EMPTY)
		rc = walk_entries(&in, label);
	if (!rc && archive_format(in.raw) != ARCHIVE_FORMAT_EMPTY)
		rc = drain(&in, label);
	if (!rc)
		digest_final(&in.diff, diff_id);
	else
		digest_abandon(&in.diff);
	archive_read_free(in.raw);
	free(in.buf);
	return rc;
}

const char *layer_media_type(int fd)
{
	unsigned char m[4] = { 0 };

	if (pread(fd, m, sizeof(m), 0) >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return MEDIA_OCI_LAYER_GZIP;
	if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return MEDIA_OCI_LAYER_ZSTD;
	return MEDIA_OCI_LAYER;
}
