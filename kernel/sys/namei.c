/* Calls on names: access, readlink, the working directory, mkdir, rmdir,
 * unlink, rename, link, symlink, chmod, chown, utimensat, umask. */
#include "../clock.h"
#include "../lib.h"
#include "calls.h"
#include "fd.h"
#include "namei.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000

int lookup_at(long dirfd, const char *upath, int follow, int empty_ok,
	      struct vnode **out, struct file **fout)
{
	struct vnode *dir;
	const char *path;
	struct file *f;
	int r;

	*out = 0;
	if (fout)
		*fout = 0;
	if ((r = user_path(upath, 0, &path)))
		return r;
	if (!path[0]) {
		if (!empty_ok)
			return -ENOENT;
		if ((int)dirfd == AT_FDCWD) {
			*out = cwd_get();
			return 0;
		}
		if (!(f = fd_file(dirfd)))
			return -EBADF;
		if (fout)
			*fout = f;
		if (!f->vn)
			return fout ? 0 : -ENOENT;
		*out = vfs_get(f->vn);
		return 0;
	}
	if ((r = at_dir(dirfd, path, &dir)))
		return r;
	r = vfs_lookup(dir, path, follow ? 0 : VFS_LOOKUP_NOFOLLOW, out);
	vfs_put(dir);
	return r;
}

/* ---- access ---- */

static long do_access(long dirfd, const char *upath, long mode, long flags)
{
	struct vnode *vn;
	int r;

	if (mode & ~7L)
		return -EINVAL;
	if (flags & ~(long)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = lookup_at(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW),
		      !!(flags & AT_EMPTY_PATH), &vn, 0);
	if (r)
		return r;
	r = mode ? vfs_permission(vn, 0, 0, (int)mode) : 0;
	vfs_put(vn);
	return r;
}

long sys_access(const struct syscall_args *a)
{
	return do_access(AT_FDCWD, (const char *)a->a[0], a->a[1], 0);
}

long sys_faccessat(const struct syscall_args *a)
{
	return do_access(a->a[0], (const char *)a->a[1], a->a[2], 0);
}

long sys_faccessat2(const struct syscall_args *a)
{
	return do_access(a->a[0], (const char *)a->a[1], a->a[2], a->a[3]);
}

/* ---- readlink ---- */

static long do_readlink(long dirfd, const char *upath, char *buf, long len)
{
	static char tmp[VFS_PATH_MAX];
	struct vnode *vn;
	long n;
	int r;

	if (len <= 0)
		return -EINVAL;
	r = lookup_at(dirfd, upath, 0, 1, &vn, 0);
	if (r)
		return r;
	if (!VFS_ISLNK(vfs_mode(vn))) {
		vfs_put(vn);
		return -EINVAL;
	}
	n = vfs_readlink(vn, tmp, len < VFS_PATH_MAX ? (size_t)len : VFS_PATH_MAX);
	vfs_put(vn);
	if (n < 0)
		return n;
	if (!user_range_ok((uint64_t)buf, (uint64_t)n))
		return -EFAULT;
	memcpy(buf, tmp, (size_t)n);
	return n;
}

long sys_readlink(const struct syscall_args *a)
{
	const char *path;
	int r = user_path((const char *)a->a[0], 0, &path);

	if (r)
		return r;
	if (!path[0])
		return -ENOENT;
	return do_readlink(AT_FDCWD, (const char *)a->a[0], (char *)a->a[1], a->a[2]);
}

long sys_readlinkat(const struct syscall_args *a)
{
	return do_readlink(a->a[0], (const char *)a->a[1], (char *)a->a[2], a->a[3]);
}

/* ---- the working directory ---- */

long sys_getcwd(const struct syscall_args *a)
{
	static char tmp[VFS_PATH_MAX];
	char *buf = (char *)a->a[0];
	uint64_t size = (uint64_t)a->a[1];
	struct vnode *cwd = cwd_get();
	long n = vfs_path_of(cwd, tmp, sizeof(tmp));

	vfs_put(cwd);
	if (n < 0)
		return n;
	if ((uint64_t)n + 1 > size)
		return -ERANGE;
	if (!user_range_ok((uint64_t)buf, (uint64_t)n + 1))
		return -EFAULT;
	memcpy(buf, tmp, (size_t)n + 1);
	return n + 1;
}

long sys_chdir(const struct syscall_args *a)
{
	struct vnode *vn;
	int r = lookup_at(AT_FDCWD, (const char *)a->a[0], 1, 0, &vn, 0);

	if (r)
		return r;
	if (!VFS_ISDIR(vfs_mode(vn))) {
		vfs_put(vn);
		return -ENOTDIR;
	}
	cwd_set(vn);
	return 0;
}

