/*
 * load: stage the archive (archive_stage.c), find its images (OCI layout
 * first, since it keeps the manifests byte for byte; manifest.json
 * otherwise, and for names), check every blob, config and layer, then
 * commit: blobs into blobs/, names into index.json, under the exclusive
 * lock. Any failure before the commit leaves the store as it was.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imgarchive.h"
#include "json_util.h"

int load_set_add(struct load_set *ls, const struct digest *manifest,
		 const char *type, int64_t size, const char *file)
{
	struct loaded_image *v;
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (digest_equal(&ls->v[i].manifest, manifest)) {
			/* Named twice: keep one entry, last in the list. */
			struct loaded_image keep = ls->v[i];
			memmove(&ls->v[i], &ls->v[i + 1], (ls->n - i - 1) * sizeof(keep));
			ls->v[ls->n - 1] = keep;
			return 0;
		}
	v = realloc(ls->v, (ls->n + 1) * sizeof(*v));
	if (!v)
		return store_fail(STORE_ERR, "out of memory");
	ls->v = v;
	memset(&v[ls->n], 0, sizeof(v[0]));
	v[ls->n].manifest = *manifest;
	v[ls->n].manifest_type = type && !strcmp(type, MEDIA_DOCKER_MANIFEST) ?
		MEDIA_DOCKER_MANIFEST : MEDIA_OCI_MANIFEST;
	v[ls->n].manifest_size = size;
	v[ls->n].manifest_file = strdup(file);
	if (!v[ls->n].manifest_file)
		return store_fail(STORE_ERR, "out of memory");
	ls->n++;
	return 0;
}

int load_set_name(struct loaded_image *li, const char *full)
{
	char **v;
	size_t i;

	for (i = 0; i < li->nnames; i++)
		if (!strcmp(li->names[i], full))
			return 0;
	v = realloc(li->names, (li->nnames + 1) * sizeof(*v));
	if (!v)
		return store_fail(STORE_ERR, "out of memory");
	li->names = v;
	v[li->nnames] = strdup(full);
	if (!v[li->nnames])
		return store_fail(STORE_ERR, "out of memory");
	li->nnames++;
	return 0;
}

void load_set_free(struct load_set *ls)
{
	size_t i, k;

	for (i = 0; i < ls->n; i++) {
		for (k = 0; k < ls->v[i].nnames; k++)
			free(ls->v[i].names[k]);
		free(ls->v[i].names);
		free(ls->v[i].manifest_file);
	}
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

/* ---- checking ---- */

/* Every blob an image needs, with its staged file: what the commit moves. */
struct blob_move {
	struct digest d;
	const char *file;
};

struct checked {
	struct blob_move *v;
	size_t n;
	struct digest *ids;   /* each loaded image's ID, for the report */
};

static int need_blob(struct checked *c, const struct digest *d, const char *file)
{
	struct blob_move *v;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (digest_equal(&c->v[i].d, d))
			return 0;
	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v)
		return store_fail(STORE_ERR, "out of memory");
	c->v = v;
	v[c->n].d = *d;
	v[c->n].file = file;
	c->n++;
	return 0;
}

