/*
 * Applying a layer onto a directory, as a container runtime unpacks an
 * image: entries are written with their modes, owners and times;
 * ".wh.NAME" deletes NAME from the layers below; ".wh..wh..opq" empties
 * its directory of what the layers below put there (what this layer
 * itself writes there stays, whatever the entry order). Names are
 * checked first, so nothing lands outside the directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "build_int.h"
#include "imgarchive.h"
#include "layer_filters.h"

struct applied {
	char **v;	/* names this layer wrote, to survive an opaque marker */
	size_t n, cap;
};

static int remember(struct applied *a, const char *name)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return store_fail(STORE_ERR, "out of memory");
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(name);
	return a->v[a->n++] ? 0 : store_fail(STORE_ERR, "out of memory");
}

static bool written(const struct applied *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], name))
			return true;
	return false;
}

static int remove_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : store_fail_errno("%s", path);
	if (S_ISDIR(st.st_mode))
		return remove_tree(path);
	if (unlink(path))
		return store_fail_errno("%s", path);
	return 0;
}

/* Empties dir/rel of everything this layer did not write. */
static int make_opaque(const char *dir, const char *rel,
		       const struct applied *a)
{
	char path[BUILD_PATH], child[BUILD_PATH], childrel[BUILD_PATH];
	struct dirent *d;
	DIR *dh;
	int rc = 0;

	if (path_join(path, sizeof(path), dir, rel))
		return STORE_ERR;
	dh = opendir(path);
	if (!dh)
		return errno == ENOENT ? 0 : store_fail_errno("%s", path);
	while (!rc && (d = readdir(dh))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		rc = path_join(childrel, sizeof(childrel), rel, d->d_name);
		if (!rc)
			rc = path_join(child, sizeof(child), dir, childrel);
		if (!rc && !written(a, childrel))
			rc = remove_path(child);
	}
	closedir(dh);
	return rc;
}

/* "a/.wh.b" -> rel "a/b"; "a/.wh..wh..opq" -> *opaque with rel "a". */
static bool whiteout_target(const char *name, char *rel, size_t n, bool *opaque)
{
	const char *base = strrchr(name, '/');
	size_t dirlen;

	base = base ? base + 1 : name;
	if (strncmp(base, ".wh.", 4))
		return false;
	dirlen = (size_t)(base - name);
	*opaque = !strcmp(base, ".wh..wh..opq");
	if (*opaque)
		snprintf(rel, n, "%.*s", dirlen ? (int)dirlen - 1 : 0, name);
	else
		snprintf(rel, n, "%.*s%s", (int)dirlen, name, base + 4);
	return true;
}

static int open_layer(struct archive **in, int fd, const char *label)
{
	*in = archive_read_new();
	if (!*in)
		return store_fail(STORE_ERR, "out of memory");
	layer_filters_enable(*in);
	archive_read_support_format_tar(*in);
	archive_read_support_format_empty(*in);
	if (archive_read_open_fd(*in, fd, 64 * 1024) != ARCHIVE_OK)
		return store_fail(STORE_ERR, "%s: %s", label, archive_error_string(*in));
	return 0;
}

static int open_disk(struct archive **out)
{
	*out = archive_write_disk_new();
	if (!*out)
		return store_fail(STORE_ERR, "out of memory");
	archive_write_disk_set_options(*out, ARCHIVE_EXTRACT_PERM |
				       ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_TIME |
				       ARCHIVE_EXTRACT_UNLINK |
				       ARCHIVE_EXTRACT_SECURE_NODOTDOT |
				       ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	return 0;
}

/* Rewrites the entry's names under dir; rel gets the cleaned name. */
static int relocate(struct archive_entry *e, const char *dir, const char *label,
		    char *rel, size_t n)
{
	char path[BUILD_PATH], link[BUILD_PATH];
	const char *why, *hard = archive_entry_hardlink(e);

	if (tar_path_clean(archive_entry_pathname(e), rel, n, &why))
		return store_fail(STORE_ERR, "%s: entry \"%s\": %s", label,
				  archive_entry_pathname(e), why);
	if (path_join(path, sizeof(path), dir, rel))
		return STORE_ERR;
	archive_entry_copy_pathname(e, path);
	if (hard) {
		if (tar_path_clean(hard, link, sizeof(link), &why))
			return store_fail(STORE_ERR, "%s: entry \"%s\": %s", label,
					  hard, why);
		if (path_join(path, sizeof(path), dir, link))
			return STORE_ERR;
		archive_entry_copy_hardlink(e, path);
	}
	return 0;
}

static int write_entry(struct archive *in, struct archive *out,
		       struct archive_entry *e, const char *label)
{
	const void *p;
	size_t len;
	la_int64_t off;
	int r;

	if (archive_write_header(out, e) < ARCHIVE_WARN)
		return store_fail(STORE_ERR, "%s: %s", label, archive_error_string(out));
	while ((r = archive_read_data_block(in, &p, &len, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(out, p, len, off) < ARCHIVE_WARN)
			return store_fail(STORE_ERR, "%s: %s", label,
					  archive_error_string(out));
	if (r != ARCHIVE_EOF)
		return store_fail(STORE_ERR, "%s: %s", label, archive_error_string(in));
	if (archive_write_finish_entry(out) < ARCHIVE_WARN)
		return store_fail(STORE_ERR, "%s: %s", label, archive_error_string(out));
	return 0;
}

static int apply_entry(struct archive *in, struct archive *out,
		       struct archive_entry *e, const char *dir,
		       const char *label, struct applied *a)
{
	char rel[BUILD_PATH], target[BUILD_PATH], path[BUILD_PATH];
	bool opaque;
	int rc = relocate(e, dir, label, rel, sizeof(rel));

	if (rc || !rel[0])
		return rc;
	if (whiteout_target(rel, target, sizeof(target), &opaque)) {
		if (opaque)
			return make_opaque(dir, target, a);
		return path_join(path, sizeof(path), dir, target) ? STORE_ERR :
			remove_path(path);
	}
	rc = remember(a, rel);
	return rc ? rc : write_entry(in, out, e, label);
}

int layer_apply(int fd, const char *dir, const char *label)
{
	struct applied a = { 0 };
	struct archive *in = NULL, *out = NULL;
	struct archive_entry *e;
	int r, rc;

	rc = open_layer(&in, fd, label);
	if (!rc)
		rc = open_disk(&out);
	while (!rc && (r = archive_read_next_header(in, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN)
			rc = store_fail(STORE_ERR, "%s: not a readable layer: %s", label,
					archive_error_string(in));
		else
			rc = apply_entry(in, out, e, dir, label, &a);
	}
	if (out) {
		archive_write_close(out);
		archive_write_free(out);
	}
	if (in)
		archive_read_free(in);
	for (size_t i = 0; i < a.n; i++)
		free(a.v[i]);
	free(a.v);
	return rc;
}
