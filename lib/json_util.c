/* jansson helpers: parsing with located errors, descriptors. */
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "store.h"

int json_parse_object(const char *buf, size_t n, const char *what,
		      json_t **out)
{
	json_error_t err;

	*out = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &err);
	if (!*out)
		return store_fail(STORE_ERR, "%s: not valid JSON: line %d column "
				  "%d: %s", what, err.line, err.column, err.text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return store_fail(STORE_ERR, "%s: expected a JSON object", what);
	}
	return 0;
}

const char *json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int json_descriptor(const json_t *desc, const char *what, struct digest *d,
		    const char **media_type, int64_t *size)
{
	const char *digest;
	json_t *sz;

	if (!json_is_object(desc))
		return store_fail(STORE_ERR, "%s: expected a descriptor object", what);
	digest = json_str(desc, "digest");
	if (!digest)
		return store_fail(STORE_ERR, "%s: no \"digest\"", what);
	if (digest_parse(digest, d))
		return store_fail(STORE_ERR, "%s: digest \"%s\" is not sha256: and "
				  "64 lowercase hex digits", what, digest);
	sz = json_object_get(desc, "size");
	if (!json_is_integer(sz) || json_integer_value(sz) < 0)
		return store_fail(STORE_ERR, "%s: \"size\" must be a non-negative "
				  "integer", what);
	*size = json_integer_value(sz);
	if (media_type)
		*media_type = json_str(desc, "mediaType");
	return 0;
}

json_t *json_new_descriptor(const char *media_type, const struct digest *d,
			    int64_t size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest",
			 d->s, "size", (json_int_t)size);
}

char *json_compact(const json_t *v, size_t *n)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s && n)
		*n = strlen(s);
	return s;
}
