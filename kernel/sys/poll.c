/*
 * poll, ppoll, select and pselect6, and the waiting loop epoll_wait shares.
 * Each call scans its descriptors; when nothing is ready it sleeps on
 * ready_waiters until a file changes, its timeout, or the next expiry of a
 * timer among its files, then scans again. Linux writes the time left back
 * into the timeouts of ppoll, select and pselect6: so do we.
 */
#include "../clock.h"
#include "../lib.h"
#include "calls.h"
#include "ready.h"
#include "signal.h"

#define NS_PER_SEC 1000000000ull
#define NSIG_BYTES 8
#define FDS_WORDS (FD_MAX / 64)

/* select's three sets, as Linux maps poll bits onto them. */
#define SELECT_IN (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define SELECT_OUT (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define SELECT_EX POLLPRI

struct pollfd {
	int32_t fd;
	int16_t events, revents;
};

struct timespec64 {
	int64_t sec, nsec;
};

struct timeval64 {
	int64_t sec, usec;
};

/* ---- what poll.c lends the other readiness files ---- */

unsigned file_poll(struct file *f, uint64_t *due)
{
	return f->ops->poll ? f->ops->poll(f, due) : POLL_ALWAYS;
}

struct file *poll_fd_file(long fd)
{
	struct file *f = fd_file(fd);

	return f && !(f->flags & VFS_O_PATH) ? f : 0;
}

long ready_wait(long (*scan)(void *ctx, uint64_t *due), void *ctx, uint64_t deadline)
{
	for (;;) {
		uint64_t due = 0;
		long n = scan(ctx, &due);

		if (n)
			return n;
		if (deadline && clock_monotonic_ns() >= deadline)
			return 0;
		if (sched_wait(&ready_waiters, deadline_min(deadline, due)) == -EINTR)
			return -EINTR;
	}
}

uint64_t deadline_after(uint64_t ns)
{
	uint64_t now = clock_monotonic_ns();

	if (ns > UINT64_MAX - now)
		return UINT64_MAX;
	return now + ns ? now + ns : 1;
}

int user_timespec_ns(uint64_t uts, uint64_t *ns)
{
	const struct timespec64 *ts = (const struct timespec64 *)uts;

	if (!user_range_ok(uts, sizeof(*ts)))
		return -EFAULT;
	if (ts->sec < 0 || ts->nsec < 0 || (uint64_t)ts->nsec >= NS_PER_SEC)
		return -EINVAL;
	if ((uint64_t)ts->sec > (UINT64_MAX - (uint64_t)ts->nsec) / NS_PER_SEC)
		*ns = UINT64_MAX; /* later than anyone will wait */
	else
		*ns = (uint64_t)ts->sec * NS_PER_SEC + (uint64_t)ts->nsec;
	return 0;
}

int user_sigmask(uint64_t uset, uint64_t size, uint64_t *mask)
{
	if (size != NSIG_BYTES)
		return -EINVAL;
	if (!user_range_ok(uset, NSIG_BYTES))
		return -EFAULT;
	*mask = *(const uint64_t *)uset;
	return 0;
}

/* The time left before deadline (0 once past). */
static uint64_t time_left(uint64_t deadline)
{
	uint64_t now = clock_monotonic_ns();

	return deadline > now ? deadline - now : 0;
}

/* A zero timeout stays as it was; others get the time left, as Linux
 * does (its write failing is no error there either). */
static void put_timespec_left(uint64_t uts, uint64_t timeout, uint64_t deadline)
{
	struct timespec64 *ts = (struct timespec64 *)uts;
	uint64_t left = time_left(deadline);

	if (!uts || !timeout || !user_range_ok(uts, sizeof(*ts)))
		return;
	ts->sec = (int64_t)(left / NS_PER_SEC);
	ts->nsec = (int64_t)(left % NS_PER_SEC);
}

/* ---- poll, ppoll ---- */

struct poll_req {
	struct pollfd *fds;
	uint64_t n;
};

