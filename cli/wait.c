/* husk wait: blocks until each container stops, prints its exit status. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_wait = {
	.name = "wait",
	.summary = "Block until one or more containers stop, then print their exit codes",
	.usage = "CONTAINER [CONTAINER...]",
	.run = run,
};

/*
 * A --rm container's record goes as it ends: its status is in the
 * exitcode file, opened before that (container.h). Empty there means
 * nobody learned it (the monitor or its keeper was killed): 137, as a
 * record found running with nobody left is taken to be killed.
 */
static int wait_one(struct store *s, const char *what)
{
	struct container c;
	int rc, fd, status;

	rc = ctr_find(s, what, &c);
	if (rc)
		return rc;
	fd = container_exitcode_open(&c, O_RDONLY | O_CLOEXEC);
	rc = ctr_wait_exited(s, &c, -1);
	if (!rc) {
		printf("%d\n", c.state.exit_code);
	} else if (rc == CTR_GONE && fd >= 0) {
		if (container_exitcode_read(fd, &status))
			status = CONTAINER_EXIT_KILLED;
		printf("%d\n", status);
		rc = 0;
	} else if (rc == CTR_GONE) {
		rc = cli_fail(EXIT_NOT_FOUND, "container %s was removed when it "
			      "exited (--rm) before its exit status could be "
			      "read", what);
	}
	if (fd >= 0)
		close(fd);
	fflush(stdout);
	container_free(&c);
	return rc;
}

static int run(int argc, char **argv)
{
	int nargs, i, rc, worst = 0;
	struct store s;

	rc = opts_parse(&verb_wait, NULL, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs < 1)
		return opts_usage_error(&verb_wait, "\"husk wait\" requires at "
					"least 1 argument");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	for (i = 0; i < nargs; i++) {
		rc = wait_one(&s, argv[i]);
		worst = rc > worst ? rc : worst;
	}
	store_close(&s);
	return worst;
}
