/*
 * husk start: runs created or exited containers under a supervisor; with
 * -a, one container in the foreground as husk run does.
 */
#include <stdio.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_start = {
	.name = "start",
	.summary = "Start one or more stopped containers",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.help = "  -a, --attach          Attach STDOUT/STDERR and forward signals\n"
		"  -i, --interactive     Attach container's STDIN\n",
	.run = run,
};

static int start_one(struct store *s, const char *what, int attach,
		     int interactive)
{
	struct container c;
	int rc = ctr_find(s, what, &c);

	if (rc)
		return rc;
	if (c.state.status == CONTAINER_RUNNING) {
		rc = attach ? cli_fail(EXIT_HUSK, "container %s is already running; "
				       "husk cannot attach to it", what) : 0;
	} else {
		ctr_note_monitor(0);
		rc = attach ? ctr_run_foreground(s, &c, interactive) :
			ctr_start_detached(s, &c);
	}
	if (!rc && !attach)
		printf("%s\n", what);
	container_free(&c);
	return rc;
}

static int run(int argc, char **argv)
{
	int attach = 0, interactive = 0, nargs, i, rc, worst = 0;
	const struct opt opts[] = {
		{ 'a', "attach", OPT_FLAG, &attach, NULL, NULL },
		{ 'i', "interactive", OPT_FLAG, &interactive, NULL, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	struct store s;

	rc = opts_parse(&verb_start, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs < 1)
		return opts_usage_error(&verb_start, "\"husk start\" requires at "
					"least 1 argument");
	if ((attach || interactive) && nargs > 1)
		return cli_fail(EXIT_HUSK, "you cannot start and attach multiple "
				"containers at once");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	for (i = 0; i < nargs; i++) {
		rc = start_one(&s, argv[i], attach || interactive, interactive);
		worst = rc > worst ? rc : worst;
	}
	store_close(&s);
	return attach || interactive ? rc : worst;
}
