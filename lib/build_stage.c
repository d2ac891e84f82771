/*
 * A stage's state while it builds: the config it will have (starting
 * from its base image's, or from an earlier stage's), its layers, the
 * ARG/ENV scope, SHELL, and the cache key of everything so far. Its
 * files are unpacked into a directory only when a step needs them, so a
 * build that the cache answers entirely never touches a layer.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_int.h"
#include "json_util.h"

int build_find_image(struct build *b, const char *what, struct image **img)
{
	int by_name, rc;

	if (!b->images_read) {
		rc = store_list(b->s, &b->images);
		if (rc)
			return rc;
		b->images_read = true;
	}
	return image_find(&b->images, what, img, &by_name);
}

json_t *stage_config(struct stage_state *ss)
{
	json_t *c = json_object_get(ss->image, "config");

	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(ss->image, "config", c);
	}
	return c;
}

int stage_add_layer(struct stage_state *ss, const struct build_layer *l)
{
	struct build_layer *v = realloc(ss->layers,
					(ss->nlayers + 1) * sizeof(*v));

	if (!v)
		return store_fail(STORE_ERR, "out of memory");
	ss->layers = v;
	v[ss->nlayers++] = *l;
	return 0;
}

int stage_history(struct stage_state *ss, const char *created_by,
		  int64_t created, bool empty)
{
	char when[64];
	json_t *h = json_object_get(ss->image, "history"), *e;

	if (!json_is_array(h)) {
		h = json_array();
		json_object_set_new(ss->image, "history", h);
	}
	time_format_rfc3339(created, when, sizeof(when));
	e = json_pack("{s:s, s:s, s:s}", "created", when, "created_by", created_by,
		      "comment", "buildkit.dockerfile.v0");
	if (!e)
		return store_fail(STORE_ERR, "out of memory");
	if (empty)
		json_object_set_new(e, "empty_layer", json_true());
	json_array_append_new(h, e);
	json_object_set_new(ss->image, "created", json_string(when));
	return 0;
}

static int from_scratch(struct stage_state *ss)
{
	ss->image = json_pack("{s:s, s:s, s:{}, s:[]}", "architecture", "amd64",
			      "os", "linux", "config", "history");
	if (!ss->image)
		return store_fail(STORE_ERR, "out of memory");
	return cache_chain(&(struct digest){ "" }, "FROM scratch", 12, &ss->key);
}

static int from_stage(struct stage_state *ss, const struct stage_state *base)
{
	ss->image = json_deep_copy(base->image);
	ss->layers = malloc((base->nlayers + 1) * sizeof(*ss->layers));
	if (!ss->image || !ss->layers || df_vars_copy(&ss->scope, &base->scope))
		return store_fail(STORE_ERR, "out of memory");
	memcpy(ss->layers, base->layers, base->nlayers * sizeof(*ss->layers));
	ss->nlayers = base->nlayers;
	json_decref(ss->shell);
	ss->shell = json_deep_copy(base->shell);
	ss->key = base->key;
	return 0;
}

static int base_layers(struct stage_state *ss, const struct image *img)
{
	json_t *ids = json_object_get(json_object_get(img->config_json, "rootfs"),
				      "diff_ids");
	size_t i, n = image_layer_count(img);
	struct build_layer l = { .built = false };
	int64_t size;

	if (json_array_size(ids) != n)
		return store_fail(STORE_ERR, "image %s: its config lists %zu "
				  "diff_ids for %zu layers", img->id.s,
				  json_array_size(ids), n);
	for (i = 0; i < n; i++) {
		const char *mt;

		if (image_layer(img, i, &l.digest, &size, &mt) ||
		    digest_parse(json_string_value(json_array_get(ids, i)), &l.diff_id))
			return store_fail(STORE_ERR, "image %s: layer %zu is unreadable",
					  img->id.s, i);
		l.size = size;
		l.media_type = mt;
		if (stage_add_layer(ss, &l))
			return STORE_ERR;
	}
	return 0;
}

static int from_image(struct build *b, struct stage_state *ss, const char *name)
{
	char text[DIGEST_LEN + 8];
	struct image *img;
	json_t *env, *v;
	size_t i;
	int rc = build_find_image(b, name, &img);

	if (rc)
		return rc;
	ss->image = json_deep_copy(img->config_json);
	if (!ss->image)
		return store_fail(STORE_ERR, "out of memory");
	json_object_del(ss->image, "rootfs");
	env = json_object_get(stage_config(ss), "Env");
	json_array_foreach(env, i, v)
		if (json_is_string(v) && df_vars_put(&ss->scope, json_string_value(v)))
			return store_fail(STORE_ERR, "out of memory");
	v = json_object_get(stage_config(ss), "Shell");
	if (json_is_array(v) && json_array_size(v)) {
		json_decref(ss->shell);
		ss->shell = json_deep_copy(v);
	}
	snprintf(text, sizeof(text), "FROM %s", img->id.s);
	rc = cache_chain(&(struct digest){ "" }, text, strlen(text), &ss->key);
	return rc ? rc : base_layers(ss, img);
}

/* A FROM that fails names its line, as every Dockerfile error does. */
static int from_image_at(struct build *b, struct stage_state *ss,
			 const char *name)
{
	char why[512];
	int rc = from_image(b, ss, name);

	if (!rc)
		return 0;
	snprintf(why, sizeof(why), "%s", store_error());
	return store_fail(rc, "%s:%d: %s: %s", b->df.file, ss->st->line,
			  ss->st->text, why);
}

