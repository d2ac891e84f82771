/* Internals shared by the files of the filesystem layer (not an API). */
#ifndef KERNEL_FS_FS_H
#define KERNEL_FS_FS_H

#include "vfs.h"

#define FS_PAGE 4096
#define FS_MAX_SIZE ((uint64_t)INT64_MAX) /* Linux's MAX_LFS_FILESIZE */

/* A name in a directory. Entries are kept in a hash table for lookup and
 * in a list ordered by cookie for readdir: cookies only grow, so a
 * readdir resumed at a cookie neither repeats nor skips surviving entries. */
struct dentry {
	struct dentry *hnext;       /* hash chain */
	struct dentry *prev, *next; /* cookie order */
	struct vnode *vn;
	uint64_t cookie;
	uint32_t hash;
	uint16_t len;
	char name[];                /* NUL-terminated */
};

struct dirtab {
	struct dentry **buckets; /* NULL until the first entry */
	uint32_t nbuckets, count;
	struct dentry *head, *tail;
	uint64_t next_cookie;
};

/* File data: a radix tree of pages (512 slots a level), so that appends,
 * large and sparse files cost what they use. Pages the tree lacks read as
 * the initrd's bytes below lower_len and as zeros above: a page is copied
 * up from the initrd on its first write. */
struct filedata {
	void *root;              /* index page, or the data page at height 0 */
	unsigned height;         /* index levels above the data pages */
	uint64_t npages;         /* data pages held */
	const uint8_t *lower;
	uint64_t lower_len;
};

/* A filesystem instance: st_dev, statfs and the mount list. */
struct fs {
	uint32_t id;
	const char *type;
	uint64_t magic;
	char *path;              /* where it is mounted */
	struct vnode *root;
	struct vnode *covered;   /* the directory it hides (referenced) */
	struct dentry *graft;    /* the entry that now names root */
	uint64_t next_ino, inodes, pages, active; /* active: node references */
	struct fs *next;
};

struct vnode {
	struct fs *fs;
	const struct vnode_ops *ops;
	void *priv;
	uint64_t ino, rdev, size;
	uint32_t mode, nlink, uid, gid, refs;
	int64_t atime, mtime, ctime;
	/* Directories: the parent and the entry naming us there; both NULL
	 * once removed. Detached synthetic nodes hold a reference on it. */
	struct vnode *parent;
	struct dentry *self;
	int detached;
	union {
		struct dirtab dir;
		struct filedata file;
		char *target; /* symlink */
	} u;
};

/* node.c */
void *fs_zalloc(size_t size);
struct vnode *node_new(struct fs *fs, uint32_t mode);
void node_maybe_free(struct vnode *vn);
int64_t fs_now(void);
void node_touch(struct vnode *vn, int mtime); /* ctime, and mtime if asked */
struct fs *fs_new(const char *type, uint64_t magic);
void fs_free(struct fs *fs);
int node_is_synthetic_dir(struct vnode *vn);

/* dir.c */
int dir_init(struct vnode *dir);
struct dentry *dentry_new(const char *name, size_t len);
void dentry_free(struct dentry *d);
struct dentry *dir_find(struct vnode *dir, const char *name, size_t len);
void dir_insert(struct vnode *dir, struct dentry *d, struct vnode *vn);
void dir_remove(struct vnode *dir, struct dentry *d);
struct dentry *dir_from(struct vnode *dir, uint64_t cookie);
void dir_destroy_tree(struct vnode *root);
int dir_add(struct vnode *dir, const char *name, size_t len, struct vnode *vn);

/* file.c */
long file_read(struct vnode *vn, void *buf, size_t len, uint64_t off);
long file_write(struct vnode *vn, const void *buf, size_t len, uint64_t off);
int file_truncate(struct vnode *vn, uint64_t size);
void file_free(struct vnode *vn);

/* path.c */
#define WALK_PARENT 4 /* stop before the last name */
#define WALK_CREATE 8 /* a missing last name: return its parent (1) */
int walk(struct vnode *cwd, const char *path, int flags, struct vnode **out,
	 struct vfs_name *nd);
int fs_step(struct vnode *dir, const char *name, size_t len, struct vnode **out);

/* mount.c */
extern struct vnode *fs_rootdir;
extern uint32_t fs_uid, fs_gid;

/* cpio.c: a new filesystem holding the archive's tree, or -errno. */
int cpio_load(const void *data, size_t size, struct fs *fs, char *err,
	      size_t errlen);

#endif