/* The layer's content: safe entry names, and the diff_id the config says. */
static int check_layer(const struct stage *st, const struct staged *f,
		       const struct digest *layer, const char *diff_id, size_t i)
{
	char label[4400];
	struct digest got;
	int fd, rc;

	snprintf(label, sizeof(label), "%s: layer %zu (%s)", st->label, i, layer->s);
	fd = open(f->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return store_fail_errno("%s", label);
	rc = layer_check(fd, label, &got);
	close(fd);
	if (!rc && (!diff_id || strcmp(diff_id, got.s)))
		rc = store_fail(STORE_ERR, "%s: its content hashes to %s, but the "
				"config's rootfs.diff_ids[%zu] is %s", label, got.s, i,
				diff_id ? diff_id : "missing");
	return rc;
}

static int check_layers(const struct stage *st, struct checked *c,
			json_t *manifest, json_t *config)
{
	json_t *layers = json_object_get(manifest, "layers");
	json_t *ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	const struct staged *f;
	struct digest d;
	char what[64];
	int64_t size;
	size_t i;
	int rc = 0;

	if (!json_is_array(layers) || !json_is_array(ids) ||
	    json_array_size(ids) != json_array_size(layers))
		return store_fail(STORE_ERR, "%s: the manifest lists %zu layers but "
				  "the config's rootfs.diff_ids has %zu", st->label,
				  json_array_size(layers), json_array_size(ids));
	for (i = 0; !rc && i < json_array_size(layers); i++) {
		snprintf(what, sizeof(what), "manifest layers[%zu]", i);
		rc = json_descriptor(json_array_get(layers, i), what, &d, NULL, &size);
		if (rc)
			return store_fail_context("%s", st->label);
		rc = stage_blob(st, &d, size, &f);
		if (!rc)
			rc = check_layer(st, f, &d,
					 json_string_value(json_array_get(ids, i)), i);
		if (!rc)
			rc = need_blob(c, &d, f->file);
	}
	return rc;
}

static int check_image(const struct stage *st, const struct loaded_image *li,
		       struct checked *c, struct digest *id)
{
	json_t *manifest = NULL, *config = NULL;
	const struct staged *mf, *cf;
	int64_t size;
	int rc;

	rc = stage_blob(st, &li->manifest, li->manifest_size, &mf);
	if (!rc)
		rc = stage_json_object(st, mf, "manifest", &manifest);
	if (!rc && json_integer_value(json_object_get(manifest, "schemaVersion")) != 2)
		rc = store_fail(STORE_ERR, "%s: manifest %s: schemaVersion must be 2",
				st->label, li->manifest.s);
	if (!rc && json_descriptor(json_object_get(manifest, "config"),
				   "manifest config", id, NULL, &size))
		rc = store_fail_context("%s", st->label);
	if (!rc)
		rc = stage_blob(st, id, size, &cf);
	if (!rc)
		rc = stage_json_object(st, cf, "config", &config);
	if (!rc)
		rc = check_layers(st, c, manifest, config);
	if (!rc)
		rc = need_blob(c, id, cf->file);
	if (!rc)
		rc = need_blob(c, &li->manifest, mf->file);
	json_decref(manifest);
	json_decref(config);
	return rc;
}

/* ---- committing ---- */

static int commit(struct store *s, const struct load_set *ls,
		  const struct checked *c)
{
	struct store_index ix;
	size_t i, k;
	int rc;

	rc = store_lock(s, STORE_EXCLUSIVE);
	if (!rc)
		rc = store_sweep_tmp(s, NULL);
	for (i = 0; !rc && i < c->n; i++)
		rc = blob_adopt(s, c->v[i].file, &c->v[i].d);
	if (!rc)
		rc = index_read(s, &ix);
	if (rc)
		return rc;
	for (i = 0; !rc && i < ls->n; i++) {
		const struct loaded_image *li = &ls->v[i];
		for (k = 0; !rc && (k < li->nnames || k == 0); k++)
			rc = index_set(&ix, li->nnames ? li->names[k] : NULL,
				       &li->manifest, li->manifest_type,
				       li->manifest_size);
	}
	if (!rc)
		rc = index_write(s, &ix);
	index_free(&ix);
	return rc;
}

static void report_loaded(const struct load_set *ls, const struct digest *ids,
			  store_report_fn report, void *arg)
{
	char shown[600];
	struct ref r;
	size_t i, k;

	for (i = 0; i < ls->n; i++) {
		for (k = 0; k < ls->v[i].nnames; k++) {
			if (ref_parse(ls->v[i].names[k], &r))
				continue;
			ref_short(&r, shown, sizeof(shown));
			report(arg, "Loaded image", shown);
		}
		if (!ls->v[i].nnames)
			report(arg, "Loaded image ID", ids[i].s);
	}
}

static int find_images(struct stage *st, struct load_set *ls)
{
	int rc;

	if (oci_archive_present(st)) {
		rc = oci_archive_read(st, ls);
		if (!rc && docker_archive_present(st))
			rc = docker_archive_read(st, ls, 1);
		return rc;
	}
	if (docker_archive_present(st))
		return docker_archive_read(st, ls, 0);
	return store_fail(STORE_ERR, "%s: neither a docker-archive (no "
			  "manifest.json) nor an OCI archive (no oci-layout and "
			  "index.json): is it an image archive from `docker save`, "
			  "`podman save` or `skopeo copy`?", st->label);
}

int store_load(struct store *s, int fd, const char *label,
	       store_report_fn report, void *arg)
{
	struct checked c = { 0 };
	struct load_set ls = { 0 };
	struct stage st;
	size_t i;
	int rc;

	rc = stage_read(s, fd, label, &st);
	if (!rc)
		rc = find_images(&st, &ls);
	if (!rc) {
		c.ids = calloc(ls.n, sizeof(*c.ids));
		if (!c.ids)
			rc = store_fail(STORE_ERR, "out of memory");
	}
	for (i = 0; !rc && i < ls.n; i++)
		rc = check_image(&st, &ls.v[i], &c, &c.ids[i]);
	if (!rc)
		rc = commit(s, &ls, &c);
	store_lock(s, STORE_UNLOCKED);
	if (!rc)
		report_loaded(&ls, c.ids, report, arg);
	free(c.v);
	free(c.ids);
	load_set_free(&ls);
	stage_free(&st);
	return rc;
}
