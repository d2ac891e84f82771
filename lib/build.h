/*
 * husk build: a Dockerfile and its context into an image in the store.
 *
 *   build.c         the driver: parse, plan, run the stages the target
 *                   needs, commit the last one with its names
 *   build_stage.c   a stage's state: its base, its layers, its config,
 *                   its root filesystem (unpacked only when a step needs
 *                   the files)
 *   build_meta.c    the instructions that only change the config
 *   build_copy.c    COPY and ADD
 *   build_run.c     RUN, through runc with a generated OCI bundle
 *   build_cache.c   the per-instruction cache under $HUSK_HOME/cache
 *   build_users.c   user and group names from a stage's /etc/passwd and
 *                   /etc/group (--chown, USER)
 *   build_print.c   progress lines in BuildKit's plain style
 *   context.c       the build context: .dockerignore, source globs,
 *                   the digest of what a COPY reads
 *   overlay.c       a step's overlay mount, whiteouts into OCI ".wh."
 *   layerdiff.c     a layer tar applied onto a directory
 *
 * Every filesystem step runs on an overlay whose lower directory is the
 * stage's tree and whose upper directory collects the change; the upper
 * directory, its whiteouts turned into ".wh." files, is the step's layer
 * (a normalized tar: byte-ordered entries, times clamped to
 * SOURCE_DATE_EPOCH or 0), which is then applied onto the stage's tree.
 * That needs root (overlayfs, runc); a build without root is refused.
 *
 * Errors follow the store's convention: a status (STORE_ERR, or
 * BUILD_STEP_FAILED for an instruction that failed) and a message for
 * store_error().
 */
#ifndef HUSK_BUILD_H
#define HUSK_BUILD_H

#include <stdio.h>

#include "dockerfile.h"
#include "store.h"

/* A RUN that exited non-zero: Docker's status for a failed build. */
#define BUILD_STEP_FAILED 1

struct build_opts {
	const char *context;		/* directory */
	const char *dockerfile;		/* NULL: CONTEXT/Dockerfile */
	const char *const *tags;	/* names for the result */
	size_t ntags;
	const struct df_vars *build_args;
	const char *target;		/* NULL: the last stage */
	int no_cache;
	int network_host;		/* RUN shares the host's network */
	FILE *progress;			/* BuildKit-like lines; NULL: quiet */
};

/* Builds and stores the image; its ID goes to *id. */
int build_image(struct store *s, const struct build_opts *o,
		struct digest *id);

/* build_cache_prune's answer while a build holds the cache: nothing done. */
#define BUILD_CACHE_BUSY (-2)

/*
 * Removes every build-cache entry (reported as "deleted build cache" with
 * its key) and every layer built for one, adding the bytes freed to
 * *reclaimed. BUILD_CACHE_BUSY, having removed nothing, while a build
 * runs.
 */
int build_cache_prune(struct store *s, store_report_fn report, void *arg,
		      int64_t *reclaimed);

#endif
