/* husk system prune: reclaim what no image uses, and the build cache. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cli.h"
#include "rootfs.h"

static int run(int argc, char **argv);

const struct verb verb_system = {
	.name = "system",
	.summary = "Manage husk (prune)",
	.usage = "prune [OPTIONS]",
	.help = "  -f, --force           Do not prompt for confirmation\n",
	.notes = "prune removes untagged images, blobs that no image uses, the\n"
		 "build cache and the temporary files of husk commands that were\n"
		 "interrupted. A build that is running keeps its cache.\n",
	.run = run,
};

/* Docker's section headers, in the order prune reports them. */
static const char *const sections[][2] = {
	{ "deleted image", "Deleted Images:" },
	{ "deleted blob", "Deleted Blobs:" },
	{ "deleted build cache", "Deleted build cache objects:" },
};

struct tally {
	const char *section; /* the header printed last; NULL: none yet */
};

static void report(void *arg, const char *what, const char *name)
{
	struct tally *t = arg;
	const char *header = "Deleted:";
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(what, sections[i][0]))
			header = sections[i][1];
	if (header != t->section)
		printf("%s%s\n", t->section ? "\n" : "", header);
	t->section = header;
	printf(strcmp(what, "deleted image") ? "%s\n" : "deleted: %s\n", name);
}

static const char prune_warning[] =
	"WARNING! This will remove:\n"
	"  - all untagged images\n"
	"  - all blobs no image uses\n"
	"  - cached root filesystems of images that are gone\n"
	"  - all build cache\n"
	"  - temporary files of interrupted husk commands\n\n";

static int prune(int force)
{
	struct tally t = { 0 };
	char size[32];
	int64_t reclaimed;
	struct store s;
	int rc;

	if (!force && !cli_confirm(prune_warning))
		return 0;
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	rc = store_prune(&s, report, &t, &reclaimed);
	/* Flattened root filesystems of the images that are gone. */
	if (!rc)
		rc = rootfs_prune(&s, &reclaimed);
	if (!rc)
		rc = build_cache_prune(&s, report, &t, &reclaimed);
	store_close(&s);
	if (rc == BUILD_CACHE_BUSY) {
		fflush(stdout);
		fprintf(stderr, "husk: a build is running: the build cache was "
			"left as it is\n");
		rc = 0;
	}
	if (rc)
		return cli_store_fail(rc);
	human_size(reclaimed, size, sizeof(size));
	printf("%sTotal reclaimed space: %s\n", t.section ? "\n" : "", size);
	return 0;
}

static int run(int argc, char **argv)
{
	int force = 0, rc;
	const struct opt opts[] = {
		{ 'f', "force", OPT_FLAG, &force, NULL, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};

	rc = opts_parse_command(&verb_system, opts, argc, argv, "prune");
	if (rc)
		return rc < 0 ? 0 : rc;
	return prune(force);
}
