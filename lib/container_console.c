/*
 * The guest's console, as the container's keeper sees it: husk-vmm's
 * standard output and error, copied into the container's log (one record
 * per line: "<RFC 3339 time> stdout|stderr <text>", so that `husk logs`
 * can split the streams and show times) and, for a foreground run, on to
 * the terminal as the bytes come.
 *
 * On the way the keeper notes the library OS's reports (a program fault,
 * a library-OS fault or panic, an out-of-memory end; kernel/trap.c,
 * kernel/console.c, kernel/sys/mmap.c), whose first line becomes the
 * container's State.Error, and the lines that explain the other ends
 * Docker gives an error for: husk-vmm's own failure (120-125, one
 * "husk-vmm: " line; vmm/README.md) and a program that could not be
 * started (126, 127: the launcher's last "husk: " line, kernel/launcher).
 * The console is the guest's, so hostile: only
 * the first bytes of a line are ever looked at, and what is kept is one
 * line of at most CONSOLE_HEADLINE_MAX bytes, made printable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"

#define REPORT_PREFIX "husk: "
#define MONITOR_PREFIX "husk-vmm: "

/* How a report's first line begins, after "husk: ". */
static const char *const report_starts[] = {
	"program fault: ", "fatal: ", "panic: ", "out of memory: ",
};

static int starts_with(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && !memcmp(s, prefix, k);
}

/* Keeps at most CONSOLE_HEADLINE_MAX - 1 bytes of a line in dst, made
 * printable (JSON wants UTF-8: plain ASCII is kept, the rest is '?'). */
static void keep_line(char dst[CONSOLE_HEADLINE_MAX], const char *line, size_t n)
{
	size_t i, k = n < CONSOLE_HEADLINE_MAX - 1 ? n : CONSOLE_HEADLINE_MAX - 1;

	for (i = 0; i < k; i++)
		dst[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
	dst[k] = '\0';
}

void console_report_line(struct console_report *r, const char *line, size_t n)
{
	size_t i;

	r->launch[0] = '\0';
	if (starts_with(line, n, MONITOR_PREFIX)) {
		keep_line(r->monitor, line, n);
		return;
	}
	if (!starts_with(line, n, REPORT_PREFIX))
		return;
	line += strlen(REPORT_PREFIX);
	n -= strlen(REPORT_PREFIX);
	keep_line(r->launch, line, n);
	for (i = 0; i < sizeof(report_starts) / sizeof(report_starts[0]); i++)
		if (starts_with(line, n, report_starts[i]))
			break;
	if (i == sizeof(report_starts) / sizeof(report_starts[0]))
		return;
	/* The last report wins: the guest ends right after a real one. */
	keep_line(r->headline, line, n);
	r->oom = starts_with(line, n, "out of memory: ") ||
		 starts_with(line, n, "panic: out of memory");
}

/*
 * A line explains only an abnormal end: a program that printed such a
 * line and exited by itself was not killed by it. The library OS ends
 * the VM with 128 + the signal after a fault, 134 after a panic and 137
 * (SIGKILL) when the program's memory ran out; husk-vmm exits 120-125
 * after its one line; the launcher 126 or 127 right after its line (so
 * a shell's own 127 after other output is not blamed on a "husk: " line
 * printed earlier).
 */
void console_report_state(const struct console_report *r, int exit_code,
			  struct container_state *st)
{
	const char *why = "";

	if (exit_code > 128)
		why = r->headline;
	else if (exit_code >= 120 && exit_code <= 125)
		why = r->monitor;
	else if (exit_code == 126 || exit_code == 127)
		why = r->launch;
	snprintf(st->error, sizeof(st->error), "%s", why);
	st->oom_killed = exit_code > 128 && r->headline[0] && r->oom &&
			 (exit_code == 137 || exit_code == 134);
}

/* ---- copying ---- */

static void log_record(int log, const char *stream, const char *text, size_t n)
{
	char when[64], *line;
	int k;

	if (log < 0)
		return;
	time_format_ns(time_now_ns(), when, sizeof(when));
	k = asprintf(&line, "%s %s %.*s\n", when, stream, (int)n, text);
	if (k > 0) {
		write_full(log, line, (size_t)k);
		free(line);
	}
}

/* One line, or a piece of a line too long for the buffer: only a line's
 * beginning can start a report. */
static void take_line(struct console_stream *st, int log,
		      struct console_report *r, const char *text, size_t n)
{
	log_record(log, st->name, text, n);
	if (!st->midline)
		console_report_line(r, text, n);
}

/* Logs every whole line; a line longer than the buffer is cut. */
static void drain_lines(struct console_stream *st, int log,
			struct console_report *r, int at_end)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(st->buf + start, '\n', st->len - start))) {
		take_line(st, log, r, st->buf + start, (size_t)(nl - st->buf) - start);
		st->midline = 0;
		start = (size_t)(nl - st->buf) + 1;
	}
	if (start == 0 && (st->len == sizeof(st->buf) || (at_end && st->len))) {
		take_line(st, log, r, st->buf, st->len);
		st->midline = 1;
		start = st->len;
	}
	memmove(st->buf, st->buf + start, st->len - start);
	st->len -= start;
}

static void stream_close(struct console_stream *st, int log,
			 struct console_report *r)
{
	drain_lines(st, log, r, 1);
	close(st->fd);
	st->fd = -1;
}

/*
 * The terminal gets the bytes as they come (a prompt has no newline). A
 * reader that went away (EPIPE) ends the stream: husk-vmm then meets the
 * broken pipe itself, as it would have without us in between.
 */
static int copy_to_tee(struct console_stream *st, const char *buf, size_t n)
{
	if (st->tee < 0)
		return 0;
	if (write_full(st->tee, buf, n) == 0)
		return 0;
	if (errno != EPIPE) {
		st->tee = -1; /* keep logging; the terminal is gone some other way */
		return 0;
	}
	return -1;
}

static void pump(struct console_stream *st, int log, struct console_report *r)
{
	ssize_t k = read(st->fd, st->buf + st->len, sizeof(st->buf) - st->len);

	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (k <= 0) {
		stream_close(st, log, r);
		return;
	}
	if (copy_to_tee(st, st->buf + st->len, (size_t)k)) {
		stream_close(st, log, r);
		return;
	}
	st->len += (size_t)k;
	drain_lines(st, log, r, 0);
}

void console_stream_init(struct console_stream *st, const char *name, int fd,
			 int tee_fd)
{
	st->fd = fd;
	st->tee = tee_fd;
	st->name = name;
	st->len = 0;
	st->midline = 0;
}

void console_copy(struct console_stream *out, struct console_stream *err,
		  int log, struct console_report *r)
{
	struct pollfd p[2];

	while (out->fd >= 0 || err->fd >= 0) {
		p[0].fd = out->fd;
		p[1].fd = err->fd;
		p[0].events = p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue; /* a signal passed on to husk-vmm */
			break;
		}
		if (out->fd >= 0 && p[0].revents)
			pump(out, log, r);
		if (err->fd >= 0 && p[1].revents)
			pump(err, log, r);
	}
	if (out->fd >= 0)
		stream_close(out, log, r);
	if (err->fd >= 0)
		stream_close(err, log, r);
}

int container_log_open(const struct container *c)
{
	char path[4200];

	container_log_path(c, path, sizeof(path));
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}
