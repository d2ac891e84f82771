/*
 * Images as the store holds them: a manifest (OCI, or Docker's schema 2,
 * which is the same shape), its config and its layers. Finding one by
 * name or by ID works as in Docker: names first, then ID prefixes.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "store.h"

static int is_manifest_type(const char *t)
{
	return !strcmp(t, MEDIA_OCI_MANIFEST) || !strcmp(t, MEDIA_DOCKER_MANIFEST);
}

static int load_json_blob(struct store *s, const struct digest *d,
			  const char *what, json_t **out, int64_t *size)
{
	char label[256], *buf;
	size_t n;
	int rc;

	rc = blob_read(s, d, &buf, &n);
	if (rc)
		return rc;
	snprintf(label, sizeof(label), "%s %s", what, d->s);
	rc = json_parse_object(buf, n, label, out);
	free(buf);
	if (size)
		*size = (int64_t)n;
	return rc;
}

/* Each layer a descriptor; the config's diff_ids one per layer. */
static int check_layers(const struct image *img)
{
	json_t *layers = json_object_get(img->manifest_json, "layers");
	json_t *diff_ids = json_object_get(json_object_get(img->config_json,
							   "rootfs"), "diff_ids");
	char what[128];
	struct digest d;
	int64_t size;
	size_t i;
	int rc;

	if (!json_is_array(layers))
		return store_fail(STORE_ERR, "manifest %s: \"layers\" must be an "
				  "array", img->manifest.s);
	for (i = 0; i < json_array_size(layers); i++) {
		snprintf(what, sizeof(what), "manifest %.19s: layers[%zu]",
			 img->manifest.s, i);
		rc = json_descriptor(json_array_get(layers, i), what, &d, NULL, &size);
		if (rc)
			return rc;
	}
	if (!json_is_array(diff_ids) || json_array_size(diff_ids) != i)
		return store_fail(STORE_ERR, "config %s: rootfs.diff_ids must list "
				  "one digest per layer (%zu)", img->id.s, i);
	return 0;
}

static int64_t layers_size(const struct image *img)
{
	json_t *layers = json_object_get(img->manifest_json, "layers");
	int64_t total = 0;
	size_t i;

	for (i = 0; i < json_array_size(layers); i++)
		total += json_integer_value(json_object_get(json_array_get(layers, i),
							    "size"));
	return total;
}

int image_load(struct store *s, const struct digest *manifest,
	       const char *media_type, struct image *img)
{
	const char *type;
	int64_t config_size;
	int rc;

	memset(img, 0, sizeof(*img));
	img->manifest = *manifest;
	img->created = INT64_MIN;
	rc = load_json_blob(s, manifest, "manifest", &img->manifest_json,
			    &img->manifest_size);
	if (rc)
		return rc;
	type = json_str(img->manifest_json, "mediaType");
	if (!type)
		type = media_type ? media_type : MEDIA_OCI_MANIFEST;
	if (!is_manifest_type(type))
		return store_fail(STORE_ERR, "%s has media type %s, not an image "
				  "manifest", manifest->s, type);
	img->manifest_type = strdup(type);
	rc = json_descriptor(json_object_get(img->manifest_json, "config"),
			     "manifest config", &img->id, NULL, &config_size);
	if (!rc)
		rc = load_json_blob(s, &img->id, "config", &img->config_json, NULL);
	if (!rc)
		rc = check_layers(img);
	if (rc)
		return rc;
	img->size = img->manifest_size + config_size + layers_size(img);
	if (json_str(img->config_json, "created") &&
	    time_parse_rfc3339(json_str(img->config_json, "created"), &img->created))
		img->created = INT64_MIN;
	return 0;
}

void image_free(struct image *img)
{
	size_t i;

	json_decref(img->manifest_json);
	json_decref(img->config_json);
	for (i = 0; i < img->nnames; i++)
		free(img->names[i]);
	free(img->names);
	free(img->manifest_type);
	memset(img, 0, sizeof(*img));
}

void image_list_free(struct image_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		image_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static struct image *find_manifest(struct image_list *l, const struct digest *m)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (digest_equal(&l->v[i].manifest, m))
			return &l->v[i];
	return NULL;
}

