/*
 * Operations on names: open (its namespace part), mkdir, mknod, symlink,
 * link, unlink, rmdir. Error choices and their order follow Linux's
 * fs/namei.c, since programs (and test suites) look at them.
 */
#include "../lib.h"
#include "../mm.h"
#include "fs.h"

static int parent(struct vnode *cwd, const char *path, struct vfs_name *nd)
{
	int r = walk(cwd, path, WALK_PARENT, 0, nd);

	return r < 0 ? r : 0;
}

/* Whether nd names a free slot where a node may be made. */
static int can_create(struct vfs_name *nd, int is_dir)
{
	struct vnode *dir = nd->dir;

	if (nd->type != VFS_LAST_NORM)
		return -EEXIST;
	if (!VFS_ISDIR(dir->mode))
		return -ENOTDIR;
	if (node_is_synthetic_dir(dir))
		return -EPERM;
	if (!dir->nlink)
		return -ENOENT; /* removed directory */
	if (dir_find(dir, nd->name, nd->len))
		return -EEXIST;
	if (nd->slash && !is_dir)
		return -ENOENT;
	return 0;
}

static char *copy_str(const char *s)
{
	size_t n = strlen(s);
	char *p = heap_alloc(n + 1);

	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* A new node named by nd; *out gets a reference when asked. */
static int make_node(struct vfs_name *nd, uint32_t mode, uint64_t rdev,
		     const char *target, struct vnode **out)
{
	struct vnode *dir = nd->dir, *vn;
	struct dentry *d;
	int r = can_create(nd, VFS_ISDIR(mode));

	if (r)
		return r;
	vn = node_new(dir->fs, mode);
	d = dentry_new(nd->name, nd->len);
	if (vn && target) {
		vn->u.target = copy_str(target);
		vn->size = strlen(target);
	}
	if (!vn || !d || (target && !vn->u.target)) {
		dentry_free(d);
		if (vn)
			node_maybe_free(vn);
		return -ENOSPC;
	}
	vn->rdev = rdev;
	if (dir->mode & VFS_ISGID) { /* BSD group semantics, as Linux */
		vn->gid = dir->gid;
		if (VFS_ISDIR(mode))
			vn->mode |= VFS_ISGID;
	}
	dir_insert(dir, d, vn);
	node_touch(dir, 1);
	if (out)
		*out = vfs_get(vn);
	return 0;
}

static int open_check(struct vnode *vn, int flags)
{
	uint32_t m = vn->mode;

	if (VFS_ISLNK(m)) /* only reached with O_NOFOLLOW */
		return (flags & VFS_O_PATH) ? 0 : -ELOOP;
	if ((flags & VFS_O_DIRECTORY) && !VFS_ISDIR(m))
		return -ENOTDIR;
	if (flags & VFS_O_PATH)
		return 0;
	if (VFS_ISDIR(m) && ((flags & VFS_O_ACCMODE) != VFS_O_RDONLY ||
			     (flags & VFS_O_CREAT)))
		return -EISDIR;
	if ((flags & VFS_O_TRUNC) && VFS_ISREG(m))
		return vfs_truncate(vn, 0);
	return 0;
}

/* O_CREAT: a trailing slash is EISDIR; an existing name is opened unless
 * O_EXCL; a final symlink is followed (so a dangling one makes its
 * target) unless O_NOFOLLOW or O_EXCL. */
static int open_create(struct vnode *cwd, const char *path, int flags,
		       uint32_t mode, struct vnode **out)
{
	struct vfs_name nd;
	int nofollow = flags & (VFS_O_NOFOLLOW | VFS_O_EXCL);
	int r = parent(cwd, path, &nd);

	if (r)
		return r;
	if (nd.slash)
		r = -EISDIR;
	else if (nd.type != VFS_LAST_NORM)
		r = (flags & VFS_O_EXCL) ? -EEXIST : -EISDIR;
	else if ((r = fs_step(nd.dir, nd.name, nd.len, out)) == 0) {
		if (flags & VFS_O_EXCL) {
			vfs_put(*out);
			*out = 0;
			r = -EEXIST;
		} else if (VFS_ISLNK((*out)->mode) && !nofollow) {
			vfs_put(*out);
			*out = 0;
			vfs_put(nd.dir);
			r = walk(cwd, path, WALK_CREATE, out, &nd);
			if (r <= 0)
				return r;
			r = nd.slash ? -EISDIR : -ENOENT;
		}
	}
	if (r == -ENOENT)
		r = make_node(&nd, VFS_IFREG | (mode & 07777), 0, 0, out);
	vfs_put(nd.dir);
	return r;
}

int vfs_open(struct vnode *cwd, const char *path, int flags, uint32_t mode,
	     struct vnode **out)
{
	struct vnode *vn = 0;
	int r;

	*out = 0;
	if (flags & VFS_O_CREAT)
		r = open_create(cwd, path, flags, mode, &vn);
	else
		r = walk(cwd, path,
			 ((flags & VFS_O_NOFOLLOW) ? VFS_LOOKUP_NOFOLLOW : 0) |
				 ((flags & VFS_O_DIRECTORY) ? VFS_LOOKUP_DIRECTORY : 0),
			 &vn, 0);
	if (!r)
		r = open_check(vn, flags);
	if (r) {
		vfs_put(vn);
		return r;
	}
	*out = vn;
	return 0;
}

static int create_at(struct vnode *cwd, const char *path, uint32_t mode,
		     uint64_t rdev, const char *target)
{
	struct vfs_name nd;
	int r = parent(cwd, path, &nd);

	if (r)
		return r;
	r = make_node(&nd, mode, rdev, target, 0);
	vfs_put(nd.dir);
	return r;
}

int vfs_mkdir(struct vnode *cwd, const char *path, uint32_t mode)
{
	return create_at(cwd, path, VFS_IFDIR | (mode & 01777), 0, 0);
}

int vfs_mknod(struct vnode *cwd, const char *path, uint32_t mode, uint64_t rdev)
{
	uint32_t type = mode & VFS_IFMT;

	switch (type) {
	case 0:
		type = VFS_IFREG;
		/* fall through */
	case VFS_IFREG:
	case VFS_IFIFO:
	case VFS_IFSOCK:
		rdev = 0;
		break;
	case VFS_IFCHR:
	case VFS_IFBLK:
		break;
	case VFS_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	return create_at(cwd, path, type | (mode & 07777), rdev, 0);
}

int vfs_symlink(const char *target, struct vnode *cwd, const char *path)
{
	size_t n = strnlen(target, VFS_PATH_MAX);

	if (!n)
		return -ENOENT;
	if (n == VFS_PATH_MAX)
		return -ENAMETOOLONG;
	return create_at(cwd, path, VFS_IFLNK | 0777, 0, target);
}

static int link_node(struct vnode *old, struct vfs_name *nd)
{
	int r = can_create(nd, 0);

	if (r)
		return r;
	if (old->fs != nd->dir->fs)
		return -EXDEV;
	if (VFS_ISDIR(old->mode))
		return -EPERM;
	if (!old->nlink)
		return -ENOENT; /* unlinked, or synthetic */
	r = dir_add(nd->dir, nd->name, nd->len, old);
	if (r)
		return r;
	node_touch(old, 0);
	node_touch(nd->dir, 1);
	return 0;
}

/* Like linkat: the old path's final symlink is linked itself unless
 * `follow` (AT_SYMLINK_FOLLOW). */
int vfs_link(struct vnode *oldcwd, const char *oldpath, struct vnode *newcwd,
	     const char *newpath, int follow)
{
	struct vnode *old;
	struct vfs_name nd;
	int r = walk(oldcwd, oldpath, follow ? 0 : VFS_LOOKUP_NOFOLLOW, &old, 0);

	if (r)
		return r;
	r = parent(newcwd, newpath, &nd);
	if (!r) {
		r = link_node(old, &nd);
		vfs_put(nd.dir);
	}
	vfs_put(old);
	return r;
}

/* The entry nd names in an ordinary directory, or an error. */
static int find_entry(struct vfs_name *nd, struct dentry **out)
{
	if (!VFS_ISDIR(nd->dir->mode))
		return -ENOTDIR;
	if (node_is_synthetic_dir(nd->dir))
		return -EPERM;
	*out = dir_find(nd->dir, nd->name, nd->len);
	return *out ? 0 : -ENOENT;
}

static int unlink_name(struct vfs_name *nd)
{
	struct dentry *d;
	int r;

	if (nd->type != VFS_LAST_NORM)
		return -EISDIR;
	if ((r = find_entry(nd, &d)))
		return r;
	if (VFS_ISDIR(d->vn->mode))
		return -EISDIR;
	if (nd->slash)
		return -ENOTDIR;
	node_touch(d->vn, 0);
	dir_remove(nd->dir, d);
	node_touch(nd->dir, 1);
	return 0;
}

int vfs_unlink(struct vnode *cwd, const char *path)
{
	struct vfs_name nd;
	int r = parent(cwd, path, &nd);

	if (r)
		return r;
	r = unlink_name(&nd);
	vfs_put(nd.dir);
	return r;
}

static int rmdir_name(struct vfs_name *nd)
{
	struct dentry *d;
	struct vnode *vn;
	int r;

	if (nd->type == VFS_LAST_DOT)
		return -EINVAL;
	if (nd->type == VFS_LAST_DOTDOT)
		return -ENOTEMPTY;
	if (nd->type == VFS_LAST_ROOT)
		return -EBUSY;
	if ((r = find_entry(nd, &d)))
		return r;
	vn = d->vn;
	if (!VFS_ISDIR(vn->mode))
		return -ENOTDIR;
	if (vn == vn->fs->root)
		return -EBUSY; /* a mount point */
	if (vn->u.dir.count)
		return -ENOTEMPTY;
	dir_remove(nd->dir, d);
	node_touch(nd->dir, 1);
	return 0;
}

int vfs_rmdir(struct vnode *cwd, const char *path)
{
	struct vfs_name nd;
	int r = parent(cwd, path, &nd);

	if (r)
		return r;
	r = rmdir_name(&nd);
	vfs_put(nd.dir);
	return r;
}
