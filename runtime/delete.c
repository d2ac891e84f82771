/*
 * delete: a stopped (or only created) container's state directory goes;
 * a running one only with --force, after SIGKILL to its process group,
 * once the monitor is gone. As runc does, an unknown id is an error
 * without --force, and whatever an aborted create left under that id is
 * removed either way. poststop hooks run last; their failure is only a
 * warning (the spec).
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "runtime.h"

#define GONE_TIMEOUT_MS 10000

static int run(int argc, char **argv);

const struct rt_verb rt_verb_delete = {
	.name = "delete",
	.usage = "[--force] ID",
	.summary = "remove a container (--force: even a running one)",
	.run = run,
};

static int stop_process(struct rt_record *r)
{
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	if (rt_wait_gone(r, GONE_TIMEOUT_MS))
		return rt_fail("container %s: process %d did not end after SIGKILL",
			       r->id, (int)r->pid);
	return 0;
}

static int delete(const char *id, int force)
{
	char dir[PATH_MAX], state_file[PATH_MAX + 16];
	struct rt_record r;
	enum rt_status st;
	json_t *state;
	int rc;

	rc = rt_record_dir(id, dir, sizeof(dir));
	if (rc)
		return rc;
	snprintf(state_file, sizeof(state_file), "%s/" RT_STATE, dir);
	if (access(state_file, F_OK)) {
		rc = rt_record_remove(dir); /* what an aborted create left */
		return rc || force ? rc : rt_fail("container does not exist: %s", id);
	}
	if (rt_record_load(id, &r))
		return RT_EXIT_FAIL;
	st = rt_record_status(&r);
	if (st == RT_RUNNING && !force)
		rc = rt_fail("cannot delete container %s that is not stopped: running",
			     id);
	else if (st != RT_STOPPED && r.pid > 0)
		rc = stop_process(&r);
	if (!rc) {
		state = rt_record_state(&r);
		if (rt_hooks_run("poststop", json_object_get(r.doc, "poststop"), state))
			rt_log("warning", "a poststop hook failed; the container is removed");
		json_decref(state);
		rc = rt_record_remove(r.dir);
	}
	rt_record_free(&r);
	return rc;
}

static int run(int argc, char **argv)
{
	int force = 0, first, rc;
	const struct rt_opt opts[] = {
		{ "force", 'f', NULL, &force },
		{ NULL, 0, NULL, NULL },
	};

	rc = rt_parse("delete", opts, argc, argv, &first);
	if (!rc)
		rc = rt_need_args("delete", rt_verb_delete.usage, argc, first, 1, 1);
	return rc ? rc : delete(argv[first], force);
}
