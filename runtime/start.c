/*
 * start: opens exec.fifo for reading, which releases the init blocked
 * opening it for writing; the init writes one byte and becomes the
 * monitor, and we remove the fifo, which makes the status "running".
 * An init that cannot go on (its network could not be plugged) writes
 * why instead of that byte.
 * The fifo is opened without blocking and polled, so that an init that
 * died meanwhile is noticed instead of waited for forever.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "runtime.h"

#define START_TIMEOUT_MS 10000

static int run(int argc, char **argv);

const struct rt_verb rt_verb_start = {
	.name = "start",
	.usage = "ID",
	.summary = "boot a created container's guest",
	.run = run,
};

static int release_init(const struct rt_record *r)
{
	char fifo[PATH_MAX + 16], said[600] = "";
	struct pollfd p;
	ssize_t k = 0;
	int waited, rc = -1;

	snprintf(fifo, sizeof(fifo), "%s/" RT_FIFO, r->dir);
	p.fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (p.fd < 0)
		return rt_fail("%s: %s", fifo, strerror(errno));
	p.events = POLLIN;
	for (waited = 0; waited < START_TIMEOUT_MS; waited += 50) {
		if (poll(&p, 1, 50) > 0 &&
		    (k = read(p.fd, said, sizeof(said) - 1)) > 0) {
			said[k] = '\0';
			rc = said[0] == '0' ? 0 : -1;
			break;
		}
		if (!proc_alive(r->pid, r->pid_start))
			break;
	}
	close(p.fd);
	if (rc && k > 0) /* the init's own words: why it could not go on */
		return rt_fail("cannot start container %s: %s", r->id, said);
	if (rc)
		return rt_fail("cannot start container %s: its init %s", r->id,
			       waited < START_TIMEOUT_MS ? "has exited" :
			       "did not answer within 10 s");
	/* The init removes it too, right after its "0" (init.c). */
	if (unlink(fifo) && errno != ENOENT)
		return rt_fail("%s: %s", fifo, strerror(errno));
	return 0;
}

static int start(const char *id)
{
	struct rt_record r;
	enum rt_status st;
	json_t *state;
	int rc = rt_record_load(id, &r);

	if (rc)
		return rc;
	st = rt_record_status(&r);
	if (st == RT_RUNNING)
		rc = rt_fail("cannot start an already running container");
	else if (st == RT_STOPPED)
		rc = rt_fail("cannot start a container that has stopped");
	else if (st == RT_CREATING)
		rc = rt_fail("cannot start a container that is still being created");
	if (!rc)
		rc = release_init(&r);
	if (!rc) {
		state = rt_record_state(&r);
		/* The spec: a failing poststart hook is only a warning. */
		if (rt_hooks_run("poststart", json_object_get(r.doc, "poststart"), state))
			rt_log("warning", "a poststart hook failed; the container runs");
		json_decref(state);
	}
	rt_record_free(&r);
	return rc;
}

static int run(int argc, char **argv)
{
	const struct rt_opt opts[] = { { NULL, 0, NULL, NULL } };
	int first, rc;

	rc = rt_parse("start", opts, argc, argv, &first);
	if (!rc)
		rc = rt_need_args("start", rt_verb_start.usage, argc, first, 1, 1);
	return rc ? rc : start(argv[first]);
}
