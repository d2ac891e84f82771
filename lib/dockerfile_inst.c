/*
 * One logical Dockerfile line into a typed instruction, as BuildKit's
 * parser (parser/parser.go) and instruction parser (instructions/parse.go)
 * read it:
 *
 * - The first word, in any case, names the instruction; --flags follow
 *   (dockerfile_flags.c), then the arguments (dockerfile_words.c).
 * - RUN, CMD, ENTRYPOINT, SHELL: a JSON array of strings is the exec
 *   form. Text that is not valid JSON (single quotes, an unterminated
 *   '[' or string...) is the shell form, as Docker does; a valid array
 *   holding anything but strings is an error. Text after a complete
 *   array is ignored, as Go's JSON decoder does.
 * - COPY, ADD, VOLUME: a JSON array, or words split at blanks.
 * - ENV, LABEL: KEY=VALUE words (quotes keep blanks in a word), or the
 *   legacy "KEY rest of the line". ARG: NAME or NAME=DEFAULT words.
 * - Heredocs (<<EOF) are refused: BuildKit would read the following lines
 *   as the document, so going on would misread the file.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dockerfile_int.h"

static const char *const kind_names[] = {
	[DF_FROM] = "FROM",		[DF_ARG] = "ARG",
	[DF_ENV] = "ENV",		[DF_LABEL] = "LABEL",
	[DF_RUN] = "RUN",		[DF_CMD] = "CMD",
	[DF_ENTRYPOINT] = "ENTRYPOINT",	[DF_SHELL] = "SHELL",
	[DF_COPY] = "COPY",		[DF_ADD] = "ADD",
	[DF_WORKDIR] = "WORKDIR",	[DF_USER] = "USER",
	[DF_EXPOSE] = "EXPOSE",		[DF_VOLUME] = "VOLUME",
	[DF_STOPSIGNAL] = "STOPSIGNAL",	[DF_HEALTHCHECK] = "HEALTHCHECK",
	[DF_ONBUILD] = "ONBUILD",	[DF_MAINTAINER] = "MAINTAINER",
};
#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *df_kind_name(enum df_kind kind)
{
	return (unsigned)kind < NKINDS ? kind_names[kind] : "?";
}

static int kind_of(const char *word, size_t n)
{
	for (size_t k = 0; k < NKINDS; k++)
		if (strlen(kind_names[k]) == n &&
		    !strncasecmp(kind_names[k], word, n))
			return (int)k;
	return -1;
}

static size_t edit_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), row[32], prev, tmp;

	if (na >= 31 || nb >= 31)
		return SIZE_MAX;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t cost = toupper((unsigned char)a[i - 1]) != b[j - 1];
			size_t best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[nb];
}

/* The instruction a mistyped word most likely meant, or NULL. */
static const char *suggest(const char *word, size_t n)
{
	const char *best = NULL;
	size_t bestd = 3;

	for (size_t k = 0; k < NKINDS; k++) {
		size_t d = edit_distance(word, n, kind_names[k]);

		if (d < bestd) {
			bestd = d;
			best = kind_names[k];
		}
	}
	return best;
}

