/*
 * Pipes and readiness: pipe/pipe2, poll/ppoll, select/pselect6, epoll,
 * eventfd and timerfd, one deterministic line per check ("ok N what" /
 * "not ok N what: details"), then "readiness: N checks, M failed"; exits
 * 0 only when every check passed. Single-threaded, plain Linux: it runs
 * the same on the host (the reference) and on husk. Timing checks only
 * bound times from below (and loosely from above), and print no times.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL
#define TMPFILE "/tmp/readiness.tmp"

static int n, failed;

/* One check; details (printed only on failure) say what was seen. */
static void check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	n++;
	if (ok) {
		printf("ok %d %s\n", n, what);
		return;
	}
	failed++;
	printf("not ok %d %s: ", n, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d %s)\n", errno, strerror(errno));
}

/* A call that must fail with e. */
static void check_err(long r, int e, const char *what)
{
	int got = errno;

	check(r == -1 && got == e, what, "returned %ld, errno %d, want errno %d", r, got, e);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * MS };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int poll1(int fd, short events, int timeout)
{
	struct pollfd p = { fd, events, 0 };
	int r = poll(&p, 1, timeout);

	return r < 0 ? -1 : p.revents;
}

static int nread(int fd)
{
	int v = -1;

	return ioctl(fd, FIONREAD, &v) ? -1 : v;
}

static unsigned char pattern(long i)
{
	return (unsigned char)(i * 7 % 251);
}

/* Whether /proc/self/fd/fd reads as want. */
static int link_is(int fd, const char *want)
{
	char path[64], buf[128];
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = readlink(path, buf, sizeof(buf) - 1);
	if (r < 0)
		return 0;
	buf[r] = 0;
	return !strcmp(buf, want);
}

/* ---- pipes ---- */

static void pipe_basics(void)
{
	int p[2], fl0, fl1;
	char buf[100], name[64];
	struct stat s0, s1;

	check(pipe(p) == 0, "pipe", "failed");
	check(write(p[1], "hello", 5) == 5, "pipe write 5 bytes", "short");
	check(nread(p[0]) == 5, "pipe FIONREAD on the read end", "got %d", nread(p[0]));
	check(nread(p[1]) == 5, "pipe FIONREAD on the write end", "got %d", nread(p[1]));
	memset(buf, 0, sizeof(buf));
	check(read(p[0], buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5),
	      "pipe read returns what is there", "got '%s'", buf);
	check(fstat(p[0], &s0) == 0 && fstat(p[1], &s1) == 0 && S_ISFIFO(s0.st_mode) &&
	      S_ISFIFO(s1.st_mode) && s0.st_ino == s1.st_ino && s0.st_size == 0,
	      "pipe fstat: S_IFIFO, one inode for both ends", "mode %o/%o", s0.st_mode, s1.st_mode);
	snprintf(name, sizeof(name), "pipe:[%lu]", (unsigned long)s0.st_ino);
	check(link_is(p[0], name) && link_is(p[1], name), "pipe /proc/self/fd link is pipe:[ino]",
	      "not %s", name);
	fl0 = fcntl(p[0], F_GETFL);
	fl1 = fcntl(p[1], F_GETFL);
	check((fl0 & O_ACCMODE) == O_RDONLY && (fl1 & O_ACCMODE) == O_WRONLY &&
	      !((fl0 | fl1) & O_NONBLOCK), "pipe F_GETFL: read-only and write-only ends",
	      "%#x %#x", fl0, fl1);
	check(fcntl(p[0], F_GETPIPE_SZ) == 65536, "pipe F_GETPIPE_SZ is 64 KiB", "got %d",
	      fcntl(p[0], F_GETPIPE_SZ));
	check_err(lseek(p[0], 0, SEEK_CUR), ESPIPE, "pipe lseek: ESPIPE");
	check_err(pread(p[0], buf, 1, 0), ESPIPE, "pipe pread: ESPIPE");
	check(read(p[0], buf, 0) == 0 && write(p[1], buf, 0) == 0,
	      "pipe zero-length read and write", "nonzero");
	check_err(write(p[0], "x", 1), EBADF, "pipe write to the read end: EBADF");
	close(p[1]);
	check(read(p[0], buf, sizeof(buf)) == 0, "pipe read after the writer closed: end of file",
	      "not 0");
	close(p[0]);
	check_err(pipe2(p, O_ASYNC), EINVAL, "pipe2 with a bad flag: EINVAL");
}

