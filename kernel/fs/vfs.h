/*
 * The filesystem layer: one tree of nodes (struct vnode) made of mounted
 * filesystems. The root is the initrd (a cpio "newc" archive) seen through
 * a copy-on-write layer: its file data stays in the initrd's memory until
 * first written, every change lives in memory, the initrd bytes are never
 * written. /tmp and other in-memory filesystems are separate instances of
 * the same code; synthetic ones (/dev, /proc) attach callbacks to nodes.
 *
 * Conventions, chosen so that the system-call layer is a thin translation:
 *  - errors are negative Linux errno values (errno.h); 0 or a count is
 *    success;
 *  - mode bits, open flags, d_type and rename flags have Linux's values;
 *  - namespace operations take (directory, path) as the *at() system calls
 *    do: a relative path starts at the directory (the cwd, or a dirfd's
 *    node), an absolute one at the root;
 *  - data and attribute operations take a node;
 *  - a node returned to the caller carries a reference, dropped with
 *    vfs_put(); an unlinked node lives on while referenced (open files).
 *
 * Not done here, for the system-call layer: permission checks (helper:
 * vfs_permission), umask, O_APPEND and file offsets, UTIME_NOW/OMIT
 * translation, time conversion to struct timespec. Single-threaded: the
 * caller serialises calls.
 */
#ifndef KERNEL_FS_VFS_H
#define KERNEL_FS_VFS_H

#include <stddef.h>
#include <stdint.h>
#include "errno.h"

struct vnode;

/* File types and mode bits (st_mode), Linux values. */
#define VFS_IFMT 0170000
#define VFS_IFSOCK 0140000
#define VFS_IFLNK 0120000
#define VFS_IFREG 0100000
#define VFS_IFBLK 0060000
#define VFS_IFDIR 0040000
#define VFS_IFCHR 0020000
#define VFS_IFIFO 0010000
#define VFS_ISUID 04000
#define VFS_ISGID 02000
#define VFS_ISVTX 01000
#define VFS_ISDIR(m) (((m) & VFS_IFMT) == VFS_IFDIR)
#define VFS_ISREG(m) (((m) & VFS_IFMT) == VFS_IFREG)
#define VFS_ISLNK(m) (((m) & VFS_IFMT) == VFS_IFLNK)

/* Open flags that vfs_open() looks at (Linux values; others ignored). */
#define VFS_O_ACCMODE 03
#define VFS_O_RDONLY 00
#define VFS_O_WRONLY 01
#define VFS_O_RDWR 02
#define VFS_O_CREAT 0100
#define VFS_O_EXCL 0200
#define VFS_O_TRUNC 01000
#define VFS_O_DIRECTORY 0200000
#define VFS_O_NOFOLLOW 0400000
#define VFS_O_PATH 010000000

/* vfs_lookup() flags. */
#define VFS_LOOKUP_NOFOLLOW 1  /* return a final symlink itself */
#define VFS_LOOKUP_DIRECTORY 2 /* the result must be a directory */

/* vfs_rename() flags (renameat2). */
#define VFS_RENAME_NOREPLACE 1

/* d_type values. */
#define VFS_DT_UNKNOWN 0
#define VFS_DT_FIFO 1
#define VFS_DT_CHR 2
#define VFS_DT_DIR 4
#define VFS_DT_BLK 6
#define VFS_DT_REG 8
#define VFS_DT_LNK 10
#define VFS_DT_SOCK 12

#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 4096 /* including the terminating NUL */
#define VFS_SYMLOOP_MAX 40

/* Linux's device number encoding (makedev). */
#define VFS_MKDEV(ma, mi) \
	((((uint64_t)(ma) & 0xfffff000u) << 32) | (((uint64_t)(ma) & 0xfffu) << 8) | \
	 (((uint64_t)(mi) & 0xffffff00u) << 12) | ((uint64_t)(mi) & 0xffu))

