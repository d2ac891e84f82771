/* The builder's parts (see build.h); internal to lib/. */
#ifndef HUSK_BUILD_INT_H
#define HUSK_BUILD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "build.h"
#include "dfexpand.h"
#include "dockerignore.h"

#define BUILD_PATH 4096

/* One layer of a stage: a base image's (a store blob) or a built one
 * (a file in $HUSK_HOME/cache/blobs until the image is committed). */
struct build_layer {
	struct digest digest;
	struct digest diff_id;
	int64_t size;
	const char *media_type;
	bool built;
};

struct stage_state {
	const struct df_stage *st;
	json_t *image;			/* config being built: architecture,
					   os, created, config, history */
	struct build_layer *layers;
	size_t nlayers;
	struct df_vars scope;		/* ARG and ENV: what RUN sees */
	json_t *shell;			/* SHELL: a JSON array of strings */
	struct digest key;		/* cache key of the state so far */
	char root[BUILD_PATH];		/* its tree, once unpacked */
	size_t applied;			/* layers unpacked into root */
	bool cmd_set;			/* this stage set CMD */
	bool done;
};

struct build {
	struct store *s;
	const struct build_opts *o;
	struct dockerfile df;
	struct df_plan plan;
	struct stage_state *stage;	/* one per df.stage */
	struct dockerignore ignore;
	char work[BUILD_PATH];		/* tmp/build-XXXXXX, locked */
	int work_fd;
	int64_t clamp;			/* layer times: SOURCE_DATE_EPOCH or 0 */
	int64_t sde;			/* creation time when sde_set */
	bool sde_set;
	int step;			/* progress number of the current step */
	unsigned serial;		/* unique names in work */
	struct image_list images;	/* the store's images, read once */
	bool images_read;
	bool private_mounts;		/* in its own mount namespace */
};

/* ---- build.c ---- */

