/*
 * Nodes and their lifetime. A node lives while it has a name (nlink) or a
 * reference (refs: open files, cwds, results being used); the last of the
 * two to go frees it, so an unlinked open file keeps its data until closed.
 */
#include "../clock.h"
#include "../console.h"
#include "../lib.h"
#include "../mm.h"
#include "fs.h"

/* Heap memory that the program can make us use fails softly (ENOSPC),
 * unlike kmalloc, which panics. */
void *fs_zalloc(size_t size)
{
	void *p = heap_alloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

int64_t fs_now(void)
{
	return (int64_t)clock_realtime_ns();
}

void node_touch(struct vnode *vn, int mtime)
{
	vn->ctime = fs_now();
	if (mtime)
		vn->mtime = vn->ctime;
}

static uint32_t next_fs_id = 1;

/* Device numbers 0:N, as Linux gives filesystems without a device. */
struct fs *fs_new(const char *type, uint64_t magic)
{
	struct fs *fs = fs_zalloc(sizeof(*fs));

	if (!fs)
		return 0;
	fs->id = next_fs_id++;
	fs->type = type;
	fs->magic = magic;
	fs->next_ino = 1;
	return fs;
}

void fs_free(struct fs *fs)
{
	heap_free(fs->path);
	heap_free(fs);
}

struct vnode *node_new(struct fs *fs, uint32_t mode)
{
	struct vnode *vn = fs_zalloc(sizeof(*vn));

	if (!vn)
		return 0;
	vn->fs = fs;
	vn->mode = mode;
	vn->ino = fs->next_ino++;
	vn->uid = fs_uid;
	vn->gid = fs_gid;
	vn->atime = vn->mtime = vn->ctime = fs_now();
	if (VFS_ISDIR(mode) && !dir_init(vn)) {
		heap_free(vn);
		return 0;
	}
	fs->inodes++;
	return vn;
}

static void node_free(struct vnode *vn)
{
	struct vnode *parent = vn->detached ? vn->parent : 0;

	if (vn->ops && vn->ops->release)
		vn->ops->release(vn);
	if (VFS_ISREG(vn->mode))
		file_free(vn);
	else if (VFS_ISLNK(vn->mode))
		heap_free(vn->u.target);
	else if (VFS_ISDIR(vn->mode))
		heap_free(vn->u.dir.buckets);
	vn->fs->inodes--;
	heap_free(vn);
	if (parent)
		vfs_put(parent);
}

void node_maybe_free(struct vnode *vn)
{
	if (!vn->refs && !vn->nlink)
		node_free(vn);
}

struct vnode *vfs_get(struct vnode *vn)
{
	vn->refs++;
	vn->fs->active++;
	return vn;
}

void vfs_put(struct vnode *vn)
{
	if (!vn)
		return;
	if (!vn->refs)
		panic("vfs_put: node %lu has no reference to drop",
		      (unsigned long)vn->ino);
	vn->fs->active--;
	vn->refs--;
	node_maybe_free(vn);
}

struct vnode *vfs_node_new(struct vnode *dir, uint32_t mode,
			   const struct vnode_ops *ops, void *priv)
{
	struct vnode *vn = node_new(dir->fs, mode);

	if (!vn)
		return 0;
	vn->ops = ops;
	vn->priv = priv;
	vn->detached = 1;
	vn->parent = vfs_get(dir);
	return vfs_get(vn);
}

void vfs_set_ops(struct vnode *vn, const struct vnode_ops *ops, void *priv)
{
	vn->ops = ops;
	vn->priv = priv;
}

int vfs_set_target(struct vnode *vn, const char *target)
{
	size_t n = strnlen(target, VFS_PATH_MAX);
	char *t;

	if (!VFS_ISLNK(vn->mode))
		return -EINVAL;
	if (!n || n == VFS_PATH_MAX)
		return n ? -ENAMETOOLONG : -ENOENT;
	if (!(t = heap_alloc(n + 1)))
		return -ENOMEM;
	memcpy(t, target, n + 1);
	heap_free(vn->u.target);
	vn->u.target = t;
	vn->size = n;
	return 0;
}

void *vfs_priv(struct vnode *vn)
{
	return vn->priv;
}

uint32_t vfs_mode(struct vnode *vn)
{
	return vn->mode;
}

int node_is_synthetic_dir(struct vnode *vn)
{
	return vn->ops && vn->ops->lookup;
}
