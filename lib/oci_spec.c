/*
 * config.json: the document, the process, the root and the resources
 * (oci_spec.h). Mounts, namespaces and hooks are in oci_spec_linux.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json_util.h"
#include "launch.h"
#include "oci_spec.h"
#include "oci_spec_int.h"
#include "signame.h"

int oci_bad(const char *field, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return store_fail(STORE_ERR, "config.json: %s: %s", field, what);
}

int oci_string(const json_t *obj, const char *key, const char *field,
	       int required, const char **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v && !required)
		return 0;
	if (!json_is_string(v))
		return oci_bad(field, v ? "must be a string" : "missing (a string is "
			       "required)");
	*out = json_string_value(v);
	return 0;
}

int oci_object(const json_t *obj, const char *key, const char *field,
	       int required, const json_t **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if ((!v || json_is_null(v)) && !required)
		return 0;
	if (!json_is_object(v))
		return oci_bad(field, v ? "must be an object" : "missing (an object "
			       "is required)");
	*out = v;
	return 0;
}

int oci_strings(const json_t *obj, const char *key, const char *field,
		int nonempty, const json_t **out)
{
	const json_t *v = json_object_get(obj, key);
	size_t i;

	*out = NULL;
	if ((!v || json_is_null(v)) && !nonempty)
		return 0;
	if (!json_is_array(v) || (nonempty && !json_array_size(v)))
		goto bad;
	for (i = 0; i < json_array_size(v); i++)
		if (!json_is_string(json_array_get(v, i)))
			goto bad;
	*out = v;
	return 0;
bad:
	return oci_bad(field, nonempty ? "must be a non-empty array of strings" :
		       "must be an array of strings");
}

static int get_bool(const json_t *obj, const char *key, const char *field,
		    int *out)
{
	const json_t *v = json_object_get(obj, key);

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return oci_bad(field, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

static int check_env(const json_t *env)
{
	char field[64];
	size_t i;

	for (i = 0; i < json_array_size(env); i++) {
		const char *kv = json_string_value(json_array_get(env, i));
		const char *eq = strchr(kv, '=');
		if (!eq || eq == kv) {
			snprintf(field, sizeof(field), "process.env[%zu]", i);
			return oci_bad(field, "expected KEY=VALUE, got '%s'", kv);
		}
	}
	return 0;
}

static int check_user(const json_t *proc)
{
	const json_t *user;
	int rc = oci_object(proc, "user", "process.user", 0, &user);
	const char *keys[] = { "uid", "gid" };
	char field[32];
	size_t i;

	for (i = 0; !rc && user && i < 2; i++) {
		const json_t *v = json_object_get(user, keys[i]);
		snprintf(field, sizeof(field), "process.user.%s", keys[i]);
		if (v && (!json_is_integer(v) || json_integer_value(v) < 0 ||
			  json_integer_value(v) > UINT32_MAX))
			rc = oci_bad(field, "must be a number from 0 to 4294967295");
	}
	return rc;
}

static int read_process(const json_t *doc, struct oci_spec *s)
{
	const json_t *proc;
	int rc = oci_object(doc, "process", "process", 1, &proc);

	if (!rc)
		rc = oci_strings(proc, "args", "process.args", 1, &s->args);
	if (!rc && !json_string_length(json_array_get(s->args, 0)))
		rc = oci_bad("process.args[0]", "the program must not be empty");
	if (!rc)
		rc = oci_strings(proc, "env", "process.env", 0, &s->env);
	if (!rc)
		rc = check_env(s->env);
	if (!rc)
		rc = oci_string(proc, "cwd", "process.cwd", 1, &s->cwd);
	if (!rc && s->cwd[0] != '/')
		rc = oci_bad("process.cwd", "must be an absolute path, got '%s'",
			     s->cwd);
	if (!rc)
		rc = get_bool(proc, "terminal", "process.terminal", &s->terminal);
	return rc ? rc : check_user(proc);
}

/* realpath of path; dir must exist and be a directory. */
static int real_dir(const char *path, const char *shown, char *out)
{
	struct stat st;

	if (!realpath(path, out))
		return oci_bad("root.path", "'%s': %s", shown, strerror(errno));
	if (stat(out, &st) || !S_ISDIR(st.st_mode))
		return oci_bad("root.path", "'%s' is not a directory", shown);
	return 0;
}

