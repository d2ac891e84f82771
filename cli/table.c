/*
 * Aligned columns, as Docker prints its tables through Go's tabwriter
 * (minimum width 10, padding 3): each cell ended by a tab is padded to its
 * column's widest cell + 3; the last cell of a line is printed as is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int table_add(struct table *t, const char *line)
{
	char **v = realloc(t->lines, (t->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	t->lines = v;
	v[t->n] = strdup(line);
	if (!v[t->n])
		return -1;
	t->n++;
	return 0;
}

static size_t chars(const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

#define MAX_COLUMNS 32

static void widths(const struct table *t, size_t *w)
{
	const char *p, *tab;
	size_t i, col, cw;

	memset(w, 0, MAX_COLUMNS * sizeof(*w));
	for (i = 0; i < t->n; i++)
		for (p = t->lines[i], col = 0; (tab = strchr(p, '\t')) && col < MAX_COLUMNS;
		     p = tab + 1, col++) {
			cw = chars(p, (size_t)(tab - p)) + 3;
			if (cw < 10)
				cw = 10;
			if (cw > w[col])
				w[col] = cw;
		}
}

void table_print(struct table *t)
{
	size_t w[MAX_COLUMNS], i, col, cw;
	const char *p, *tab;

	widths(t, w);
	for (i = 0; i < t->n; i++) {
		for (p = t->lines[i], col = 0; (tab = strchr(p, '\t')) && col < MAX_COLUMNS;
		     p = tab + 1, col++) {
			cw = chars(p, (size_t)(tab - p));
			printf("%.*s%*s", (int)(tab - p), p, (int)(w[col] - cw), "");
		}
		printf("%s\n", p);
		free(t->lines[i]);
	}
	free(t->lines);
	t->lines = NULL;
	t->n = 0;
}
