/*
 * husk logs: a container's output, from the log its keeper writes
 * ("<time> stdout|stderr <text>" per line; lib/container_console.c): each
 * line back on the stream it came from; -t shows the times, --tail the
 * last N lines, -f follows until the container stops. Foreground runs are
 * logged too, as Docker does, so a crash report stays readable after the
 * VM is gone; only a foreground --rm run, which husk leaves to husk-vmm,
 * has none (its record goes with it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_logs = {
	.name = "logs",
	.summary = "Fetch the logs of a container",
	.usage = "[OPTIONS] CONTAINER",
	.help = "  -f, --follow          Follow log output\n"
		"  -n, --tail string     Number of lines to show from the end of the\n"
		"                        logs (default \"all\")\n"
		"  -t, --timestamps      Show timestamps\n",
	.run = run,
};

static void print_record(const char *line, int timestamps)
{
	const char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	FILE *to;

	if (!sp2)
		return; /* not a record: a line cut short by a crash */
	to = !strncmp(sp1 + 1, "stderr", 6) ? stderr : stdout;
	if (timestamps)
		fprintf(to, "%.*s ", (int)(sp1 - line), line);
	fputs(sp2 + 1, to);
	fflush(to);
}

/* Prints whole lines from f; the last n of them when n >= 0. */
static void print_lines(FILE *f, long n, int timestamps)
{
	char *line = NULL, **ring = NULL;
	size_t cap = 0;
	long count = 0, i;
	ssize_t len;

	if (n >= 0 && !(ring = calloc((size_t)n + 1, sizeof(*ring))))
		return;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n') {
			/* Being written: read it again, whole, next time. */
			fseek(f, -(long)len, SEEK_CUR);
			break;
		}
		if (!ring) {
			print_record(line, timestamps);
			continue;
		}
		if (n) {
			free(ring[count % n]);
			ring[count % n] = strdup(line);
		}
		count++;
	}
	for (i = count > n ? count - n : 0; ring && n && i < count; i++)
		print_record(ring[i % n], timestamps);
	for (i = 0; ring && i < n; i++)
		free(ring[i]);
	free(ring);
	free(line);
}

static int follow(struct store *s, struct container *c, FILE *f, int timestamps)
{
	struct timespec pause = { 0, 100 * 1000000L };
	int rc;

	for (;;) {
		print_lines(f, -1, timestamps);
		clearerr(f);
		rc = ctr_wait_exited(s, c, 0);
		if (rc == 0 || rc == CTR_GONE) {
			print_lines(f, -1, timestamps);
			return 0;
		}
		if (rc != 1)
			return rc;
		nanosleep(&pause, NULL);
	}
}

static int run(int argc, char **argv)
{
	int fol = 0, timestamps = 0, nargs, rc;
	const char *tail = NULL;
	const struct opt opts[] = {
		{ 'f', "follow", OPT_FLAG, &fol, NULL, NULL },
		{ 't', "timestamps", OPT_FLAG, &timestamps, NULL, NULL },
		{ 'n', "tail", OPT_VALUE, NULL, &tail, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	char path[4200], *end;
	struct container c;
	struct store s;
	long n = -1;
	FILE *f;

	rc = opts_parse(&verb_logs, opts, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs != 1)
		return opts_usage_error(&verb_logs, "\"husk logs\" requires exactly "
					"1 argument");
	if (tail && strcmp(tail, "all") && ((n = strtol(tail, &end, 10)) < 0 || *end))
		n = -1; /* Docker shows everything for a tail it cannot read */
	rc = cli_open_store(&s);
	if (!rc)
		rc = ctr_find(&s, argv[0], &c);
	if (rc)
		return rc;
	container_log_path(&c, path, sizeof(path));
	f = fopen(path, "r");
	if (!f && errno != ENOENT)
		rc = cli_fail(EXIT_HUSK, "%s: %s", path, strerror(errno));
	if (f) {
		print_lines(f, n, timestamps);
		if (fol)
			rc = follow(&s, &c, f, timestamps);
		fclose(f);
	}
	container_free(&c);
	store_close(&s);
	return rc;
}
