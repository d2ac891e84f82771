/*
 * Dockerfiles, as BuildKit's Dockerfile frontend reads them.
 *
 *   dockerfile.c         text -> stages of instructions (parser directives,
 *                        comments, continuations)
 *   dockerfile_inst.c    one logical line -> one typed instruction
 *   dockerfile_flags.c   --flags, and HEALTHCHECK's durations
 *   dockerfile_words.c   argument forms: exec/shell form (JSON arrays),
 *                        words, KEY=VALUE words; heredoc detection
 *   dockerfile_stages.c  the build plan: global ARGs, which stage each FROM
 *                        and COPY --from names, cycles, the stages a target
 *                        needs
 *   dfexpand.c           $VAR expansion in one word (dfexpand.h)
 *   dfexpand_inst.c      the ARG/ENV scope a stage builds with, and what
 *                        each instruction expands (dfexpand.h)
 *   dockerfile_str.c     the small string and vector helpers they share
 *   (dockerignore.h is the build context's .dockerignore, apart)
 *
 * Nothing is expanded at parse time: instructions keep their words as
 * written (quotes and escapes included), because what a variable means
 * depends on build arguments and on the base image's environment, which
 * only the builder knows. The builder walks df_plan's order and passes
 * each instruction through df_expand() (dfexpand.h) just before running
 * it.
 *
 * Errors are returned, never printed: a function that can fail returns
 * -1 and writes one line "FILE:LINE: INSTRUCTION: what is wrong" into the
 * caller's buffer (at most errlen bytes, always terminated).
 */
#ifndef HUSK_DOCKERFILE_H
#define HUSK_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Enough for any message this code writes. */
#define DF_ERRLEN 512

enum df_kind {
	DF_FROM,
	DF_ARG,
	DF_ENV,
	DF_LABEL,
	DF_RUN,
	DF_CMD,
	DF_ENTRYPOINT,
	DF_SHELL,
	DF_COPY,
	DF_ADD,
	DF_WORKDIR,
	DF_USER,
	DF_EXPOSE,
	DF_VOLUME,
	DF_STOPSIGNAL,
	DF_HEALTHCHECK,
	DF_ONBUILD,
	DF_MAINTAINER,
};

/* "COPY" for DF_COPY. */
const char *df_kind_name(enum df_kind kind);

/* An ENV, LABEL or ARG pair. value is NULL for an ARG without default. */
struct df_kv {
	char *key;
	char *value;
};

/* The --flags an instruction accepts; absent ones are NULL, false or -1. */
struct df_flags {
	char *from;		/* COPY */
	char *chown;		/* COPY, ADD */
	char *chmod;		/* COPY, ADD */
	char *checksum;		/* ADD */
	char *platform;		/* FROM */
	char *network;		/* RUN: "default", "none" or "host" */
	char *security;		/* RUN: "sandbox" or "insecure" */
	bool link;		/* COPY, ADD */
	bool parents;		/* COPY */
	bool keep_git_dir;	/* ADD */
	int unpack;		/* ADD --unpack[=bool]; -1 when not given */
	char **exclude;		/* COPY, ADD --exclude=PATTERN (repeatable) */
	size_t nexclude;
	/* HEALTHCHECK; 0 means "not given" (the runtime's default) */
	int64_t interval_ns;
	int64_t timeout_ns;
	int64_t start_period_ns;
	int64_t start_interval_ns;
	int retries;
};

/*
 * One instruction. args, by kind:
 *   RUN, CMD, ENTRYPOINT  exec form (json): the array; shell form: one
 *                         string, the rest of the line
 *   SHELL                 the JSON array (SHELL has no shell form)
 *   COPY, ADD             sources..., destination
 *   VOLUME, EXPOSE        the words (VOLUME may be a JSON array)
 *   WORKDIR, USER,
 *   STOPSIGNAL            one string, the rest of the line
 *   HEALTHCHECK           Docker's Test list: {"NONE"}, {"CMD", argv...}
 *                         (exec form) or {"CMD-SHELL", "command"}
 *   ONBUILD               {"RUN"}: the trigger's instruction word; the
 *                         whole trigger is in onbuild
 *   ENV, LABEL, ARG       none: the pairs are in kv
 *   MAINTAINER            none: recorded as the label maintainer=TEXT,
 *                         which df_expand leaves unexpanded
 */
