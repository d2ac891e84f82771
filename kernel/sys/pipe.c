/*
 * pipe and pipe2. A pipe is Linux's ring of page-sized slots (16 by
 * default, F_SETPIPE_SZ changes it), not a byte ring, because that is
 * what decides when a write fits: a write of up to PIPE_BUF bytes goes
 * whole into the tail of the last slot or into a free slot, or not at all,
 * and a partly read slot stays taken until it is empty. Programs (and our
 * tests, compared with the host's) see exactly where "full" is.
 * O_DIRECT makes a packet pipe: each write of up to a page is one slot
 * that a read returns whole or truncated, never merged.
 */
#include "../clock.h"
#include "../lib.h"
#include "../mm.h"
#include "calls.h"
#include "ready.h"
#include "signal.h"

#define PAGE 4096u
#define PIPE_DEF_SLOTS 16
#define PIPE_MAX_SIZE (1u << 20) /* /proc/sys/fs/pipe-max-size */
#define ENOPKG 65
#define O_NOTIFICATION_PIPE 0200 /* O_EXCL */
#define FIONREAD 0x541b

struct slot {
	uint32_t off, len; /* the data in the slot's page */
	int packet;        /* written by a packet writer: never merged into */
};

struct pipe {
	struct slot *slots;
	char *pages;                /* nslots pages, from the first write */
	uint32_t nslots;            /* a power of two */
	uint32_t head, tail;        /* slots [tail, head) hold data */
	struct file *rend, *wend;   /* the two ends; NULL once closed */
	uint64_t ino;
	int64_t atime_ns, mtime_ns, ctime_ns;
	struct waitq readers, writers; /* blocked in read / in write */
};

static const struct file_ops pipe_ops;
static uint64_t next_ino = 0x1000;

static uint32_t used(const struct pipe *p)
{
	return p->head - p->tail;
}

static int full(const struct pipe *p)
{
	return used(p) >= p->nslots;
}

static struct slot *slot_at(struct pipe *p, uint32_t i)
{
	return &p->slots[i & (p->nslots - 1)];
}

static char *page_at(struct pipe *p, uint32_t i)
{
	return p->pages + (size_t)(i & (p->nslots - 1)) * PAGE;
}

static uint32_t bytes_held(struct pipe *p)
{
	uint32_t n = 0;

	for (uint32_t i = p->tail; i != p->head; i++)
		n += slot_at(p, i)->len;
	return n;
}

/* ---- reading ---- */

/* Copies out of the oldest slots; a packet ends the read. */
static size_t take(struct pipe *p, char *buf, size_t len)
{
	size_t done = 0;

	while (done < len && used(p)) {
		struct slot *s = slot_at(p, p->tail);
		size_t n = s->len < len - done ? s->len : len - done;

		memcpy(buf + done, page_at(p, p->tail) + s->off, n);
		done += n;
		s->off += (uint32_t)n;
		s->len -= (uint32_t)n;
		if (s->packet) {
			s->len = 0; /* the rest of a packet is dropped */
			len = done;
		}
		if (!s->len)
			p->tail++;
	}
	return done;
}

static long pipe_read(struct file *f, void *buf, size_t len, uint64_t *off)
{
	struct pipe *p = f->priv;
	int was_full;
	size_t n;

	(void)off;
	if (!len)
		return 0;
	while (!used(p)) {
		if (!p->wend)
			return 0; /* end of file */
		if (f->flags & O_NONBLOCK_)
			return -EAGAIN;
		if (sched_wait(&p->readers, 0) == -EINTR)
			return -EINTR;
	}
	was_full = full(p);
	n = take(p, buf, len);
	p->atime_ns = (int64_t)clock_realtime_ns();
	sched_wake(&p->writers, -1);
	if (was_full && p->wend)
		ready_changed(p->wend, POLLOUT | POLLWRNORM);
	return (long)n;
}

/* ---- writing ---- */

/* Linux first puts the len % PAGE odd bytes after the data of the last
 * slot when they fit there; the rest goes in whole pages. */
static size_t merge_tail(struct pipe *p, const char *buf, size_t len)
{
	size_t odd = len & (PAGE - 1);
	struct slot *s;
	uint32_t end;

	if (!odd || !used(p))
		return 0;
	s = slot_at(p, p->head - 1);
	end = s->off + s->len;
	if (s->packet || end + odd > PAGE)
		return 0;
	memcpy(page_at(p, p->head - 1) + end, buf, odd);
	s->len += (uint32_t)odd;
	return odd;
}

