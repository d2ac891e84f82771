/*
 * Files of container records: replaced whole by rename(2), so that the
 * many husk processes that read them without a lock never see half of
 * one. Only config.json is synced: state.json describes processes, which
 * a host crash ends anyway, and syncing it would cost every run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"

int container_write_file(const char *dir, const char *name, const void *buf,
			 size_t n, int sync)
{
	char tmp[4096 + 64], dest[4096 + 64];
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	snprintf(dest, sizeof(dest), "%s/%s", dir, name);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return store_fail_errno("cannot create a file in %s", dir);
	fchmod(fd, 0644);
	if (write_full(fd, buf, n))
		rc = store_fail_errno("%s: cannot write", tmp);
	if (!rc && sync)
		rc = fsync_fd_named(fd, tmp);
	close(fd);
	if (!rc && rename(tmp, dest))
		rc = store_fail_errno("cannot rename %s to %s", tmp, dest);
	if (!rc && sync)
		rc = fsync_dir_of(dest);
	if (rc)
		unlink(tmp);
	return rc;
}

int container_put_file(const char *dir, const char *name, const void *buf,
		       size_t n, int sync)
{
	char path[4096 + 64];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return store_fail_errno("cannot create %s", path);
	if (write_full(fd, buf, n))
		rc = store_fail_errno("%s: cannot write", path);
	if (!rc && sync)
		rc = fsync_fd_named(fd, path);
	close(fd);
	if (!rc && sync)
		rc = fsync_dir_of(path);
	return rc;
}

int container_exitcode_open(const struct container *c, int flags)
{
	char path[sizeof(c->dir) + 16];

	snprintf(path, sizeof(path), "%s/exitcode", c->dir);
	return open(path, flags);
}

/* In place, not by rename: a waiter holds the file open. */
int container_exitcode_write(const struct container *c, int status)
{
	char text[16];
	int fd = container_exitcode_open(c, O_WRONLY | O_TRUNC | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return store_fail_errno("cannot open %s/exitcode", c->dir);
	snprintf(text, sizeof(text), "%d\n", status);
	if (write_full(fd, text, strlen(text)))
		rc = store_fail_errno("%s/exitcode: cannot write", c->dir);
	close(fd);
	return rc;
}

int container_exitcode_read(int fd, int *status)
{
	char text[16], *end;
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	long v;

	if (n <= 0)
		return -1;
	text[n] = '\0';
	v = strtol(text, &end, 10);
	if (end == text || *end != '\n' || v < 0 || v > 255)
		return -1;
	*status = (int)v;
	return 0;
}

/*
 * A second flock(2) on a new descriptor would wait for ourselves, so a
 * process that holds the lock reuses it (reading records under the lock
 * may record a death, which takes the lock again).
 */
static int held_fd = -1;
static unsigned held_depth;

int container_lock(const struct store *s, int exclusive)
{
	char path[4096];
	int fd;

	if (held_fd >= 0) {
		held_depth++;
		return held_fd;
	}
	if (container_root(s, path, sizeof(path)))
		return -1;
	if (snprintf(path + strlen(path), sizeof(path) - strlen(path), "/lock") < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		store_fail_errno("cannot open %s", path);
		return -1;
	}
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH)) {
		if (errno != EINTR) {
			store_fail_errno("cannot lock %s", path);
			close(fd);
			return -1;
		}
	}
	held_fd = fd;
	held_depth = 1;
	return fd;
}

void container_unlock(int fd)
{
	if (fd < 0 || fd != held_fd || --held_depth)
		return;
	held_fd = -1;
	close(fd);
}
