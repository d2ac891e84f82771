/*
 * signalfd and signalfd4: the calling thread's (and the process's)
 * pending signals in a set, read as struct signalfd_siginfo instead of
 * running handlers. The set is normally blocked, so a send wakes readers
 * and pollers through signalfd_notify rather than by interrupting them.
 */
#include "../lib.h"
#include "../mm.h"
#include "../sched/thread.h"
#include "calls.h"
#include "ready.h"
#include "signal.h"

#define EINVAL 22
#define SFD_FLAGS (O_NONBLOCK_ | O_CLOEXEC_)

struct sfd {
	uint64_t mask;
	struct file *file;
	struct sfd *next;
};

struct signalfd_siginfo {
	uint32_t signo;
	int32_t errno_, code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, int_;
	uint64_t ptr, utime, stime, addr;
	uint16_t addr_lsb;
	uint8_t pad[46];
};

_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo");

static struct sfd *all;
static struct waitq readers;

void signalfd_notify(void)
{
	for (struct sfd *s = all; s; s = s->next)
		ready_changed(s->file, POLLIN);
	sched_wake(&readers, -1);
}

static void fill(struct signalfd_siginfo *o, int sig, const struct ksiginfo *ki)
{
	memset(o, 0, sizeof(*o));
	o->signo = (uint32_t)sig;
	o->code = ki->code;
	o->errno_ = ki->errno_;
	o->pid = (uint32_t)ki->pid;
	o->tid = (uint32_t)ki->timerid;
	o->overrun = (uint32_t)ki->overrun;
	o->trapno = (uint32_t)ki->trapno;
	o->ptr = ki->addr;
	o->int_ = (int32_t)ki->addr;
	if (ki->code > 0)
		o->addr = ki->addr;
}

static long sfd_read(struct file *f, void *buf, size_t len, uint64_t *off)
{
	struct sfd *s = f->priv;
	struct signalfd_siginfo *out = buf;
	struct ksiginfo ki;
	size_t n = 0;
	int sig;

	(void)off;
	if (len < sizeof(*out))
		return -EINVAL;
	while (!(signal_pending_mask() & s->mask)) {
		if (f->flags & O_NONBLOCK_)
			return -EAGAIN;
		if (sched_wait(&readers, 0) == -EINTR)
			return -EINTR;
	}
	while (n < len / sizeof(*out) && (sig = signal_dequeue(s->mask, &ki)))
		fill(&out[n++], sig, &ki);
	return (long)(n * sizeof(*out));
}

static unsigned sfd_poll(struct file *f, uint64_t *due)
{
	struct sfd *s = f->priv;

	(void)due;
	return (signal_pending_mask() & s->mask) ? POLLIN | POLLRDNORM : 0;
}

static void sfd_close(struct file *f)
{
	struct sfd *s = f->priv, **p;

	for (p = &all; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	heap_free(s);
}

static const struct file_ops signalfd_ops = {
	.read = sfd_read, .lseek = anon_lseek, .stat = anon_stat,
	.poll = sfd_poll, .close = sfd_close,
};

static long do_signalfd(long fd, uint64_t umask, uint64_t size, long flags)
{
	uint64_t mask;
	struct sfd *s;
	struct file *f;
	int r;

	if (size != 8 || (flags & ~SFD_FLAGS))
		return -EINVAL;
	if (!user_range_ok(umask, 8))
		return -EFAULT;
	mask = *(const uint64_t *)umask & ~SIG_UNBLOCKABLE;
	if ((int)fd != -1) { /* an int: glibc leaves the upper half 0 */
		f = fd_file((int)fd);
		if (!f)
			return -EBADF;
		if (f->ops != &signalfd_ops)
			return -EINVAL;
		((struct sfd *)f->priv)->mask = mask;
		ready_changed(f, POLLIN);
		return (int)fd;
	}
	s = kcalloc(1, sizeof(*s));
	s->mask = mask;
	r = anon_install(&signalfd_ops, s, (int)flags, "signalfd");
	if (r < 0)
		return r;
	s->file = fd_file(r);
	s->next = all;
	all = s;
	return r;
}

long sys_signalfd(const struct syscall_args *a)
{
	return do_signalfd(a->a[0], (uint64_t)a->a[1], (uint64_t)a->a[2], 0);
}

long sys_signalfd4(const struct syscall_args *a)
{
	return do_signalfd(a->a[0], (uint64_t)a->a[1], (uint64_t)a->a[2], a->a[3]);
}
