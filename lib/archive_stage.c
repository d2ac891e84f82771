/*
 * Staging an image archive: `load` reads the whole tar once, from a file
 * or a pipe, into a flock'ed directory in tmp/, hashing every file as it
 * lands. Nothing reaches the store until everything is checked, and a
 * killed load leaves only this directory, which the next command sweeps.
 *
 * Files are stored under numbered names, never under their names in the
 * archive, so no entry name can point anywhere on disk; names are still
 * checked (no absolute paths, no "..") because an archive carrying them is
 * broken or hostile, and saying so beats guessing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "imgarchive.h"
#include "json_util.h"
#include "layer_filters.h"

#define CHUNK (64 * 1024)
#define SLURP_MAX (64 << 20)
#define LINK_HOPS 16

static struct staged *lookup(const struct stage *st, const char *path)
{
	size_t i = st->n;

	while (i--)
		if (!strcmp(st->v[i].path, path))
			return &st->v[i];
	return NULL;
}

static void clear_entry(struct staged *e)
{
	if (e->file)
		unlink(e->file);
	free(e->path);
	free(e->link);
	free(e->file);
	memset(e, 0, sizeof(*e));
}

/* A new record for path, replacing an earlier entry of the same name. */
static struct staged *new_entry(struct stage *st, const char *path)
{
	struct staged *e = lookup(st, path), *v;

	if (e) {
		clear_entry(e);
	} else {
		v = realloc(st->v, (st->n + 1) * sizeof(*v));
		if (!v)
			return NULL;
		st->v = v;
		e = &v[st->n++];
		memset(e, 0, sizeof(*e));
	}
	e->path = strdup(path);
	return e->path ? e : NULL;
}

static int bad_entry(const struct stage *st, const char *name, const char *why)
{
	return store_fail(STORE_ERR, "%s: entry \"%s\": %s: refusing the archive",
			  st->label, name, why);
}

/* Writes data (from the archive, or buf when not NULL) to a new file. */
static int write_staged(struct stage *st, struct staged *e, struct archive *in,
			const void *buf, size_t n)
{
	char path[4200], chunk[CHUNK];
	struct digest_ctx h;
	la_ssize_t k;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/f%u", st->dir, st->next_file++);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return store_fail_errno("cannot create %s", path);
	e->file = strdup(path);
	if (!e->file || digest_init(&h)) {
		close(fd);
		return store_fail(STORE_ERR, "out of memory");
	}
	e->kind = STAGED_FILE;
	while (!rc && (k = buf ? (la_ssize_t)n : archive_read_data(in, chunk, CHUNK)) > 0) {
		const void *p = buf ? buf : chunk;
		digest_update(&h, p, (size_t)k);
		e->size += k;
		if (write_full(fd, p, (size_t)k))
			rc = store_fail_errno("%s: cannot write", path);
		if (buf)
			break;
	}
	if (!rc && !buf && k < 0)
		rc = store_fail(STORE_ERR, "%s: entry \"%s\": truncated or damaged "
				"archive: %s", st->label, e->path,
				archive_error_string(in));
	digest_final(&h, &e->digest);
	if (!rc)
		rc = fsync_fd_named(fd, path);
	close(fd);
	return rc;
}

/* A file named blobs/sha256/<hex> must hash to <hex>. */
static int check_blob_name(const struct stage *st, const struct staged *e)
{
	struct digest want;

	if (strncmp(e->path, "blobs/sha256/", 13) ||
	    digest_from_hex(e->path + 13, &want))
		return 0;
	if (!digest_equal(&want, &e->digest))
		return bad_entry(st, e->path, "content does not match its digest "
				 "(it hashes to a different sha256)");
	return 0;
}

/* A symbolic link's target, relative to the link's directory. */
static int link_target(const struct stage *st, const char *path,
		       const char *target, char *out, size_t n)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (target[0] == '/')
		return bad_entry(st, path, "a link to an absolute path");
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	if (tar_path_resolve(dir, target, out, n))
		return bad_entry(st, path, "a link that climbs out of the archive");
	return 0;
}

static int stage_link(struct stage *st, struct archive_entry *ae,
		      const char *path)
{
	char target[4096];
	const char *hard = archive_entry_hardlink(ae), *why;
	struct staged *e;
	int rc;

	if (hard)
		rc = tar_path_clean(hard, target, sizeof(target), &why) ?
			bad_entry(st, path, why) : 0;
	else
		rc = link_target(st, path, archive_entry_symlink(ae) ?
				 archive_entry_symlink(ae) : "", target,
				 sizeof(target));
	if (rc)
		return rc;
	e = new_entry(st, path);
	if (!e || !(e->link = strdup(target)))
		return store_fail(STORE_ERR, "out of memory");
	e->kind = STAGED_LINK;
	return 0;
}

static int stage_entry(struct stage *st, struct archive *in,
		       struct archive_entry *ae)
{
	char path[4096];
	const char *name = archive_entry_pathname(ae), *why;
	struct staged *e;
	int rc;

