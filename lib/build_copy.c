/*
 * COPY and ADD: sources from the build context (minus .dockerignore), a
 * stage or an image, matched as globs; a directory source copies its
 * content; the destination is a directory when it ends in "/" or when
 * several files arrive, and a relative one is under WORKDIR. Files keep
 * their modes and times (the layer clamps the times) and belong to
 * root, or to --chown's user and group; --chmod sets the modes. ADD
 * unpacks a local tar archive (plain, gzip, bzip2, xz) into the
 * destination; an URL is refused, since the build has no network.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "build_int.h"

struct copy {
	struct build *b;
	const struct df_inst *in;
	const char *src_root;
	const struct dockerignore *ignore;
	const char *dst_root;	/* the step's overlay */
	bool chown;
	uint32_t uid, gid;
	bool chmod;
	unsigned mode;
};

static bool is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) ||
	       !strncmp(s, "git@", 4) || !strncmp(s, "git://", 6);
}

static int unsupported_flags(const struct build *b, const struct df_inst *in)
{
	if (in->fl.nexclude)
		return build_fail_at(STORE_ERR, b, in, "--exclude is not supported yet");
	if (in->fl.parents)
		return build_fail_at(STORE_ERR, b, in, "--parents is not supported yet");
	if (in->fl.checksum)
		return build_fail_at(STORE_ERR, b, in, "--checksum needs an URL, and "
				     "the build has no network for ADD URLs");
	return 0;
}

/* The matches of one source; none is the error Docker gives. */
static int match_source(struct build *b, const struct df_inst *in,
			const char *root, const struct dockerignore *ignore,
			const char *pattern, char ***list, size_t *n)
{
	int rc;

	if (in->kind == DF_ADD && is_url(pattern))
		return build_fail_at(STORE_ERR, b, in, "%s: the build has no network "
				     "for ADD URLs; download the file into the "
				     "context and ADD it from there", pattern);
	rc = context_match(root, pattern, ignore, list, n);
	if (rc)
		return build_fail_at(STORE_ERR, b, in, "%s", store_error());
	if (!*n) {
		free(*list);
		return build_fail_at(STORE_ERR, b, in, "\"%s\": not found%s", pattern,
				     ignore ? " in the build context (or excluded "
					      "by .dockerignore)" : "");
	}
	return 0;
}

int copy_sources_digest(struct build *b, const struct df_inst *in,
			const char *root, const struct dockerignore *ignore,
			struct digest *d)
{
	struct digest_ctx h;
	char **list;
	size_t n, i, j;
	int rc = unsupported_flags(b, in);

	if (rc)
		return rc;
	if (digest_init(&h))
		return store_fail(STORE_ERR, "cannot start a SHA-256 hash");
	for (i = 0; !rc && i + 1 < in->nargs; i++) {
		rc = match_source(b, in, root, ignore, in->args[i], &list, &n);
		for (j = 0; !rc && j < n; j++)
			rc = context_hash(root, list[j], ignore, &h);
		if (!rc)
			context_free_list(list, n);
	}
	if (rc) {
		digest_abandon(&h);
		return rc;
	}
	digest_final(&h, d);
	return 0;
}

/* ---- writing into the overlay ---- */

static int set_owner_mode(const struct copy *c, const char *dst,
			  const struct stat *st)
{
	uid_t uid = c->chown ? c->uid : 0;
	gid_t gid = c->chown ? c->gid : 0;
	struct timespec t[2] = { st->st_mtim, st->st_mtim };

	if (lchown(dst, uid, gid))
		return store_fail_errno("%s", dst);
	if (!S_ISLNK(st->st_mode) &&
	    chmod(dst, c->chmod ? c->mode : st->st_mode & 07777))
		return store_fail_errno("%s", dst);
	if (utimensat(AT_FDCWD, dst, t, AT_SYMLINK_NOFOLLOW))
		return store_fail_errno("%s", dst);
	return 0;
}

