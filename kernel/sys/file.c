/* Open, close, read and write, offsets, descriptors and their flags,
 * ioctl, sizes, and the in-kernel copies (copy_file_range, sendfile). */
#include "../console.h"
#include "../lib.h"
#include "../mm.h"
#include "calls.h"
#include "fd.h"
#include "ready.h"

#define IOV_MAX 1024
#define SSIZE_MAX_ INT64_MAX
#define RW_MAX 0x7ffff000L /* what Linux transfers at most in one call */

struct iovec {
	uint64_t base, len;
};

static int can_read(struct file *f)
{
	return !(f->flags & VFS_O_PATH) && (f->flags & VFS_O_ACCMODE) != VFS_O_WRONLY;
}

static int can_write(struct file *f)
{
	int m = f->flags & VFS_O_ACCMODE;

	return !(f->flags & VFS_O_PATH) && (m == VFS_O_WRONLY || m == VFS_O_RDWR);
}

/* ---- open and close ---- */

static char *make_path(struct vnode *dir, const char *path)
{
	static char buf[VFS_PATH_MAX];
	size_t n = 0, pl = strlen(path);
	char *p;

	if (path[0] != '/' && dir) {
		long r = vfs_path_of(dir, buf, sizeof(buf));
		if (r < 0)
			r = 0;
		n = (size_t)r;
		if (n == 1)
			n = 0; /* the root: "/" + name */
	}
	if (n + pl + 2 > sizeof(buf))
		pl = 0;
	if (path[0] != '/')
		buf[n++] = '/';
	memcpy(buf + n, path, pl);
	n += pl;
	buf[n] = 0;
	if (!(p = heap_alloc(n + 1)))
		return 0;
	memcpy(p, buf, n + 1);
	return p;
}

static long do_open(long dirfd, const char *upath, long flags, uint32_t mode)
{
	struct vnode *dir, *vn;
	const char *path;
	struct file *f;
	int r, fd;

	if ((flags & O_TMPFILE_) == O_TMPFILE_)
		return -EOPNOTSUPP;
	if ((r = user_path(upath, 0, &path)))
		return r;
	if (!path[0])
		return -ENOENT;
	if ((r = at_dir(dirfd, path, &dir)))
		return r;
	if (flags & VFS_O_PATH)
		flags &= VFS_O_PATH | VFS_O_DIRECTORY | VFS_O_NOFOLLOW | O_CLOEXEC_;
	r = vfs_open(dir, path, (int)flags, mode & ~cur_umask & 07777, &vn);
	if (r) {
		vfs_put(dir);
		return r;
	}
	f = file_new(&vnode_file_ops, vn, (int)(flags & ~(VFS_O_CREAT | VFS_O_EXCL |
			VFS_O_TRUNC | O_CLOEXEC_ | 0400 /* O_NOCTTY */)) | O_LARGEFILE_);
	if (!f) {
		vfs_put(vn);
		vfs_put(dir);
		return -ENOMEM;
	}
	f->path = make_path(dir, path);
	vfs_put(dir);
	fd = fd_install(f, 0, !!(flags & O_CLOEXEC_));
	file_put(f);
	return fd;
}

long sys_open(const struct syscall_args *a)
{
	return do_open(-100, (const char *)a->a[0], a->a[1], (uint32_t)a->a[2]);
}

long sys_openat(const struct syscall_args *a)
{
	return do_open(a->a[0], (const char *)a->a[1], a->a[2], (uint32_t)a->a[3]);
}

long sys_creat(const struct syscall_args *a)
{
	return do_open(-100, (const char *)a->a[0],
		       VFS_O_CREAT | VFS_O_WRONLY | VFS_O_TRUNC, (uint32_t)a->a[1]);
}

long sys_close(const struct syscall_args *a)
{
	return fd_close((int)a->a[0]);
}

#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

