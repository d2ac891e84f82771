/*
 * husk inspect: each image as Docker's image inspect shows it, as one
 * JSON array, or one --format line per image.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_inspect = {
	.name = "inspect",
	.summary = "Return low-level information on images",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.help = "  -f, --format string   Format output using a Go template, such as\n"
		"                        '{{.Id}}' or '{{json .Config.Cmd}}'\n",
	.run = run,
};

static const char *const list_fields[] = {
	"RepoTags", "RepoDigests", "Config.Env", "Config.Cmd", "Config.Entrypoint",
	"Config.Shell", "Config.OnBuild", "RootFS.Layers", NULL,
};
static const char *const map_fields[] = {
	"Config.ExposedPorts", "Config.Volumes", "Config.Labels", NULL,
};

/* The config's value for key, or Docker's empty value for it. */
static json_t *field(const json_t *config, const char *key, json_t *empty)
{
	json_t *v = json_object_get(config, key);

	if (!v)
		return empty;
	json_decref(empty);
	return json_incref(v);
}

static json_t *config_json(const json_t *image_config)
{
	static const char *const extra[] = { "Healthcheck", "ArgsEscaped", "OnBuild",
					     "Shell", NULL };
	const json_t *c = json_object_get(image_config, "config");
	json_t *out = json_object();
	size_t i;

	json_object_set_new(out, "User", field(c, "User", json_string("")));
	json_object_set_new(out, "ExposedPorts", field(c, "ExposedPorts", json_null()));
	json_object_set_new(out, "Env", field(c, "Env", json_null()));
	json_object_set_new(out, "Entrypoint", field(c, "Entrypoint", json_null()));
	json_object_set_new(out, "Cmd", field(c, "Cmd", json_null()));
	json_object_set_new(out, "Volumes", field(c, "Volumes", json_null()));
	json_object_set_new(out, "WorkingDir", field(c, "WorkingDir", json_string("")));
	json_object_set_new(out, "Labels", field(c, "Labels", json_null()));
	json_object_set_new(out, "StopSignal", field(c, "StopSignal", json_string("")));
	for (i = 0; extra[i]; i++)
		if (json_object_get(c, extra[i]))
			json_object_set(out, extra[i], json_object_get(c, extra[i]));
	return out;
}

/* Short names, and repo@manifest-digest once per repository. */
static void names_json(const struct image *img, json_t *tags, json_t *digests)
{
	char shown[600], repo[REF_NAME_MAX + 1], with[700];
	struct ref r;
	size_t i, k;
	int dup;

	for (i = 0; i < img->nnames; i++) {
		if (ref_parse(img->names[i], &r))
			continue;
		ref_short(&r, shown, sizeof(shown));
		json_array_append_new(tags, json_string(shown));
		ref_repo_short(&r, repo, sizeof(repo));
		snprintf(with, sizeof(with), "%s@%s", repo, img->manifest.s);
		for (k = 0, dup = 0; k < json_array_size(digests); k++)
			dup |= !strcmp(json_string_value(json_array_get(digests, k)), with);
		if (!dup)
			json_array_append_new(digests, json_string(with));
	}
}

static json_t *text(const json_t *config, const char *key)
{
	const char *s = json_str(config, key);

	return json_string(s ? s : "");
}

static json_t *inspect_json(const struct image *img)
{
	const json_t *c = img->config_json;
	json_t *tags = json_array(), *digests = json_array(), *layers;

	names_json(img, tags, digests);
	layers = json_object_get(json_object_get(c, "rootfs"), "diff_ids");
	return json_pack("{s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
			 " s:I, s:{s:s, s:O}, s:{s:s}}",
			 "Id", img->id.s, "RepoTags", tags, "RepoDigests", digests,
			 "Parent", "", "Comment", text(c, "comment"),
			 "Created", text(c, "created"),
			 "DockerVersion", text(c, "docker_version"),
			 "Author", text(c, "author"), "Config", config_json(c),
			 "Architecture", text(c, "architecture"), "Os", text(c, "os"),
			 "Size", (json_int_t)img->size,
			 "RootFS", "Type", "layers", "Layers", layers,
			 "Metadata", "LastTagTime", "0001-01-01T00:00:00Z");
}

static int print_formatted(json_t *all, const char *format)
{
	const struct template_types types = { list_fields, map_fields };
	char *line;
	size_t i;
	int rc;

	for (i = 0; i < json_array_size(all); i++) {
		rc = template_render(format, json_array_get(all, i), &types, &line);
		if (rc)
			return rc;
		printf("%s\n", line);
		free(line);
	}
	return 0;
}

static int print_all(json_t *all, const char *format)
{
	char *s;

	if (format && strcmp(format, "json"))
		return print_formatted(all, format);
	s = json_dumps(all, JSON_INDENT(4));
	if (!s)
		return cli_fail(EXIT_HUSK, "out of memory");
	printf("%s\n", s);
	free(s);
	return 0;
}

static int run(int argc, char **argv)
{
	const char *format = NULL;
	const struct opt opts[] = {
		{ 'f', "format", OPT_VALUE, NULL, &format, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	struct image_list l;
	struct image *img;
	struct store s;
	json_t *all;
	int nargs, i, rc, by_name, worst = 0;

	rc = opts_parse(&verb_inspect, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs < 1)
		return opts_usage_error(&verb_inspect, "\"husk inspect\" requires at "
					"least 1 argument");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	rc = store_list(&s, &l);
	store_close(&s);
	if (rc)
		return cli_store_fail(rc);
	all = json_array();
	for (i = 0; i < nargs; i++) {
		json_t *ctr;
		int found;
		/* Containers first, as Docker looks them up. */
		rc = ctr_inspect_find(argv[i], &ctr, &found);
		if (found) {
			json_array_append_new(all, ctr);
			continue;
		}
		rc = rc ? rc : image_find(&l, argv[i], &img, &by_name);
		if (rc) {
			worst = rc > worst ? rc : worst;
			cli_store_fail(rc);
			continue;
		}
		json_array_append_new(all, inspect_json(img));
	}
	rc = print_all(all, format);
	json_decref(all);
	image_list_free(&l);
	return rc ? rc : worst;
}
