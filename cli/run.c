/*
 * husk run: create a container and run it, in the foreground (husk-vmm's
 * output is the terminal's, husk exits with the program's status) or,
 * with -d, under a supervisor (the ID is printed once husk-vmm runs).
 * A foreground --rm run without --name keeps no record at all and execs
 * husk-vmm (container_exec.c, ctr_exec_rm): the common `husk run --rm`
 * costs little more than husk-vmm alone.
 */
#include <stdio.h>

#include "container_cli.h"

static int run(int argc, char **argv);

#define RUN_HELP \
	"      --entrypoint string  Overwrite the default ENTRYPOINT of the image\n" \
	"  -e, --env list           Set environment variables\n" \
	"      --env-file list      Read in a file of environment variables\n" \
	"  -i, --interactive        Keep STDIN open (without it the program's\n" \
	"                           standard input is /dev/null)\n" \
	"  -m, --memory bytes       Memory of the VM (default 256m)\n" \
	"      --name string        Assign a name to the container\n" \
	"      --hostname string    Container host name (default: the short ID)\n" \
	"      --network string     none (the default without -p), user (outbound\n" \
	"                           connections and -p, no root), tap:NAME\n" \
	"  -p, --publish list       Publish a container's port to the host:\n" \
	"                           [HOST_IP:][HOST_PORT:]PORT[/tcp|/udp]\n" \
	"      --rm                 Automatically remove the container when it exits\n" \
	"  -t, --tty                Accepted; no pseudo-terminal is allocated\n" \
	"  -w, --workdir string     Working directory inside the container\n"

const struct verb verb_run = {
	.name = "run",
	.summary = "Create and run a new container from an image",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.help = "  -d, --detach             Run container in background and print container ID\n"
		RUN_HELP,
	.notes = "Exit status: the program's; 125 for husk's own errors, 126 or\n"
		 "127 when the command cannot be run; 120-124 from husk-vmm\n"
		 "(see husk-vmm --help).\n",
	.run = run,
};

static int run(int argc, char **argv)
{
	struct run_args a;
	struct container c;
	struct store s;
	int rc;

	rc = run_args_parse(&verb_run, argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.detach && a.interactive)
		a.interactive = 0; /* nothing would ever write to it */
	rc = cli_open_store(&s);
	/* Nothing is left to do after such a run: husk becomes husk-vmm. */
	if (!rc && a.rm && !a.detach && !a.name) {
		rc = ctr_exec_rm(&s, &a);
		store_close(&s);
		run_args_free(&a);
		return rc;
	}
	if (!rc)
		rc = ctr_create(&s, &a, &c);
	if (rc) {
		run_args_free(&a);
		return rc;
	}
	if (a.detach) {
		rc = ctr_start_detached(&s, &c);
		if (!rc)
			printf("%s\n", c.id);
	} else {
		rc = ctr_run_foreground(&s, &c, a.interactive);
	}
	container_free(&c);
	store_close(&s);
	run_args_free(&a);
	return rc;
}
