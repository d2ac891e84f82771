/*
 * The replay driver: a harness linked with this file instead of libFuzzer
 * runs every saved input once, each in a child process (a crash names its
 * file and the sanitizer's summary, and the rest still run), with a time
 * limit. `make test` runs it as the unit test test_fuzz_NAME from the
 * repository's top: the inputs are tests/fuzz/corpus/NAME (seeds and what
 * the fuzzer kept) and tests/fuzz/regress/NAME (every crash found, after
 * its fix), or the directories given as arguments.
 *
 * Prints "PASS: fuzz NAME: N inputs replayed" or one FAIL line per input
 * that crashed, hung or exited non-zero; exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define TIME_LIMIT 20 /* seconds per input, sanitizers included */
#define REPORT_MAX (64 << 10)

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned inputs, failures;

static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 &&
	    !fseek(f, 0, SEEK_SET)) {
		/* Exactly its size, so that a read past the end is seen. */
		buf = malloc(n ? (size_t)n : 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)n;
	}
	fclose(f);
	return buf;
}

static void child(const char *path, int report_fd)
{
	size_t size = 0;
	uint8_t *data;

	/* Whatever it prints is the report (fs_shim's panic writes a
	 * FAIL line to stdout, which must not count as a test). */
	dup2(report_fd, 1);
	dup2(report_fd, 2);
	alarm(TIME_LIMIT);
	data = slurp(path, &size);
	if (!data) {
		fprintf(stderr, "SUMMARY: cannot read %s: %s\n", path, strerror(errno));
		_exit(2);
	}
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	exit(0); /* LeakSanitizer looks now */
}

/* The line that says what went wrong: the sanitizer's, or our own. */
static const char *why(char *report)
{
	char *s = strstr(report, "SUMMARY: "), *end;

	if (!s)
		s = strstr(report, "promise broken: ");
	if (!s)
		return "";
	end = strchr(s, '\n');
	if (end)
		*end = 0;
	return s;
}

static void replay(const char *name, const char *path)
{
	static char report[REPORT_MAX];
	size_t n = 0;
	ssize_t k;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds)) {
		printf("FAIL: fuzz %s: %s: pipe: %s\n", name, path, strerror(errno));
		failures++;
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child(path, fds[1]);
	}
	close(fds[1]);
	while ((k = read(fds[0], report + n, sizeof(report) - 1 - n)) > 0 ||
	       (k < 0 && errno == EINTR))
		if (k > 0 && (n += (size_t)k) == sizeof(report) - 1)
			n = 0; /* keep the end, where the summary is */
	report[n] = 0;
	close(fds[0]);
	inputs++;
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		printf("FAIL: fuzz %s: %s: cannot run it\n", name, path);
		failures++;
	} else if (WIFSIGNALED(status)) {
		printf("FAIL: fuzz %s: %s: %s %s\n", name, path,
		       WTERMSIG(status) == SIGALRM ? "took over" : "killed by",
		       WTERMSIG(status) == SIGALRM ? "the time limit" :
		       strsignal(WTERMSIG(status)));
		failures++;
	} else if (WEXITSTATUS(status)) {
		printf("FAIL: fuzz %s: %s: exit status %d %s\n", name, path,
		       WEXITSTATUS(status), why(report));
		failures++;
	}
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every file in dir; a missing directory has none. */
static void replay_dir(const char *name, const char *dir)
{
	struct dirent **list;
	char path[4096];
	struct stat st;
	int n, i;

	n = scandir(dir, &list, NULL, by_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (!stat(path, &st) && S_ISREG(st.st_mode) &&
		    list[i]->d_name[0] != '.')
			replay(name, path);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

int main(int argc, char **argv)
{
	char corpus[256], regress[256];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	snprintf(corpus, sizeof(corpus), "tests/fuzz/corpus/%s", FUZZ_NAME);
	snprintf(regress, sizeof(regress), "tests/fuzz/regress/%s", FUZZ_NAME);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay_dir(FUZZ_NAME, argv[i]);
	} else {
		replay_dir(FUZZ_NAME, corpus);
		replay_dir(FUZZ_NAME, regress);
	}
	if (!inputs) {
		printf("FAIL: fuzz %s: no inputs to replay (%s)\n", FUZZ_NAME,
		       argc > 1 ? "the directories given are empty" : corpus);
		return 1;
	}
	if (!failures)
		printf("PASS: fuzz %s: %u inputs replayed\n", FUZZ_NAME, inputs);
	return failures != 0;
}
