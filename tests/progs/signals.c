/*
 * Signals as programs use them: handlers for signals sent with kill,
 * raise and pthread_kill, SA_SIGINFO details, masks and pending sets,
 * sigsuspend, sigtimedwait, an interrupted sleep, faults caught by
 * handlers (SIGSEGV on an alternate stack, SIGFPE, SIGILL) and left with
 * siglongjmp, SA_RESETHAND, SIG_IGN. Prints "ok N ..." per check and a
 * summary; the output is the same on Linux and in husk.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/signalfd.h>
#include <poll.h>

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

static volatile sig_atomic_t hits, last_sig, last_code, last_pid;
static volatile double fp_kept;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	volatile double x = 1.5;

	(void)uc;
	hits++;
	last_sig = sig;
	last_code = si->si_code;
	last_pid = si->si_pid;
	fp_kept = x * 3; /* the handler's own FP use must not leak out */
}

static void install(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void test_kill_and_raise(void)
{
	double kept = 2.25;

	install(SIGUSR1, 0);
	hits = 0;
	kill(getpid(), SIGUSR1);
	check(hits == 1 && last_sig == SIGUSR1, "kill(getpid()) runs the handler");
	check(last_code == SI_USER && last_pid == getpid(), "si_code SI_USER, si_pid");
	raise(SIGUSR1);
	check(hits == 2 && last_code == SI_TKILL, "raise runs it with SI_TKILL");
	check(kept == 2.25, "FPU state survives the handler");
}

static void test_mask(void)
{
	sigset_t set, old, pend;

	hits = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	kill(getpid(), SIGUSR1);
	check(hits == 0, "a blocked signal waits");
	sigpending(&pend);
	check(sigismember(&pend, SIGUSR1), "sigpending shows it");
	sigprocmask(SIG_SETMASK, &old, NULL);
	check(hits == 1, "unblocking delivers it");
	sigpending(&pend);
	check(!sigismember(&pend, SIGUSR1), "no longer pending");
}

static void test_ignore_and_resethand(void)
{
	hits = 0;
	signal(SIGUSR2, SIG_IGN);
	kill(getpid(), SIGUSR2);
	check(hits == 0, "SIG_IGN drops the signal");
	install(SIGUSR2, SA_RESETHAND);
	kill(getpid(), SIGUSR2);
	{
		struct sigaction now;
		sigaction(SIGUSR2, NULL, &now);
		check(hits == 1 && now.sa_handler == SIG_DFL,
		      "SA_RESETHAND: handled once, then SIG_DFL");
	}
}

static void test_sigtimedwait(void)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts = { 0, 20000000 };
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	errno = 0;
	sig = sigtimedwait(&set, &si, &ts);
	check(sig == -1 && errno == EAGAIN, "sigtimedwait times out (EAGAIN)");
	kill(getpid(), SIGUSR1);
	sig = sigtimedwait(&set, &si, &ts);
	check(sig == SIGUSR1 && si.si_signo == SIGUSR1, "sigtimedwait takes a pending signal");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static pthread_t main_thread;

static void *send_later(void *arg)
{
	struct timespec ts = { 0, 20000000 };

	nanosleep(&ts, NULL);
	pthread_kill(main_thread, (int)(long)arg);
	return NULL;
}

static void test_interrupted_sleep(void)
{
	pthread_t t;
	struct timespec ts = { 5, 0 }, rem;
	int rc;

	install(SIGUSR1, 0);
	hits = 0;
	main_thread = pthread_self();
	pthread_create(&t, NULL, send_later, (void *)(long)SIGUSR1);
	rc = nanosleep(&ts, &rem);
	check(rc == -1 && errno == EINTR && hits == 1, "nanosleep interrupted by a handled signal");
	check(rem.tv_sec >= 3, "the remaining time is reported");
	pthread_join(t, NULL);
}

static void test_sigsuspend(void)
{
	pthread_t t;
	sigset_t block, wait;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	install(SIGUSR2, 0);
	hits = 0;
	pthread_create(&t, NULL, send_later, (void *)(long)SIGUSR2);
	sigemptyset(&wait);
	sigsuspend(&wait);
	check(hits == 1 && last_sig == SIGUSR2, "sigsuspend returns after the handler");
	sigprocmask(SIG_SETMASK, NULL, &wait);
	check(sigismember(&wait, SIGUSR2), "and restores the mask");
	pthread_join(t, NULL);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
}

static sigjmp_buf jump;
static volatile void *fault_addr;
static volatile int fault_code, on_alt;
static char altstack[65536];

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	int here;

	(void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	on_alt = (char *)&here >= altstack && (char *)&here < altstack + sizeof(altstack);
	siglongjmp(jump, sig);
}

static void test_faults(void)
{
	struct sigaction sa;
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	volatile int zero = 0, r;

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	if (!sigsetjmp(jump, 1))
		*(volatile int *)16 = 1;
	check(fault_addr == (void *)16 && fault_code == SEGV_MAPERR,
	      "SIGSEGV handler: si_addr and SEGV_MAPERR");
	check(on_alt, "the handler ran on the alternate stack");
	if (!sigsetjmp(jump, 1))
		r = 7 / zero;
	check(fault_code == FPE_INTDIV, "SIGFPE handler for a division by zero");
	if (!sigsetjmp(jump, 1))
		__asm__ volatile("ud2");
	check(fault_code == ILL_ILLOPN, "SIGILL handler for ud2");
	(void)r;
}

static void test_timers(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } }, now;
	struct sigevent ev;
	struct itimerspec spec = { { 0, 10000000 }, { 0, 10000000 } };
	timer_t id;
	sigset_t none;

	install(SIGALRM, 0);
	hits = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	getitimer(ITIMER_REAL, &now);
	check(now.it_value.tv_sec == 0 && now.it_value.tv_usec > 0 &&
	      now.it_value.tv_usec <= 20000, "getitimer: the time left");
	pause();
	check(hits == 1 && last_sig == SIGALRM, "setitimer: SIGALRM wakes pause");
	check(alarm(10) == 0 && alarm(0) == 10, "alarm returns the seconds left");

	install(SIGUSR1, 0);
	hits = 0;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_value.sival_int = 42;
	check(timer_create(CLOCK_MONOTONIC, &ev, &id) == 0, "timer_create");
	timer_settime(id, 0, &spec, NULL);
	sigemptyset(&none);
	while (hits < 3)
		sigsuspend(&none);
	check(last_code == SI_TIMER, "a periodic timer fires three times (SI_TIMER)");
	check(timer_delete(id) == 0, "timer_delete");
}

