/*
 * The initrd: a cpio "newc" archive (magic 070701, or 070702 with
 * checksums) turned into a tree of nodes. Regular file data is not copied:
 * nodes point into the archive (see file.c).
 *
 * The archive is hostile input. Every offset is checked against the end
 * before it is read (in the form `len > size - off`, which cannot
 * overflow), names must be NUL-terminated exactly where the header says,
 * and an entry may only add a name under a directory an earlier entry
 * made: no "..", no absolute path, no following symlinks, no duplicates.
 * Any error names the entry and stops; the caller throws the tree away.
 *
 * Each entry: a 110-byte header (6-byte magic, 13 fields of 8 hex digits),
 * the name (namesize bytes with its NUL), padding to 4, the data, padding
 * to 4. Hard links share (dev, ino) with nlink > 1; GNU cpio stores the
 * data with the last of them, Linux lets the last one with data win, so do
 * we. The archive ends with the entry "TRAILER!!!"; what follows is ignored.
 *
 * A regular file named "." after the root is padding, skipped: husk's
 * packer puts one before an ELF file so that its data starts on a page
 * boundary, where kernel/sys/mmap_private.c can map it in place
 * (lib/rootfs_cpio.c).
 */
#include "../lib.h"
#include "../mm.h"
#include "fs.h"

#define HDR_LEN 110
#define NLINKB 64 /* hard-link table buckets */

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR,
       F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, NFIELDS };

struct hlink {
	struct hlink *next;
	uint32_t ino, major, minor;
	struct vnode *vn;
};

struct ctx {
	const uint8_t *base;
	size_t size, off;     /* the archive; the current entry's offset */
	size_t next;          /* the next entry's offset */
	unsigned index;       /* the current entry's number, from 0 */
	const char *name;     /* its name, when known */
	size_t name_avail;    /* bytes of it inside the archive */
	uint32_t f[NFIELDS];
	int crc;
	const uint8_t *data;
	char *err;
	size_t errlen;
	struct fs *fs;
	struct hlink **links;
	int root_seen;
	int64_t now;
};

/* The name for an error message: quoted, cut, unprintable bytes as '?'. */
static void show_name(struct ctx *c, char *buf, size_t len)
{
	size_t n = 0, i;

	if (!c->name) {
		snprintf(buf, len, "-");
		return;
	}
	buf[n++] = '"';
	for (i = 0; i < c->name_avail && c->name[i] && n + 5 < len; i++)
		buf[n++] = c->name[i] >= 0x20 && c->name[i] < 0x7f ? c->name[i] : '?';
	if (i < c->name_avail && c->name[i])
		for (int k = 0; k < 3; k++)
			buf[n++] = '.';
	buf[n++] = '"';
	buf[n] = 0;
}

static int fail(struct ctx *c, int err, const char *why)
{
	char name[72];

	if (c->errlen) {
		show_name(c, name, sizeof(name));
		snprintf(c->err, c->errlen, "entry %u %s at offset %zu: %s",
			 c->index, name, c->off, why);
	}
	return err;
}

static int hex8(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t ch = p[i];
		uint32_t d;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return 0;
		v = v << 4 | d;
	}
	*out = v;
	return 1;
}

static int parse_header(struct ctx *c)
{
	const uint8_t *p;

	if (c->off > c->size || c->size - c->off < HDR_LEN)
		return fail(c, -EINVAL, "truncated archive (no TRAILER!!! entry)");
	p = c->base + c->off;
	if (!memcmp(p, "070701", 6))
		c->crc = 0;
	else if (!memcmp(p, "070702", 6))
		c->crc = 1;
	else
		return fail(c, -EINVAL, "bad magic (not a cpio newc archive)");
	for (int i = 0; i < NFIELDS; i++)
		if (!hex8(p + 6 + 8 * i, &c->f[i]))
			return fail(c, -EINVAL, "header field is not 8 hex digits");
	return 0;
}

static int parse_name(struct ctx *c)
{
	size_t room = c->size - c->off - HDR_LEN, ns = c->f[F_NAMESIZE];

	c->name = (const char *)c->base + c->off + HDR_LEN;
	c->name_avail = ns < room ? ns : room;
	if (ns <= 1)
		return fail(c, -EINVAL, "empty name");
	if (ns > room)
		return fail(c, -EINVAL, "name runs past the end of the archive");
	if (c->name[ns - 1])
		return fail(c, -EINVAL, "name is not NUL-terminated at its size");
	if (strnlen(c->name, ns) != ns - 1)
		return fail(c, -EINVAL, "name is shorter than its size says");
	if (ns > VFS_PATH_MAX)
		return fail(c, -ENAMETOOLONG, "name longer than 4095 bytes");
	return 0;
}

