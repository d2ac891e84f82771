/*
 * The word lexer: quotes, escapes and ${...} substitution, after
 * BuildKit's shell/lex.go (see dfexpand.h for the forms). Messages are
 * BuildKit's, so that users can search for them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfexpand.h"
#include "dockerfile_int.h"

#define END (-1)		/* "no stop character": read to the end */
/* ${} inside ${} recurses: nesting a hostile Dockerfile deep enough would
 * overflow the stack; real ones nest a few levels. */
#define NEST_MAX 64

/* ProcessWords' splitting: blanks from plain text or from a variable's
 * value split words; quoted or escaped text never does. */
struct words {
	struct df_strv v;
	struct df_buf cur;
	bool in_word;
};

struct lex {
	const char *s;
	size_t len;
	size_t pos;
	char esc;
	bool raw_escapes;	/* keep escape characters (patterns) */
	unsigned depth;		/* ${ nesting */
	const struct df_vars *vars;
	char msg[DF_ERRLEN];
};

static void raw_char(struct words *w, char c)
{
	if (!w)
		return;
	df_buf_addc(&w->cur, c);
	w->in_word = true;
}

static void split_char(struct words *w, char c)
{
	if (!w)
		return;
	if (!df_space((unsigned char)c)) {
		raw_char(w, c);
	} else if (w->in_word && w->cur.len) {
		df_strv_push(&w->v, df_buf_take(&w->cur));
		w->in_word = false;
	}
}

static void split_string(struct words *w, const char *s)
{
	for (; w && *s; s++)
		split_char(w, *s);
}

static void raw_string(struct words *w, const char *s)
{
	if (!w)
		return;
	df_buf_adds(&w->cur, s);
	w->in_word = true;
}

