/* The string buffers, vectors and error helpers of the Dockerfile code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile_int.h"

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elem);
	if (!np)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

void df_buf_add(struct df_buf *b, const char *p, size_t n)
{
	if (b->oom)
		return;
	if (!grow((void **)&b->s, &b->cap, b->len + n + 1, 1)) {
		b->oom = true;
		return;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
}

void df_buf_addc(struct df_buf *b, char c)
{
	df_buf_add(b, &c, 1);
}

void df_buf_adds(struct df_buf *b, const char *s)
{
	df_buf_add(b, s, strlen(s));
}

char *df_buf_take(struct df_buf *b)
{
	char *s;

	if (b->oom) {
		df_buf_free(b);
		return NULL;
	}
	s = b->s ? b->s : strdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void df_buf_free(struct df_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

void df_strv_push(struct df_strv *v, char *s)
{
	if (!s || v->oom || !grow((void **)&v->v, &v->cap, v->n + 1,
				  sizeof(char *))) {
		free(s);
		v->oom = true;
		return;
	}
	v->v[v->n++] = s;
}

void df_strv_pushn(struct df_strv *v, const char *s, size_t n)
{
	df_strv_push(v, df_strndup(s, n));
}

void df_strs_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void df_strv_free(struct df_strv *v)
{
	df_strs_free(v->v, v->n);
	memset(v, 0, sizeof(*v));
}

char *df_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *df_strdup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

bool df_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

bool df_blank(int c)
{
	return c == ' ' || c == '\t';
}

int df_vfail(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	return -1;
}

int df_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	df_vfail(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int df_fail_at(struct df_ctx *c, int line, const char *what,
	       const char *fmt, ...)
{
	char msg[DF_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (what)
		return df_fail(c->err, c->errlen, "%s:%d: %s: %s", c->file,
			       line, what, msg);
	return df_fail(c->err, c->errlen, "%s:%d: %s", c->file, line, msg);
}