long sys_fchdir(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);

	if (!f)
		return -EBADF;
	if (!f->vn || !VFS_ISDIR(vfs_mode(f->vn)))
		return -ENOTDIR;
	cwd_set(vfs_get(f->vn));
	return 0;
}

/* ---- making and removing names ---- */

/* The path (copied) and its start directory. */
static int path_at(long dirfd, const char *upath, int which, const char **path,
		   struct vnode **dir)
{
	int r = user_path(upath, which, path);

	*dir = 0;
	if (r)
		return r;
	if (!(*path)[0])
		return -ENOENT;
	return at_dir(dirfd, *path, dir);
}

static long do_mkdir(long dirfd, const char *upath, uint32_t mode)
{
	struct vnode *dir;
	const char *path;
	int r = path_at(dirfd, upath, 0, &path, &dir);

	if (!r)
		r = vfs_mkdir(dir, path, mode & 01777 & ~cur_umask);
	vfs_put(dir);
	return r;
}

long sys_mkdir(const struct syscall_args *a)
{
	return do_mkdir(AT_FDCWD, (const char *)a->a[0], (uint32_t)a->a[1]);
}

long sys_mkdirat(const struct syscall_args *a)
{
	return do_mkdir(a->a[0], (const char *)a->a[1], (uint32_t)a->a[2]);
}

static long do_unlink(long dirfd, const char *upath, long flags)
{
	struct vnode *dir;
	const char *path;
	int r;

	if (flags & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	r = path_at(dirfd, upath, 0, &path, &dir);
	if (!r)
		r = (flags & AT_REMOVEDIR) ? vfs_rmdir(dir, path) : vfs_unlink(dir, path);
	vfs_put(dir);
	return r;
}

long sys_rmdir(const struct syscall_args *a)
{
	return do_unlink(AT_FDCWD, (const char *)a->a[0], AT_REMOVEDIR);
}

long sys_unlink(const struct syscall_args *a)
{
	return do_unlink(AT_FDCWD, (const char *)a->a[0], 0);
}

long sys_unlinkat(const struct syscall_args *a)
{
	return do_unlink(a->a[0], (const char *)a->a[1], a->a[2]);
}

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4

static long do_rename(long ofd, const char *uold, long nfd, const char *unew, long flags)
{
	struct vnode *odir = 0, *ndir = 0;
	const char *op, *np;
	int r;

	if (flags & ~(long)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	r = path_at(ofd, uold, 0, &op, &odir);
	if (!r)
		r = path_at(nfd, unew, 1, &np, &ndir);
	if (!r && (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)))
		r = -EINVAL; /* not supported by this filesystem, as Linux says */
	if (!r)
		r = vfs_rename(odir, op, ndir, np, (int)flags);
	vfs_put(odir);
	vfs_put(ndir);
	return r;
}

long sys_rename(const struct syscall_args *a)
{
	return do_rename(AT_FDCWD, (const char *)a->a[0], AT_FDCWD, (const char *)a->a[1], 0);
}

long sys_renameat(const struct syscall_args *a)
{
	return do_rename(a->a[0], (const char *)a->a[1], a->a[2], (const char *)a->a[3], 0);
}

long sys_renameat2(const struct syscall_args *a)
{
	return do_rename(a->a[0], (const char *)a->a[1], a->a[2], (const char *)a->a[3],
			 a->a[4]);
}

static long do_link(long ofd, const char *uold, long nfd, const char *unew, long flags)
{
	struct vnode *odir = 0, *ndir = 0;
	const char *op, *np;
	int r;

	if (flags & ~(long)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = path_at(ofd, uold, 0, &op, &odir);
	if (!r)
		r = path_at(nfd, unew, 1, &np, &ndir);
	if (!r)
		r = vfs_link(odir, op, ndir, np, !!(flags & AT_SYMLINK_FOLLOW));
	vfs_put(odir);
	vfs_put(ndir);
	return r;
}

long sys_link(const struct syscall_args *a)
{
	return do_link(AT_FDCWD, (const char *)a->a[0], AT_FDCWD, (const char *)a->a[1], 0);
}

long sys_linkat(const struct syscall_args *a)
{
	return do_link(a->a[0], (const char *)a->a[1], a->a[2], (const char *)a->a[3],
		       a->a[4]);
}

static long do_symlink(const char *utarget, long dirfd, const char *upath)
{
	struct vnode *dir = 0;
	const char *target, *path;
	int r = user_path(utarget, 1, &target);

	if (r)
		return r;
	if ((r = path_at(dirfd, upath, 0, &path, &dir)) == 0)
		r = target[0] ? vfs_symlink(target, dir, path) : -ENOENT;
	vfs_put(dir);
	return r;
}

long sys_symlink(const struct syscall_args *a)
{
	return do_symlink((const char *)a->a[0], AT_FDCWD, (const char *)a->a[1]);
}

long sys_symlinkat(const struct syscall_args *a)
{
	return do_symlink((const char *)a->a[0], a->a[1], (const char *)a->a[2]);
}

/* ---- attributes ---- */

static long do_chmod(long dirfd, const char *upath, uint32_t mode, int follow)
{
	struct vnode *vn;
	int r = lookup_at(dirfd, upath, follow, 0, &vn, 0);

	if (r)
		return r;
	r = VFS_ISLNK(vfs_mode(vn)) ? -EOPNOTSUPP : vfs_chmod(vn, mode & 07777);
	vfs_put(vn);
	return r;
}

long sys_chmod(const struct syscall_args *a)
{
	return do_chmod(AT_FDCWD, (const char *)a->a[0], (uint32_t)a->a[1], 1);
}

long sys_fchmodat(const struct syscall_args *a)
{
	return do_chmod(a->a[0], (const char *)a->a[1], (uint32_t)a->a[2], 1);
}

long sys_fchmod(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);

	if (!f || (f->flags & VFS_O_PATH))
		return -EBADF;
	if (!f->vn)
		return 0;
	return vfs_chmod(f->vn, (uint32_t)a->a[1] & 07777);
}

static long do_chown(long dirfd, const char *upath, long uid, long gid, long flags)
{
	struct vnode *vn;
	int r;

	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = lookup_at(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW),
		      !!(flags & AT_EMPTY_PATH), &vn, 0);
	if (r)
		return r;
	r = vfs_chown(vn, (uint32_t)uid, (uint32_t)gid);
	vfs_put(vn);
	return r;
}

