/*
 * lib/container_console.c: the guest's console on its way to the log and
 * the terminal, and the crash report a record keeps from it (State.Error,
 * OOMKilled): which lines count, how much of them is kept, what a hostile
 * console can and cannot do to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "container.h"

static void line(struct console_report *r, const char *s)
{
	console_report_line(r, s, strlen(s));
}

/* The other ends Docker gives an error for: husk-vmm's own failure and a
 * program that could not be started. */
static void monitor_and_launch_lines(void)
{
	struct console_report r = { 0 };
	struct container_state st;

	line(&r, "husk-vmm: virtio-net: device stopped: descriptor 3 points outside guest memory");
	line(&r, "hello");
	line(&r, "husk-vmm: unexpected VM exit 8 (shutdown)");
	line(&r, "  rip 0000000000401000 rsp 0000000000000000");
	console_report_state(&r, 124, &st);
	CHECK("report: husk-vmm's failure (124): its last own line is State.Error",
	      !strcmp(st.error, "husk-vmm: unexpected VM exit 8 (shutdown)"));
	console_report_state(&r, 0, &st);
	CHECK("report: husk-vmm's lines and exit 0: no error", !st.error[0]);
	console_report_state(&r, 139, &st);
	CHECK("report: husk-vmm's line is no fault report (139 without one: no error)",
	      !st.error[0]);

	memset(&r, 0, sizeof(r));
	line(&r, "husk: /bin/nope: No such file or directory");
	console_report_state(&r, 127, &st);
	CHECK("report: the launcher's line before 127 is State.Error",
	      !strcmp(st.error, "/bin/nope: No such file or directory"));
	console_report_state(&r, 126, &st);
	CHECK("report: and before 126", !strcmp(st.error, "/bin/nope: No such file or directory"));
	line(&r, "sh: nope: not found");
	console_report_state(&r, 127, &st);
	CHECK("report: a shell's 127 after its own line is not blamed on an earlier husk: line",
	      !st.error[0]);
	console_report_state(&r, 122, &st);
	CHECK("report: 120-125 without a husk-vmm line: no error", !st.error[0]);
}

static void reports(void)
{
	struct console_report r = { 0 };
	struct container_state st;
	char big[2000];

	line(&r, "hello from the program");
	line(&r, "husk: system call unknown (9999) is not implemented (ENOSYS)");
	CHECK("report: ordinary and library-OS notice lines are not reports", !r.headline[0]);
	line(&r, "husk: program fault: SIGSEGV, page fault (#PF), vector 14, at crash_here+0x11 (/bin/crash+0x12b1)");
	line(&r, "husk:   rax 0000000000000000 rbx 0000000000000001");
	line(&r, "husk:   #0  crash_here+0x11 (/bin/crash+0x12b1)");
	CHECK("report: the headline is the report's first line, without husk:",
	      !strcmp(r.headline, "program fault: SIGSEGV, page fault (#PF), vector 14, "
		      "at crash_here+0x11 (/bin/crash+0x12b1)") && !r.oom);
	memset(&st, 0, sizeof(st));
	console_report_state(&r, 139, &st);
	CHECK("report: State.Error after a fault (139)",
	      !strncmp(st.error, "program fault: SIGSEGV", 22) && !st.oom_killed);
	console_report_state(&r, 0, &st);
	CHECK("report: a program that exits by itself has no error, whatever it printed",
	      !st.error[0] && !st.oom_killed);

	memset(&r, 0, sizeof(r));
	line(&r, "husk: out of memory: no free page for the program's access at 0x7f0000 (all 24 MiB of it in use)");
	line(&r, "husk: program terminated by SIGKILL (9)");
	console_report_state(&r, 137, &st);
	CHECK("report: out of memory, then SIGKILL: OOMKilled, 137",
	      st.oom_killed && !strncmp(st.error, "out of memory: ", 15));
	console_report_state(&r, 1, &st);
	CHECK("report: an out-of-memory line and exit 1 is not OOMKilled", !st.oom_killed);
	memset(&r, 0, sizeof(r));
	line(&r, "husk: panic: out of memory: cannot allocate 1048576 bytes (36 of 5691 pages free)");
	console_report_state(&r, 134, &st);
	CHECK("report: the library OS's heap ran out (panic, 134): OOMKilled",
	      st.oom_killed && !strncmp(st.error, "panic: out of memory", 20));
	memset(&r, 0, sizeof(r));
	line(&r, "husk: panic: heap: double free");
	console_report_state(&r, 134, &st);
	CHECK("report: another panic is an error, not OOMKilled",
	      !strcmp(st.error, "panic: heap: double free") && !st.oom_killed);
	memset(&r, 0, sizeof(r));
	line(&r, "husk: fatal: page fault (#PF), vector 14, at 0x401000");
	CHECK("report: a library-OS fault", !strncmp(r.headline, "fatal: page fault", 17));

	memset(big, 'x', sizeof(big));
	memcpy(big, "husk: fatal: \x1b[31m\xff\xfe", 20);
	memset(&r, 0, sizeof(r));
	console_report_line(&r, big, sizeof(big));
	CHECK("report: a long line keeps CONSOLE_HEADLINE_MAX - 1 bytes",
	      strlen(r.headline) == CONSOLE_HEADLINE_MAX - 1);
	CHECK("report: control and non-ASCII bytes are replaced (JSON wants UTF-8)",
	      !strncmp(r.headline, "fatal: ?[31m??x", 15));
	memset(&r, 0, sizeof(r));
	console_report_line(&r, "husk: panic: cut here", 9);
	CHECK("report: only n bytes are read", !r.headline[0]);
	monitor_and_launch_lines();
}