/* "Dockerfile:LINE: TEXT: why", the status given. */
int build_fail_at(int status, const struct build *b, const struct df_inst *in,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A fresh directory under the build's work directory. */
int build_scratch_dir(struct build *b, const char *what, char *out, size_t n);
/* Seconds for history and "created": SOURCE_DATE_EPOCH or now. */
int64_t build_now(const struct build *b);

/* ---- build_stage.c ---- */

/* The stage's starting state from FROM (scratch, an image, a stage). */
int stage_begin(struct build *b, int index);
/* Its tree, unpacked up to its last layer. */
int stage_root(struct build *b, struct stage_state *ss);
/* An image of the store by name or ID, for FROM and COPY --from. */
int build_find_image(struct build *b, const char *what, struct image **img);
/* An image's tree unpacked for COPY --from=IMAGE; root gets where. */
int stage_image_root(struct build *b, const char *name, char *root, size_t n);
/* Appends a history entry; empty for a metadata-only step. */
int stage_history(struct stage_state *ss, const char *created_by,
		  int64_t created, bool empty);
int stage_add_layer(struct stage_state *ss, const struct build_layer *l);
/* The "config" object of the image being built. */
json_t *stage_config(struct stage_state *ss);
void stage_state_free(struct stage_state *ss);

/* ---- build_meta.c ---- */

/* Applies a config-only instruction (already expanded). */
int meta_apply(struct build *b, struct stage_state *ss,
	       const struct df_inst *in);
/* Whether the instruction changes files (COPY, ADD, RUN, WORKDIR). */
bool meta_changes_files(enum df_kind kind);
/* Sets KEY=VALUE in a config's Env list, replacing KEY's old value. */
int env_list_set(json_t *env, const char *key, const char *value);

/* ---- build_cache.c ---- */

struct cache_entry {
	int64_t created;
	bool has_layer;
	struct build_layer layer;
};

/* key = sha256(parent key, "\n", text bytes). */
int cache_chain(const struct digest *parent, const char *text, size_t n,
		struct digest *key);
/* An instruction's text for its key: kind, flags, words, pairs. */
char *cache_inst_text(const struct df_inst *in);
/* 1 when found (and its layer is still there), 0 when not. */
int cache_lookup(struct build *b, const struct digest *key,
		 struct cache_entry *e);
int cache_store(struct build *b, const struct digest *key,
		const struct cache_entry *e);
/* Where a built layer's tar lives: cache/blobs/<hex>. */
int cache_blob_path(const struct build *b, const struct digest *d, char *buf,
		    size_t n);
/* The layer of upper (a directory) as a blob in cache/blobs. */
int cache_put_layer(struct build *b, const char *upper,
		    struct build_layer *l);
/* A pending store blob copied from the cached layer, for the commit. */
int cache_layer_writer(struct build *b, const struct build_layer *l,
		       struct blob_writer *w);

/* ---- build_path.c ---- */

/*
 * root + path with every symbolic link on the way resolved inside root
 * (absolute targets from root, ".." never above it), as the path would
 * resolve in a container whose root is root. Missing components stay.
 */
int build_resolve(const char *root, const char *path, char *out, size_t n);
/* "a/b" ("b" when a is empty); STORE_ERR when it does not fit. */
int path_join(char *out, size_t n, const char *a, const char *b);

/* ---- build_users.c ---- */

/*
 * "USER[:GROUP]" (names or numbers) to ids, names looked up in root's
 * /etc/passwd and /etc/group. Without a group: the uid itself when
 * gid_from_uid (COPY --chown, as Docker documents it), else the user's
 * primary group from /etc/passwd (0 for a bare number), as USER does.
 */
int users_resolve(const char *root, const char *spec, bool gid_from_uid,
		  uint32_t *uid, uint32_t *gid, char *err, size_t errlen);
/* --chmod's octal mode, at most 07777. */
int users_parse_mode(const char *s, unsigned *mode);

/* ---- build_copy.c ---- */

/*
 * COPY or ADD of an expanded instruction from src_root (the context,
 * with ignore; or a stage's or an image's tree, ignore NULL); adds the
 * step's layer and records it in the cache under key.
 */
int copy_step(struct build *b, struct stage_state *ss, const struct df_inst *in,
	      const char *src_root, const struct dockerignore *ignore,
	      const struct digest *key);
/* What a COPY reads, for its cache key; a missing source is an error. */
int copy_sources_digest(struct build *b, const struct df_inst *in,
			const char *root, const struct dockerignore *ignore,
			struct digest *d);

/* ---- build_run.c ---- */

int run_step(struct build *b, struct stage_state *ss, const struct df_inst *in,
	     const struct digest *key);
/* The argv RUN executes: exec form as is, shell form after SHELL. */
json_t *run_argv(const struct stage_state *ss, const struct df_inst *in);

/* ---- build_step.c: a filesystem step on an overlay ---- */

struct fs_step {
	char upper[BUILD_PATH];
	char work[BUILD_PATH];
	char merged[BUILD_PATH];
	bool mounted;
};

/* Mounts an overlay of the stage's tree; changes go to step->merged. */
int fs_step_begin(struct build *b, struct stage_state *ss, struct fs_step *fs);
/* Unmounts (when still mounted); the upper directory is then final. */
int fs_step_unmount(struct fs_step *fs);
/* Unmounts, stores the change as a layer, applies it to the tree. */
int fs_step_end(struct build *b, struct stage_state *ss, struct fs_step *fs,
		struct cache_entry *e);
/* Unmounts after a failure. */
void fs_step_abort(struct fs_step *fs);

/* ---- build_print.c ---- */

void print_step(struct build *b, const struct stage_state *ss, size_t i,
		const struct df_inst *in);
void print_line(struct build *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A program's output line, prefixed with the step and elapsed time. */
void print_output(struct build *b, double elapsed, const char *line,
		  size_t n);

/* ---- context.c ---- */

/*
 * The paths under root that a COPY source pattern names: root-relative,
 * sorted; Go filepath.Match globs per component. ignore (may be NULL)
 * removes what .dockerignore excludes. 0 matches is not an error here.
 */
int context_match(const char *root, const char *pattern,
		  const struct dockerignore *ignore, char ***out, size_t *n);
void context_free_list(char **v, size_t n);
/* Adds a path's names, modes, link targets and contents (recursively for
 * a directory, honouring ignore) to a hash. */
int context_hash(const char *root, const char *rel,
		 const struct dockerignore *ignore, struct digest_ctx *h);
/* Whether rel, or a path below it, stays out of the context. */
bool context_ignored(const struct dockerignore *ignore, const char *rel);

/* ---- overlay.c ---- */

int overlay_mount(const char *lower, const char *upper, const char *work,
		  const char *merged);
int overlay_unmount(const char *merged);
/* Turns overlayfs whiteouts and opaque directories in upper into OCI
 * ".wh.NAME" and ".wh..wh..opq" files. */
int overlay_to_oci(const char *upper);

/* ---- layerdiff.c ---- */

/* Applies a layer (tar, any compression) onto dir: whiteouts delete,
 * opaque directories are emptied first; label names it in errors. */
int layer_apply(int fd, const char *dir, const char *label);

#endif
