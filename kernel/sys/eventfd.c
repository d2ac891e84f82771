/* eventfd and eventfd2: a 64-bit counter that writes add to and reads take
 * (all of it, or one at a time with EFD_SEMAPHORE). */
#include "../lib.h"
#include "../mm.h"
#include "calls.h"
#include "ready.h"

#define EFD_SEMAPHORE 1
#define COUNT_MAX (UINT64_MAX - 1)

struct eventfd {
	uint64_t count;
	int semaphore;
	struct waitq waiters; /* blocked readers and writers alike */
};

static long efd_read(struct file *f, void *buf, size_t len, uint64_t *off)
{
	struct eventfd *e = f->priv;
	uint64_t v;

	(void)off;
	if (len < sizeof(v))
		return -EINVAL;
	while (!e->count) {
		if (f->flags & O_NONBLOCK_)
			return -EAGAIN;
		if (sched_wait(&e->waiters, 0) == -EINTR)
			return -EINTR;
	}
	v = e->semaphore ? 1 : e->count;
	e->count -= v;
	memcpy(buf, &v, sizeof(v));
	sched_wake(&e->waiters, -1);
	ready_changed(f, POLLOUT);
	return sizeof(v);
}

static long efd_write(struct file *f, const void *buf, size_t len, uint64_t *off)
{
	struct eventfd *e = f->priv;
	uint64_t v;

	(void)off;
	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, buf, sizeof(v));
	if (v == UINT64_MAX)
		return -EINVAL;
	while (COUNT_MAX - e->count < v) {
		if (f->flags & O_NONBLOCK_)
			return -EAGAIN;
		if (sched_wait(&e->waiters, 0) == -EINTR)
			return -EINTR;
	}
	e->count += v;
	sched_wake(&e->waiters, -1);
	ready_changed(f, POLLIN);
	return sizeof(v);
}

/* Linux's bits exactly: no RDNORM/WRNORM here. */
static unsigned efd_poll(struct file *f, uint64_t *due)
{
	struct eventfd *e = f->priv;
	unsigned mask = 0;

	(void)due;
	if (e->count)
		mask |= POLLIN;
	if (e->count < COUNT_MAX)
		mask |= POLLOUT;
	return mask;
}

static void efd_close(struct file *f)
{
	heap_free(f->priv);
}

static const struct file_ops eventfd_ops = {
	.read = efd_read, .write = efd_write, .lseek = anon_lseek,
	.stat = anon_stat, .poll = efd_poll, .close = efd_close,
};

static long make_eventfd(uint32_t initval, long flags)
{
	struct eventfd *e;

	if (flags & ~(long)(EFD_SEMAPHORE | O_CLOEXEC_ | O_NONBLOCK_))
		return -EINVAL;
	if (!(e = heap_alloc(sizeof(*e))))
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	e->count = initval;
	e->semaphore = !!(flags & EFD_SEMAPHORE);
	return anon_install(&eventfd_ops, e, (int)flags, "eventfd");
}

long sys_eventfd(const struct syscall_args *a)
{
	return make_eventfd((uint32_t)a->a[0], 0);
}

long sys_eventfd2(const struct syscall_args *a)
{
	return make_eventfd((uint32_t)a->a[0], a->a[1]);
}
