/*
 * Operations on a node: data (dispatched to the node's ops when it has
 * them, else the in-memory behaviour), directory listing and attributes.
 */
#include "../lib.h"
#include "fs.h"

/* Nodes with no behaviour yet: a device without a driver is ENXIO, as
 * Linux answers for an unknown device number. */
static long no_data(struct vnode *vn)
{
	if (VFS_ISDIR(vn->mode))
		return -EISDIR;
	if (VFS_ISLNK(vn->mode))
		return -EINVAL;
	return -ENXIO;
}

long vfs_read(struct vnode *vn, void *buf, size_t len, uint64_t off)
{
	if (vn->ops && vn->ops->read)
		return vn->ops->read(vn, buf, len, off);
	if (!VFS_ISREG(vn->mode))
		return no_data(vn);
	if (off > FS_MAX_SIZE)
		return -EINVAL;
	return file_read(vn, buf, len, off);
}

long vfs_write(struct vnode *vn, const void *buf, size_t len, uint64_t off)
{
	if (vn->ops && vn->ops->write)
		return vn->ops->write(vn, buf, len, off);
	if (!VFS_ISREG(vn->mode))
		return no_data(vn);
	if (off > FS_MAX_SIZE)
		return -EINVAL;
	return file_write(vn, buf, len, off);
}

int vfs_truncate(struct vnode *vn, uint64_t size)
{
	if (size > FS_MAX_SIZE)
		return -EINVAL; /* a negative off_t */
	if (vn->ops && vn->ops->truncate)
		return vn->ops->truncate(vn, size);
	if (VFS_ISDIR(vn->mode))
		return -EISDIR;
	if (!VFS_ISREG(vn->mode))
		return -EINVAL;
	return file_truncate(vn, size);
}

long vfs_readlink(struct vnode *vn, char *buf, size_t len)
{
	if (!VFS_ISLNK(vn->mode) || !vn->u.target)
		return -EINVAL;
	if (len > vn->size)
		len = (size_t)vn->size;
	memcpy(buf, vn->u.target, len);
	return (long)len;
}

static void dirent_fill(struct vfs_dirent *out, struct vnode *vn,
			const char *name, size_t len, uint64_t next)
{
	out->ino = vn->ino;
	out->next = next;
	out->type = (uint8_t)((vn->mode >> 12) & 15); /* DT_* = S_IFMT >> 12 */
	out->namelen = (uint16_t)len;
	memcpy(out->name, name, len);
	out->name[len] = 0;
}

int vfs_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *out)
{
	struct dentry *d;
	int r;

	if (!VFS_ISDIR(dir->mode))
		return -ENOTDIR;
	if (!dir->nlink && !dir->detached)
		return -ENOENT; /* removed, as Linux's IS_DEADDIR */
	if (*cookie == 0) {
		dirent_fill(out, dir, ".", 1, 1);
	} else if (*cookie == 1) {
		dirent_fill(out, dir->parent && dir != fs_rootdir ? dir->parent : dir,
			    "..", 2, 2);
	} else if (node_is_synthetic_dir(dir)) {
		if (!dir->ops->readdir)
			return 0;
		r = dir->ops->readdir(dir, *cookie, out);
		if (r <= 0)
			return r;
	} else {
		if (!(d = dir_from(dir, *cookie)))
			return 0;
		dirent_fill(out, d->vn, d->name, d->len, d->cookie + 1);
	}
	*cookie = out->next;
	return 1;
}

/* What st_blocks reports: pages held, plus the initrd bytes not yet
 * copied up (at most the size rounded to pages). */
static int64_t blocks_of(struct vnode *vn)
{
	struct filedata *f = &vn->u.file;
	uint64_t bytes = f->npages * FS_PAGE, cap;

	if (!VFS_ISREG(vn->mode))
		return 0;
	if (f->lower_len) {
		cap = (vn->size + FS_PAGE - 1) / FS_PAGE * FS_PAGE;
		bytes += f->lower_len;
		if (bytes > cap)
			bytes = cap;
	}
	return (int64_t)((bytes + 511) / 512);
}

int vfs_getattr(struct vnode *vn, struct vfs_stat *st)
{
	st->dev = VFS_MKDEV(0, vn->fs->id);
	st->ino = vn->ino;
	st->mode = vn->mode;
	st->nlink = vn->detached ? (VFS_ISDIR(vn->mode) ? 2 : 1) : vn->nlink;
	st->uid = vn->uid;
	st->gid = vn->gid;
	st->rdev = vn->rdev;
	st->size = (int64_t)vn->size;
	st->blksize = FS_PAGE;
	st->blocks = blocks_of(vn);
	st->atime_ns = vn->atime;
	st->mtime_ns = vn->mtime;
	st->ctime_ns = vn->ctime;
	if (vn->ops && vn->ops->getattr)
		return vn->ops->getattr(vn, st);
	return 0;
}

int vfs_chmod(struct vnode *vn, uint32_t mode)
{
	vn->mode = (vn->mode & VFS_IFMT) | (mode & 07777);
	node_touch(vn, 0);
	return 0;
}

/* As Linux, a change of owner of a non-directory clears set-user-ID, and
 * set-group-ID when it means "set group ID" (group execute set). */
int vfs_chown(struct vnode *vn, uint32_t uid, uint32_t gid)
{
	if (uid != (uint32_t)-1)
		vn->uid = uid;
	if (gid != (uint32_t)-1)
		vn->gid = gid;
	if (!VFS_ISDIR(vn->mode)) {
		vn->mode &= ~(uint32_t)VFS_ISUID;
		if (vn->mode & 010)
			vn->mode &= ~(uint32_t)VFS_ISGID;
	}
	node_touch(vn, 0);
	return 0;
}

int vfs_utimens(struct vnode *vn, const int64_t *atime_ns,
		const int64_t *mtime_ns)
{
	if (atime_ns)
		vn->atime = *atime_ns;
	if (mtime_ns)
		vn->mtime = *mtime_ns;
	node_touch(vn, 0);
	return 0;
}

int vfs_permission(struct vnode *vn, uint32_t uid, uint32_t gid, int mask)
{
	uint32_t bits = vn->mode;

	if (!uid) {
		if ((mask & 1) && !VFS_ISDIR(bits) && !(bits & 0111))
			return -EACCES;
		return 0;
	}
	if (uid == vn->uid)
		bits >>= 6;
	else if (gid == vn->gid)
		bits >>= 3;
	return ((int)bits & mask & 7) == (mask & 7) ? 0 : -EACCES;
}