static char *slurp(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY);
	ssize_t k = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[k > 0 ? k : 0] = '\0';
	return buf;
}

/* Runs console_copy on two pipes fed by a child writing what feed does. */
static void copy_from(void (*feed)(int out, int err), int tee_out, int log,
		      struct console_report *r)
{
	static struct console_stream out, err;
	int po[2], pe[2];
	pid_t pid;

	if (pipe(po) || pipe(pe))
		return;
	pid = fork();
	if (!pid) {
		close(po[0]);
		close(pe[0]);
		feed(po[1], pe[1]);
		_exit(0);
	}
	close(po[1]);
	close(pe[1]);
	console_stream_init(&out, "stdout", po[0], tee_out);
	console_stream_init(&err, "stderr", pe[0], -1);
	console_copy(&out, &err, log, r);
	waitpid(pid, NULL, 0);
}

static void put(int fd, const char *s)
{
	write_full(fd, s, strlen(s));
}

static void feed_crash(int out, int err)
{
	static char longline[CONSOLE_LINE_MAX + 100];

	put(out, "crash: faulting three calls deep\nno newline yet");
	put(out, ", now\n");
	/* A line longer than the line buffer, with a fake report after the
	 * cut: the piece is not a line's start, so it is no report. */
	memset(longline, 'a', sizeof(longline));
	memcpy(longline + CONSOLE_LINE_MAX, "husk: panic: fake", 17);
	write_full(out, longline, sizeof(longline));
	put(out, "\n");
	put(err, "husk: program fault: SIGSEGV, page fault (#PF), vector 14, at main+0x4d (/bin/x+0x107d)\n");
	put(err, "husk: backtrace:\nhusk:   #0  main+0x4d (/bin/x+0x107d)\n");
	put(err, "last words without a newline");
}

static void copying(void)
{
	char logpath[] = "/tmp/husk_test_console_XXXXXX", teepath[64];
	struct console_report r = { 0 };
	int log = mkstemp(logpath), teefd;
	const char *text;

	snprintf(teepath, sizeof(teepath), "%s.tee", logpath);
	teefd = open(teepath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	copy_from(feed_crash, teefd, log, &r);
	close(teefd);
	close(log);
	text = slurp(logpath);
	CHECK("copy: a line written in two pieces is one record",
	      strstr(text, "Z stdout no newline yet, now\n") != NULL);
	CHECK("copy: records carry an RFC 3339 time and the stream",
	      !strncmp(text, "20", 2) && strstr(text, "Z stdout crash: faulting three calls deep\n") &&
	      strstr(text, "Z stderr husk: backtrace:\n"));
	CHECK("copy: a last line without a newline is logged at the end",
	      strstr(text, "Z stderr last words without a newline\n") != NULL);
	CHECK("copy: a line longer than the buffer is logged in pieces",
	      strstr(text, "Z stdout aaaaaaaa") && strstr(text, "Z stdout husk: panic: fakeaaa"));
	CHECK("copy: the report's headline is noted, a cut line's tail is not",
	      !strncmp(r.headline, "program fault: SIGSEGV", 22));
	text = slurp(teepath);
	CHECK("copy: the tee gets standard output byte for byte",
	      !strncmp(text, "crash: faulting three calls deep\nno newline yet, now\naaaa", 57) &&
	      strlen(text) == 53 + CONSOLE_LINE_MAX + 100 + 1);
	unlink(teepath);
	unlink(logpath);
}

static void feed_forever(int out, int err)
{
	int i;

	(void)err;
	signal(SIGPIPE, SIG_DFL);
	for (i = 0; i < 100000; i++)
		if (write(out, "more output\n", 12) < 0)
			_exit(errno == EPIPE ? 3 : 4);
	_exit(5);
}

/* `husk run ... | head -1`: the reader of the terminal side goes away. */
static void broken_tee(void)
{
	struct console_report r = { 0 };
	static struct console_stream out, err;
	int po[2], pe[2], t[2], status = 0;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN); /* as husk run does, with a handler */
	if (pipe(po) || pipe(pe) || pipe(t))
		return;
	close(t[0]); /* nobody reads the "terminal" */
	pid = fork();
	if (!pid) {
		close(po[0]);
		close(pe[0]);
		close(t[1]);
		feed_forever(po[1], pe[1]);
	}
	close(po[1]);
	close(pe[1]);
	console_stream_init(&out, "stdout", po[0], t[1]);
	console_stream_init(&err, "stderr", pe[0], -1);
	console_copy(&out, &err, -1, &r);
	waitpid(pid, &status, 0);
	CHECK("copy: a reader gone from the terminal reaches the writer as a broken pipe",
	      (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) ||
	      (WIFEXITED(status) && WEXITSTATUS(status) == 3));
	close(t[1]);
	signal(SIGPIPE, SIG_DFL);
}

int main(void)
{
	reports();
	copying();
	broken_tee();
	return CHECK_DONE();
}