static void trim(const char **s, size_t *n)
{
	while (*n && df_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && df_space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* ---- the instructions ---- */

struct parsed {
	struct df_ctx *c;
	struct df_inst *in;
	const char *args;		/* after the flags, trimmed */
	struct df_strv *flags;
	struct df_strv words;		/* becomes in->args */
};

static int fail(struct parsed *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct parsed *p, const char *fmt, ...)
{
	char msg[DF_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return df_fail_at(p->c, p->in->line, df_kind_name(p->in->kind), "%s",
			  msg);
}

static int need_exactly_one(struct parsed *p)
{
	if (!*p->args)
		return fail(p, "requires exactly one argument");
	df_strv_push(&p->words, strdup(p->args));
	return df_parse_flags(p->c, p->in, p->flags, df_no_flags);
}

static bool stage_name_ok(const char *s)
{
	if (!islower((unsigned char)*s))
		return false;
	for (s++; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    !strchr("-_.", *s))
			return false;
	return true;
}

static int parse_from(struct parsed *p)
{
	const struct flag_def defs[] = {
		{ "platform", F_STRING, &p->in->fl.platform, NULL },
		{ NULL, 0, NULL, NULL },
	};
	struct df_strv *w = &p->words;

	df_blank_words(p->args, w);
	if (w->oom)
		return fail(p, "out of memory");
	if (w->n == 3 && !strcasecmp(w->v[1], "as")) {
		for (char *s = w->v[2]; *s; s++)
			*s = (char)tolower((unsigned char)*s);
		if (!stage_name_ok(w->v[2]))
			return fail(p, "invalid name for build stage: \"%s\", name can't start with a number or contain symbols",
				    w->v[2]);
	} else if (w->n != 1) {
		return fail(p, "requires either one or three arguments (FROM IMAGE [AS NAME])");
	}
	return df_parse_flags(p->c, p->in, p->flags, defs);
}

static int parse_copy(struct parsed *p)
{
	struct df_flags *fl = &p->in->fl;
	struct df_strv exclude = { 0 };
	const struct flag_def copy_defs[] = {
		{ "from", F_STRING, &fl->from, NULL },
		{ "chown", F_STRING, &fl->chown, NULL },
		{ "chmod", F_STRING, &fl->chmod, NULL },
		{ "link", F_BOOL, &fl->link, NULL },
		{ "parents", F_BOOL, &fl->parents, NULL },
		{ "exclude", F_STRINGS, &exclude, NULL },
		{ NULL, 0, NULL, NULL },
	};
	const struct flag_def add_defs[] = {
		{ "chown", F_STRING, &fl->chown, NULL },
		{ "chmod", F_STRING, &fl->chmod, NULL },
		{ "link", F_BOOL, &fl->link, NULL },
		{ "keep-git-dir", F_BOOL, &fl->keep_git_dir, NULL },
		{ "checksum", F_STRING, &fl->checksum, NULL },
		{ "unpack", F_TRISTATE, &fl->unpack, NULL },
		{ "exclude", F_STRINGS, &exclude, NULL },
		{ NULL, 0, NULL, NULL },
	};
	int rc;

	if (df_maybe_json_list(p->c, p->in, p->args, &p->words) ||
	    df_refuse_heredoc(p->c, p->in, p->args))
		return -1;
	if (p->words.n < 2)
		return fail(p, "requires at least two arguments");
	rc = df_parse_flags(p->c, p->in, p->flags,
			 p->in->kind == DF_COPY ? copy_defs : add_defs);
	fl->exclude = exclude.v;
	fl->nexclude = exclude.n;
	return rc;
}

static int parse_run(struct parsed *p)
{
	struct df_flags *fl = &p->in->fl;
	const struct flag_def defs[] = {
		{ "network", F_STRING, &fl->network, NULL },
		{ "security", F_STRING, &fl->security, NULL },
		{ "mount", F_REFUSED, NULL,
		  "husk build has no build-time mounts (cache, secret, ssh, bind)" },
		{ "device", F_REFUSED, NULL, "husk build has no devices" },
		{ NULL, 0, NULL, NULL },
	};

	if (df_parse_flags(p->c, p->in, p->flags, defs) ||
	    df_maybe_json(p->c, p->in, p->args, &p->words) ||
	    df_refuse_heredoc(p->c, p->in, p->args))
		return -1;
	if (!p->words.n)
		return fail(p, "requires at least one argument");
	if (fl->network && strcmp(fl->network, "default") &&
	    strcmp(fl->network, "none") && strcmp(fl->network, "host"))
		return fail(p, "--network=%s: unknown network mode (use default, none or host)",
			    fl->network);
	if (fl->security && strcmp(fl->security, "sandbox") &&
	    strcmp(fl->security, "insecure"))
		return fail(p, "--security=%s: unknown security mode (use sandbox or insecure)",
			    fl->security);
	return 0;
}

static int parse_cmd(struct parsed *p)
{
	if (df_maybe_json(p->c, p->in, p->args, &p->words))
		return -1;
	return df_parse_flags(p->c, p->in, p->flags, df_no_flags);
}

static int parse_shell(struct parsed *p)
{
	if (df_parse_flags(p->c, p->in, p->flags, df_no_flags) ||
	    df_maybe_json(p->c, p->in, p->args, &p->words))
		return -1;
	if (p->words.n && !p->in->json)
		return fail(p, "requires the arguments to be in JSON form (SHELL [\"executable\", \"parameters\"])");
	if (!p->words.n)
		return fail(p, "requires at least one argument");
	return 0;
}

static int push_kv(struct parsed *p, const char *key, size_t klen,
		   const char *val)
{
	struct df_inst *in = p->in;
	struct df_kv *kv = realloc(in->kv, (in->nkv + 1) * sizeof(*kv));

	if (!kv)
		return fail(p, "out of memory");
	in->kv = kv;
	kv[in->nkv].key = df_strndup(key, klen);
	kv[in->nkv].value = df_strdup0(val);
	in->nkv++;
	if (!kv[in->nkv - 1].key || (val && !kv[in->nkv - 1].value))
		return fail(p, "out of memory");
	if (!klen)
		return fail(p, "%s names can not be blank",
			    df_kind_name(in->kind));
	return 0;
}

/* ENV KEY VALUE: the value is the rest of the line, as written. */
static int legacy_pair(struct parsed *p)
{
	const char *s = p->args, *v;
	size_t k = 0;
	char msg[DF_ERRLEN];

	while (s[k] && !df_space((unsigned char)s[k]))
		k++;
	for (v = s + k; df_space((unsigned char)*v); v++)
		;
	if (!*v)
		return fail(p, "must have two arguments (%s KEY=VALUE ...)",
			    df_kind_name(p->in->kind));
	snprintf(msg, sizeof(msg),
		 "%s:%d: %s: legacy \"%s key value\" form; Docker recommends \"%s key=value\"",
		 p->c->file, p->in->line, df_kind_name(p->in->kind),
		 df_kind_name(p->in->kind), df_kind_name(p->in->kind));
	df_strv_push(&p->c->warnings, strdup(msg));
	return push_kv(p, s, k, v);
}

static int parse_pairs(struct parsed *p)
{
	struct df_strv w = { 0 };
	int rc = 0;

	df_quoted_words(p->args, p->c->escape, &w);
	if (w.oom)
		rc = fail(p, "out of memory");
	else if (!w.n)
		rc = fail(p, "requires at least one argument");
	else if (!strchr(w.v[0], '='))
		rc = legacy_pair(p);
	for (size_t i = 0; !rc && strchr(w.v[0], '=') && i < w.n; i++) {
		const char *eq = strchr(w.v[i], '=');

		if (!eq)
			rc = fail(p, "syntax error - can't find = in \"%s\". Must be of the form: name=value",
				  w.v[i]);
		else
			rc = push_kv(p, w.v[i], (size_t)(eq - w.v[i]), eq + 1);
	}
	df_strv_free(&w);
	return rc ? -1 : df_parse_flags(p->c, p->in, p->flags, df_no_flags);
}

static int parse_arg(struct parsed *p)
{
	struct df_strv w = { 0 };
	int rc = 0;

	df_quoted_words(p->args, p->c->escape, &w);
	if (w.oom)
		rc = fail(p, "out of memory");
	else if (!w.n)
		rc = fail(p, "requires at least one argument");
	for (size_t i = 0; !rc && i < w.n; i++) {
		const char *eq = strchr(w.v[i], '=');

		rc = push_kv(p, w.v[i], eq ? (size_t)(eq - w.v[i]) : strlen(w.v[i]),
			     eq ? eq + 1 : NULL);
	}
	df_strv_free(&w);
	return rc ? -1 : df_parse_flags(p->c, p->in, p->flags, df_no_flags);
}

static int parse_list(struct parsed *p)
{
	if (df_parse_flags(p->c, p->in, p->flags, df_no_flags))
		return -1;
	if (p->in->kind == DF_EXPOSE)
		df_blank_words(p->args, &p->words);
	else if (df_maybe_json_list(p->c, p->in, p->args, &p->words))
		return -1;
	if (!p->words.n)
		return fail(p, "requires at least one argument");
	for (size_t i = 0; i < p->words.n; i++) {
		const char *s = p->words.v[i];
		size_t n = strlen(s);

		trim(&s, &n);
		if (!n)
			return fail(p, "VOLUME specified can not be an empty string");
		memmove(p->words.v[i], s, n);
		p->words.v[i][n] = 0;
	}
	return 0;
}

static int parse_maintainer(struct parsed *p)
{
	if (!*p->args)
		return fail(p, "requires exactly one argument");
	if (df_parse_flags(p->c, p->in, p->flags, df_no_flags))
		return -1;
	return push_kv(p, "maintainer", 10, p->args);
}

static int health_duration(struct parsed *p, const char *name,
			   const char *s, int64_t *ns)
{
	if (!s)
		return 0;
	if (df_parse_duration(s, ns))
		return fail(p, "--%s=%s: not a duration (such as 30s, 1m30s or 500ms)",
			    name, s);
	if (*ns && *ns < 1000000)
		return fail(p, "--%s=%s: cannot be less than 1ms", name, s);
	return 0;
}

static int health_retries(struct parsed *p, const char *s)
{
	char *end;
	long v;

	if (!s)
		return 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || v > INT_MAX || v < INT_MIN)
		return fail(p, "--retries=%s: not a number", s);
	if (v < 0)
		return fail(p, "--retries cannot be negative (%ld)", v);
	p->in->fl.retries = (int)v;
	return 0;
}

static int health_flags(struct parsed *p)
{
	struct df_flags *fl = &p->in->fl;
	char *interval = NULL, *timeout = NULL, *start = NULL,
	     *start_interval = NULL, *retries = NULL;
	const struct flag_def defs[] = {
		{ "interval", F_STRING, &interval, NULL },
		{ "timeout", F_STRING, &timeout, NULL },
		{ "start-period", F_STRING, &start, NULL },
		{ "start-interval", F_STRING, &start_interval, NULL },
		{ "retries", F_STRING, &retries, NULL },
		{ NULL, 0, NULL, NULL },
	};
	int rc = df_parse_flags(p->c, p->in, p->flags, defs);

	if (!rc)
		rc = health_duration(p, "interval", interval, &fl->interval_ns) ||
		     health_duration(p, "timeout", timeout, &fl->timeout_ns) ||
		     health_duration(p, "start-period", start,
				     &fl->start_period_ns) ||
		     health_duration(p, "start-interval", start_interval,
				     &fl->start_interval_ns) ||
		     health_retries(p, retries);
	free(interval);
	free(timeout);
	free(start);
	free(start_interval);
	free(retries);
	return rc ? -1 : 0;
}

static int parse_healthcheck(struct parsed *p)
{
	const char *s = p->args, *rest;
	size_t k = 0;

	while (s[k] && !df_space((unsigned char)s[k]))
		k++;
	for (rest = s + k; df_space((unsigned char)*rest); rest++)
		;
	if (!k)
		return fail(p, "requires at least one argument");
	if (k == 4 && !strncasecmp(s, "NONE", 4)) {
		if (*rest)
			return fail(p, "HEALTHCHECK NONE takes no arguments");
		df_strv_push(&p->words, strdup("NONE"));
		return df_parse_flags(p->c, p->in, p->flags, df_no_flags);
	}
	if (k != 3 || strncasecmp(s, "CMD", 3))
		return fail(p, "unknown type \"%.*s\" in HEALTHCHECK (try CMD)",
			    (int)k, s);
	df_strv_push(&p->words, strdup("CMD"));
	if (df_maybe_json(p->c, p->in, rest, &p->words))
		return -1;
	if (p->words.n < 2)
		return fail(p, "missing command after HEALTHCHECK CMD");
	if (!p->in->json) {
		free(p->words.v[0]);
		p->words.v[0] = strdup("CMD-SHELL");
	}
	return health_flags(p);
}

/* The instruction word and what follows it, both trimmed. */
static void split_command(const char *line, const char **word, size_t *wlen,
			  const char **rest, size_t *rlen)
{
	size_t n = strlen(line), k = 0;

	trim(&line, &n);
	while (k < n && !df_space((unsigned char)line[k]))
		k++;
	*word = line;
	*wlen = k;
	*rest = line + k;
	*rlen = n - k;
	trim(rest, rlen);
}

static int parse_onbuild(struct parsed *p)
{
	const char *word, *rest;
	size_t wlen, rlen;
	int kind;

	if (df_parse_flags(p->c, p->in, p->flags, df_no_flags))
		return -1;
	if (!*p->args)
		return fail(p, "requires at least one argument");
	split_command(p->args, &word, &wlen, &rest, &rlen);
	kind = kind_of(word, wlen);
	if (kind == DF_ONBUILD)
		return fail(p, "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	if (kind == DF_FROM || kind == DF_MAINTAINER)
		return fail(p, "%s isn't allowed as an ONBUILD trigger",
			    kind_names[kind]);
	if ((kind == DF_RUN || kind == DF_COPY || kind == DF_ADD) &&
	    df_has_heredoc(rest))
		return fail(p, "heredocs (<<EOF) are not supported");
	df_strv_push(&p->words, df_strndup(word, wlen));
	for (char *s = p->words.n ? p->words.v[0] : NULL; s && *s; s++)
		*s = (char)toupper((unsigned char)*s);
	p->in->onbuild = strdup(p->args);
	return p->in->onbuild ? 0 : fail(p, "out of memory");
}

static int by_kind(struct parsed *p)
{
	switch (p->in->kind) {
	case DF_FROM:
		return parse_from(p);
	case DF_COPY:
	case DF_ADD:
		return parse_copy(p);
	case DF_RUN:
		return parse_run(p);
	case DF_CMD:
	case DF_ENTRYPOINT:
		return parse_cmd(p);
	case DF_SHELL:
		return parse_shell(p);
	case DF_ENV:
	case DF_LABEL:
		return parse_pairs(p);
	case DF_ARG:
		return parse_arg(p);
	case DF_EXPOSE:
	case DF_VOLUME:
		return parse_list(p);
	case DF_WORKDIR:
	case DF_USER:
	case DF_STOPSIGNAL:
		return need_exactly_one(p);
	case DF_MAINTAINER:
		return parse_maintainer(p);
	case DF_HEALTHCHECK:
		return parse_healthcheck(p);
	case DF_ONBUILD:
		return parse_onbuild(p);
	}
	return fail(p, "internal error: unhandled instruction");
}

static int unknown(struct df_ctx *c, int line, const char *word, size_t n)
{
	char up[64];
	const char *hint = suggest(word, n);
	size_t k;

	for (k = 0; k < n && k < sizeof(up) - 1; k++)
		up[k] = (char)toupper((unsigned char)word[k]);
	up[k] = 0;
	if (hint)
		return df_fail_at(c, line, up,
				  "unknown instruction (did you mean %s?)", hint);
	return df_fail_at(c, line, up, "unknown instruction");
}

int df_parse_inst(struct df_ctx *c, const char *line, int first, int last,
		  struct df_inst *in)
{
	struct df_strv flags = { 0 };
	struct parsed p = { .c = c, .in = in, .flags = &flags };
	const char *word, *rest, *args;
	size_t wlen, rlen, alen;
	char *argbuf = NULL;
	int kind, rc;

	memset(in, 0, sizeof(*in));
	in->line = first;
	in->end_line = last;
	in->fl.unpack = -1;
	split_command(line, &word, &wlen, &rest, &rlen);
	kind = kind_of(word, wlen);
	if (kind < 0)
		return unknown(c, first, word, wlen);
	in->kind = (enum df_kind)kind;
	in->text = df_strndup(word, (size_t)(rest + rlen - word));
	if (!in->text || df_extract_flags(rest, rlen, &flags, &args))
		rc = df_fail_at(c, first, kind_names[kind], "out of memory");
	else {
		alen = rlen - (size_t)(args - rest);
		trim(&args, &alen);
		p.args = argbuf = df_strndup(args, alen);
		rc = argbuf ? by_kind(&p) : fail(&p, "out of memory");
	}
	if (!rc && p.words.oom)
		rc = fail(&p, "out of memory");
	in->args = p.words.v;
	in->nargs = p.words.n;
	free(argbuf);
	df_strv_free(&flags);
	if (rc)
		df_inst_free(in);
	return rc;
}