/* Linux's slots: a partly read page still takes its slot. */
static void pipe_nonblocking(void)
{
	static unsigned char big[100000], back[70000];
	int p[2], ok = 1;
	long total = 0, r;

	for (long i = 0; i < (long)sizeof(big); i++)
		big[i] = pattern(i);
	check(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2 O_NONBLOCK|O_CLOEXEC", "failed");
	check(fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC,
	      "pipe2 O_CLOEXEC sets FD_CLOEXEC on both", "not set");
	check((fcntl(p[0], F_GETFL) & O_NONBLOCK) && (fcntl(p[1], F_GETFL) & O_NONBLOCK),
	      "pipe2 O_NONBLOCK on both ends", "not set");
	check_err(read(p[0], back, 10), EAGAIN, "pipe read while empty: EAGAIN");
	r = write(p[1], big, sizeof(big));
	check(r == 65536, "pipe write of 100000 takes 65536", "took %ld", r);
	check_err(write(p[1], big, 1), EAGAIN, "pipe write while full: EAGAIN");
	check(poll1(p[1], POLLOUT, 0) == 0, "pipe full: no POLLOUT", "revents %#x",
	      poll1(p[1], POLLOUT, 0));
	check(read(p[0], back, 100) == 100, "pipe read 100 of a full pipe", "short");
	check_err(write(p[1], big, 1), EAGAIN,
		  "pipe write after a partial read of the first page: still EAGAIN");
	check(read(p[0], back + 100, 3996) == 3996, "pipe read the rest of the first page",
	      "short");
	check(poll1(p[1], POLLOUT, 0) == (POLLOUT), "pipe one free page: POLLOUT", "revents %#x",
	      poll1(p[1], POLLOUT, 0));
	r = write(p[1], big + 65536, 5000);
	check(r == 4096, "pipe write of 5000 into one free page takes 4096", "took %ld", r);
	check(nread(p[0]) == 65536, "pipe FIONREAD when full", "got %d", nread(p[0]));
	total = 4096;
	while ((r = read(p[0], back + total, sizeof(back) - total)) > 0)
		total += r;
	check(r == -1 && errno == EAGAIN && total == 65536 + 4096,
	      "pipe drains every byte, then EAGAIN", "total %ld", total);
	for (long i = 0; i < total; i++)
		ok &= back[i] == pattern(i);
	check(ok, "pipe bytes come out in order", "mismatch");
	fcntl(p[0], F_SETFL, 0);
	check(!(fcntl(p[0], F_GETFL) & O_NONBLOCK), "pipe F_SETFL clears O_NONBLOCK", "still set");
	close(p[0]);
	close(p[1]);
}

/* Writes merge into the last page only when they fit; F_SETPIPE_SZ. */
static void pipe_sizes(void)
{
	unsigned char buf[8192], back[8192];
	int p[2], fd, ok = 1;
	long r;

	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = pattern(i);
	pipe2(p, O_NONBLOCK);
	write(p[1], buf, 10);
	write(p[1], buf + 10, 10);
	r = fcntl(p[1], F_SETPIPE_SZ, 4096);
	check(r == 4096 && fcntl(p[0], F_GETPIPE_SZ) == 4096,
	      "F_SETPIPE_SZ 4096 with two small writes merged in one page", "got %ld", r);
	r = write(p[1], buf + 20, 4076);
	check(r == 4076, "pipe small write merges into the last page", "took %ld", r);
	check_err(write(p[1], buf, 1), EAGAIN, "pipe of one page, full: EAGAIN");
	check(fcntl(p[1], F_SETPIPE_SZ, 8192) == 8192, "F_SETPIPE_SZ 8192 grows a full pipe",
	      "failed");
	check(write(p[1], buf + 4096, 1) == 1, "pipe grown: one more byte fits", "failed");
	check_err(fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY,
		  "F_SETPIPE_SZ below what the pipe holds: EBUSY");
	check(fcntl(p[1], F_SETPIPE_SZ, 9000) == 16384, "F_SETPIPE_SZ rounds up to a power of two",
	      "got %d", fcntl(p[1], F_GETPIPE_SZ));
	check(read(p[0], back, sizeof(back)) == 4097, "pipe resized keeps every byte", "short");
	for (int i = 0; i < 4097; i++)
		ok &= back[i] == buf[i];
	check(ok, "pipe resized keeps the order", "mismatch");
	check(fcntl(p[1], F_SETPIPE_SZ, 0) == 4096, "F_SETPIPE_SZ 0 gives one page", "got %d",
	      fcntl(p[1], F_GETPIPE_SZ));
	check_err(fcntl(p[1], F_SETPIPE_SZ, 0x80000001u), EINVAL,
		  "F_SETPIPE_SZ above 2 GiB: EINVAL");
	fd = open("/dev/null", O_RDONLY);
	check_err(fcntl(fd, F_GETPIPE_SZ), EBADF, "F_GETPIPE_SZ on /dev/null: EBADF");
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void pipe_packets(void)
{
	char buf[100];
	int p[2];

	check(pipe2(p, O_DIRECT | O_NONBLOCK) == 0, "pipe2 O_DIRECT (packet mode)", "failed");
	check(fcntl(p[1], F_GETFL) & O_DIRECT, "pipe2 O_DIRECT shows on the write end", "no");
	write(p[1], "abc", 3);
	write(p[1], "defg", 4);
	check(read(p[0], buf, sizeof(buf)) == 3 && !memcmp(buf, "abc", 3),
	      "packet pipe: a read returns one packet", "wrong");
	check(read(p[0], buf, sizeof(buf)) == 4 && !memcmp(buf, "defg", 4),
	      "packet pipe: then the next one", "wrong");
	write(p[1], "xyz", 3);
	check(read(p[0], buf, 2) == 2 && !memcmp(buf, "xy", 2),
	      "packet pipe: a short read truncates", "wrong");
	check_err(read(p[0], buf, sizeof(buf)), EAGAIN, "packet pipe: the rest is dropped");
	close(p[0]);
	close(p[1]);
}

static void pipe_closed_ends(void)
{
	int p[2];

	pipe(p);
	write(p[1], "z", 1);
	close(p[1]);
	check(poll1(p[0], POLLIN, 0) == (POLLIN | POLLHUP),
	      "pipe writer gone, data left: POLLIN|POLLHUP", "revents %#x",
	      poll1(p[0], POLLIN, 0));
	check(read(p[0], (char[4]){ 0 }, 4) == 1, "pipe writer gone: data still reads", "no");
	check(poll1(p[0], POLLIN, 0) == POLLHUP, "pipe writer gone, drained: POLLHUP",
	      "revents %#x", poll1(p[0], POLLIN, 0));
	close(p[0]);
	pipe(p);
	close(p[0]);
	check_err(write(p[1], "x", 1), EPIPE, "pipe write without a reader: EPIPE");
	check(poll1(p[1], POLLOUT, 0) == (POLLOUT | POLLERR), "pipe reader gone: POLLOUT|POLLERR",
	      "revents %#x", poll1(p[1], POLLOUT, 0));
	close(p[1]);
}

/* ---- poll, ppoll ---- */

static void poll_masks(void)
{
	struct pollfd fds[4];
	struct rlimit rl;
	int p[2], f, nul, closed;

	pipe(p);
	check(poll1(p[0], POLLIN, 0) == 0, "poll empty pipe: nothing", "revents %#x",
	      poll1(p[0], POLLIN, 0));
	check(poll1(p[1], POLLIN | POLLOUT, 0) == POLLOUT, "poll pipe write end: POLLOUT only",
	      "revents %#x", poll1(p[1], POLLIN | POLLOUT, 0));
	write(p[1], "a", 1);
	check(poll1(p[0], POLLIN | POLLRDNORM | POLLOUT, 0) == (POLLIN | POLLRDNORM),
	      "poll pipe with data: POLLIN|POLLRDNORM", "revents %#x",
	      poll1(p[0], POLLIN | POLLRDNORM | POLLOUT, 0));
	closed = dup(p[0]);
	close(closed);
	fds[0] = (struct pollfd){ -1, POLLIN, 0x7f };
	fds[1] = (struct pollfd){ closed, POLLIN, 0 };
	fds[2] = (struct pollfd){ p[0], POLLIN, 0 };
	check(poll(fds, 3, 0) == 2 && fds[0].revents == 0 && fds[1].revents == POLLNVAL &&
	      fds[2].revents == POLLIN, "poll: fd -1 ignored, closed fd POLLNVAL, count 2",
	      "%#x %#x %#x", fds[0].revents, fds[1].revents, fds[2].revents);
	f = open(TMPFILE, O_RDWR | O_CREAT | O_TRUNC, 0600);
	nul = open("/dev/null", O_RDWR);
	check(poll1(f, POLLIN | POLLOUT | POLLPRI, 0) == (POLLIN | POLLOUT),
	      "poll regular file: POLLIN|POLLOUT", "revents %#x", poll1(f, POLLIN | POLLOUT, 0));
	check(poll1(nul, POLLIN | POLLOUT | POLLRDHUP, 0) == (POLLIN | POLLOUT),
	      "poll /dev/null: POLLIN|POLLOUT", "revents %#x", poll1(nul, POLLIN | POLLOUT, 0));
	check(poll1(1, POLLOUT, 0) & POLLOUT, "poll standard output: POLLOUT", "revents %#x",
	      poll1(1, POLLOUT, 0));
	close(f);
	close(nul);
	f = open("/tmp", O_PATH);
	check(poll1(f, POLLIN, 0) == POLLNVAL, "poll O_PATH descriptor: POLLNVAL", "revents %#x",
	      poll1(f, POLLIN, 0));
	close(f);
	getrlimit(RLIMIT_NOFILE, &rl);
	check_err(poll(fds, rl.rlim_cur + 1, 0), EINVAL,
		  "poll more fds than RLIMIT_NOFILE: EINVAL");
	close(p[0]);
	close(p[1]);
}

static void poll_timeouts(void)
{
	struct timespec ts = { 0, 50 * MS };
	struct pollfd pf;
	sigset_t usr1, cur;
	long long t0;
	long r;
	int p[2];

	pipe(p);
	pf = (struct pollfd){ p[0], POLLIN, 0 };
	t0 = now_ns();
	r = poll(&pf, 1, 50);
	check(r == 0 && now_ns() - t0 >= 50 * MS, "poll 50 ms on an empty pipe: 0, after 50 ms",
	      "returned %ld", r);
	t0 = now_ns();
	r = poll(0, 0, 50);
	check(r == 0 && now_ns() - t0 >= 50 * MS, "poll of no fds sleeps 50 ms", "returned %ld", r);
	t0 = now_ns();
	r = syscall(SYS_ppoll, &pf, 1, &ts, 0, 8);
	check(r == 0 && now_ns() - t0 >= 50 * MS && ts.tv_sec == 0 && ts.tv_nsec == 0,
	      "ppoll 50 ms: 0, after 50 ms, time left written back as 0", "returned %ld, left %ld",
	      r, ts.tv_nsec);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	ts = (struct timespec){ 0, 0 };
	r = syscall(SYS_ppoll, &pf, 1, &ts, &usr1, 8);
	sigprocmask(SIG_BLOCK, 0, &cur);
	check(r == 0 && !sigismember(&cur, SIGUSR1), "ppoll with a mask restores the old one",
	      "returned %ld", r);
	check_err(syscall(SYS_ppoll, &pf, 1, &ts, &usr1, 4), EINVAL, "ppoll sigsetsize 4: EINVAL");
	ts = (struct timespec){ 0, 1000000000 };
	check_err(syscall(SYS_ppoll, &pf, 1, &ts, 0, 8), EINVAL, "ppoll tv_nsec 1e9: EINVAL");
	write(p[1], "a", 1);
	ts = (struct timespec){ 5, 0 };
	r = syscall(SYS_ppoll, &pf, 1, &ts, 0, 8);
	check(r == 1 && pf.revents == POLLIN && ts.tv_sec >= 4,
	      "ppoll ready at once: time left kept", "returned %ld", r);
	close(p[0]);
	close(p[1]);
}

/* ---- select, pselect6 ---- */

struct sigset_arg {
	const sigset_t *ss;
	size_t len;
};

static void select_checks(void)
{
	fd_set rd, wr, ex;
	struct timeval tv;
	struct timespec ts;
	struct sigset_arg sa;
	sigset_t usr1;
	int p[2], q[2], closed, nfds;
	long long t0;
	long r;

	pipe(p);
	pipe(q);
	nfds = (p[0] > p[1] ? p[0] : p[1]) + 1;
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv = (struct timeval){ 0, 50000 };
	t0 = now_ns();
	r = syscall(SYS_select, nfds, &rd, 0, 0, &tv);
	check(r == 0 && now_ns() - t0 >= 50 * MS && !FD_ISSET(p[0], &rd) && tv.tv_usec == 0,
	      "select 50 ms on an empty pipe: 0, set cleared, time left 0", "returned %ld", r);
	write(p[1], "a", 1);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &wr);
	FD_SET(p[0], &ex);
	FD_SET(p[1], &ex);
	tv = (struct timeval){ 0, 0 };
	r = select(nfds, &rd, &wr, &ex, &tv);
	check(r == 2 && FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr) && !FD_ISSET(p[0], &ex) &&
	      !FD_ISSET(p[1], &ex), "select: readable and writable ends, no exceptions",
	      "returned %ld", r);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv = (struct timeval){ 0, 1500000 };
	check(syscall(SYS_select, nfds, &rd, 0, 0, &tv) == 1,
	      "select tv_usec beyond a second is carried", "failed");
	tv = (struct timeval){ 0, -1 };
	check_err(syscall(SYS_select, nfds, &rd, 0, 0, &tv), EINVAL,
		  "select negative tv_usec: EINVAL");
	check_err(syscall(SYS_select, -1, 0, 0, 0, 0), EINVAL, "select nfds -1: EINVAL");
	closed = dup(p[0]);
	close(closed);
	FD_ZERO(&rd);
	FD_SET(closed, &rd);
	tv = (struct timeval){ 0, 0 };
	check_err(select(closed + 1, &rd, 0, 0, &tv), EBADF, "select a closed fd: EBADF");
	close(q[1]);
	close(p[0]);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(q[0], &rd);
	FD_SET(p[1], &wr);
	nfds = (q[0] > p[1] ? q[0] : p[1]) + 1;
	check(select(nfds, &rd, &wr, 0, &tv) == 2 && FD_ISSET(q[0], &rd) && FD_ISSET(p[1], &wr),
	      "select: end of file reads, a broken pipe writes", "not both");
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sa = (struct sigset_arg){ &usr1, 8 };
	ts = (struct timespec){ 0, 50 * MS };
	FD_ZERO(&rd);
	t0 = now_ns();
	r = syscall(SYS_pselect6, 1, &rd, 0, 0, &ts, &sa);
	check(r == 0 && now_ns() - t0 >= 50 * MS && ts.tv_nsec == 0,
	      "pselect6 50 ms with a mask: 0, time left 0", "returned %ld", r);
	sa.len = 4;
	check_err(syscall(SYS_pselect6, 1, &rd, 0, 0, &ts, &sa), EINVAL,
		  "pselect6 sigset size 4: EINVAL");
	close(q[0]);
	close(p[1]);
}

