/* stat, fstat, lstat, newfstatat, statx, statfs, fstatfs: Linux's x86_64
 * layouts. */
#include "../lib.h"
#include "calls.h"
#include "fd.h"
#include "namei.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define AT_STATX_SYNC_TYPE 0x6000

struct linux_stat { /* 144 bytes */
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	int64_t reserved[3];
};

struct statx_ts {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};

struct linux_statx { /* 256 bytes */
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint32_t dio_mem_align, dio_offset_align;
	uint64_t spare[12];
};

_Static_assert(sizeof(struct linux_stat) == 144, "struct stat");
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx");

/* The attributes of dirfd/upath (or of a file without a node). */
static int get_stat(long dirfd, const char *upath, int follow, int empty_ok,
		    struct vfs_stat *st)
{
	struct vnode *vn;
	struct file *f;
	int r = lookup_at(dirfd, upath, follow, empty_ok, &vn, &f);

	if (r)
		return r;
	if (!vn)
		return f->ops->stat ? f->ops->stat(f, st) : -EINVAL;
	r = vfs_getattr(vn, st);
	vfs_put(vn);
	return r;
}

static int fd_stat(long fd, struct vfs_stat *st)
{
	struct file *f = fd_file(fd);

	if (!f)
		return -EBADF;
	if (!f->ops->stat)
		return -EINVAL;
	return f->ops->stat(f, st);
}

static long put_stat(const struct vfs_stat *s, uint64_t ubuf)
{
	struct linux_stat *u = (struct linux_stat *)ubuf;

	if (!user_range_ok(ubuf, sizeof(*u)))
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	u->dev = s->dev;
	u->ino = s->ino;
	u->nlink = s->nlink;
	u->mode = s->mode;
	u->uid = s->uid;
	u->gid = s->gid;
	u->rdev = s->rdev;
	u->size = s->size;
	u->blksize = s->blksize;
	u->blocks = s->blocks;
	u->atime = s->atime_ns / 1000000000;
	u->atime_ns = s->atime_ns % 1000000000;
	u->mtime = s->mtime_ns / 1000000000;
	u->mtime_ns = s->mtime_ns % 1000000000;
	u->ctime = s->ctime_ns / 1000000000;
	u->ctime_ns = s->ctime_ns % 1000000000;
	return 0;
}

static long stat_path(long dirfd, const char *upath, uint64_t ubuf, long flags)
{
	struct vfs_stat st;
	int r;

	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	r = get_stat(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW),
		     !!(flags & AT_EMPTY_PATH), &st);
	return r ? r : put_stat(&st, ubuf);
}

long sys_stat(const struct syscall_args *a)
{
	return stat_path(AT_FDCWD, (const char *)a->a[0], (uint64_t)a->a[1], 0);
}

long sys_lstat(const struct syscall_args *a)
{
	return stat_path(AT_FDCWD, (const char *)a->a[0], (uint64_t)a->a[1],
			 AT_SYMLINK_NOFOLLOW);
}

long sys_newfstatat(const struct syscall_args *a)
{
	return stat_path(a->a[0], (const char *)a->a[1], (uint64_t)a->a[2], a->a[3]);
}

long sys_fstat(const struct syscall_args *a)
{
	struct vfs_stat st;
	int r = fd_stat(a->a[0], &st);

	return r ? r : put_stat(&st, (uint64_t)a->a[1]);
}

#define STATX_BASIC_STATS 0x7ffu
#define STATX__RESERVED 0x80000000u

static uint32_t dev_major(uint64_t d)
{
	return (uint32_t)(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffULL));
}

static uint32_t dev_minor(uint64_t d)
{
	return (uint32_t)((d & 0xff) | ((d >> 12) & ~0xffULL));
}

static void ts(struct statx_ts *t, int64_t ns)
{
	t->sec = ns / 1000000000;
	t->nsec = (uint32_t)(ns % 1000000000);
}

long sys_statx(const struct syscall_args *a)
{
	long flags = a->a[2];
	uint32_t mask = (uint32_t)a->a[3];
	struct linux_statx *u = (struct linux_statx *)a->a[4];
	struct vfs_stat s;
	int r;

	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
			    AT_STATX_SYNC_TYPE) ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
		return -EINVAL;
	r = get_stat(a->a[0], (const char *)a->a[1], !(flags & AT_SYMLINK_NOFOLLOW),
		     !!(flags & AT_EMPTY_PATH), &s);
	if (r)
		return r;
	if (!user_range_ok((uint64_t)u, sizeof(*u)))
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	u->mask = STATX_BASIC_STATS;
	u->blksize = (uint32_t)s.blksize;
	u->nlink = s.nlink;
	u->uid = s.uid;
	u->gid = s.gid;
	u->mode = (uint16_t)s.mode;
	u->ino = s.ino;
	u->size = (uint64_t)s.size;
	u->blocks = (uint64_t)s.blocks;
	ts(&u->atime, s.atime_ns);
	ts(&u->mtime, s.mtime_ns);
	ts(&u->ctime, s.ctime_ns);
	u->rdev_major = dev_major(s.rdev);
	u->rdev_minor = dev_minor(s.rdev);
	u->dev_major = dev_major(s.dev);
	u->dev_minor = dev_minor(s.dev);
	return 0;
}

struct linux_statfs { /* 120 bytes */
	uint64_t f[11];
	uint64_t spare[4];
};

static long put_statfs(struct vnode *vn, uint64_t ubuf)
{
	struct linux_statfs *u = (struct linux_statfs *)ubuf;
	struct vfs_statfs s;
	int r = vfs_statfs(vn, &s);

	if (r)
		return r;
	if (!user_range_ok(ubuf, sizeof(*u)))
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	memcpy(u->f, &s, sizeof(s));
	return 0;
}

long sys_statfs(const struct syscall_args *a)
{
	struct vnode *vn;
	int r = lookup_at(AT_FDCWD, (const char *)a->a[0], 1, 0, &vn, 0);

	if (r)
		return r;
	r = (int)put_statfs(vn, (uint64_t)a->a[1]);
	vfs_put(vn);
	return r;
}

long sys_fstatfs(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);
	struct vnode *root;
	long r;

	if (!f)
		return -EBADF;
	if (f->vn)
		return put_statfs(f->vn, (uint64_t)a->a[1]);
	root = vfs_root(); /* the console: say something sane */
	r = put_statfs(root, (uint64_t)a->a[1]);
	vfs_put(root);
	return r;
}
