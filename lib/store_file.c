/*
 * Durable files: everything the store writes goes to a temporary file in
 * tmp/ first, is fsync'ed, renamed into place, and the directory fsync'ed,
 * so that a crash or a kill leaves either the old file or the new one.
 *
 * Each temporary is flock'ed by the process writing it. The sweep (which
 * runs with the store locked exclusively, while nobody can be creating a
 * temporary) removes only those it can lock: their writers are gone.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

int store_path(const struct store *s, char *buf, size_t n, const char *fmt, ...)
{
	size_t len;
	va_list ap;
	int k;

	k = snprintf(buf, n, "%s/", s->root);
	if (k < 0 || (size_t)k >= n)
		return store_fail(STORE_ERR, "%s: path too long", s->root);
	len = (size_t)k;
	va_start(ap, fmt);
	k = vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= n - len)
		return store_fail(STORE_ERR, "%s: path too long", s->root);
	return 0;
}

int write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int fsync_fd_named(int fd, const char *path)
{
	if (fsync(fd) && errno != EINVAL)
		return store_fail_errno("%s: cannot sync to disk", path);
	return 0;
}

int fsync_dir_of(const char *path)
{
	char dir[4096];
	char *slash;
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return store_fail_errno("%s: cannot open directory", dir);
	rc = fsync_fd_named(fd, dir);
	close(fd);
	return rc;
}

/* Temporaries are created with at least the shared lock held (see top). */
static int with_creation_lock(struct store *s, enum store_lock_mode *saved)
{
	*saved = s->lock_mode;
	return s->lock_mode == STORE_UNLOCKED ? store_lock(s, STORE_SHARED) : 0;
}

static int lock_new_tmp(int fd, const char *path)
{
	if (flock(fd, LOCK_EX | LOCK_NB))
		return store_fail_errno("%s: cannot lock a new temporary file", path);
	return 0;
}

/* mkstemp makes 0600; what lands in the store is as readable as umask allows. */
static void readable(int fd)
{
	mode_t mask = umask(0);

	umask(mask);
	fchmod(fd, 0644 & ~mask);
}

int store_tmp_file(struct store *s, const char *prefix, char *path, size_t n,
		   int *fd)
{
	enum store_lock_mode saved;
	int rc;

	*fd = -1;
	rc = with_creation_lock(s, &saved);
	if (!rc)
		rc = store_path(s, path, n, "tmp/%s-XXXXXX", prefix);
	if (!rc) {
		*fd = mkostemp(path, O_CLOEXEC);
		if (*fd < 0)
			rc = store_fail_errno("cannot create a temporary file in %s/tmp",
					      s->root);
	}
	if (!rc)
		rc = lock_new_tmp(*fd, path);
	if (!rc)
		readable(*fd);
	if (rc && *fd >= 0) {
		unlink(path);
		close(*fd);
		*fd = -1;
	}
	if (saved == STORE_UNLOCKED) {
		int rc2 = store_lock(s, STORE_UNLOCKED);
		if (!rc)
			rc = rc2;
	}
	return rc;
}

int store_tmp_dir(struct store *s, const char *prefix, char *path, size_t n,
		  int *fd)
{
	enum store_lock_mode saved;
	int rc;

	*fd = -1;
	rc = with_creation_lock(s, &saved);
	if (!rc)
		rc = store_path(s, path, n, "tmp/%s-XXXXXX", prefix);
	if (!rc && !mkdtemp(path))
		rc = store_fail_errno("cannot create a directory in %s/tmp", s->root);
	if (!rc) {
		*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*fd < 0)
			rc = store_fail_errno("%s: cannot open", path);
		else
			rc = lock_new_tmp(*fd, path);
		if (rc)
			remove_tree(path);
	}
	if (rc && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	if (saved == STORE_UNLOCKED) {
		int rc2 = store_lock(s, STORE_UNLOCKED);
		if (!rc)
			rc = rc2;
	}
	return rc;
}

static int64_t tree_bytes;

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_F || type == FTW_SL || type == FTW_SLN)
		tree_bytes += st->st_size;
	if (remove(path) && errno != ENOENT)
		return -1;
	return 0;
}

static int remove_tree_counted(const char *path, int64_t *bytes)
{
	int rc;

	tree_bytes = 0;
	rc = nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if (bytes)
		*bytes += tree_bytes;
	if (rc && errno != ENOENT)
		return store_fail_errno("cannot remove %s", path);
	return 0;
}

int remove_tree(const char *path)
{
	return remove_tree_counted(path, NULL);
}

/* A temporary nobody holds: its writer died. */
static int sweep_one(const char *path, int64_t *bytes)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int rc = 0;

	if (fd < 0)
		return unlink(path) && errno != ENOENT ?
			store_fail_errno("cannot remove %s", path) : 0;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		rc = remove_tree_counted(path, bytes);
	close(fd);
	return rc;
}

int store_sweep_tmp(struct store *s, int64_t *bytes)
{
	char dir[4096], path[4096 + 256];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (s->lock_mode != STORE_EXCLUSIVE)
		return store_fail(STORE_ERR, "internal: sweeping tmp/ needs the "
				  "exclusive lock");
	rc = store_path(s, dir, sizeof(dir), "tmp");
	if (rc)
		return rc;
	d = opendir(dir);
	if (!d)
		return store_fail_errno("cannot read %s", dir);
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		rc = sweep_one(path, bytes);
	}
	closedir(d);
	return rc;
}

int store_write_file(struct store *s, const char *dest, const void *buf,
		     size_t n)
{
	char tmp[4096];
	int fd, rc;

	rc = store_tmp_file(s, "write", tmp, sizeof(tmp), &fd);
	if (rc)
		return rc;
	if (write_full(fd, buf, n))
		rc = store_fail_errno("%s: cannot write", tmp);
	if (!rc)
		rc = fsync_fd_named(fd, tmp);
	if (!rc && rename(tmp, dest))
		rc = store_fail_errno("cannot rename %s to %s", tmp, dest);
	if (!rc)
		rc = fsync_dir_of(dest);
	if (rc)
		unlink(tmp);
	close(fd);
	return rc;
}