/* Creates the missing directories of path (under dst_root) as Docker
 * does: mode 0755, owned by --chown's user. */
static int make_parents(const struct copy *c, const char *path, bool self)
{
	char buf[BUILD_PATH];
	size_t root_len = strlen(c->dst_root);
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	if (!self) {
		p = strrchr(buf, '/');
		if (!p || (size_t)(p - buf) <= root_len)
			return 0;
		*p = '\0';
	}
	for (p = buf + root_len + 1; ; p++) {
		bool end = !*p;

		if (*p && *p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (c->chown && lchown(buf, c->uid, c->gid))
				return store_fail_errno("%s", buf);
		} else if (errno != EEXIST) {
			return store_fail_errno("%s", buf);
		}
		if (end)
			return 0;
		*p = '/';
	}
}

static int copy_data(const char *src, const char *dst)
{
	char buf[64 * 1024];
	int in, out, rc = 0;
	ssize_t k;

	in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return store_fail_errno("%s", src);
	unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) {
		close(in);
		return store_fail_errno("%s", dst);
	}
	while (!rc && (k = read(in, buf, sizeof(buf))) != 0)
		if (k < 0 || write_full(out, buf, (size_t)k))
			rc = store_fail_errno("%s", k < 0 ? src : dst);
	close(in);
	if (close(out) && !rc)
		rc = store_fail_errno("%s", dst);
	return rc;
}

static int copy_tree(const struct copy *c, const char *rel, const char *dst);

static int copy_children(const struct copy *c, const char *rel, const char *dst)
{
	char path[BUILD_PATH], child_rel[BUILD_PATH], child_dst[BUILD_PATH];
	struct dirent **list;
	int n, i, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", c->src_root, rel);
	n = scandir(path, &list, NULL, alphasort);
	if (n < 0)
		return store_fail_errno("%s", path);
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		snprintf(child_rel, sizeof(child_rel), "%s%s%s", rel, *rel ? "/" : "",
			 name);
		snprintf(child_dst, sizeof(child_dst), "%s/%s", dst, name);
		if (!rc && strcmp(name, ".") && strcmp(name, "..") &&
		    !context_ignored(c->ignore, child_rel))
			rc = copy_tree(c, child_rel, child_dst);
		free(list[i]);
	}
	free(list);
	return rc;
}

/* One source path (rel under src_root) to dst, recursively. */
static int copy_tree(const struct copy *c, const char *rel, const char *dst)
{
	char src[BUILD_PATH], target[BUILD_PATH];
	struct stat st, old;
	ssize_t k;
	int rc;

	snprintf(src, sizeof(src), "%s/%s", c->src_root, rel);
	if (lstat(src, &st))
		return store_fail_errno("%s", src);
	if (S_ISDIR(st.st_mode)) {
		char real[BUILD_PATH];

		/* A link already there leads where it leads in the container. */
		rc = build_resolve(c->dst_root, dst + strlen(c->dst_root), real,
				   sizeof(real));
		if (rc)
			return rc;
		if (lstat(real, &old) == 0 && !S_ISDIR(old.st_mode))
			unlink(real);
		if (mkdir(real, 0755) && errno != EEXIST)
			return store_fail_errno("%s", real);
		rc = copy_children(c, rel, real);
		return rc ? rc : set_owner_mode(c, real, &st);
	}
	if (lstat(dst, &old) == 0 && S_ISDIR(old.st_mode))
		return store_fail(STORE_ERR, "cannot replace the directory %s with "
				  "a file", dst + strlen(c->dst_root));
	if (S_ISLNK(st.st_mode)) {
		k = readlink(src, target, sizeof(target) - 1);
		if (k < 0)
			return store_fail_errno("%s", src);
		target[k] = '\0';
		unlink(dst);
		if (symlink(target, dst))
			return store_fail_errno("%s", dst);
	} else if (S_ISREG(st.st_mode)) {
		rc = copy_data(src, dst);
		if (rc)
			return rc;
	} else {
		return 0; /* devices, FIFOs and sockets stay out, as in Docker */
	}
	return set_owner_mode(c, dst, &st);
}

