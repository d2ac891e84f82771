/*
 * Finding a command in the image, as Docker does at create time: a name
 * without a slash is looked up in each directory of the container's PATH.
 * Only the headers of the cached archive are read; the data is skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>

#include "rootfs.h"

/* Whether the entry could be run: executable file, or a symlink to one. */
static int runnable(struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e);

	return type == AE_IFLNK || (type == AE_IFREG && (archive_entry_perm(e) & 0111));
}

/* The position of dir ("usr/bin", "" for /) in the PATH list, or -1. */
static int path_rank(const char *search_path, const char *dir)
{
	char list[4096], clean[4096], *save = NULL, *tok;
	int rank = 0;

	snprintf(list, sizeof(list), "%s", search_path);
	for (tok = strtok_r(list, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save), rank++)
		if (tok[0] == '/' && !rootfs_clean_path(tok + 1, clean, sizeof(clean)) &&
		    !strcmp(clean, dir))
			return rank;
	return -1;
}

/* Ranks the entry: its directory's place in PATH when it is name. */
static int rank_entry(struct archive_entry *e, const char *search_path,
		      const char *name)
{
	char path[4096];
	char *slash;
	const char *base;

	if (!archive_entry_pathname(e) ||
	    rootfs_clean_path(archive_entry_pathname(e), path, sizeof(path)))
		return -1;
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	if (strcmp(base, name) || !runnable(e))
		return -1;
	if (slash)
		*slash = '\0';
	return path_rank(search_path, slash ? path : "");
}

int rootfs_find_command(const char *cpio, const char *search_path,
			const char *name, char *out, size_t n)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int best = -1, r;
	char dir[4096] = "";

	if (!a)
		return store_fail(STORE_ERR, "out of memory");
	archive_read_support_format_cpio(a);
	if (archive_read_open_filename(a, cpio, 64 * 1024) != ARCHIVE_OK) {
		r = store_fail(STORE_ERR, "%s: %s", cpio, archive_error_string(a));
		archive_read_free(a);
		return r;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		int rank = rank_entry(e, search_path, name);
		if (rank >= 0 && (best < 0 || rank < best)) {
			const char *p = archive_entry_pathname(e);
			best = rank;
			rootfs_clean_path(p, dir, sizeof(dir));
		}
	}
	if (r != ARCHIVE_EOF) {
		r = store_fail(STORE_ERR, "%s: %s", cpio, archive_error_string(a));
		archive_read_free(a);
		return r;
	}
	archive_read_free(a);
	if (best < 0)
		return store_fail(STORE_NOT_FOUND, "exec: \"%s\": executable file "
				  "not found in $PATH", name);
	snprintf(out, n, "/%s", dir);
	return 0;
}
