/*
 * Image names, normalized as Docker does: "alpine" is
 * "docker.io/library/alpine:latest", "me/app:1" is "docker.io/me/app:1",
 * "localhost:5000/app" keeps its registry. The store records the full
 * form; people see the short ("familiar") one.
 */
#ifndef HUSK_REF_H
#define HUSK_REF_H

#include <stddef.h>

#include "digest.h"

#define REF_NAME_MAX 255 /* Docker's limit on domain/path */
#define REF_TAG_MAX 128

struct ref {
	char domain[REF_NAME_MAX + 1]; /* "docker.io", "localhost:5000" */
	char path[REF_NAME_MAX + 1];   /* "library/alpine" */
	char tag[REF_TAG_MAX + 1];     /* "latest" unless a digest was given */
	struct digest digest;          /* "name@sha256:..." or unset */
};

/*
 * Parses and normalizes s. 0, or STORE_ERR with "invalid reference format:
 * ..." recorded (see store.h). A tag defaults to "latest" unless s names a
 * digest.
 */
int ref_parse(const char *s, struct ref *r);

/* "docker.io/library/alpine" */
void ref_repo_full(const struct ref *r, char *buf, size_t n);
/* "alpine" */
void ref_repo_short(const struct ref *r, char *buf, size_t n);
/* "docker.io/library/alpine:latest" (the form index.json records) */
void ref_full(const struct ref *r, char *buf, size_t n);
/* "alpine:latest" */
void ref_short(const struct ref *r, char *buf, size_t n);

/*
 * For a full name read back from index.json: the short repository and
 * the tag. 0, or -1 when full does not parse.
 */
int ref_split_short(const char *full, char *repo, size_t nrepo, char *tag,
		    size_t ntag);

#endif
