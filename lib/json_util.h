/* Small jansson helpers with errors that name the document and field. */
#ifndef HUSK_JSON_UTIL_H
#define HUSK_JSON_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "digest.h"

/* Parses buf (n bytes) as a JSON object; what names it in errors. */
int json_parse_object(const char *buf, size_t n, const char *what,
		      json_t **out);

/* The string member key, or NULL when absent or not a string. */
const char *json_str(const json_t *obj, const char *key);

/* Reads a descriptor {mediaType, digest, size}; what names it in errors. */
int json_descriptor(const json_t *desc, const char *what, struct digest *d,
		    const char **media_type, int64_t *size);

/* A new descriptor object. */
json_t *json_new_descriptor(const char *media_type, const struct digest *d,
			    int64_t size);

/* Compact serialization in member order (deterministic). */
char *json_compact(const json_t *v, size_t *n);

#endif
