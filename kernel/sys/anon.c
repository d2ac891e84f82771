/* Anonymous-inode files: what eventfd, timerfd and epoll descriptors share
 * (one nameless inode, mode 0600 without a file type, as Linux shows). */
#include "../lib.h"
#include "../mm.h"
#include "ready.h"

#define ANON_INO 1 /* Linux gives every such file one shared inode too */

int anon_install(const struct file_ops *ops, void *priv, int flags, const char *name)
{
	struct file *f = file_new(ops, 0, VFS_O_RDWR | (flags & O_NONBLOCK_));
	size_t len = strlen(name) + sizeof("anon_inode:[]");
	int fd;

	if (!f) {
		/* The same ending as a failed fd_install: close frees priv. */
		struct file tmp = { .ops = ops, .priv = priv };
		if (ops->close)
			ops->close(&tmp);
		return -ENOMEM;
	}
	f->priv = priv;
	if ((f->path = heap_alloc(len)))
		snprintf(f->path, len, "anon_inode:[%s]", name);
	fd = fd_install(f, 0, !!(flags & O_CLOEXEC_));
	file_put(f);
	return fd;
}

int anon_stat(struct file *f, struct vfs_stat *st)
{
	(void)f;
	memset(st, 0, sizeof(*st));
	st->dev = VFS_MKDEV(0, 14);
	st->ino = ANON_INO;
	st->mode = 0600;
	st->nlink = 1;
	st->blksize = 4096;
	return 0;
}

/* Seeking is accepted and goes nowhere (Linux's noop_llseek). */
long anon_lseek(struct file *f, int64_t off, int whence)
{
	(void)off, (void)whence;
	return (long)f->off;
}
