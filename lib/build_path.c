/*
 * Paths inside a stage's tree. A COPY destination or a WORKDIR may pass
 * through symbolic links of the image (/bin -> usr/bin, or absolute ones
 * such as /var/run -> /run); they must resolve as they would inside the
 * container, with "/" the tree's root, never leading to the host's files.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_int.h"

#define MAX_LINKS 40

/* Drops the last component of the resolved part (never above the root). */
static void pop(char *done, size_t root_len)
{
	char *slash = strrchr(done + root_len, '/');

	if (slash)
		*slash = '\0';
}

/* Replaces the rest with target + "/" + rest; an absolute target restarts
 * from the root. */
static int splice(char *done, size_t root_len, char *rest, size_t n,
		  const char *target, const char *after)
{
	char buf[BUILD_PATH];

	if (snprintf(buf, sizeof(buf), "%s/%s", target, after) >= (int)sizeof(buf))
		return -1;
	if (target[0] == '/')
		done[root_len] = '\0';
	snprintf(rest, n, "%s", buf);
	return 0;
}

int build_resolve(const char *root, const char *path, char *out, size_t n)
{
	char rest[BUILD_PATH], target[BUILD_PATH], *comp, *next;
	size_t root_len = strlen(root);
	int links = 0;
	struct stat st;
	ssize_t k;

	/* rest first: out may be the caller's path buffer. */
	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest) ||
	    root_len >= n)
		return store_fail(STORE_ERR, "%s: path too long", path);
	memmove(out, root, root_len + 1);
	for (comp = rest; comp; comp = next) {
		while (*comp == '/')
			comp++;
		next = strchr(comp, '/');
		if (next)
			*next++ = '\0';
		if (!*comp || !strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			pop(out, root_len);
			continue;
		}
		if (strlen(out) + strlen(comp) + 2 > n)
			return store_fail(STORE_ERR, "%s: path too long", path);
		strcat(out, "/");
		strcat(out, comp);
		if (lstat(out, &st) || !S_ISLNK(st.st_mode))
			continue; /* missing parts are made later, as directories */
		if (++links > MAX_LINKS)
			return store_fail(STORE_ERR, "%s: too many symbolic links", path);
		k = readlink(out, target, sizeof(target) - 1);
		if (k < 0)
			return store_fail_errno("%s", out);
		target[k] = '\0';
		pop(out, root_len);
		if (splice(out, root_len, rest, sizeof(rest), target, next ? next : ""))
			return store_fail(STORE_ERR, "%s: path too long", path);
		next = rest;
	}
	return 0;
}

int path_join(char *out, size_t n, const char *a, const char *b)
{
	int k = snprintf(out, n, "%s%s%s", a, *a && *b ? "/" : "", b);

	if (k < 0 || (size_t)k >= n)
		return store_fail(STORE_ERR, "%s/%s: path too long", a, b);
	return 0;
}