static int add_name(struct image *img, const char *name)
{
	char **v = realloc(img->names, (img->nnames + 1) * sizeof(*v));

	if (!v)
		return store_fail(STORE_ERR, "out of memory");
	img->names = v;
	v[img->nnames] = strdup(name);
	if (!v[img->nnames])
		return store_fail(STORE_ERR, "out of memory");
	img->nnames++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_entry_image(struct store *s, struct image_list *l,
			   const struct index_entry *e)
{
	struct image *img = find_manifest(l, &e->manifest), *v;
	int rc;

	if (!img) {
		v = realloc(l->v, (l->n + 1) * sizeof(*v));
		if (!v)
			return store_fail(STORE_ERR, "out of memory");
		l->v = v;
		img = &v[l->n];
		rc = image_load(s, &e->manifest, e->media_type, img);
		l->n++;
		if (rc)
			return rc;
	}
	return e->name ? add_name(img, e->name) : 0;
}

int image_list_load(struct store *s, const struct store_index *ix,
		    struct image_list *l)
{
	size_t i;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	for (i = 0; !rc && i < ix->n; i++)
		rc = add_entry_image(s, l, &ix->v[i]);
	for (i = 0; i < l->n; i++)
		if (l->v[i].nnames > 1)
			qsort(l->v[i].names, l->v[i].nnames, sizeof(char *), cmp_str);
	if (rc)
		image_list_free(l);
	return rc;
}

int store_list(struct store *s, struct image_list *l)
{
	struct store_index ix;
	enum store_lock_mode saved = s->lock_mode;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = saved == STORE_UNLOCKED ? store_lock(s, STORE_SHARED) : 0;
	if (rc)
		return rc;
	rc = index_read(s, &ix);
	if (!rc) {
		rc = image_list_load(s, &ix, l);
		index_free(&ix);
	}
	if (saved == STORE_UNLOCKED)
		store_lock(s, STORE_UNLOCKED);
	return rc;
}

static int has_name(const struct image *img, const char *full)
{
	size_t i;

	for (i = 0; i < img->nnames; i++)
		if (!strcmp(img->names[i], full))
			return 1;
	return 0;
}

/* "repo@sha256:..." names the manifest, in a repository the image is in. */
static int has_repo(const struct image *img, const struct ref *r)
{
	char repo[REF_NAME_MAX + 2];
	size_t i, n;

	ref_repo_full(r, repo, sizeof(repo));
	n = strlen(repo);
	for (i = 0; i < img->nnames; i++)
		if (!strncmp(img->names[i], repo, n) && img->names[i][n] == ':')
			return 1;
	return 0;
}

static struct image *find_by_name(struct image_list *l, const struct ref *r)
{
	char full[600];
	size_t i;

	ref_full(r, full, sizeof(full));
	for (i = 0; i < l->n; i++) {
		struct image *img = &l->v[i];
		if (r->digest.s[0] ? digest_equal(&img->manifest, &r->digest) &&
					     (!r->tag[0] || has_name(img, full)) &&
					     has_repo(img, r) :
				     has_name(img, full))
			return img;
	}
	return NULL;
}

static int is_id_prefix(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= DIGEST_HEX_LEN && strspn(s, "0123456789abcdef") == n;
}

static int find_by_id(struct image_list *l, const char *what, struct image **out)
{
	const char *p = what;
	size_t i, n;

	if (!strncmp(p, DIGEST_PREFIX, DIGEST_PREFIX_LEN))
		p += DIGEST_PREFIX_LEN;
	if (!is_id_prefix(p))
		return STORE_NOT_FOUND;
	n = strlen(p);
	*out = NULL;
	for (i = 0; i < l->n; i++) {
		if (strncmp(digest_hex(&l->v[i].id), p, n))
			continue;
		if (*out && !digest_equal(&(*out)->id, &l->v[i].id))
			return store_fail(STORE_ERR, "%s: this ID prefix matches more "
					  "than one image: give more of its digits",
					  what);
		if (!*out)
			*out = &l->v[i];
	}
	return *out ? 0 : STORE_NOT_FOUND;
}

int image_find(struct image_list *l, const char *what, struct image **img,
	       int *by_name)
{
	struct ref r;
	int rc, parse_rc;

	*img = NULL;
	*by_name = 0;
	parse_rc = ref_parse(what, &r);
	if (!parse_rc && (*img = find_by_name(l, &r))) {
		*by_name = 1;
		return 0;
	}
	rc = find_by_id(l, what, img);
	/* Neither a name nor an ID: ref_parse's message says why. */
	if (rc == STORE_NOT_FOUND && parse_rc && !is_id_prefix(what))
		return parse_rc;
	if (rc == STORE_NOT_FOUND)
		return store_fail(STORE_NOT_FOUND, "No such image: %s", what);
	return rc;
}

size_t image_layer_count(const struct image *img)
{
	return json_array_size(json_object_get(img->manifest_json, "layers"));
}

int image_layer(const struct image *img, size_t i, struct digest *d,
		int64_t *size, const char **media_type)
{
	json_t *desc = json_array_get(json_object_get(img->manifest_json, "layers"), i);

	return json_descriptor(desc, "layer", d, media_type, size);
}