/* The fields of Linux's struct stat; times in ns since the epoch. */
struct vfs_stat {
	uint64_t dev, ino;
	uint32_t mode, nlink, uid, gid;
	uint64_t rdev;
	int64_t size, blksize, blocks; /* blocks: 512-byte units */
	int64_t atime_ns, mtime_ns, ctime_ns;
};

/* One directory entry; `next` is the cookie that resumes after it (d_off). */
struct vfs_dirent {
	uint64_t ino, next;
	uint8_t type;
	uint16_t namelen;
	char name[VFS_NAME_MAX + 1];
};

/* The fields of Linux's struct statfs. */
struct vfs_statfs {
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree, fsid;
	uint64_t namelen, frsize, flags;
};

struct vfs_mount_info {
	const char *type, *path;
	uint64_t dev;
};

/* Parent lookup result: the directory (referenced) and the last name. */
enum vfs_last { VFS_LAST_NORM, VFS_LAST_DOT, VFS_LAST_DOTDOT, VFS_LAST_ROOT };
struct vfs_name {
	struct vnode *dir;
	enum vfs_last type;
	int slash; /* the name was followed by '/' */
	size_t len;
	char name[VFS_NAME_MAX + 1];
};

/*
 * Behaviour attached to a node: devices, fifos, synthetic files and
 * directories. Any callback may be NULL (the in-memory behaviour, or an
 * error, applies). A directory whose ops have `lookup` is synthetic: its
 * entries come from lookup/readdir and it cannot be modified.
 *  read/write: bytes transferred or -errno.
 *  getattr: called after the defaults are filled in, to adjust them.
 *  lookup: a child node with a reference (see vfs_node_new), or -ENOENT.
 *  readdir: called with *cookie >= 2 (0 and 1 are "." and ".."): fill
 *    *out and out->next and return 1, or return 0 at the end.
 *  release: the node is being freed (free `priv` here).
 */
struct vnode_ops {
	long (*read)(struct vnode *vn, void *buf, size_t len, uint64_t off);
	long (*write)(struct vnode *vn, const void *buf, size_t len, uint64_t off);
	int (*truncate)(struct vnode *vn, uint64_t size);
	int (*getattr)(struct vnode *vn, struct vfs_stat *st);
	int (*lookup)(struct vnode *dir, const char *name, size_t len,
		      struct vnode **out);
	int (*readdir)(struct vnode *dir, uint64_t cookie, struct vfs_dirent *out);
	void (*release)(struct vnode *vn);
};

/* Set-up and mounts (mount.c). vfs_init (re)starts with an empty writable
 * root; every node must have been released (tests call it repeatedly). */
int vfs_init(void);
/* Makes the initrd the root. Only on a root still untouched; on error the
 * root is unchanged and `err` says why, e.g. `entry 3 "etc/x" at offset
 * 512: parent directory missing` (the caller adds "initrd: "). */
int vfs_mount_initrd(const void *data, size_t size, char *err, size_t errlen);
int vfs_mount_tmpfs(const char *path);
/* A synthetic filesystem whose root directory has `ops` and `priv`. */
int vfs_mount_synthetic(const char *path, const char *type, uint64_t magic,
			const struct vnode_ops *ops, void *priv);
int vfs_umount(const char *path); /* -EBUSY while a node of it is in use */
/* The i-th mount in mount order (0: the root): 1, or 0 past the end. */
int vfs_mount_at(unsigned i, struct vfs_mount_info *out);
int vfs_statfs(struct vnode *vn, struct vfs_statfs *out);
struct vnode *vfs_root(void); /* referenced */
/* The owner of nodes created from now on (the caller's fsuid/fsgid). */
void vfs_set_creds(uint32_t uid, uint32_t gid);

/* References (node.c). */
struct vnode *vfs_get(struct vnode *vn);
void vfs_put(struct vnode *vn);
/* For ops implementers: a node outside any directory, referenced; for a
 * directory, `dir` is its parent (kept referenced). */
struct vnode *vfs_node_new(struct vnode *dir, uint32_t mode,
			   const struct vnode_ops *ops, void *priv);
