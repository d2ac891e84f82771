/*
 * Adding an image: config and manifest written as blobs, pending layers
 * adopted, and the name recorded, all under one exclusive lock so that
 * nothing can see (and collect) the new blobs before index.json names
 * them.
 */
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "store.h"

static void fill_rootfs(json_t *config, const struct layer_desc *layers,
			size_t n)
{
	json_t *ids = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(ids, json_string(layers[i].diff_id.s));
	json_object_set_new(config, "rootfs",
			    json_pack("{s:s, s:o}", "type", "layers", "diff_ids", ids));
	if (!json_object_get(config, "architecture"))
		json_object_set_new(config, "architecture", json_string("amd64"));
	if (!json_object_get(config, "os"))
		json_object_set_new(config, "os", json_string("linux"));
}

static int put_json(struct store *s, const json_t *v, struct digest *d,
		    int64_t *size)
{
	size_t n;
	char *text = json_compact(v, &n);
	int rc;

	if (!text)
		return store_fail(STORE_ERR, "out of memory");
	rc = blob_put(s, text, n, d);
	*size = (int64_t)n;
	free(text);
	return rc;
}

static json_t *manifest_json(const struct digest *config, int64_t config_size,
			     const struct layer_desc *layers, size_t n)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list, json_new_descriptor(layers[i].media_type,
								&layers[i].digest,
								layers[i].size));
	return json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
			 MEDIA_OCI_MANIFEST, "config",
			 json_new_descriptor(MEDIA_OCI_CONFIG, config, config_size),
			 "layers", list);
}

static int adopt_layers(struct store *s, const struct layer_desc *layers,
			size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		if (layers[i].pending)
			rc = blob_adopt_writer(layers[i].pending);
		else if (!blob_exists(s, &layers[i].digest))
			rc = store_fail(STORE_ERR, "layer %s is not in the store",
					layers[i].digest.s);
	}
	return rc;
}

/* With the exclusive lock: blobs, then index.json. */
static int commit_locked(struct store *s, json_t *config,
			 const struct layer_desc *layers, size_t n,
			 const char *full, struct digest *id)
{
	struct store_index ix;
	struct digest manifest;
	int64_t config_size, manifest_size;
	json_t *m;
	int rc;

	rc = adopt_layers(s, layers, n);
	if (!rc)
		rc = put_json(s, config, id, &config_size);
	if (rc)
		return rc;
	m = manifest_json(id, config_size, layers, n);
	rc = m ? put_json(s, m, &manifest, &manifest_size) :
		 store_fail(STORE_ERR, "out of memory");
	json_decref(m);
	if (!rc)
		rc = index_read(s, &ix);
	if (rc)
		return rc;
	rc = index_set(&ix, full, &manifest, MEDIA_OCI_MANIFEST, manifest_size);
	if (!rc)
		rc = index_write(s, &ix);
	index_free(&ix);
	return rc;
}

int store_commit_image(struct store *s, json_t *config,
		       const struct layer_desc *layers, size_t nlayers,
		       const char *name, struct digest *id)
{
	char full[600];
	struct ref r;
	int rc;

	if (name) {
		rc = ref_parse(name, &r);
		if (!rc && r.digest.s[0])
			rc = store_fail(STORE_ERR, "%s: a name cannot carry a "
					"digest; use NAME[:TAG]", name);
		if (rc)
			return rc;
		ref_full(&r, full, sizeof(full));
	}
	fill_rootfs(config, layers, nlayers);
	rc = store_lock(s, STORE_EXCLUSIVE);
	if (!rc)
		rc = store_sweep_tmp(s, NULL);
	if (!rc)
		rc = commit_locked(s, config, layers, nlayers, name ? full : NULL, id);
	store_lock(s, STORE_UNLOCKED);
	return rc;
}