static unsigned pollfd_revents(const struct pollfd *p, uint64_t *due)
{
	struct file *f;

	if (p->fd < 0)
		return 0;
	if (!(f = poll_fd_file(p->fd)))
		return POLLNVAL;
	return file_poll(f, due) & ((uint16_t)p->events | POLLERR | POLLHUP);
}

static long scan_pollfds(void *ctx, uint64_t *due)
{
	struct poll_req *r = ctx;
	long ready = 0;

	for (uint64_t i = 0; i < r->n; i++) {
		r->fds[i].revents = (int16_t)pollfd_revents(&r->fds[i], due);
		if (r->fds[i].revents)
			ready++;
	}
	return ready;
}

/* The shared body: mask is swapped in for the wait when has_mask. */
static long do_poll(uint64_t ufds, uint64_t n, uint64_t deadline, int has_mask,
		    uint64_t mask)
{
	struct poll_req req = { (struct pollfd *)ufds, n };
	uint64_t old = 0;
	long r;

	if (n > FD_MAX) /* RLIMIT_NOFILE */
		return -EINVAL;
	if (n && !user_range_ok(ufds, n * sizeof(struct pollfd)))
		return -EFAULT;
	if (has_mask)
		old = signal_swap_mask(mask);
	r = ready_wait(scan_pollfds, &req, deadline);
	if (has_mask)
		signal_swap_mask(old);
	return r;
}

long sys_poll(const struct syscall_args *a)
{
	int timeout_ms = (int)a->a[2];
	uint64_t deadline = timeout_ms < 0 ? 0 : deadline_after((uint64_t)timeout_ms * 1000000);

	return do_poll((uint64_t)a->a[0], (uint64_t)a->a[1], deadline, 0, 0);
}

long sys_ppoll(const struct syscall_args *a)
{
	uint64_t uts = (uint64_t)a->a[2], usig = (uint64_t)a->a[3];
	uint64_t timeout = 0, deadline = 0, mask = 0;
	long r;

	if (uts && (r = user_timespec_ns(uts, &timeout)))
		return r;
	if (usig && (r = user_sigmask(usig, (uint64_t)a->a[4], &mask)))
		return r;
	if (uts)
		deadline = deadline_after(timeout);
	r = do_poll((uint64_t)a->a[0], (uint64_t)a->a[1], deadline, !!usig, mask);
	put_timespec_left(uts, timeout, deadline);
	return r;
}

/* ---- select, pselect6 ---- */

struct select_req {
	int n;
	uint64_t *uset[3];            /* in, out, except: user's, or NULL */
	uint64_t want[3][FDS_WORDS];  /* what was asked */
	uint64_t got[3][FDS_WORDS];   /* what is ready */
};

static const unsigned select_bits[3] = { SELECT_IN, SELECT_OUT, SELECT_EX };

static int set_words(int n)
{
	return (n + 63) / 64;
}

/* Copies the sets in; a bit for a descriptor that is not open: -EBADF. */
static int select_load(struct select_req *r)
{
	int words = set_words(r->n);

	memset(r->want, 0, sizeof(r->want));
	for (int s = 0; s < 3; s++) {
		if (!r->uset[s])
			continue;
		if (!user_range_ok((uint64_t)r->uset[s], (uint64_t)words * 8))
			return -EFAULT;
		memcpy(r->want[s], r->uset[s], (size_t)words * 8);
		if (r->n % 64)
			r->want[s][words - 1] &= (1ull << (r->n % 64)) - 1;
	}
	for (int fd = 0; fd < r->n; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		if (((r->want[0][fd / 64] | r->want[1][fd / 64] | r->want[2][fd / 64]) & bit) &&
		    !fd_file(fd))
			return -EBADF;
	}
	return 0;
}