long sys_close_range(const struct syscall_args *a)
{
	uint32_t first = (uint32_t)a->a[0], last = (uint32_t)a->a[1];
	uint64_t flags = (uint64_t)a->a[2];

	if (flags & ~(uint64_t)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) || first > last)
		return -EINVAL;
	for (int fd = fd_next_open((int)(first < FD_MAX ? first : FD_MAX));
	     fd >= 0 && (uint32_t)fd <= last; fd = fd_next_open(fd + 1)) {
		if (flags & CLOSE_RANGE_CLOEXEC)
			fd_set_cloexec(fd, 1);
		else
			fd_close(fd);
	}
	return 0;
}

/* ---- read and write ---- */

static long file_read(struct file *f, void *buf, size_t len, uint64_t *off)
{
	if (!can_read(f))
		return -EBADF;
	if (!user_range_ok((uint64_t)buf, len))
		return -EFAULT;
	if (!f->ops->read)
		return -EINVAL;
	if (len > RW_MAX)
		len = RW_MAX;
	return f->ops->read(f, buf, len, off ? off : &f->off);
}

static long file_write(struct file *f, const void *buf, size_t len, uint64_t *off)
{
	if (!can_write(f))
		return -EBADF;
	if (!user_range_ok((uint64_t)buf, len))
		return -EFAULT;
	if (!f->ops->write)
		return -EINVAL;
	if (len > RW_MAX)
		len = RW_MAX;
	return f->ops->write(f, buf, len, off ? off : &f->off);
}

long sys_read(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);

	long r;

	if (!f)
		return -EBADF;
	/* Held for the call: another thread may close the fd while this
	 * one sleeps in a pipe read. */
	file_get(f);
	r = file_read(f, (void *)a->a[1], (size_t)a->a[2], 0);
	file_put(f);
	return r;
}

long sys_write(const struct syscall_args *a)
{
	long fd = a->a[0], r;
	struct file *f = fd_file(fd);

	if (f == &console_file) { /* the common case, kept short */
		if (!user_range_ok((uint64_t)a->a[1], (uint64_t)a->a[2]))
			return -EFAULT;
		console_write((const char *)a->a[1], (unsigned long)a->a[2]);
		return a->a[2];
	}
	if (f == &console_err_file) {
		if (!user_range_ok((uint64_t)a->a[1], (uint64_t)a->a[2]))
			return -EFAULT;
		console_write_err((const char *)a->a[1], (unsigned long)a->a[2]);
		return a->a[2];
	}
	if (!f)
		return -EBADF;
	file_get(f);
	r = file_write(f, (const void *)a->a[1], (size_t)a->a[2], 0);
	file_put(f);
	return r;
}

static long positional(const struct syscall_args *a, int write)
{
	struct file *f = fd_file(a->a[0]);
	uint64_t off = (uint64_t)a->a[3];

	if (!f)
		return -EBADF;
	if ((int64_t)off < 0)
		return -EINVAL;
	if (!(write ? can_write(f) : can_read(f)))
		return -EBADF;
	if (!f->vn)
		return -ESPIPE;
	if (write)
		return file_write(f, (const void *)a->a[1], (size_t)a->a[2], &off);
	return file_read(f, (void *)a->a[1], (size_t)a->a[2], &off);
}

long sys_pread64(const struct syscall_args *a)
{
	return positional(a, 0);
}

long sys_pwrite64(const struct syscall_args *a)
{
	return positional(a, 1);
}

