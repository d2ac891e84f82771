/*
 * The supervisor of a detached container: `husk __supervise ID FD`, run
 * by ctr_start_detached in its own session. It starts husk-vmm with its
 * output on two pipes, says "ok" on FD, then copies each line to the log
 * (lib/container_console.c), and records the exit status, with what the
 * guest's crash report said, when husk-vmm ends. Nobody reads its own
 * output: a failure before "ok" goes back on FD, later ones into the
 * record.
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

static int run(int argc, char **argv);

const struct verb verb_supervise = {
	.name = SUPERVISE_VERB,
	.summary = "(internal) Keep a detached container",
	.usage = "ID FD",
	.run = run,
};

/*
 * The `husk run -d` waiting on fd may have been killed: its pipe then
 * raises SIGPIPE, which would end the supervisor, and husk-vmm with it
 * at its first line of output (its pipes' reader gone). Ignored from
 * here on: husk-vmm, already started, keeps the default.
 */
static void say(int fd, const char *msg)
{
	signal(SIGPIPE, SIG_IGN);
	write_full(fd, msg, strlen(msg));
	close(fd);
}

static int start(struct store *s, struct container *c, int report,
		 struct console_stream *out, struct console_stream *err, pid_t *pid)
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
	console_stream_init(out, "stdout", po[0], -1);
	console_stream_init(err, "stderr", pe[0], -1);
	if (*pid < 0)
		return store_fail_errno("cannot run husk-vmm");
	if (ctr_mark_running(s, c, *pid))
		return -1;
	say(report, "ok");
	return 0;
}

static int run(int argc, char **argv)
{
	static struct console_stream out, err;
	struct console_report crash = { 0 };
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
	log = container_log_open(&c);
	if (log < 0 || start(&s, &c, report, &out, &err, &pid)) {
		say(report, log < 0 ? "cannot open the container's log" : store_error());
		return EXIT_HUSK;
	}
	console_copy(&out, &err, log, &crash);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ctr_mark_exited(&s, &c, status, &crash);
	close(log);
	container_free(&c);
	store_close(&s);
	return 0;
}
