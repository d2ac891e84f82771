/* husk stop: SIGTERM to each container's husk-vmm, SIGKILL after -t. */
#include <stdio.h>
#include <stdlib.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_stop = {
	.name = "stop",
	.summary = "Stop one or more running containers",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.help = "  -t, --time int        Seconds to wait before killing the\n"
		"                        container (default 10)\n",
	.notes = "husk-vmm passes SIGTERM on to the program; the record keeps\n"
		 "the program's exit status (137 when it had to be killed).\n",
	.run = run,
};

static int run(int argc, char **argv)
{
	const char *time = NULL, *timeout = NULL;
	const struct opt opts[] = {
		{ 't', "time", OPT_VALUE, NULL, &time, NULL },
		{ 0, "timeout", OPT_VALUE, NULL, &timeout, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	int nargs, i, rc, worst = 0, secs = 10;
	struct store s;
	char *end;

	rc = opts_parse(&verb_stop, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (timeout)
		time = timeout;
	if (time && ((secs = (int)strtol(time, &end, 10)) < 0 || *end || !*time))
		return opts_usage_error(&verb_stop, "invalid argument \"%s\" for "
					"\"-t, --time\" flag", time);
	if (nargs < 1)
		return opts_usage_error(&verb_stop, "\"husk stop\" requires at "
					"least 1 argument");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	for (i = 0; i < nargs; i++) {
		struct container c;
		rc = ctr_find(&s, argv[i], &c);
		if (!rc) {
			rc = ctr_stop(&s, &c, secs);
			container_free(&c);
		}
		if (!rc)
			printf("%s\n", argv[i]);
		worst = rc > worst ? rc : worst;
	}
	store_close(&s);
	return worst;
}
