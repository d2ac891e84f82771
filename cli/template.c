/*
 * --format: the part of Go's text/template that Docker users write.
 * Actions are {{.Path}}, {{.}}, and the functions json, join, upper,
 * lower and len applied to one path. Anything else (if, range, pipes) is
 * refused with a message, never silently printed wrong.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct buf {
	char *p;
	size_t n, cap;
};

static int put(struct buf *b, const char *s, size_t n)
{
	char *p;

	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		p = realloc(b->p, b->cap);
		if (!p)
			return -1;
		b->p = p;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

static int puts_buf(struct buf *b, const char *s)
{
	return put(b, s, strlen(s));
}

static int in_list(const char *const *names, const char *path)
{
	for (; names && *names; names++)
		if (!strcmp(*names, path))
			return 1;
	return 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Where a value sits (".Config.Cmd" is "Config.Cmd"), to know its Go type. */
struct where {
	const struct template_types *types;
	char path[1100];
};

static int print_value(struct buf *b, const json_t *v, const struct where *w);

static void child(const struct where *w, const char *key, struct where *c)
{
	c->types = w->types;
	if (snprintf(c->path, sizeof(c->path), "%s%s%s", w->path,
		     w->path[0] ? "." : "", key) >= (int)sizeof(c->path))
		c->path[0] = '\0'; /* too deep to be a typed field */
}

/* map[k:v k2:v2], keys sorted as Go's fmt sorts them. */
static int print_map(struct buf *b, const json_t *v)
{
	static const struct template_types none;
	const struct where w = { &none, "" };
	size_t n = json_object_size(v), i = 0;
	const char **keys = malloc((n ? n : 1) * sizeof(*keys));
	const char *k;
	json_t *x;
	int rc = 0;

	if (!keys)
		return -1;
	json_object_foreach((json_t *)v, k, x)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), by_key);
	rc = puts_buf(b, "map[");
	for (i = 0; !rc && i < n; i++) {
		rc = (i ? puts_buf(b, " ") : 0) || puts_buf(b, keys[i]) ||
		     puts_buf(b, ":") ||
		     print_value(b, json_object_get(v, keys[i]), &w);
	}
	free(keys);
	return rc || puts_buf(b, "]");
}

/* A struct prints as {field1 field2}. */
static int print_struct(struct buf *b, const json_t *v, const struct where *w)
{
	struct where c;
	const char *k;
	json_t *x;
	int first = 1, rc = puts_buf(b, "{");

	json_object_foreach((json_t *)v, k, x) {
		child(w, k, &c);
		rc = rc || (first ? 0 : puts_buf(b, " ")) || print_value(b, x, &c);
		first = 0;
	}
	return rc || puts_buf(b, "}");
}

static int print_value(struct buf *b, const json_t *v, const struct where *w)
{
	static const struct template_types none;
	const struct where elem = { &none, "" };
	int is_list = in_list(w->types->lists, w->path);
	int is_map = in_list(w->types->maps, w->path);
	char num[64];
	size_t i;
	int rc = 0;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return put(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return puts_buf(b, num);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		return puts_buf(b, num);
	case JSON_TRUE:
		return puts_buf(b, "true");
	case JSON_FALSE:
		return puts_buf(b, "false");
	case JSON_ARRAY:
		rc = puts_buf(b, "[");
		for (i = 0; !rc && i < json_array_size(v); i++)
			rc = (i ? puts_buf(b, " ") : 0) ||
			     print_value(b, json_array_get(v, i), &elem);
		return rc || puts_buf(b, "]");
	case JSON_OBJECT:
		return is_map ? print_map(b, v) : print_struct(b, v, w);
	default:
		return puts_buf(b, is_list ? "[]" : is_map ? "map[]" : "<nil>");
	}
}

struct action {
	char words[4][512];
	int n;
};

/* Splits an action into words; "quoted strings" keep their spaces. */
static int split_action(const char *s, size_t len, struct action *a)
{
	size_t i = 0, k;

	a->n = 0;
	while (i < len) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i == len)
			break;
		if (a->n == 4)
			return -1;
		k = 0;
		if (s[i] == '"') {
			for (i++; i < len && s[i] != '"' && k < 511; i++)
				a->words[a->n][k++] = s[i] == '\\' && i + 1 < len &&
					s[i + 1] == '"' ? s[++i] : s[i];
			if (i == len)
				return -1;
			i++;
		} else {
			while (i < len && !isspace((unsigned char)s[i]) && k < 511)
				a->words[a->n][k++] = s[i++];
		}
		a->words[a->n++][k] = '\0';
	}
	return 0;
}

/* Follows ".A.B" from data; *missing when a key is absent. */
static const json_t *lookup(const json_t *data, const char *path,
			    const struct template_types *types, int *missing,
			    char *bad, size_t nbad)
{
	char key[512], sofar[1100] = "";
	const char *p = path + 1, *dot;
	const json_t *v = data;

	*missing = 0;
	while (*p) {
		dot = strchr(p, '.');
		snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - p) : (int)strlen(p), p);
		if (!json_is_object(v) || !json_object_get(v, key)) {
			/* A key missing from a map is Go's <no value>, not an error. */
			*missing = in_list(types->maps, sofar) ? 1 : 2;
			snprintf(bad, nbad, "%s", key);
			return NULL;
		}
		snprintf(sofar + strlen(sofar), sizeof(sofar) - strlen(sofar), "%s%s",
			 sofar[0] ? "." : "", key);
		v = json_object_get(v, key);
		p = dot ? dot + 1 : p + strlen(p);
	}
	return v;
}