static void test_signalfd(void)
{
	sigset_t set;
	struct signalfd_siginfo si;
	struct pollfd p;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	check(fd >= 0, "signalfd");
	p.fd = fd;
	p.events = POLLIN;
	check(poll(&p, 1, 0) == 0, "signalfd: not readable with nothing pending");
	check(read(fd, &si, sizeof(si)) == -1 && errno == EAGAIN, "signalfd: EAGAIN");
	kill(getpid(), SIGUSR2);
	check(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN), "signalfd: readable after kill");
	check(read(fd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGUSR2 &&
	      si.ssi_code == SI_USER, "signalfd: read gives the signal");
	close(fd);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* Waits for SIGTERM from outside (husk-vmm passes on what it is sent). */
static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* SIGTERM stays blocked until sigsuspend: with pause(), a SIGTERM landing
 * between the test of got_term and the call was handled and then waited
 * for again, for ever (on Linux too; the nested runs hit it). */
static int wait_for_term(void)
{
	sigset_t term, old;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	signal(SIGTERM, on_term);
	sigprocmask(SIG_BLOCK, &term, &old);
	printf("waiting for SIGTERM\n");
	while (!got_term)
		sigsuspend(&old);
	printf("got SIGTERM\n");
	return 7;
}

static void test_sigpipe(void)
{
	int p[2];
	ssize_t n;

	install(SIGPIPE, 0);
	hits = 0;
	pipe(p);
	close(p[0]);
	n = write(p[1], "x", 1);
	check(n == -1 && errno == EPIPE && hits == 1 && last_sig == SIGPIPE,
	      "a write to a pipe without readers: EPIPE and SIGPIPE");
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Default actions, checked by their exit status and report. */
	if (argc > 1 && !strcmp(argv[1], "abort"))
		abort();
	if (argc > 1 && !strcmp(argv[1], "segv"))
		return *(volatile int *)8;
	if (argc > 1 && !strcmp(argv[1], "sigpipe")) { /* the default action */
		int p[2];
		pipe(p);
		close(p[0]);
		write(p[1], "x", 1);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "int80")) {
		long r = 20; /* getpid, in the 32-bit ABI */
		__asm__ volatile("int $0x80" : "+a"(r));
		printf("int $0x80 returned %ld\n", r);
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "wait-term"))
		return wait_for_term();
	test_kill_and_raise();
	test_mask();
	test_ignore_and_resethand();
	test_sigtimedwait();
	test_interrupted_sleep();
	test_sigsuspend();
	test_faults();
	test_timers();
	test_signalfd();
	test_sigpipe();
	printf("signals: %d checks, %d failed\n", checks, failed);
	return failed != 0;
}
