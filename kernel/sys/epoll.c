/*
 * epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait,
 * epoll_pwait2, and the readiness notifications every file sends
 * (ready_changed), which is what makes edge-triggered items work.
 *
 * An item is (epoll, file, fd), as in Linux: it sits on its epoll's
 * interest list, kept in report order (a reported item moves to the back,
 * so that maxevents smaller than the ready set still reaches every item),
 * and on its file's watchers list, which ready_changed walks and which the
 * file's last close empties.
 *
 * Level-triggered items report whenever their file is ready. An
 * edge-triggered item reports only while "pending": set when it is added
 * or modified and when its file announces a change carrying one of its
 * bits, cleared when reported or found not ready (Linux's ready list).
 */
#include "../lib.h"
#include "../mm.h"
#include "calls.h"
#include "ready.h"
#include "signal.h"

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define EP_PRIVATE (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EXCLUSIVE_OK (POLLIN | POLLOUT | POLLERR | POLLHUP | EPOLLWAKEUP | EPOLLET | \
		      EPOLLEXCLUSIVE)
#define EP_MAX_NESTS 4
#define EP_MAX_EVENTS (INT32_MAX / 12)

struct epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

struct epoll;

struct epitem {
	struct epoll *ep;
	struct file *file; /* not referenced: its last close removes us */
	int fd;
	uint32_t events;   /* with POLLERR | POLLHUP, and EP_PRIVATE bits */
	uint64_t data;
	int pending;
	struct epitem *prev, *next; /* the epoll's interest list */
	struct epitem *wnext;       /* the file's watchers */
};

struct epoll {
	struct file *file;
	struct epitem *first, *last;
};

struct waitq ready_waiters;
static const struct file_ops epoll_ops;

static int is_epoll(const struct file *f)
{
	return f->ops == &epoll_ops;
}

/* ---- notifications ---- */

/* An epoll holding a marked item has news too, for epolls holding it. */
static void mark(struct file *f, unsigned key, int depth)
{
	if (depth > EP_MAX_NESTS)
		return;
	for (struct epitem *it = f->watchers; it; it = it->wnext) {
		if (key && !(key & it->events))
			continue;
		it->pending = 1;
		if (it->ep->file->watchers)
			mark(it->ep->file, POLLIN | POLLRDNORM, depth + 1);
	}
}

void ready_changed(struct file *f, unsigned key)
{
	if (f->watchers)
		mark(f, key, 0);
	sched_wake(&ready_waiters, -1);
}

/* ---- the two lists ---- */

static void list_append(struct epoll *ep, struct epitem *it)
{
	it->next = 0;
	it->prev = ep->last;
	if (ep->last)
		ep->last->next = it;
	else
		ep->first = it;
	ep->last = it;
}

static void list_unlink(struct epoll *ep, struct epitem *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		ep->first = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		ep->last = it->prev;
}

static void watchers_unlink(struct epitem *it)
{
	struct epitem **pp = (struct epitem **)&it->file->watchers;

	while (*pp != it)
		pp = &(*pp)->wnext;
	*pp = it->wnext;
}

static struct epitem *find(struct epoll *ep, struct file *f, int fd)
{
	for (struct epitem *it = f->watchers; it; it = it->wnext)
		if (it->ep == ep && it->fd == fd)
			return it;
	return 0;
}

void ready_file_gone(struct file *f)
{
	struct epitem *it;

	while ((it = f->watchers)) {
		f->watchers = it->wnext;
		list_unlink(it->ep, it);
		heap_free(it);
	}
}

/* ---- readiness of an item, of an epoll ---- */

/* What the item would report now (0: nothing). */
static unsigned item_mask(struct epitem *it, uint64_t *due)
{
	unsigned m;

	if (!(it->events & ~EP_PRIVATE))
		return 0; /* a one-shot item that fired: off until MOD */
	m = file_poll(it->file, due) & it->events;
	if (!(it->events & EPOLLET))
		return m;
	if (!m)
		it->pending = 0;
	return it->pending ? m : 0;
}

static unsigned epoll_poll(struct file *f, uint64_t *due)
{
	struct epoll *ep = f->priv;

	for (struct epitem *it = ep->first; it; it = it->next)
		if (item_mask(it, due))
			return POLLIN | POLLRDNORM;
	return 0;
}

static void epoll_close(struct file *f)
{
	struct epoll *ep = f->priv;
	struct epitem *it;

	while ((it = ep->first)) {
		ep->first = it->next;
		watchers_unlink(it);
		heap_free(it);
	}
	heap_free(ep);
}

static const struct file_ops epoll_ops = {
	.lseek = anon_lseek, .stat = anon_stat, .poll = epoll_poll, .close = epoll_close,
};

/* ---- epoll_create, epoll_create1 ---- */

static long make_epoll(long flags)
{
	struct epoll *ep;
	int fd;

	if (flags & ~(long)O_CLOEXEC_)
		return -EINVAL;
	if (!(ep = heap_alloc(sizeof(*ep))))
		return -ENOMEM;
	memset(ep, 0, sizeof(*ep));
	fd = anon_install(&epoll_ops, ep, (int)flags, "eventpoll");
	if (fd >= 0)
		ep->file = fd_file(fd);
	return fd;
}

long sys_epoll_create(const struct syscall_args *a)
{
	if ((int)a->a[0] <= 0)
		return -EINVAL;
	return make_epoll(0);
}

long sys_epoll_create1(const struct syscall_args *a)
{
	return make_epoll(a->a[0]);
}

/* ---- epoll_ctl ---- */

/* Linux refuses files without a poll method: regular files, directories
 * and the memory devices (/dev/null, zero, full). */
static int can_watch(struct file *f)
{
	struct vfs_stat st;

	if (f->ops != &vnode_file_ops)
		return 1;
	if (vfs_getattr(f->vn, &st))
		return 0;
	if (VFS_ISREG(st.mode) || VFS_ISDIR(st.mode))
		return 0;
	return !(st.rdev == VFS_MKDEV(1, 3) || st.rdev == VFS_MKDEV(1, 5) ||
		 st.rdev == VFS_MKDEV(1, 7));
}

/* The longest chain of epolls inside ep, or -1 when target is one. */
static int depth_below(struct epoll *ep, const struct epoll *target, int level)
{
	int max = 0;

	for (struct epitem *it = ep->first; it && level <= EP_MAX_NESTS; it = it->next) {
		struct epoll *inner;
		int d;
		if (!is_epoll(it->file))
			continue;
		inner = it->file->priv;
		if (inner == target || (d = depth_below(inner, target, level + 1)) < 0)
			return -1;
		if (d + 1 > max)
			max = d + 1;
	}
	return max;
}

/* The longest chain of epolls that hold ep. */
static int depth_above(struct epoll *ep, int level)
{
	int max = 0;

	for (struct epitem *it = ep->file->watchers; it && level <= EP_MAX_NESTS; it = it->wnext) {
		int d = depth_above(it->ep, level + 1) + 1;
		if (d > max)
			max = d;
	}
	return max;
}

/* Putting inner into ep: no cycle, at most EP_MAX_NESTS levels. */
static int loop_check(struct epoll *ep, struct epoll *inner)
{
	int below = depth_below(inner, ep, 0);

	if (below < 0 || below + 1 + depth_above(ep, 0) > EP_MAX_NESTS)
		return -ELOOP;
	return 0;
}

static void set_event(struct epoll *ep, struct epitem *it, const struct epoll_event *ev)
{
	it->events = ev->events | POLLERR | POLLHUP;
	it->data = ev->data;
	it->pending = 1;
	if (file_poll(it->file, 0) & it->events)
		ready_changed(ep->file, POLLIN | POLLRDNORM);
}

static int add(struct epoll *ep, struct file *f, int fd, const struct epoll_event *ev)
{
	struct epitem *it = heap_alloc(sizeof(*it));

	if (!it)
		return -ENOMEM;
	memset(it, 0, sizeof(*it));
	it->ep = ep;
	it->file = f;
	it->fd = fd;
	list_append(ep, it);
	it->wnext = f->watchers;
	f->watchers = it;
	set_event(ep, it, ev);
	return 0;
}

static void del(struct epoll *ep, struct epitem *it)
{
	list_unlink(ep, it);
	watchers_unlink(it);
	heap_free(it);
}

/* Linux's argument checks, in Linux's order. */
static int ctl_check(struct file *epf, struct file *tf, long op, uint32_t events)
{
	if (!can_watch(tf))
		return -EPERM;
	if (epf == tf || !is_epoll(epf))
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			return -EINVAL;
		if (op == EPOLL_CTL_ADD && (is_epoll(tf) || (events & ~EXCLUSIVE_OK)))
			return -EINVAL;
	}
	if (op == EPOLL_CTL_ADD && is_epoll(tf))
		return loop_check(epf->priv, tf->priv);
	return 0;
}

