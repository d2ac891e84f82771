/* Listing output (images, history): Docker's "table" and plain formats. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static int add_rendered(struct table *t, const char *body, const json_t *data,
			const struct template_types *types)
{
	char *line;
	int rc = template_render(body, data, types, &line);

	if (rc)
		return rc;
	rc = table_add(t, line) ? cli_fail(EXIT_HUSK, "out of memory") : 0;
	free(line);
	return rc;
}

static int print_lines(const char *body, json_t *const *rows, size_t n,
		       const struct template_types *types)
{
	char *line;
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		rc = template_render(body, rows[i], types, &line);
		if (!rc) {
			printf("%s\n", line);
			free(line);
		}
	}
	return rc;
}

int print_rows(const char *format, const char *default_format,
	       const json_t *header, json_t *const *rows, size_t n,
	       const struct template_types *types)
{
	static const struct template_types none;
	struct table t = { 0 };
	const char *f = format ? format : default_format, *body;
	size_t i;
	int rc;

	if (!template_is_table(f))
		return print_lines(f, rows, n, types);
	body = template_body(f);
	if (!*body)
		body = template_body(default_format);
	rc = add_rendered(&t, body, header, &none);
	for (i = 0; !rc && i < n; i++)
		rc = add_rendered(&t, body, rows[i], types);
	if (!rc)
		table_print(&t);
	return rc;
}
