/*
 * .dockerignore patterns (see dockerignore.h), matched the way
 * moby/patternmatcher does:
 *
 * - A pattern with no wildcard must equal the path; "X**" (X without
 *   wildcards) matches paths starting with X; a pattern starting with "**"
 *   and otherwise plain matches paths ending with the rest ("**\/a" also
 *   matches "a"); anything else is a glob over the whole path where * and
 *   ? stay inside one path element, "**\/" is any number of directories
 *   and a final "**" anything.
 * - A path is matched by a pattern when the path or one of its parent
 *   directories is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dockerignore.h"

#define DI_MAX_FILE (16u << 20)

enum di_type { DI_EXACT, DI_PREFIX, DI_SUFFIX, DI_GLOB };
enum { T_LIT, T_ANY, T_STAR, T_CLASS, T_DIRS, T_REST };

struct di_range {
	unsigned lo, hi;
};

struct di_tok {
	int type;
	char c;			/* T_LIT */
	bool negate;		/* T_CLASS */
	struct di_range *r;
	size_t nr;
};

struct di_pattern {
	char *text;		/* cleaned, without the '!' */
	bool exception;
	enum di_type type;
	struct di_tok *tok;
	size_t ntok;
};

static int fail(char *err, size_t errlen, const char *file, int line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const char *file, int line,
		const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%d: %s", file, line, msg);
	return -1;
}

/* ---- Go's filepath.Clean ---- */

/* Where the last element of out[start..len) begins. */
static size_t last_elem(const char *out, size_t start, size_t len)
{
	while (len > start && out[len - 1] != '/')
		len--;
	return len;
}

static void put_elem(char *out, size_t *len, size_t start, const char *e,
		     size_t n)
{
	if (*len > start)
		out[(*len)++] = '/';
	memcpy(out + *len, e, n);
	*len += n;
}

/* ".." drops the last element; false when there is none to drop (or it
 * is a ".." itself, which only a relative path can keep). */
static bool pop_elem(const char *out, size_t *len, size_t start)
{
	size_t back = last_elem(out, start, *len);

	if (*len == start || (*len - back == 2 && !memcmp(out + back, "..", 2)))
		return false;
	*len = back > start ? back - 1 : start;
	return true;
}

static char *clean(const char *p)
{
	size_t n = strlen(p), len = 0, i = 0;
	bool rooted = n && p[0] == '/';
	size_t start = rooted ? 1 : 0;
	char *out = malloc(n + 2);

	if (!out)
		return NULL;
	if (rooted)
		out[len++] = '/';
	for (; i < n; i++) {
		size_t k = i;

		while (k < n && p[k] != '/')
			k++;
		if (k == i || (k - i == 1 && p[i] == '.')) {
			/* an empty or "." element */
		} else if (k - i != 2 || p[i] != '.' || p[i + 1] != '.') {
			put_elem(out, &len, start, p + i, k - i);
		} else if (!pop_elem(out, &len, start) && !rooted) {
			put_elem(out, &len, start, "..", 2);
		}
		i = k;
	}
	if (!len)
		out[len++] = '.';
	out[len] = 0;
	return out;
}

/* ---- compiling ---- */

/* One character of a class, with its escape; false on a syntax error. */
static bool class_char(const char *p, size_t len, size_t *pos, unsigned *c)
{
	size_t i = *pos, n = 1;
	unsigned v;

	if (i >= len || p[i] == '-' || p[i] == ']')
		return false;
	if (p[i] == '\\' && ++i >= len)
		return false;
	v = (unsigned char)p[i];
	if (v >= 0xc0) {
		n = v >= 0xf0 ? 4 : v >= 0xe0 ? 3 : 2;
		v &= 0x3f >> (n - 1);
		for (size_t k = 1; k < n; k++) {
			if (i + k >= len || ((unsigned char)p[i + k] & 0xc0) != 0x80)
				return false;
			v = v << 6 | ((unsigned char)p[i + k] & 0x3f);
		}
	}
	*pos = i + n;
	*c = v;
	return *pos < len;
}

/* "[...]" from the '[' at *pos; false on a syntax error. */
static bool compile_class(const char *p, size_t len, size_t *pos,
			  struct di_tok *t)
{
	size_t i = *pos + 1;