int stage_begin(struct build *b, int index)
{
	struct stage_state *ss = &b->stage[index];
	const struct df_stage_plan *sp = &b->plan.stage[index];

	ss->st = &b->df.stage[index];
	ss->shell = json_pack("[s, s]", "/bin/sh", "-c");
	if (sp->platform && strcmp(sp->platform, "linux/amd64"))
		return store_fail(STORE_ERR, "%s:%d: FROM: platform %s is not "
				  "supported: husk builds linux/amd64 only",
				  b->df.file, ss->st->line, sp->platform);
	if (sp->base >= 0)
		return from_stage(ss, &b->stage[sp->base]);
	if (!strcmp(sp->image, "scratch"))
		return from_scratch(ss);
	return from_image_at(b, ss, sp->image);
}

static int open_layer(struct build *b, const struct build_layer *l, int *fd,
		      char *label, size_t n)
{
	int64_t size;

	snprintf(label, n, "layer %s", l->digest.s);
	if (!l->built)
		return blob_open(b->s, &l->digest, fd, &size);
	if (cache_blob_path(b, &l->digest, label, n))
		return STORE_ERR;
	*fd = open(label, O_RDONLY | O_CLOEXEC);
	return *fd < 0 ? store_fail_errno("%s", label) : 0;
}

int stage_root(struct build *b, struct stage_state *ss)
{
	char label[BUILD_PATH];
	int fd, rc = 0;

	if (!ss->root[0])
		rc = build_scratch_dir(b, "root", ss->root, sizeof(ss->root));
	for (; !rc && ss->applied < ss->nlayers; ss->applied++) {
		rc = open_layer(b, &ss->layers[ss->applied], &fd, label, sizeof(label));
		if (rc)
			break;
		rc = layer_apply(fd, ss->root, label);
		close(fd);
	}
	return rc;
}

int stage_image_root(struct build *b, const char *name, char *root, size_t n)
{
	struct stage_state tmp = { 0 };
	int rc = from_image(b, &tmp, name);

	if (!rc)
		rc = stage_root(b, &tmp);
	if (!rc)
		snprintf(root, n, "%s", tmp.root);
	stage_state_free(&tmp);
	return rc;
}

void stage_state_free(struct stage_state *ss)
{
	json_decref(ss->image);
	json_decref(ss->shell);
	free(ss->layers);
	df_vars_free(&ss->scope);
	memset(ss, 0, sizeof(*ss));
}
