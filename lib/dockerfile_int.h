/*
 * What the Dockerfile files (dockerfile*.c, dfexpand.c) share with each
 * other and with no one else.
 *
 * The growable buffers remember an allocation failure instead of
 * reporting it at every append: callers check once, when they take the
 * result, which keeps the parsers readable.
 */
#ifndef HUSK_DOCKERFILE_INT_H
#define HUSK_DOCKERFILE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dockerfile.h"

struct df_buf {
	char *s;
	size_t len;
	size_t cap;
	bool oom;
};

void df_buf_add(struct df_buf *b, const char *p, size_t n);
void df_buf_addc(struct df_buf *b, char c);
void df_buf_adds(struct df_buf *b, const char *s);
/* The text so far, NUL-terminated, handed to the caller; the buffer is
 * empty afterwards. NULL after an allocation failure. */
char *df_buf_take(struct df_buf *b);
void df_buf_free(struct df_buf *b);

struct df_strv {
	char **v;
	size_t n;
	size_t cap;
	bool oom;
};

/* Appends s, taking ownership; a NULL s records an allocation failure. */
void df_strv_push(struct df_strv *v, char *s);
void df_strv_pushn(struct df_strv *v, const char *s, size_t n);
void df_strv_free(struct df_strv *v);
void df_strs_free(char **v, size_t n);

char *df_strndup(const char *s, size_t n);
char *df_strdup0(const char *s);	/* NULL stays NULL */
bool df_space(int c);			/* Go's unicode.IsSpace, ASCII part */
bool df_blank(int c);			/* space or tab */

/* Writes the message into err and returns -1. */
int df_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int df_vfail(char *err, size_t errlen, const char *fmt, va_list ap);

/* Parsing one Dockerfile: where errors go and what the directives set. */
struct df_ctx {
	const char *file;
	char escape;
	char *err;
	size_t errlen;
	struct df_strv warnings;
};

/* "FILE:LINE: WHAT: message"; returns -1. */
int df_fail_at(struct df_ctx *c, int line, const char *what,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* dockerfile_inst.c: one logical line (continuations joined) into in. */
int df_parse_inst(struct df_ctx *c, const char *line, int first, int last,
		  struct df_inst *in);

/* ---- dockerfile_flags.c ---- */

/* Splits "--a=1 --b rest" into the flag words and the rest (pointing into
 * line); -1 when out of memory. */
int df_extract_flags(const char *line, size_t len, struct df_strv *flags,
		     const char **rest);

enum df_flag_type { F_BOOL, F_STRING, F_STRINGS, F_TRISTATE, F_REFUSED };

/* A flag an instruction accepts, and where its value goes. */
struct flag_def {
	const char *name;
	enum df_flag_type type;
	void *dst;		/* bool *, char **, struct df_strv *, int * */
	const char *why;	/* F_REFUSED: the message */
};

/* The flags for an instruction taking none. */
extern const struct flag_def df_no_flags[];

/* Applies the flag words to the places defs name (NULL name ends defs). */
int df_parse_flags(struct df_ctx *c, struct df_inst *in,
		   const struct df_strv *flags, const struct flag_def *defs);

/* A Go time.ParseDuration string in nanoseconds. */
int df_parse_duration(const char *s, int64_t *ns);

/* ---- dockerfile_words.c ---- */

/* Words separated by blanks, as written. */
void df_blank_words(const char *s, struct df_strv *out);
/* Exec or shell form: the JSON array (in->json set), or s as one string. */
int df_maybe_json(struct df_ctx *c, struct df_inst *in, const char *s,
		  struct df_strv *out);
/* A JSON array, or blank-separated words. */
int df_maybe_json_list(struct df_ctx *c, struct df_inst *in, const char *s,
		       struct df_strv *out);
/* ENV, LABEL and ARG words: quotes and escapes kept for the expansion. */
void df_quoted_words(const char *s, char esc, struct df_strv *out);
/* Whether shell-form text holds a heredoc word (<<EOF). */
bool df_has_heredoc(const char *s);
/* An error naming the instruction when its shell form has a heredoc. */
int df_refuse_heredoc(struct df_ctx *c, struct df_inst *in, const char *args);

#endif
