/* husk import: a one-layer image from a root filesystem (directory or tar). */
#include <stdio.h>

#include "cli.h"

static int run(int argc, char **argv);

const struct verb verb_import = {
	.name = "import",
	.summary = "Import the contents from a tarball or directory to create a "
		   "filesystem image",
	.usage = "[OPTIONS] file|dir|- [REPOSITORY[:TAG]]",
	.help = "",
	.notes = "A directory keeps its files, directories, symbolic and hard links,\n"
		 "devices, modes and owners. With SOURCE_DATE_EPOCH set, file times\n"
		 "are clamped to it and it is the image's creation time, so the same\n"
		 "tree gives the same image ID. Prints the new image's ID.\n",
	.run = run,
};

static int run(int argc, char **argv)
{
	struct digest id;
	struct store s;
	int nargs, rc;

	rc = opts_parse(&verb_import, NULL, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs < 1 || nargs > 2)
		return opts_usage_error(&verb_import, "\"husk import\" requires at "
					"least 1 and at most 2 arguments");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	rc = store_import(&s, argv[0], nargs > 1 ? argv[1] : NULL, &id);
	store_close(&s);
	if (rc)
		return cli_store_fail(rc);
	printf("%s\n", id.s);
	return 0;
}
