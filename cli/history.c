/*
 * husk history: the config's history, newest first. Each entry that made
 * a layer is shown with that layer's size; the top one carries the image
 * ID, the others "<missing>" (no image of their own), as with Docker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static int run(int argc, char **argv);

const struct verb verb_history = {
	.name = "history",
	.summary = "Show the history of an image",
	.usage = "[OPTIONS] IMAGE",
	.help = "      --format string   Format output using a Go template; fields\n"
		"                        .ID, .CreatedSince, .CreatedAt, .CreatedBy,\n"
		"                        .Size, .Comment\n"
		"  -H, --human           Print sizes and dates in human readable\n"
		"                        format (default true)\n"
		"      --no-trunc        Don't truncate output\n"
		"  -q, --quiet           Only show image IDs\n",
	.run = run,
};

#define DEFAULT_FORMAT "table {{.ID}}\\t{{.CreatedSince}}\\t{{.CreatedBy}}\\t{{.Size}}\\t{{.Comment}}"

struct options {
	int quiet, no_trunc, human;
	const char *format;
};

static json_t *header_json(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "IMAGE",
			 "CreatedSince", "CREATED", "CreatedAt", "CREATED AT",
			 "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT");
}

static json_t *row(const struct image *img, const json_t *h, int top,
		   int64_t size, const struct options *o, int64_t now)
{
	char id[80], since[64], at[64], sz[32], by[4096], shown[4096];
	const char *created = json_str(h, "created"), *p;
	int64_t t = INT64_MIN;
	size_t i;

	snprintf(id, sizeof(id), "%s", !top ? "<missing>" : o->no_trunc ?
		 img->id.s : digest_hex(&img->id));
	if (top && !o->no_trunc)
		id[12] = '\0';
	if (created && time_parse_rfc3339(created, &t))
		t = INT64_MIN;
	human_since(t, now, since, sizeof(since));
	snprintf(at, sizeof(at), "%s", created ? created : "N/A");
	if (o->human)
		human_size(size, sz, sizeof(sz));
	else
		snprintf(sz, sizeof(sz), "%lld", (long long)size);
	p = json_str(h, "created_by");
	snprintf(by, sizeof(by), "%s", p ? p : "");
	for (i = 0; by[i]; i++)
		if (by[i] == '\t')
			by[i] = ' ';
	ellipsis(by, o->no_trunc ? sizeof(by) : 45, shown, sizeof(shown));
	p = json_str(h, "comment");
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id,
			 "CreatedSince", o->human ? since : at, "CreatedAt", at,
			 "CreatedBy", shown, "Size", sz, "Comment", p ? p : "");
}

/* Rows oldest first; the caller prints them reversed. */
static int build_rows(const struct image *img, const struct options *o,
		      json_t **rows, size_t *n)
{
	const json_t *hist = json_object_get(img->config_json, "history");
	size_t i, layer = 0, nh = json_array_size(hist);
	int64_t now = (int64_t)time(NULL), size;
	struct digest d;
	json_t *h;

	*n = 0;
	for (i = 0; i < nh; i++) {
		h = json_array_get(hist, i);
		size = 0;
		if (!json_is_true(json_object_get(h, "empty_layer")) &&
		    image_layer(img, layer++, &d, &size, NULL))
			size = 0;
		rows[(*n)++] = row(img, h, i + 1 == nh, size, o, now);
	}
	/* No history: one row per layer, as Docker shows. */
	for (layer = 0; !nh && layer < image_layer_count(img); layer++) {
		image_layer(img, layer, &d, &size, NULL);
		h = json_object();
		rows[(*n)++] = row(img, h, layer + 1 == image_layer_count(img), size, o, now);
		json_decref(h);
	}
	return 0;
}

static int show(const struct image *img, const struct options *o)
{
	static const struct template_types types;
	size_t cap = json_array_size(json_object_get(img->config_json, "history")) +
		     image_layer_count(img) + 1, n, i;
	json_t **rows = calloc(cap, sizeof(*rows)), **newest, *header = header_json();
	int rc;

	newest = calloc(cap, sizeof(*newest));
	if (!rows || !newest || !header)
		return cli_fail(EXIT_HUSK, "out of memory");
	build_rows(img, o, rows, &n);
	for (i = 0; i < n; i++)
		newest[i] = rows[n - 1 - i];
	rc = print_rows(o->quiet ? "{{.ID}}" : o->format, DEFAULT_FORMAT, header,
			newest, n, &types);
	for (i = 0; i < n; i++)
		json_decref(rows[i]);
	free(rows);
	free(newest);
	json_decref(header);
	return rc;
}

static int run(int argc, char **argv)
{
	struct options o = { .human = 1 };
	const struct opt opts[] = {
		{ 'q', "quiet", OPT_FLAG, &o.quiet, NULL, NULL },
		{ 0, "no-trunc", OPT_FLAG, &o.no_trunc, NULL, NULL },
		{ 'H', "human", OPT_FLAG, &o.human, NULL, NULL },
		{ 0, "format", OPT_VALUE, NULL, &o.format, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	struct image_list l;
	struct image *img;
	struct store s;
	int nargs, rc, by_name;

	rc = opts_parse(&verb_history, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs != 1)
		return opts_usage_error(&verb_history, "\"husk history\" requires "
					"exactly 1 argument");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	rc = store_list(&s, &l);
	store_close(&s);
	if (rc)
		return cli_store_fail(rc);
	rc = image_find(&l, argv[0], &img, &by_name);
	rc = rc ? cli_store_fail(rc) : show(img, &o);
	image_list_free(&l);
	return rc;
}
