/*
 * rt_reaper FD CMD [ARGS...]: what an engine's shim (containerd's, conmon)
 * is to husk-runtime, for tests/suites/runtime_vmm.sh. A child subreaper
 * (PR_SET_CHILD_SUBREAPER) runs CMD and reaps every process orphaned below
 * it: the containers' inits, which husk-runtime create leaves behind and
 * which become husk-vmm at start. Each one's "PID STATUS" line (STATUS is
 * 128 + N when signal N ended it, as a shell says it) goes down a pipe
 * that CMD reads on descriptor FD, so that CMD waits for a container's
 * exit status as an engine does, without polling.
 *
 * Exits with CMD's status once CMD has ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int shell_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static void run_cmd(int fd, int p[2], char **argv)
{
	close(p[1]);
	if (p[0] != fd && (dup2(p[0], fd) < 0 || close(p[0]))) {
		perror("rt_reaper: dup2");
		_exit(125);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "rt_reaper: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int main(int argc, char **argv)
{
	int fd, p[2], status, n;
	char line[64];
	pid_t cmd, pid;

	if (argc < 3 || (fd = atoi(argv[1])) < 3) {
		fprintf(stderr, "usage: rt_reaper FD CMD [ARGS...] (FD >= 3)\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe(p) ||
	    fcntl(p[1], F_SETFL, O_NONBLOCK)) {
		perror("rt_reaper");
		return 125;
	}
	cmd = fork();
	if (cmd < 0) {
		perror("rt_reaper: fork");
		return 125;
	}
	if (!cmd)
		run_cmd(fd, p, argv + 2);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN); /* here, not in CMD: it inherits ignored ones */
	for (;;) {
		pid = wait(&status);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0) {
			perror("rt_reaper: wait");
			return 125;
		}
		if (pid == cmd)
			return shell_status(status);
		/* CMD may have stopped reading: a full pipe (the write end
		 * does not block) must not stop the reaping. */
		n = snprintf(line, sizeof(line), "%d %d\n", (int)pid,
			     shell_status(status));
		if (write(p[1], line, (size_t)n) != n)
			fprintf(stderr, "rt_reaper: lost the status of %d\n", (int)pid);
	}
}