/* Fills the next free slot from its page's start. */
static size_t fill_slot(struct pipe *p, const char *buf, size_t len, int packet)
{
	struct slot *s = slot_at(p, p->head);
	size_t n = len < PAGE ? len : PAGE;

	memcpy(page_at(p, p->head), buf, n);
	s->off = 0;
	s->len = (uint32_t)n;
	s->packet = packet;
	p->head++;
	return n;
}

static void wrote(struct pipe *p)
{
	p->mtime_ns = p->ctime_ns = (int64_t)clock_realtime_ns();
	sched_wake(&p->readers, -1);
	if (p->rend)
		ready_changed(p->rend, POLLIN | POLLRDNORM);
}

static long broken_pipe(size_t done)
{
	signal_raise(SIGPIPE);
	return done ? (long)done : -EPIPE;
}

static long pipe_write(struct file *f, const void *ubuf, size_t len, uint64_t *off)
{
	struct pipe *p = f->priv;
	const char *buf = ubuf;
	size_t done;

	(void)off;
	if (!len)
		return 0;
	if (!p->rend)
		return broken_pipe(0);
	if (!p->pages && !(p->pages = heap_alloc((size_t)p->nslots * PAGE)))
		return -ENOMEM;
	done = merge_tail(p, buf, len);
	while (done < len) {
		if (!p->rend) {
			if (done)
				wrote(p);
			return broken_pipe(done);
		}
		if (!full(p)) {
			done += fill_slot(p, buf + done, len - done, !!(f->flags & O_DIRECT_));
			continue;
		}
		if (f->flags & O_NONBLOCK_)
			break;
		if (done)
			wrote(p); /* so that a reader can make room */
		if (sched_wait(&p->writers, 0) == -EINTR)
			return done ? (long)done : -EINTR;
	}
	if (!done)
		return -EAGAIN;
	wrote(p);
	return (long)done;
}

/* ---- the rest of the file ops ---- */

static long pipe_ioctl(struct file *f, unsigned long cmd, uint64_t arg)
{
	if (cmd != FIONREAD)
		return -ENOTTY;
	if (!user_range_ok(arg, 4))
		return -EFAULT;
	*(int *)arg = (int)bytes_held(f->priv);
	return 0;
}

static int pipe_stat(struct file *f, struct vfs_stat *st)
{
	struct pipe *p = f->priv;

	memset(st, 0, sizeof(*st));
	st->dev = VFS_MKDEV(0, 13);
	st->ino = p->ino;
	st->mode = VFS_IFIFO | 0600;
	st->nlink = 1;
	st->blksize = PAGE;
	st->atime_ns = p->atime_ns;
	st->mtime_ns = p->mtime_ns;
	st->ctime_ns = p->ctime_ns;
	return 0;
}

static unsigned pipe_poll(struct file *f, uint64_t *due)
{
	struct pipe *p = f->priv;
	unsigned mask = 0;

	(void)due;
	if (f == p->rend) {
		if (used(p))
			mask |= POLLIN | POLLRDNORM;
		if (!p->wend)
			mask |= POLLHUP;
	}
	if (f == p->wend) {
		if (!full(p))
			mask |= POLLOUT | POLLWRNORM;
		if (!p->rend)
			mask |= POLLERR;
	}
	return mask;
}

static void pipe_free(struct pipe *p)
{
	heap_free(p->pages);
	heap_free(p->slots);
	heap_free(p);
}

/* The last reference to one end: the other end sees end of file (reads)
 * or EPIPE (writes). */
static void pipe_close(struct file *f)
{
	struct pipe *p = f->priv;

	if (f == p->rend) {
		p->rend = 0;
		sched_wake(&p->writers, -1);
		if (p->wend)
			ready_changed(p->wend, 0);
	} else if (f == p->wend) {
		p->wend = 0;
		sched_wake(&p->readers, -1);
		if (p->rend)
			ready_changed(p->rend, 0);
	}
	if (!p->rend && !p->wend)
		pipe_free(p);
}

static const struct file_ops pipe_ops = {
	.read = pipe_read, .write = pipe_write, .ioctl = pipe_ioctl,
	.stat = pipe_stat, .poll = pipe_poll, .close = pipe_close,
};

/* ---- F_GETPIPE_SZ, F_SETPIPE_SZ ---- */

/* Linux's round_pipe_size: a power of two of pages, 0 when too big. */
static uint64_t round_size(uint32_t size)
{
	uint64_t r = PAGE;

	if (size > (1u << 31))
		return 0;
	while (r < size)
		r <<= 1;
	return r;
}

