/*
 * Garbage collection: untagged images, blobs no image uses (left by an
 * rmi or a load that was killed halfway), and dead writers' temporaries.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

static int image_uses(const struct image *img, const struct digest *d)
{
	struct digest layer;
	int64_t size;
	size_t i;

	if (digest_equal(&img->manifest, d) || digest_equal(&img->id, d))
		return 1;
	for (i = 0; i < image_layer_count(img); i++)
		if (!image_layer(img, i, &layer, &size, NULL) && digest_equal(&layer, d))
			return 1;
	return 0;
}

int blob_in_use(const struct image_list *l, const struct image *except,
		const struct digest *d)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (&l->v[i] != except && image_uses(&l->v[i], d))
			return 1;
	return 0;
}

static int collect_one(struct store *s, const struct image_list *l,
		       const char *name, store_report_fn report, void *arg,
		       int64_t *reclaimed)
{
	char path[4096];
	struct digest d;
	struct stat st;

	/* Not a blob name: not ours to judge, left alone. */
	if (digest_from_hex(name, &d) || blob_in_use(l, NULL, &d))
		return 0;
	blob_path(s, &d, path, sizeof(path));
	if (lstat(path, &st) || unlink(path))
		return store_fail_errno("cannot remove %s", path);
	*reclaimed += st.st_size;
	report(arg, "deleted blob", d.s);
	return 0;
}

int store_collect_blobs(struct store *s, const struct image_list *l,
			store_report_fn report, void *arg, int64_t *reclaimed)
{
	char dir[4096];
	struct dirent *e;
	DIR *d;
	int rc;

	if (s->lock_mode != STORE_EXCLUSIVE)
		return store_fail(STORE_ERR, "internal: collecting blobs needs the "
				  "exclusive lock");
	rc = store_path(s, dir, sizeof(dir), "blobs/sha256");
	if (rc)
		return rc;
	d = opendir(dir);
	if (!d)
		return store_fail_errno("cannot read %s", dir);
	while (!rc && (e = readdir(d)))
		rc = collect_one(s, l, e->d_name, report, arg, reclaimed);
	closedir(d);
	return rc;
}

/* Drops images without a name from index.json. */
static int drop_untagged(struct store *s, store_report_fn report, void *arg)
{
	struct store_index ix;
	struct image_list l;
	size_t i, dropped = 0;
	int rc;

	rc = index_read(s, &ix);
	if (!rc)
		rc = image_list_load(s, &ix, &l);
	if (rc) {
		index_free(&ix);
		return rc;
	}
	for (i = 0; i < l.n; i++) {
		if (l.v[i].nnames)
			continue;
		index_drop(&ix, &l.v[i].manifest);
		report(arg, "deleted image", l.v[i].id.s);
		dropped++;
	}
	rc = dropped ? index_write(s, &ix) : 0;
	image_list_free(&l);
	index_free(&ix);
	return rc;
}

int store_prune(struct store *s, store_report_fn report, void *arg,
		int64_t *reclaimed)
{
	struct image_list l;
	int rc;

	*reclaimed = 0;
	rc = store_lock(s, STORE_EXCLUSIVE);
	if (rc)
		return rc;
	rc = store_sweep_tmp(s, reclaimed);
	if (!rc)
		rc = drop_untagged(s, report, arg);
	if (!rc)
		rc = store_list(s, &l);
	if (!rc) {
		rc = store_collect_blobs(s, &l, report, arg, reclaimed);
		image_list_free(&l);
	}
	store_lock(s, STORE_UNLOCKED);
	return rc;
}
