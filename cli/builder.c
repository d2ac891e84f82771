/* husk builder prune: removes the build cache, as Docker's does. */
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "cli.h"

static int run(int argc, char **argv);

const struct verb verb_builder = {
	.name = "builder",
	.summary = "Manage builds (prune)",
	.usage = "prune [OPTIONS]",
	.help = "  -a, --all             Accepted: husk always removes all build cache\n"
		"  -f, --force           Do not prompt for confirmation\n",
	.notes = "The next build runs every step again. The images built keep\n"
		 "their layers (they are copies). Refused while a build runs.\n",
	.run = run,
};

static void report(void *arg, const char *what, const char *key)
{
	int *count = arg;

	(void)what;
	if (!(*count)++)
		printf("Deleted build cache objects:\n");
	printf("%s\n", key);
}

static const char prune_warning[] =
	"WARNING! This will remove all build cache.\n";

static int prune(int force)
{
	int64_t reclaimed = 0;
	struct store s;
	char size[32];
	int rc, count = 0;

	if (!force && !cli_confirm(prune_warning))
		return 0;
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	rc = build_cache_prune(&s, report, &count, &reclaimed);
	store_close(&s);
	if (rc == BUILD_CACHE_BUSY)
		return cli_fail(EXIT_HUSK, "a build is running: the build cache "
				"cannot be pruned until it ends");
	if (rc)
		return cli_store_fail(rc);
	human_size(reclaimed, size, sizeof(size));
	printf("%sTotal reclaimed space: %s\n", count ? "\n" : "", size);
	return 0;
}

static int run(int argc, char **argv)
{
	int all = 0, force = 0, rc;
	const struct opt opts[] = {
		{ 'a', "all", OPT_FLAG, &all, NULL, NULL },
		{ 'f', "force", OPT_FLAG, &force, NULL, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};

	rc = opts_parse_command(&verb_builder, opts, argc, argv, "prune");
	if (rc)
		return rc < 0 ? 0 : rc;
	return prune(force);
}
