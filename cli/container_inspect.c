/*
 * Containers in `husk inspect`: Docker's shape (Id, Created, Path, Args,
 * State, Image, Name, LogPath, HostConfig, Config), from the record.
 * State.Error is the first line of the guest's crash report (or
 * husk-vmm's failure, or why the program could not start), and
 * OOMKilled says its memory ran out (lib/container_console.c).
 */
#include <stdio.h>
#include <string.h>

#include "container_cli.h"

static json_t *state_json(const struct container *c)
{
	const struct container_state *st = &c->state;
	char started[64], finished[64];
	int running = st->status == CONTAINER_RUNNING;

	time_format_ns(st->started, started, sizeof(started));
	time_format_ns(st->finished, finished, sizeof(finished));
	return json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:I, s:i, s:s, s:s, s:s}",
			 "Status", container_status_name(st->status),
			 "Running", running, "Paused", 0, "Restarting", 0,
			 "OOMKilled", st->oom_killed, "Dead", 0,
			 "Pid", (json_int_t)(running ? st->pid : 0),
			 "ExitCode", st->exit_code, "Error", st->error,
			 "StartedAt", started, "FinishedAt", finished);
}

static json_t *member(const json_t *config, const char *key)
{
	json_t *v = json_object_get(config, key);

	return v ? json_deep_copy(v) : json_null();
}

/* Docker's {"80/tcp": [{"HostIp": ..., "HostPort": ...}]}, {} for none. */
static json_t *ports(const json_t *config)
{
	json_t *v = json_object_get(config, "PortBindings");

	return v ? json_deep_copy(v) : json_object();
}

static json_t *config_json(const struct container *c)
{
	const json_t *k = c->config;
	char host[13];

	snprintf(host, sizeof(host), "%.12s", c->id);
	return json_pack("{s:s, s:s, s:b, s:b, s:o, s:o, s:o, s:o, s:o}",
			 "Hostname", json_str(k, "Hostname") ? json_str(k, "Hostname") : host,
			 "Image", json_str(k, "Image") ? json_str(k, "Image") : "",
			 "Tty", json_is_true(json_object_get(k, "Tty")),
			 "OpenStdin", json_is_true(json_object_get(k, "OpenStdin")),
			 "Env", member(k, "Env"), "Cmd", member(k, "Cmd"),
			 "Entrypoint", member(k, "Entrypoint"),
			 "WorkingDir", member(k, "WorkingDir"),
			 "Labels", json_object());
}

json_t *ctr_inspect_json(const struct container *c)
{
	const json_t *k = c->config;
	char created[64], name[300], log[4200];

	time_format_ns(json_integer_value(json_object_get(k, "Created")), created,
		       sizeof(created));
	snprintf(name, sizeof(name), "/%s", container_name(c));
	container_log_path(c, log, sizeof(log));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:{s:o, s:o, s:o, s:o}, "
			 "s:o, s:{s:o}}",
			 "Id", c->id, "Created", created,
			 "Path", member(k, "Path"), "Args", member(k, "Args"),
			 "State", state_json(c), "Image", member(k, "ImageID"),
			 "Name", name, "LogPath", log,
			 "HostConfig", "Memory", member(k, "Memory"),
			 "AutoRemove", member(k, "AutoRemove"),
			 "NetworkMode", json_string(json_str(k, "NetworkMode") ?
						    json_str(k, "NetworkMode") : "none"),
			 "PortBindings", ports(k),
			 "Config", config_json(c),
			 "NetworkSettings", "Ports", ports(k));
}

int ctr_inspect_find(const char *what, json_t **out, int *found)
{
	struct container c;
	struct store s;
	int rc;

	*found = 0;
	rc = store_open(&s, NULL);
	if (rc)
		return 0;
	rc = container_find(&s, what, &c);
	store_close(&s);
	if (rc)
		return rc == STORE_NOT_FOUND ? 0 : cli_store_fail(EXIT_HUSK);
	*out = ctr_inspect_json(&c);
	*found = 1;
	container_free(&c);
	return 0;
}
