/*
 * Threads as pthreads programs use them: 16 threads with a mutex, a
 * condition variable and a barrier, thread-local storage, join with a
 * result, a busy thread that must not starve the others (preemption), and
 * sleeping threads. Prints "ok N ..." per check and a summary line; the
 * output is the same on Linux and in husk.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#define NTHREADS 16
#define ROUNDS 1000

static int checks, failed;

static void check(int ok, const char *what)
{
	checks++;
	if (ok) {
		printf("ok %d %s\n", checks, what);
	} else {
		failed++;
		printf("not ok %d %s\n", checks, what);
	}
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t barrier;
static long counter;
static int turn;
static __thread int tls_value;
static int tls_ok = 1;
static int tids_distinct = 1;
static pid_t tids[NTHREADS];

static void *worker(void *arg)
{
	int id = (int)(long)arg;

	tls_value = id * 7;
	tids[id] = (pid_t)syscall(SYS_gettid);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
		if (i % 100 == 0)
			sched_yield();
	}
	pthread_barrier_wait(&barrier);
	/* Take turns in id order through the condition variable. */
	pthread_mutex_lock(&lock);
	while (turn != id)
		pthread_cond_wait(&cond, &lock);
	turn++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	if (tls_value != id * 7)
		tls_ok = 0;
	return (void *)(long)(id * id);
}

static void test_workers(void)
{
	pthread_t t[NTHREADS];
	long sum = 0, want = 0;
	int created = 1;

	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		created &= pthread_create(&t[i], NULL, worker, (void *)(long)i) == 0;
	check(created, "16 threads created");
	for (int i = 0; i < NTHREADS; i++) {
		void *r;
		pthread_join(t[i], &r);
		sum += (long)r;
		want += (long)i * i;
	}
	check(sum == want, "join returns each thread's result");
	check(counter == (long)NTHREADS * ROUNDS, "mutex: no lost increment");
	check(turn == NTHREADS, "condition variable: every turn taken in order");
	check(tls_ok, "thread-local storage is per thread");
	for (int i = 0; i < NTHREADS; i++)
		for (int j = 0; j < i; j++)
			if (tids[i] == tids[j] || tids[i] == getpid())
				tids_distinct = 0;
	check(tids_distinct, "gettid differs per thread and from getpid");
	pthread_barrier_destroy(&barrier);
}

/* A thread that never blocks: the main thread must still get to run. */
static volatile int stop_spinning;
static volatile long spins;

static void *spinner(void *arg)
{
	(void)arg;
	while (!stop_spinning)
		spins++;
	return NULL;
}

static void test_preemption(void)
{
	pthread_t t;
	struct timespec t0, t1;
	volatile long work = 0;

	pthread_create(&t, NULL, spinner, NULL);
	/* Busy too, never calling the kernel: only a timer can switch. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			work++;
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 200000000L);
	check(spins > 0, "a spinning thread ran while main was busy (preemption)");
	stop_spinning = 1;
	pthread_join(t, NULL);
	check(1, "the spinning thread stopped and was joined");
}

static void *sleeper(void *arg)
{
	struct timespec ts = { 0, 20000000L * (long)arg };

	nanosleep(&ts, NULL);
	return arg;
}

static void test_sleepers(void)
{
	pthread_t t[4];
	struct timespec t0, t1;
	long ms;
	void *r;
	int ok = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, sleeper, (void *)(i + 1));
	for (long i = 0; i < 4; i++) {
		pthread_join(t[i], &r);
		ok &= (long)r == i + 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	check(ok, "sleeping threads joined");
	/* They slept at once (80 ms at most each), not one after another. */
	check(ms >= 80 && ms < 190, "four sleepers of 20-80 ms overlap");
}

static void test_timedwait(void)
{
	struct timespec ts;
	int rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 30000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lock);
	rc = pthread_cond_timedwait(&cond, &lock, &ts);
	pthread_mutex_unlock(&lock);
	check(rc == ETIMEDOUT, "pthread_cond_timedwait times out");
}

/* A thread blocked in read() on an empty pipe is cancelled: the read is
 * a cancellation point (musl finds it by the interrupted rip). */
static int cancel_pipe[2];

static void *blocked_reader(void *arg)
{
	char c;

	(void)arg;
	read(cancel_pipe[0], &c, 1);
	return NULL;
}

static void test_cancel(void)
{
	pthread_t t;
	void *r = NULL;

	pipe(cancel_pipe);
	pthread_create(&t, NULL, blocked_reader, NULL);
	usleep(20000);
	pthread_cancel(t);
	pthread_join(t, &r);
	check(r == PTHREAD_CANCELED, "a thread blocked in read() is cancelled");
	close(cancel_pipe[0]);
	close(cancel_pipe[1]);
}

static void *detached(void *arg)
{
	(void)arg;
	pthread_exit(NULL);
}

/* execve from a program with threads: they all go, the new program runs. */
static void *wait_forever(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&cond, &lock);
}

static int exec_with_threads(char *prog)
{
	pthread_t t;
	char *argv[] = { prog, "echo", "exec with threads ok", NULL };

	pthread_create(&t, NULL, wait_forever, NULL);
	pthread_create(&t, NULL, spinner, NULL);
	usleep(20000);
	execv(prog, argv);
	perror("execv");
	return 1;
}

static void *park(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* Threads that never end, until pthread_create says no: the guest must
 * run out cleanly (an error to the program, or the out-of-memory kill),
 * never with a library OS panic. */
static int exhaust_threads(void)
{
	pthread_attr_t attr;
	pthread_t t;
	int n, rc = 0;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (n = 0; n < 100000 && !(rc = pthread_create(&t, &attr, park, NULL)); n++)
		;
	printf("threads: pthread_create failed after %d threads: %s\n", n,
	       rc ? strerror(rc) : "no failure");
	return rc ? 0 : 1;
}

int main(int argc, char **argv)
{
	pthread_t t;
	pthread_attr_t attr;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[1], "exec"))
		return exec_with_threads(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "exhaust"))
		return exhaust_threads();
	test_workers();
	test_preemption();
	test_sleepers();
	test_timedwait();
	test_cancel();
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	check(pthread_create(&t, &attr, detached, NULL) == 0, "a detached thread");
	usleep(10000);
	printf("threads: %d checks, %d failed\n", checks, failed);
	return failed != 0;
}
