/*
 * A directory tree as the guest's cpio, cached by content (rootfs_dir.h).
 * A cache hit costs one read of the tree; a miss writes the archive to a
 * temporary in the cache directory, hashing what it writes, and renames
 * it to that hash, so the name always matches the bytes even if the tree
 * changed between the two passes.
 *
 * Each temporary is flock'ed by its writer, as the store's are: one that
 * can be locked belongs to a writer that died (a create killed while it
 * wrote), and the next miss removes it; nothing else ever would.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "rootfs_dir.h"
#include "rootfs_newc.h"
#include "store.h"

#define CHUNK (256 * 1024)

/* The key starts with the archive's layout, so that an archive written
 * by an older husk (no ELF alignment) is never a hit. 0, or -1. */
static int key_init(struct digest_ctx *h)
{
	static const char layout[] = "husk newc v2";

	if (digest_init(h))
		return -1;
	digest_update(h, layout, sizeof(layout));
	return 0;
}

/* What the key covers of an entry (times are left out: rootfs_dir.h). */
static void hash_header(struct digest_ctx *h, const char *path,
			const struct stat *st, const char *link)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "%o %u %u %lld ",
			 (unsigned)st->st_mode, (unsigned)st->st_uid,
			 (unsigned)st->st_gid,
			 S_ISREG(st->st_mode) ? (long long)st->st_size : 0LL);

	digest_update(h, path, strlen(path) + 1);
	digest_update(h, line, (size_t)n);
	if (link)
		digest_update(h, link, strlen(link) + 1);
}

/*
 * Streams one file's data, from fd, to the hash and, when a is not NULL,
 * to the archive. Exactly st_size bytes: a file that changed size
 * meanwhile is an error rather than a corrupt archive.
 */
static int copy_fd(int fd, const struct rootfs_dir_entry *e,
		   struct digest_ctx *h, struct archive *a, char *buf)
{
	off_t left = e->st.st_size;
	ssize_t k;
	int rc = 0;

	while (!rc && left > 0) {
		k = read(fd, buf, left < CHUNK ? (size_t)left : CHUNK);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = k ? store_fail_errno("%s: cannot read", e->path) :
				store_fail(STORE_ERR, "%s: the file shrank while read",
					   e->path);
			break;
		}
		digest_update(h, buf, (size_t)k);
		if (a && archive_write_data(a, buf, (size_t)k) != k)
			rc = store_fail(STORE_ERR, "cpio: %s", archive_error_string(a));
		left -= k;
	}
	return rc;
}

static int copy_file(const struct rootfs_dir *d, const struct rootfs_dir_entry *e,
		     struct digest_ctx *h, char *buf)
{
	int fd = rootfs_dir_open(d, e->path), rc;

	if (fd < 0)
		return STORE_ERR;
	rc = copy_fd(fd, e, h, NULL, buf);
	close(fd);
	return rc;
}

int rootfs_dir_key(const struct rootfs_dir *d, struct digest *key)
{
	struct digest_ctx h;
	char *buf = malloc(CHUNK);
	size_t i;
	int rc = 0;

	if (!buf || key_init(&h)) {
		free(buf);
		return store_fail(STORE_ERR, "out of memory");
	}
	hash_header(&h, ".", &d->root_st, NULL);
	for (i = 0; !rc && i < d->n; i++) {
		hash_header(&h, d->v[i].path, &d->v[i].st, d->v[i].link);
		if (S_ISREG(d->v[i].st.st_mode))
			rc = copy_file(d, &d->v[i], &h, buf);
	}
	free(buf);
	if (rc) {
		digest_abandon(&h);
		return rc;
	}
	digest_final(&h, key);
	return 0;
}

static void fill_entry(struct archive_entry *ae, const char *path,
		       const struct stat *st, const char *link, int64_t ino)
{
	archive_entry_set_pathname(ae, path);
	archive_entry_set_mode(ae, st->st_mode);
	archive_entry_set_uid(ae, st->st_uid);
	archive_entry_set_gid(ae, st->st_gid);
	archive_entry_set_mtime(ae, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	archive_entry_set_ino64(ae, ino);
	archive_entry_set_dev(ae, 0);
	archive_entry_set_nlink(ae, S_ISDIR(st->st_mode) ? 2 : 1);
	archive_entry_set_size(ae, S_ISREG(st->st_mode) ? st->st_size : 0);
	if (link)
		archive_entry_set_symlink(ae, link);
}

static int write_one(struct newc_out *o, const struct rootfs_dir *d,
		     const char *path, const struct stat *st, const char *link,
		     int64_t ino, struct digest_ctx *h, char *buf)
{
	struct archive_entry *ae = archive_entry_new();
	struct rootfs_dir_entry e = { (char *)path, *st, (char *)link };
	int data = S_ISREG(st->st_mode) && st->st_size, fd = -1, rc = 0;
	char head[4] = { 0 };

	if (!ae)
		return store_fail(STORE_ERR, "out of memory");
	fill_entry(ae, path, st, link, ino);
	hash_header(h, path, st, link);
	/* Its first bytes say whether newc_put page-aligns it (an ELF file);
	 * read from the descriptor the data then streams from. */
	if (data && (fd = rootfs_dir_open(d, path)) < 0)
		rc = STORE_ERR;
	if (fd >= 0 && pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head))
		memset(head, 0, sizeof(head));
	if (!rc)
		rc = newc_put(o, ae, head, sizeof(head));
	if (!rc && data)
		rc = copy_fd(fd, &e, h, o->a, buf);
	if (fd >= 0)
		close(fd);
	archive_entry_free(ae);
	return rc;
}