/* ---- eventfd ---- */

static int efd_read(int fd, uint64_t *v)
{
	return read(fd, v, 8) == 8;
}

static int efd_write(int fd, uint64_t v)
{
	return write(fd, &v, 8) == 8;
}

static void eventfd_checks(void)
{
	uint64_t v = 0;
	struct stat st;
	int fd, fl, sem, bad;

	fd = eventfd(3, 0);
	check(efd_read(fd, &v) && v == 3, "eventfd initial value reads", "got %llu",
	      (unsigned long long)v);
	close(fd);
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	fl = fcntl(fd, F_GETFL);
	check(fcntl(fd, F_GETFD) == FD_CLOEXEC && (fl & O_NONBLOCK) && (fl & O_ACCMODE) == O_RDWR,
	      "eventfd EFD_NONBLOCK|EFD_CLOEXEC", "flags %#x", fl);
	check(link_is(fd, "anon_inode:[eventfd]"), "eventfd /proc/self/fd link", "wrong");
	check(fstat(fd, &st) == 0 && st.st_mode == 0600, "eventfd fstat: mode 0600, no type",
	      "mode %o", st.st_mode);
	check(lseek(fd, 0, SEEK_CUR) == 0, "eventfd lseek goes nowhere", "not 0");
	check_err(read(fd, &v, 8), EAGAIN, "eventfd read at 0: EAGAIN");
	check(poll1(fd, POLLIN | POLLOUT, 0) == POLLOUT, "eventfd at 0: POLLOUT only",
	      "revents %#x", poll1(fd, POLLIN | POLLOUT, 0));
	check(efd_write(fd, 2) && efd_write(fd, 5), "eventfd writes", "failed");
	check(poll1(fd, POLLIN | POLLOUT | POLLRDNORM, 0) == (POLLIN | POLLOUT),
	      "eventfd with a count: POLLIN|POLLOUT", "revents %#x", poll1(fd, POLLIN | POLLOUT,
	      0));
	check(efd_read(fd, &v) && v == 7, "eventfd read takes the sum", "got %llu",
	      (unsigned long long)v);
	check_err(read(fd, &v, 4), EINVAL, "eventfd read of 4 bytes: EINVAL");
	check_err(write(fd, &v, 4), EINVAL, "eventfd write of 4 bytes: EINVAL");
	v = UINT64_MAX;
	check_err(write(fd, &v, 8), EINVAL, "eventfd write of 2^64-1: EINVAL");
	check(efd_write(fd, UINT64_MAX - 1), "eventfd write up to the maximum", "failed");
	v = 1;
	check_err(write(fd, &v, 8), EAGAIN, "eventfd write past the maximum: EAGAIN");
	check(poll1(fd, POLLIN | POLLOUT, 0) == POLLIN, "eventfd at the maximum: POLLIN only",
	      "revents %#x", poll1(fd, POLLIN | POLLOUT, 0));
	check(efd_read(fd, &v) && v == UINT64_MAX - 1, "eventfd read of the maximum", "wrong");
	check_err(ioctl(fd, FIONREAD, &fl), ENOTTY, "eventfd FIONREAD: ENOTTY");
	close(fd);
	sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	check(efd_read(sem, &v) && v == 1 && efd_read(sem, &v) && v == 1 && efd_read(sem, &v) &&
	      v == 1, "eventfd semaphore: reads 1 three times", "wrong");
	check_err(read(sem, &v, 8), EAGAIN, "eventfd semaphore at 0: EAGAIN");
	close(sem);
	bad = (int)syscall(SYS_eventfd2, 0, 0x10);
	check_err(bad, EINVAL, "eventfd2 with a bad flag: EINVAL");
}

