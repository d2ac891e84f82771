/*
 * Changing names: tag, and rmi with Docker's rules for when a name is
 * only untagged and when the image itself goes.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

/* The exclusive lock, index.json and every image: what each edit starts from. */
struct edit {
	struct store_index ix;
	struct image_list l;
};

static int edit_begin(struct store *s, struct edit *e)
{
	int rc;

	memset(e, 0, sizeof(*e));
	rc = store_lock(s, STORE_EXCLUSIVE);
	if (!rc)
		rc = store_sweep_tmp(s, NULL);
	if (!rc)
		rc = index_read(s, &e->ix);
	if (!rc) {
		rc = image_list_load(s, &e->ix, &e->l);
		if (rc)
			index_free(&e->ix);
	}
	if (rc)
		store_lock(s, STORE_UNLOCKED);
	return rc;
}

static void edit_end(struct store *s, struct edit *e)
{
	image_list_free(&e->l);
	index_free(&e->ix);
	store_lock(s, STORE_UNLOCKED);
}

int store_tag(struct store *s, const char *source, const char *target)
{
	char full[600];
	struct image *img;
	struct edit e;
	struct ref r;
	int by_name, rc;

	rc = ref_parse(target, &r);
	if (!rc && r.digest.s[0])
		rc = store_fail(STORE_ERR, "%s: a tag cannot name a digest; use "
				"NAME[:TAG]", target);
	if (rc)
		return rc;
	ref_full(&r, full, sizeof(full));
	rc = edit_begin(s, &e);
	if (rc)
		return rc;
	rc = image_find(&e.l, source, &img, &by_name);
	if (!rc)
		rc = index_set(&e.ix, full, &img->manifest, img->manifest_type,
			       img->manifest_size);
	if (!rc)
		rc = index_write(s, &e.ix);
	edit_end(s, &e);
	return rc;
}

static void report_name(store_report_fn report, void *arg, const char *verb,
			const char *full)
{
	char shown[600];
	struct ref r;

	if (ref_parse(full, &r))
		snprintf(shown, sizeof(shown), "%s", full);
	else
		ref_short(&r, shown, sizeof(shown));
	report(arg, verb, shown);
}

/* Removes the blobs of img that no other image in the list uses. */
static int delete_blobs(struct store *s, struct image_list *l,
			struct image *img, store_report_fn report, void *arg)
{
	char path[4096];
	struct digest d;
	int64_t size;
	size_t i;

	report(arg, "Deleted", img->id.s);
	blob_path(s, &img->manifest, path, sizeof(path));
	if (!blob_in_use(l, img, &img->manifest))
		unlink(path);
	blob_path(s, &img->id, path, sizeof(path));
	if (!blob_in_use(l, img, &img->id))
		unlink(path);
	for (i = 0; i < image_layer_count(img); i++) {
		if (image_layer(img, i, &d, &size, NULL) || blob_in_use(l, img, &d))
			continue;
		blob_path(s, &d, path, sizeof(path));
		if (unlink(path) == 0)
			report(arg, "Deleted", d.s);
	}
	return 0;
}

static int names_span_repos(const struct image *img)
{
	char repo0[REF_NAME_MAX + 1], repo[REF_NAME_MAX + 1];
	struct ref r;
	size_t i;

	for (i = 0; i < img->nnames; i++) {
		if (ref_parse(img->names[i], &r))
			continue;
		ref_repo_full(&r, i ? repo : repo0, sizeof(repo));
		if (i && strcmp(repo, repo0))
			return 1;
	}
	return 0;
}

static int remove_image(struct store *s, struct edit *e, struct image *img,
			int untag_all, store_report_fn report, void *arg)
{
	size_t i;
	int rc;

	for (i = 0; untag_all && i < img->nnames; i++)
		report_name(report, arg, "Untagged", img->names[i]);
	index_drop(&e->ix, &img->manifest);
	rc = index_write(s, &e->ix);
	if (!rc)
		rc = delete_blobs(s, &e->l, img, report, arg);
	return rc;
}

static int untag(struct store *s, struct edit *e, struct image *img,
		 const char *what, store_report_fn report, void *arg)
{
	char full[600];
	struct ref r;

	ref_parse(what, &r);
	ref_full(&r, full, sizeof(full));
	if (img->nnames <= 1)
		return remove_image(s, e, img, 1, report, arg);
	index_unname(&e->ix, full, 0);
	report_name(report, arg, "Untagged", full);
	return index_write(s, &e->ix);
}

int store_remove(struct store *s, const char *what, int force,
		 store_report_fn report, void *arg)
{
	struct image *img;
	struct edit e;
	struct ref r;
	int by_name, rc;

	rc = edit_begin(s, &e);
	if (rc)
		return rc;
	rc = image_find(&e.l, what, &img, &by_name);
	if (!rc && by_name && !ref_parse(what, &r) && !r.digest.s[0])
		rc = untag(s, &e, img, what, report, arg);
	else if (!rc && !force && names_span_repos(img))
		rc = store_fail(STORE_ERR, "conflict: unable to delete %.12s (must "
				"be forced) - image is referenced in multiple "
				"repositories", digest_hex(&img->id));
	else if (!rc)
		rc = remove_image(s, &e, img, 1, report, arg);
	edit_end(s, &e);
	return rc;
}
