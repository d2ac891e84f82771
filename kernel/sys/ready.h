/*
 * Readiness: what pipes, eventfds, timerfds and epoll share with poll,
 * select and epoll_wait.
 *
 * Waiting follows kernel/sched/sched.h: check, then sched_wait. Every
 * poller (poll, select, epoll_wait) sleeps on the one queue ready_waiters
 * and rescans its files when woken, so a file only has to call
 * ready_changed when its mask may have changed. Blocking reads and writes
 * sleep on the object's own queues instead.
 */
#ifndef KERNEL_SYS_READY_H
#define KERNEL_SYS_READY_H

#include <stdint.h>
#include "../sched/sched.h"
#include "fd.h"

#define EPIPE 32

/* Pollers of every kind (epoll.c). */
extern struct waitq ready_waiters;

/*
 * f's mask may have gained some of key's bits (0: any): marks the epoll
 * items watching f (what edge-triggered items report) and wakes every
 * poller. Linux's wake-up "key" has the same role. (epoll.c)
 */
void ready_changed(struct file *f, unsigned key);
/* f's last reference is going: it leaves every interest list. (epoll.c) */
void ready_file_gone(struct file *f);

/* f's mask now, POLL_ALWAYS for a file without a poll op. (poll.c) */
unsigned file_poll(struct file *f, uint64_t *due);
/* The description of fd as poll and epoll see it: NULL when fd is closed
 * or an O_PATH descriptor (Linux's fdget skips those). (poll.c) */
struct file *poll_fd_file(long fd);

/*
 * Runs scan until it reports something (its result when not 0), the
 * deadline passes (monotonic ns; 0: no deadline; one already past: scan
 * once) or a signal interrupts (-EINTR). scan lowers *due to when a timer
 * among its files changes by itself, and the wait ends then too, for a
 * rescan. (poll.c)
 */
long ready_wait(long (*scan)(void *ctx, uint64_t *due), void *ctx, uint64_t deadline);

/* The earlier of two deadlines, where 0 means none. */
static inline uint64_t deadline_min(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	return !b || a < b ? a : b;
}

/* A user struct timespec as ns: 0, -EFAULT or -EINVAL. (poll.c) */
int user_timespec_ns(uint64_t uts, uint64_t *ns);
/* The deadline for a relative timeout of ns from now (never 0). (poll.c) */
uint64_t deadline_after(uint64_t ns);
/* A user sigset_t of size bytes: 0, -EINVAL (size) or -EFAULT. (poll.c) */
int user_sigmask(uint64_t uset, uint64_t size, uint64_t *mask);

/*
 * Files with no name in any filesystem (Linux's anonymous inode): eventfd,
 * timerfd, epoll. (anon.c)
 * anon_install makes one for ops and priv, flags taking O_NONBLOCK and
 * O_CLOEXEC, shown as "anon_inode:[name]": the fd, or -errno (ops->close
 * has then freed priv).
 */
int anon_install(const struct file_ops *ops, void *priv, int flags, const char *name);
int anon_stat(struct file *f, struct vfs_stat *st);
long anon_lseek(struct file *f, int64_t off, int whence);

/* F_GETPIPE_SZ and F_SETPIPE_SZ on f: the size, or -EBADF when f is not
 * a pipe. (pipe.c) */
long pipe_fcntl(struct file *f, unsigned cmd, uint64_t arg);

#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032

#endif