	t->type = T_CLASS;
	if (i < len && p[i] == '^') {
		t->negate = true;
		i++;
	}
	for (;;) {
		struct di_range r, *nr;

		if (i < len && p[i] == ']' && t->nr) {
			*pos = i + 1;
			return true;
		}
		if (!class_char(p, len, &i, &r.lo))
			return false;
		r.hi = r.lo;
		if (p[i] == '-') {
			i++;
			if (!class_char(p, len, &i, &r.hi) || r.hi < r.lo)
				return false;
		}
		nr = realloc(t->r, (t->nr + 1) * sizeof(*nr));
		if (!nr)
			return false;
		t->r = nr;
		t->r[t->nr++] = r;
	}
}

/* "**": a final one, a "**\/" in front of more, or the whole prefix. */
static void compile_stars(struct di_pattern *p, size_t *pos, size_t len,
			  bool first)
{
	struct di_tok *t = &p->tok[p->ntok];

	*pos += 2;
	if (*pos < len && p->text[*pos] == '/')
		(*pos)++;
	if (*pos == len && p->type == DI_EXACT) {
		p->type = DI_PREFIX;
	} else {
		t->type = *pos == len ? T_REST : T_DIRS;
		p->ntok++;
		p->type = DI_GLOB;
	}
	if (first)
		p->type = DI_SUFFIX;
}

static int compile(struct di_pattern *p, const char **why)
{
	const char *s = p->text;
	size_t len = strlen(s), pos = 0;

	p->type = DI_EXACT;
	p->tok = calloc(len + 1, sizeof(*p->tok));
	if (!p->tok)
		return *why = "out of memory", -1;
	for (bool first = true; pos < len; first = false) {
		struct di_tok *t = &p->tok[p->ntok];
		char ch = s[pos];

		if (ch == '*' && s[pos + 1] == '*') {
			compile_stars(p, &pos, len, first);
			continue;
		}
		if (ch == '[') {
			if (!compile_class(s, len, &pos, t)) {
				free(t->r);
				t->r = NULL;
				return *why = "bad [] class", -1;
			}
			p->ntok++;
			p->type = DI_GLOB;
			continue;
		}
		pos++;
		t->type = ch == '*' ? T_STAR : ch == '?' ? T_ANY : T_LIT;
		t->c = ch;
		if (ch == '\\') {
			if (pos == len)
				return *why = "trailing backslash", -1;
			t->c = s[pos++];
		}
		if (t->type != T_LIT || ch == '\\' || ch == ']')
			p->type = DI_GLOB;
		p->ntok++;
	}
	return 0;
}

/* ---- matching ---- */

static size_t rune(const char *s, size_t len, size_t i, unsigned *c)
{
	unsigned v = (unsigned char)s[i];
	size_t n = v >= 0xf0 ? 4 : v >= 0xe0 ? 3 : v >= 0xc0 ? 2 : 1;

	if (i + n > len)
		n = 1;
	if (n > 1) {
		v &= 0x3f >> (n - 1);
		for (size_t k = 1; k < n; k++)
			v = v << 6 | ((unsigned char)s[i + k] & 0x3f);
	}
	*c = v;
	return n;
}

static bool in_class(const struct di_tok *t, unsigned c)
{
	bool in = false;

	for (size_t i = 0; i < t->nr && !in; i++)
		in = c >= t->r[i].lo && c <= t->r[i].hi;
	return in != t->negate;
}

/*
 * One token's step: from every position where the tokens before it can
 * end (cur), where it can end (next). Returns true when a final "**"
 * reached the end of s, which matches whatever follows.
 */
static bool glob_step(const struct di_tok *t, const char *s, size_t len,
		      const bool *cur, bool *next)
{
	bool run = false;
	unsigned c;
	size_t i, n;

	memset(next, 0, len + 1);
	for (i = 0; i <= len; i++) {
		switch (t->type) {
		case T_LIT:
			if (cur[i] && i < len && s[i] == t->c)
				next[i + 1] = true;
			break;
		case T_ANY:
		case T_CLASS:
			if (!cur[i] || i >= len ||
			    (t->type == T_ANY && s[i] == '/'))
				break;
			n = rune(s, len, i, &c);
			if (t->type == T_ANY || in_class(t, c))
				next[i + n] = true;
			break;
		case T_STAR: /* a run of anything but '/' */
			run = cur[i] || (run && s[i - 1] != '/');
			next[i] |= run;
			break;
		case T_DIRS: /* here, or after any later '/' before a newline */
			if (cur[i])
				next[i] = run = true;
			if (i < len && s[i] == '\n')
				run = false;
			else if (i < len && s[i] == '/' && run)
				next[i + 1] = true;
			break;
		default: /* T_REST: up to the next newline, or the end */
			if (!cur[i])
				break;
			for (n = i; n < len && s[n] != '\n'; n++)
				;
			if (n == len)
				return true;
			next[n] = true;
		}
	}
	return false;
}

