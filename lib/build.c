/*
 * The build driver: reads the Dockerfile and .dockerignore, plans the
 * stages the target needs (df_plan), runs each instruction of each
 * stage in order through df_expand and the cache, then commits the
 * target stage as an image with its names. Everything bad about the
 * Dockerfile is found before the store changes; the store changes only
 * in the final commit (layers a build made meanwhile wait in the cache).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build_int.h"
#include "json_util.h"

int build_fail_at(int status, const struct build *b, const struct df_inst *in,
		  const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return store_fail(status, "%s:%d: %s: %s", b->df.file, in->line, in->text,
			  why);
}

int build_scratch_dir(struct build *b, const char *what, char *out, size_t n)
{
	if (snprintf(out, n, "%s/%s%u", b->work, what, b->serial++) >= (int)n)
		return store_fail(STORE_ERR, "%s: path too long", b->work);
	if (mkdir(out, 0755))
		return store_fail_errno("%s", out);
	return 0;
}

int64_t build_now(const struct build *b)
{
	return b->sde_set ? b->sde : (int64_t)time(NULL);
}

/* ---- what a step's cache key covers ---- */

/* Where COPY --from (or the context) finds its sources. */
static int copy_source(struct build *b, int stage, size_t i,
		       const struct df_inst *in, char *root, size_t n,
		       const struct dockerignore **ignore)
{
	int from = b->plan.stage[stage].copy_from[i];
	int rc;

	*ignore = NULL;
	if (!in->fl.from) {
		*ignore = &b->ignore;
		snprintf(root, n, "%s", b->o->context);
		return 0;
	}
	if (from >= 0) {
		rc = stage_root(b, &b->stage[from]);
		if (!rc)
			snprintf(root, n, "%s", b->stage[from].root);
		return rc;
	}
	rc = stage_image_root(b, in->fl.from, root, n);
	return rc ? build_fail_at(rc, b, in, "%s", store_error()) : 0;
}

static int append(char **text, const char *fmt, ...)
{
	char *more, *joined;
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vasprintf(&more, fmt, ap);
	va_end(ap);
	if (k < 0)
		return store_fail(STORE_ERR, "out of memory");
	k = asprintf(&joined, "%s\n%s", *text, more);
	free(more);
	free(*text);
	*text = k < 0 ? NULL : joined;
	return k < 0 ? store_fail(STORE_ERR, "out of memory") : 0;
}

/* RUN sees the whole scope (build arguments included) and the network. */
static int run_key_text(const struct build *b, const struct stage_state *ss,
			char **text)
{
	int rc = append(text, "network=%s", b->o->network_host ? "host" : "none");

	for (size_t i = 0; !rc && i < ss->scope.n; i++)
		rc = append(text, "%s=%s", ss->scope.key[i], ss->scope.val[i]);
	return rc;
}

struct step {
	const struct df_inst *in;	/* expanded */
	struct digest key;
	char src_root[BUILD_PATH];	/* COPY, ADD */
	const struct dockerignore *ignore;
};

/*
 * What COPY --from reads, without unpacking it: a stage's or an image's
 * tree is its layers, so their diff_ids stand for its content.
 */
static int from_layers_text(struct build *b, int stage, size_t i,
			    const struct df_inst *in, char **text)
{
	int from = b->plan.stage[stage].copy_from[i];
	struct image *img;
	int rc = 0;

	if (from < 0) {
		rc = build_find_image(b, in->fl.from, &img);
		return rc ? build_fail_at(rc, b, in, "%s", store_error()) :
			    append(text, "from-image=%s", img->id.s);
	}
	for (size_t k = 0; !rc && k < b->stage[from].nlayers; k++)
		rc = append(text, "from-layer=%s", b->stage[from].layers[k].diff_id.s);
	return rc;
}

static int copy_key_text(struct build *b, int stage, size_t i,
			 struct step *st, char **text)
{
	struct digest src;
	int rc;

	if (st->in->fl.from)
		return from_layers_text(b, stage, i, st->in, text);
	rc = copy_source(b, stage, i, st->in, st->src_root, sizeof(st->src_root),
			 &st->ignore);
	if (!rc)
		rc = copy_sources_digest(b, st->in, st->src_root, st->ignore, &src);
	return rc ? rc : append(text, "sources=%s", src.s);
}