void vfs_set_ops(struct vnode *vn, const struct vnode_ops *ops, void *priv);
/* The target of a symlink made by vfs_node_new (/proc/self, /dev/fd). */
int vfs_set_target(struct vnode *vn, const char *target);
void *vfs_priv(struct vnode *vn);
uint32_t vfs_mode(struct vnode *vn);

/* Path resolution (path.c). */
int vfs_lookup(struct vnode *cwd, const char *path, int flags,
	       struct vnode **out);
int vfs_lookup_parent(struct vnode *cwd, const char *path, struct vfs_name *out);
/* The absolute path of a directory (getcwd): length, or -ENOENT when it
 * was removed, -ERANGE when it does not fit. */
long vfs_path_of(struct vnode *dir, char *buf, size_t len);

/* Namespace operations (namei.c, rename.c). mode: permission bits (the
 * caller applies its umask); for mknod also the type. */
int vfs_open(struct vnode *cwd, const char *path, int flags, uint32_t mode,
	     struct vnode **out);
int vfs_mkdir(struct vnode *cwd, const char *path, uint32_t mode);
int vfs_mknod(struct vnode *cwd, const char *path, uint32_t mode, uint64_t rdev);
int vfs_symlink(const char *target, struct vnode *cwd, const char *path);
int vfs_link(struct vnode *oldcwd, const char *oldpath, struct vnode *newcwd,
	     const char *newpath, int follow);
int vfs_unlink(struct vnode *cwd, const char *path);
int vfs_rmdir(struct vnode *cwd, const char *path);
int vfs_rename(struct vnode *oldcwd, const char *oldpath,
	       struct vnode *newcwd, const char *newpath, int flags);

/* Data (file.c dispatch in attr.c). Offsets are absolute. */
long vfs_read(struct vnode *vn, void *buf, size_t len, uint64_t off);
long vfs_write(struct vnode *vn, const void *buf, size_t len, uint64_t off);
int vfs_truncate(struct vnode *vn, uint64_t size);
long vfs_readlink(struct vnode *vn, char *buf, size_t len);
/* Fills *out and returns 1, or returns 0 at the end; *cookie advances. */
int vfs_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *out);
/* For MAP_SHARED (file.c): the page (4096 bytes, from the page allocator)
 * holding bytes [index * 4096, ...) of a regular in-memory file, made and
 * copied up from the initrd when missing if `make`; NULL when there is
 * none, it cannot be made, or the file's data comes from ops. The page is
 * the file's own until a truncate frees it, which first calls the memory
 * layer's mm_file_truncating(vn, first index freed) (kernel/sys/mmap.c). */
void *vfs_file_page(struct vnode *vn, uint64_t index, int make);
/* 1 when vfs_file_page serves vn (a regular file whose data is kept). */
int vfs_file_mappable(struct vnode *vn);
/* For private mappings (kernel/sys/mmap.c): the initrd's own bytes of
 * [off, off + len) of a regular file, when every one of them is still the
 * initrd's (none written since, none past what the archive holds), else
 * NULL. They are only to be read: the initrd is never written, and may be
 * mapped read-only as it is when page-aligned. */
const void *vfs_file_lower(struct vnode *vn, uint64_t off, uint64_t len);
void mm_file_truncating(struct vnode *vn, uint64_t first_page);

/* Attributes (attr.c). chown: (uint32_t)-1 leaves an id unchanged;
 * utimens: a NULL time is left unchanged. */
int vfs_getattr(struct vnode *vn, struct vfs_stat *st);
int vfs_chmod(struct vnode *vn, uint32_t mode);
int vfs_chown(struct vnode *vn, uint32_t uid, uint32_t gid);
int vfs_utimens(struct vnode *vn, const int64_t *atime_ns,
		const int64_t *mtime_ns);
/* Linux's permission rule for (uid, gid): mask of 4 (read), 2 (write),
 * 1 (execute/search); root passes except execute without any x bit. */
int vfs_permission(struct vnode *vn, uint32_t uid, uint32_t gid, int mask);

#endif