/* A relative root stays inside the bundle, even through links. */
static int resolve_root(const char *bundle, const char *path, char *out)
{
	char base[PATH_MAX], joined[2 * PATH_MAX];
	size_t n;
	int rc;

	if (path[0] == '/') {
		rc = real_dir(path, path, out);
		if (!rc && !strcmp(out, "/"))
			rc = oci_bad("root.path", "'%s' is the host's root directory",
				     path);
		return rc;
	}
	if (!realpath(bundle, base))
		return store_fail(STORE_ERR, "bundle %s: %s", bundle, strerror(errno));
	snprintf(joined, sizeof(joined), "%s/%s", base, path);
	rc = real_dir(joined, path, out);
	n = strlen(base);
	if (!rc && strcmp(out, base) && (strncmp(out, base, n) || out[n] != '/'))
		rc = oci_bad("root.path", "'%s' leads out of the bundle %s (to %s)",
			     path, base, out);
	return rc;
}

static int read_root(const json_t *doc, const char *bundle, struct oci_spec *s)
{
	const json_t *root;
	const char *path;
	int rc = oci_object(doc, "root", "root", 1, &root);

	if (!rc)
		rc = oci_string(root, "path", "root.path", 1, &path);
	if (!rc && !path[0])
		rc = oci_bad("root.path", "must not be empty");
	if (!rc)
		rc = get_bool(root, "readonly", "root.readonly", &s->readonly);
	return rc ? rc : resolve_root(bundle, path, s->root);
}

static int read_memory(const json_t *doc, struct oci_spec *s)
{
	const json_t *limit = json_object_get(json_object_get(json_object_get(
		json_object_get(doc, "linux"), "resources"), "memory"), "limit");
	const char *field = "linux.resources.memory.limit";
	json_int_t v;

	if (!limit || json_is_null(limit))
		return 0;
	if (!json_is_integer(limit))
		return oci_bad(field, "must be a number of bytes");
	v = json_integer_value(limit);
	if (v <= 0)         /* -1 and 0: no limit, the default size */
		return 0;
	if (v < LAUNCH_MIN_MEMORY)
		return oci_bad(field, "%lld bytes is below the 6 MiB a guest needs",
			       (long long)v);
	if (v > (1LL << 40))
		return oci_bad(field, "%lld bytes is more than the 1 TiB husk-vmm "
			       "supports", (long long)v);
	s->memory = v;
	return 0;
}

static int read_annotations(const json_t *doc, struct oci_spec *s)
{
	const char *key, *sig;
	json_t *v;
	char field[512];
	int rc = oci_object(doc, "annotations", "annotations", 0, &s->annotations);

	json_object_foreach((json_t *)s->annotations, key, v) {
		if (rc)
			break;
		snprintf(field, sizeof(field), "annotations.%s", key);
		if (!json_is_string(v))
			rc = oci_bad(field, "must be a string");
	}
	sig = json_str(s->annotations, OCI_ANNOT_STOP_SIGNAL);
	if (!rc && sig && signame_parse(sig, &s->stop_signal))
		rc = oci_bad("annotations." OCI_ANNOT_STOP_SIGNAL, "%s",
			     store_error());
	return rc;
}

int oci_spec_parse(const char *text, size_t n, const char *bundle,
		   struct oci_spec *s)
{
	json_error_t err;
	int rc;

	memset(s, 0, sizeof(*s));
	s->doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &err);
	if (!s->doc)
		return store_fail(STORE_ERR, "config.json:%d:%d: %s", err.line,
				  err.column, err.text);
	if (!json_is_object(s->doc))
		rc = store_fail(STORE_ERR, "config.json: must be a JSON object");
	else
		rc = oci_string(s->doc, "ociVersion", "ociVersion", 1, &s->oci_version);
	if (!rc && strncmp(s->oci_version, "1.", 2))
		rc = oci_bad("ociVersion", "'%s' is not a 1.x runtime-spec version",
			     s->oci_version);
	if (!rc)
		rc = read_process(s->doc, s);
	if (!rc)
		rc = oci_string(s->doc, "hostname", "hostname", 0, &s->hostname);
	if (!rc)
		rc = read_root(s->doc, bundle, s);
	if (!rc)
		rc = read_memory(s->doc, s);
	if (!rc)
		rc = read_annotations(s->doc, s);
	if (!rc)
		rc = oci_spec_linux(s);
	if (rc)
		oci_spec_free(s);
	return rc;
}

int oci_spec_load(const char *bundle, struct oci_spec *s)
{
	char path[PATH_MAX + 16], *buf;
	size_t n = 0;
	long size;
	FILE *f;
	int rc;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	f = fopen(path, "re");
	if (!f)
		return store_fail_errno("%s", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = size >= 0 && size < (64 << 20) ? malloc((size_t)size + 1) : NULL;
	if (buf)
		n = fread(buf, 1, (size_t)size, f);
	fclose(f);
	if (!buf)
		return store_fail(STORE_ERR, "%s: cannot read it (too large?)", path);
	rc = oci_spec_parse(buf, n, bundle, s);
	free(buf);
	return rc;
}

void oci_spec_free(struct oci_spec *s)
{
	if (s->doc)
		json_decref(s->doc);
	memset(s, 0, sizeof(*s));
}
