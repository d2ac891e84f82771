/*
 * docker-archive: what `docker save` wrote before Docker 25, and the
 * Docker half of what it writes since. manifest.json lists, per image,
 * the config file, the layer files (bottom first) and the names:
 *   [{"Config": "<hex>.json", "RepoTags": ["alpine:3"], "Layers": ["<id>/layer.tar"]}]
 * Older archives also carry "repositories" and per-layer "json"/"VERSION"
 * files, which nothing needs any more.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imgarchive.h"
#include "json_util.h"

int docker_archive_present(const struct stage *st)
{
	return stage_find(st, "manifest.json") != NULL;
}

static int read_manifest_list(const struct stage *st, json_t **out)
{
	const struct staged *f = stage_find(st, "manifest.json");
	json_error_t err;
	char *buf;
	size_t n;
	int rc;

	rc = stage_slurp(st, f, "manifest.json", &buf, &n);
	if (rc)
		return rc;
	*out = json_loadb(buf, n, 0, &err);
	free(buf);
	if (!*out)
		return store_fail(STORE_ERR, "%s: manifest.json: not valid JSON: line "
				  "%d column %d: %s", st->label, err.line,
				  err.column, err.text);
	if (!json_is_array(*out) || !json_array_size(*out)) {
		json_decref(*out);
		return store_fail(STORE_ERR, "%s: manifest.json: expected a non-empty "
				  "array of images", st->label);
	}
	return 0;
}

/* A file named "<hex>.json" (older configs) must hash to <hex>. */
static int check_hex_name(const struct stage *st, const char *path,
			  const struct staged *f)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char hex[DIGEST_HEX_LEN + 1];
	struct digest want;

	if (strlen(base) != DIGEST_HEX_LEN + 5 || strcmp(base + DIGEST_HEX_LEN, ".json"))
		return 0;
	memcpy(hex, base, DIGEST_HEX_LEN);
	hex[DIGEST_HEX_LEN] = '\0';
	if (digest_from_hex(hex, &want) || digest_equal(&want, &f->digest))
		return 0;
	return store_fail(STORE_ERR, "%s: entry \"%s\": content does not match its "
			  "digest: refusing the archive", st->label, path);
}

static int find_file(const struct stage *st, const json_t *entry, size_t i,
		     const char *field, const char *path, const struct staged **f)
{
	(void)entry;
	if (!path)
		return store_fail(STORE_ERR, "%s: manifest.json[%zu]: \"%s\" must be "
				  "a file name", st->label, i, field);
	*f = stage_find(st, path);
	if (!*f)
		return store_fail(STORE_ERR, "%s: manifest.json[%zu]: %s \"%s\" is "
				  "not in the archive", st->label, i, field, path);
	return check_hex_name(st, path, *f);
}

static int add_names(const struct stage *st, const json_t *tags, size_t i,
		     struct loaded_image *li)
{
	char full[600];
	struct ref r;
	size_t k;
	int rc = 0;

	if (tags && !json_is_null(tags) && !json_is_array(tags))
		return store_fail(STORE_ERR, "%s: manifest.json[%zu]: \"RepoTags\" "
				  "must be an array", st->label, i);
	for (k = 0; !rc && k < json_array_size(tags); k++) {
		const char *name = json_string_value(json_array_get(tags, k));
		if (!name)
			return store_fail(STORE_ERR, "%s: manifest.json[%zu]: RepoTags[%zu]: "
					  "not a string", st->label, i, k);
		if (ref_parse(name, &r))
			return store_fail_context("%s: manifest.json[%zu]: RepoTags[%zu]",
						  st->label, i, k);
		ref_full(&r, full, sizeof(full));
		rc = load_set_name(li, full);
	}
	return rc;
}

static int manifest_config(const struct stage *st, const struct loaded_image *li,
			   struct digest *config)
{
	const struct staged *f;
	json_t *m;
	char *buf;
	size_t n;
	int64_t size;
	int rc;

	rc = stage_blob(st, &li->manifest, -1, &f);
	if (!rc)
		rc = stage_slurp(st, f, "a manifest", &buf, &n);
	if (rc)
		return rc;
	rc = json_parse_object(buf, n, li->manifest.s, &m);
	free(buf);
	if (!rc)
		rc = json_descriptor(json_object_get(m, "config"), "manifest config",
				     config, NULL, &size);
	json_decref(m);
	return rc;
}

/* Names manifest.json gives to images index.json left unnamed. */
static int name_oci_images(const struct stage *st, struct load_set *ls,
			   const struct staged *config, const json_t *tags,
			   size_t i)
{
	struct digest d;
	size_t k;
	int rc;

	for (k = 0; k < ls->n; k++) {
		if (ls->v[k].nnames)
			continue;
		rc = manifest_config(st, &ls->v[k], &d);
		if (rc)
			return rc;
		if (digest_equal(&d, &config->digest))
			return add_names(st, tags, i, &ls->v[k]);
	}
	return 0;
}

static const char *file_media_type(const struct staged *f)
{
	int fd = open(f->file, O_RDONLY | O_CLOEXEC);
	const char *t;

	if (fd < 0)
		return MEDIA_OCI_LAYER;
	t = layer_media_type(fd);
	close(fd);
	return t;
}