static long vectored(long fd, uint64_t uiov, uint64_t n, int64_t pos, int write)
{
	const struct iovec *iov = (const struct iovec *)uiov;
	struct file *f = fd_file(fd);
	uint64_t total = 0, off = (uint64_t)pos;
	long r;

	if (!f)
		return -EBADF;
	if (!(write ? can_write(f) : can_read(f)))
		return -EBADF;
	if (n > IOV_MAX)
		return -EINVAL;
	if (!user_range_ok(uiov, n * sizeof(*iov)) && n)
		return -EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		if (iov[i].len > (uint64_t)SSIZE_MAX_ - total)
			return -EINVAL;
		total += iov[i].len;
		if (iov[i].len && !user_range_ok(iov[i].base, iov[i].len))
			return -EFAULT;
	}
	if (pos >= 0 && !f->vn)
		return -ESPIPE;
	file_get(f); /* held for the call, as in sys_read */
	total = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (!iov[i].len)
			continue;
		if (write)
			r = file_write(f, (const void *)iov[i].base, iov[i].len,
				       pos >= 0 ? &off : 0);
		else
			r = file_read(f, (void *)iov[i].base, iov[i].len,
				      pos >= 0 ? &off : 0);
		if (r < 0) {
			if (!total)
				total = (uint64_t)r;
			break;
		}
		total += (uint64_t)r;
		if ((uint64_t)r < iov[i].len)
			break;
	}
	file_put(f);
	return (long)total;
}

long sys_readv(const struct syscall_args *a)
{
	if (sock_fd(a->a[0]))
		return sock_vectored(a);
	return vectored(a->a[0], (uint64_t)a->a[1], (uint64_t)a->a[2], -1, 0);
}

long sys_writev(const struct syscall_args *a)
{
	if (sock_fd(a->a[0]))
		return sock_vectored(a);
	return vectored(a->a[0], (uint64_t)a->a[1], (uint64_t)a->a[2], -1, 1);
}

long sys_preadv(const struct syscall_args *a)
{
	if (a->a[3] < 0)
		return fd_file(a->a[0]) ? -EINVAL : -EBADF;
	return vectored(a->a[0], (uint64_t)a->a[1], (uint64_t)a->a[2], a->a[3], 0);
}

long sys_pwritev(const struct syscall_args *a)
{
	if (a->a[3] < 0)
		return fd_file(a->a[0]) ? -EINVAL : -EBADF;
	return vectored(a->a[0], (uint64_t)a->a[1], (uint64_t)a->a[2], a->a[3], 1);
}

long sys_lseek(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);

	if (!f)
		return -EBADF;
	if ((uint64_t)a->a[2] > 4)
		return -EINVAL;
	if (!f->ops->lseek)
		return -ESPIPE;
	return f->ops->lseek(f, a->a[1], (int)a->a[2]);
}

/* ---- descriptors ---- */

long sys_dup(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);

	return f ? fd_install(f, 0, 0) : -EBADF;
}

static long do_dup3(long oldfd, long newfd, long flags)
{
	struct file *f = fd_file(oldfd);

	if (flags & ~(long)O_CLOEXEC_)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (newfd < 0 || newfd >= FD_MAX)
		return -EBADF;
	fd_install_at(f, (int)newfd, !!(flags & O_CLOEXEC_));
	return newfd;
}

long sys_dup2(const struct syscall_args *a)
{
	if (a->a[0] == a->a[1])
		return fd_file(a->a[0]) ? a->a[1] : -EBADF;
	return do_dup3(a->a[0], a->a[1], 0);
}

long sys_dup3(const struct syscall_args *a)
{
	if (a->a[0] == a->a[1])
		return -EINVAL;
	return do_dup3(a->a[0], a->a[1], a->a[2]);
}

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_SETOWN 8
#define F_GETOWN 9
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
#define F_UNLCK 2

