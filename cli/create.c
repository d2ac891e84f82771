/* husk create: a container record, ready for husk start; prints its ID. */
#include <stdio.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_create = {
	.name = "create",
	.summary = "Create a new container",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.help = "      --entrypoint string  Overwrite the default ENTRYPOINT of the image\n"
		"  -e, --env list           Set environment variables\n"
		"      --env-file list      Read in a file of environment variables\n"
		"  -i, --interactive        Keep STDIN open (for start -a)\n"
		"  -m, --memory bytes       Memory of the VM (default 256m)\n"
		"      --name string        Assign a name to the container\n"
		"      --hostname string    Container host name (default: the short ID)\n"
		"      --network string     none (the default without -p), user (outbound\n"
		"                           connections and -p, no root), tap:NAME\n"
		"  -p, --publish list       Publish a container's port to the host:\n"
		"                           [HOST_IP:][HOST_PORT:]PORT[/tcp|/udp]\n"
		"      --rm                 Automatically remove the container when it exits\n"
		"  -t, --tty                Accepted; no pseudo-terminal is allocated\n"
		"  -w, --workdir string     Working directory inside the container\n",
	.run = run,
};

static int run(int argc, char **argv)
{
	struct run_args a;
	struct container c;
	struct store s;
	int rc;

	rc = run_args_parse(&verb_create, argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.detach) {
		run_args_free(&a);
		return opts_usage_error(&verb_create, "unknown shorthand flag: 'd'");
	}
	rc = cli_open_store(&s);
	if (rc) {
		run_args_free(&a);
		return rc;
	}
	rc = ctr_create(&s, &a, &c);
	if (!rc) {
		printf("%s\n", c.id);
		container_free(&c);
	}
	store_close(&s);
	run_args_free(&a);
	return rc;
}
