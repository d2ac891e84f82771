/*
 * Errors and log lines. Engines read the runtime's --log file when a
 * command fails (containerd's shim takes the last "error" line's msg),
 * so the lines have runc's shape: JSON objects {"level", "msg", "time"}
 * with --log-format json, logrus' text form otherwise.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"
#include "store.h"

/* RFC 3339 in UTC, as runc's logrus writes it. */
static void now_rfc3339(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *format_line(const char *level, const char *msg)
{
	char when[32], *line = NULL;
	json_t *o;

	now_rfc3339(when, sizeof(when));
	if (!rt.log_json) {
		json_t *quoted = json_string(msg);
		char *q = quoted ? json_dumps(quoted, JSON_ENCODE_ANY) : NULL;
		if (asprintf(&line, "time=\"%s\" level=%s msg=%s\n", when, level,
			     q ? q : "\"\"") < 0)
			line = NULL;
		free(q);
		json_decref(quoted);
		return line;
	}
	o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);
	line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (line) {
		char *nl = NULL;
		if (asprintf(&nl, "%s\n", line) < 0)
			nl = NULL;
		free(line);
		line = nl;
	}
	return line;
}

static void log_message(const char *level, const char *msg)
{
	char *line;
	int fd;

	if (!rt.log || !rt.log[0])
		return;
	line = format_line(level, msg);
	fd = open(rt.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (line && fd >= 0)
		write_full(fd, line, strlen(line)); /* O_APPEND: one write, one line */
	if (fd >= 0)
		close(fd);
	free(line);
}

void rt_log(const char *level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!strcmp(level, "debug") && !rt.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_message(level, msg);
}

int rt_fail(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_message("error", msg);
	fprintf(stderr, "%s: %s\n", RT_NAME, msg);
	return RT_EXIT_FAIL;
}

int rt_fail_lib(void)
{
	return rt_fail("%s", store_error());
}