/* ---- timerfd ---- */

static void settime_rel(int fd, long long value_ns, long long interval_ns)
{
	struct itimerspec it = { { interval_ns / 1000000000, interval_ns % 1000000000 },
				 { value_ns / 1000000000, value_ns % 1000000000 } };

	timerfd_settime(fd, 0, &it, 0);
}

static long long ts_ns(struct timespec ts)
{
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void timerfd_oneshot(void)
{
	struct itimerspec cur;
	uint64_t v = 0;
	long long t0;
	int fd, r;

	check_err(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL,
		  "timerfd_create bad clock: EINVAL");
	check_err(timerfd_create(CLOCK_MONOTONIC, 1), EINVAL, "timerfd_create bad flag: EINVAL");
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	check(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "timerfd_create CLOCK_MONOTONIC",
	      "failed");
	check(link_is(fd, "anon_inode:[timerfd]"), "timerfd /proc/self/fd link", "wrong");
	check_err(read(fd, &v, 8), EAGAIN, "timerfd disarmed read: EAGAIN");
	timerfd_gettime(fd, &cur);
	check(!ts_ns(cur.it_value) && !ts_ns(cur.it_interval), "timerfd disarmed: gettime 0",
	      "value %lld", ts_ns(cur.it_value));
	t0 = now_ns();
	/* 300 ms, not less: the checks before the expiry must run before it
	 * even on a loaded machine under emulation. Upper bounds are loose
	 * for the same reason: they only catch a wakeup that never came. */
	settime_rel(fd, 300 * MS, 0);
	timerfd_gettime(fd, &cur);
	check(ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 300 * MS && !ts_ns(cur.it_interval),
	      "timerfd armed 300 ms: gettime counts down", "value %lld", ts_ns(cur.it_value));
	check(poll1(fd, POLLIN, 0) == 0, "timerfd before expiry: not readable", "readable");
	r = poll1(fd, POLLIN, 8000);
	check(r == POLLIN && now_ns() - t0 >= 300 * MS && now_ns() - t0 < 7000 * MS,
	      "timerfd 300 ms wakes an 8 s poll after 300 ms", "revents %#x after %lld ms", r,
	      (now_ns() - t0) / MS);
	check(read(fd, &v, 8) == 8 && v == 1, "timerfd read: one expiration", "got %llu",
	      (unsigned long long)v);
	check_err(read(fd, &v, 8), EAGAIN, "timerfd read again: EAGAIN");
	timerfd_gettime(fd, &cur);
	check(!ts_ns(cur.it_value), "timerfd one shot fired: gettime 0", "value %lld",
	      ts_ns(cur.it_value));
	check_err(read(fd, &v, 4), EINVAL, "timerfd read of 4 bytes: EINVAL");
	close(fd);
}

static void timerfd_interval(void)
{
	struct itimerspec it, old, cur;
	uint64_t v = 0;
	int fd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK);

	check(fd >= 0, "timerfd_create CLOCK_BOOTTIME", "failed");
	it = (struct itimerspec){ { 0, 10 * MS }, { 0, 10 * MS } };
	memset(&old, 0x55, sizeof(old));
	check(timerfd_settime(fd, 0, &it, &old) == 0 && !ts_ns(old.it_value) &&
	      !ts_ns(old.it_interval), "timerfd_settime old value of a new timer: 0", "not 0");
	sleep_ms(55);
	check(read(fd, &v, 8) == 8 && v >= 5, "timerfd 10 ms interval after 55 ms: 5 or more",
	      "got %llu", (unsigned long long)v);
	timerfd_gettime(fd, &cur);
	check(ts_ns(cur.it_interval) == 10 * MS && ts_ns(cur.it_value) > 0 &&
	      ts_ns(cur.it_value) <= 10 * MS, "timerfd interval: gettime shows the next expiry",
	      "value %lld", ts_ns(cur.it_value));
	it = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	check(timerfd_settime(fd, 0, &it, &old) == 0 && ts_ns(old.it_interval) == 10 * MS,
	      "timerfd_settime returns the old interval", "got %lld", ts_ns(old.it_interval));
	timerfd_gettime(fd, &cur);
	check(!ts_ns(cur.it_value), "timerfd disarmed by a zero value", "value %lld",
	      ts_ns(cur.it_value));
	close(fd);
}

