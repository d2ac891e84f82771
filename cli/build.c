/*
 * husk build: a Dockerfile into an image in the store (lib/build.h).
 * Progress goes to standard error in BuildKit's plain style; -q prints
 * only the ID. A failed instruction is exit 1 as in Docker; bad input
 * (flags, Dockerfile, context) is 125.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "cli.h"
#include "dfexpand.h"

static int run(int argc, char **argv);

const struct verb verb_build = {
	.name = "build",
	.summary = "Build an image from a Dockerfile",
	.usage = "[OPTIONS] PATH",
	.help = "      --build-arg list    Set build-time variables (KEY=VALUE, or KEY\n"
		"                          to take it from the environment)\n"
		"  -f, --file string       Name of the Dockerfile (default:\n"
		"                          \"PATH/Dockerfile\")\n"
		"      --network string    Networking mode for the RUN instructions:\n"
		"                          none (default) or host\n"
		"      --no-cache          Do not use cache when building the image\n"
		"      --platform string   Set target platform (linux/amd64 only)\n"
		"  -q, --quiet             Suppress the build output and print image ID\n"
		"                          on success\n"
		"  -t, --tag list          Name and optionally a tag in the\n"
		"                          \"name:tag\" format\n"
		"      --target string     Set the target build stage to build.\n",
	.notes = "RUN executes under runc with the stage's filesystem as its root,\n"
		 "which needs root. SOURCE_DATE_EPOCH sets every time stamp, so the\n"
		 "same Dockerfile, context and base give the same image ID.\n",
	.run = run,
};

struct repeated {
	const char **tags;
	size_t ntags;
	struct df_vars args;
};

static int add_build_arg(struct df_vars *v, const char *kv)
{
	const char *env;

	if (strchr(kv, '='))
		return df_vars_put(v, kv);
	env = getenv(kv);
	return env ? df_vars_set(v, kv, env) : 0;
}

/* The value of a repeatable flag at argv[*i], or NULL when it is not one. */
static const char *repeated_value(int argc, char **argv, int *i,
				  const char *shortf, const char *longf, int *bad)
{
	const char *a = argv[*i];
	size_t sl = strlen(shortf), ll = strlen(longf);

	if ((sl && !strcmp(a, shortf)) || !strcmp(a, longf)) {
		if (*i + 1 >= argc) {
			*bad = 1;
			return NULL;
		}
		return argv[++*i];
	}
	if (!strncmp(a, longf, ll) && a[ll] == '=')
		return a + ll + 1;
	if (sl && !strncmp(a, shortf, sl) && a[sl])
		return a + sl + (a[sl] == '=');
	return NULL;
}

/* -t and --build-arg may repeat; they are taken out before opts_parse. */
static int take_repeated(int *argc, char **argv, struct repeated *r)
{
	int i, n = 1, bad = 0;
	const char *v;

	r->tags = calloc((size_t)*argc, sizeof(char *));
	if (!r->tags)
		return cli_fail(EXIT_HUSK, "out of memory");
	for (i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < *argc)
				argv[n++] = argv[i++];
			break;
		}
		if ((v = repeated_value(*argc, argv, &i, "-t", "--tag", &bad)))
			r->tags[r->ntags++] = v;
		else if ((v = repeated_value(*argc, argv, &i, "", "--build-arg", &bad))) {
			if (add_build_arg(&r->args, v))
				return cli_fail(EXIT_HUSK, "out of memory");
		} else if (bad) {
			return opts_usage_error(&verb_build, "flag needs an argument: %s",
						argv[i]);
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	*argc = n;
	return 0;
}

static int check_tags(const struct repeated *r)
{
	struct ref ref;

	for (size_t i = 0; i < r->ntags; i++)
		if (ref_parse(r->tags[i], &ref))
			return cli_fail(EXIT_HUSK, "invalid argument \"%s\" for \"-t, "
					"--tag\" flag: %s", r->tags[i], store_error());
	return 0;
}

static int check_flags(const char *network, const char *platform)
{
	if (network && strcmp(network, "none") && strcmp(network, "host") &&
	    strcmp(network, "default"))
		return opts_usage_error(&verb_build, "--network=%s: only none and "
					"host are supported", network);
	if (platform && strcmp(platform, "linux/amd64"))
		return opts_usage_error(&verb_build, "--platform=%s: husk builds "
					"linux/amd64 only", platform);
	return 0;
}

static int build(struct build_opts *o, int quiet)
{
	struct digest id;
	struct store s;
	int rc = cli_open_store(&s);

	if (rc)
		return rc;
	o->progress = quiet ? NULL : stderr;
	rc = build_image(&s, o, &id);
	store_close(&s);
	if (rc)
		return cli_store_fail(rc);
	if (quiet)
		printf("%s\n", id.s);
	return 0;
}

static int run(int argc, char **argv)
{
	const char *file = NULL, *target = NULL, *network = NULL, *platform = NULL;
	int quiet = 0, no_cache = 0, nargs, rc;
	struct repeated r = { 0 };
	const struct opt opts[] = {
		{ 'f', "file", OPT_VALUE, NULL, &file, NULL },
		{ 0, "target", OPT_VALUE, NULL, &target, NULL },
		{ 0, "network", OPT_VALUE, NULL, &network, NULL },
		{ 0, "platform", OPT_VALUE, NULL, &platform, NULL },
		{ 'q', "quiet", OPT_FLAG, &quiet, NULL, NULL },
		{ 0, "no-cache", OPT_FLAG, &no_cache, NULL, NULL },
		{ 0 },
	};
	struct build_opts o = { 0 };

	rc = take_repeated(&argc, argv, &r);
	if (!rc)
		rc = opts_parse(&verb_build, opts, argc, argv, &nargs);
	if (!rc && nargs != 1)
		rc = opts_usage_error(&verb_build, "\"husk build\" requires exactly "
				      "1 argument");
	if (!rc)
		rc = check_flags(network, platform);
	if (!rc)
		rc = check_tags(&r);
	if (!rc) {
		o = (struct build_opts){ .context = argv[0], .dockerfile = file,
			.tags = r.tags, .ntags = r.ntags, .build_args = &r.args,
			.target = target, .no_cache = no_cache,
			.network_host = network && !strcmp(network, "host") };
		rc = build(&o, quiet);
	}
	free(r.tags);
	df_vars_free(&r.args);
	return rc < 0 ? 0 : rc;
}
