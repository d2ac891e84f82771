/*
 * Filesystem instances and mounts. Mounting grafts: the entry naming the
 * mount point is pointed at the new filesystem's root, so path resolution
 * needs no mount table; the hidden directory is kept (referenced) to be
 * put back by umount. The root starts as an empty in-memory filesystem,
 * replaced by the initrd's tree once that is fully built.
 */
#include "../lib.h"
#include "../mm.h"
#include "fs.h"

#define RAMFS_MAGIC 0x858458f6
#define TMPFS_MAGIC 0x01021994
#define OVERLAYFS_MAGIC 0x794c7630

struct vnode *fs_rootdir;
uint32_t fs_uid, fs_gid;
static struct fs *mounts; /* in mount order: the root first */

void vfs_set_creds(uint32_t uid, uint32_t gid)
{
	fs_uid = uid;
	fs_gid = gid;
}

struct vnode *vfs_root(void)
{
	return vfs_get(fs_rootdir);
}

/* A filesystem with an empty root directory, held by the mount. */
static struct fs *fs_make(const char *type, uint64_t magic, uint32_t mode,
			  const char *path)
{
	struct fs *fs = fs_new(type, magic);
	size_t n = strlen(path);

	if (!fs)
		return 0;
	fs->path = heap_alloc(n + 1);
	fs->root = node_new(fs, VFS_IFDIR | mode);
	if (!fs->path || !fs->root) {
		if (fs->root)
			node_maybe_free(fs->root);
		fs_free(fs);
		return 0;
	}
	memcpy(fs->path, path, n + 1);
	fs->root->nlink = 2;
	vfs_get(fs->root);
	return fs;
}

/* Frees the whole tree; nodes still referenced outlive it (none should). */
static void fs_destroy(struct fs *fs)
{
	struct vnode *root = fs->root;

	dir_destroy_tree(root);
	root->nlink = 0;
	vfs_put(root);
	if (!fs->inodes)
		fs_free(fs);
}

static void list_remove(struct fs *fs)
{
	struct fs **p = &mounts;

	while (*p != fs)
		p = &(*p)->next;
	*p = fs->next;
}

static void list_append(struct fs *fs)
{
	struct fs **p = &mounts;

	while (*p)
		p = &(*p)->next;
	fs->next = 0;
	*p = fs;
}

static void unmount(struct fs *fs)
{
	if (fs->graft) {
		fs->graft->vn = fs->covered;
		vfs_put(fs->covered);
	}
	list_remove(fs);
	fs_destroy(fs);
}

/* References beyond the mounts' own: the root's, and each covered dir's. */
static int fs_busy(struct fs *fs, uint64_t extra)
{
	uint64_t expected = 1 + extra;

	for (struct fs *m = mounts; m; m = m->next)
		if (m->covered && m->covered->fs == fs)
			expected++;
	return fs->active > expected;
}

int vfs_init(void)
{
	struct fs *fs;

	for (fs = mounts; fs; fs = fs->next)
		if (fs_busy(fs, 0))
			return -EBUSY;
	while (mounts) {
		for (fs = mounts; fs->next; fs = fs->next)
			;
		unmount(fs);
	}
	fs = fs_make("rootfs", RAMFS_MAGIC, 0755, "/");
	if (!fs)
		return -ENOMEM;
	list_append(fs);
	fs_rootdir = fs->root;
	return 0;
}

static int pristine(void)
{
	struct fs *fs = mounts;

	return fs && !fs->next && !fs->root->u.dir.count && fs->active == 1;
}

