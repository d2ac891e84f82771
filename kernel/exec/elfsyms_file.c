/* elfsyms_lookup on a file of the root filesystem (see elfsyms.h). */
#include "../fs/fs.h"
#include "../fs/vfs.h"
#include "elfsyms.h"

static long vn_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return vfs_read(ctx, buf, len, off);
}

int elfsyms_lookup_path(const char *path, uint64_t off, char *name, size_t n,
			uint64_t *delta)
{
	struct vnode *root, *vn;
	struct vfs_stat st;
	int rc;

	/* A mapping's name is the path it was opened by: a relative one
	 * would be resolved against a directory that may have changed. */
	if (!path || path[0] != '/' || !fs_rootdir)
		return -1;
	root = vfs_root();
	rc = vfs_lookup(root, path, 0, &vn);
	vfs_put(root);
	if (rc)
		return -1;
	rc = vfs_getattr(vn, &st);
	if (!rc && VFS_ISREG(st.mode) && st.size > 0)
		rc = elfsyms_lookup(vn_read, vn, (uint64_t)st.size, off, name, n,
				    delta);
	else
		rc = -1;
	vfs_put(vn);
	return rc;
}