long sys_epoll_ctl(const struct syscall_args *a)
{
	long op = a->a[1];
	int fd = (int)a->a[2];
	uint64_t uev = (uint64_t)a->a[3];
	struct epoll_event ev = { 0, 0 };
	struct file *epf, *tf;
	struct epitem *it;
	int r;

	if (op != EPOLL_CTL_DEL) {
		if (!user_range_ok(uev, sizeof(ev)))
			return -EFAULT;
		memcpy(&ev, (const void *)uev, sizeof(ev));
	}
	if (!(epf = poll_fd_file(a->a[0])) || !(tf = poll_fd_file(fd)))
		return -EBADF;
	if ((r = ctl_check(epf, tf, op, ev.events)))
		return r;
	it = find(epf->priv, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		return it ? -EEXIST : add(epf->priv, tf, fd, &ev);
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		del(epf->priv, it);
		return 0;
	case EPOLL_CTL_MOD:
		if (!it)
			return -ENOENT;
		if (it->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		set_event(epf->priv, it, &ev);
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- epoll_wait, epoll_pwait, epoll_pwait2 ---- */

struct wait_req {
	struct epoll *ep;
	struct epoll_event *out;
	int max;
};

/* Fills out with what is ready; the reported items go to the back. */
static long scan_items(void *ctx, uint64_t *due)
{
	struct wait_req *r = ctx;
	struct epitem *it = r->ep->first, *next, *done = 0, *done_last = 0;
	int n = 0;

	for (; it && n < r->max; it = next) {
		unsigned m = item_mask(it, due);
		next = it->next;
		if (!m)
			continue;
		r->out[n].events = m;
		r->out[n].data = it->data;
		n++;
		it->pending = 0;
		if (it->events & EPOLLONESHOT)
			it->events &= EP_PRIVATE;
		list_unlink(r->ep, it);
		it->next = 0;
		if (done_last)
			done_last->next = it;
		else
			done = it;
		done_last = it;
	}
	while ((it = done)) {
		done = it->next;
		list_append(r->ep, it);
	}
	return n;
}

static long do_wait(long epfd, uint64_t uevents, long max, uint64_t deadline,
		    int has_mask, uint64_t mask)
{
	struct wait_req req;
	struct file *f;
	uint64_t old = 0;
	long r;

	if (max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	if (!user_range_ok(uevents, (uint64_t)max * sizeof(struct epoll_event)))
		return -EFAULT;
	if (!(f = poll_fd_file(epfd)))
		return -EBADF;
	if (!is_epoll(f))
		return -EINVAL;
	req = (struct wait_req){ f->priv, (struct epoll_event *)uevents, (int)max };
	file_get(f); /* a close elsewhere while we sleep must not free it */
	if (has_mask)
		old = signal_swap_mask(mask);
	r = ready_wait(scan_items, &req, deadline);
	if (has_mask)
		signal_swap_mask(old);
	file_put(f);
	return r;
}

static uint64_t deadline_ms(int ms)
{
	return ms < 0 ? 0 : deadline_after((uint64_t)ms * 1000000);
}

long sys_epoll_wait(const struct syscall_args *a)
{
	return do_wait(a->a[0], (uint64_t)a->a[1], (int)a->a[2], deadline_ms((int)a->a[3]), 0, 0);
}

long sys_epoll_pwait(const struct syscall_args *a)
{
	uint64_t usig = (uint64_t)a->a[4], mask = 0;
	int r;

	if (usig && (r = user_sigmask(usig, (uint64_t)a->a[5], &mask)))
		return r;
	return do_wait(a->a[0], (uint64_t)a->a[1], (int)a->a[2], deadline_ms((int)a->a[3]),
		       !!usig, mask);
}

long sys_epoll_pwait2(const struct syscall_args *a)
{
	uint64_t uts = (uint64_t)a->a[3], usig = (uint64_t)a->a[4], mask = 0, ns = 0;
	int r;

	if (uts && (r = user_timespec_ns(uts, &ns)))
		return r;
	if (usig && (r = user_sigmask(usig, (uint64_t)a->a[5], &mask)))
		return r;
	return do_wait(a->a[0], (uint64_t)a->a[1], (int)a->a[2], uts ? deadline_after(ns) : 0,
		       !!usig, mask);
}
