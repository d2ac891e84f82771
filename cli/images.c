/* husk images: one row per name (and one per untagged image), newest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static int run(int argc, char **argv);

const struct verb verb_images = {
	.name = "images",
	.summary = "List images",
	.usage = "[OPTIONS] [REPOSITORY[:TAG]]",
	.help = "  -a, --all             Show all images (husk keeps no intermediate\n"
		"                        images: the same list)\n"
		"      --digests         Show digests\n"
		"      --format string   Format output using a Go template: 'table',\n"
		"                        'table TEMPLATE' or 'TEMPLATE'; fields .ID,\n"
		"                        .Repository, .Tag, .Digest, .CreatedSince,\n"
		"                        .CreatedAt, .Size\n"
		"      --no-trunc        Don't truncate output\n"
		"  -q, --quiet           Only show image IDs\n",
	.run = run,
};

#define DEFAULT_FORMAT "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}"
#define DIGESTS_FORMAT "table {{.Repository}}\\t{{.Tag}}\\t{{.Digest}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}"

struct row {
	const struct image *img;
	char repo[REF_NAME_MAX + 1];
	char tag[REF_TAG_MAX + 1];
};

struct rows {
	struct row *v;
	size_t n;
};

static void created_at(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == INT64_MIN) {
		snprintf(buf, n, "N/A");
		return;
	}
	localtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
}

static json_t *row_json(const struct row *r, int no_trunc, int64_t now)
{
	char id[80], since[64], at[64], size[32];

	snprintf(id, sizeof(id), "%s", no_trunc ? r->img->id.s : digest_hex(&r->img->id));
	if (!no_trunc)
		id[12] = '\0';
	human_since(r->img->created, now, since, sizeof(since));
	created_at(r->img->created, at, sizeof(at));
	human_size(r->img->size, size, sizeof(size));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "Containers", "N/A", "CreatedAt", at, "CreatedSince", since,
			 "Digest", r->img->manifest.s, "ID", id,
			 "Repository", r->repo, "SharedSize", "N/A", "Size", size,
			 "Tag", r->tag, "UniqueSize", "N/A", "VirtualSize", size);
}

static json_t *header_json(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "Containers", "CONTAINERS", "CreatedAt", "CREATED AT",
			 "CreatedSince", "CREATED", "Digest", "DIGEST", "ID", "IMAGE ID",
			 "Repository", "REPOSITORY", "SharedSize", "SHARED SIZE",
			 "Size", "SIZE", "Tag", "TAG", "UniqueSize", "UNIQUE SIZE",
			 "VirtualSize", "VIRTUAL SIZE");
}

static int add_row(struct rows *rs, const struct image *img, const char *full)
{
	struct row *v = realloc(rs->v, (rs->n + 1) * sizeof(*v)), *r;

	if (!v)
		return cli_fail(EXIT_HUSK, "out of memory");
	rs->v = v;
	r = &v[rs->n++];
	r->img = img;
	if (!full || ref_split_short(full, r->repo, sizeof(r->repo), r->tag,
				     sizeof(r->tag))) {
		strcpy(r->repo, "<none>");
		strcpy(r->tag, "<none>");
	}
	return 0;
}

/* `husk images alpine` lists every tag of alpine; `alpine:3` just that one. */
static int matches(const char *full, const struct ref *want)
{
	struct ref r;

	if (!want)
		return 1;
	if (!full || ref_parse(full, &r))
		return 0;
	if (strcmp(r.domain, want->domain) || strcmp(r.path, want->path))
		return 0;
	return !want->tag[0] || !strcmp(r.tag, want->tag);
}

static int newest_first(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->img->created != y->img->created)
		return x->img->created < y->img->created ? 1 : -1;
	c = strcmp(x->repo, y->repo);
	return c ? c : strcmp(x->tag, y->tag);
}

static int collect(const struct image_list *l, const struct ref *want,
		   struct rows *rs)
{
	size_t i, k;
	int rc = 0;

	for (i = 0; !rc && i < l->n; i++) {
		const struct image *img = &l->v[i];
		for (k = 0; !rc && k < img->nnames; k++)
			if (matches(img->names[k], want))
				rc = add_row(rs, img, img->names[k]);
		if (!rc && !img->nnames && !want)
			rc = add_row(rs, img, NULL);
	}
	if (rs->n > 1)
		qsort(rs->v, rs->n, sizeof(*rs->v), newest_first);
	return rc;
}

/* Whether the argument names a tag ("alpine:3"), not just a repository. */
static int has_tag(const char *arg)
{
	const char *slash = strrchr(arg, '/');

	return strchr(slash ? slash : arg, ':') != NULL;
}

static int print_quiet(const struct rows *rs, int no_trunc)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		printf("%.*s\n", no_trunc ? DIGEST_LEN : 12,
		       no_trunc ? rs->v[i].img->id.s : digest_hex(&rs->v[i].img->id));
	return 0;
}

static int print(const struct rows *rs, const char *format, int digests,
		 int no_trunc)
{
	static const struct template_types types;
	json_t **rows = calloc(rs->n + 1, sizeof(*rows)), *header = header_json();
	int64_t now = (int64_t)time(NULL);
	size_t i;
	int rc;

	if (!rows || !header)
		return cli_fail(EXIT_HUSK, "out of memory");
	for (i = 0; i < rs->n; i++)
		rows[i] = row_json(&rs->v[i], no_trunc, now);
	rc = print_rows(format, digests ? DIGESTS_FORMAT : DEFAULT_FORMAT, header,
			rows, rs->n, &types);
	for (i = 0; i < rs->n; i++)
		json_decref(rows[i]);
	free(rows);
	json_decref(header);
	return rc;
}

static int run(int argc, char **argv)
{
	int quiet = 0, digests = 0, no_trunc = 0, all = 0, nargs, rc;
	const char *format = NULL;
	const struct opt opts[] = {
		{ 'q', "quiet", OPT_FLAG, &quiet, NULL, NULL },
		{ 'a', "all", OPT_FLAG, &all, NULL, NULL },
		{ 0, "digests", OPT_FLAG, &digests, NULL, NULL },
		{ 0, "no-trunc", OPT_FLAG, &no_trunc, NULL, NULL },
		{ 0, "format", OPT_VALUE, NULL, &format, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	struct rows rs = { 0 };
	struct image_list l;
	struct store s;
	struct ref want;

	rc = opts_parse(&verb_images, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs > 1)
		return opts_usage_error(&verb_images, "\"husk images\" accepts at "
					"most 1 argument");
	if (nargs && ref_parse(argv[0], &want))
		return cli_store_fail(EXIT_HUSK);
	if (nargs && !has_tag(argv[0]))
		want.tag[0] = '\0';
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	rc = store_list(&s, &l);
	if (rc) {
		store_close(&s);
		return cli_store_fail(rc);
	}
	rc = collect(&l, nargs ? &want : NULL, &rs);
	if (!rc)
		rc = quiet ? print_quiet(&rs, no_trunc) : print(&rs, format, digests,
								  no_trunc);
	free(rs.v);
	image_list_free(&l);
	store_close(&s);
	return rc;
}
