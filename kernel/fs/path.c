/*
 * Path resolution. Symlinks are followed without recursion: the path and
 * each symlink target being walked form a stack of frames (at most 40
 * links, Linux's limit, so at most 41 frames), and a frame is popped when
 * its text is used up. A name is the last one when nothing but slashes
 * remains in every frame; a slash after it means "must be a directory".
 */
#include "../lib.h"
#include "fs.h"

struct frame {
	const char *p;      /* what remains to walk */
	struct vnode *link; /* the symlink holding that text (referenced) */
};

struct walker {
	struct frame f[VFS_SYMLOOP_MAX + 1];
	int top, links;
	struct vnode *dir; /* where we are (referenced) */
};

static void set_dir(struct walker *w, struct vnode *dir)
{
	vfs_put(w->dir);
	w->dir = dir;
}

/* The next name, popping used-up frames; 0 when the path is used up. */
static size_t next_name(struct walker *w, const char **name)
{
	const char *p, *s;

	for (;;) {
		p = w->f[w->top].p;
		while (*p == '/')
			p++;
		if (*p || !w->top)
			break;
		vfs_put(w->f[w->top--].link);
	}
	for (s = p; *p && *p != '/'; p++)
		;
	w->f[w->top].p = p;
	*name = s;
	return (size_t)(p - s);
}

static int is_last(struct walker *w, int *slash)
{
	*slash = 0;
	for (int i = w->top; i >= 0; i--) {
		const char *p = w->f[i].p;
		while (*p == '/') {
			*slash = 1;
			p++;
		}
		if (*p)
			return 0;
	}
	return 1;
}

/* Continues the walk inside a symlink's target (takes its reference). */
static int push(struct walker *w, struct vnode *link)
{
	const char *t = link->u.target;

	if (++w->links > VFS_SYMLOOP_MAX || !t) {
		vfs_put(link);
		return t ? -ELOOP : -ENOENT;
	}
	w->f[++w->top].p = t;
	w->f[w->top].link = link;
	if (*t == '/')
		set_dir(w, vfs_get(fs_rootdir));
	return 0;
}

static int dotdot(struct vnode *dir, struct vnode **out)
{
	if (dir == fs_rootdir) {
		*out = vfs_get(dir);
		return 0;
	}
	if (!dir->parent)
		return -ENOENT; /* removed */
	*out = vfs_get(dir->parent);
	return 0;
}

/* One name in one directory: the child, referenced. */
int fs_step(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct dentry *d;

	if (!VFS_ISDIR(dir->mode))
		return -ENOTDIR;
	if (len == 1 && name[0] == '.') {
		*out = vfs_get(dir);
		return 0;
	}
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return dotdot(dir, out);
	if (!dir->nlink && !dir->detached)
		return -ENOENT;
	if (node_is_synthetic_dir(dir))
		return dir->ops->lookup(dir, name, len, out);
	d = dir_find(dir, name, len);
	if (!d)
		return -ENOENT;
	*out = vfs_get(d->vn);
	return 0;
}

static int set_name(struct walker *w, const char *name, size_t len, int slash,
		    struct vfs_name *nd)
{
	nd->dir = vfs_get(w->dir);
	nd->slash = slash;
	nd->len = len;
	memcpy(nd->name, name, len);
	nd->name[len] = 0;
	nd->type = VFS_LAST_NORM;
	if (len == 1 && name[0] == '.')
		nd->type = VFS_LAST_DOT;
	else if (len == 2 && name[0] == '.' && name[1] == '.')
		nd->type = VFS_LAST_DOTDOT;
	else if (!len)
		nd->type = VFS_LAST_ROOT;
	return 1;
}

/* The last name was reached through a node c: where the walk ends. */
static int land(struct walker *w, struct vnode *c, int slash, int flags,
		struct vnode **out)
{
	if (VFS_ISLNK(c->mode) && (slash || !(flags & VFS_LOOKUP_NOFOLLOW)))
		return push(w, c); /* keep walking */
	if ((slash || (flags & VFS_LOOKUP_DIRECTORY)) && !VFS_ISDIR(c->mode)) {
		vfs_put(c);
		return -ENOTDIR;
	}
	*out = c;
	return 1;
}

static int run(struct walker *w, int flags, struct vnode **out,
	       struct vfs_name *nd)
{
	for (;;) {
		const char *name;
		size_t len = next_name(w, &name);
		int slash, last, r;
		struct vnode *c;

		if (!len) { /* only slashes: the directory itself ("/") */
			if (flags & WALK_PARENT)
				return set_name(w, "", 0, 1, nd);
			*out = vfs_get(w->dir);
			return 0;
		}
		if (len > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		last = is_last(w, &slash);
		if (last && (flags & WALK_PARENT))
			return set_name(w, name, len, slash, nd);
		r = fs_step(w->dir, name, len, &c);
		if (r == -ENOENT && last && (flags & WALK_CREATE))
			return set_name(w, name, len, slash, nd);
		if (r)
			return r;
		if (last) {
			r = land(w, c, slash, flags, out);
			if (r)
				return r < 0 ? r : 0;
		} else if (VFS_ISLNK(c->mode)) {
			if ((r = push(w, c)))
				return r;
		} else if (!VFS_ISDIR(c->mode)) {
			vfs_put(c);
			return -ENOTDIR;
		} else {
			set_dir(w, c);
		}
	}
}

/* Returns 0 with *out (referenced), or with WALK_PARENT/WALK_CREATE 1 with
 * nd->dir (referenced) and the last name; or -errno. */
int walk(struct vnode *cwd, const char *path, int flags, struct vnode **out,
	 struct vfs_name *nd)
{
	struct walker w;
	size_t n = strnlen(path, VFS_PATH_MAX);
	int r;

	if (!n)
		return -ENOENT;
	if (n == VFS_PATH_MAX)
		return -ENAMETOOLONG;
	w.top = 0;
	w.links = 0;
	w.f[0].p = path;
	w.f[0].link = 0;
	w.dir = vfs_get(*path == '/' || !cwd ? fs_rootdir : cwd);
	r = run(&w, flags, out, nd);
	for (; w.top > 0; w.top--)
		vfs_put(w.f[w.top].link);
	vfs_put(w.dir);
	return r;
}

int vfs_lookup(struct vnode *cwd, const char *path, int flags,
	       struct vnode **out)
{
	*out = 0;
	return walk(cwd, path, flags & (VFS_LOOKUP_NOFOLLOW | VFS_LOOKUP_DIRECTORY),
		    out, 0);
}

int vfs_lookup_parent(struct vnode *cwd, const char *path, struct vfs_name *out)
{
	int r = walk(cwd, path, WALK_PARENT, 0, out);

	if (r < 0)
		out->dir = 0;
	return r < 0 ? r : 0;
}

long vfs_path_of(struct vnode *dir, char *buf, size_t len)
{
	size_t pos = len;

	if (!len)
		return -ERANGE;
	buf[--pos] = 0;
	for (struct vnode *vn = dir; vn != fs_rootdir; vn = vn->parent) {
		struct dentry *d = vn->self;
		if (!d || !vn->parent)
			return -ENOENT;
		if (pos < (size_t)d->len + 1)
			return -ERANGE;
		pos -= d->len;
		memcpy(buf + pos, d->name, d->len);
		buf[--pos] = '/';
	}
	if (pos == len - 1) {
		if (!pos)
			return -ERANGE;
		buf[--pos] = '/';
	}
	memmove(buf, buf + pos, len - pos);
	return (long)(len - pos - 1);
}
