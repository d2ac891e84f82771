/*
 * An OCI runtime bundle's config.json (runtime-spec 1.x), read for
 * husk-runtime: what a unikernel can honour is taken, everything is type
 * checked, and what it cannot honour is refused by name rather than
 * silently dropped. Errors follow the store's convention (store_error())
 * and name the field: "config.json: process.args: must be a non-empty
 * array of strings".
 *
 * Paths: a relative root.path is resolved inside the bundle and may not
 * leave it, through ".." or through a symbolic link (engines that mount
 * the root elsewhere give an absolute path, which is taken as it is; the
 * host's "/" is refused). Annotations are data: they are checked and
 * recorded, never turned into arguments.
 */
#ifndef HUSK_OCI_SPEC_H
#define HUSK_OCI_SPEC_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define OCI_ANNOT_STOP_SIGNAL "org.opencontainers.image.stopSignal"

/* The hooks husk-runtime runs, all on the host (there is no container
 * mount namespace for createContainer and startContainer to run in). */
enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KINDS,
};

struct oci_spec {
	json_t *doc;                  /* the whole config.json */
	const char *oci_version;
	char root[PATH_MAX];          /* root.path, absolute */
	int readonly;
	const json_t *args;           /* process.args: non-empty strings */
	const json_t *env;            /* process.env: "KEY=VALUE" strings */
	const char *cwd;              /* process.cwd: absolute */
	int terminal;
	const char *hostname;         /* or NULL */
	int64_t memory;               /* linux.resources.memory.limit; 0: none */
	int stop_signal;              /* from the annotation; 0: none */
	const json_t *annotations;    /* object of strings, or NULL */
	int new_netns;                /* a network namespace without a path */
	const char *netns_path;       /* one to join, or NULL */
	const json_t *hooks[OCI_HOOK_KINDS]; /* arrays, or NULL */
};

/* Reads BUNDLE/config.json. */
int oci_spec_load(const char *bundle, struct oci_spec *s);
/* The same from text (n bytes); bundle resolves a relative root.path. */
int oci_spec_parse(const char *text, size_t n, const char *bundle,
		   struct oci_spec *s);
void oci_spec_free(struct oci_spec *s);

/* The hooks' names in config.json ("prestart"...). */
const char *oci_hook_name(enum oci_hook_kind k);

#endif
