/*
 * Blobs: blobs/sha256/<hex>, named by the SHA-256 of their content. A
 * blob is written to tmp/ while it is hashed, checked against the digest
 * it is meant to have, made durable and only then renamed into place, so
 * a file under blobs/ always matches its name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

void blob_path(const struct store *s, const struct digest *d, char *buf,
	       size_t n)
{
	snprintf(buf, n, "%s/blobs/sha256/%s", s->root, digest_hex(d));
}

int blob_exists(const struct store *s, const struct digest *d)
{
	char path[4096];

	blob_path(s, d, path, sizeof(path));
	return access(path, F_OK) == 0;
}

int blob_begin(struct store *s, struct blob_writer *w)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->s = s;
	rc = store_tmp_file(s, "blob", w->tmp, sizeof(w->tmp), &w->fd);
	if (rc)
		return rc;
	if (digest_init(&w->hash)) {
		unlink(w->tmp);
		close(w->fd);
		w->fd = -1;
		return store_fail(STORE_ERR, "cannot start a SHA-256 hash");
	}
	return 0;
}

int blob_write(struct blob_writer *w, const void *p, size_t n)
{
	digest_update(&w->hash, p, n);
	w->size += (int64_t)n;
	if (write_full(w->fd, p, n))
		return store_fail_errno("%s: cannot write", w->tmp);
	return 0;
}

void blob_abort(struct blob_writer *w)
{
	if (w->fd < 0)
		return;
	digest_abandon(&w->hash);
	unlink(w->tmp);
	close(w->fd);
	w->fd = -1;
}

static int need_exclusive(const struct store *s)
{
	if (s->lock_mode != STORE_EXCLUSIVE)
		return store_fail(STORE_ERR, "internal: adding a blob needs the "
				  "exclusive lock");
	return 0;
}

int blob_adopt(struct store *s, const char *file, const struct digest *d)
{
	char path[4096];
	int rc = need_exclusive(s);

	if (rc)
		return rc;
	blob_path(s, d, path, sizeof(path));
	if (access(path, F_OK) == 0) {
		unlink(file);
		return 0;
	}
	if (rename(file, path))
		return store_fail_errno("cannot move %s to %s", file, path);
	return fsync_dir_of(path);
}

int blob_finish(struct blob_writer *w, const struct digest *want)
{
	int rc;

	digest_final(&w->hash, &w->digest);
	if (want && !digest_equal(want, &w->digest))
		rc = store_fail(STORE_ERR, "content does not match its digest: "
				"expected %s, got %s", want->s, w->digest.s);
	else
		rc = fsync_fd_named(w->fd, w->tmp);
	if (rc) {
		unlink(w->tmp);
		close(w->fd);
		w->fd = -1;
	}
	return rc;
}

int blob_adopt_writer(struct blob_writer *w)
{
	int rc = blob_adopt(w->s, w->tmp, &w->digest);

	if (rc)
		unlink(w->tmp);
	close(w->fd);
	w->fd = -1;
	return rc;
}

int blob_put(struct store *s, const void *buf, size_t n, struct digest *got)
{
	struct blob_writer w;
	int rc = need_exclusive(s);

	if (!rc)
		rc = blob_begin(s, &w);
	if (rc)
		return rc;
	rc = blob_write(&w, buf, n);
	if (rc) {
		blob_abort(&w);
		return rc;
	}
	rc = blob_finish(&w, NULL);
	if (!rc)
		rc = blob_adopt_writer(&w);
	if (!rc && got)
		*got = w.digest;
	return rc;
}

int blob_open(const struct store *s, const struct digest *d, int *fd,
	      int64_t *size)
{
	char path[4096];
	struct stat st;

	blob_path(s, d, path, sizeof(path));
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return store_fail_errno("blob %s", d->s);
	if (fstat(*fd, &st)) {
		close(*fd);
		return store_fail_errno("blob %s", d->s);
	}
	*size = st.st_size;
	return 0;
}

static int read_fd(int fd, char *buf, size_t n, const char *what)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return store_fail_errno("%s: cannot read", what);
		if (k == 0)
			return store_fail(STORE_ERR, "%s: shorter than expected", what);
		got += (size_t)k;
	}
	return 0;
}

/* Blobs read whole are JSON documents; anything this big is not one. */
#define BLOB_READ_MAX (64 << 20)

int blob_read(const struct store *s, const struct digest *d, char **buf,
	      size_t *n)
{
	struct digest got;
	int64_t size;
	int fd, rc;

	*buf = NULL;
	rc = blob_open(s, d, &fd, &size);
	if (rc)
		return rc;
	if (size > BLOB_READ_MAX) {
		close(fd);
		return store_fail(STORE_ERR, "blob %s: %lld bytes, too large for "
				  "a manifest or config", d->s, (long long)size);
	}
	*buf = malloc((size_t)size + 1);
	if (!*buf) {
		close(fd);
		return store_fail(STORE_ERR, "out of memory");
	}
	rc = read_fd(fd, *buf, (size_t)size, d->s);
	close(fd);
	if (!rc && digest_buf(*buf, (size_t)size, &got))
		rc = store_fail(STORE_ERR, "cannot hash blob %s", d->s);
	if (!rc && !digest_equal(&got, d))
		rc = store_fail(STORE_ERR, "blob %s is corrupt (its content hashes "
				"to %s): remove it and load the image again",
				d->s, got.s);
	if (rc) {
		free(*buf);
		*buf = NULL;
		return rc;
	}
	(*buf)[size] = '\0';
	*n = (size_t)size;
	return 0;
}
