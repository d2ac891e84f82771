/*
 * husk ps: Docker's columns CONTAINER ID, IMAGE, COMMAND, CREATED,
 * STATUS ("Up 3 seconds", "Exited (0) 2 minutes ago", "Created"),
 * PORTS, NAMES; running containers only unless -a; newest first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container_cli.h"
#include "publish.h"

static int run(int argc, char **argv);

const struct verb verb_ps = {
	.name = "ps",
	.summary = "List containers",
	.usage = "[OPTIONS]",
	.help = "  -a, --all             Show all containers (default shows just running)\n"
		"      --format string   Format output using a Go template: 'table',\n"
		"                        'table TEMPLATE' or 'TEMPLATE'; fields .ID,\n"
		"                        .Image, .Command, .CreatedAt, .RunningFor,\n"
		"                        .Ports, .State, .Status, .Names\n"
		"      --no-trunc        Don't truncate output\n"
		"  -q, --quiet           Only display container IDs\n",
	.run = run,
};

#define DEFAULT_FORMAT "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}"
#define COMMAND_WIDTH 20

/* Path and Args as one line, quoted as Docker shows it. */
static void command_text(const struct container *c, int no_trunc, char *buf,
			 size_t n)
{
	const json_t *args = json_object_get(c->config, "Args");
	char whole[4096], cut[4096];
	size_t i, len;

	len = (size_t)snprintf(whole, sizeof(whole), "%s", json_str(c->config, "Path") ?
			       json_str(c->config, "Path") : "");
	for (i = 0; i < json_array_size(args) && len < sizeof(whole); i++)
		len += (size_t)snprintf(whole + len, sizeof(whole) - len, " %s",
					json_string_value(json_array_get(args, i)));
	if (no_trunc)
		snprintf(cut, sizeof(cut), "%s", whole);
	else
		ellipsis(whole, COMMAND_WIDTH, cut, sizeof(cut));
	snprintf(buf, n, "\"%s\"", cut);
}

static void status_text(const struct container *c, int64_t now, char *buf,
			size_t n)
{
	const struct container_state *st = &c->state;
	char since[64];

	switch (st->status) {
	case CONTAINER_CREATED:
		snprintf(buf, n, "Created");
		break;
	case CONTAINER_RUNNING:
		human_since(st->started / 1000000000, now, since, sizeof(since));
		since[strlen(since) - strlen(" ago")] = '\0';
		snprintf(buf, n, "Up %s", since);
		break;
	case CONTAINER_EXITED:
		human_since(st->finished / 1000000000, now, since, sizeof(since));
		snprintf(buf, n, "Exited (%d) %s", st->exit_code, since);
		break;
	}
}

static void created_at(int64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
}

struct ports_text {
	char *buf;
	size_t n, used;
};

/* "0.0.0.0:8080->80/tcp" from publish_each's "0.0.0.0:8080:80/tcp". */
static int add_port(void *ctx, const char *spec)
{
	struct ports_text *t = ctx;
	const char *last = strrchr(spec, ':');
	int k;

	k = snprintf(t->buf + t->used, t->n - t->used, "%s%.*s->%s",
		     t->used ? ", " : "", (int)(last - spec), spec, last + 1);
	if (k > 0 && (size_t)k < t->n - t->used)
		t->used += (size_t)k;
	return 0;
}

/* Docker lists the published ports of running containers. */
static void ports_text(const struct container *c, char *buf, size_t n)
{
	struct ports_text t = { buf, n, 0 };

	buf[0] = '\0';
	if (c->state.status == CONTAINER_RUNNING)
		publish_each(c->config, add_port, &t);
}

static json_t *row_json(const struct container *c, int no_trunc, int64_t now)
{
	int64_t created = json_integer_value(json_object_get(c->config, "Created"));
	char id[80], command[4200], since[64], status[96], at[64], ports[1024];

	snprintf(id, sizeof(id), "%.*s", no_trunc ? CONTAINER_ID_LEN : 12, c->id);
	command_text(c, no_trunc, command, sizeof(command));
	human_since(created / 1000000000, now, since, sizeof(since));
	status_text(c, now, status, sizeof(status));
	created_at(created, at, sizeof(at));
	ports_text(c, ports, sizeof(ports));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "ID", id, "Image", json_str(c->config, "Image"),
			 "Command", command, "CreatedAt", at, "RunningFor", since,
			 "Ports", ports, "State", container_status_name(c->state.status),
			 "Status", status, "Names", container_name(c));
}

static json_t *header_json(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "ID", "CONTAINER ID", "Image", "IMAGE", "Command", "COMMAND",
			 "CreatedAt", "CREATED AT", "RunningFor", "CREATED",
			 "Ports", "PORTS", "State", "STATE", "Status", "STATUS",
			 "Names", "NAMES");
}

static int print(const struct container_list *l, int all, const char *format,
		 int no_trunc, int quiet)
{
	static const struct template_types types;
	json_t **rows = calloc(l->n + 1, sizeof(*rows)), *header = header_json();
	int64_t now = (int64_t)time(NULL);
	size_t i, n = 0;
	int rc;

	if (!rows || !header)
		return cli_fail(EXIT_HUSK, "out of memory");
	for (i = 0; i < l->n; i++) {
		if (!all && l->v[i].state.status != CONTAINER_RUNNING)
			continue;
		rows[n++] = row_json(&l->v[i], no_trunc, now);
	}
	rc = print_rows(quiet ? "{{.ID}}" : format, DEFAULT_FORMAT, header, rows,
			n, &types);
	for (i = 0; i < n; i++)
		json_decref(rows[i]);
	free(rows);
	json_decref(header);
	return rc;
}

static int run(int argc, char **argv)
{
	int all = 0, quiet = 0, no_trunc = 0, nargs, rc;
	const char *format = NULL;
	const struct opt opts[] = {
		{ 'a', "all", OPT_FLAG, &all, NULL, NULL },
		{ 'q', "quiet", OPT_FLAG, &quiet, NULL, NULL },
		{ 0, "no-trunc", OPT_FLAG, &no_trunc, NULL, NULL },
		{ 0, "format", OPT_VALUE, NULL, &format, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	struct container_list l;
	struct store s;

	rc = opts_parse(&verb_ps, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs)
		return opts_usage_error(&verb_ps, "\"husk ps\" accepts no arguments");
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	rc = container_list(&s, &l);
	store_close(&s);
	if (rc)
		return cli_store_fail(EXIT_HUSK);
	rc = print(&l, all, format, no_trunc, quiet);
	container_list_free(&l);
	return rc;
}