/*
 * Whether the pattern matches s[0, len) as a whole. With partial,
 * whether s could be the beginning of a path the pattern matches (true
 * as soon as some prefix of the tokens consumes all of s).
 *
 * Computed a token at a time for every position of s at once: the work is
 * tokens x length whatever the pattern. A backtracking search that tried
 * every length of every '*' was exponential in the number of stars
 * ("*a*a*a...*b" against a long name of a's spun for minutes in husk
 * build) and as deep as the pattern was long.
 */
static bool glob(const struct di_pattern *p, const char *s, size_t len,
		 bool partial)
{
	bool small[2][4097], *cur = small[0], *next = small[1], *t;
	bool *heap = NULL, r = false;

	if (len >= sizeof(small[0])) {
		heap = calloc(2 * (len + 1), sizeof(*heap));
		if (!heap) {
			/* no answer would be right: including an ignored
			 * file and excluding a wanted one are both wrong */
			fputs("husk: out of memory matching .dockerignore\n",
			      stderr);
			abort();
		}
		cur = heap, next = heap + len + 1;
	}
	memset(cur, 0, len + 1);
	cur[0] = true;
	for (size_t ti = 0; ti < p->ntok && !r; ti++) {
		if (partial && cur[len]) {
			r = true;
			break;
		}
		r = glob_step(&p->tok[ti], s, len, cur, next);
		t = cur, cur = next, next = t;
	}
	r = r || cur[len];
	free(heap);
	return r;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return k <= n && !memcmp(s + n - k, suffix, k);
}

/* Whether the pattern matches s[0..n). */
static bool matches(const struct di_pattern *p, const char *s, size_t n)
{
	size_t tl = strlen(p->text);

	switch (p->type) {
	case DI_EXACT:
		return n == tl && !memcmp(s, p->text, n);
	case DI_PREFIX:
		return n >= tl - 2 && !memcmp(s, p->text, tl - 2);
	case DI_SUFFIX:
		if (ends_with(s, n, p->text + 2))
			return true;
		return p->text[2] == '/' && n == tl - 3 &&
		       !memcmp(s, p->text + 3, n);
	default:
		return glob(p, s, n, false);
	}
}

/* The path itself, or one of its parent directories. */
static bool matches_or_parent(const struct di_pattern *p, const char *path)
{
	size_t n = strlen(path);

	if (matches(p, path, n))
		return true;
	for (size_t i = 0; i < n; i++)
		if (path[i] == '/' && matches(p, path, i))
			return true;
	return false;
}

static bool excluded_clean(const struct dockerignore *di, const char *path)
{
	bool excluded = false;

	if (!strcmp(path, "."))
		return false;
	for (size_t i = 0; i < di->n; i++) {
		const struct di_pattern *p = &di->pat[i];

		/* only a pattern that would change the answer is tried */
		if (p->exception != excluded)
			continue;
		if (matches_or_parent(p, path))
			excluded = !p->exception;
	}
	return excluded;
}

static char *context_path(const char *path)
{
	while (*path == '/')
		path++;
	return clean(path);
}

bool dockerignore_excluded(const struct dockerignore *di, const char *path)
{
	char *c = context_path(path);
	bool r = c && excluded_clean(di, c);

	free(c);
	return r;
}

/* Whether the pattern could match some path starting with prefix. */
static bool could_match_under(const struct di_pattern *p, const char *prefix)
{
	size_t n = strlen(prefix), tl = strlen(p->text);

	switch (p->type) {
	case DI_EXACT:
		return tl > n && !memcmp(p->text, prefix, n);
	case DI_PREFIX:
		return !memcmp(p->text, prefix, tl - 2 < n ? tl - 2 : n);
	case DI_SUFFIX:
		return true;
	default:
		return glob(p, prefix, n, true);
	}
}

bool dockerignore_skip_dir(const struct dockerignore *di, const char *dir)
{
	char *c = context_path(dir), *under;
	bool skip = c && excluded_clean(di, c);
	size_t n;

	if (!skip || !di->exceptions) {
		free(c);
		return skip;
	}
	n = strlen(c);
	under = malloc(n + 2);
	if (!under) {
		free(c);
		return false;
	}
	memcpy(under, c, n);
	strcpy(under + n, "/");
	for (size_t i = 0; skip && i < di->n; i++)
		if (di->pat[i].exception && could_match_under(&di->pat[i], under))
			skip = false;
	free(under);
	free(c);
	return skip;
}

/* ---- reading ---- */