static long scan_sets(void *ctx, uint64_t *due)
{
	struct select_req *r = ctx;
	long ready = 0;

	memset(r->got, 0, sizeof(r->got));
	for (int fd = 0; fd < r->n; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		int w = fd / 64;
		struct file *f;
		unsigned mask;

		if (!((r->want[0][w] | r->want[1][w] | r->want[2][w]) & bit))
			continue;
		f = poll_fd_file(fd);
		mask = f ? file_poll(f, due) : POLLNVAL;
		for (int s = 0; s < 3; s++)
			if ((r->want[s][w] & bit) && (mask & select_bits[s])) {
				r->got[s][w] |= bit;
				ready++;
			}
	}
	return ready;
}

static long do_select(struct select_req *r, uint64_t deadline, int has_mask, uint64_t mask)
{
	uint64_t old = 0;
	long n;

	if (r->n < 0)
		return -EINVAL;
	if (r->n > FD_MAX)
		r->n = FD_MAX;
	if ((n = select_load(r)))
		return n;
	if (has_mask)
		old = signal_swap_mask(mask);
	n = ready_wait(scan_sets, r, deadline);
	if (has_mask)
		signal_swap_mask(old);
	if (n < 0)
		return n; /* interrupted: the sets stay as they were */
	for (int s = 0; s < 3; s++)
		if (r->uset[s])
			memcpy(r->uset[s], r->got[s], (size_t)set_words(r->n) * 8);
	return n;
}

static void select_sets(struct select_req *r, const struct syscall_args *a)
{
	r->n = (int)a->a[0];
	for (int s = 0; s < 3; s++)
		r->uset[s] = (uint64_t *)a->a[1 + s];
}

/* select's timeval: usec beyond a second carries over (as Linux). */
static int user_timeval_ns(uint64_t utv, uint64_t *ns)
{
	const struct timeval64 *tv = (const struct timeval64 *)utv;
	int64_t sec, usec;

	if (!user_range_ok(utv, sizeof(*tv)))
		return -EFAULT;
	sec = tv->sec + tv->usec / 1000000;
	usec = tv->usec % 1000000;
	if (sec < 0 || usec < 0)
		return -EINVAL;
	*ns = (uint64_t)sec > UINT64_MAX / NS_PER_SEC - 1 ? UINT64_MAX :
	      (uint64_t)sec * NS_PER_SEC + (uint64_t)usec * 1000;
	return 0;
}

long sys_select(const struct syscall_args *a)
{
	struct select_req req;
	uint64_t utv = (uint64_t)a->a[4], timeout = 0, deadline = 0;
	struct timeval64 *tv = (struct timeval64 *)utv;
	long r;

	if (utv && (r = user_timeval_ns(utv, &timeout)))
		return r;
	if (utv)
		deadline = deadline_after(timeout);
	select_sets(&req, a);
	r = do_select(&req, deadline, 0, 0);
	if (utv && timeout) {
		uint64_t left = time_left(deadline);
		tv->sec = (int64_t)(left / NS_PER_SEC);
		tv->usec = (int64_t)(left % NS_PER_SEC / 1000);
	}
	return r;
}

/* pselect6's sixth argument. */
struct sigset_arg {
	uint64_t set, size;
};

long sys_pselect6(const struct syscall_args *a)
{
	struct select_req req;
	uint64_t uts = (uint64_t)a->a[4], usig = (uint64_t)a->a[5];
	uint64_t timeout = 0, deadline = 0, mask = 0;
	int has_mask = 0;
	long r;

	if (uts && (r = user_timespec_ns(uts, &timeout)))
		return r;
	if (usig) {
		const struct sigset_arg *sa = (const struct sigset_arg *)usig;
		if (!user_range_ok(usig, sizeof(*sa)))
			return -EFAULT;
		if (sa->set && (r = user_sigmask(sa->set, sa->size, &mask)))
			return r;
		has_mask = !!sa->set;
	}
	if (uts)
		deadline = deadline_after(timeout);
	select_sets(&req, a);
	r = do_select(&req, deadline, has_mask, mask);
	put_timespec_left(uts, timeout, deadline);
	return r;
}
