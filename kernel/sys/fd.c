/* The file-descriptor table, open file descriptions, the console file and
 * the vnode file (kernel/fs), the working directory and path copying. */
#include "../console.h"
#include "../lib.h"
#include "../mm.h"
#include "calls.h"
#include "fd.h"
#include "ready.h"

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4
#define FIONREAD 0x541b

static struct fdslot {
	struct file *f;
	int cloexec;
} fds[FD_MAX];
static int fds_init;

/* ---- the console: fds 0, 1, 2 at start ---- */

static long con_read(struct file *f, void *buf, size_t len, uint64_t *off)
{
	(void)f, (void)buf, (void)len, (void)off;
	return 0; /* no input yet: end of file */
}

static long con_write(struct file *f, const void *buf, size_t len, uint64_t *off)
{
	(void)off;
	if (f == &console_err_file)
		console_write_err(buf, len);
	else
		console_write(buf, len);
	return (long)len;
}

static long con_lseek(struct file *f, int64_t off, int whence)
{
	(void)f, (void)off, (void)whence;
	return -ESPIPE;
}

static long con_ioctl(struct file *f, unsigned long cmd, uint64_t arg)
{
	(void)f;
	if (cmd == FIONREAD) {
		if (!user_range_ok(arg, 4))
			return -EFAULT;
		*(int *)arg = 0;
		return 0;
	}
	return -ENOTTY; /* not a terminal yet: programs fully buffer */
}

void console_fill_stat(struct vfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = VFS_MKDEV(0, 5);
	st->ino = 3;
	st->mode = VFS_IFCHR | 0620;
	st->nlink = 1;
	st->rdev = VFS_MKDEV(5, 1);
	st->blksize = 1024;
}

static int con_stat(struct file *f, struct vfs_stat *st)
{
	(void)f;
	console_fill_stat(st);
	return 0;
}

/* Writes never block; reads say end of file at once, so they never
 * block either. */
static unsigned con_poll(struct file *f, uint64_t *due)
{
	(void)f, (void)due;
	return POLL_ALWAYS;
}

static const struct file_ops console_ops = {
	.read = con_read, .write = con_write, .lseek = con_lseek,
	.ioctl = con_ioctl, .stat = con_stat, .poll = con_poll,
};

/* Two descriptions, so that the starter keeps the program's standard
 * output and error apart (as a container runtime's pipes do): fds 0 and 1
 * share console_file, fd 2 has console_err_file; dup2 moves them. */
struct file console_file = {
	.ops = &console_ops, .flags = VFS_O_RDWR, .refs = 1, .path = "/dev/console",
};
struct file console_err_file = {
	.ops = &console_ops, .flags = VFS_O_RDWR, .refs = 1, .path = "/dev/console",
};

/* ---- vnode files ---- */

static long vn_read(struct file *f, void *buf, size_t len, uint64_t *off)
{
	long n;

	if (VFS_ISDIR(vfs_mode(f->vn)))
		return -EISDIR;
	n = vfs_read(f->vn, buf, len, *off);
	if (n > 0)
		*off += (uint64_t)n;
	return n;
}

static long vn_write(struct file *f, const void *buf, size_t len, uint64_t *off)
{
	struct vfs_stat st;
	long n;

	if ((f->flags & O_APPEND_) && off == &f->off && VFS_ISREG(vfs_mode(f->vn))) {
		vfs_getattr(f->vn, &st);
		*off = (uint64_t)st.size;
	}
	n = vfs_write(f->vn, buf, len, *off);
	if (n > 0)
		*off += (uint64_t)n;
	return n;
}

static long vn_lseek(struct file *f, int64_t off, int whence)
{
	struct vfs_stat st;
	uint32_t m = vfs_mode(f->vn);
	int64_t base;

	if ((m & VFS_IFMT) == VFS_IFIFO || (m & VFS_IFMT) == VFS_IFSOCK)
		return -ESPIPE;
	if ((m & VFS_IFMT) == VFS_IFCHR) {
		f->off = 0; /* /dev/null and friends: always 0 */
		return 0;
	}
	vfs_getattr(f->vn, &st);
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->off;
		break;
	case SEEK_END:
		base = st.size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (!VFS_ISREG(m))
			return -EINVAL;
		if (off < 0 || off >= st.size)
			return -ENXIO;
		f->off = whence == SEEK_DATA ? (uint64_t)off : (uint64_t)st.size;
		return (long)f->off;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->off = (uint64_t)(base + off);
	return (long)f->off;
}

static long vn_ioctl(struct file *f, unsigned long cmd, uint64_t arg)
{
	struct vfs_stat st;
	int64_t n = 0;

	if (cmd != FIONREAD)
		return -ENOTTY;
	if (VFS_ISDIR(vfs_mode(f->vn)))
		return -ENOTTY;
	if (!user_range_ok(arg, 4))
		return -EFAULT;
	vfs_getattr(f->vn, &st);
	if (VFS_ISREG(st.mode) && st.size > (int64_t)f->off)
		n = st.size - (int64_t)f->off;
	*(int *)arg = n > INT32_MAX ? INT32_MAX : (int)n;
	return 0;
}