	if (!name)
		return bad_entry(st, "?", "an entry without a name");
	if (tar_path_clean(name, path, sizeof(path), &why))
		return bad_entry(st, name, why);
	if (!path[0])
		return 0;
	if (archive_entry_hardlink(ae) || archive_entry_filetype(ae) == AE_IFLNK)
		return stage_link(st, ae, path);
	if (archive_entry_filetype(ae) != AE_IFREG &&
	    archive_entry_filetype(ae) != AE_IFDIR)
		return bad_entry(st, name, "not a file, directory or link, which "
				 "image archives do not contain");
	e = new_entry(st, path);
	if (!e)
		return store_fail(STORE_ERR, "out of memory");
	e->kind = STAGED_DIR;
	if (archive_entry_filetype(ae) == AE_IFDIR)
		return 0;
	rc = write_staged(st, e, in, NULL, 0);
	return rc ? rc : check_blob_name(st, e);
}

static int read_all(struct stage *st, struct archive *in)
{
	struct archive_entry *ae;
	const char *last = NULL;
	int r, rc = 0;

	while (!rc && (r = archive_read_next_header(in, &ae)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN)
			return store_fail(STORE_ERR, "%s: truncated or damaged archive%s%s%s: %s",
					  st->label, last ? " (after entry \"" : "",
					  last ? last : "", last ? "\")" : "",
					  archive_error_string(in));
		rc = stage_entry(st, in, ae);
		last = st->n ? st->v[st->n - 1].path : NULL;
	}
	if (!rc && !st->n)
		rc = store_fail(STORE_ERR, "%s: an empty archive: expected a "
				"docker-archive or an OCI archive", st->label);
	return rc;
}

int stage_read(struct store *s, int fd, const char *label, struct stage *st)
{
	struct archive *in;
	int rc;

	memset(st, 0, sizeof(*st));
	st->s = s;
	st->label = label;
	st->dir_fd = -1;
	rc = store_tmp_dir(s, "load", st->dir, sizeof(st->dir), &st->dir_fd);
	if (rc)
		return rc;
	in = archive_read_new();
	if (!in)
		return store_fail(STORE_ERR, "out of memory");
	layer_filters_enable(in);
	archive_read_support_format_tar(in);
	archive_read_support_format_empty(in);
	if (archive_read_open_fd(in, fd, CHUNK) != ARCHIVE_OK)
		rc = store_fail(STORE_ERR, "%s: not a tar archive: %s", label,
				archive_error_string(in));
	else
		rc = read_all(st, in);
	archive_read_free(in);
	return rc;
}

const struct staged *stage_find(const struct stage *st, const char *path)
{
	char clean[4096];
	const struct staged *e;
	const char *why;
	int hops;

	if (tar_path_clean(path, clean, sizeof(clean), &why))
		return NULL;
	e = lookup(st, clean);
	for (hops = 0; e && e->kind == STAGED_LINK && hops < LINK_HOPS; hops++)
		e = lookup(st, e->link);
	return e && e->kind == STAGED_FILE ? e : NULL;
}

int stage_blob(const struct stage *st, const struct digest *d, int64_t size,
	       const struct staged **out)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct staged *e = &st->v[i];
		if (e->kind != STAGED_FILE || !digest_equal(&e->digest, d))
			continue;
		if (size >= 0 && e->size != size)
			return store_fail(STORE_ERR, "%s: blob %s is %lld bytes, but "
					  "its descriptor says %lld", st->label,
					  d->s, (long long)e->size, (long long)size);
		*out = e;
		return 0;
	}
	return store_fail(STORE_ERR, "%s: blob %s is missing from the archive",
			  st->label, d->s);
}

int stage_json_object(const struct stage *st, const struct staged *f,
		      const char *what, json_t **out)
{
	char label[4400], *buf;
	size_t n;
	int rc;

	rc = stage_slurp(st, f, what, &buf, &n);
	if (rc)
		return rc;
	snprintf(label, sizeof(label), "%s: %s", st->label, what);
	rc = json_parse_object(buf, n, label, out);
	free(buf);
	return rc;
}

int stage_slurp(const struct stage *st, const struct staged *f,
		const char *what, char **buf, size_t *n)
{
	FILE *in;

	if (f->size > SLURP_MAX)
		return store_fail(STORE_ERR, "%s: %s is too large (%lld bytes)",
				  st->label, what, (long long)f->size);
	*buf = malloc((size_t)f->size + 1);
	if (!*buf)
		return store_fail(STORE_ERR, "out of memory");
	in = fopen(f->file, "re");
	if (!in || fread(*buf, 1, (size_t)f->size, in) != (size_t)f->size) {
		if (in)
			fclose(in);
		free(*buf);
		return store_fail_errno("%s: cannot read %s", st->label, what);
	}
	fclose(in);
	(*buf)[f->size] = '\0';
	*n = (size_t)f->size;
	return 0;
}

int stage_add(struct stage *st, const char *path, const void *buf, size_t n,
	      const struct staged **out)
{
	struct staged *e = new_entry(st, path);
	int rc;

	if (!e)
		return store_fail(STORE_ERR, "out of memory");
	rc = write_staged(st, e, NULL, buf, n);
	*out = e;
	return rc;
}

void stage_free(struct stage *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		free(st->v[i].path);
		free(st->v[i].link);
		free(st->v[i].file);
	}
	free(st->v);
	if (st->dir_fd >= 0) {
		remove_tree(st->dir);
		close(st->dir_fd);
	}
	memset(st, 0, sizeof(*st));
}
