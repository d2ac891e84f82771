/*
 * husk save: images to a tar (file or standard output) that docker load,
 * podman load and skopeo read, as a docker-archive or an OCI archive.
 * A file is written under a temporary name and renamed when complete, so
 * an interrupted save never leaves a truncated archive under FILE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int run(int argc, char **argv);

const struct verb verb_save = {
	.name = "save",
	.summary = "Save one or more images to a tar archive (streamed to STDOUT by default)",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.help = "  -o, --output string   Write to a file, instead of STDOUT\n",
	.run = run,
};

static int save_to_file(struct store *s, const char *path, char **what, int n)
{
	char tmp[4096];
	mode_t mask;
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.husk-XXXXXX", path) >= (int)sizeof(tmp))
		return cli_fail(EXIT_HUSK, "%s: path too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cli_fail(EXIT_HUSK, "cannot create %s: %s", tmp, strerror(errno));
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	rc = store_save(s, (const char *const *)what, (size_t)n, fd);
	if (rc)
		cli_store_fail(rc);
	else if (fsync(fd) || rename(tmp, path))
		rc = cli_fail(EXIT_HUSK, "cannot write %s: %s", path, strerror(errno));
	close(fd);
	if (rc)
		unlink(tmp);
	return rc;
}

static int run(int argc, char **argv)
{
	const char *output = NULL;
	const struct opt opts[] = {
		{ 'o', "output", OPT_VALUE, NULL, &output, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	struct store s;
	int nargs, rc;

	rc = opts_parse(&verb_save, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs < 1)
		return opts_usage_error(&verb_save, "\"husk save\" requires at least "
					"1 argument");
	if (!output && isatty(1))
		return cli_fail(EXIT_HUSK, "cowardly refusing to save to a terminal. "
				"Use the -o flag or redirect");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	if (output && strcmp(output, "-"))
		rc = save_to_file(&s, output, argv, nargs);
	else if ((rc = store_save(&s, (const char *const *)argv, (size_t)nargs, 1)))
		cli_store_fail(rc);
	store_close(&s);
	return rc;
}