static void timerfd_absolute(void)
{
	struct itimerspec it;
	struct timespec now;
	uint64_t v = 0;
	long long t0;
	int fd = timerfd_create(CLOCK_MONOTONIC, 0), rt, p[2];

	clock_gettime(CLOCK_MONOTONIC, &now);
	t0 = now_ns();
	it = (struct itimerspec){ { 0, 0 }, { now.tv_sec, now.tv_nsec + 20 * MS } };
	if (it.it_value.tv_nsec >= 1000000000) {
		it.it_value.tv_sec++;
		it.it_value.tv_nsec -= 1000000000;
	}
	check(timerfd_settime(fd, TFD_TIMER_ABSTIME, &it, 0) == 0, "timerfd TFD_TIMER_ABSTIME",
	      "failed");
	check(read(fd, &v, 8) == 8 && v == 1 && now_ns() - t0 >= 20 * MS,
	      "timerfd blocking read waits for the absolute expiry", "got %llu",
	      (unsigned long long)v);
	it = (struct itimerspec){ { 0, 0 }, { 0, 1 } };
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &it, 0);
	check(poll1(fd, POLLIN, 0) == POLLIN && read(fd, &v, 8) == 8 && v == 1,
	      "timerfd absolute time in the past: expired at once", "not readable");
	it.it_value.tv_nsec = 1000000000;
	check_err(timerfd_settime(fd, 0, &it, 0), EINVAL, "timerfd_settime tv_nsec 1e9: EINVAL");
	it.it_value.tv_nsec = 0;
	check_err(timerfd_settime(fd, 4, &it, 0), EINVAL, "timerfd_settime bad flag: EINVAL");
	pipe(p);
	check_err(timerfd_settime(p[0], 0, &it, 0), EINVAL, "timerfd_settime on a pipe: EINVAL");
	close(p[0]);
	close(p[1]);
	check_err(timerfd_settime(p[0], 0, &it, 0), EBADF, "timerfd_settime on a closed fd: EBADF");
	close(fd);
	rt = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	clock_gettime(CLOCK_REALTIME, &now);
	it = (struct itimerspec){ { 0, 0 }, { now.tv_sec, now.tv_nsec + 20 * MS } };
	if (it.it_value.tv_nsec >= 1000000000) {
		it.it_value.tv_sec++;
		it.it_value.tv_nsec -= 1000000000;
	}
	timerfd_settime(rt, TFD_TIMER_ABSTIME, &it, 0);
	t0 = now_ns();
	check(poll1(rt, POLLIN, 8000) == POLLIN && now_ns() - t0 < 7000 * MS,
	      "timerfd CLOCK_REALTIME absolute: fires", "not in time");
	close(rt);
}