static int layer_list(const struct stage *st, const json_t *entry, size_t i,
		      json_t *out)
{
	const json_t *layers = json_object_get(entry, "Layers");
	const struct staged *f;
	char field[32];
	size_t k;
	int rc;

	if (!json_is_array(layers))
		return store_fail(STORE_ERR, "%s: manifest.json[%zu]: \"Layers\" must "
				  "be an array", st->label, i);
	for (k = 0; k < json_array_size(layers); k++) {
		snprintf(field, sizeof(field), "Layers[%zu]", k);
		rc = find_file(st, entry, i, field,
			       json_string_value(json_array_get(layers, k)), &f);
		if (rc)
			return rc;
		json_array_append_new(out, json_new_descriptor(file_media_type(f),
							       &f->digest, f->size));
	}
	return 0;
}

/*
 * An OCI manifest for an entry. Its staged name has a ".." component,
 * which no cleaned archive name can have, so it replaces nothing.
 */
static int make_manifest(struct stage *st, const json_t *entry, size_t i,
			 const struct staged *config, struct load_set *ls)
{
	json_t *layers = json_array(), *m;
	const struct staged *f;
	char path[64], *text;
	size_t n;
	int rc;

	rc = layer_list(st, entry, i, layers);
	if (rc) {
		json_decref(layers);
		return rc;
	}
	m = json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
		      MEDIA_OCI_MANIFEST, "config",
		      json_new_descriptor(MEDIA_OCI_CONFIG, &config->digest,
					  config->size), "layers", layers);
	text = m ? json_compact(m, &n) : NULL;
	json_decref(m);
	if (!text)
		return store_fail(STORE_ERR, "out of memory");
	snprintf(path, sizeof(path), "../manifest-%zu", i);
	rc = stage_add(st, path, text, n, &f);
	if (!rc)
		rc = load_set_add(ls, &f->digest, MEDIA_OCI_MANIFEST, f->size, f->file);
	free(text);
	if (!rc)
		rc = add_names(st, json_object_get(entry, "RepoTags"), i,
			       &ls->v[ls->n - 1]);
	return rc;
}

int docker_archive_read(struct stage *st, struct load_set *ls, int names_only)
{
	const struct staged *config;
	json_t *list, *entry;
	size_t i;
	int rc;

	rc = read_manifest_list(st, &list);
	for (i = 0; !rc && i < json_array_size(list); i++) {
		entry = json_array_get(list, i);
		if (!json_is_object(entry)) {
			rc = store_fail(STORE_ERR, "%s: manifest.json[%zu]: expected an "
					"object", st->label, i);
			break;
		}
		rc = find_file(st, entry, i, "Config",
			       json_str(entry, "Config"), &config);
		if (!rc)
			rc = names_only ?
				name_oci_images(st, ls, config,
						json_object_get(entry, "RepoTags"), i) :
				make_manifest(st, entry, i, config, ls);
	}
	json_decref(list);
	return rc;
}

static json_t *short_names(const struct save_item *it)
{
	char shown[600];
	json_t *list;
	struct ref r;
	size_t k;

	if (!it->nnames)
		return json_null();
	list = json_array();
	for (k = 0; k < it->nnames; k++) {
		if (ref_parse(it->names[k], &r))
			continue;
		ref_short(&r, shown, sizeof(shown));
		json_array_append_new(list, json_string(shown));
	}
	return list;
}

static json_t *blob_name(const struct digest *d)
{
	char path[96];

	snprintf(path, sizeof(path), "blobs/sha256/%s", digest_hex(d));
	return json_string(path);
}

json_t *docker_archive_manifest(const struct save_item *items, size_t n)
{
	json_t *list = json_array(), *layers;
	struct digest d;
	int64_t size;
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct image *img = items[i].img;
		layers = json_array();
		for (k = 0; k < image_layer_count(img); k++)
			if (!image_layer(img, k, &d, &size, NULL))
				json_array_append_new(layers, blob_name(&d));
		json_array_append_new(list, json_pack("{s:o, s:o, s:o}",
						      "Config", blob_name(&img->id),
						      "RepoTags", short_names(&items[i]),
						      "Layers", layers));
	}
	return list;
}

/* {"alpine": {"3": "<top layer>"}}: what docker load before 1.10 needed. */
json_t *docker_archive_repositories(const struct save_item *items, size_t n)
{
	char repo[REF_NAME_MAX + 1], tag[REF_TAG_MAX + 1];
	json_t *repos = json_object(), *tags;
	struct digest top;
	int64_t size;
	size_t i, k, nl;

	for (i = 0; i < n; i++) {
		const struct image *img = items[i].img;
		nl = image_layer_count(img);
		if (!nl || image_layer(img, nl - 1, &top, &size, NULL))
			top = img->id;
		for (k = 0; k < items[i].nnames; k++) {
			if (ref_split_short(items[i].names[k], repo, sizeof(repo), tag,
					    sizeof(tag)))
				continue;
			tags = json_object_get(repos, repo);
			if (!tags) {
				tags = json_object();
				json_object_set_new(repos, repo, tags);
			}
			json_object_set_new(tags, tag, json_string(digest_hex(&top)));
		}
	}
	return repos;
}
