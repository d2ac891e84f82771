/*
 * Instruction flags, as BuildKit reads them (parser/split_command.go,
 * instructions/bflag.go): "--name" or "--name=value" words right after
 * the instruction word, up to the first other word or a lone "--";
 * quotes and backslashes inside a flag are processed. Each instruction
 * names the flags it accepts; any other is an error.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dockerfile_int.h"

struct flag_scan {
	const char *line;
	size_t len;
	size_t pos;
	struct df_strv words;
	struct df_buf word;
	bool blank_ok;
};

static void flush_flag(struct flag_scan *f)
{
	bool dashes = f->word.len == 2 && !memcmp(f->word.s, "--", 2);

	if (!dashes && (f->blank_ok || f->word.len))
		df_strv_push(&f->words, df_buf_take(&f->word));
	df_buf_free(&f->word);
	f->blank_ok = false;
}

/* One flag word starting at f->pos; false when it was a lone "--". */
static bool scan_flag(struct flag_scan *f)
{
	char quote = 0;

	for (; f->pos < f->len; f->pos++) {
		char ch = f->line[f->pos];

		if (!quote && df_space((unsigned char)ch))
			break;
		if (quote ? ch == quote : (ch == '\'' || ch == '"')) {
			quote = quote ? 0 : ch;
			f->blank_ok = true;
			continue;
		}
		if (ch == '\\') {
			/* a backslash ending the line is dropped */
			if (f->pos + 1 == f->len)
				continue;
			ch = f->line[++f->pos];
		}
		df_buf_addc(&f->word, ch);
	}
	if (!quote && f->word.len == 2 && !memcmp(f->word.s, "--", 2) &&
	    f->pos < f->len) {
		df_buf_free(&f->word);
		return false;
	}
	flush_flag(f);
	return true;
}

/* Splits "--a=1 --b rest" into flags and the rest (rest points into
 * line). Quotes and backslashes inside a flag are processed. */
int df_extract_flags(const char *line, size_t len, struct df_strv *flags,
			 const char **rest)
{
	struct flag_scan f = { .line = line, .len = len };

	for (;;) {
		while (f.pos < len && df_space((unsigned char)line[f.pos]))
			f.pos++;
		if (f.pos + 1 >= len || line[f.pos] != '-' ||
		    line[f.pos + 1] != '-')
			break;
		if (!scan_flag(&f))
			break;
	}
	*rest = line + f.pos;
	*flags = f.words;
	return flags->oom ? -1 : 0;
}

static int bool_value(struct df_ctx *c, struct df_inst *in, const char *name,
		      const char *val, bool *out)
{
	if (val && !*val)
		return df_fail_at(c, in->line, df_kind_name(in->kind),
				  "missing a value on flag --%s", name);
	if (!val || !strcasecmp(val, "true"))
		*out = true;
	else if (!strcasecmp(val, "false"))
		*out = false;
	else
		return df_fail_at(c, in->line, df_kind_name(in->kind),
				  "expecting boolean value for flag --%s, not: %s",
				  name, val);
	return 0;
}

static int set_flag(struct df_ctx *c, struct df_inst *in,
		    const struct flag_def *d, const char *val)
{
	const char *what = df_kind_name(in->kind);
	bool b;

	if (d->type == F_REFUSED)
		return df_fail_at(c, in->line, what, "--%s is not supported: %s",
				  d->name, d->why);
	if (d->type == F_BOOL)
		return bool_value(c, in, d->name, val, d->dst);
	if (d->type == F_TRISTATE) {
		if (bool_value(c, in, d->name, val, &b))
			return -1;
		*(int *)d->dst = b;
		return 0;
	}
	if (!val)
		return df_fail_at(c, in->line, what,
				  "missing a value on flag --%s", d->name);
	if (d->type == F_STRINGS) {
		df_strv_push(d->dst, strdup(val));
		return ((struct df_strv *)d->dst)->oom ?
			       df_fail_at(c, in->line, what, "out of memory") : 0;
	}
	*(char **)d->dst = strdup(val);
	return *(char **)d->dst ? 0 : df_fail_at(c, in->line, what,
						 "out of memory");
}

/* Applies the flags to the places defs names (ending with a NULL name). */
int df_parse_flags(struct df_ctx *c, struct df_inst *in,
		       const struct df_strv *flags, const struct flag_def *defs)
{
	unsigned used = 0;

	for (size_t i = 0; i < flags->n; i++) {
		const char *arg = flags->v[i] + 2, *eq = strchr(arg, '=');
		size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
		size_t k;

		for (k = 0; defs[k].name; k++)
			if (strlen(defs[k].name) == n &&
			    !strncmp(defs[k].name, arg, n))
				break;
		if (!defs[k].name)
			return df_fail_at(c, in->line, df_kind_name(in->kind),
					  "unknown flag --%.*s", (int)n, arg);
		if ((used & (1u << k)) && defs[k].type != F_STRINGS)
			return df_fail_at(c, in->line, df_kind_name(in->kind),
					  "duplicate flag specified: --%s",
					  defs[k].name);
		used |= 1u << k;
		if (set_flag(c, in, &defs[k], eq ? eq + 1 : NULL))
			return -1;
	}
	return 0;
}

const struct flag_def df_no_flags[] = { { NULL, 0, NULL, NULL } };

/* ---- HEALTHCHECK durations: Go's time.ParseDuration ---- */

static int64_t unit_ns(const char *u, size_t n)
{
	static const struct { const char *name; int64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
		{ "m", 60000000000LL }, { "h", 3600000000000LL },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && !memcmp(units[i].name, u, n))
			return units[i].ns;
	return 0;
}

/* One "1.5h" term; adds its nanoseconds to *total. */
static int duration_term(const char **sp, long double *total)
{
	const char *s = *sp, *u;
	long double v = 0, scale = 1;
	bool digits = false;
	int64_t ns;

	for (; isdigit((unsigned char)*s); s++, digits = true)
		v = v * 10 + (*s - '0');
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++, digits = true)
			v += (*s - '0') / (scale *= 10);
	if (!digits)
		return -1;
	for (u = s; *s && *s != '.' && !isdigit((unsigned char)*s); s++)
		;
	ns = unit_ns(u, (size_t)(s - u));
	if (!ns)
		return -1;
	*total += v * (long double)ns;
	*sp = s;
	return 0;
}

int df_parse_duration(const char *s, int64_t *ns)
{
	long double total = 0;
	bool neg = *s == '-';

	if (*s == '-' || *s == '+')
		s++;
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s)
		if (duration_term(&s, &total))
			return -1;
	if (total > (long double)INT64_MAX)
		return -1;
	*ns = neg ? -(int64_t)total : (int64_t)total;
	return 0;
}

