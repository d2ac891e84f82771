/*
 * index.json: the store's list of images. One descriptor per name, the
 * full name in org.opencontainers.image.ref.name (which tools reading an
 * OCI layout, such as skopeo's oci: transport, look up) and in
 * io.containerd.image.name (which Docker's containerd store uses). An
 * image without a name keeps one descriptor without annotations.
 */
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "store.h"

static int add_entry(struct store_index *ix, const char *name,
		     const struct digest *m, const char *type, int64_t size)
{
	struct index_entry *v = realloc(ix->v, (ix->n + 1) * sizeof(*v)), *e;

	if (!v)
		return store_fail(STORE_ERR, "out of memory");
	ix->v = v;
	e = &v[ix->n];
	e->name = name ? strdup(name) : NULL;
	e->media_type = strdup(type ? type : MEDIA_OCI_MANIFEST);
	e->manifest = *m;
	e->size = size;
	if ((name && !e->name) || !e->media_type) {
		free(e->name);
		free(e->media_type);
		return store_fail(STORE_ERR, "out of memory");
	}
	ix->n++;
	return 0;
}

static void remove_at(struct store_index *ix, size_t i)
{
	free(ix->v[i].name);
	free(ix->v[i].media_type);
	memmove(&ix->v[i], &ix->v[i + 1], (ix->n - i - 1) * sizeof(ix->v[0]));
	ix->n--;
}

static int parse_entry(struct store_index *ix, json_t *desc, size_t i,
		       const char *path)
{
	char what[4200];
	const char *type, *name;
	struct digest d;
	int64_t size;
	int rc;

	snprintf(what, sizeof(what), "%s: manifests[%zu]", path, i);
	rc = json_descriptor(desc, what, &d, &type, &size);
	if (rc)
		return rc;
	name = json_str(json_object_get(desc, "annotations"), ANNOT_CONTAINERD_NAME);
	if (!name)
		name = json_str(json_object_get(desc, "annotations"), ANNOT_REF_NAME);
	return add_entry(ix, name, &d, type, size);
}

static int read_text(const char *path, char **buf, size_t *n)
{
	FILE *f = fopen(path, "re");
	long len;
	int rc = 0;

	if (!f)
		return store_fail_errno("cannot open %s", path);
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return store_fail_errno("cannot read %s", path);
	}
	*buf = malloc((size_t)len + 1);
	if (!*buf)
		rc = store_fail(STORE_ERR, "out of memory");
	else if (fread(*buf, 1, (size_t)len, f) != (size_t)len)
		rc = store_fail_errno("cannot read %s", path);
	fclose(f);
	if (rc) {
		free(*buf);
		return rc;
	}
	(*buf)[len] = '\0';
	*n = (size_t)len;
	return 0;
}

int index_read(struct store *s, struct store_index *ix)
{
	char path[4096], *buf = NULL;
	json_t *root, *list;
	size_t n = 0, i;
	int rc;

	memset(ix, 0, sizeof(*ix));
	rc = store_path(s, path, sizeof(path), "index.json");
	if (!rc)
		rc = read_text(path, &buf, &n);
	if (rc)
		return rc;
	rc = json_parse_object(buf, n, path, &root);
	free(buf);
	if (rc)
		return rc;
	list = json_object_get(root, "manifests");
	if (!json_is_array(list))
		rc = store_fail(STORE_ERR, "%s: \"manifests\" must be an array", path);
	for (i = 0; !rc && i < json_array_size(list); i++)
		rc = parse_entry(ix, json_array_get(list, i), i, path);
	json_decref(root);
	if (rc)
		index_free(ix);
	return rc;
}

static json_t *entry_json(const struct index_entry *e)
{
	json_t *d = json_new_descriptor(e->media_type, &e->manifest, e->size);

	if (d && e->name)
		json_object_set_new(d, "annotations",
				    json_pack("{s:s, s:s}", ANNOT_CONTAINERD_NAME,
					      e->name, ANNOT_REF_NAME, e->name));
	return d;
}

int index_write(struct store *s, const struct store_index *ix)
{
	char path[4096], *text;
	json_t *root, *list;
	size_t i, n;
	int rc;

	if (s->lock_mode != STORE_EXCLUSIVE)
		return store_fail(STORE_ERR, "internal: writing index.json needs "
				  "the exclusive lock");
	list = json_array();
	for (i = 0; i < ix->n; i++)
		json_array_append_new(list, entry_json(&ix->v[i]));
	root = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType",
			 MEDIA_OCI_INDEX, "manifests", list);
	text = root ? json_compact(root, &n) : NULL;
	json_decref(root);
	if (!text)
		return store_fail(STORE_ERR, "out of memory");
	rc = store_path(s, path, sizeof(path), "index.json");
	if (!rc)
		rc = store_write_file(s, path, text, n);
	free(text);
	return rc;
}

void index_free(struct store_index *ix)
{
	while (ix->n)
		remove_at(ix, ix->n - 1);
	free(ix->v);
	ix->v = NULL;
}

static size_t find_name(const struct store_index *ix, const char *name)
{
	size_t i;

	for (i = 0; i < ix->n; i++)
		if (ix->v[i].name && !strcmp(ix->v[i].name, name))
			return i;
	return ix->n;
}

static size_t count_manifest(const struct store_index *ix, const struct digest *m)
{
	size_t i, k = 0;

	for (i = 0; i < ix->n; i++)
		k += digest_equal(&ix->v[i].manifest, m);
	return k;
}

int index_has_manifest(const struct store_index *ix, const struct digest *m)
{
	return count_manifest(ix, m) > 0;
}

/* Drops the nameless descriptor of m, once m has a name. */
static void drop_untagged(struct store_index *ix, const struct digest *m)
{
	size_t i;

	for (i = 0; i < ix->n; i++)
		if (!ix->v[i].name && digest_equal(&ix->v[i].manifest, m)) {
			remove_at(ix, i);
			return;
		}
}

int index_set(struct store_index *ix, const char *name,
	      const struct digest *manifest, const char *media_type,
	      int64_t size)
{
	size_t i;
	int rc;

	if (!name)
		return index_has_manifest(ix, manifest) ? 0 :
			add_entry(ix, NULL, manifest, media_type, size);
	i = find_name(ix, name);
	if (i < ix->n && digest_equal(&ix->v[i].manifest, manifest))
		return 0;
	if (i < ix->n)
		index_unname(ix, name, 1);
	rc = add_entry(ix, name, manifest, media_type, size);
	if (!rc)
		drop_untagged(ix, manifest);
	return rc;
}

void index_unname(struct store_index *ix, const char *name, int keep_untagged)
{
	size_t i = find_name(ix, name);

	if (i == ix->n)
		return;
	if (keep_untagged && count_manifest(ix, &ix->v[i].manifest) == 1) {
		free(ix->v[i].name);
		ix->v[i].name = NULL;
		return;
	}
	remove_at(ix, i);
}

void index_drop(struct store_index *ix, const struct digest *manifest)
{
	size_t i = ix->n;

	while (i--)
		if (digest_equal(&ix->v[i].manifest, manifest))
			remove_at(ix, i);
}
