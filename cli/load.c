/* husk load: images from a docker-archive or OCI archive, plain or gzip'ed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int run(int argc, char **argv);

const struct verb verb_load = {
	.name = "load",
	.summary = "Load an image from a tar archive or STDIN",
	.usage = "[OPTIONS]",
	.help = "  -i, --input string    Read from tar archive file, instead of STDIN\n"
		"                        (docker-archive or OCI archive, maybe gzip'ed)\n"
		"  -q, --quiet           Suppress the load output\n",
	.run = run,
};

static void report(void *arg, const char *verb, const char *what)
{
	if (!*(int *)arg)
		printf("%s: %s\n", verb, what);
}

static int run(int argc, char **argv)
{
	const char *input = NULL;
	int quiet = 0, nargs, rc, fd = 0;
	const struct opt opts[] = {
		{ 'i', "input", OPT_VALUE, NULL, &input, NULL },
		{ 'q', "quiet", OPT_FLAG, &quiet, NULL, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	struct store s;

	rc = opts_parse(&verb_load, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs)
		return opts_usage_error(&verb_load, "\"husk load\" accepts no "
					"arguments (use -i FILE)");
	if (!input && isatty(0))
		return cli_fail(EXIT_HUSK, "requested load from stdin, but stdin is "
				"a terminal: use -i FILE or redirect");
	if (input) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cli_fail(EXIT_HUSK, "%s: %s", input, strerror(errno));
	}
	rc = cli_open_store(&s);
	if (!rc && (rc = store_load(&s, fd, input ? input : "standard input",
				    report, &quiet)))
		cli_store_fail(rc);
	store_close(&s);
	if (input)
		close(fd);
	return rc;
}