/* Finds the data and the next entry's offset. */
static int parse_data(struct ctx *c)
{
	size_t at = ALIGN_UP(c->off + HDR_LEN + c->f[F_NAMESIZE], 4);
	uint32_t sum = 0;

	if (at > c->size || c->f[F_FILESIZE] > c->size - at)
		return fail(c, -EINVAL, "data runs past the end of the archive");
	c->data = c->base + at;
	/* As Linux's initramfs and GNU cpio: only regular files are summed. */
	if (c->crc && VFS_ISREG(c->f[F_MODE])) {
		for (uint32_t i = 0; i < c->f[F_FILESIZE]; i++)
			sum += c->data[i];
		if (sum != c->f[F_CHECK])
			return fail(c, -EINVAL, "data checksum mismatch");
	}
	c->next = ALIGN_UP(at + c->f[F_FILESIZE], 4);
	return 0;
}

/* The directory the entry goes in, and its last name (*len 0: the root).
 * Walks names made by earlier entries only, never through a symlink. */
static int place(struct ctx *c, struct vnode **dirp, const char **last,
		 size_t *len)
{
	struct vnode *dir = c->fs->root;
	const char *p = c->name, *s, *prev = 0;
	size_t n, prevlen = 0;

	if (*p == '/')
		return fail(c, -EINVAL, "absolute path");
	for (;;) {
		while (*p == '/')
			p++;
		for (s = p; *p && *p != '/'; p++)
			;
		if (!(n = (size_t)(p - s)))
			break;
		if (n == 1 && s[0] == '.')
			continue; /* "./a", "a/./b" */
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return fail(c, -EINVAL, "\"..\" in the name");
		if (n > VFS_NAME_MAX)
			return fail(c, -ENAMETOOLONG, "a name longer than 255 bytes");
		if (prev) {
			struct dentry *d = dir_find(dir, prev, prevlen);
			if (!d)
				return fail(c, -ENOENT, "parent directory missing");
			if (!VFS_ISDIR(d->vn->mode))
				return fail(c, -ENOTDIR, "parent is not a directory");
			dir = d->vn;
		}
		prev = s;
		prevlen = n;
	}
	*dirp = dir;
	*last = prev;
	*len = prevlen;
	return 0;
}

static void set_attrs(struct ctx *c, struct vnode *vn)
{
	vn->mode = (vn->mode & VFS_IFMT) | (c->f[F_MODE] & 07777);
	vn->uid = c->f[F_UID];
	vn->gid = c->f[F_GID];
	vn->atime = vn->mtime = (int64_t)c->f[F_MTIME] * 1000000000;
	vn->ctime = c->now; /* when it was made here, as Linux's extraction */
}

/* Data belongs to regular files and symlinks only. */
static int check_type(struct ctx *c, uint32_t type)
{
	uint32_t size = c->f[F_FILESIZE];

	switch (type) {
	case VFS_IFREG:
		return 0;
	case VFS_IFLNK:
		if (!size)
			return fail(c, -EINVAL, "empty symlink target");
		if (size >= VFS_PATH_MAX)
			return fail(c, -ENAMETOOLONG, "symlink target too long");
		if (strnlen((const char *)c->data, size) != size)
			return fail(c, -EINVAL, "NUL in a symlink target");
		return 0;
	case VFS_IFDIR:
	case VFS_IFCHR:
	case VFS_IFBLK:
	case VFS_IFIFO:
	case VFS_IFSOCK:
		return size ? fail(c, -EINVAL, "data in a directory or special file")
			    : 0;
	default:
		return fail(c, -EINVAL, "unknown file type");
	}
}

static void set_data(struct ctx *c, struct vnode *vn)
{
	vn->u.file.lower = c->data;
	vn->u.file.lower_len = vn->size = c->f[F_FILESIZE];
}

static int new_node(struct ctx *c, uint32_t type, struct vnode **out)
{
	struct vnode *vn = node_new(c->fs, type);
	uint32_t size = c->f[F_FILESIZE];

	if (!vn)
		return fail(c, -ENOMEM, "out of memory");
	set_attrs(c, vn);
	if (type == VFS_IFREG) {
		set_data(c, vn);
	} else if (type == VFS_IFLNK) {
		if (!(vn->u.target = heap_alloc(size + 1))) {
			node_maybe_free(vn);
			return fail(c, -ENOMEM, "out of memory");
		}
		memcpy(vn->u.target, c->data, size);
		vn->u.target[size] = 0;
		vn->size = size;
	} else if (type == VFS_IFCHR || type == VFS_IFBLK) {
		vn->rdev = VFS_MKDEV(c->f[F_RDEVMAJOR], c->f[F_RDEVMINOR]);
	}
	*out = vn;
	return 0;
}

