/*
 * The build cache, as Docker's: a step's key is its parent state's key
 * and what the step is (the expanded instruction, plus what it reads:
 * the sources' digest for COPY and ADD, the environment for RUN), so a
 * change anywhere invalidates that step and every step after it.
 *
 *   cache/<key hex>     {"created": seconds, "layer": null or
 *                       {"digest", "diff_id", "size"}}
 *   cache/blobs/<hex>   the gzip'ed layers that builds made; they enter
 *                       blobs/ when an image that uses them is committed
 *
 *   cache/lock          flock(2): every build holds it shared from its
 *                       first look at the cache until it ends; a prune
 *                       takes it exclusive, and gives up rather than wait
 *
 * An entry is written (temporary, fsync, rename) after its layer, and a
 * lookup checks the layer is still there, so a build killed at any point
 * leaves at worst an entry that is not used. Nothing in the store refers
 * to the cache (a commit copies the layers into blobs/), so a prune may
 * take all of it: the next build just runs every step again.
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

#include "build_int.h"
#include "imgarchive.h"
#include "json_util.h"

int cache_chain(const struct digest *parent, const char *text, size_t n,
		struct digest *key)
{
	struct digest_ctx h;

	if (digest_init(&h))
		return store_fail(STORE_ERR, "cannot start a SHA-256 hash");
	digest_update(&h, parent->s, strlen(parent->s));
	digest_update(&h, "\n", 1);
	digest_update(&h, text, n);
	digest_final(&h, key);
	return 0;
}

static json_t *str_array(char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *kv_array(const struct df_kv *kv, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("[s, s?]", kv[i].key, kv[i].value));
	return a;
}

char *cache_inst_text(const struct df_inst *in)
{
	const struct df_flags *f = &in->fl;
	json_t *v = json_pack("{s:s, s:b, s:o, s:o, s:[s?, s?, s?, s?, s?, b, b, i], s:o}",
			      "kind", df_kind_name(in->kind), "json", in->json,
			      "args", str_array(in->args, in->nargs),
			      "kv", kv_array(in->kv, in->nkv),
			      "flags", f->from, f->chown, f->chmod, f->network,
			      f->security, f->link, f->parents, f->unpack,
			      "exclude", str_array(f->exclude, f->nexclude));
	char *text = v ? json_compact(v, NULL) : NULL;

	json_decref(v);
	return text;
}

/*
 * The shared lock a build holds on the cache, taken on its first use and
 * dropped when the process ends (a build is one process): a prune must
 * not take a layer a build has looked up or made and has yet to read.
 */
static int held_fd = -1;

static void hold_cache(const struct store *s)
{
	char path[BUILD_PATH];

	if (held_fd >= 0 || store_path(s, path, sizeof(path), "cache"))
		return;
	mkdir(path, 0755);
	if (store_path(s, path, sizeof(path), "cache/lock"))
		return;
	held_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	while (held_fd >= 0 && flock(held_fd, LOCK_SH) && errno == EINTR)
		;
}

static int cache_path(const struct build *b, const char *name, char *buf,
		      size_t n)
{
	hold_cache(b->s);
	return store_path(b->s, buf, n, "cache/%s", name);
}

int cache_blob_path(const struct build *b, const struct digest *d, char *buf,
		    size_t n)
{
	hold_cache(b->s);
	return store_path(b->s, buf, n, "cache/blobs/%s", digest_hex(d));
}

static int read_layer(const json_t *l, struct build_layer *out)
{
	const char *d = json_str(l, "digest"), *diff = json_str(l, "diff_id");
	json_t *size = json_object_get(l, "size");

	if (!d || !diff || !json_is_integer(size) || digest_parse(d, &out->digest) ||
	    digest_parse(diff, &out->diff_id))
		return -1;
	out->size = json_integer_value(size);
	out->media_type = MEDIA_OCI_LAYER_GZIP;
	out->built = true;
	return 0;
}

int cache_lookup(struct build *b, const struct digest *key,
		 struct cache_entry *e)
{
	char path[BUILD_PATH], blob[BUILD_PATH];
	json_t *v, *layer;
	int found = 0;

	if (cache_path(b, digest_hex(key), path, sizeof(path)))
		return 0;
	v = json_load_file(path, 0, NULL);
	if (!v)
		return 0;
	memset(e, 0, sizeof(*e));
	layer = json_object_get(v, "layer");
	if (json_is_integer(json_object_get(v, "created"))) {
		e->created = json_integer_value(json_object_get(v, "created"));
		found = 1;
	}
	if (found && json_is_object(layer)) {
		e->has_layer = true;
		found = !read_layer(layer, &e->layer) &&
			!cache_blob_path(b, &e->layer.digest, blob, sizeof(blob)) &&
			!access(blob, R_OK);
	}
	json_decref(v);
	return found;
}

static int make_dirs(const struct build *b)
{
	char path[BUILD_PATH];

	if (cache_path(b, "blobs", path, sizeof(path)))
		return STORE_ERR;
	if (mkdir(path, 0755) && errno == ENOENT) {
		char parent[BUILD_PATH];

		cache_path(b, "", parent, sizeof(parent));
		mkdir(parent, 0755);
		mkdir(path, 0755);
	}
	if (access(path, W_OK))
		return store_fail_errno("%s", path);
	return 0;
}

