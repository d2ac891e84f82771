/*
 * Entry names inside archives. A name that climbs out of the archive
 * ("../x", "a/../../x") or starts at the root ("/etc/passwd") could make
 * whoever unpacks it write outside its directory: both are refused, never
 * quietly rewritten.
 */
#include <string.h>

#include "imgarchive.h"

int tar_path_clean(const char *in, char *out, size_t n, const char **why)
{
	size_t len = 0, k;
	const char *p = in;

	if (!*in) {
		*why = "an empty name";
		return -1;
	}
	if (*in == '/') {
		*why = "an absolute path";
		return -1;
	}
	while (*p) {
		k = strcspn(p, "/");
		if (k == 2 && p[0] == '.' && p[1] == '.') {
			*why = "a path that climbs out with \"..\"";
			return -1;
		}
		if (k && !(k == 1 && p[0] == '.')) {
			if (len + !!len + k + 1 > n) {
				*why = "a name too long";
				return -1;
			}
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, k);
			len += k;
		}
		p += k;
		p += *p == '/';
	}
	out[len] = '\0';
	return 0;
}

/* Drops the last component of out (len bytes); -1 at the root. */
static int pop(char *out, size_t *len)
{
	char *slash;

	if (!*len)
		return -1;
	out[*len] = '\0';
	slash = strrchr(out, '/');
	*len = slash ? (size_t)(slash - out) : 0;
	out[*len] = '\0';
	return 0;
}

int tar_path_resolve(const char *base, const char *target, char *out,
			 size_t n)
{
	const char *parts[2] = { base, target }, *p;
	size_t len = 0, k;
	int i;

	out[0] = '\0';
	for (i = 0; i < 2; i++) {
		for (p = parts[i]; *p; p += k, p += *p == '/') {
			k = strcspn(p, "/");
			if (!k || (k == 1 && p[0] == '.'))
				continue;
			if (k == 2 && p[0] == '.' && p[1] == '.') {
				if (pop(out, &len))
					return -1;
				continue;
			}
			if (len + !!len + k + 1 > n)
				return -1;
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, k);
			len += k;
			out[len] = '\0';
		}
	}
	return 0;
}
