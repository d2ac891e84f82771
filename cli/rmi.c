/* husk rmi: untag, and delete images no name holds any more (Docker's rules). */
#include <stdio.h>

#include "cli.h"

static int run(int argc, char **argv);

const struct verb verb_rmi = {
	.name = "rmi",
	.summary = "Remove one or more images",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.help = "  -f, --force           Force removal of the image (an ID that\n"
		"                        names from several repositories share)\n"
		"      --no-prune        Accepted for Docker compatibility (husk\n"
		"                        keeps no parent images)\n",
	.run = run,
};

static void report(void *arg, const char *verb, const char *what)
{
	(void)arg;
	printf("%s: %s\n", verb, what);
}

static int run(int argc, char **argv)
{
	int force = 0, no_prune = 0, nargs, i, rc, worst = 0;
	const struct opt opts[] = {
		{ 'f', "force", OPT_FLAG, &force, NULL, NULL },
		{ 0, "no-prune", OPT_FLAG, &no_prune, NULL, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	struct store s;

	rc = opts_parse(&verb_rmi, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs < 1)
		return opts_usage_error(&verb_rmi, "\"husk rmi\" requires at least "
					"1 argument");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	/* Like Docker: every image is tried; the status is the worst seen. */
	for (i = 0; i < nargs; i++) {
		rc = store_remove(&s, argv[i], force, report, NULL);
		fflush(stdout);
		if (rc)
			cli_store_fail(rc);
		if (rc > worst)
			worst = rc;
	}
	store_close(&s);
	return worst;
}
