/*
 * A Dockerfile's text into stages of instructions, following BuildKit's
 * parser (frontend/dockerfile/parser):
 *
 * - Parser directives ("# syntax=...", "# escape=\" or "`", "# check=...")
 *   count only at the very top: the first line that is not one (a
 *   comment, an empty line, an instruction, an unknown directive) ends
 *   them. A directive may appear once.
 * - A line whose first non-blank character is '#' is a comment, also in
 *   the middle of a continued instruction; '#' anywhere else is text.
 * - The escape character at the end of a line (blanks after it allowed)
 *   joins the next line, without adding a space, unless it is itself
 *   escaped. Empty lines inside a continuation are skipped with a
 *   warning, as BuildKit does.
 * - Leading blanks of an instruction's first line are dropped; those of
 *   continuation lines are kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dockerfile_int.h"

/* The largest Dockerfile we read, far above any real one. */
#define DF_MAX_FILE (16u << 20)

struct reader {
	const char *p;
	const char *end;
	int line;		/* of the line last returned */
};

/* The next physical line without its line ending; false at the end. */
static bool next_line(struct reader *r, const char **s, size_t *n)
{
	const char *nl;

	if (r->p >= r->end)
		return false;
	nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	*s = r->p;
	*n = (size_t)((nl ? nl : r->end) - r->p);
	r->p = nl ? nl + 1 : r->end;
	while (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	if (r->line == 0 && *n >= 3 && !memcmp(*s, "\xef\xbb\xbf", 3)) {
		*s += 3;
		*n -= 3;
	}
	r->line++;
	return true;
}

static void skip_space(const char **s, size_t *n)
{
	while (*n && df_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
}

static bool is_comment(const char *s, size_t n)
{
	skip_space(&s, &n);
	return n && *s == '#';
}

/* Go's regexp \s: space, \t, \n, \f, \r (not \v). */
static bool re_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/*
 * Matches "#\s*KEY\s*=\s*VALUE\s*" where KEY is [a-zA-Z][a-zA-Z0-9]* and
 * VALUE is not empty; key and value point into s.
 */
static bool match_directive(const char *s, size_t n, const char **key,
			    size_t *klen, const char **val, size_t *vlen)
{
	size_t i = 0;

	if (!n || s[0] != '#')
		return false;
	for (i = 1; i < n && re_space((unsigned char)s[i]); i++)
		;
	if (i >= n || !is_alpha((unsigned char)s[i]))
		return false;
	*key = s + i;
	while (i < n && is_alnum((unsigned char)s[i]))
		i++;
	*klen = (size_t)(s + i - *key);
	while (i < n && re_space((unsigned char)s[i]))
		i++;
	if (i >= n || s[i] != '=')
		return false;
	for (i++; i < n && re_space((unsigned char)s[i]); i++)
		;
	while (n > i && re_space((unsigned char)s[n - 1]))
		n--;
	if (i >= n)
		return false;
	*val = s + i;
	*vlen = n - i;
	return true;
}

struct directives {
	bool done;
	bool seen_syntax, seen_escape, seen_check;
};

static bool *directive_seen(struct directives *d, const char *key,
			    size_t klen)
{
	if (klen == 6 && !strncasecmp(key, "syntax", 6))
		return &d->seen_syntax;
	if (klen == 6 && !strncasecmp(key, "escape", 6))
		return &d->seen_escape;
	if (klen == 5 && !strncasecmp(key, "check", 5))
		return &d->seen_check;
	return NULL;
}

/* Records a directive whose value directive() has checked. */
static int set_directive(struct df_ctx *c, struct dockerfile *df,
			 const char *key, const char *val, size_t vlen)
{
	char **slot;

	if (!strncasecmp(key, "escape", 6)) {
		c->escape = *val;
		df->escape = *val;
		return 0;
	}
	slot = !strncasecmp(key, "syntax", 6) ? &df->syntax : &df->check;
	*slot = df_strndup(val, vlen);
	return *slot ? 0 : -1;
}

/* Looks at one line (leading blanks already dropped) while directives
 * may still come. */
static int directive(struct df_ctx *c, struct dockerfile *df,
		     struct directives *d, const char *s, size_t n, int line)
{
	const char *key, *val;
	size_t klen, vlen;
	bool *seen;

	if (d->done)
		return 0;
	if (!match_directive(s, n, &key, &klen, &val, &vlen) ||
	    !(seen = directive_seen(d, key, klen))) {
		d->done = true;
		return 0;
	}
	if (*seen)
		return df_fail_at(c, line, NULL,
				  "only one %.*s parser directive can be used",
				  (int)klen, key);
	*seen = true;
	if (klen == 6 && !strncasecmp(key, "escape", 6) &&
	    (vlen != 1 || (*val != '\\' && *val != '`')))
		return df_fail_at(c, line, NULL,
				  "invalid escape token '%.*s' does not match ` or \\",
				  (int)vlen, val);
	if (set_directive(c, df, key, val, vlen))
		return df_fail_at(c, line, NULL, "out of memory");
	return 0;
}

/*
 * Drops a line-continuation escape (and the blanks after it) from the end
 * of s; true if there was one. An escape preceded by another escape is
 * text, as in BuildKit (which cannot see further back: "\\\" at the end
 * of a line is not a continuation either).
 */
static bool trim_continuation(char esc, const char *s, size_t *n)
{
	size_t k = *n;

	while (k && df_blank((unsigned char)s[k - 1]))
		k--;
	if (!k || s[k - 1] != esc)
		return false;
	if (k >= 2 && s[k - 2] == esc)
		return false;
	*n = k - 1;
	return true;
}

static int warn(struct df_ctx *c, int line, const char *msg)
{
	char buf[DF_ERRLEN];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s:%d: %s", c->file,
				    line, msg);

	df_strv_pushn(&c->warnings, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
	return c->warnings.oom ? -1 : 0;
}

/* Appends the continuation lines of an instruction to b. */
static int join_continuations(struct df_ctx *c, struct reader *r,
			      struct df_buf *b)
{
	bool warned = false;
	const char *s;
	size_t n;

	while (next_line(r, &s, &n)) {
		const char *t = s;
		size_t tn = n;
		bool more;

		if (is_comment(s, n))
			continue;
		skip_space(&t, &tn);
		if (!tn) {
			if (!warned && warn(c, r->line,
					    "empty continuation line (Docker warns that these will become errors)"))
				return -1;
			warned = true;
			continue;
		}
		more = trim_continuation(c->escape, s, &n);
		df_buf_add(b, s, n);
		if (!more)
			break;
	}
	return 0;
}

static int add_inst(struct df_ctx *c, struct dockerfile *df,
		    struct df_inst *in);

/* Reads the instruction starting at line (s, n) and hands it on. */
static int one_instruction(struct df_ctx *c, struct dockerfile *df,
			   struct reader *r, const char *s, size_t n)
{
	struct df_buf b = { 0 };
	struct df_inst in;
	int first = r->line;
	bool more = trim_continuation(c->escape, s, &n);
	char *line;
	int rc;

	if (!more && !n)
		return 0;
	df_buf_add(&b, s, n);
	if (more && join_continuations(c, r, &b)) {
		df_buf_free(&b);
		return df_fail_at(c, r->line, NULL, "out of memory");
	}
	line = df_buf_take(&b);
	if (!line)
		return df_fail_at(c, first, NULL, "out of memory");
	rc = df_parse_inst(c, line, first, r->line, &in);
	free(line);
	if (rc)
		return -1;
	return add_inst(c, df, &in);
}

static int parse_lines(struct df_ctx *c, struct dockerfile *df,
		       const char *text, size_t len)
{
	struct reader r = { text, text + len, 0 };
	struct directives d = { 0 };
	const char *s;
	size_t n;

	while (next_line(&r, &s, &n)) {
		skip_space(&s, &n);
		if (directive(c, df, &d, s, n, r.line))
			return -1;
		if (n && *s == '#')
			n = 0;
		if (one_instruction(c, df, &r, s, n))
			return -1;
	}
	return 0;
}

/* ---- stages ---- */

static bool append(void **arr, size_t *n, size_t elem, const void *item)
{
	void *np = realloc(*arr, (*n + 1) * elem);

	if (!np)
		return false;
	*arr = np;
	memcpy((char *)np + *n * elem, item, elem);
	(*n)++;
	return true;
}

/* BuildKit's lint warnings about stage names. */
static int check_stage_name(struct df_ctx *c, const struct dockerfile *df,
			    const struct df_inst *in)
{
	const char *name = in->nargs == 3 ? in->args[2] : NULL;
	char msg[DF_ERRLEN];

	if (!name)
		return 0;
	if (!strcmp(name, "scratch") || !strcmp(name, "context")) {
		snprintf(msg, sizeof(msg),
			 "FROM: '%s' is reserved and should not be used as a stage name",
			 name);
		if (warn(c, in->line, msg))
			return -1;
	}
	for (size_t i = 0; i < df->nstage; i++) {
		if (df->stage[i].name && !strcmp(df->stage[i].name, name)) {
			snprintf(msg, sizeof(msg),
				 "FROM: duplicate stage name \"%s\" (also line %d); the last one wins",
				 name, df->stage[i].line);
			return warn(c, in->line, msg);
		}
	}
	return 0;
}

/* FROM's fields move into a new stage; the instruction itself goes. */
static int start_stage(struct df_ctx *c, struct dockerfile *df,
		       struct df_inst *in)
{
	struct df_stage st = {
		.index = (int)df->nstage,
		.name = in->nargs == 3 ? in->args[2] : NULL,
		.base = in->args[0],
		.platform = in->fl.platform,
		.line = in->line,
		.text = in->text,
	};

	if (check_stage_name(c, df, in) ||
	    !append((void **)&df->stage, &df->nstage, sizeof(st), &st)) {
		df_inst_free(in);
		return df_fail_at(c, in->line, "FROM", "out of memory");
	}
	if (in->nargs == 3)
		free(in->args[1]);
	free(in->args);
	in->args = NULL;
	in->nargs = 0;
	in->text = NULL;
	in->fl.platform = NULL;
	df_inst_free(in);
	return 0;
}

static int add_inst(struct df_ctx *c, struct dockerfile *df,
		    struct df_inst *in)
{
	struct df_stage *st;
	bool ok;

	if (in->kind == DF_FROM)
		return start_stage(c, df, in);
	if (!df->nstage && in->kind != DF_ARG) {
		int line = in->line;
		const char *what = df_kind_name(in->kind);

		df_inst_free(in);
		return df_fail_at(c, line, what,
				  "no build stage in current context (only ARG may come before the first FROM)");
	}
	if (!df->nstage) {
		ok = append((void **)&df->meta, &df->nmeta, sizeof(*in), in);
	} else {
		st = &df->stage[df->nstage - 1];
		ok = append((void **)&st->inst, &st->ninst, sizeof(*in), in);
	}
	if (!ok) {
		df_inst_free(in);
		return df_fail(c->err, c->errlen, "%s: out of memory", c->file);
	}
	return 0;
}

int dockerfile_parse(const char *file, const char *text, size_t len,
		     struct dockerfile *df, char *err, size_t errlen)
{
	struct df_ctx c = { .file = file, .escape = '\\', .err = err,
			    .errlen = errlen };
	int rc;

	memset(df, 0, sizeof(*df));
	df->escape = '\\';
	df->file = strdup(file);
	if (!df->file)
		return df_fail(err, errlen, "%s: out of memory", file);
	rc = parse_lines(&c, df, text, len);
	if (!rc && !df->nstage && !df->nmeta)
		rc = df_fail(err, errlen, "%s: the file has no instructions",
			     file);
	else if (!rc && !df->nstage)
		rc = df_fail(err, errlen,
			     "%s: no build stage: a Dockerfile needs a FROM instruction",
			     file);
	df->warnings = c.warnings.v;
	df->nwarnings = c.warnings.n;
	if (rc)
		dockerfile_free(df);
	return rc;
}

int dockerfile_parse_line(const char *file, int line, char escape,
			  const char *text, struct df_inst *in, char *err,
			  size_t errlen)
{
	struct df_ctx c = { .file = file, .escape = escape, .err = err,
			    .errlen = errlen };
	int rc = df_parse_inst(&c, text, line, line, in);

	df_strv_free(&c.warnings);
	return rc;
}

static int read_file(const char *path, char **buf, size_t *len, char *err,
		     size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t k;
	size_t n = 0;

	if (fd < 0)
		return df_fail(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > DF_MAX_FILE) {
		close(fd);
		return df_fail(err, errlen, "%s: %s", path,
			       S_ISREG(st.st_mode) ? "too large to be a Dockerfile"
						   : "not a regular file");
	}
	*buf = malloc((size_t)st.st_size + 1);
	while (*buf && n < (size_t)st.st_size &&
	       (k = read(fd, *buf + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)k;
	close(fd);
	if (!*buf)
		return df_fail(err, errlen, "%s: out of memory", path);
	*len = n;
	return 0;
}

int dockerfile_load(const char *path, struct dockerfile *df, char *err,
		    size_t errlen)
{
	char *text;
	size_t len = 0;
	int rc;

	memset(df, 0, sizeof(*df));
	if (read_file(path, &text, &len, err, errlen))
		return -1;
	rc = dockerfile_parse(path, text, len, df, err, errlen);
	free(text);
	return rc;
}

void df_inst_free(struct df_inst *in)
{
	if (!in)
		return;
	free(in->text);
	df_strs_free(in->args, in->nargs);
	for (size_t i = 0; i < in->nkv; i++) {
		free(in->kv[i].key);
		free(in->kv[i].value);
	}
	free(in->kv);
	free(in->fl.from);
	free(in->fl.chown);
	free(in->fl.chmod);
	free(in->fl.checksum);
	free(in->fl.platform);
	free(in->fl.network);
	free(in->fl.security);
	df_strs_free(in->fl.exclude, in->fl.nexclude);
	free(in->onbuild);
	memset(in, 0, sizeof(*in));
}

static void stage_free(struct df_stage *st)
{
	free(st->name);
	free(st->base);
	free(st->platform);
	free(st->text);
	for (size_t i = 0; i < st->ninst; i++)
		df_inst_free(&st->inst[i]);
	free(st->inst);
}

void dockerfile_free(struct dockerfile *df)
{
	free(df->file);
	free(df->syntax);
	free(df->check);
	for (size_t i = 0; i < df->nmeta; i++)
		df_inst_free(&df->meta[i]);
	free(df->meta);
	for (size_t i = 0; i < df->nstage; i++)
		stage_free(&df->stage[i]);
	free(df->stage);
	df_strs_free(df->warnings, df->nwarnings);
	memset(df, 0, sizeof(*df));
}
