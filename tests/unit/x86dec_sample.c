/*
 * A program for test_x86dec to scan once linked statically (with glibc and
 * with musl): it pulls in a typical set of the C library's system-call
 * wrappers (stdio, files, memory, time, processes, signals, threads). It is
 * scanned, never run by the test.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *thread(void *arg)
{
	return arg;
}

static void on_signal(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct timespec ts;
	struct stat st;
	pthread_t t;
	char buf[64];
	int fd;
	void *p;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	signal(SIGUSR1, on_signal);
	fd = open(argc > 1 ? argv[1] : "/etc/hostname", O_RDONLY);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && read(fd, buf, sizeof(buf)) > 0)
			fwrite(buf, 1, strnlen(buf, sizeof(buf)), stdout);
		close(fd);
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	if (pthread_create(&t, NULL, thread, NULL) == 0)
		pthread_join(t, NULL);
	if (fork() == 0)
		_exit(0);
	wait(NULL);
	printf("pid %d, %ld s\n", (int)getpid(), (long)ts.tv_sec);
	return 0;
}
