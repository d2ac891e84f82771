/* husk rm: removes container records; -f kills a running one first. */
#include <signal.h>
#include <stdio.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_rm = {
	.name = "rm",
	.summary = "Remove one or more containers",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.help = "  -f, --force           Force the removal of a running container\n"
		"                        (uses SIGKILL)\n"
		"  -v, --volumes         Accepted; husk has no volumes yet\n",
	.run = run,
};

static int remove_one(struct store *s, const char *what, int force)
{
	struct container c;
	int rc = ctr_find(s, what, &c);

	if (rc)
		return rc;
	if (c.state.status == CONTAINER_RUNNING && !force)
		rc = cli_fail(EXIT_NOT_FOUND, "You cannot remove a running container "
			      "%s. Stop the container before attempting removal "
			      "or force remove", c.id);
	else if (c.state.status == CONTAINER_RUNNING)
		rc = ctr_signal(&c, SIGKILL, what) == EXIT_HUSK ? EXIT_HUSK : 0;
	/* The keeper finds the record gone and leaves it so. */
	if (!rc && container_remove(s, &c))
		rc = cli_store_fail(EXIT_HUSK);
	if (!rc)
		printf("%s\n", what);
	container_free(&c);
	return rc;
}

static int run(int argc, char **argv)
{
	int force = 0, volumes = 0, nargs, i, rc, worst = 0;
	const struct opt opts[] = {
		{ 'f', "force", OPT_FLAG, &force, NULL, NULL },
		{ 'v', "volumes", OPT_FLAG, &volumes, NULL, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	struct store s;

	rc = opts_parse(&verb_rm, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs < 1)
		return opts_usage_error(&verb_rm, "\"husk rm\" requires at least "
					"1 argument");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	for (i = 0; i < nargs; i++) {
		rc = remove_one(&s, argv[i], force);
		worst = rc > worst ? rc : worst;
	}
	store_close(&s);
	return worst;
}