int vfs_mount_initrd(const void *data, size_t size, char *err, size_t errlen)
{
	struct fs *fs;
	int r;

	if (errlen)
		err[0] = 0;
	if (!pristine()) {
		if (errlen)
			snprintf(err, errlen, "the root is already in use");
		return -EBUSY;
	}
	fs = fs_make("overlay", OVERLAYFS_MAGIC, 0755, "/");
	if (!fs) {
		if (errlen)
			snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = cpio_load(data, size, fs, err, errlen);
	if (r) {
		fs_destroy(fs);
		return r;
	}
	unmount(mounts);
	list_append(fs);
	fs_rootdir = fs->root;
	return 0;
}

static int graft(struct fs *fs, struct vnode *dir)
{
	struct dentry *d = dir->self;

	if (dir == fs_rootdir)
		return -EBUSY;
	if (!d || !dir->parent)
		return -ENOENT; /* removed, or synthetic */
	fs->graft = d;
	fs->covered = dir;
	fs->root->parent = dir->parent;
	fs->root->self = d;
	d->vn = fs->root;
	list_append(fs);
	return 0;
}

/* The mount's path, as vfs_path_of gives it, for the mount list. */
static struct fs *fs_make_at(struct vnode *dir, const char *type,
			     uint64_t magic, uint32_t mode, int *r)
{
	char *where = heap_alloc(VFS_PATH_MAX);
	struct fs *fs = 0;

	*r = -ENOMEM;
	if (where) {
		long n = vfs_path_of(dir, where, VFS_PATH_MAX);
		*r = n < 0 ? (int)n : 0;
		if (!*r && !(fs = fs_make(type, magic, mode, where)))
			*r = -ENOMEM;
	}
	heap_free(where);
	return fs;
}

static int mount_at(const char *path, const char *type, uint64_t magic,
		    uint32_t mode, const struct vnode_ops *ops, void *priv)
{
	struct vnode *dir;
	struct fs *fs;
	int r = vfs_lookup(0, path, VFS_LOOKUP_DIRECTORY, &dir);

	if (r)
		return r;
	fs = fs_make_at(dir, type, magic, mode, &r);
	if (fs) {
		fs->root->ops = ops;
		fs->root->priv = priv;
		if ((r = graft(fs, dir)))
			fs_destroy(fs);
	}
	if (r)
		vfs_put(dir); /* else the mount keeps it */
	return r;
}

int vfs_mount_tmpfs(const char *path)
{
	return mount_at(path, "tmpfs", TMPFS_MAGIC, 01777, 0, 0);
}

int vfs_mount_synthetic(const char *path, const char *type, uint64_t magic,
			const struct vnode_ops *ops, void *priv)
{
	return mount_at(path, type, magic, 0555, ops, priv);
}

static int has_mounts(struct fs *fs)
{
	for (struct fs *m = mounts; m; m = m->next)
		if (m->covered && m->covered->fs == fs)
			return 1;
	return 0;
}

int vfs_umount(const char *path)
{
	struct vnode *vn;
	struct fs *fs;
	int r = vfs_lookup(0, path, VFS_LOOKUP_DIRECTORY, &vn);

	if (r)
		return r;
	fs = vn->fs;
	if (vn != fs->root || vn == fs_rootdir)
		r = -EINVAL;
	else if (fs_busy(fs, 1) || has_mounts(fs))
		r = -EBUSY;
	vfs_put(vn);
	if (!r)
		unmount(fs);
	return r;
}

int vfs_mount_at(unsigned i, struct vfs_mount_info *out)
{
	struct fs *fs = mounts;

	while (fs && i--)
		fs = fs->next;
	if (!fs)
		return 0;
	out->type = fs->type;
	out->path = fs->path;
	out->dev = VFS_MKDEV(0, fs->id);
	return 1;
}

/* In-memory filesystems share the page allocator: free is what it has. */
int vfs_statfs(struct vnode *vn, struct vfs_statfs *out)
{
	struct fs *fs = vn->fs;
	uint64_t free = node_is_synthetic_dir(fs->root) ? 0 : pmem_free_pages();

	memset(out, 0, sizeof(*out));
	out->type = fs->magic;
	out->bsize = out->frsize = FS_PAGE;
	out->blocks = free ? fs->pages + free : 0;
	out->bfree = out->bavail = free;
	out->files = free ? fs->inodes + free : 0;
	out->ffree = free;
	out->fsid = fs->id;
	out->namelen = VFS_NAME_MAX;
	return 0;
}
