/* What the parts of the config.json reader share (oci_spec*.c). */
#ifndef HUSK_OCI_SPEC_INT_H
#define HUSK_OCI_SPEC_INT_H

#include "oci_spec.h"
#include "store.h"

/* "config.json: FIELD: what"; returns STORE_ERR. */
int oci_bad(const char *field, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Members of obj, type checked; *out is NULL when absent (and allowed). */
int oci_string(const json_t *obj, const char *key, const char *field,
	       int required, const char **out);
int oci_object(const json_t *obj, const char *key, const char *field,
	       int required, const json_t **out);
int oci_strings(const json_t *obj, const char *key, const char *field,
		int nonempty, const json_t **out);

/* mounts, linux.namespaces and hooks (oci_spec_linux.c). */
int oci_spec_linux(struct oci_spec *s);

#endif
