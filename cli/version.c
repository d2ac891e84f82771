/* husk version: this program, its store and the libraries it uses. */
#include <stdio.h>
#include <archive.h>
#include <openssl/opensslv.h>

#include "cli.h"

static int run(int argc, char **argv);

const struct verb verb_version = {
	.name = "version",
	.summary = "Show the husk version information",
	.usage = "",
	.help = "",
	.run = run,
};

static int run(int argc, char **argv)
{
	char root[4096];
	int nargs, rc;

	rc = opts_parse(&verb_version, NULL, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs)
		return opts_usage_error(&verb_version, "\"husk version\" accepts no "
					"arguments");
	if (store_default_root(root, sizeof(root)))
		snprintf(root, sizeof(root), "(%s)", store_error());
	/*
	 * OpenSSL's version as compiled in, like jansson's: OpenSSL_version()
	 * would link libcrypto's whole BIO, engine and resolver code into the
	 * static husk.
	 */
	printf("husk version %s\n"
	       " Store:        %s (OCI image layout 1.0.0)\n"
	       " Libraries:    jansson %s, %s, %s\n",
	       HUSK_VERSION, root, JANSSON_VERSION, archive_version_string(),
	       OPENSSL_VERSION_TEXT);
	return 0;
}
