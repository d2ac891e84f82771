/*
 * The argument forms of instructions, as BuildKit's line parsers
 * (parser/line_parsers.go) read them: JSON arrays (exec form), blank-
 * separated words, quote-aware KEY=VALUE words, and the heredoc words
 * this parser refuses.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile_int.h"

/* Words separated by blanks, as written. */
void df_blank_words(const char *s, struct df_strv *out)
{
	while (*s) {
		size_t n;

		while (*s && df_space((unsigned char)*s))
			s++;
		if (!*s)
			break;
		for (n = 0; s[n] && !df_space((unsigned char)s[n]); n++)
			;
		df_strv_pushn(out, s, n);
		s += n;
	}
}

/* 1: s is a JSON array of strings, now in out; 0: not JSON; -1: an
 * array holding something else (c has the message). */
static int exec_array(struct df_ctx *c, struct df_inst *in, const char *s,
		      struct df_strv *out)
{
	json_error_t jerr;
	json_t *arr, *v;
	size_t i;

	while (df_space((unsigned char)*s))
		s++;
	if (*s != '[')
		return 0;
	arr = json_loadb(s, strlen(s), JSON_DISABLE_EOF_CHECK, &jerr);
	if (!arr || !json_is_array(arr)) {
		json_decref(arr);
		return 0;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			json_decref(arr);
			return df_fail_at(c, in->line, df_kind_name(in->kind),
					  "when using JSON array syntax, arrays must be comprised of strings only");
		}
		df_strv_push(out, strdup(json_string_value(v)));
	}
	json_decref(arr);
	return 1;
}

/* Shell or exec form: the JSON array, or the whole text as one string. */
int df_maybe_json(struct df_ctx *c, struct df_inst *in, const char *s,
		      struct df_strv *out)
{
	int rc;

	if (!*s)
		return 0;
	rc = exec_array(c, in, s, out);
	if (rc < 0)
		return -1;
	in->json = rc == 1;
	if (!in->json)
		df_strv_push(out, strdup(s));
	return 0;
}

/* A JSON array, or blank-separated words. */
int df_maybe_json_list(struct df_ctx *c, struct df_inst *in,
			   const char *s, struct df_strv *out)
{
	int rc = exec_array(c, in, s, out);

	if (rc < 0)
		return -1;
	in->json = rc == 1;
	if (!in->json)
		df_blank_words(s, out);
	return 0;
}

struct word_scan {
	const char *s;
	size_t len;
	size_t pos;
	char esc;
	struct df_buf word;
	bool blank_ok;
};

/* Inside quotes: up to the closing quote, keeping quotes and escapes. */
static void scan_quoted(struct word_scan *w, char quote)
{
	while (w->pos < w->len) {
		char ch = w->s[w->pos++];

		if (ch == w->esc && quote != '\'') {
			if (w->pos == w->len)
				return;
			df_buf_addc(&w->word, ch);
			ch = w->s[w->pos++];
		} else if (ch == quote) {
			df_buf_addc(&w->word, ch);
			return;
		}
		df_buf_addc(&w->word, ch);
	}
}

/*
 * Words for ENV, LABEL and ARG: split at blanks outside quotes; quotes and
 * escape characters stay in the words for the expansion to process.
 */
void df_quoted_words(const char *s, char esc, struct df_strv *out)
{
	struct word_scan w = { .s = s, .len = strlen(s), .esc = esc };

	while (w.pos < w.len) {
		char ch = s[w.pos];

		if (df_space((unsigned char)ch)) {
			if (w.blank_ok || w.word.len)
				df_strv_push(out, df_buf_take(&w.word));
			w.blank_ok = false;
			w.pos++;
			continue;
		}
		w.pos++;
		if (ch == '\'' || ch == '"') {
			w.blank_ok = true;
			df_buf_addc(&w.word, ch);
			scan_quoted(&w, ch);
			continue;
		}
		if (ch == esc) {
			if (w.pos == w.len)
				break;
			df_buf_addc(&w.word, ch);
			ch = s[w.pos++];
		}
		df_buf_addc(&w.word, ch);
	}
	if (w.blank_ok || w.word.len)
		df_strv_push(out, df_buf_take(&w.word));
	df_buf_free(&w.word);
}

/* ---- heredocs (refused) ---- */

/* BuildKit's ^(\d*)<<(-?)([^<]*)$ with a name that is not only quotes. */
static bool heredoc_word(const char *w, size_t n)
{
	size_t i = 0;
	bool name = false;

	while (i < n && isdigit((unsigned char)w[i]))
		i++;
	if (i + 2 > n || w[i] != '<' || w[i + 1] != '<')
		return false;
	for (i += 2 + (i + 2 < n && w[i + 2] == '-'); i < n; i++) {
		if (w[i] == '<')
			return false;
		if (w[i] != '"' && w[i] != '\'')
			name = true;
	}
	return name;
}

/* Whether a shell-form argument text holds a heredoc word. */
bool df_has_heredoc(const char *s)
{
	size_t start = 0, i, n = strlen(s);
	char quote = 0;

	for (i = 0; i <= n; i++) {
		char ch = i < n ? s[i] : ' ';

		if (quote) {
			if (ch == quote)
				quote = 0;
			else if (ch == '\\' && quote == '"' && i + 1 < n)
				i++;
		} else if (df_space((unsigned char)ch)) {
			if (i > start && heredoc_word(s + start, i - start))
				return true;
			start = i + 1;
		} else if (ch == '\'' || ch == '"') {
			quote = ch;
		} else if (ch == '\\' && i + 1 < n) {
			i++;
		}
	}
	return false;
}

int df_refuse_heredoc(struct df_ctx *c, struct df_inst *in,
			  const char *args)
{
	if (in->json || !df_has_heredoc(args))
		return 0;
	return df_fail_at(c, in->line, df_kind_name(in->kind),
			  "heredocs (<<EOF) are not supported; write the lines with RUN/COPY instead");
}

