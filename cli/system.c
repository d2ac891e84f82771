/* husk system prune: reclaim what no image uses. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "rootfs.h"

static int run(int argc, char **argv);

const struct verb verb_system = {
	.name = "system",
	.summary = "Manage husk (prune)",
	.usage = "prune [OPTIONS]",
	.help = "  -f, --force           Do not prompt for confirmation\n",
	.notes = "prune removes untagged images, blobs that no image uses and the\n"
		 "temporary files of husk commands that were interrupted.\n",
	.run = run,
};

struct tally {
	int images_header, blobs_header;
};

static void report(void *arg, const char *what, const char *digest)
{
	struct tally *t = arg;

	if (!strcmp(what, "deleted image")) {
		if (!t->images_header++)
			printf("Deleted Images:\n");
		printf("deleted: %s\n", digest);
		return;
	}
	if (!t->blobs_header++)
		printf("%sDeleted Blobs:\n", t->images_header ? "\n" : "");
	printf("%s\n", digest);
}

static int confirmed(void)
{
	char line[16] = "";

	fputs("WARNING! This will remove:\n"
	      "  - all untagged images\n"
	      "  - all blobs no image uses\n"
	      "  - cached root filesystems of images that are gone\n"
	      "  - temporary files of interrupted husk commands\n\n"
	      "Are you sure you want to continue? [y/N] ", stdout);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static int prune(int force)
{
	struct tally t = { 0 };
	char size[32];
	int64_t reclaimed;
	struct store s;
	int rc;

	if (!force && !confirmed())
		return 0;
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	rc = store_prune(&s, report, &t, &reclaimed);
	/* Flattened root filesystems of the images that are gone. */
	if (!rc)
		rc = rootfs_prune(&s, &reclaimed);
	store_close(&s);
	if (rc)
		return cli_store_fail(rc);
	human_size(reclaimed, size, sizeof(size));
	printf("%sTotal reclaimed space: %s\n",
	       t.images_header || t.blobs_header ? "\n" : "", size);
	return 0;
}

static int run(int argc, char **argv)
{
	int force = 0, nargs, rc;
	const struct opt opts[] = {
		{ 'f', "force", OPT_FLAG, &force, NULL, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};

	rc = opts_parse(&verb_system, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs != 1 || strcmp(argv[0], "prune"))
		return opts_usage_error(&verb_system, "\"husk system\" has one "
					"command: prune");
	return prune(force);
}
