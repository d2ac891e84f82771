/*
 * OCI hooks: prestart and createRuntime once the init is set up (in the
 * container's network namespace, so an engine's network hook, such as
 * docker's libnetwork-setkey, finds it through the init's pid),
 * poststart after start, poststop at delete. Each hook gets the state on
 * its standard input and its own args and env; a timeout ends it with
 * SIGKILL. The caller decides whether a failure is fatal (the spec: it is
 * for prestart and createRuntime, only a warning afterwards).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"
#include "store.h"

#define HOOK_DEFAULT_TIMEOUT_S 60

/* A NULL-terminated copy of a list of strings; fallback when it is absent. */
static char **string_vector(const json_t *list, const char *fallback)
{
	size_t n = json_array_size(list), i;
	char **v = calloc(n + 2, sizeof(*v));

	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = (char *)json_string_value(json_array_get(list, i));
	if (!n && fallback)
		v[0] = (char *)fallback;
	return v;
}

static int wait_bounded(pid_t pid, int timeout_s, int *status)
{
	struct timespec tick = { 0, 10 * 1000000L };
	long waited_ms;

	for (waited_ms = 0; waited_ms < timeout_s * 1000L; waited_ms += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return 1;
}

static int run_one(const char *kind, size_t i, const json_t *hook,
		   const char *state)
{
	const char *path = json_string_value(json_object_get(hook, "path"));
	json_int_t timeout = json_integer_value(json_object_get(hook, "timeout"));
	char **args = string_vector(json_object_get(hook, "args"), path);
	char **env = string_vector(json_object_get(hook, "env"), NULL);
	int in[2], status = 0, rc;
	pid_t pid;

	if (!args || !env || pipe2(in, O_CLOEXEC)) {
		free(args);
		free(env);
		return rt_fail("hooks.%s[%zu]: cannot start %s", kind, i, path);
	}
	pid = fork();
	if (!pid) {
		dup2(in[0], 0);
		execve(path, args, env);
		dprintf(2, "%s: hook %s: %s\n", RT_NAME, path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	signal(SIGPIPE, SIG_IGN); /* a hook need not read the state */
	write_full(in[1], state, strlen(state));
	close(in[1]);
	free(args);
	free(env);
	if (pid < 0)
		return rt_fail("hooks.%s[%zu]: cannot fork: %s", kind, i, strerror(errno));
	rc = wait_bounded(pid, timeout > 0 ? (int)timeout : HOOK_DEFAULT_TIMEOUT_S,
			  &status);
	if (rc > 0)
		return rt_fail("hooks.%s[%zu] (%s): timed out", kind, i, path);
	if (rc || !WIFEXITED(status) || WEXITSTATUS(status))
		return rt_fail("hooks.%s[%zu] (%s): failed with status %d", kind, i,
			       path, WIFEXITED(status) ? WEXITSTATUS(status) :
			       128 + WTERMSIG(status));
	return 0;
}

int rt_hooks_run(const char *kind, const json_t *list, const json_t *state)
{
	char *text;
	size_t i;
	int rc = 0;

	if (!json_array_size(list))
		return 0;
	text = json_dumps(state, JSON_COMPACT);
	if (!text)
		return rt_fail("out of memory");
	for (i = 0; !rc && i < json_array_size(list); i++) {
		rt_log("debug", "running hook %s[%zu]", kind, i);
		rc = run_one(kind, i, json_array_get(list, i), text);
	}
	free(text);
	return rc;
}
