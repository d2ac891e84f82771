/*
 * Processes behind a record: a pid alone can be reused after its process
 * died, so a record keeps the start time too and both must match.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "container.h"

uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t k;
	int fd, field;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	/* One read: the kernel makes the whole line at once (well under 1 KiB). */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k <= 0)
		return 0;
	buf[k] = '\0';
	/* The command name may hold spaces and ')': fields follow the last ')'. */
	p = strrchr(buf, ')');
	/* A zombie (state Z) has finished; it only waits to be reaped. */
	if (!p || p[1] != ' ' || p[2] == 'Z')
		return 0;
	/* After ')' comes field 3 (state); the start time is field 22. */
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

int proc_alive(pid_t pid, uint64_t start)
{
	uint64_t now = proc_start_time(pid);

	return now && now == start;
}

int64_t time_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void time_format_ns(int64_t ns, char *buf, size_t n)
{
	time_t secs = (time_t)(ns / 1000000000);
	struct tm tm;

	if (ns <= 0) {
		snprintf(buf, n, "0001-01-01T00:00:00Z");
		return;
	}
	/* Not strftime: glibc's reads /etc/localtime first (tzset), 7
	 * system calls on every `husk run` for a UTC time. */
	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, n, "0001-01-01T00:00:00Z");
		return;
	}
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (long long)(ns % 1000000000));
}

size_t proc_read_status(int fd, char *msg, size_t n)
{
	size_t got = 0;
	ssize_t k;

	while (got < n - 1 && ((k = read(fd, msg + got, n - 1 - got)) > 0 ||
			       (k < 0 && errno == EINTR)))
		got += k > 0 ? (size_t)k : 0;
	close(fd);
	msg[got] = '\0';
	return got;
}