/* ---- ADD of a local archive ---- */

static struct archive *open_archive(const char *path)
{
	struct archive_entry *e;
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	archive_read_close(a);
	archive_read_free(a);
	a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_format_tar(a);
	archive_read_open_filename(a, path, 64 * 1024);
	return a;
}

static int extract(const struct copy *c, struct archive *a, const char *src,
		   const char *dst)
{
	struct archive *out = archive_write_disk_new();
	struct archive_entry *e;
	char path[BUILD_PATH];
	int r, rc = 0;

	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_PERM |
				       ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_TIME |
				       ARCHIVE_EXTRACT_UNLINK |
				       ARCHIVE_EXTRACT_SECURE_NODOTDOT |
				       ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	while (!rc && (r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			rc = store_fail(STORE_ERR, "%s: %s", src, archive_error_string(a));
			break;
		}
		if (strstr(archive_entry_pathname(e), "..")) {
			const char *p = archive_entry_pathname(e);
			if (!strcmp(p, "..") || !strncmp(p, "../", 3) || strstr(p, "/../"))
				rc = store_fail(STORE_ERR, "%s: entry \"%s\" climbs out",
						src, p);
		}
		if (!rc)
			rc = path_join(path, sizeof(path), dst, archive_entry_pathname(e));
		if (!rc)
			archive_entry_copy_pathname(e, path);
		if (!rc && archive_entry_hardlink(e)) {
			rc = path_join(path, sizeof(path), dst, archive_entry_hardlink(e));
			if (!rc)
				archive_entry_copy_hardlink(e, path);
		}
		if (!rc && c->chown) {
			archive_entry_set_uid(e, c->uid);
			archive_entry_set_gid(e, c->gid);
		}
		if (!rc && archive_read_extract2(a, e, out) < ARCHIVE_WARN)
			rc = store_fail(STORE_ERR, "%s: %s", src, archive_error_string(out));
	}
	archive_write_free(out);
	return rc;
}

/* ---- the instruction ---- */

/* The destination as a path in the container: relative ones are under
 * WORKDIR. *is_dir when it says it is a directory ("dir/", "."). */
static void dest_path(const struct copy *c, struct stage_state *ss,
		      char *out, size_t n, bool *is_dir)
{
	const char *d = c->in->args[c->in->nargs - 1];
	const char *wd = json_string_value(json_object_get(stage_config(ss),
							   "WorkingDir"));
	size_t len = strlen(d);

	*is_dir = len && (d[len - 1] == '/' || !strcmp(d, ".") ||
			  (len > 1 && !strcmp(d + len - 2, "/.")));
	if (d[0] == '/')
		snprintf(out, n, "%s", d);
	else
		snprintf(out, n, "%s/%s", wd && *wd ? wd : "", d);
}

/* Where a file named base lands: in dest, or at dest itself (dest is
 * absolute in the container). */
static int file_target(const struct copy *c, const char *dest, bool dest_dir,
		       const char *base, char *out, size_t n)
{
	char parent[BUILD_PATH], resolved[BUILD_PATH];
	const char *name = base;
	int rc;

	snprintf(parent, sizeof(parent), "%s", dest);
	if (!dest_dir) {
		char *slash = strrchr(parent, '/');

		name = dest + (slash - parent) + 1;
		*slash = '\0';
	}
	rc = build_resolve(c->dst_root, parent, resolved, sizeof(resolved));
	if (!rc && snprintf(out, n, "%s/%s", resolved, name) >= (int)n)
		rc = store_fail(STORE_ERR, "%s: path too long", dest);
	return rc;
}