/* ---- epoll ---- */

static int ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int ep_mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* epoll_wait for one event: the count, and the event in *out. */
static int ep_wait1(int ep, int timeout, struct epoll_event *out)
{
	memset(out, 0, sizeof(*out));
	return epoll_wait(ep, out, 1, timeout);
}

static void epoll_ctl_errors(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct stat st;
	int ep, p[2], f, nul, efd, closed, e[6];

	check_err(syscall(SYS_epoll_create, 0), EINVAL, "epoll_create 0: EINVAL");
	check_err(epoll_create1(1), EINVAL, "epoll_create1 bad flag: EINVAL");
	ep = epoll_create1(EPOLL_CLOEXEC);
	check(ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC, "epoll_create1 EPOLL_CLOEXEC", "failed");
	check(link_is(ep, "anon_inode:[eventpoll]"), "epoll /proc/self/fd link", "wrong");
	check(fstat(ep, &st) == 0 && st.st_mode == 0600, "epoll fstat: mode 0600", "mode %o",
	      st.st_mode);
	pipe(p);
	check(ep_add(ep, p[0], EPOLLIN, 1) == 0, "epoll_ctl ADD", "failed");
	check_err(ep_add(ep, p[0], EPOLLIN, 1), EEXIST, "epoll_ctl ADD twice: EEXIST");
	check_err(ep_mod(ep, p[1], EPOLLOUT, 2), ENOENT, "epoll_ctl MOD of a stranger: ENOENT");
	check_err(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], 0), ENOENT,
		  "epoll_ctl DEL of a stranger: ENOENT");
	check_err(ep_add(ep, ep, EPOLLIN, 0), EINVAL, "epoll_ctl ADD itself: EINVAL");
	check_err(ep_add(p[0], p[1], EPOLLOUT, 0), EINVAL, "epoll_ctl on a pipe as epfd: EINVAL");
	f = open(TMPFILE, O_RDWR | O_CREAT, 0600);
	check_err(ep_add(ep, f, EPOLLIN, 0), EPERM, "epoll_ctl ADD a regular file: EPERM");
	nul = open("/dev/null", O_RDONLY);
	check_err(ep_add(ep, nul, EPOLLIN, 0), EPERM, "epoll_ctl ADD /dev/null: EPERM");
	close(f);
	close(nul);
	closed = dup(p[1]);
	close(closed);
	check_err(ep_add(ep, closed, EPOLLIN, 0), EBADF, "epoll_ctl ADD a closed fd: EBADF");
	check_err(epoll_ctl(ep, 99, p[1], &ev), EINVAL, "epoll_ctl bad op: EINVAL");
	check_err(ep_add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL,
		  "epoll_ctl EPOLLEXCLUSIVE|EPOLLONESHOT: EINVAL");
	check_err(ep_mod(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL,
		  "epoll_ctl MOD with EPOLLEXCLUSIVE: EINVAL");
	efd = eventfd(0, EFD_NONBLOCK);
	check(ep_add(ep, efd, EPOLLIN | EPOLLEXCLUSIVE, 0) == 0, "epoll_ctl ADD EPOLLEXCLUSIVE",
	      "failed");
	check_err(ep_mod(ep, efd, EPOLLIN, 0), EINVAL,
		  "epoll_ctl MOD of an exclusive item: EINVAL");
	check(epoll_ctl(ep, EPOLL_CTL_DEL, efd, 0) == 0, "epoll_ctl DEL", "failed");
	close(efd);
	check_err(epoll_wait(ep, &ev, 0, 0), EINVAL, "epoll_wait maxevents 0: EINVAL");
	check_err(epoll_wait(p[0], &ev, 1, 0), EINVAL, "epoll_wait on a pipe: EINVAL");
	check_err(epoll_wait(closed, &ev, 1, 0), EBADF, "epoll_wait on a closed fd: EBADF");
	for (int i = 0; i < 6; i++)
		e[i] = epoll_create1(0);
	check(ep_add(e[0], e[1], EPOLLIN, 0) == 0, "epoll inside epoll", "failed");
	check_err(ep_add(e[1], e[0], EPOLLIN, 0), ELOOP, "epoll cycle: ELOOP");
	for (int i = 1; i < 4; i++)
		ep_add(e[i], e[i + 1], EPOLLIN, 0);
	check(epoll_ctl(e[0], EPOLL_CTL_DEL, e[1], 0) == 0 && ep_add(e[0], e[1], EPOLLIN, 0) == 0,
	      "epoll nested five deep", "failed");
	check_err(ep_add(e[4], e[5], EPOLLIN, 0), ELOOP, "epoll nested six deep: ELOOP");
	for (int i = 0; i < 6; i++)
		close(e[i]);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void epoll_triggers(void)
{
	struct epoll_event ev;
	int lt = epoll_create1(0), et = epoll_create1(0), os = epoll_create1(0), p[2];
	long long t0;
	int r;

	pipe(p);
	ep_add(lt, p[0], EPOLLIN, 0x1234);
	ep_add(et, p[0], EPOLLIN | EPOLLET, 0x5678);
	ep_add(os, p[0], EPOLLIN | EPOLLONESHOT, 0x9abc);
	check(ep_wait1(lt, 0, &ev) == 0, "epoll_wait empty pipe: 0", "not 0");
	t0 = now_ns();
	r = ep_wait1(lt, 50, &ev);
	check(r == 0 && now_ns() - t0 >= 50 * MS, "epoll_wait 50 ms: 0, after 50 ms", "returned %d",
	      r);
	write(p[1], "ab", 2);
	check(ep_wait1(lt, 0, &ev) == 1 && ev.events == EPOLLIN && ev.data.u64 == 0x1234,
	      "epoll level-triggered: EPOLLIN with its data", "events %#x data %#llx", ev.events,
	      (unsigned long long)ev.data.u64);
	check(ep_wait1(lt, 0, &ev) == 1, "epoll level-triggered: reported again", "not");
	check(ep_wait1(et, 0, &ev) == 1 && ev.data.u64 == 0x5678,
	      "epoll edge-triggered: first edge", "not reported");
	check(ep_wait1(et, 0, &ev) == 0, "epoll edge-triggered: not again without news", "again");
	write(p[1], "c", 1);
	check(ep_wait1(et, 0, &ev) == 1, "epoll edge-triggered: new data is a new edge", "not");
	check(ep_wait1(et, 0, &ev) == 0, "epoll edge-triggered: quiet after it", "again");
	check(ep_wait1(os, 0, &ev) == 1 && ev.data.u64 == 0x9abc, "epoll one-shot: reported",
	      "not");
	write(p[1], "d", 1);
	check(ep_wait1(os, 0, &ev) == 0, "epoll one-shot: then disabled", "again");
	check(ep_mod(os, p[0], EPOLLIN | EPOLLONESHOT, 0xdef0) == 0 && ep_wait1(os, 0, &ev) == 1 &&
	      ev.data.u64 == 0xdef0, "epoll one-shot: MOD re-arms", "not");
	close(p[1]);
	check(ep_wait1(lt, 0, &ev) == 1 && ev.events == (EPOLLIN | EPOLLHUP),
	      "epoll writer gone with data: EPOLLIN|EPOLLHUP", "events %#x", ev.events);
	read(p[0], (char[8]){ 0 }, 8);
	check(ep_wait1(lt, 0, &ev) == 1 && ev.events == EPOLLHUP,
	      "epoll writer gone, drained: EPOLLHUP", "events %#x", ev.events);
	close(p[0]);
	check(ep_wait1(lt, 0, &ev) == 0 && ep_wait1(et, 0, &ev) == 0,
	      "epoll: closing the last reference removes the item", "still reported");
	pipe(p);
	ep_add(lt, p[1], EPOLLOUT, 0x42);
	close(p[0]);
	check(ep_wait1(lt, 0, &ev) == 1 && ev.events == (EPOLLOUT | EPOLLERR),
	      "epoll reader gone: EPOLLOUT|EPOLLERR", "events %#x", ev.events);
	check_err(epoll_ctl(lt, EPOLL_CTL_DEL, p[0], 0), EBADF,
		  "epoll_ctl DEL of a closed fd: EBADF");
	close(p[1]);
	close(lt);
	close(et);
	close(os);
}

static void epoll_lifetimes(void)
{
	struct epoll_event ev, evs[4];
	int ep = epoll_create1(0), p[2], d, e[3];
	uint64_t one = 1;

	pipe(p);
	ep_add(ep, p[0], EPOLLIN, 77);
	d = dup(p[0]);
	close(p[0]);
	write(p[1], "x", 1);
	check(ep_wait1(ep, 0, &ev) == 1 && ev.data.u64 == 77,
	      "epoll: a dup keeps the item after its fd closes", "not reported");
	close(d);
	check(ep_wait1(ep, 0, &ev) == 0, "epoll: the last close removes it", "still reported");
	close(p[1]);
	for (int i = 0; i < 3; i++) {
		e[i] = eventfd(1, EFD_NONBLOCK);
		ep_add(ep, e[i], EPOLLIN, 100 + i);
	}
	check(epoll_wait(ep, evs, 2, 0) == 2 && evs[0].data.u64 == 100 && evs[1].data.u64 == 101,
	      "epoll maxevents 2 of 3 ready: the first two", "%llu %llu",
	      (unsigned long long)evs[0].data.u64, (unsigned long long)evs[1].data.u64);
	check(epoll_wait(ep, evs, 2, 0) == 2 && evs[0].data.u64 == 102 && evs[1].data.u64 == 100,
	      "epoll maxevents 2 again: the one left out comes first", "%llu %llu",
	      (unsigned long long)evs[0].data.u64, (unsigned long long)evs[1].data.u64);
	for (int i = 0; i < 3; i++)
		close(e[i]);
	d = eventfd(0, EFD_NONBLOCK);
	ep_add(ep, d, EPOLLIN | EPOLLOUT | EPOLLET, 9);
	check(ep_wait1(ep, 0, &ev) == 1 && ev.events == EPOLLOUT,
	      "epoll eventfd edge: EPOLLOUT at 0", "events %#x", ev.events);
	write(d, &one, 8);
	check(ep_wait1(ep, 0, &ev) == 1 && ev.events == (EPOLLIN | EPOLLOUT),
	      "epoll eventfd edge: a write is an edge", "events %#x", ev.events);
	check(ep_wait1(ep, 0, &ev) == 0, "epoll eventfd edge: quiet after it", "again");
	read(d, &one, 8);
	check(ep_wait1(ep, 0, &ev) == 1 && ev.events == EPOLLOUT, "epoll eventfd edge: a read too",
	      "events %#x", ev.events);
	close(d);
	close(ep);
}

static void epoll_timers_and_nesting(void)
{
	struct epoll_event ev;
	struct timespec ts;
	sigset_t usr1;
	int ep = epoll_create1(0), outer = epoll_create1(0), inner = epoll_create1(0), tfd, p[2];
	long long t0;
	long r;

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	ep_add(ep, tfd, EPOLLIN, 5);
	t0 = now_ns();
	settime_rel(tfd, 20 * MS, 0);
	r = ep_wait1(ep, 8000, &ev);
	check(r == 1 && ev.data.u64 == 5 && now_ns() - t0 >= 20 * MS && now_ns() - t0 < 7000 * MS,
	      "epoll_wait 8 s: a 20 ms timerfd wakes it after 20 ms", "returned %ld after %lld ms",
	      r, (now_ns() - t0) / MS);
	close(tfd);
	pipe(p);
	ep_add(inner, p[0], EPOLLIN, 1);
	ep_add(outer, inner, EPOLLIN, 2);
	check(ep_wait1(outer, 0, &ev) == 0 && poll1(inner, POLLIN, 0) == 0,
	      "nested epoll: nothing ready, nothing reported", "reported");
	write(p[1], "n", 1);
	check(ep_wait1(outer, 0, &ev) == 1 && ev.data.u64 == 2 && ev.events == EPOLLIN,
	      "nested epoll: the inner one reports EPOLLIN", "events %#x", ev.events);
	check(poll1(inner, POLLIN, 0) == POLLIN, "poll on an epoll fd with news: POLLIN",
	      "revents %#x", poll1(inner, POLLIN, 0));
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	check(epoll_pwait(inner, &ev, 1, 0, &usr1) == 1, "epoll_pwait with a mask", "failed");
	check_err(syscall(SYS_epoll_pwait, inner, &ev, 1, 0, &usr1, 4), EINVAL,
		  "epoll_pwait sigsetsize 4: EINVAL");
	ts = (struct timespec){ 0, 0 };
	check(syscall(SYS_epoll_pwait2, inner, &ev, 1, &ts, 0, 8) == 1, "epoll_pwait2 zero timeout",
	      "failed");
	read(p[0], (char[4]){ 0 }, 4);
	ts = (struct timespec){ 0, 50 * MS };
	t0 = now_ns();
	r = syscall(SYS_epoll_pwait2, inner, &ev, 1, &ts, 0, 8);
	check(r == 0 && now_ns() - t0 >= 50 * MS, "epoll_pwait2 50 ms: 0, after 50 ms",
	      "returned %ld", r);
	ts = (struct timespec){ 0, -1 };
	check_err(syscall(SYS_epoll_pwait2, inner, &ev, 1, &ts, 0, 8), EINVAL,
		  "epoll_pwait2 negative tv_nsec: EINVAL");
	close(p[0]);
	close(p[1]);
	close(inner);
	close(outer);
	close(ep);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN); /* EPIPE, not death */
	pipe_basics();
	pipe_nonblocking();
	pipe_sizes();
	pipe_packets();
	pipe_closed_ends();
	poll_masks();
	poll_timeouts();
	select_checks();
	eventfd_checks();
	timerfd_oneshot();
	timerfd_interval();
	timerfd_absolute();
	epoll_ctl_errors();
	epoll_triggers();
	epoll_lifetimes();
	epoll_timers_and_nesting();
	unlink(TMPFILE);
	printf("readiness: %d checks, %d failed\n", n, failed);
	return failed ? 1 : 0;
}
