/*
 * OCI image layouts in a tar (oci-archive, and the OCI half of what
 * Docker 25+ `docker save` writes): oci-layout, index.json, blobs/.
 *
 * Names: io.containerd.image.name holds a full name (Docker, containerd);
 * org.opencontainers.image.ref.name holds either a full name or, as the
 * OCI specification suggests and Docker writes, only a tag. A bare tag
 * names no repository, so it names nothing here: such an image is named by
 * manifest.json when the archive has one, else it loads without a name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imgarchive.h"
#include "json_util.h"

int oci_archive_present(const struct stage *st)
{
	return stage_find(st, "oci-layout") && stage_find(st, "index.json");
}

static int check_layout(const struct stage *st)
{
	json_t *layout;
	const char *v;
	int rc;

	rc = stage_json_object(st, stage_find(st, "oci-layout"), "oci-layout", &layout);
	if (rc)
		return rc;
	v = json_str(layout, "imageLayoutVersion");
	if (!v || strncmp(v, "1.", 2))
		rc = store_fail(STORE_ERR, "%s: oci-layout: imageLayoutVersion %s%s%s "
				"is not 1.x", st->label, v ? "\"" : "",
				v ? v : "(missing)", v ? "\"" : "");
	json_decref(layout);
	return rc;
}

/* A full name from the descriptor's annotations, or "" for none. */
static int descriptor_name(const struct stage *st, const json_t *desc,
			   char *full, size_t n)
{
	const json_t *annot = json_object_get(desc, "annotations");
	const char *name = json_str(annot, ANNOT_CONTAINERD_NAME);
	struct ref r;

	full[0] = '\0';
	if (!name) {
		name = json_str(annot, ANNOT_REF_NAME);
		if (!name || !strpbrk(name, "/:"))
			return 0;
	}
	if (ref_parse(name, &r))
		return store_fail_context("%s: index.json: image name \"%s\"",
					  st->label, name);
	ref_full(&r, full, n);
	return 0;
}

static int is_manifest(const char *t)
{
	return t && (!strcmp(t, MEDIA_OCI_MANIFEST) || !strcmp(t, MEDIA_DOCKER_MANIFEST));
}

static int is_index(const char *t)
{
	return t && (!strcmp(t, MEDIA_OCI_INDEX) || !strcmp(t, MEDIA_DOCKER_LIST));
}

static int for_us(const json_t *desc)
{
	const json_t *p = json_object_get(desc, "platform");
	const char *os = json_str(p, "os"), *arch = json_str(p, "architecture");

	return os && arch && !strcmp(os, "linux") && !strcmp(arch, "amd64");
}

/* A multi-platform index: its linux/amd64 manifest replaces it. */
static int pick_platform(const struct stage *st, const struct digest *index,
			 int64_t size, struct digest *m, const char **type,
			 int64_t *msize)
{
	const struct digest copy = *index, *d = &copy; /* m may alias index */
	const struct staged *f;
	json_t *ix, *list, *desc;
	char what[128];
	size_t i;
	int rc;

	rc = stage_blob(st, d, size, &f);
	if (!rc) {
		snprintf(what, sizeof(what), "image index %.19s", d->s);
		rc = stage_json_object(st, f, what, &ix);
	}
	if (rc)
		return rc;
	list = json_object_get(ix, "manifests");
	rc = -1;
	for (i = 0; i < json_array_size(list); i++) {
		desc = json_array_get(list, i);
		if (!for_us(desc) || json_descriptor(desc, what, m, type, msize))
			continue;
		rc = is_manifest(*type) ? 0 :
			store_fail(STORE_ERR, "%s: image index %s: the linux/amd64 "
				   "entry is not an image manifest", st->label, d->s);
		/* *type points into ix, which is about to go. */
		*type = !rc && !strcmp(*type, MEDIA_DOCKER_MANIFEST) ?
			MEDIA_DOCKER_MANIFEST : MEDIA_OCI_MANIFEST;
		break;
	}
	if (rc == -1)
		rc = store_fail(STORE_ERR, "%s: image index %s has no linux/amd64 "
				"image, the only platform husk runs", st->label, d->s);
	json_decref(ix);
	return rc;
}

static int add_descriptor(const struct stage *st, const json_t *desc, size_t i,
			  struct load_set *ls)
{
	char what[64], full[600];
	const struct staged *f;
	const char *type;
	struct digest d;
	int64_t size;
	int rc;

	snprintf(what, sizeof(what), "index.json manifests[%zu]", i);
	rc = json_descriptor(desc, what, &d, &type, &size);
	if (rc)
		return store_fail_context("%s", st->label);
	if (is_index(type))
		rc = pick_platform(st, &d, size, &d, &type, &size);
	else if (!is_manifest(type))
		rc = store_fail(STORE_ERR, "%s: %s: media type %s is not an image "
				"manifest", st->label, what, type ? type : "(missing)");
	if (!rc)
		rc = stage_blob(st, &d, size, &f);
	if (!rc)
		rc = descriptor_name(st, desc, full, sizeof(full));
	if (!rc)
		rc = load_set_add(ls, &d, type, size, f->file);
	if (!rc && full[0])
		rc = load_set_name(&ls->v[ls->n - 1], full);
	return rc;
}

int oci_archive_read(const struct stage *st, struct load_set *ls)
{
	json_t *index, *list;
	size_t i;
	int rc;

	rc = check_layout(st);
	if (!rc)
		rc = stage_json_object(st, stage_find(st, "index.json"), "index.json", &index);
	if (rc)
		return rc;
	list = json_object_get(index, "manifests");
	if (!json_is_array(list) || !json_array_size(list))
		rc = store_fail(STORE_ERR, "%s: index.json lists no manifests",
				st->label);
	for (i = 0; !rc && i < json_array_size(list); i++)
		rc = add_descriptor(st, json_array_get(list, i), i, ls);
	json_decref(index);
	return rc;
}

json_t *oci_archive_index(const struct save_item *items, size_t n)
{
	json_t *list = json_array(), *d;
	char repo[REF_NAME_MAX + 1], tag[REF_TAG_MAX + 1];
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct image *img = items[i].img;
		for (k = 0; k < items[i].nnames || k == 0; k++) {
			d = json_new_descriptor(img->manifest_type, &img->manifest,
						img->manifest_size);
			if (items[i].nnames &&
			    !ref_split_short(items[i].names[k], repo, sizeof(repo),
					     tag, sizeof(tag)))
				json_object_set_new(d, "annotations",
						    json_pack("{s:s, s:s}",
							      ANNOT_CONTAINERD_NAME,
							      items[i].names[k],
							      ANNOT_REF_NAME, tag));
			json_array_append_new(list, d);
			if (!items[i].nnames)
				break;
		}
	}
	return json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType",
			 MEDIA_OCI_INDEX, "manifests", list);
}
