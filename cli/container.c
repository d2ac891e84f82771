/*
 * husk container COMMAND: Docker's management form (ls, run, create,
 * start, stop, kill, rm, logs, wait, inspect) and container prune.
 */
#include <stdio.h>
#include <string.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_container = {
	.name = "container",
	.summary = "Manage containers (ls, run, create, start, stop, kill, rm, "
		   "logs, wait, inspect, prune)",
	.usage = "COMMAND",
	.run = run,
};

static const char *const aliases[][2] = {
	{ "ls", "ps" }, { "list", "ps" }, { "ps", "ps" }, { "run", "run" },
	{ "create", "create" }, { "start", "start" }, { "stop", "stop" },
	{ "kill", "kill" }, { "rm", "rm" }, { "remove", "rm" },
	{ "logs", "logs" }, { "wait", "wait" }, { "inspect", "inspect" },
};

static const struct verb verb_prune = {
	.name = "container prune",
	.summary = "Remove all stopped containers",
	.usage = "[OPTIONS]",
	.help = "  -f, --force           Do not prompt for confirmation\n",
};

static const char prune_warning[] =
	"WARNING! This will remove all stopped containers.\n";

static int prune(int argc, char **argv)
{
	int force = 0, nargs, rc, header = 0;
	const struct opt opts[] = {
		{ 'f', "force", OPT_FLAG, &force, NULL, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	struct container_list l;
	struct store s;
	size_t i;

	rc = opts_parse(&verb_prune, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs)
		return opts_usage_error(&verb_prune, "\"husk container prune\" "
					"accepts no arguments");
	if (!force && !cli_confirm(prune_warning))
		return 0;
	rc = cli_open_store(&s);
	if (!rc && container_list(&s, &l))
		rc = cli_store_fail(EXIT_HUSK);
	if (rc)
		return rc;
	for (i = 0; !rc && i < l.n; i++) {
		if (l.v[i].state.status == CONTAINER_RUNNING)
			continue;
		if (container_remove(&s, &l.v[i])) {
			rc = cli_store_fail(EXIT_HUSK);
			break;
		}
		printf("%s%s\n", header++ ? "" : "Deleted Containers:\n", l.v[i].id);
	}
	if (!rc)
		printf("%sTotal reclaimed space: 0B\n", header ? "\n" : "");
	container_list_free(&l);
	store_close(&s);
	return rc;
}

static void help(void)
{
	size_t i;

	printf("\nUsage:  husk container COMMAND\n\nManage containers\n\nCommands:\n");
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		printf("  %-9s   %s\n", aliases[i][0], verb_lookup(aliases[i][1])->summary);
	printf("  %-9s   %s\n", "prune", verb_prune.summary);
}

static int run(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help();
		return argc < 2 ? EXIT_HUSK : 0;
	}
	if (!strcmp(argv[1], "prune"))
		return prune(argc - 1, argv + 1);
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(argv[1], aliases[i][0]))
			return verb_lookup(aliases[i][1])->run(argc - 1, argv + 1);
	return cli_fail(EXIT_HUSK, "'container %s' is not a husk command.\n"
			"See 'husk container --help'", argv[1]);
}
