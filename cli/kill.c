/* husk kill: a signal (KILL by default) to each container's husk-vmm. */
#include <stdio.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_kill = {
	.name = "kill",
	.summary = "Kill one or more running containers",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.help = "  -s, --signal string   Signal to send to the container\n"
		"                        (default \"KILL\")\n",
	.notes = "husk-vmm passes TERM, INT, HUP, QUIT, USR1 and USR2 on to the\n"
		 "program; other signals end husk-vmm itself.\n",
	.run = run,
};

static int run(int argc, char **argv)
{
	const char *signame = "KILL";
	const struct opt opts[] = {
		{ 's', "signal", OPT_VALUE, NULL, &signame, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	int nargs, i, rc, sig, worst = 0;
	struct store s;

	rc = opts_parse(&verb_kill, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs < 1)
		return opts_usage_error(&verb_kill, "\"husk kill\" requires at "
					"least 1 argument");
	rc = ctr_parse_signal(signame, &sig);
	if (!rc)
		rc = cli_open_store(&s);
	if (rc)
		return rc;
	for (i = 0; i < nargs; i++) {
		struct container c;
		rc = ctr_find(&s, argv[i], &c);
		if (!rc) {
			rc = ctr_signal(&c, sig, argv[i]);
			container_free(&c);
		}
		if (!rc)
			printf("%s\n", argv[i]);
		worst = rc > worst ? rc : worst;
	}
	store_close(&s);
	return worst;
}
