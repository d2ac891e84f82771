/*
 * A container's state directory, ROOT/<id>/. state.json holds what
 * create decided (bundle, rootfs, the init's pid and its start time, the
 * annotations, the stop signal, the hooks still to run); the status is
 * never stored but derived, as runc derives it, so it cannot go stale:
 *
 *   creating  state.json has no pid yet (create is running, or died)
 *   created   the init lives and exec.fifo is still there
 *   running   the init lives (as the monitor) and the fifo is gone
 *   stopped   the init is gone: dead, a zombie, or its pid reused by
 *             another process (the start time tells)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "json_util.h"
#include "runtime.h"
#include "store.h"

/* runc's rule: letters, digits, and _ + - . ; not "." or "..". */
int rt_valid_id(const char *id)
{
	const char *p;

	if (!id[0] || strlen(id) > 250 || !strcmp(id, ".") || !strcmp(id, ".."))
		return 0;
	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_+-.", *p)))
			return 0;
	return 1;
}

int rt_record_dir(const char *id, char *buf, size_t n)
{
	if (!rt_valid_id(id))
		return rt_fail("invalid container id '%s': use letters, digits, "
			       "'_', '+', '-' and '.'", id);
	if ((size_t)snprintf(buf, n, "%s/%s", rt.root, id) >= n)
		return rt_fail("%s/%s: path too long", rt.root, id);
	return 0;
}

int rt_record_load(const char *id, struct rt_record *r)
{
	char path[PATH_MAX + 32];
	json_error_t err;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = rt_record_dir(id, r->dir, sizeof(r->dir));
	if (rc)
		return rc;
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(path, sizeof(path), "%s/" RT_STATE, r->dir);
	r->doc = json_load_file(path, 0, &err);
	/* No state.json: none yet (create has only made the directory) or
	 * none any more (a delete killed before it removed the directory),
	 * which runc, and engines after it, call a container that does not
	 * exist (delete removes what is left). */
	if (!r->doc && access(path, F_OK) && errno == ENOENT)
		return rt_fail("container does not exist: %s", id);
	if (!r->doc || !json_is_object(r->doc))
		return rt_fail("%s: %s", path, r->doc ? "not a JSON object" : err.text);
	r->pid = (pid_t)json_integer_value(json_object_get(r->doc, "pid"));
	r->pid_start = (uint64_t)json_integer_value(json_object_get(r->doc, "pidStart"));
	return 0;
}

int rt_record_save(struct rt_record *r)
{
	char *text;
	int rc;

	json_object_set_new(r->doc, "pid", json_integer(r->pid));
	json_object_set_new(r->doc, "pidStart", json_integer((json_int_t)r->pid_start));
	text = json_dumps(r->doc, JSON_COMPACT);
	if (!text)
		return rt_fail("out of memory");
	rc = container_write_file(r->dir, RT_STATE, text, strlen(text), 0);
	free(text);
	return rc ? rt_fail_lib() : 0;
}

void rt_record_free(struct rt_record *r)
{
	if (r->doc)
		json_decref(r->doc);
	r->doc = NULL;
}

int rt_record_remove(const char *dir)
{
	return remove_tree(dir) ? rt_fail_lib() : 0;
}

enum rt_status rt_record_status(const struct rt_record *r)
{
	char fifo[PATH_MAX + 16];

	if (!r->pid)
		return RT_CREATING;
	if (!proc_alive(r->pid, r->pid_start))
		return RT_STOPPED;
	snprintf(fifo, sizeof(fifo), "%s/" RT_FIFO, r->dir);
	return access(fifo, F_OK) ? RT_RUNNING : RT_CREATED;
}

const char *rt_status_name(enum rt_status st)
{
	static const char *const names[] = { "creating", "created", "running",
					     "stopped" };

	return names[st];
}

json_t *rt_record_state(const struct rt_record *r)
{
	enum rt_status st = rt_record_status(r);
	json_t *o = json_object(), *annotations = json_object_get(r->doc, "annotations");

	json_object_set_new(o, "ociVersion", json_string(RT_SPEC_VERSION));
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "pid", json_integer(st == RT_CREATED ||
						    st == RT_RUNNING ? r->pid : 0));
	json_object_set_new(o, "status", json_string(rt_status_name(st)));
	json_object_set(o, "bundle", json_object_get(r->doc, "bundle"));
	json_object_set(o, "rootfs", json_object_get(r->doc, "rootfs"));
	json_object_set(o, "created", json_object_get(r->doc, "created"));
	json_object_set_new(o, "owner", json_string(""));
	if (json_object_size(annotations))
		json_object_set(o, "annotations", annotations);
	return o;
}

int rt_wait_gone(const struct rt_record *r, int timeout_ms)
{
	struct timespec tick = { 0, 10 * 1000000L };
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 10) {
		if (!proc_alive(r->pid, r->pid_start))
			return 0;
		nanosleep(&tick, NULL);
	}
	return proc_alive(r->pid, r->pid_start) ? -1 : 0;
}
