/* File-system calls. For now readlink, with /proc/self/exe answered from
 * the path the program was started with. */
#include "../fs/vfs.h"
#include "../lib.h"
#include "calls.h"

#define PATH_MAX 4096

static char exe[PATH_MAX];

void sys_set_exe(const char *path)
{
	snprintf(exe, sizeof(exe), "%s", path);
}

static int user_string_ok(const char *s)
{
	return user_range_ok((uint64_t)s, 1);
}

long sys_readlink(const struct syscall_args *a)
{
	const char *path = (const char *)a->a[0];
	char *buf = (char *)a->a[1];
	uint64_t len = (uint64_t)a->a[2];
	struct vnode *root, *vn;
	long n;
	int rc;

	if (!user_string_ok(path) || !user_range_ok((uint64_t)buf, len))
		return -EFAULT;
	if (!strcmp(path, "/proc/self/exe")) {
		n = (long)strlen(exe);
		if ((uint64_t)n > len)
			n = (long)len;
		memcpy(buf, exe, (size_t)n);
		return n;
	}
	root = vfs_root();
	rc = vfs_lookup(root, path, VFS_LOOKUP_NOFOLLOW, &vn);
	vfs_put(root);
	if (rc)
		return rc;
	n = vfs_readlink(vn, buf, len);
	vfs_put(vn);
	return n;
}
