/*
 * timeit: runs a command N times and prints the median, minimum and
 * maximum wall time (us) and the largest peak RSS (KiB) of any run. A
 * static binary, so that it also runs inside the nested-KVM guest, which
 * has no hyperfine.
 *   usage: timeit N CMD [ARGS...]   (the command's output is discarded)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0, failures = 0;
	long max_rss = 0;
	double *us;

	if (n < 1) {
		fprintf(stderr, "usage: timeit N CMD [ARGS...]\n");
		return 2;
	}
	us = calloc((size_t)n, sizeof(*us));
	for (int i = 0; i < n; i++) {
		struct rusage ru;
		int status;
		double t0 = now_us();
		pid_t pid = fork();

		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			dup2(null, 2);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
			perror("timeit");
			return 1;
		}
		us[i] = now_us() - t0;
		failures += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
		if (ru.ru_maxrss > max_rss)
			max_rss = ru.ru_maxrss;
	}
	qsort(us, (size_t)n, sizeof(*us), cmp);
	printf("runs %d median_us %.0f min_us %.0f max_us %.0f max_rss_kib %ld failed %d\n",
	       n, us[n / 2], us[0], us[n - 1], max_rss, failures);
	return failures ? 1 : 0;
}