/* Hard links, as Linux's initramfs: not directories, not symlinks. */
static int linkable(struct ctx *c, uint32_t type)
{
	return c->f[F_NLINK] > 1 && type != VFS_IFDIR && type != VFS_IFLNK;
}

static struct hlink **link_slot(struct ctx *c)
{
	uint32_t h = c->f[F_INO] ^ (c->f[F_DEVMINOR] * 31) ^ (c->f[F_DEVMAJOR] * 131);

	return &c->links[h % NLINKB];
}

static struct vnode *link_find(struct ctx *c)
{
	for (struct hlink *h = *link_slot(c); h; h = h->next)
		if (h->ino == c->f[F_INO] && h->major == c->f[F_DEVMAJOR] &&
		    h->minor == c->f[F_DEVMINOR])
			return h->vn;
	return 0;
}

static int link_remember(struct ctx *c, struct vnode *vn)
{
	struct hlink *h = heap_alloc(sizeof(*h)), **slot = link_slot(c);

	if (!h)
		return fail(c, -ENOMEM, "out of memory");
	h->ino = c->f[F_INO];
	h->major = c->f[F_DEVMAJOR];
	h->minor = c->f[F_DEVMINOR];
	h->vn = vn;
	h->next = *slot;
	*slot = h;
	return 0;
}

/* Another name for a node: its metadata, and data if any, win. */
static int add_link(struct ctx *c, struct vnode *dir, const char *name,
		    size_t len, struct vnode *vn, uint32_t type)
{
	if ((vn->mode & VFS_IFMT) != type)
		return fail(c, -EINVAL, "hard link to a node of another type");
	if (dir_add(dir, name, len, vn))
		return fail(c, -ENOMEM, "out of memory");
	set_attrs(c, vn);
	if (c->f[F_FILESIZE])
		set_data(c, vn);
	return 0;
}

static int add_root(struct ctx *c, uint32_t type)
{
	if (c->root_seen)
		return fail(c, -EEXIST, "duplicate entry");
	if (type != VFS_IFDIR)
		return fail(c, -ENOTDIR, "the root is not a directory");
	set_attrs(c, c->fs->root);
	c->root_seen = 1;
	return 0;
}

static int add_entry(struct ctx *c)
{
	uint32_t type = c->f[F_MODE] & VFS_IFMT;
	struct vnode *dir, *vn;
	const char *name;
	size_t len;
	int r;

	if ((r = check_type(c, type)) || (r = place(c, &dir, &name, &len)))
		return r;
	if (!len)
		return add_root(c, type);
	if (dir_find(dir, name, len))
		return fail(c, -EEXIST, "duplicate entry");
	if (linkable(c, type) && (vn = link_find(c)))
		return add_link(c, dir, name, len, vn, type);
	if ((r = new_node(c, type, &vn)))
		return r;
	if (dir_add(dir, name, len, vn)) {
		node_maybe_free(vn);
		return fail(c, -ENOMEM, "out of memory");
	}
	return linkable(c, type) ? link_remember(c, vn) : 0;
}

/* 1 at the trailer, 0 after an entry, or -errno. */
static int entry(struct ctx *c)
{
	int r;

	c->name = 0;
	if ((r = parse_header(c)) || (r = parse_name(c)) || (r = parse_data(c)))
		return r;
	if (!strcmp(c->name, "TRAILER!!!"))
		return 1;
	if (!strcmp(c->name, ".") && (c->f[F_MODE] & VFS_IFMT) == VFS_IFREG &&
	    c->root_seen)
		return 0; /* padding */
	return add_entry(c);
}

static void links_free(struct ctx *c)
{
	for (unsigned i = 0; i < NLINKB; i++) {
		struct hlink *h = c->links[i], *next;
		for (; h; h = next) {
			next = h->next;
			heap_free(h);
		}
	}
	heap_free(c->links);
}

int cpio_load(const void *data, size_t size, struct fs *fs, char *err,
	      size_t errlen)
{
	struct ctx c;
	int r;

	memset(&c, 0, sizeof(c));
	c.base = data;
	c.size = size;
	c.err = err;
	c.errlen = errlen;
	c.fs = fs;
	c.now = fs_now();
	c.links = fs_zalloc(NLINKB * sizeof(*c.links));
	if (!c.links)
		return fail(&c, -ENOMEM, "out of memory");
	while (!(r = entry(&c))) {
		c.index++;
		c.off = c.next;
	}
	links_free(&c);
	return r < 0 ? r : 0;
}