static json_t *entry_json(const struct cache_entry *e)
{
	const struct build_layer *l = &e->layer;

	if (!e->has_layer)
		return json_pack("{s:I, s:n}", "created", (json_int_t)e->created,
				 "layer");
	return json_pack("{s:I, s:{s:s, s:s, s:I}}", "created",
			 (json_int_t)e->created, "layer", "digest", l->digest.s,
			 "diff_id", l->diff_id.s, "size", (json_int_t)l->size);
}

int cache_store(struct build *b, const struct digest *key,
		const struct cache_entry *e)
{
	char path[BUILD_PATH], tmp[BUILD_PATH];
	json_t *v = entry_json(e);
	char *text = v ? json_compact(v, NULL) : NULL;
	int fd, rc = 0;

	json_decref(v);
	if (!text)
		return store_fail(STORE_ERR, "out of memory");
	rc = make_dirs(b);
	if (!rc)
		rc = cache_path(b, digest_hex(key), path, sizeof(path));
	if (!rc) {
		if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
			return store_fail(STORE_ERR, "%s: path too long", path);
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0)
			rc = store_fail_errno("%s", tmp);
		else {
			fchmod(fd, 0644);
			if (write_full(fd, text, strlen(text)) || fsync(fd))
				rc = store_fail_errno("%s", tmp);
			close(fd);
			if (!rc && rename(tmp, path))
				rc = store_fail_errno("%s", path);
			if (rc)
				unlink(tmp);
		}
	}
	free(text);
	return rc;
}

int cache_put_layer(struct build *b, const char *upper, struct build_layer *l)
{
	char dest[BUILD_PATH];
	struct blob_writer w;
	int rc = make_dirs(b);

	if (!rc)
		rc = blob_begin(b->s, &w);
	if (rc)
		return rc;
	rc = layer_create(upper, b->clamp, &w, &l->diff_id);
	if (!rc)
		rc = blob_finish(&w, NULL);
	if (!rc)
		rc = cache_blob_path(b, &w.digest, dest, sizeof(dest));
	if (!rc && link(w.tmp, dest) && errno != EEXIST)
		rc = store_fail_errno("%s", dest);
	if (!rc) {
		l->digest = w.digest;
		l->size = w.size;
		l->media_type = MEDIA_OCI_LAYER_GZIP;
		l->built = true;
	}
	blob_abort(&w);
	return rc;
}

int cache_layer_writer(struct build *b, const struct build_layer *l,
		       struct blob_writer *w)
{
	char path[BUILD_PATH], buf[64 * 1024];
	ssize_t k;
	int fd, rc;

	rc = cache_blob_path(b, &l->digest, path, sizeof(path));
	if (rc)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return store_fail_errno("%s", path);
	rc = blob_begin(b->s, w);
	while (!rc && (k = read(fd, buf, sizeof(buf))) != 0) {
		if (k < 0)
			rc = store_fail_errno("%s", path);
		else
			rc = blob_write(w, buf, (size_t)k);
	}
	close(fd);
	if (!rc)
		rc = blob_finish(w, &l->digest);
	return rc;
}

/* ---- pruning ---- */

static int is_key(const char *name)
{
	return strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64;
}

/* Removes dir/name; *bytes grows by what that frees (a file still linked
 * elsewhere frees nothing). */
static int remove_counted(int dir, const char *label, const char *name,
			  int64_t *bytes)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : store_fail_errno("%s/%s", label, name);
	if (!S_ISREG(st.st_mode))
		return 0; /* not ours: left alone */
	if (unlinkat(dir, name, 0))
		return errno == ENOENT ? 0 : store_fail_errno("cannot remove %s/%s",
							      label, name);
	if (st.st_nlink == 1)
		*bytes += st.st_size;
	return 0;
}

/* Every entry (reported by its key), temporaries of killed builds too. */
static int prune_entries(const char *path, store_report_fn report, void *arg,
			 int64_t *bytes)
{
	struct dirent *e;
	DIR *d = opendir(path);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : store_fail_errno("cannot read %s", path);
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, "lock") || e->d_name[0] == '.' ||
		    strspn(e->d_name, "0123456789abcdef") != 64)
			continue;
		rc = remove_counted(dirfd(d), path, e->d_name, bytes);
		if (!rc && is_key(e->d_name))
			report(arg, "deleted build cache", e->d_name);
	}
	closedir(d);
	return rc;
}

static int prune_layers(const char *path, int64_t *bytes)
{
	struct dirent *e;
	DIR *d = opendir(path);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : store_fail_errno("cannot read %s", path);
	while (!rc && (e = readdir(d)))
		if (is_key(e->d_name))
			rc = remove_counted(dirfd(d), path, e->d_name, bytes);
	closedir(d);
	return rc;
}

int build_cache_prune(struct store *s, store_report_fn report, void *arg,
		      int64_t *reclaimed)
{
	char dir[BUILD_PATH], path[BUILD_PATH];
	int fd, rc;

	rc = store_path(s, dir, sizeof(dir), "cache");
	if (!rc)
		rc = store_path(s, path, sizeof(path), "cache/lock");
	if (rc || access(dir, F_OK))
		return rc; /* no cache/: nothing was ever built */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return store_fail_errno("cannot open %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return errno == EWOULDBLOCK ? BUILD_CACHE_BUSY :
			store_fail_errno("cannot lock %s", path);
	}
	rc = prune_entries(dir, report, arg, reclaimed);
	if (!rc)
		rc = store_path(s, path, sizeof(path), "cache/blobs");
	if (!rc)
		rc = prune_layers(path, reclaimed);
	close(fd);
	return rc;
}
