/* husk create: a container record, ready for husk start; prints its ID. */
#include <stdio.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_create = {
	.name = "create",
	.summary = "Create a new container",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.help = RUN_ARGS_HELP_HEAD
		"  -i, --interactive        Keep STDIN open (for start -a)\n"
		RUN_ARGS_HELP_TAIL,
	.run = run,
};

static int run(int argc, char **argv)
{
	struct run_args a;
	struct container c;
	struct store s;
	int rc;

	rc = run_args_parse(&verb_create, argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.detach) {
		run_args_free(&a);
		return opts_usage_error(&verb_create, "unknown shorthand flag: 'd'");
	}
	rc = cli_open_store(&s);
	if (rc) {
		run_args_free(&a);
		return rc;
	}
	rc = ctr_create(&s, &a, &c);
	if (!rc) {
		printf("%s\n", c.id);
		container_free(&c);
	}
	store_close(&s);
	run_args_free(&a);
	return rc;
}