struct df_inst {
	enum df_kind kind;
	int line;		/* first physical line, from 1 */
	int end_line;		/* last physical line (continuations) */
	char *text;		/* the logical line as written */
	bool json;		/* exec form: args came from a JSON array */
	char **args;
	size_t nargs;
	struct df_kv *kv;
	size_t nkv;
	struct df_flags fl;
	char *onbuild;		/* ONBUILD: the trigger, e.g. "RUN make" */
};

/* A build stage: a FROM line and the instructions up to the next one. */
struct df_stage {
	int index;
	char *name;		/* the AS name, lowercased; NULL without one */
	char *base;		/* FROM's image word as written */
	char *platform;		/* FROM --platform as written, or NULL */
	int line;
	char *text;		/* the FROM line */
	struct df_inst *inst;
	size_t ninst;
};

struct dockerfile {
	char *file;		/* the name errors use */
	char *syntax;		/* "# syntax=" value, or NULL */
	char *check;		/* "# check=" value, recorded only, or NULL */
	char escape;		/* '\\' or '`' */
	struct df_inst *meta;	/* the ARGs before the first FROM */
	size_t nmeta;
	struct df_stage *stage;
	size_t nstage;
	char **warnings;	/* what BuildKit reports as warnings */
	size_t nwarnings;
};

/* Parses text (len bytes, NUL not needed); file names it in errors. */
int dockerfile_parse(const char *file, const char *text, size_t len,
		     struct dockerfile *df, char *err, size_t errlen);
/* Reads and parses the file at path; errors name it as given. */
int dockerfile_load(const char *path, struct dockerfile *df, char *err,
		    size_t errlen);
void dockerfile_free(struct dockerfile *df);

/*
 * Parses one instruction written on one line, such as an ONBUILD trigger
 * found in a base image's config; file and line name it in errors,
 * escape is the escape character of the Dockerfile being built.
 */
int dockerfile_parse_line(const char *file, int line, char escape,
			  const char *text, struct df_inst *in, char *err,
			  size_t errlen);
void df_inst_free(struct df_inst *in);

/* An ordered set of variables: build arguments, or a stage's scope. */
struct df_vars {
	char **key;
	char **val;
	size_t n;
	size_t cap;
};

struct df_opts {
	const char *target;		/* --target NAME; NULL: the last stage */
	const struct df_vars *build_args;	/* --build-arg K=V; may be NULL */
	const char *platform;		/* target platform; NULL: linux/amd64 */
};

struct df_stage_plan {
	bool needed;		/* the target depends on it */
	int base;		/* the earlier stage FROM names, or -1 */
	char *image;		/* FROM's word after expansion (an image
				   reference or "scratch" when base is -1) */
	char *platform;		/* --platform after expansion, or NULL */
	int *copy_from;		/* per instruction: the stage COPY --from
				   names, or -1 (no --from, or an image) */
};

struct df_plan {
	const struct dockerfile *df;
	size_t nstage;			/* df->nstage when planned */
	int target;
	struct df_stage_plan *stage;	/* one per df->stage */
	int *order;			/* the needed stages, each after
					   the stages it uses */
	size_t norder;
	struct df_vars global;		/* what FROM lines see: platform
					   ARGs, then the global ARGs with
					   build arguments applied */
	struct df_vars build_args;
	char **warnings;
	size_t nwarnings;
};

/*
 * Resolves what the build needs, as BuildKit does: expands FROM words
 * with the global ARGs, finds the stage each FROM (earlier stages only)
 * and COPY --from (name or index, any stage) refers to, refuses cycles
 * and unknown targets, and orders the stages the target needs.
 */
int df_plan(const struct dockerfile *df, const struct df_opts *opts,
	    struct df_plan *plan, char *err, size_t errlen);
void df_plan_free(struct df_plan *plan);

/* The proxy variables Docker passes to RUN without an ARG declaring them. */
bool df_predefined_arg(const char *name);

#endif