static int lex_fail(struct lex *lx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int lex_fail(struct lex *lx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lx->msg, sizeof(lx->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int peek(const struct lex *lx)
{
	return lx->pos < lx->len ? (unsigned char)lx->s[lx->pos] : END;
}

static int next(struct lex *lx)
{
	return lx->pos < lx->len ? (unsigned char)lx->s[lx->pos++] : END;
}

static int until(struct lex *lx, int stop, bool raw, struct df_buf *out,
		 struct words *w);
static int dollar(struct lex *lx, struct df_buf *out);

static int single_quote(struct lex *lx, struct df_buf *out)
{
	int ch;

	next(lx);
	while ((ch = next(lx)) != '\'') {
		if (ch == END)
			return lex_fail(lx, "unexpected end of statement while looking for matching single-quote");
		df_buf_addc(out, (char)ch);
	}
	return 0;
}

static int double_quote(struct lex *lx, struct df_buf *out)
{
	next(lx);
	for (;;) {
		int ch = peek(lx);

		if (ch == END)
			return lex_fail(lx, "unexpected end of statement while looking for matching double-quote");
		if (ch == '"') {
			next(lx);
			return 0;
		}
		if (ch == '$') {
			if (dollar(lx, out))
				return -1;
			continue;
		}
		ch = next(lx);
		if (ch == lx->esc) {
			int after = peek(lx);

			if (lx->raw_escapes)
				df_buf_addc(out, (char)ch);
			if (after == END)
				continue;
			if (after == '"' || after == '$' || after == lx->esc)
				ch = next(lx);
		}
		df_buf_addc(out, (char)ch);
	}
}

static bool special_param(int c)
{
	return c && strchr("@*#?-$!0", c);
}

static bool name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* A variable name: digits, one special parameter, or [A-Za-z0-9_]*. */
static void name(struct lex *lx, struct df_buf *n)
{
	int c = peek(lx);

	if (c >= '0' && c <= '9') {
		while ((c = peek(lx)) >= '0' && c <= '9')
			df_buf_addc(n, (char)next(lx));
		return;
	}
	if (special_param(c)) {
		df_buf_addc(n, (char)next(lx));
		return;
	}
	while (name_char(peek(lx)))
		df_buf_addc(n, (char)next(lx));
}

static const char *lookup(const struct lex *lx, const char *n)
{
	return lx->vars ? df_vars_get(lx->vars, n) : NULL;
}

/* ---- shell patterns: *, ? and \* \? \\ (no brackets) ---- */

enum { P_LIT, P_ANY, P_STAR };

struct pattern {
	struct { int type; char c; } *t;
	size_t n;
};

static int compile_pattern(const char *s, struct pattern *p, char *msg,
			   size_t msglen)
{
	size_t len = strlen(s);

	p->n = 0;
	p->t = calloc(len + 1, sizeof(*p->t));
	if (!p->t)
		return df_fail(msg, msglen, "out of memory");
	for (size_t i = 0; i < len; i++) {
		int type = s[i] == '*' ? P_STAR : s[i] == '?' ? P_ANY : P_LIT;
		char c = s[i];

		if (c == '\\') {
			/* "\}" and "\/" only protect the ${} syntax */
			if (s[i + 1] == '}' || s[i + 1] == '/')
				continue;
			if (s[i + 1] != '*' && s[i + 1] != '?' && s[i + 1] != '\\') {
				/* Nothing left allocated on failure. */
				free(p->t);
				p->t = NULL;
				return df_fail(msg, msglen, "invalid escape '\\%c'",
					       s[i + 1] ? s[i + 1] : ' ');
			}
			c = s[++i];
			type = P_LIT;
		}
		p->t[p->n].type = type;
		p->t[p->n++].c = c;
	}
	return 0;
}

static size_t utf8_len(const char *s, size_t avail)
{
	size_t n = 1;

	while (n < avail && ((unsigned char)s[n] & 0xc0) == 0x80)
		n++;
	return n;
}

static bool boundary(const char *s, size_t i, size_t len)
{
	return i >= len || ((unsigned char)s[i] & 0xc0) != 0x80;
}

/*
 * Matching, as a backtracking search would do it (Go's regexp for
 * BuildKit): ? and * do not match a newline, and a star never ends
 * inside a UTF-8 sequence. Computed a token at a time for every position
 * of s at once, so that the work is (tokens x length) whatever the
 * pattern: a search that tried each star's every length was exponential
 * in the number of stars ("${V%****...x}" hung a build) and as deep as
 * the pattern was long.
 */

/*
 * For every start si, where the match of p from si ends (stars take the
 * longest run that lets the rest match when greedy, the shortest
 * otherwise), or -1 for none; with whole, only a match ending at len
 * counts. NULL when out of memory; the caller frees.
 */
static long *match_ends(const struct pattern *p, const char *s, size_t len,
			bool greedy, bool whole)
{
	long *row = malloc((len + 1) * sizeof(*row));
	long *next = malloc((len + 1) * sizeof(*next)), *t, best, ok, more;
	size_t ti = p->n, si;

	if (!row || !next) {
		free(row);
		free(next);
		return NULL;
	}
	for (si = 0; si <= len; si++)
		next[si] = whole && si != len ? -1 : (long)si;
	while (ti-- > 0) {
		best = -1;
		for (si = len + 1; si-- > 0;) {
			bool more_ok = si < len && s[si] != '\n';
			switch (p->t[ti].type) {
			case P_LIT:
				row[si] = si < len && s[si] == p->t[ti].c ?
					next[si + 1] : -1;
				break;
			case P_ANY:
				row[si] = more_ok ?
					next[si + utf8_len(s + si, len - si)] : -1;
				break;
			default: /* P_STAR: best is where it ends from si */
				ok = boundary(s, si, len) && next[si] >= 0 ?
					(long)si : -1;
				more = more_ok ? best : -1;
				best = greedy ? (more >= 0 ? more : ok)
					      : (ok >= 0 ? ok : more);
				row[si] = best >= 0 ? next[best] : -1;
			}
		}
		t = row, row = next, next = t;
	}
	free(row);
	return next;
}

/*
 * For every end e, whether p matches s[0, e) as a whole (reach[e]).
 * NULL when out of memory; the caller frees.
 */
static bool *match_prefixes(const struct pattern *p, const char *s,
			    size_t len)
{
	bool *r = calloc(len + 1, sizeof(*r)), *n = calloc(len + 1, sizeof(*n));
	bool *t, run;
	size_t ti, e;

	if (!r || !n) {
		free(r);
		free(n);
		return NULL;
	}
	r[0] = true;
	for (ti = 0; ti < p->n; ti++) {
		memset(n, 0, (len + 1) * sizeof(*n));
		run = false;
		for (e = 0; e <= len; e++) {
			switch (p->t[ti].type) {
			case P_LIT:
				if (r[e] && e < len && s[e] == p->t[ti].c)
					n[e + 1] = true;
				break;
			case P_ANY:
				if (r[e] && e < len && s[e] != '\n')
					n[e + utf8_len(s + e, len - e)] = true;
				break;
			default: /* P_STAR: a run of non-newlines from a start */
				run = r[e] || (run && s[e - 1] != '\n');
				n[e] = run && boundary(s, e, len);
			}
		}
		t = r, r = n, n = t;
	}
	free(n);
	return r;
}

/* ${v#p} ${v##p}: where the shortest (longest) matching prefix ends, or
 * 0 for none; -1 when out of memory. */
static long strip_prefix(const struct pattern *p, const char *v,
			 size_t len, bool longest)
{
	bool *reach = match_prefixes(p, v, len);
	long at = 0;

	if (!reach)
		return -1;
	for (size_t k = 0; k <= len; k++) {
		size_t i = longest ? len - k : k;

		if (boundary(v, i, len) && reach[i]) {
			at = (long)i;
			break;
		}
	}
	free(reach);
	return at;
}

/* ${v%p} ${v%%p}: the length left after dropping the shortest (longest)
 * matching suffix; -1 when out of memory. */
static long strip_suffix(const struct pattern *p, const char *v,
			 size_t len, bool longest)
{
	long *ends = match_ends(p, v, len, false, true), left = (long)len;

	if (!ends)
		return -1;
	for (size_t k = 0; k <= len; k++) {
		size_t i = longest ? k : len - k;

		if (boundary(v, i, len) && ends[i] >= 0) {
			left = (long)i;
			break;
		}
	}
	free(ends);
	return left;
}

/* The leftmost match at or after from: its start in *at, end returned. */
static long find(const long *ends, const char *v, size_t len, size_t from,
		 size_t *at)
{
	for (size_t i = from; i <= len; i++) {
		if (boundary(v, i, len) && ends[i] >= 0) {
			*at = i;
			return ends[i];
		}
	}
	return -1;
}

/* ${v/p/r} and ${v//p/r}, with Go's ReplaceAllString stepping: an empty
 * match right after a match is not replaced. -1 when out of memory. */
static int replace(const struct pattern *p, const char *v, const char *r,
		   bool all, struct df_buf *out)
{
	size_t len = strlen(v), search = 0, last = 0, at;
	long *ends = match_ends(p, v, len, true, false), e;

	if (!ends)
		return -1;
	while (search <= len && (e = find(ends, v, len, search, &at)) >= 0) {
		df_buf_add(out, v + last, at - last);
		if ((size_t)e > last || at == 0)
			df_buf_adds(out, r);
		last = (size_t)e;
		if (!all)
			break;
		if ((size_t)e > search)
			search = (size_t)e;
		else
			search += search < len ? utf8_len(v + search, len - search) : 1;
	}
	df_buf_adds(out, v + last);
	free(ends);
	return 0;
}

/* ---- ${...} ---- */

static int modifier_value(struct lex *lx, const char *n, int mod, bool colon,
			  const char *word, struct df_buf *out)
{
	const char *val = lookup(lx, n);
	bool missing = !val || (colon && !*val);
	struct pattern p;
	size_t len;
	long at;

	switch (mod) {
	case '-':
		df_buf_adds(out, missing ? word : val);
		return 0;
	case '+':
		df_buf_adds(out, missing ? "" : word);
		return 0;
	case '?':
		if (!missing) {
			df_buf_adds(out, val);
			return 0;
		}
		return lex_fail(lx, "%s: %s", n, *word ? word : !val ?
				"is not allowed to be unset" : "is not allowed to be empty");
	}
	/* '#' or '%': a doubled character asks for the longest match */
	val = val ? val : "";
	len = strlen(val);
	if (compile_pattern(word + (*word == mod), &p, lx->msg, sizeof(lx->msg)))
		return lex_fail(lx, "invalid pattern (%s) in substitution: %s",
				word, lx->msg);
	at = mod == '#' ? strip_prefix(&p, val, len, *word == mod)
			: strip_suffix(&p, val, len, *word == mod);
	free(p.t);
	if (at < 0)
		return lex_fail(lx, "out of memory");
	if (mod == '#')
		df_buf_adds(out, val + at);
	else
		df_buf_add(out, val, (size_t)at);
	return 0;
}

/* After "${NAME" and one of + - ? # % (or ":" and one of them). */
static int modifier(struct lex *lx, const char *n, int mod, bool colon,
		    struct df_buf *out)
{
	bool raw = mod == '#' || mod == '%';
	struct df_buf word = { 0 };
	char *w;
	int rc;

	if (colon && raw)
		return lex_fail(lx, "unsupported modifier (:%c) in substitution",
				mod);
	if (until(lx, '}', raw, &word, NULL)) {
		df_buf_free(&word);
		return peek(lx) == END ? lex_fail(lx, "syntax error: missing '}'")
				       : -1;
	}
	w = df_buf_take(&word);
	if (!w)
		return lex_fail(lx, "out of memory");
	if (!strchr("+-?#%", mod) || mod == 0)
		rc = lex_fail(lx, "unsupported modifier (%s%c) in substitution",
			      colon ? ":" : "", mod);
	else
		rc = modifier_value(lx, n, mod, colon, w, out);
	free(w);
	return rc;
}

/* A piece of ${NAME/pat/repl}, read up to stop. */
static char *part(struct lex *lx, int stop, const char *missing)
{
	struct df_buf b = { 0 };

	if (until(lx, stop, true, &b, NULL)) {
		df_buf_free(&b);
		if (peek(lx) == END)
			lex_fail(lx, "%s", missing);
		return NULL;
	}
	return df_buf_take(&b);
}

static int substitute(struct lex *lx, const char *n, struct df_buf *out)
{
	bool all = peek(lx) == '/';
	char *pat, *rep = NULL;
	struct pattern p = { 0 };
	const char *val = lookup(lx, n);
	int rc = 0;

	if (all)
		next(lx);
	pat = part(lx, '/', "syntax error: missing '/' in ${}");
	if (pat)
		rep = part(lx, '}', "syntax error: missing '}'");
	if (!pat || !rep)
		rc = -1;
	else if (compile_pattern(pat, &p, lx->msg, sizeof(lx->msg)))
		rc = lex_fail(lx, "invalid pattern (%s) in substitution: %s", pat,
			      lx->msg);
	else if (replace(&p, val ? val : "", rep, all, out))
		rc = lex_fail(lx, "out of memory");
	free(p.t);
	free(pat);
	free(rep);
	return rc;
}

static int braces(struct lex *lx, struct df_buf *out)
{
	struct df_buf nb = { 0 };
	char *n;
	int ch, rc;

	next(lx);
	ch = peek(lx);
	if (ch == END)
		return lex_fail(lx, "syntax error: missing '}'");
	if (ch == '{' || ch == '}' || ch == ':')
		return lex_fail(lx, "syntax error: bad substitution");
	name(lx, &nb);
	n = df_buf_take(&nb);
	if (!n)
		return lex_fail(lx, "out of memory");
	ch = next(lx);
	if (ch == '}') {
		const char *v = lookup(lx, n);

		df_buf_adds(out, v ? v : "");
		rc = 0;
	} else if (ch == ':') {
		rc = modifier(lx, n, next(lx), true, out);
	} else if (ch != END && strchr("+-?#%", ch)) {
		rc = modifier(lx, n, ch, false, out);
	} else if (ch == '/') {
		rc = substitute(lx, n, out);
	} else if (ch == END) {
		rc = lex_fail(lx, "syntax error: missing '}'");
	} else {
		rc = lex_fail(lx, "unsupported modifier (%c) in substitution", ch);
	}
	free(n);
	return rc;
}

static int dollar(struct lex *lx, struct df_buf *out)
{
	struct df_buf nb = { 0 };
	const char *v;
	char *n;
	int rc;

	next(lx);
	if (peek(lx) == '{') {
		if (lx->depth == NEST_MAX)
			return lex_fail(lx, "syntax error: ${} nested more than "
					"%d deep", NEST_MAX);
		lx->depth++;
		rc = braces(lx, out);
		lx->depth--;
		return rc;
	}
	name(lx, &nb);
	if (!nb.len) {
		df_buf_addc(out, '$');
		return 0;
	}
	n = df_buf_take(&nb);
	if (!n)
		return lex_fail(lx, "out of memory");
	v = lookup(lx, n);
	df_buf_adds(out, v ? v : "");
	free(n);
	return 0;
}

/* A quoted string or a $ expansion: quoted text never splits words, a
 * variable's value does. */
static int piece(struct lex *lx, int ch, struct df_buf *out, struct words *w)
{
	struct df_buf p = { 0 };
	int rc = ch == '$' ? dollar(lx, &p) :
		 ch == '"' ? double_quote(lx, &p) : single_quote(lx, &p);

	if (!rc && p.len) {
		df_buf_add(out, p.s, p.len);
		if (ch == '$')
			split_string(w, p.s);
		else
			raw_string(w, p.s);
	} else if (!rc && w && ch != '$') {
		w->in_word = true;
	}
	df_buf_free(&p);
	return rc;
}

/* Plain text up to stop (END: the whole word). */
static int until(struct lex *lx, int stop, bool raw, struct df_buf *out,
		 struct words *w)
{
	bool saved = lx->raw_escapes;
	int rc = 0;

	lx->raw_escapes = raw;
	for (;;) {
		int ch = peek(lx);

		if (ch == END) {
			if (stop != END)
				rc = lex_fail(lx, "unexpected end of statement while looking for matching %c",
					      stop);
			break;
		}
		if (ch == stop) {
			next(lx);
			break;
		}
		if (ch == '\'' || ch == '"' || ch == '$') {
			if ((rc = piece(lx, ch, out, w)))
				break;
			continue;
		}
		next(lx);
		if (ch == lx->esc) {
			if (lx->raw_escapes) {
				raw_char(w, (char)ch);
				df_buf_addc(out, (char)ch);
			}
			if ((ch = next(lx)) == END)
				break;
			raw_char(w, (char)ch);
		} else {
			split_char(w, (char)ch);
		}
		df_buf_addc(out, (char)ch);
	}
	lx->raw_escapes = saved;
	return rc;
}

static int run(const char *word, char escape, const struct df_vars *vars,
	       struct df_buf *out, struct words *w, char *err, size_t errlen)
{
	struct lex lx = { .s = word, .len = strlen(word), .esc = escape,
			  .vars = vars };

	if (until(&lx, END, false, out, w))
		return df_fail(err, errlen, "failed to process \"%s\": %s", word,
			       lx.msg);
	if (out->oom || (w && (w->v.oom || w->cur.oom)))
		return df_fail(err, errlen, "out of memory");
	return 0;
}

int df_word(const char *word, char escape, const struct df_vars *vars,
	    char **out, char *err, size_t errlen)
{
	struct df_buf b = { 0 };

	if (run(word, escape, vars, &b, NULL, err, errlen)) {
		df_buf_free(&b);
		return -1;
	}
	*out = df_buf_take(&b);
	return *out ? 0 : df_fail(err, errlen, "out of memory");
}

int df_words(const char *word, char escape, const struct df_vars *vars,
	     char ***out, size_t *n, char *err, size_t errlen)
{
	struct df_buf b = { 0 };
	struct words w = { 0 };
	int rc = run(word, escape, vars, &b, &w, err, errlen);

	if (!rc && w.cur.len)
		df_strv_push(&w.v, df_buf_take(&w.cur));
	if (!rc && w.v.oom)
		rc = df_fail(err, errlen, "out of memory");
	df_buf_free(&b);
	df_buf_free(&w.cur);
	if (rc) {
		df_strv_free(&w.v);
		return -1;
	}
	*out = w.v.v;
	*n = w.v.n;
	return 0;
}
