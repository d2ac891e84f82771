/*
 * The build context as COPY and ADD see it: source patterns matched one
 * path component at a time the way Go's filepath.Match does (so "*"
 * matches dot files too), with .dockerignore's exclusions taken out, and
 * the digest of what a source holds, which is what decides whether a
 * cached COPY still stands (names, modes, link targets, contents; not
 * times or owners, which COPY does not keep).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_int.h"

struct path_list {
	char **v;
	size_t n, cap;
};

static int list_add(struct path_list *l, const char *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return store_fail(STORE_ERR, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(p);
	return l->v[l->n++] ? 0 : store_fail(STORE_ERR, "out of memory");
}

void context_free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

bool context_ignored(const struct dockerignore *ignore, const char *rel)
{
	return ignore && *rel && dockerignore_excluded(ignore, rel);
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

static void join(char *out, size_t n, const char *a, const char *b)
{
	snprintf(out, n, "%s%s%s", a, *a && *b ? "/" : "", b);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of root/dir that match one pattern component. */
static int match_component(const char *root, const char *dir, const char *comp,
			   const struct dockerignore *ignore, struct path_list *out)
{
	char path[BUILD_PATH], rel[BUILD_PATH];
	struct dirent *d;
	struct stat st;
	DIR *dh;
	int rc = 0;

	if (!has_glob(comp)) {
		if (path_join(rel, sizeof(rel), dir, comp) ||
		    path_join(path, sizeof(path), root, rel))
			return STORE_ERR;
		if (lstat(path, &st) || context_ignored(ignore, rel))
			return 0;
		return list_add(out, rel);
	}
	snprintf(path, sizeof(path), "%s/%s", root, dir);
	dh = opendir(path);
	if (!dh)
		return 0;
	while (!rc && (d = readdir(dh))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
		    fnmatch(comp, d->d_name, 0))
			continue;
		join(rel, sizeof(rel), dir, d->d_name);
		if (!context_ignored(ignore, rel))
			rc = list_add(out, rel);
	}
	closedir(dh);
	return rc;
}

/*
 * Splits a pattern into components, cleaned as Go's filepath.Clean
 * cleans a path ("." dropped, ".." taking the previous one away); -1
 * when ".." would leave the context.
 */
static int split(char *pat, char **comp, size_t max, size_t *n)
{
	*n = 0;
	for (char *tok = strtok(pat, "/"); tok; tok = strtok(NULL, "/")) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			if (!*n)
				return -1;
			--*n;
			continue;
		}
		if (*n == max)
			return -1;
		comp[(*n)++] = tok;
	}
	return 0;
}

int context_match(const char *root, const char *pattern,
		  const struct dockerignore *ignore, char ***out, size_t *n)
{
	struct path_list cur = { 0 }, next;
	char *pat = strdup(pattern), *comp[256];
	size_t ncomp, i, j;
	int rc;

	if (!pat)
		return store_fail(STORE_ERR, "out of memory");
	rc = split(pat, comp, 256, &ncomp) ?
		store_fail(STORE_ERR, "%s: a path outside the build context",
			   pattern) : list_add(&cur, "");
	for (i = 0; !rc && i < ncomp; i++) {
		memset(&next, 0, sizeof(next));
		for (j = 0; !rc && j < cur.n; j++)
			rc = match_component(root, cur.v[j], comp[i], ignore, &next);
		context_free_list(cur.v, cur.n);
		cur = next;
	}
	free(pat);
	if (rc) {
		context_free_list(cur.v, cur.n);
		return rc;
	}
	if (cur.n)
		qsort(cur.v, cur.n, sizeof(char *), by_name);
	*out = cur.v;
	*n = cur.n;
	return 0;
}

static int hash_file(const char *path, struct digest_ctx *h)
{
	char buf[64 * 1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t k;

	if (fd < 0)
		return store_fail_errno("%s", path);
	while ((k = read(fd, buf, sizeof(buf))) > 0)
		digest_update(h, buf, (size_t)k);
	close(fd);
	return k < 0 ? store_fail_errno("%s", path) : 0;
}

static int hash_dir(const char *root, const char *rel,
		    const struct dockerignore *ignore, struct digest_ctx *h)
{
	char path[BUILD_PATH], child[BUILD_PATH];
	struct dirent **list;
	int n, i, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	n = scandir(path, &list, NULL, alphasort);
	if (n < 0)
		return store_fail_errno("%s", path);
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		join(child, sizeof(child), rel, name);
		if (!rc && strcmp(name, ".") && strcmp(name, "..") &&
		    !context_ignored(ignore, child))
			rc = context_hash(root, child, ignore, h);
		free(list[i]);
	}
	free(list);
	return rc;
}

int context_hash(const char *root, const char *rel,
		 const struct dockerignore *ignore, struct digest_ctx *h)
{
	char path[BUILD_PATH], head[BUILD_PATH + 64], target[BUILD_PATH];
	struct stat st;
	ssize_t k;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (lstat(path, &st))
		return store_fail_errno("%s", path);
	k = snprintf(head, sizeof(head), "%s%c%o%c%lld%c", rel, 0,
		     (unsigned)st.st_mode, 0, (long long)st.st_size, 0);
	digest_update(h, head, (size_t)k);
	if (S_ISLNK(st.st_mode)) {
		k = readlink(path, target, sizeof(target));
		if (k < 0)
			return store_fail_errno("%s", path);
		digest_update(h, target, (size_t)k);
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return hash_file(path, h);
	if (S_ISDIR(st.st_mode))
		return hash_dir(root, rel, ignore, h);
	return 0;
}
