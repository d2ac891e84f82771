/*
 * rename(2) and renameat2's RENAME_NOREPLACE. The checks and their order
 * are Linux's (do_renameat2, vfs_rename). The move itself cannot fail
 * half-way: the new entry is allocated before anything changes.
 */
#include "../lib.h"
#include "fs.h"

/* Whether `a` is `x` or one of its ancestors. */
static int is_ancestor(struct vnode *a, struct vnode *x)
{
	for (; x; x = x->parent)
		if (x == a)
			return 1;
	return 0;
}

static int can_replace(struct vnode *vn, struct vnode *victim)
{
	if (VFS_ISDIR(vn->mode)) {
		if (!VFS_ISDIR(victim->mode))
			return -ENOTDIR;
		if (victim->u.dir.count)
			return -ENOTEMPTY;
	} else if (VFS_ISDIR(victim->mode)) {
		return -EISDIR;
	}
	return 0;
}

static int move(struct vnode *od, struct dentry *d, struct vnode *nd,
		struct dentry *t, struct vfs_name *n)
{
	struct vnode *vn = d->vn;
	struct dentry *nw = dentry_new(n->name, n->len);

	if (!nw)
		return -ENOSPC;
	if (t) {
		node_touch(t->vn, 0);
		dir_remove(nd, t);
	}
	dir_insert(nd, nw, vn); /* before the old name goes: vn stays linked */
	dir_remove(od, d);
	node_touch(vn, 0);
	node_touch(od, 1);
	node_touch(nd, 1);
	return 0;
}

static int rename_names(struct vfs_name *o, struct vfs_name *n, int flags)
{
	struct vnode *od = o->dir, *nd = n->dir, *vn, *victim;
	struct dentry *d, *t;
	int r;

	if (o->type != VFS_LAST_NORM)
		return -EBUSY;
	if (n->type != VFS_LAST_NORM)
		return (flags & VFS_RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	if (!VFS_ISDIR(od->mode) || !VFS_ISDIR(nd->mode))
		return -ENOTDIR;
	if (od->fs != nd->fs)
		return -EXDEV;
	if (node_is_synthetic_dir(od) || node_is_synthetic_dir(nd))
		return -EPERM;
	if (!(d = dir_find(od, o->name, o->len)))
		return -ENOENT;
	vn = d->vn;
	t = dir_find(nd, n->name, n->len);
	victim = t ? t->vn : 0;
	if (t && (flags & VFS_RENAME_NOREPLACE))
		return -EEXIST;
	if (!VFS_ISDIR(vn->mode) && (o->slash || n->slash))
		return -ENOTDIR;
	if (VFS_ISDIR(vn->mode) && is_ancestor(vn, nd))
		return -EINVAL; /* into its own subtree */
	if (victim && is_ancestor(victim, od))
		return -ENOTEMPTY;
	if (!nd->nlink)
		return -ENOENT;
	if (victim == vn)
		return 0; /* the same file: nothing to do */
	if (vn == vn->fs->root || (victim && victim == victim->fs->root))
		return -EBUSY;
	if (victim && (r = can_replace(vn, victim)))
		return r;
	return move(od, d, nd, t, n);
}

int vfs_rename(struct vnode *oldcwd, const char *oldpath,
	       struct vnode *newcwd, const char *newpath, int flags)
{
	struct vfs_name o, n;
	int r;

	if (flags & ~VFS_RENAME_NOREPLACE)
		return -EINVAL;
	r = walk(oldcwd, oldpath, WALK_PARENT, 0, &o);
	if (r < 0)
		return r;
	r = walk(newcwd, newpath, WALK_PARENT, 0, &n);
	if (r >= 0) {
		r = rename_names(&o, &n, flags);
		vfs_put(n.dir);
	}
	vfs_put(o.dir);
	return r;
}
