/*
 * Open file descriptions and the file-descriptor table. A description
 * (struct file) carries the offset, the status flags and a reference count
 * shared by dup; each descriptor slot adds its own close-on-exec flag. What
 * a description does comes from its ops, so that pipes and sockets can join
 * later: vnode files (kernel/fs) and the console are the two kinds today.
 */
#ifndef KERNEL_SYS_FD_H
#define KERNEL_SYS_FD_H

#include <stddef.h>
#include <stdint.h>
#include "../fs/vfs.h"

#define FD_MAX 1024 /* RLIMIT_NOFILE (prlimit64 says so) */

/* Linux open flags beyond those vfs.h names. */
#define O_APPEND_ 02000
#define O_NONBLOCK_ 04000
#define O_CLOEXEC_ 02000000
#define O_TMPFILE_ 020000000
#define O_LARGEFILE_ 0100000
#define O_DSYNC_ 010000
#define O_DIRECT_ 040000
#define O_NOATIME_ 01000000
#define FILE_SETFL_MASK (O_APPEND_ | O_NONBLOCK_ | O_DIRECT_ | O_NOATIME_)

#define ENOTTY 25
#define EAGAIN 11
#define EMFILE 24

/* The poll op's mask: Linux's bits (poll.h and epoll.h share them). */
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLRDHUP 0x2000
/* What a file that never blocks says (Linux's DEFAULT_POLLMASK). */
#define POLL_ALWAYS (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

struct file;

/* off is the description's offset, or pread's own. Any may be NULL. */
struct file_ops {
	long (*read)(struct file *f, void *buf, size_t len, uint64_t *off);
	long (*write)(struct file *f, const void *buf, size_t len, uint64_t *off);
	long (*lseek)(struct file *f, int64_t off, int whence);
	long (*ioctl)(struct file *f, unsigned long cmd, uint64_t arg);
	int (*stat)(struct file *f, struct vfs_stat *st);
	/* The Linux poll mask now. A file whose mask changes by itself at a
	 * known time (a timer) lowers *due to it (monotonic ns; 0 = none
	 * yet), so that pollers wait until then; due may be NULL. */
	unsigned (*poll)(struct file *f, uint64_t *due);
	void (*close)(struct file *f);
};

struct file {
	const struct file_ops *ops;
	struct vnode *vn;   /* referenced, or NULL */
	uint64_t off;
	int flags;          /* access mode and status flags (O_*) */
	int refs;
	char *path;         /* what /proc/self/fd shows (heap) or NULL */
	void *priv;
	void *watchers;     /* epoll items watching this file (epoll.c) */
};

extern const struct file_ops vnode_file_ops;
extern struct file console_file, console_err_file;

/* The description of fd, not referenced; NULL for a closed or bad fd. */
struct file *fd_file(long fd);
int fd_cloexec(int fd);
void fd_set_cloexec(int fd, int on);
/* Lowest free fd >= min for f (takes a reference): fd or -EMFILE. */
int fd_install(struct file *f, int min, int cloexec);
/* Puts f at fd, closing what was there. */
void fd_install_at(struct file *f, int fd, int cloexec);
int fd_close(int fd);
int fd_next_open(int from); /* first open fd >= from, or -1 */

struct file *file_new(const struct file_ops *ops, struct vnode *vn, int flags);
struct file *file_get(struct file *f);
void file_put(struct file *f);
const char *file_path(struct file *f); /* never NULL */

/* Working directory (referenced by the caller on return), umask. */
struct vnode *cwd_get(void);
void cwd_set(struct vnode *vn); /* takes the reference */
extern uint32_t cur_umask;

/* Path from user memory into a static buffer (0 or 1): 0 or -errno. */
int user_path(const char *u, int which, const char **out);
/* The start directory for a *at() call on path: referenced, or -errno. */
int at_dir(long dirfd, const char *path, struct vnode **out);

void console_fill_stat(struct vfs_stat *st);

#endif