static int run_function(struct buf *b, const struct action *a, const json_t *v,
			const struct where *w)
{
	static const struct template_types none;
	const struct where elem = { &none, "" };
	const char *f = a->words[0];
	struct buf tmp = { 0 };
	char *s, num[32];
	size_t i;
	int rc;

	if (!strcmp(f, "json")) {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		rc = s ? puts_buf(b, s) : -1;
		free(s);
		return rc;
	}
	if (!strcmp(f, "join")) {
		for (i = 0, rc = 0; !rc && i < json_array_size(v); i++)
			rc = (i ? puts_buf(b, a->words[2]) : 0) ||
			     print_value(b, json_array_get(v, i), &elem);
		return rc;
	}
	if (!strcmp(f, "len")) {
		snprintf(num, sizeof(num), "%zu", json_is_array(v) ? json_array_size(v) :
			 json_is_object(v) ? json_object_size(v) :
			 json_is_string(v) ? json_string_length(v) : 0);
		return puts_buf(b, num);
	}
	rc = print_value(&tmp, v, w);
	for (i = 0; !rc && i < tmp.n; i++)
		tmp.p[i] = (char)(!strcmp(f, "upper") ? toupper((unsigned char)tmp.p[i]) :
				  tolower((unsigned char)tmp.p[i]));
	rc = rc || put(b, tmp.p ? tmp.p : "", tmp.n);
	free(tmp.p);
	return rc;
}

static int bad_template(const char *action, size_t len, const char *why)
{
	return cli_fail(EXIT_HUSK, "template: {{%.*s}}: %s", (int)len, action, why);
}

static int known_function(const struct action *a)
{
	const char *f = a->words[0];

	if (!strcmp(f, "join"))
		return a->n == 3;
	return a->n == 2 && (!strcmp(f, "json") || !strcmp(f, "upper") ||
			     !strcmp(f, "lower") || !strcmp(f, "len"));
}

static int render_action(struct buf *b, const char *s, size_t len,
			 const json_t *data, const struct template_types *types)
{
	struct action a;
	struct where w;
	const char *path;
	const json_t *v;
	char bad[512];
	int missing;

	if (split_action(s, len, &a) || a.n == 0)
		return bad_template(s, len, "cannot parse this action");
	if (a.n > 1 && !known_function(&a))
		return bad_template(s, len, "husk's --format supports .Field, "
				    "json .Field, join .Field \"sep\", upper, lower "
				    "and len");
	path = a.n == 1 ? a.words[0] : a.words[1];
	if (path[0] != '.')
		return bad_template(s, len, "expected a field such as .ID");
	v = lookup(data, path, types, &missing, bad, sizeof(bad));
	if (missing == 1)
		return puts_buf(b, "<no value>") ? EXIT_HUSK : 0;
	if (missing)
		return bad_template(s, len, "no such field");
	w.types = types;
	snprintf(w.path, sizeof(w.path), "%s", path + 1);
	if (a.n == 1)
		return print_value(b, v, &w) ? EXIT_HUSK : 0;
	return run_function(b, &a, v, &w) ? EXIT_HUSK : 0;
}

/* Docker turns the two-character \t and \n into a tab and a newline. */
static int literal(struct buf *b, const char *s, size_t len)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' || s[i + 1] == 'n')) {
			rc = put(b, s[i + 1] == 't' ? "\t" : "\n", 1);
			i++;
		} else {
			rc = put(b, s + i, 1);
		}
	}
	return rc;
}

int template_render(const char *format, const json_t *data,
		    const struct template_types *types, char **out)
{
	struct buf b = { 0 };
	const char *p = format, *open, *close;
	int rc = 0;

	while (!rc && (open = strstr(p, "{{"))) {
		close = strstr(open + 2, "}}");
		if (!close) {
			rc = cli_fail(EXIT_HUSK, "template: unclosed action \"{{\" in "
				      "\"%s\"", format);
			break;
		}
		rc = literal(&b, p, (size_t)(open - p)) ? EXIT_HUSK :
			render_action(&b, open + 2, (size_t)(close - open - 2), data,
				      types);
		p = close + 2;
	}
	if (!rc && literal(&b, p, strlen(p)))
		rc = EXIT_HUSK;
	if (!rc && !b.p)
		b.p = calloc(1, 1);
	if (rc || !b.p) {
		free(b.p);
		return rc ? rc : cli_fail(EXIT_HUSK, "out of memory");
	}
	*out = b.p;
	return 0;
}

int template_is_table(const char *format)
{
	return !strncmp(format, "table", 5) && (!format[5] || isspace((unsigned char)format[5]));
}

const char *template_body(const char *format)
{
	if (!template_is_table(format))
		return format;
	format += 5;
	while (*format == ' ')
		format++;
	return format;
}
