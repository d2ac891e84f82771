/*
 * The supervisor of a detached container: `husk __supervise ID FD`, run
 * by ctr_start_detached in its own session. It starts husk-vmm with its
 * output on two pipes, says "ok" on FD, then copies each line to the log
 * with its time and stream ("<RFC 3339> stdout|stderr <text>", so that
 * `husk logs` can split the streams and show times), and records the exit
 * status when husk-vmm ends. Nobody reads its own output: a failure
 * before "ok" goes back on FD, later ones into the record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_cli.h"

#define LINE_MAX_BYTES (16 * 1024)

static int run(int argc, char **argv);

const struct verb verb_supervise = {
	.name = SUPERVISE_VERB,
	.summary = "(internal) Keep a detached container",
	.usage = "ID FD",
	.run = run,
};

struct stream {
	int fd;
	const char *name;
	char buf[LINE_MAX_BYTES];
	size_t len;
};

static void log_record(int log, const char *stream, const char *text, size_t n)
{
	char when[64], *line;
	int k;

	time_format_ns(time_now_ns(), when, sizeof(when));
	k = asprintf(&line, "%s %s %.*s\n", when, stream, (int)n, text);
	if (k > 0)
		write_full(log, line, (size_t)k);
	if (k > 0)
		free(line);
}

/* Logs every whole line; a line longer than the buffer is cut. */
static void drain_lines(struct stream *st, int log, int at_end)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(st->buf + start, '\n', st->len - start))) {
		log_record(log, st->name, st->buf + start, (size_t)(nl - st->buf) - start);
		start = (size_t)(nl - st->buf) + 1;
	}
	if (start == 0 && (st->len == sizeof(st->buf) || (at_end && st->len))) {
		log_record(log, st->name, st->buf, st->len);
		start = st->len;
	}
	memmove(st->buf, st->buf + start, st->len - start);
	st->len -= start;
}

/* 0 while the stream is open. */
static int pump(struct stream *st, int log)
{
	ssize_t k = read(st->fd, st->buf + st->len, sizeof(st->buf) - st->len);

	if (k < 0 && errno == EINTR)
		return 0;
	if (k <= 0) {
		drain_lines(st, log, 1);
		close(st->fd);
		st->fd = -1;
		return 1;
	}
	st->len += (size_t)k;
	drain_lines(st, log, 0);
	return 0;
}

static void copy_output(struct stream *out, struct stream *err, int log)
{
	struct pollfd p[2];

	while (out->fd >= 0 || err->fd >= 0) {
		p[0].fd = out->fd;
		p[1].fd = err->fd;
		p[0].events = p[1].events = POLLIN;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return;
		if (out->fd >= 0 && p[0].revents)
			pump(out, log);
		if (err->fd >= 0 && p[1].revents)
			pump(err, log);
	}
}

static void say(int fd, const char *msg)
{
	write_full(fd, msg, strlen(msg));
	close(fd);
}

static int open_log(const struct container *c)
{
	char path[4200];

	container_log_path(c, path, sizeof(path));
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

static int start(struct store *s, struct container *c, int report,
		 struct stream *out, struct stream *err, pid_t *pid)
{
	struct launch_argv argv;
	int po[2], pe[2];

	if (ctr_launch_argv(s, c, &argv))
		return -1;
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
		launch_argv_free(&argv);
		return store_fail_errno("pipe");
	}
	*pid = ctr_spawn_monitor(argv.v, 0, po[1], pe[1]);
	launch_argv_free(&argv);
	close(po[1]);
	close(pe[1]);
	out->fd = po[0];
	err->fd = pe[0];
	if (*pid < 0)
		return store_fail_errno("cannot run husk-vmm");
	if (ctr_mark_running(s, c, *pid))
		return -1;
	say(report, "ok");
	return 0;
}

static int run(int argc, char **argv)
{
	static struct stream out = { .name = "stdout" }, err = { .name = "stderr" };
	struct container c;
	struct store s;
	int report, log, status;
	pid_t pid = -1;

	if (argc != 3)
		return EXIT_HUSK;
	report = atoi(argv[2]);
	fcntl(report, F_SETFD, FD_CLOEXEC);
	if (store_open(&s, NULL) || container_load(&s, argv[1], &c)) {
		say(report, store_error());
		return EXIT_HUSK;
	}
	log = open_log(&c);
	if (log < 0 || start(&s, &c, report, &out, &err, &pid)) {
		say(report, log < 0 ? "cannot open the container's log" : store_error());
		return EXIT_HUSK;
	}
	copy_output(&out, &err, log);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ctr_mark_exited(&s, &c, status);
	close(log);
	container_free(&c);
	store_close(&s);
	return 0;
}