long sys_fcntl(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);
	int fd = (int)a->a[0];
	uint64_t arg = (uint64_t)a->a[2];

	if (!f)
		return -EBADF;
	switch (a->a[1]) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= FD_MAX)
			return -EINVAL;
		return fd_install(f, (int)arg, a->a[1] == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return fd_cloexec(fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		fd_set_cloexec(fd, (int)(arg & FD_CLOEXEC));
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		if (f->flags & VFS_O_PATH)
			return -EBADF;
		f->flags = (f->flags & ~FILE_SETFL_MASK) | ((int)arg & FILE_SETFL_MASK);
		return 0;
	case F_GETLK:
	case F_OFD_GETLK:
		if (!user_range_ok(arg, 32))
			return -EFAULT;
		*(int16_t *)arg = F_UNLCK; /* nobody else holds a lock */
		return 0;
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		if (!user_range_ok(arg, 32))
			return -EFAULT;
		return 0; /* one process: every lock is granted */
	case F_SETOWN:
		return 0;
	case F_GETOWN:
		return 0;
	case F_SETPIPE_SZ:
	case F_GETPIPE_SZ:
		return pipe_fcntl(f, (unsigned)a->a[1], arg);
	default:
		return -EINVAL;
	}
}

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

/* flock: one process holds every lock it asks for (threads share them,
 * as they share a description's flock on Linux). */
long sys_flock(const struct syscall_args *a)
{
	long op = a->a[1] & ~LOCK_NB;

	if (!fd_file(a->a[0]))
		return -EBADF;
	if (op != LOCK_SH && op != LOCK_EX && op != LOCK_UN)
		return -EINVAL;
	return 0;
}

#define FIONBIO 0x5421
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451

long sys_ioctl(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);
	uint64_t arg = (uint64_t)a->a[2];

	if (!f || (f->flags & VFS_O_PATH))
		return -EBADF;
	switch ((uint32_t)a->a[1]) {
	case FIONBIO:
		if (!user_range_ok(arg, 4))
			return -EFAULT;
		if (*(int *)arg)
			f->flags |= O_NONBLOCK_;
		else
			f->flags &= ~O_NONBLOCK_;
		return 0;
	case FIOCLEX:
	case FIONCLEX:
		fd_set_cloexec((int)a->a[0], (uint32_t)a->a[1] == FIOCLEX);
		return 0;
	}
	if (!f->ops->ioctl)
		return -ENOTTY;
	return f->ops->ioctl(f, (uint32_t)a->a[1], arg);
}

/* ---- sizes and syncing ---- */

long sys_truncate(const struct syscall_args *a)
{
	struct vnode *cwd, *vn;
	const char *path;
	int r;

	if ((r = user_path((const char *)a->a[0], 0, &path)))
		return r;
	if (!path[0])
		return -ENOENT;
	cwd = cwd_get();
	r = vfs_lookup(cwd, path, 0, &vn);
	vfs_put(cwd);
	if (r)
		return r;
	if (VFS_ISDIR(vfs_mode(vn)))
		r = -EISDIR;
	else if (a->a[1] < 0)
		r = -EINVAL;
	else
		r = vfs_truncate(vn, (uint64_t)a->a[1]);
	vfs_put(vn);
	return r;
}

long sys_ftruncate(const struct syscall_args *a)
{
	struct file *f;

	if (a->a[1] < 0)
		return -EINVAL;
	if (!(f = fd_file(a->a[0])) || (f->flags & VFS_O_PATH))
		return -EBADF;
	if (!f->vn || !VFS_ISREG(vfs_mode(f->vn)) || !can_write(f))
		return -EINVAL;
	return vfs_truncate(f->vn, (uint64_t)a->a[1]);
}

long sys_fsync(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);

	if (!f || (f->flags & VFS_O_PATH))
		return -EBADF;
	return f->vn ? 0 : -EINVAL; /* memory is the storage */
}

long sys_sync(const struct syscall_args *a)
{
	(void)a;
	return 0;
}

long sys_fallocate(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);
	int64_t off = a->a[2], len = a->a[3];
	struct vfs_stat st;

	if (!f || (f->flags & VFS_O_PATH))
		return -EBADF;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (a->a[1] != 0)
		return -EOPNOTSUPP;
	if (!can_write(f))
		return -EBADF;
	if (!f->vn)
		return -ESPIPE;
	if (VFS_ISDIR(vfs_mode(f->vn)))
		return -EISDIR;
	if (!VFS_ISREG(vfs_mode(f->vn)))
		return -ENODEV;
	if (off > INT64_MAX - len)
		return -EFBIG;
	vfs_getattr(f->vn, &st);
	if (off + len > st.size)
		return vfs_truncate(f->vn, (uint64_t)(off + len));
	return 0;
}