long sys_chown(const struct syscall_args *a)
{
	return do_chown(AT_FDCWD, (const char *)a->a[0], a->a[1], a->a[2], 0);
}

long sys_lchown(const struct syscall_args *a)
{
	return do_chown(AT_FDCWD, (const char *)a->a[0], a->a[1], a->a[2],
			AT_SYMLINK_NOFOLLOW);
}

long sys_fchownat(const struct syscall_args *a)
{
	return do_chown(a->a[0], (const char *)a->a[1], a->a[2], a->a[3], a->a[4]);
}

long sys_fchown(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);

	if (!f || (f->flags & VFS_O_PATH))
		return -EBADF;
	if (!f->vn)
		return 0;
	return vfs_chown(f->vn, (uint32_t)a->a[1], (uint32_t)a->a[2]);
}

#define UTIME_NOW ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)

struct ktimespec {
	int64_t sec, nsec;
};

static int time_of(const struct ktimespec *t, int64_t now, int64_t *out, int64_t **p)
{
	if (t->nsec == UTIME_OMIT) {
		*p = 0;
		return 0;
	}
	if (t->nsec == UTIME_NOW)
		*out = now;
	else if (t->nsec < 0 || t->nsec >= 1000000000)
		return -EINVAL;
	else
		*out = t->sec * 1000000000 + t->nsec;
	*p = out;
	return 0;
}

long sys_utimensat(const struct syscall_args *a)
{
	const struct ktimespec *ut = (const struct ktimespec *)a->a[2];
	long flags = a->a[3];
	int64_t now = (int64_t)clock_realtime_ns(), at = now, mt = now, *pa = &at, *pm = &mt;
	struct vnode *vn;
	struct file *f;
	int r;

	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (ut) {
		if (!user_range_ok((uint64_t)ut, 2 * sizeof(*ut)))
			return -EFAULT;
		if ((r = time_of(&ut[0], now, &at, &pa)) || (r = time_of(&ut[1], now, &mt, &pm)))
			return r;
		if (!pa && !pm)
			return 0;
	}
	if (!a->a[1]) { /* futimens: the fd itself */
		if (!(f = fd_file(a->a[0])))
			return -EBADF;
		if (!f->vn)
			return 0;
		return vfs_utimens(f->vn, pa, pm);
	}
	r = lookup_at(a->a[0], (const char *)a->a[1], !(flags & AT_SYMLINK_NOFOLLOW),
		      !!(flags & AT_EMPTY_PATH), &vn, 0);
	if (r)
		return r;
	r = vfs_utimens(vn, pa, pm);
	vfs_put(vn);
	return r;
}

long sys_umask(const struct syscall_args *a)
{
	uint32_t old = cur_umask;

	cur_umask = (uint32_t)a->a[0] & 0777;
	return old;
}
