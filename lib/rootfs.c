/*
 * The cache of flattened root filesystems, rootfs/<manifest hex>.v2.cpio
 * under $HUSK_HOME. The manifest names the layers exactly, so its digest
 * names the archive; a hit is one stat(2). The version is the archive's
 * layout: v2 has ELF data page-aligned (rootfs_newc.h); archives of an
 * older layout ("<hex>.cpio") are not used, and pruning removes them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs.h"

#define CPIO_SUFFIX ".v2.cpio"
#define ANY_SUFFIX ".cpio"

int rootfs_path(const struct store *s, const struct digest *manifest,
		char *buf, size_t n)
{
	return store_path(s, buf, n, "rootfs/%s" CPIO_SUFFIX, digest_hex(manifest));
}

static int make_dir(const struct store *s)
{
	char dir[4096];
	int rc = store_path(s, dir, sizeof(dir), "rootfs");

	if (!rc && mkdir(dir, 0755) && errno != EEXIST)
		rc = store_fail_errno("cannot create %s", dir);
	return rc;
}

/* Flattens into a temporary, then renames it into place durably. */
static int build(struct store *s, const struct image *img, const char *path)
{
	char tmp[4096];
	int fd, rc;

	rc = store_tmp_file(s, "rootfs", tmp, sizeof(tmp), &fd);
	if (rc)
		return rc;
	rc = rootfs_flatten(s, img, fd);
	if (!rc)
		rc = fsync_fd_named(fd, tmp);
	if (!rc && rename(tmp, path))
		rc = store_fail_errno("cannot rename %s to %s", tmp, path);
	if (!rc)
		rc = fsync_dir_of(path);
	if (rc)
		unlink(tmp);
	close(fd);
	return rc;
}

int rootfs_ensure(struct store *s, const struct image *img, char *path,
		  size_t n)
{
	enum store_lock_mode saved = s->lock_mode;
	struct stat st;
	int rc;

	rc = rootfs_path(s, &img->manifest, path, n);
	if (rc || stat(path, &st) == 0)
		return rc;
	rc = make_dir(s);
	/* Shared: no prune can take the layers away while they are read. */
	if (!rc && saved == STORE_UNLOCKED)
		rc = store_lock(s, STORE_SHARED);
	if (!rc && stat(path, &st) != 0)
		rc = build(s, img, path);
	if (saved == STORE_UNLOCKED)
		store_lock(s, STORE_UNLOCKED);
	return rc ? store_fail_context("root filesystem of %s", img->id.s) : 0;
}

/* "<64 hex>.v2.cpio" whose manifest index.json no longer names, or an
 * archive of an older layout (any other "*.cpio"). */
static int stale(const char *name, const struct store_index *ix)
{
	size_t len = strlen(name), any = strlen(ANY_SUFFIX);
	char hex[DIGEST_HEX_LEN + 1];
	struct digest d;

	if (len < any || strcmp(name + len - any, ANY_SUFFIX))
		return 0; /* not an archive */
	if (len != DIGEST_HEX_LEN + strlen(CPIO_SUFFIX) ||
	    strcmp(name + DIGEST_HEX_LEN, CPIO_SUFFIX))
		return 1;
	memcpy(hex, name, DIGEST_HEX_LEN);
	hex[DIGEST_HEX_LEN] = '\0';
	return digest_from_hex(hex, &d) || !index_has_manifest(ix, &d);
}

static int prune_dir(struct store *s, const struct store_index *ix,
		     int64_t *bytes)
{
	char dir[4096], path[4096 + 256];
	struct dirent *e;
	struct stat st;
	int rc = store_path(s, dir, sizeof(dir), "rootfs");
	DIR *d;

	if (rc)
		return rc;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : store_fail_errno("cannot read %s", dir);
	while (!rc && (e = readdir(d))) {
		if (!stale(e->d_name, ix))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!stat(path, &st))
			*bytes += st.st_size;
		if (unlink(path) && errno != ENOENT)
			rc = store_fail_errno("cannot remove %s", path);
	}
	closedir(d);
	return rc;
}

int rootfs_prune(struct store *s, int64_t *bytes)
{
	enum store_lock_mode saved = s->lock_mode;
	struct store_index ix;
	int rc = 0;

	if (saved != STORE_EXCLUSIVE)
		rc = store_lock(s, STORE_EXCLUSIVE);
	if (!rc)
		rc = index_read(s, &ix);
	if (!rc) {
		rc = prune_dir(s, &ix, bytes);
		index_free(&ix);
	}
	if (saved != STORE_EXCLUSIVE)
		store_lock(s, saved);
	return rc;
}