static bool space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

static void trim(const char **s, size_t *n)
{
	while (*n && space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/*
 * The reader's normalization (ignorefile.ReadAll), then the matcher's
 * (patternmatcher.New), each cleaning the pattern once: "! /a/" ends as
 * an exception for "a".
 */
static char *normalize(const char *s, size_t n, bool *exception)
{
	bool invert = n && s[0] == '!';
	char *pat, *c;

	if (invert) {
		s++;
		n--;
		trim(&s, &n);
	}
	pat = malloc(n + 2);
	if (!pat)
		return NULL;
	pat[0] = '!';
	memcpy(pat + 1, s, n);
	pat[n + 1] = 0;
	c = n ? clean(pat + 1) : strdup("");
	if (!c)
		return free(pat), NULL;
	if (strlen(c) > 1 && c[0] == '/')
		memmove(c, c + 1, strlen(c));
	sprintf(pat, "%s%s", invert ? "!" : "", c);
	free(c);
	c = clean(pat);
	free(pat);
	*exception = c && c[0] == '!';
	if (c && *exception)
		memmove(c, c + 1, strlen(c));
	return c;
}

static int add_pattern(struct dockerignore *di, const char *file, int line,
		       const char *s, size_t n, char *err, size_t errlen)
{
	struct di_pattern *np, *p;
	const char *why = NULL;
	bool exception;
	char *text = normalize(s, n, &exception);

	if (!text)
		return fail(err, errlen, file, line, "out of memory");
	if (exception && !*text) {
		free(text);
		return fail(err, errlen, file, line,
			    "illegal exclusion pattern: \"!\"");
	}
	np = realloc(di->pat, (di->n + 1) * sizeof(*np));
	if (!np) {
		free(text);
		return fail(err, errlen, file, line, "out of memory");
	}
	di->pat = np;
	p = &di->pat[di->n++];
	memset(p, 0, sizeof(*p));
	p->text = text;
	p->exception = exception;
	di->exceptions |= exception;
	if (compile(p, &why))
		return fail(err, errlen, file, line, "bad pattern \"%s\": %s",
			    text, why);
	return 0;
}

int dockerignore_parse(const char *file, const char *text, size_t len,
		       struct dockerignore *di, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	int line = 0;

	memset(di, 0, sizeof(*di));
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p;
		size_t n = (size_t)((nl ? nl : end) - p);

		p = nl ? nl + 1 : end;
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (n && s[0] == '#')
			continue;
		trim(&s, &n);
		if (n && add_pattern(di, file, line, s, n, err, errlen)) {
			dockerignore_free(di);
			return -1;
		}
	}
	return 0;
}

/* 0 and the contents, 1 when the file does not exist, -1 on error. */
static int read_text(const char *path, char **buf, size_t *len, char *err,
		     size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t n = 0;
	ssize_t k;

	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > DI_MAX_FILE) {
		snprintf(err, errlen, "%s: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file of sane size");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*buf = malloc((size_t)st.st_size + 1);
	while (*buf && n < (size_t)st.st_size &&
	       (k = read(fd, *buf + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)k;
	close(fd);
	if (!*buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	*len = n;
	return 0;
}

int dockerignore_load(const char *context, const char *dockerfile,
		      struct dockerignore *di, char *err, size_t errlen)
{
	char path[4096];
	char *text = NULL;
	size_t len = 0;
	int rc = 1;

	memset(di, 0, sizeof(*di));
	if (dockerfile) {
		snprintf(path, sizeof(path), "%s.dockerignore", dockerfile);
		rc = read_text(path, &text, &len, err, errlen);
	}
	if (rc == 1) {
		snprintf(path, sizeof(path), "%s/.dockerignore", context);
		rc = read_text(path, &text, &len, err, errlen);
	}
	if (rc)
		return rc < 0 ? -1 : 0;
	rc = dockerignore_parse(path, text, len, di, err, errlen);
	free(text);
	return rc;
}

const char *dockerignore_pattern(const struct dockerignore *di, size_t i,
				 bool *exception)
{
	if (i >= di->n)
		return NULL;
	if (exception)
		*exception = di->pat[i].exception;
	return di->pat[i].text;
}

void dockerignore_free(struct dockerignore *di)
{
	for (size_t i = 0; i < di->n; i++) {
		for (size_t k = 0; k < di->pat[i].ntok; k++)
			free(di->pat[i].tok[k].r);
		free(di->pat[i].tok);
		free(di->pat[i].text);
	}
	free(di->pat);
	memset(di, 0, sizeof(*di));
}