/* ---- copies inside the library OS ---- */

static char copybuf[16384];

/* Copies up to len bytes from in (at *ioff, or its offset) to out. */
static long copy_between(struct file *in, uint64_t *ioff, struct file *out,
			 uint64_t *ooff, uint64_t len)
{
	uint64_t done = 0;

	if (len > RW_MAX)
		len = RW_MAX;
	while (done < len) {
		size_t chunk = len - done < sizeof(copybuf) ? (size_t)(len - done) : sizeof(copybuf);
		long r = in->ops->read(in, copybuf, chunk, ioff ? ioff : &in->off), w;
		if (r <= 0)
			return done ? (long)done : r;
		w = out->ops->write(out, copybuf, (size_t)r, ooff ? ooff : &out->off);
		if (w < 0)
			return done ? (long)done : w;
		done += (uint64_t)w;
		if (w < r || (size_t)r < chunk)
			break;
	}
	return (long)done;
}

static int user_off(uint64_t p, uint64_t *v)
{
	if (!p)
		return 0;
	if (!user_range_ok(p, 8))
		return -EFAULT;
	*v = *(uint64_t *)p;
	if ((int64_t)*v < 0)
		return -EINVAL;
	return 1;
}

long sys_copy_file_range(const struct syscall_args *a)
{
	struct file *in = fd_file(a->a[0]), *out = fd_file(a->a[2]);
	uint64_t pin = (uint64_t)a->a[1], pout = (uint64_t)a->a[3], ioff = 0, ooff = 0;
	int hi, ho;
	long r;

	if (a->a[5])
		return -EINVAL;
	if (!in || !out || !can_read(in) || !can_write(out) || (out->flags & O_APPEND_))
		return -EBADF;
	if (!in->vn || !out->vn)
		return -EINVAL;
	if (VFS_ISDIR(vfs_mode(in->vn)) || VFS_ISDIR(vfs_mode(out->vn)))
		return -EISDIR;
	if (!VFS_ISREG(vfs_mode(in->vn)) || !VFS_ISREG(vfs_mode(out->vn)))
		return -EINVAL;
	if ((hi = user_off(pin, &ioff)) < 0)
		return hi;
	if ((ho = user_off(pout, &ooff)) < 0)
		return ho;
	if (in->vn == out->vn) {
		uint64_t s = hi ? ioff : in->off, d = ho ? ooff : out->off, n = (uint64_t)a->a[4];
		if (s < d + n && d < s + n)
			return -EINVAL;
	}
	r = copy_between(in, hi ? &ioff : 0, out, ho ? &ooff : 0, (uint64_t)a->a[4]);
	if (r > 0) {
		if (hi)
			*(uint64_t *)pin = ioff;
		if (ho)
			*(uint64_t *)pout = ooff;
	}
	return r;
}

long sys_sendfile(const struct syscall_args *a)
{
	struct file *out = fd_file(a->a[0]), *in = fd_file(a->a[1]);
	uint64_t poff = (uint64_t)a->a[2], off = 0;
	int h;
	long r;

	if (!in || !out || !can_read(in) || !can_write(out))
		return -EBADF;
	if (out->flags & O_APPEND_)
		return -EINVAL;
	if (!in->vn || VFS_ISDIR(vfs_mode(in->vn)))
		return -EINVAL;
	if ((h = user_off(poff, &off)) < 0)
		return h;
	r = copy_between(in, h ? &off : 0, out, 0, (uint64_t)a->a[3]);
	if (r >= 0 && h)
		*(uint64_t *)poff = off;
	return r;
}
