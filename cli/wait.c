/* husk wait: blocks until each container stops, prints its exit status. */
#include <stdio.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_wait = {
	.name = "wait",
	.summary = "Block until one or more containers stop, then print their exit codes",
	.usage = "CONTAINER [CONTAINER...]",
	.run = run,
};

static int run(int argc, char **argv)
{
	int nargs, i, rc, worst = 0;
	struct store s;

	rc = opts_parse(&verb_wait, NULL, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs < 1)
		return opts_usage_error(&verb_wait, "\"husk wait\" requires at "
					"least 1 argument");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	for (i = 0; i < nargs; i++) {
		struct container c;
		rc = ctr_find(&s, argv[i], &c);
		if (rc) {
			worst = rc > worst ? rc : worst;
			continue;
		}
		rc = ctr_wait_exited(&s, &c, -1);
		if (!rc)
			printf("%d\n", c.state.exit_code);
		/* A foreground --rm run has no keeper to record its status. */
		if (rc == CTR_GONE)
			rc = cli_fail(EXIT_NOT_FOUND, "container %s was removed when "
				      "it exited (--rm); its exit status was not "
				      "kept", argv[i]);
		fflush(stdout);
		container_free(&c);
		worst = rc > worst ? rc : worst;
	}
	store_close(&s);
	return worst;
}