int rootfs_dir_write(const struct rootfs_dir *d, int fd, struct digest *key)
{
	struct newc_out o = { .a = archive_write_new() };
	char *buf = malloc(CHUNK);
	struct digest_ctx h;
	size_t i;
	int rc;

	if (!o.a || !buf || key_init(&h)) {
		if (o.a)
			archive_write_free(o.a);
		free(buf);
		return store_fail(STORE_ERR, "out of memory");
	}
	rc = newc_open(&o, fd);
	/* The root first: the guest wants every parent before its children. */
	if (!rc)
		rc = write_one(&o, d, ".", &d->root_st, NULL, 1, &h, buf);
	for (i = 0; !rc && i < d->n; i++)
		rc = write_one(&o, d, d->v[i].path, &d->v[i].st, d->v[i].link,
			       (int64_t)i + 2, &h, buf);
	if (!rc)
		rc = newc_close(&o, fd);
	archive_write_free(o.a);
	free(buf);
	if (rc) {
		digest_abandon(&h);
		return rc;
	}
	digest_final(&h, key);
	return 0;
}

static int cache_name(const char *cache_dir, const struct digest *key,
		      char *path, size_t n)
{
	if ((size_t)snprintf(path, n, "%s/%s.cpio", cache_dir, digest_hex(key)) >= n)
		return store_fail(STORE_ERR, "%s: path too long", cache_dir);
	return 0;
}

/* Removes the temporaries whose writers are gone (their lock is free). */
static void sweep_dead_writers(const char *cache_dir)
{
	DIR *dir = opendir(cache_dir);
	struct dirent *e;
	int fd;

	while (dir && (e = readdir(dir))) {
		if (strncmp(e->d_name, ".tmp-", 5))
			continue;
		fd = openat(dirfd(dir), e->d_name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!flock(fd, LOCK_EX | LOCK_NB))
			unlinkat(dirfd(dir), e->d_name, 0);
		close(fd);
	}
	if (dir)
		closedir(dir);
}

/*
 * A new temporary, locked; -1 after store_fail. A sweep may lock and
 * remove it between mkostemp and our flock: then it has no name any
 * more, and we make another.
 */
static int new_temporary(const char *cache_dir, char *tmp, size_t n)
{
	struct stat st;
	int fd;

	for (;;) {
		snprintf(tmp, n, "%s/.tmp-XXXXXX", cache_dir);
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0) {
			store_fail_errno("cannot create a file in %s", cache_dir);
			return -1;
		}
		while (flock(fd, LOCK_EX) && errno == EINTR)
			;
		if (fstat(fd, &st)) {
			store_fail_errno("%s", tmp);
			close(fd);
			return -1;
		}
		if (st.st_nlink)
			return fd;
		close(fd);
	}
}

/* Writes a new archive into the cache, named by what was written. */
static int make_archive(const struct rootfs_dir *d, const char *cache_dir,
			char *path, size_t n)
{
	char tmp[4096];
	struct digest key;
	int fd, rc;

	sweep_dead_writers(cache_dir);
	fd = new_temporary(cache_dir, tmp, sizeof(tmp));
	if (fd < 0)
		return STORE_ERR;
	rc = rootfs_dir_write(d, fd, &key);
	if (!rc)
		rc = fchmod(fd, 0644) || fsync(fd) ?
			store_fail_errno("%s: cannot write", tmp) : 0;
	if (!rc)
		rc = cache_name(cache_dir, &key, path, n);
	if (!rc && rename(tmp, path))
		rc = store_fail_errno("cannot rename %s to %s", tmp, path);
	if (rc)
		unlink(tmp);
	close(fd);
	return rc;
}

int rootfs_dir_ensure(const char *root, const char *cache_dir, char *path,
		      size_t n)
{
	struct rootfs_dir d;
	struct digest key;
	int rc;

	if (mkdir(cache_dir, 0700) && errno != EEXIST)
		return store_fail_errno("cannot create %s", cache_dir);
	rc = rootfs_dir_walk(root, &d);
	if (!rc)
		rc = rootfs_dir_key(&d, &key);
	if (!rc)
		rc = cache_name(cache_dir, &key, path, n);
	if (!rc && access(path, R_OK))
		rc = make_archive(&d, cache_dir, path, n);
	rootfs_dir_free(&d);
	return rc;
}
