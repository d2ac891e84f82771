/*
 * Walking a container's root directory without ever following a
 * symbolic link: each directory is opened with openat(O_NOFOLLOW) from
 * its parent's descriptor, so a link planted in the tree (or swapped in
 * while we read it) can point anywhere without taking us there.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfs_dir.h"
#include "store.h"

#define MAX_DEPTH 256

static int add(struct rootfs_dir *d, const char *path, const struct stat *st,
	       char *link)
{
	struct rootfs_dir_entry *e;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		e = realloc(d->v, cap * sizeof(*e));
		if (!e)
			return store_fail(STORE_ERR, "out of memory");
		d->v = e;
		d->cap = cap;
	}
	e = &d->v[d->n];
	e->path = strdup(path);
	e->st = *st;
	e->link = link;
	if (!e->path)
		return store_fail(STORE_ERR, "out of memory");
	d->n++;
	return 0;
}

static int read_link(int dir, const char *name, const char *path, off_t size,
		     char **out)
{
	size_t cap = size > 0 ? (size_t)size + 1 : 4096;
	char *buf = malloc(cap);
	ssize_t k;

	if (!buf)
		return store_fail(STORE_ERR, "out of memory");
	k = readlinkat(dir, name, buf, cap);
	if (k < 0 || (size_t)k >= cap) {
		free(buf);
		return k < 0 ? store_fail_errno("%s: cannot read the link", path) :
			store_fail(STORE_ERR, "%s: the link changed while read", path);
	}
	buf[k] = '\0';
	*out = buf;
	return 0;
}

static int walk_dir(struct rootfs_dir *d, int fd, const char *prefix, int depth);

static int walk_entry(struct rootfs_dir *d, int dir, const char *prefix,
		      const char *name, int depth)
{
	char path[4096], *link = NULL;
	struct stat st;
	int sub, rc;

	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", prefix,
			     prefix[0] ? "/" : "", name) >= sizeof(path))
		return store_fail(STORE_ERR, "%s/%s: path too long", prefix, name);
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW))
		return store_fail_errno("%s", path);
	if (S_ISLNK(st.st_mode) && (rc = read_link(dir, name, path, st.st_size, &link)))
		return rc;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
		return 0;
	rc = add(d, path, &st, link);
	if (rc || !S_ISDIR(st.st_mode))
		return rc;
	sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return store_fail_errno("%s", path);
	return walk_dir(d, sub, path, depth + 1);
}

/* Walks the directory open on fd (and closes it). */
static int walk_dir(struct rootfs_dir *d, int fd, const char *prefix, int depth)
{
	struct dirent *e;
	DIR *dir;
	int rc = 0;

	if (depth > MAX_DEPTH) {
		close(fd);
		return store_fail(STORE_ERR, "%s: more than %d levels deep", prefix,
				  MAX_DEPTH);
	}
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return store_fail_errno("%s", prefix[0] ? prefix : ".");
	}
	while (!rc && (errno = 0, e = readdir(dir))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = walk_entry(d, dirfd(dir), prefix, e->d_name, depth);
	}
	if (!rc && errno)
		rc = store_fail_errno("%s: cannot read the directory",
				      prefix[0] ? prefix : ".");
	closedir(dir);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct rootfs_dir_entry *)a)->path,
		      ((const struct rootfs_dir_entry *)b)->path);
}

int rootfs_dir_walk(const char *root, struct rootfs_dir *d)
{
	int fd, rc;

	memset(d, 0, sizeof(*d));
	d->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->root_fd < 0 || fstat(d->root_fd, &d->root_st))
		return store_fail_errno("%s", root);
	fd = dup(d->root_fd);
	if (fd < 0)
		return store_fail_errno("%s", root);
	rc = walk_dir(d, fd, "", 0);
	if (rc)
		return store_fail_context("%s", root);
	qsort(d->v, d->n, sizeof(*d->v), by_path);
	return 0;
}

void rootfs_dir_free(struct rootfs_dir *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].link);
	}
	free(d->v);
	if (d->root_fd >= 0)
		close(d->root_fd);
	memset(d, 0, sizeof(*d));
	d->root_fd = -1;
}

int rootfs_dir_open(const struct rootfs_dir *d, const char *path)
{
	char copy[4096], *save = NULL, *part, *next;
	int fd = dup(d->root_fd), sub;

	snprintf(copy, sizeof(copy), "%s", path);
	for (part = strtok_r(copy, "/", &save); fd >= 0 && part; part = next) {
		next = strtok_r(NULL, "/", &save);
		sub = openat(fd, part, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
			     (next ? O_DIRECTORY : 0));
		close(fd);
		fd = sub;
	}
	if (fd < 0)
		store_fail_errno("%s", path);
	return fd;
}
