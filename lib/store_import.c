/*
 * import: a one-layer image from a root filesystem (a directory or a
 * tar). With SOURCE_DATE_EPOCH set, the same tree imported twice gives
 * the same image ID: the layer is normalized (layerarchive.c) and the
 * config's times are that date.
 */
#include <stdio.h>
#include <string.h>

#include "imgarchive.h"

/* "dir/", "/a/b/root" -> "root": the source as the history shows it. */
static void source_label(const char *source, char *buf, size_t n)
{
	size_t len;
	char *slash;

	snprintf(buf, n, "%s", source);
	len = strlen(buf);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	slash = strrchr(buf, '/');
	if (slash && slash[1])
		memmove(buf, slash + 1, strlen(slash + 1) + 1);
}

static json_t *import_config(int64_t created, const char *source)
{
	char when[64], label[512], comment[600];

	time_format_rfc3339(created, when, sizeof(when));
	source_label(source, label, sizeof(label));
	snprintf(comment, sizeof(comment), "Imported from %s", label);
	return json_pack("{s:s, s:s, s:s, s:{}, s:[{s:s, s:s}]}",
			 "architecture", "amd64", "os", "linux", "created", when,
			 "config", "history", "created", when, "comment", comment);
}

int store_import(struct store *s, const char *source, const char *name,
		 struct digest *id)
{
	struct layer_desc layer = { .media_type = MEDIA_OCI_LAYER_GZIP };
	struct blob_writer w;
	json_t *config;
	int64_t created;
	int set, rc;

	rc = time_source_date(&created, &set);
	if (!rc && name) {
		struct ref r;
		rc = ref_parse(name, &r);
	}
	if (!rc)
		rc = blob_begin(s, &w);
	if (rc)
		return rc;
	rc = layer_create(source, set ? created : -1, &w, &layer.diff_id);
	if (!rc)
		rc = blob_finish(&w, NULL);
	if (rc) {
		blob_abort(&w);
		return rc;
	}
	layer.digest = w.digest;
	layer.size = w.size;
	layer.pending = &w;
	config = import_config(created, source);
	rc = config ? store_commit_image(s, config, &layer, 1, name, id) :
		      store_fail(STORE_ERR, "out of memory");
	json_decref(config);
	blob_abort(&w); /* nothing left to do when it was adopted */
	return rc;
}