static int step_key(struct build *b, int stage, size_t i, struct step *st)
{
	struct stage_state *ss = &b->stage[stage];
	/* An ARG's value reaches the key through the steps that use it (RUN
	 * sees the scope, others their expanded words), as in Docker. */
	char *text = cache_inst_text(st->in->kind == DF_ARG ? &ss->st->inst[i] :
							       st->in);
	int rc = text ? 0 : store_fail(STORE_ERR, "out of memory");

	if (!rc && (st->in->kind == DF_COPY || st->in->kind == DF_ADD))
		rc = copy_key_text(b, stage, i, st, &text);
	if (!rc && st->in->kind == DF_RUN)
		rc = run_key_text(b, ss, &text);
	if (!rc)
		rc = cache_chain(&ss->key, text, strlen(text), &st->key);
	free(text);
	return rc;
}

/* ---- steps ---- */

/* mkdir -p of dir (absolute) under root. */
static int make_dirs(const char *root, const char *dir)
{
	char path[BUILD_PATH];
	size_t start = strlen(root) + 1;

	if (build_resolve(root, dir, path, sizeof(path)))
		return STORE_ERR;
	for (char *p = path + start;; p++) {
		bool end = !*p;

		if (*p && *p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return store_fail_errno("%s", dir);
		if (end)
			return 0;
		*p = '/';
	}
}

static int workdir_step(struct build *b, struct stage_state *ss,
			const struct df_inst *in, const struct digest *key)
{
	struct cache_entry e = { .created = build_now(b) };
	const char *dir = json_string_value(json_object_get(stage_config(ss),
							    "WorkingDir"));
	struct fs_step fs;
	int rc = fs_step_begin(b, ss, &fs);

	if (!rc && make_dirs(fs.merged, dir ? dir : "/")) {
		fs_step_abort(&fs);
		return build_fail_at(STORE_ERR, b, in, "%s", store_error());
	}
	if (rc) {
		fs_step_abort(&fs);
		return rc;
	}
	rc = fs_step_end(b, ss, &fs, &e);
	if (!rc)
		rc = stage_history(ss, in->text, e.created, !e.has_layer);
	return rc ? rc : cache_store(b, key, &e);
}

static int cached_step(struct build *b, struct stage_state *ss,
		       const struct step *st, const struct cache_entry *e)
{
	int rc = 0;

	print_line(b, "CACHED");
	if (st->in->kind == DF_WORKDIR)
		rc = meta_apply(b, ss, st->in);
	if (!rc && e->has_layer)
		rc = stage_add_layer(ss, &e->layer);
	return rc ? rc : stage_history(ss, st->in->text, e->created, !e->has_layer);
}

static int fresh_step(struct build *b, int stage, size_t i, struct step *st)
{
	struct stage_state *ss = &b->stage[stage];
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	switch (st->in->kind) {
	case DF_COPY:
	case DF_ADD:
		/* --from trees are unpacked only when the cache cannot answer. */
		rc = st->in->fl.from ? copy_source(b, stage, i, st->in, st->src_root,
						   sizeof(st->src_root), &st->ignore) : 0;
		if (!rc)
			rc = copy_step(b, ss, st->in, st->src_root, st->ignore, &st->key);
		break;
	case DF_RUN:
		rc = run_step(b, ss, st->in, &st->key);
		break;
	default:
		rc = meta_apply(b, ss, st->in);
		if (!rc)
			rc = workdir_step(b, ss, st->in, &st->key);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!rc)
		print_line(b, "DONE %.1fs", (double)(t1.tv_sec - t0.tv_sec) +
			   (t1.tv_nsec - t0.tv_nsec) / 1e9);
	else if (rc == BUILD_STEP_FAILED)
		print_line(b, "ERROR: %s", store_error());
	return rc;
}

/* Metadata: the config changes; the cache keeps the step's time so a
 * rebuild gives the same image. */
static int meta_step(struct build *b, struct stage_state *ss,
		     const struct step *st)
{
	struct cache_entry e = { .created = build_now(b) };
	bool hit = !b->o->no_cache && cache_lookup(b, &st->key, &e);
	int rc = meta_apply(b, ss, st->in);

	if (!rc)
		rc = stage_history(ss, st->in->text, e.created, true);
	if (!rc && !hit)
		rc = cache_store(b, &st->key, &e);
	return rc;
}

static int run_inst(struct build *b, int stage, size_t i)
{
	struct stage_state *ss = &b->stage[stage];
	struct df_inst out;
	struct cache_entry e;
	struct step st = { .in = &out };
	char err[DF_ERRLEN];
	int rc;

	if (df_expand(&b->plan, &ss->st->inst[i], &ss->scope, &out, err, sizeof(err)))
		return store_fail(STORE_ERR, "%s", err);
	print_step(b, ss, i, &out);
	rc = step_key(b, stage, i, &st);
	if (!rc && !meta_changes_files(out.kind))
		rc = meta_step(b, ss, &st);
	else if (!rc && !b->o->no_cache && cache_lookup(b, &st.key, &e))
		rc = cached_step(b, ss, &st, &e);
	else if (!rc)
		rc = fresh_step(b, stage, i, &st);
	if (!rc)
		ss->key = st.key;
	df_inst_free(&out);
	return rc;
}

static int run_stage(struct build *b, int stage)
{
	struct stage_state *ss = &b->stage[stage];
	int rc;

	ss->st = &b->df.stage[stage];
	print_step(b, ss, 0, NULL);
	rc = stage_begin(b, stage);
	for (size_t i = 0; !rc && i < ss->st->ninst; i++)
		rc = run_inst(b, stage, i);
	ss->done = !rc;
	return rc;
}

/* ---- the result ---- */

/* The config as the store will write it, its rootfs filled in. */
static int final_config(const struct stage_state *ss, json_t **config,
			struct digest *id)
{
	json_t *ids = json_array();
	char *text;
	int rc;

	*config = json_deep_copy(ss->image);
	if (!*config || !ids)
		return store_fail(STORE_ERR, "out of memory");
	for (size_t i = 0; i < ss->nlayers; i++)
		json_array_append_new(ids, json_string(ss->layers[i].diff_id.s));
	json_object_set_new(*config, "rootfs", json_pack("{s:s, s:o}", "type",
							"layers", "diff_ids", ids));
	text = json_compact(*config, NULL);
	rc = text ? digest_buf(text, strlen(text), id) :
		    store_fail(STORE_ERR, "out of memory");
	free(text);
	return rc;
}

static bool has_name(const struct image *img, const char *tag)
{
	char full[600];
	struct ref r;

	if (ref_parse(tag, &r))
		return false;
	ref_full(&r, full, sizeof(full));
	for (size_t i = 0; i < img->nnames; i++)
		if (!strcmp(img->names[i], full))
			return true;
	return false;
}

/* Whether the store already holds the image under every name asked for:
 * then a rebuild that changed nothing writes nothing. */
static bool already_stored(struct build *b, const struct digest *id)
{
	struct image_list l;
	bool found = false;

	if (store_list(b->s, &l))
		return false;
	for (size_t i = 0; !found && i < l.n; i++) {
		if (!digest_equal(&l.v[i].id, id))
			continue;
		found = true;
		for (size_t k = 0; found && k < b->o->ntags; k++)
			found = has_name(&l.v[i], b->o->tags[k]);
	}
	image_list_free(&l);
	return found;
}

static void print_names(struct build *b)
{
	for (size_t i = 0; i < b->o->ntags; i++)
		print_line(b, "naming to %s done", b->o->tags[i]);
}

/* Stores the image: layers built now are copied from the cache into
 * the store's blobs unless the store has them already. */
static int store_new(struct build *b, struct stage_state *ss, json_t *config,
		     struct digest *id)
{
	struct layer_desc *d = calloc(ss->nlayers + 1, sizeof(*d));
	struct blob_writer *w = calloc(ss->nlayers + 1, sizeof(*w));
	size_t i;
	int rc = d && w ? 0 : store_fail(STORE_ERR, "out of memory");

	for (i = 0; w && i < ss->nlayers; i++)
		w[i].fd = -1;
	for (i = 0; !rc && i < ss->nlayers; i++) {
		const struct build_layer *l = &ss->layers[i];

		d[i] = (struct layer_desc){ .digest = l->digest, .diff_id = l->diff_id,
					    .size = l->size, .media_type = l->media_type };
		if (l->built && !blob_exists(b->s, &l->digest)) {
			rc = cache_layer_writer(b, l, &w[i]);
			d[i].pending = &w[i];
		}
	}
	if (!rc)
		rc = store_commit_image(b->s, config, d, ss->nlayers,
					b->o->ntags ? b->o->tags[0] : NULL, id);
	for (i = 1; !rc && i < b->o->ntags; i++)
		rc = store_tag(b->s, id->s, b->o->tags[i]);
	for (i = 0; w && i < ss->nlayers; i++)
		blob_abort(&w[i]);
	free(d);
	free(w);
	return rc;
}

static int commit(struct build *b, struct digest *id)
{
	struct stage_state *ss = &b->stage[b->plan.target];
	json_t *config = NULL;
	int rc = final_config(ss, &config, id);

	b->step++;
	print_line(b, "exporting to image");
	if (!rc && !already_stored(b, id))
		rc = store_new(b, ss, config, id);
	if (!rc) {
		print_line(b, "writing image %s done", id->s);
		print_names(b);
	}
	json_decref(config);
	return rc;
}

/* ---- setting up ---- */

static int read_inputs(struct build *b, const char *dockerfile)
{
	struct df_opts opts = { .target = b->o->target,
				.build_args = b->o->build_args };
	char err[DF_ERRLEN];
	struct stat st;

	if (stat(b->o->context, &st) || !S_ISDIR(st.st_mode))
		return store_fail(STORE_ERR, "%s: the build context must be a "
				  "directory", b->o->context);
	if (dockerfile_load(dockerfile, &b->df, err, sizeof(err)))
		return store_fail(STORE_ERR, "%s", err);
	if (df_plan(&b->df, &opts, &b->plan, err, sizeof(err)))
		return store_fail(STORE_ERR, "%s", err);
	if (dockerignore_load(b->o->context, b->o->dockerfile, &b->ignore, err,
			      sizeof(err)))
		return store_fail(STORE_ERR, "%s", err);
	b->stage = calloc(b->df.nstage, sizeof(*b->stage));
	return b->stage ? 0 : store_fail(STORE_ERR, "out of memory");
}

static int run_build(struct build *b, struct digest *id)
{
	int set, rc = time_source_date(&b->sde, &set);

	b->sde_set = set;
	b->clamp = set ? b->sde : 0;
	if (!rc)
		rc = store_tmp_dir(b->s, "build", b->work, sizeof(b->work), &b->work_fd);
	for (size_t k = 0; !rc && k < b->plan.norder; k++)
		rc = run_stage(b, b->plan.order[k]);
	if (!rc)
		rc = commit(b, id);
	return rc;
}

int build_image(struct store *s, const struct build_opts *o, struct digest *id)
{
	struct build b = { .s = s, .o = o, .work_fd = -1 };
	char dockerfile[BUILD_PATH];
	int rc;

	if (o->dockerfile)
		snprintf(dockerfile, sizeof(dockerfile), "%s", o->dockerfile);
	else if (!strcmp(o->context, ".") || !strcmp(o->context, "./"))
		snprintf(dockerfile, sizeof(dockerfile), "Dockerfile");
	else
		snprintf(dockerfile, sizeof(dockerfile), "%s/Dockerfile", o->context);
	rc = read_inputs(&b, dockerfile);
	if (!rc)
		rc = run_build(&b, id);
	for (size_t i = 0; b.stage && i < b.df.nstage; i++)
		stage_state_free(&b.stage[i]);
	free(b.stage);
	if (b.work_fd >= 0) {
		remove_tree(b.work);
		close(b.work_fd);
	}
	if (b.images_read)
		image_list_free(&b.images);
	dockerignore_free(&b.ignore);
	df_plan_free(&b.plan);
	dockerfile_free(&b.df);
	return rc;
}
