/* husk tag SOURCE TARGET: another name for an image. */
#include "cli.h"

static int run(int argc, char **argv);

const struct verb verb_tag = {
	.name = "tag",
	.summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
	.usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
	.help = "",
	.run = run,
};

static int run(int argc, char **argv)
{
	struct store s;
	int nargs, rc;

	rc = opts_parse(&verb_tag, NULL, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs != 2)
		return opts_usage_error(&verb_tag, "\"husk tag\" requires exactly 2 "
					"arguments");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	rc = store_tag(&s, argv[0], argv[1]);
	store_close(&s);
	return rc ? cli_store_fail(rc) : 0;
}