static int copy_one(const struct copy *c, const char *rel, const char *dest,
		    bool dest_dir)
{
	char src[BUILD_PATH], dst[BUILD_PATH];
	const char *base = strrchr(rel, '/');
	struct archive *a = NULL;
	struct stat st;
	int rc;

	snprintf(src, sizeof(src), "%s/%s", c->src_root, rel);
	if (lstat(src, &st))
		return store_fail_errno("%s", src);
	if (S_ISDIR(st.st_mode) ||
	    (c->in->kind == DF_ADD && S_ISREG(st.st_mode) && (a = open_archive(src)))) {
		rc = build_resolve(c->dst_root, dest, dst, sizeof(dst));
		if (!rc)
			rc = make_parents(c, dst, true);
		if (!rc)
			rc = a ? extract(c, a, rel, dst) : copy_children(c, rel, dst);
		if (a)
			archive_read_free(a);
		return rc;
	}
	rc = file_target(c, dest, dest_dir, base ? base + 1 : rel, dst, sizeof(dst));
	if (!rc)
		rc = make_parents(c, dst, false);
	return rc ? rc : copy_tree(c, rel, dst);
}

static int copy_sources(struct copy *c, struct stage_state *ss)
{
	char dest[BUILD_PATH], resolved[BUILD_PATH], **list;
	size_t n, i, j, total = 0;
	bool dest_dir;
	struct stat st;
	int rc = 0;

	dest_path(c, ss, dest, sizeof(dest), &dest_dir);
	for (i = 0; i + 1 < c->in->nargs; i++) {
		rc = match_source(c->b, c->in, c->src_root, c->ignore,
				  c->in->args[i], &list, &n);
		if (rc)
			return rc;
		total += n;
		context_free_list(list, n);
	}
	rc = build_resolve(c->dst_root, dest, resolved, sizeof(resolved));
	if (!rc && (total > 1 || (!stat(resolved, &st) && S_ISDIR(st.st_mode))))
		dest_dir = true;
	for (i = 0; !rc && i + 1 < c->in->nargs; i++) {
		rc = match_source(c->b, c->in, c->src_root, c->ignore,
				  c->in->args[i], &list, &n);
		for (j = 0; !rc && j < n; j++)
			rc = copy_one(c, list[j], dest, dest_dir);
		if (!rc)
			context_free_list(list, n);
	}
	return rc;
}

static int copy_flags(struct copy *c, struct stage_state *ss)
{
	char err[256];

	if (c->in->fl.chmod && users_parse_mode(c->in->fl.chmod, &c->mode))
		return build_fail_at(STORE_ERR, c->b, c->in, "invalid --chmod=%s: "
				     "an octal mode is expected", c->in->fl.chmod);
	c->chmod = c->in->fl.chmod != NULL;
	c->chown = c->in->fl.chown && *c->in->fl.chown;
	if (c->chown && users_resolve(ss->root, c->in->fl.chown, true, &c->uid,
				      &c->gid, err, sizeof(err)))
		return build_fail_at(STORE_ERR, c->b, c->in, "--chown=%s: %s",
				     c->in->fl.chown, err);
	return 0;
}

int copy_step(struct build *b, struct stage_state *ss, const struct df_inst *in,
	      const char *src_root, const struct dockerignore *ignore,
	      const struct digest *key)
{
	struct cache_entry e = { .created = build_now(b) };
	struct copy c = { .b = b, .in = in, .src_root = src_root,
			  .ignore = ignore };
	struct fs_step fs;
	int rc = fs_step_begin(b, ss, &fs);

	c.dst_root = fs.merged;
	if (!rc)
		rc = copy_flags(&c, ss);
	if (!rc)
		rc = copy_sources(&c, ss);
	if (rc) {
		fs_step_abort(&fs);
		return rc;
	}
	rc = fs_step_end(b, ss, &fs, &e);
	if (!rc)
		rc = stage_history(ss, in->text, e.created, !e.has_layer);
	return rc ? rc : cache_store(b, key, &e);
}