/* Moves the data into a ring of nslots slots, oldest first. */
static int resize(struct pipe *p, uint32_t nslots)
{
	uint32_t n = used(p);
	struct slot *slots;
	char *pages = 0;

	if (nslots < n)
		return -EBUSY;
	if (!(slots = heap_alloc(nslots * sizeof(*slots))))
		return -ENOMEM;
	if (p->pages && !(pages = heap_alloc((size_t)nslots * PAGE))) {
		heap_free(slots);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		slots[i] = *slot_at(p, p->tail + i);
		memcpy(pages + (size_t)i * PAGE, page_at(p, p->tail + i), PAGE);
	}
	heap_free(p->slots);
	heap_free(p->pages);
	p->slots = slots;
	p->pages = pages;
	p->nslots = nslots;
	p->tail = 0;
	p->head = n;
	return 0;
}

/* Root may pass /proc/sys/fs/pipe-max-size (CAP_SYS_RESOURCE). */
static int privileged(void)
{
	struct syscall_args none = { .nr = 102 };

	return sys_getuid(&none) == 0;
}

static long set_size(struct pipe *p, uint32_t arg)
{
	uint64_t size = round_size(arg);
	int r;

	if (!size)
		return -EINVAL;
	if (size / PAGE > p->nslots && size > PIPE_MAX_SIZE && !privileged())
		return -EPERM;
	if (size / PAGE != p->nslots && (r = resize(p, (uint32_t)(size / PAGE))))
		return r;
	sched_wake(&p->writers, -1);
	if (p->wend)
		ready_changed(p->wend, POLLOUT | POLLWRNORM);
	return (long)size;
}

long pipe_fcntl(struct file *f, unsigned cmd, uint64_t arg)
{
	if (f->ops != &pipe_ops)
		return -EBADF;
	if (cmd == F_GETPIPE_SZ)
		return (long)((struct pipe *)f->priv)->nslots * PAGE;
	return set_size(f->priv, (uint32_t)arg);
}

/* ---- pipe, pipe2 ---- */

static char *pipe_name(uint64_t ino)
{
	char *s = heap_alloc(32);

	if (s)
		snprintf(s, 32, "pipe:[%lu]", (unsigned long)ino);
	return s;
}

static struct pipe *pipe_new(void)
{
	struct pipe *p = heap_alloc(sizeof(*p));

	if (!p)
		return 0;
	memset(p, 0, sizeof(*p));
	p->nslots = PIPE_DEF_SLOTS;
	if (!(p->slots = heap_alloc(p->nslots * sizeof(*p->slots)))) {
		heap_free(p);
		return 0;
	}
	p->ino = next_ino++;
	p->atime_ns = p->mtime_ns = p->ctime_ns = (int64_t)clock_realtime_ns();
	return p;
}

/* The two ends as descriptions (each holding one reference), or -ENOMEM. */
static int pipe_files(long flags, struct file **rf, struct file **wf)
{
	struct pipe *p = pipe_new();

	if (!p)
		return -ENOMEM;
	*rf = file_new(&pipe_ops, 0, VFS_O_RDONLY | (int)(flags & O_NONBLOCK_));
	*wf = file_new(&pipe_ops, 0, VFS_O_WRONLY | (int)(flags & (O_NONBLOCK_ | O_DIRECT_)));
	if (!*rf || !*wf) {
		heap_free(*rf);
		heap_free(*wf);
		pipe_free(p);
		return -ENOMEM;
	}
	p->rend = *rf;
	p->wend = *wf;
	(*rf)->priv = (*wf)->priv = p;
	(*rf)->path = pipe_name(p->ino);
	(*wf)->path = pipe_name(p->ino);
	return 0;
}

static long make_pipe(uint64_t ufds, long flags)
{
	struct file *rf, *wf;
	int cloexec = !!(flags & O_CLOEXEC_), fds[2], r;

	if (flags & O_NOTIFICATION_PIPE)
		return -ENOPKG; /* as a kernel without watch queues */
	if (flags & ~(long)(O_CLOEXEC_ | O_NONBLOCK_ | O_DIRECT_))
		return -EINVAL;
	if (!user_range_ok(ufds, sizeof(fds)))
		return -EFAULT;
	if ((r = pipe_files(flags, &rf, &wf)))
		return r;
	fds[0] = fd_install(rf, 0, cloexec);
	fds[1] = fds[0] < 0 ? -EMFILE : fd_install(wf, 0, cloexec);
	file_put(rf);
	file_put(wf);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(fds[0]);
		return -EMFILE;
	}
	memcpy((void *)ufds, fds, sizeof(fds));
	return 0;
}

long sys_pipe(const struct syscall_args *a)
{
	return make_pipe((uint64_t)a->a[0], 0);
}

long sys_pipe2(const struct syscall_args *a)
{
	return make_pipe((uint64_t)a->a[0], a->a[1]);
}