static int vn_stat(struct file *f, struct vfs_stat *st)
{
	return vfs_getattr(f->vn, st);
}

static unsigned vn_poll(struct file *f, uint64_t *due)
{
	(void)f, (void)due;
	return POLL_ALWAYS;
}

const struct file_ops vnode_file_ops = {
	.read = vn_read, .write = vn_write, .lseek = vn_lseek,
	.ioctl = vn_ioctl, .stat = vn_stat, .poll = vn_poll,
};

/* ---- descriptions ---- */

struct file *file_new(const struct file_ops *ops, struct vnode *vn, int flags)
{
	struct file *f = heap_alloc(sizeof(*f));

	if (!f)
		return 0;
	memset(f, 0, sizeof(*f));
	f->ops = ops;
	f->vn = vn;
	f->flags = flags;
	f->refs = 1;
	return f;
}

struct file *file_get(struct file *f)
{
	f->refs++;
	return f;
}

void file_put(struct file *f)
{
	if (--f->refs > 0)
		return;
	if (f == &console_file || f == &console_err_file) {
		f->refs = 1; /* static: never freed */
		return;
	}
	if (f->watchers)
		ready_file_gone(f);
	if (f->ops->close)
		f->ops->close(f);
	if (f->vn)
		vfs_put(f->vn);
	heap_free(f->path);
	heap_free(f);
}

const char *file_path(struct file *f)
{
	return f->path ? f->path : "anon_inode:[file]";
}

/* ---- the table ---- */

static void fds_setup(void)
{
	if (fds_init)
		return;
	fds_init = 1;
	for (int i = 0; i < 2; i++)
		fds[i].f = file_get(&console_file);
	fds[2].f = file_get(&console_err_file);
}

struct file *fd_file(long lfd)
{
	int fd = (int)lfd; /* an int in Linux's ABI: the upper half is junk */

	fds_setup();
	if (fd < 0 || fd >= FD_MAX)
		return 0;
	return fds[fd].f;
}

int fd_cloexec(int fd)
{
	return fds[fd].cloexec;
}

void fd_set_cloexec(int fd, int on)
{
	fds[fd].cloexec = on;
}

int fd_install(struct file *f, int min, int cloexec)
{
	fds_setup();
	for (int i = min < 0 ? 0 : min; i < FD_MAX; i++)
		if (!fds[i].f) {
			fds[i].f = file_get(f);
			fds[i].cloexec = cloexec;
			return i;
		}
	return -EMFILE;
}

void fd_install_at(struct file *f, int fd, int cloexec)
{
	struct file *old;

	fds_setup();
	old = fds[fd].f;
	fds[fd].f = file_get(f);
	fds[fd].cloexec = cloexec;
	if (old)
		file_put(old);
}

int fd_close(int fd)
{
	struct file *f = fd_file(fd);

	if (!f)
		return -EBADF;
	fds[fd].f = 0;
	fds[fd].cloexec = 0;
	file_put(f);
	return 0;
}

int fd_next_open(int from)
{
	fds_setup();
	for (int i = from < 0 ? 0 : from; i < FD_MAX; i++)
		if (fds[i].f)
			return i;
	return -1;
}

/* ---- working directory, umask ---- */

static struct vnode *cwd;
uint32_t cur_umask = 022;

struct vnode *cwd_get(void)
{
	return cwd ? vfs_get(cwd) : vfs_root();
}

void cwd_set(struct vnode *vn)
{
	if (cwd)
		vfs_put(cwd);
	cwd = vn;
}

/* ---- user paths ---- */

static char pathbuf[2][VFS_PATH_MAX];

int user_path(const char *u, int which, const char **out)
{
	char *b = pathbuf[which];
	uint64_t p = (uint64_t)u;

	if (!user_range_ok(p, 1))
		return -EFAULT;
	for (size_t i = 0; i < VFS_PATH_MAX; i++) {
		if ((i == 0 || ((p + i) & 4095) == 0) && !user_range_ok(p + i, 1))
			return -EFAULT;
		b[i] = u[i];
		if (!b[i]) {
			*out = b;
			return 0;
		}
	}
	return -ENAMETOOLONG;
}

#define AT_FDCWD (-100)

int at_dir(long dirfd, const char *path, struct vnode **out)
{
	struct file *f;

	*out = 0;
	if (path[0] == '/')
		return 0;
	if ((int)dirfd == AT_FDCWD) {
		*out = cwd_get();
		return 0;
	}
	f = fd_file((int)dirfd);
	if (!f)
		return -EBADF;
	if (!f->vn || !VFS_ISDIR(vfs_mode(f->vn)))
		return -ENOTDIR;
	*out = vfs_get(f->vn);
	return 0;
}
