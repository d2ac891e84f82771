/*
 * husk run: create a container and run it, in the foreground (husk-vmm's
 * output is the terminal's, husk exits with the program's status) or,
 * with -d, under a supervisor (the ID is printed once husk-vmm runs).
 * A foreground --rm run writes its record and becomes the monitor
 * (container_exec.c, ctr_exec_rm) rather than waiting for it: the common
 * `husk run --rm` costs little more than husk-vmm alone.
 */
#include <stdio.h>

#include "container_cli.h"

static int run(int argc, char **argv);

#define RUN_HELP \
	RUN_ARGS_HELP_HEAD \
	"  -i, --interactive        Keep STDIN open (without it the program's\n" \
	"                           standard input is /dev/null)\n" \
	RUN_ARGS_HELP_TAIL

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

/* Created, then run detached or in the foreground with a keeper. */
static int run_kept(struct store *s, struct run_args *a)
{
	struct container c;
	int rc = ctr_create(s, a, &c);

	if (rc)
		return rc;
	ctr_note_monitor(a->quiet);
	if (a->detach) {
		rc = ctr_start_detached(s, &c);
		if (!rc)
			printf("%s\n", c.id);
	} else {
		rc = ctr_run_foreground(s, &c, a->interactive);
	}
	container_free(&c);
	return rc;
}

static int run(int argc, char **argv)
{
	struct run_args a;
	struct store s;
	int rc;

	rc = run_args_parse(&verb_run, argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.detach && a.interactive)
		a.interactive = 0; /* nothing would ever write to it */
	rc = cli_open_store(&s);
	if (rc) {
		run_args_free(&a);
		return rc;
	}
	/* Nothing is left to do after such a run: husk becomes the monitor. */
	if (a.rm && !a.detach)
		rc = ctr_exec_rm(&s, &a);
	else
		rc = run_kept(&s, &a);
	store_close(&s);
	run_args_free(&a);
	return rc;
}
