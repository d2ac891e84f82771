/*
 * .dockerignore: which files of the build context stay out, as Docker
 * reads the file (moby/patternmatcher and its ignorefile reader).
 *
 * One pattern a line. A line starting with '#' is a comment; blanks
 * around a pattern are dropped; a leading '!' makes an exception. The
 * pattern is cleaned like a path (Go's filepath.Clean: "./a//b/" is
 * "a/b", ".." resolved) and a leading '/' removed: the context's root is
 * "/". Patterns are Go filepath.Match globs (* ? [a-z] [^a-z] and \ to
 * escape) where "**" matches any number of directories, zero included.
 * A pattern that matches a directory matches everything under it. The
 * last pattern that matches a path decides: excluded, unless it is an
 * exception.
 */
#ifndef HUSK_DOCKERIGNORE_H
#define HUSK_DOCKERIGNORE_H

#include <stdbool.h>
#include <stddef.h>

struct di_pattern;

struct dockerignore {
	struct di_pattern *pat;
	size_t n;
	bool exceptions;	/* some pattern starts with '!' */
};

/* Parses text (len bytes); file names it in errors ("FILE:LINE: ..."). */
int dockerignore_parse(const char *file, const char *text, size_t len,
		       struct dockerignore *di, char *err, size_t errlen);

/*
 * Loads the ignore file a build uses: DOCKERFILE.dockerignore next to
 * the Dockerfile when it exists (Docker's per-Dockerfile ignore file),
 * else CONTEXT/.dockerignore; neither existing means no patterns.
 * dockerfile may be NULL.
 */
int dockerignore_load(const char *context, const char *dockerfile,
		      struct dockerignore *di, char *err, size_t errlen);

/* Whether the context-relative path (cleaned first; "/" is the context's
 * root) stays out of the build context. */
bool dockerignore_excluded(const struct dockerignore *di, const char *path);

/*
 * Whether a walk can skip the directory without looking inside: it is
 * excluded and no exception pattern can match anything below it.
 */
bool dockerignore_skip_dir(const struct dockerignore *di, const char *dir);

/* Pattern i as it is matched (cleaned, without its '!'). */
const char *dockerignore_pattern(const struct dockerignore *di, size_t i,
				 bool *exception);

void dockerignore_free(struct dockerignore *di);

#endif
