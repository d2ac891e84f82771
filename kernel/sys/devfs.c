/* /dev (a tmpfs with device nodes whose behaviour comes from vnode_ops)
 * and the generated /etc files; sys_fs_setup mounts /dev and /proc. */
#include "../console.h"
#include "../lib.h"
#include "calls.h"
#include "fd.h"
#include "procfs.h"

static long null_read(struct vnode *vn, void *buf, size_t len, uint64_t off)
{
	(void)vn, (void)buf, (void)len, (void)off;
	return 0;
}

static long null_write(struct vnode *vn, const void *buf, size_t len, uint64_t off)
{
	(void)vn, (void)buf, (void)off;
	return (long)len;
}

static long zero_read(struct vnode *vn, void *buf, size_t len, uint64_t off)
{
	(void)vn, (void)off;
	memset(buf, 0, len);
	return (long)len;
}

static long full_write(struct vnode *vn, const void *buf, size_t len, uint64_t off)
{
	(void)vn, (void)buf, (void)len, (void)off;
	return -ENOSPC;
}

static long random_read(struct vnode *vn, void *buf, size_t len, uint64_t off)
{
	struct syscall_args a = { .a = { (long)buf, (long)len, 0 } };

	(void)vn, (void)off;
	return sys_getrandom(&a);
}

static long console_vwrite(struct vnode *vn, const void *buf, size_t len, uint64_t off)
{
	(void)vn, (void)off;
	console_write(buf, len);
	return (long)len;
}

static int dev_truncate(struct vnode *vn, uint64_t size)
{
	(void)vn, (void)size;
	return 0;
}

static const struct vnode_ops null_ops = { .read = null_read, .write = null_write,
					   .truncate = dev_truncate };
static const struct vnode_ops zero_ops = { .read = zero_read, .write = null_write,
					   .truncate = dev_truncate };
static const struct vnode_ops full_ops = { .read = zero_read, .write = full_write,
					   .truncate = dev_truncate };
static const struct vnode_ops random_ops = { .read = random_read, .write = null_write,
					     .truncate = dev_truncate };
static const struct vnode_ops console_ops = { .read = null_read, .write = console_vwrite,
					      .truncate = dev_truncate };

static const struct devnode {
	const char *name;
	uint32_t mode;
	unsigned major, minor;
	const struct vnode_ops *ops;
} devs[] = {
	{ "null", 0666, 1, 3, &null_ops },
	{ "zero", 0666, 1, 5, &zero_ops },
	{ "full", 0666, 1, 7, &full_ops },
	{ "random", 0666, 1, 8, &random_ops },
	{ "urandom", 0666, 1, 9, &random_ops },
	{ "tty", 0666, 5, 0, &console_ops },
	{ "console", 0620, 5, 1, &console_ops },
};

static const char *const links[][2] = {
	{ "/proc/self/fd/0", "stdin" },
	{ "/proc/self/fd/1", "stdout" },
	{ "/proc/self/fd/2", "stderr" },
	{ "/proc/self/fd", "fd" },
};

static void mount_dev(void)
{
	char path[64];
	struct vnode *vn;

	vfs_mkdir(0, "/dev", 0755); /* EEXIST when the image has one */
	if (vfs_mount_tmpfs("/dev")) {
		kprintf("husk: cannot mount /dev\n");
		return;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(devs); i++) {
		snprintf(path, sizeof(path), "/dev/%s", devs[i].name);
		if (vfs_mknod(0, path, VFS_IFCHR | devs[i].mode,
			      VFS_MKDEV(devs[i].major, devs[i].minor)))
			continue;
		if (vfs_lookup(0, path, VFS_LOOKUP_NOFOLLOW, &vn) == 0) {
			vfs_set_ops(vn, devs[i].ops, 0);
			vfs_put(vn);
		}
	}
	for (unsigned i = 0; i < ARRAY_SIZE(links); i++) {
		snprintf(path, sizeof(path), "/dev/%s", links[i][1]);
		vfs_symlink(links[i][0], 0, path);
	}
	vfs_mkdir(0, "/dev/shm", 01777);
	vfs_mkdir(0, "/dev/pts", 0755);
}

/* Writes path with text unless it exists. */
static void etc_default(const char *path, const char *text)
{
	struct vnode *vn;

	if (vfs_open(0, path, VFS_O_CREAT | VFS_O_EXCL | VFS_O_WRONLY, 0644, &vn))
		return;
	vfs_write(vn, text, strlen(text), 0);
	vfs_put(vn);
}

static void make_etc(void)
{
	vfs_mkdir(0, "/etc", 0755); /* EEXIST when the image has one */
	etc_default("/etc/hostname", PROCFS_HOSTNAME "\n");
	etc_default("/etc/hosts", "127.0.0.1\tlocalhost\n"
				  "::1\tlocalhost ip6-localhost ip6-loopback\n"
				  "127.0.1.1\t" PROCFS_HOSTNAME "\n");
	etc_default("/etc/resolv.conf", "nameserver 127.0.0.1\n");
}

void sys_fs_setup(void)
{
	make_etc();
	mount_dev();
	procfs_mount();
}
