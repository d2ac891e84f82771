/* getdents64: directory entries from the description's cookie (its
 * offset), as many as fit. */
#include "../lib.h"
#include "calls.h"
#include "fd.h"

struct linux_dirent64 {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};

long sys_getdents64(const struct syscall_args *a)
{
	struct file *f = fd_file(a->a[0]);
	uint64_t ubuf = (uint64_t)a->a[1], count = (uint64_t)(uint32_t)a->a[2], pos = 0;
	static struct vfs_dirent de;

	if (!f || (f->flags & VFS_O_PATH))
		return -EBADF;
	if (!f->vn || !VFS_ISDIR(vfs_mode(f->vn)))
		return -ENOTDIR;
	if (!user_range_ok(ubuf, count))
		return -EFAULT;
	for (;;) {
		uint64_t cookie = f->off;
		int r = vfs_readdir(f->vn, &cookie, &de);
		size_t reclen;
		struct linux_dirent64 *d;

		if (r < 0)
			return pos ? (long)pos : r;
		if (r == 0)
			break;
		reclen = ALIGN_UP(offsetof(struct linux_dirent64, name) + de.namelen + 1, 8);
		if (pos + reclen > count) {
			if (!pos)
				return -EINVAL;
			break;
		}
		d = (struct linux_dirent64 *)(ubuf + pos);
		d->ino = de.ino;
		d->off = (int64_t)de.next;
		d->reclen = (uint16_t)reclen;
		d->type = de.type;
		memcpy(d->name, de.name, de.namelen);
		memset(d->name + de.namelen, 0,
		       reclen - offsetof(struct linux_dirent64, name) - de.namelen);
		pos += reclen;
		f->off = cookie;
	}
	return (long)pos;
}
