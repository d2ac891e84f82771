/*
 * Opening the store: where it is, and creating the layout on first use.
 * Creation is safe to race: every step tolerates another process having
 * done it first, and oci-layout and index.json appear atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

static const char oci_layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
static const char empty_index[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_OCI_INDEX "\",\"manifests\":[]}";

int store_default_root(char *buf, size_t n)
{
	const char *env = getenv("HUSK_HOME"), *home = getenv("HOME"),
		   *data = getenv("XDG_DATA_HOME");
	int k;

	if (env && *env)
		k = snprintf(buf, n, "%s", env);
	else if (data && *data)
		k = snprintf(buf, n, "%s/husk", data);
	else if (home && *home)
		k = snprintf(buf, n, "%s/.local/share/husk", home);
	else
		return store_fail(STORE_ERR, "neither HUSK_HOME nor HOME is set: "
				  "set HUSK_HOME to where husk keeps its images");
	if (k < 0 || (size_t)k >= n)
		return store_fail(STORE_ERR, "the store path is too long");
	return 0;
}

static int mkdir_p(const char *path)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return store_fail(STORE_ERR, "%s: path too long", path);
	/* Usually it is there: one call, not one per component. */
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return store_fail_errno("cannot create %s", buf);
		buf[i] = path[i];
	}
	return 0;
}

static int ensure_file(struct store *s, const char *name, const char *text)
{
	char path[4096];
	int rc;

	rc = store_path(s, path, sizeof(path), "%s", name);
	if (rc || access(path, F_OK) == 0)
		return rc;
	return store_write_file(s, path, text, strlen(text));
}

/* Directories first; the files need tmp/ and the lock to be written. */
static int create_layout(struct store *s)
{
	char path[4096];
	int rc;

	rc = store_path(s, path, sizeof(path), "blobs/sha256");
	if (!rc)
		rc = mkdir_p(path);
	if (!rc)
		rc = store_path(s, path, sizeof(path), "tmp");
	if (!rc)
		rc = mkdir_p(path);
	if (!rc)
		rc = store_path(s, path, sizeof(path), "lock");
	if (rc)
		return rc;
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lock_fd < 0)
		return store_fail_errno("cannot open %s", path);
	return 0;
}

int store_open(struct store *s, const char *root)
{
	char buf[4096];
	int rc;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	if (!root) {
		rc = store_default_root(buf, sizeof(buf));
		if (rc)
			return rc;
		root = buf;
	}
	s->root = strdup(root);
	if (!s->root)
		return store_fail(STORE_ERR, "out of memory");
	rc = mkdir_p(s->root);
	if (!rc)
		rc = create_layout(s);
	if (!rc)
		rc = store_lock(s, STORE_SHARED);
	if (!rc)
		rc = ensure_file(s, "oci-layout", oci_layout);
	if (!rc)
		rc = ensure_file(s, "index.json", empty_index);
	if (!rc)
		rc = store_lock(s, STORE_UNLOCKED);
	if (rc)
		store_close(s);
	return rc;
}

void store_close(struct store *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
	s->lock_mode = STORE_UNLOCKED;
	free(s->root);
	s->root = NULL;
}
