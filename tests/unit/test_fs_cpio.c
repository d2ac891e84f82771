/*
 * The initrd layer on the host: real archives written by `cpio -o -H newc`
 * (and -H crc) from a directory populated here, compared entry by entry
 * with the host's view of that directory; the copy-on-write layer on top;
 * then hostile archives: every truncation of a valid one, corrupted bytes,
 * and hand-made headers for each rule. Archives sit in buffers of their
 * exact size, so AddressSanitizer catches any read past the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "check.h"
#include "../../kernel/fs/vfs.h"

extern long fs_shim_heap_budget, fs_shim_heap_live, fs_shim_pages_live;
extern size_t fs_shim_heap_bytes;

#define BIG (1 << 20)

static char dir[64];
static struct vnode *root;
static long heap_base;
static char err[256];

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static unsigned char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? (size_t)n : 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 4096);
}

/* Releases everything and starts over with an empty root. */
static void reset(void)
{
	vfs_put(root);
	root = NULL;
	if (vfs_init())
		printf("FAIL: reset: a node is still referenced\n");
}

static int mount(const void *data, size_t size)
{
	int r;

	reset();
	r = vfs_mount_initrd(data, size, err, sizeof(err));
	root = vfs_root();
	return r;
}

/* The root is the empty one vfs_init made, and nothing leaked. */
static int pristine(void)
{
	struct vfs_mount_info mi;
	struct vfs_dirent e;
	uint64_t c = 0;
	int n = 0;

	while (vfs_readdir(root, &c, &e) == 1)
		n++;
	vfs_put(root);
	root = NULL;
	vfs_init();
	root = vfs_root();
	return n == 2 && vfs_mount_at(0, &mi) && !strcmp(mi.type, "rootfs") &&
	       fs_shim_heap_live == heap_base && fs_shim_pages_live == 0;
}

static struct vnode *node(const char *path, int flags)
{
	struct vnode *vn = NULL;

	vfs_lookup(root, path, flags, &vn);
	return vn;
}

static int lookup(const char *path, int flags)
{
	struct vnode *vn = node(path, flags);
	int r = vn ? 0 : vfs_lookup(root, path, flags, &vn);

	vfs_put(vn);
	return r;
}

static int stat_of(const char *path, struct vfs_stat *s)
{
	struct vnode *vn = node(path, VFS_LOOKUP_NOFOLLOW);
	int r = vn ? vfs_getattr(vn, s) : -ENOENT;

	vfs_put(vn);
	return r;
}

static int content_is(const char *path, const void *want, size_t len)
{
	struct vnode *vn = node(path, 0);
	unsigned char *buf = malloc(len + 16);
	int ok = vn && vfs_read(vn, buf, len + 16, 0) == (long)len &&
		 !memcmp(buf, want, len);

	free(buf);
	vfs_put(vn);
	return ok;
}

/* ---- the host tree ---- */

static int is_root;

static void make_tree(void)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/root/big", dir);
	sh("mkdir -p %s/root/a/b/c %s/root/emptydir %s/root/tmp", dir, dir, dir);
	f = fopen(path, "wb");
	for (size_t i = 0; i < BIG; i++)
		fputc(pattern(i), f);
	fclose(f);
	sh("cd %s/root && : > empty && printf 'hello\\n' > a/b/c/file && "
	   "ln -s ../../../big a/b/c/rel && ln -s /a/b/c/file abs && "
	   "ln -s nowhere dangling && ln -s loop2 loop1 && ln -s loop1 loop2 && "
	   "printf 'data\\n' > h1 && ln h1 a/h2 && ln h1 a/b/h3 && "
	   "printf '#!/bin/sh\\n' > exe && chmod 0755 exe && "
	   "printf 'secret\\n' > secret && chmod 0600 secret && "
	   "printf x > suid && chmod 4755 suid && mkdir sticky && chmod 1777 sticky && "
	   "mkfifo fifo && printf old > old && touch -d @1000000000 old && "
	   "touch -h -d @1234567890 abs && touch -d @1000000000 a/b", dir);
	is_root = geteuid() == 0;
	if (is_root) {
		sh("cd %s/root && : > owned && chown 1234:5678 owned", dir);
		sh("cd %s/root && mknod dev c 1 3 2>/dev/null; mknod blk b 8 1 2>/dev/null; true", dir);
	}
	sh("cd %s/root && python3 -c 'import socket; socket.socket(socket.AF_UNIX)"
	   ".bind(\"sock\")' 2>/dev/null; true", dir);
	sh("cd %s/root && touch -d @1500000000 . && "
	   "find . | cpio -o -H newc --quiet > ../a.cpio 2>/dev/null && "
	   "find . | cpio -o -H crc --quiet > ../c.cpio 2>/dev/null", dir);
}

/* Every host entry, compared with what the archive became. */
static struct {
	int entries, missing, mode, owner, mtime, size, nlink, rdev, data, target;
} cmp;

static int compare_one(const char *path, const struct stat *hs, int type,
		       struct FTW *ftw)
{
	const char *rel = path + strlen(dir) + 5; /* after "<dir>/root" */
	struct vfs_stat s;
	struct vnode *vn;

	(void)type, (void)ftw;
	cmp.entries++;
	if (!*rel)
		rel = "/";
	vn = node(rel, VFS_LOOKUP_NOFOLLOW);
	if (!vn) {
		cmp.missing++;
		printf("missing: %s\n", rel);
		return 0;
	}
	vfs_getattr(vn, &s);
	cmp.mode += s.mode != hs->st_mode;
	cmp.owner += s.uid != hs->st_uid || s.gid != hs->st_gid;
	cmp.mtime += s.mtime_ns != (int64_t)hs->st_mtime * 1000000000;
	if (S_ISREG(hs->st_mode) || S_ISLNK(hs->st_mode))
		cmp.size += s.size != hs->st_size;
	if (!S_ISDIR(hs->st_mode))
		cmp.nlink += s.nlink != hs->st_nlink;
	if (S_ISCHR(hs->st_mode) || S_ISBLK(hs->st_mode))
		cmp.rdev += s.rdev != VFS_MKDEV(major(hs->st_rdev), minor(hs->st_rdev));
	if (S_ISREG(hs->st_mode)) {
		size_t n;
		unsigned char *want = slurp(path, &n);
		cmp.data += !want || !content_is(rel, want, n);
		free(want);
	}
	if (S_ISLNK(hs->st_mode)) {
		char a[256] = "", b[256] = "";
		readlink(path, a, sizeof(a) - 1);
		vfs_readlink(vn, b, sizeof(b) - 1);
		cmp.target += strcmp(a, b) != 0;
	}
	vfs_put(vn);
	return 0;
}

/* Entries reachable by readdir, recursively (not following symlinks). */
static int count_tree(struct vnode *d)
{
	struct vfs_dirent e;
	uint64_t c = 2;
	int n = 1;

	while (vfs_readdir(d, &c, &e) == 1) {
		struct vnode *x;
		if (vfs_lookup(d, e.name, VFS_LOOKUP_NOFOLLOW, &x))
			return -1000;
		n += e.type == VFS_DT_DIR ? count_tree(x) : 1;
		vfs_put(x);
	}
	return n;
}

static void compare_tree(const char *label)
{
	char path[128], name[128];

	memset(&cmp, 0, sizeof(cmp));
	snprintf(path, sizeof(path), "%s/root", dir);
	nftw(path, compare_one, 16, FTW_PHYS);
#define TREE(what, cond)                                                   \
	snprintf(name, sizeof(name), "%s: %s", label, what);               \
	CHECK(name, cond)
	TREE("every host entry is there", cmp.entries > 25 && !cmp.missing);
	TREE("and nothing else", count_tree(root) == cmp.entries);
	TREE("modes (type, permissions, setuid, sticky)", !cmp.mode);
	TREE("owners", !cmp.owner);
	TREE("mtimes", !cmp.mtime);
	TREE("sizes", !cmp.size);
	TREE("link counts", !cmp.nlink);
	TREE("device numbers", !cmp.rdev);
	TREE("file contents", !cmp.data);
	TREE("symlink targets", !cmp.target);
}

static void test_real(void)
{
	size_t size, csize;
	unsigned char *ar = NULL, *copy, *crc;
	unsigned char *buf = malloc(BIG);
	struct vfs_stat s, s2;
	struct vnode *f;
	int ok;

	snprintf(err, sizeof(err), "%s/a.cpio", dir);
	ar = slurp(err, &size);
	CHECK("cpio -H newc made an archive", ar && size > BIG);
	if (!ar)
		return;
	copy = malloc(size);
	memcpy(copy, ar, size);
	CHECK("mount the archive", mount(ar, size) == 0 && err[0] == 0);
	compare_tree("newc");
	CHECK("zero copy: no pages, little heap", fs_shim_pages_live == 0 &&
							  fs_shim_heap_bytes < 64 * 1024);
	CHECK("a second initrd: EBUSY", vfs_mount_initrd(ar, size, err, sizeof(err)) == -EBUSY &&
						strstr(err, "in use"));
	CHECK("root attributes from '.'", stat_of("/", &s) == 0 && s.mtime_ns ==
					   1500000000LL * 1000000000 && VFS_ISDIR(s.mode));
	CHECK("old mtime", stat_of("/old", &s) == 0 && s.mtime_ns == 1000000000LL * 1000000000 &&
				   s.atime_ns == s.mtime_ns);
	CHECK("a dir's mtime", stat_of("/a/b", &s) == 0 && s.mtime_ns == 1000000000LL * 1000000000);
	CHECK("a symlink's mtime", stat_of("/abs", &s) == 0 &&
					   s.mtime_ns == 1234567890LL * 1000000000);
	CHECK("modes 0755 0600 4755 1777",
	      stat_of("/exe", &s) == 0 && s.mode == (VFS_IFREG | 0755) &&
		      stat_of("/secret", &s) == 0 && s.mode == (VFS_IFREG | 0600) &&
		      stat_of("/suid", &s) == 0 && s.mode == (VFS_IFREG | 04755) &&
		      stat_of("/sticky", &s) == 0 && s.mode == (VFS_IFDIR | 01777));
	CHECK("fifo", stat_of("/fifo", &s) == 0 && s.mode == (VFS_IFIFO | 0644));
	if (is_root)
		CHECK("uid/gid", stat_of("/owned", &s) == 0 && s.uid == 1234 && s.gid == 5678);
	else
		printf("SKIP: uid/gid: not root\n");
	if (lookup("/dev", VFS_LOOKUP_NOFOLLOW) == 0)
		CHECK("char device 1:3", stat_of("/dev", &s) == 0 &&
						 s.mode == (VFS_IFCHR | 0644) && s.rdev == 0x103);
	else
		printf("SKIP: char device: mknod not permitted here\n");
	CHECK("dir nlink: 2 + subdirs", stat_of("/a", &s) == 0 && s.nlink == 3 &&
						stat_of("/a/b/c", &s2) == 0 && s2.nlink == 2);
	CHECK("empty file", stat_of("/empty", &s) == 0 && s.size == 0 && s.blocks == 0);
	CHECK("hard links: one node, nlink 3", stat_of("/h1", &s) == 0 && s.nlink == 3 &&
						       stat_of("/a/b/h3", &s2) == 0 &&
						       s.ino == s2.ino && content_is("/a/h2", "data\n", 5));
	CHECK("relative symlink", ({
		      struct vnode *a = node("/a/b/c/rel", 0), *b = node("/big", 0);
		      int same = a && a == b;
		      vfs_put(a);
		      vfs_put(b);
		      same;
	      }));
	CHECK("absolute symlink", content_is("/abs", "hello\n", 6));
	CHECK("dangling symlink: ENOENT", lookup("/dangling", 0) == -ENOENT);
	CHECK("symlink loop: ELOOP", lookup("/loop1", 0) == -ELOOP);
	CHECK("1 MiB file reads back", ({
		      struct vnode *b = node("/big", 0);
		      long n = vfs_read(b, buf, BIG, 0);
		      int good = n == BIG;
		      for (long i = 0; good && i < n; i++)
			      good = buf[i] == pattern((size_t)i);
		      vfs_put(b);
		      good;
	      }));
	CHECK("st_blocks of a lower file", stat_of("/big", &s) == 0 && s.blocks == 2048);

	/* Copy-on-write. */
	f = node("/big", 0);
	CHECK("write into the middle of a lower file", vfs_write(f, "WRITTEN", 7, 500000) == 7);
	CHECK("...copies up one page only", fs_shim_pages_live <= 2);
	ok = vfs_read(f, buf, BIG, 0) == BIG;
	for (size_t i = 0; ok && i < BIG; i++)
		ok = buf[i] == (i >= 500000 && i < 500007 ? "WRITTEN"[i - 500000] : pattern(i));
	CHECK("...reads the new bytes and the old around them", ok);
	CHECK("append past a lower file", vfs_write(f, "END", 3, BIG + 10) == 3 &&
						  vfs_read(f, buf, 13, BIG) == 13 &&
						  !memcmp(buf, "\0\0\0\0\0\0\0\0\0\0END", 13));
	CHECK("truncate a lower file, grow it: zeros", vfs_truncate(f, 100) == 0 &&
							       vfs_truncate(f, 9000) == 0 &&
							       vfs_read(f, buf, 9000, 0) == 9000 &&
							       buf[99] == pattern(99) &&
							       buf[100] == 0 && buf[8999] == 0);
	vfs_put(f);
	CHECK("write through one hard link, read through another", ({
		      struct vnode *h = node("/a/h2", 0);
		      long n = vfs_write(h, "DATA", 4, 0);
		      vfs_put(h);
		      n == 4 && content_is("/a/b/h3", "DATA\n", 5);
	      }));
	CHECK("unlink a lower file", vfs_unlink(root, "/secret") == 0 &&
					     lookup("/secret", 0) == -ENOENT);
	CHECK("rename a lower dir", vfs_rename(root, "/a", root, "/moved", 0) == 0 &&
					    content_is("/moved/b/c/file", "hello\n", 6) &&
					    lookup("/abs", 0) == -ENOENT);
	CHECK("rmdir a lower dir", vfs_rmdir(root, "/emptydir") == 0);
	CHECK("create in a lower dir", vfs_mkdir(root, "/moved/new", 0700) == 0);
	CHECK("chmod a lower file", ({
		      struct vnode *e = node("/exe", 0);
		      vfs_chmod(e, 0700);
		      vfs_getattr(e, &s);
		      vfs_put(e);
		      s.mode == (VFS_IFREG | 0700);
	      }));
	CHECK("tmpfs over a lower dir", vfs_mount_tmpfs("/tmp") == 0 && ({
						struct vfs_statfs a, b;
						struct vnode *t = node("/tmp", 0);
						vfs_statfs(t, &a);
						vfs_statfs(root, &b);
						vfs_put(t);
						a.type == 0x01021994 && b.type == 0x794c7630;
					}));
	CHECK("the initrd bytes never changed", !memcmp(ar, copy, size));
	reset();
	CHECK("a lower file freed while open", mount(ar, size) == 0 && ({
						       struct vnode *b = node("/big", 0);
						       vfs_unlink(root, "/big");
						       long n = vfs_read(b, buf, 10, 0);
						       vfs_put(b);
						       n == 10 && buf[9] == pattern(9);
					       }));

	snprintf(err, sizeof(err), "%s/c.cpio", dir);
	crc = slurp(err, &csize);
	CHECK("cpio -H crc (070702) archive mounts", crc && mount(crc, csize) == 0);
	compare_tree("crc");
	if (crc) {
		size_t at = (size_t)((unsigned char *)memmem(crc, csize, "hello\n", 6) - crc);
		crc[at] = 'J';
		CHECK("a corrupted crc archive: checksum mismatch",
		      mount(crc, csize) == -EINVAL && strstr(err, "checksum") &&
			      strstr(err, "\"a/b/c/file\"") && pristine());
	}
	free(crc);
	free(copy);
	free(ar);
	free(buf);
}

/* ---- hand-made archives ---- */

struct ar {
	unsigned char *buf;
	size_t len, cap;
};

enum { INO, MODE, UID, GID, NLINK, MTIME, FILESIZE, DEVMAJ, DEVMIN, RDEVMAJ,
       RDEVMIN, NAMESIZE, CHECKSUM };

static void raw(struct ar *a, const void *p, size_t n)
{
	while (a->len + n > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 65536;
		a->buf = realloc(a->buf, a->cap);
	}
	if (n)
		memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void pad(struct ar *a)
{
	while (a->len % 4)
		raw(a, "", 1);
}

/* An entry with explicit fields; name_bytes of name are written. */
static void entry_f(struct ar *a, const char *magic, const uint32_t *f,
		    const char *name, size_t name_bytes, const void *data,
		    size_t data_bytes)
{
	char hex[9];

	raw(a, magic, 6);
	for (int i = 0; i < 13; i++) {
		snprintf(hex, sizeof(hex), "%08X", f[i]);
		raw(a, hex, 8);
	}
	raw(a, name, name_bytes);
	pad(a);
	raw(a, data, data_bytes);
	pad(a);
}

static void entry(struct ar *a, const char *name, uint32_t mode, const char *data,
		  uint32_t nlink, uint32_t ino)
{
	size_t n = data ? strlen(data) : 0;
	uint32_t f[13] = { ino, mode, 0, 0, nlink, 0, (uint32_t)n, 0, 0, 0, 0,
			   (uint32_t)strlen(name) + 1, 0 };

	entry_f(a, "070701", f, name, strlen(name) + 1, data, n);
}

static void trailer(struct ar *a)
{
	entry(a, "TRAILER!!!", 0, NULL, 1, 0);
}

static int test_num;

/* Mounting must fail with `want`, a message naming entry `index` and
 * containing `what`, and leave the empty root and no allocation behind. */
static void expect(const char *label, struct ar *a, int want, int index,
		   const char *what)
{
	unsigned char *buf = malloc(a->len ? a->len : 1);
	char tag[24], name[160];
	int r;

	memcpy(buf, a->buf, a->len);
	r = mount(buf, a->len);
	snprintf(tag, sizeof(tag), "entry %d ", index);
	snprintf(name, sizeof(name), "hostile: %s", label);
	CHECK(name, r == want && strstr(err, tag) && strstr(err, what) && pristine());
	if (r != want || !strstr(err, tag) || !strstr(err, what))
		printf("  got %d: %s\n", r, err);
	free(buf);
	a->len = 0;
	test_num++;
}

static void test_hostile(void)
{
	struct ar *a = calloc(1, sizeof(*a));
	uint32_t f[13];
	char longname[300];

	entry(a, "x", VFS_IFREG | 0644, "abc", 1, 1);
	memcpy(a->buf, "070707", 6);
	trailer(a);
	expect("bad magic (odc)", a, -EINVAL, 0, "bad magic");

	entry(a, "d", VFS_IFDIR | 0755, NULL, 2, 1);
	entry(a, "x", VFS_IFREG | 0644, "abc", 1, 2);
	a->buf[a->len - 4 - 60] = 'g'; /* inside a hex field of entry 1 */
	trailer(a);
	expect("a header field that is not hex", a, -EINVAL, 1, "hex");

	{
		uint32_t g[13] = { 1, VFS_IFREG | 0644, 0, 0, 1, 0, 0xffffffff, 0, 0, 0, 0, 2, 0 };
		entry_f(a, "070701", g, "x", 2, "abcd", 4);
		trailer(a);
		expect("filesize 0xffffffff", a, -EINVAL, 0, "past the end");
		g[FILESIZE] = 4;
		g[NAMESIZE] = 0xffffffff;
		entry_f(a, "070701", g, "x", 2, "abcd", 4);
		trailer(a);
		expect("namesize 0xffffffff", a, -EINVAL, 0, "past the end");
		g[NAMESIZE] = 0;
		entry_f(a, "070701", g, "", 0, "abcd", 4);
		trailer(a);
		expect("namesize 0", a, -EINVAL, 0, "empty name");
		g[NAMESIZE] = 4;
		entry_f(a, "070701", g, "abcd", 4, "abcd", 4);
		trailer(a);
		expect("a name without its NUL", a, -EINVAL, 0, "NUL-terminated");
		g[NAMESIZE] = 5;
		entry_f(a, "070701", g, "ab\0d", 5, "abcd", 4);
		trailer(a);
		expect("a name shorter than its size", a, -EINVAL, 0, "shorter");
		g[FILESIZE] = 5; /* data "abcd" + padding: one byte short at the end */
		g[NAMESIZE] = 2;
		entry(a, "ok", VFS_IFREG | 0644, "1", 1, 9);
		entry_f(a, "070701", g, "y", 2, "abcd", 4);
		expect("data running past the end", a, -EINVAL, 1, "past the end");
	}
	entry(a, "../x", VFS_IFREG | 0644, "a", 1, 1);
	trailer(a);
	expect("../x", a, -EINVAL, 0, "\"..\"");
	entry(a, "a", VFS_IFDIR | 0755, NULL, 2, 1);
	entry(a, "a/../../x", VFS_IFREG | 0644, "a", 1, 2);
	trailer(a);
	expect("a/../../x", a, -EINVAL, 1, "\"..\"");
	entry(a, "/abs", VFS_IFREG | 0644, "a", 1, 1);
	trailer(a);
	expect("/abs", a, -EINVAL, 0, "absolute");
	entry(a, "a", VFS_IFREG | 0644, "1", 1, 1);
	entry(a, "b", VFS_IFREG | 0644, "2", 1, 2);
	entry(a, "a", VFS_IFREG | 0644, "3", 1, 3);
	trailer(a);
	expect("duplicate file", a, -EEXIST, 2, "\"a\" at offset");
	entry(a, "d", VFS_IFDIR | 0755, NULL, 2, 1);
	entry(a, "./d/", VFS_IFDIR | 0755, NULL, 2, 2);
	trailer(a);
	expect("duplicate dir spelled differently", a, -EEXIST, 1, "duplicate");
	entry(a, ".", VFS_IFDIR | 0755, NULL, 2, 1);
	entry(a, "./", VFS_IFDIR | 0755, NULL, 2, 1);
	trailer(a);
	expect("duplicate root", a, -EEXIST, 1, "duplicate");
	entry(a, ".", VFS_IFREG | 0755, NULL, 1, 1);
	trailer(a);
	expect("a root that is a file", a, -ENOTDIR, 0, "root");
	entry(a, "f", VFS_IFREG | 0644, "x", 1, 1);
	entry(a, "f/x", VFS_IFREG | 0644, "x", 1, 2);
	trailer(a);
	expect("parent is a file", a, -ENOTDIR, 1, "not a directory");
	entry(a, "d", VFS_IFDIR | 0755, NULL, 2, 1);
	entry(a, "l", VFS_IFLNK | 0777, "d", 1, 2);
	entry(a, "l/x", VFS_IFREG | 0644, "x", 1, 3);
	trailer(a);
	expect("parent is a symlink (not followed)", a, -ENOTDIR, 2, "not a directory");
	entry(a, "nodir/x", VFS_IFREG | 0644, "x", 1, 1);
	trailer(a);
	expect("parent missing", a, -ENOENT, 0, "missing");
	entry(a, "d", VFS_IFDIR | 0755, "data", 2, 1);
	trailer(a);
	expect("a dir with data", a, -EINVAL, 0, "data in a directory");
	entry(a, "p", VFS_IFIFO | 0644, "data", 1, 1);
	trailer(a);
	expect("a fifo with data", a, -EINVAL, 0, "special file");
	entry(a, "w", 0170000 | 0644, NULL, 1, 1);
	trailer(a);
	expect("unknown file type", a, -EINVAL, 0, "unknown file type");
	entry(a, "z", 0644, NULL, 1, 1);
	trailer(a);
	expect("file type 0", a, -EINVAL, 0, "unknown file type");
	entry(a, "l", VFS_IFLNK | 0777, NULL, 1, 1);
	trailer(a);
	expect("an empty symlink target", a, -EINVAL, 0, "empty symlink");
	{
		uint32_t g[13] = { 1, VFS_IFLNK | 0777, 0, 0, 1, 0, 3, 0, 0, 0, 0, 2, 0 };
		entry_f(a, "070701", g, "l", 2, "a\0b", 3);
		trailer(a);
		expect("a NUL in a symlink target", a, -EINVAL, 0, "NUL in a symlink");
	}
	memset(longname, 'n', 256);
	longname[256] = 0;
	entry(a, longname, VFS_IFREG | 0644, "x", 1, 1);
	trailer(a);
	expect("a 256-byte name", a, -ENAMETOOLONG, 0, "255");
	{
		static char huge[5000];
		for (int i = 0; i < 4998; i += 2)
			memcpy(huge + i, "d/", 2);
		huge[4998] = 'x';
		entry(a, huge, VFS_IFREG | 0644, "x", 1, 1);
		trailer(a);
		expect("a 5000-byte path", a, -ENAMETOOLONG, 0, "4095");
	}
	entry(a, "x", VFS_IFREG | 0644, "abc", 2, 5);
	entry(a, "y", VFS_IFIFO | 0644, NULL, 2, 5);
	trailer(a);
	expect("a hard link to another type", a, -EINVAL, 1, "another type");
	memcpy(f, (uint32_t[13]){ 1, VFS_IFREG | 0644, 0, 0, 1, 0, 3, 0, 0, 0, 0, 2, 999 },
	       sizeof(f));
	entry_f(a, "070702", f, "c", 2, "abc", 3);
	trailer(a);
	expect("070702 checksum", a, -EINVAL, 0, "checksum");
	entry(a, "x", VFS_IFREG | 0644, "abc", 1, 1);
	expect("no trailer", a, -EINVAL, 1, "truncated");
	expect("an empty archive", a, -EINVAL, 0, "truncated");
	entry(a, "bad\x01\x7f", VFS_IFREG | 0644, "1", 1, 1);
	entry(a, "bad\x01\x7f", VFS_IFREG | 0644, "1", 1, 2);
	trailer(a);
	expect("unprintable names are shown as '?'", a, -EEXIST, 1, "\"bad??\"");

	/* Small error buffers are cut, never overrun; none at all is fine. */
	{
		char *small = malloc(12);
		entry(a, "/abs", VFS_IFREG | 0644, "a", 1, 1);
		reset();
		CHECK("hostile: a 12-byte error buffer",
		      vfs_mount_initrd(a->buf, a->len, small, 12) == -EINVAL &&
			      strlen(small) == 11);
		CHECK("hostile: no error buffer",
		      vfs_mount_initrd(a->buf, a->len, NULL, 0) == -EINVAL);
		root = vfs_root();
		free(small);
		a->len = 0;
	}

	/* Accepted oddities. */
	entry(a, "x", VFS_IFREG | 0644, "first", 2, 7);
	entry(a, "y", VFS_IFREG | 0600, NULL, 2, 7);
	trailer(a);
	CHECK("hard links with the data first (size 0 later) keep the data",
	      mount(a->buf, a->len) == 0 && content_is("/y", "first", 5) && ({
		      struct vfs_stat s;
		      stat_of("/x", &s) == 0 && s.nlink == 2 && s.mode == (VFS_IFREG | 0600);
	      }));
	a->len = 0;
	entry(a, "d", VFS_IFDIR | 0755, NULL, 2, 1);
	entry(a, "d/c1", VFS_IFCHR | 0600, NULL, 2, 9);
	entry(a, "c2", VFS_IFCHR | 0600, NULL, 2, 9);
	entry(a, "./d/./e/", VFS_IFDIR | 0700, NULL, 2, 3);
	entry(a, "d//e///f", VFS_IFREG | 0644, "ok", 1, 4);
	trailer(a);
	raw(a, "garbage after the trailer", 25);
	CHECK("hard-linked devices, ./ and // in names, bytes after the trailer",
	      mount(a->buf, a->len) == 0 && content_is("/d/e/f", "ok", 2) && ({
		      struct vfs_stat s, t;
		      stat_of("/d/c1", &s) == 0 && stat_of("/c2", &t) == 0 && s.ino == t.ino &&
			      s.nlink == 2;
	      }));
	a->len = 0;

	/* 2000 levels deep: built, resolved and torn down without recursion. */
	{
		static char deep[4100];
		size_t n = 0;
		int ok;
		for (int i = 0; i < 2000; i++) {
			if (i)
				deep[n++] = '/';
			deep[n++] = 'd';
			deep[n] = 0;
			entry(a, deep, VFS_IFDIR | 0755, NULL, 2, (uint32_t)i + 1);
		}
		memcpy(deep + n, "/f", 3);
		entry(a, deep, VFS_IFREG | 0644, "bottom", 1, 9999);
		trailer(a);
		ok = mount(a->buf, a->len) == 0 && content_is(deep, "bottom", 6);
		CHECK("2000 nested directories", ok);
		a->len = 0;
		entry(a, "x", VFS_IFREG | 0644, "1", 1, 1);
		entry(a, "x", VFS_IFREG | 0644, "1", 1, 2);
		trailer(a);
		mount(a->buf, a->len); /* frees the deep tree */
		a->len = 0;
	}
	free(a->buf);
	free(a);
}

/* Every prefix of a valid archive: an error until the trailer is whole. */
static void test_truncations(const unsigned char *ar, size_t size)
{
	const unsigned char *t = memmem(ar, size, "TRAILER!!!", 11);
	size_t whole = (size_t)(t - ar) - 110 + 124, bad = 0;

	for (size_t len = 0; len <= size; len++) {
		unsigned char *buf = malloc(len ? len : 1);
		int r;
		memcpy(buf, ar, len);
		r = mount(buf, len);
		if (len >= whole ? r != 0 : (r != -EINVAL || strncmp(err, "entry ", 6)))
			bad++;
		if (r && !pristine())
			bad++;
		free(buf);
	}
	CHECK("truncated at every length: an error before the trailer ends, "
	      "never a crash or a leak", bad == 0);
}

static uint32_t rng = 2463534242u;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Corrupted bytes: hex digits in the headers, anything anywhere. */
static void test_mutations(const unsigned char *ar, size_t size)
{
	unsigned char *buf = malloc(size);
	int accepted = 0, rejected = 0, bad = 0;

	for (int i = 0; i < 3000; i++) {
		int r;
		memcpy(buf, ar, size);
		for (int k = 1 + (int)(next_rand() % 3); k > 0; k--) {
			size_t at = next_rand() % size;
			buf[at] = (next_rand() & 1) ? "0123456789abcdef/."[next_rand() % 18]
						    : (unsigned char)next_rand();
		}
		r = mount(buf, size);
		if (r == 0)
			accepted++;
		else if (r < 0 && !strncmp(err, "entry ", 6) && pristine())
			rejected++;
		else
			bad++;
	}
	CHECK("3000 corrupted archives: each mounts or fails cleanly", bad == 0 &&
										   accepted + rejected == 3000);
	printf("(corrupted archives: %d accepted, %d rejected)\n", accepted, rejected);
	free(buf);
}

/* husk's packer pads with regular files named "." after the root (so
 * that ELF data starts on a page boundary): skipped, however many. */
static void test_padding(void)
{
	struct ar *a = calloc(1, sizeof(*a));
	struct vnode *vn = 0;

	entry(a, ".", VFS_IFDIR | 0755, NULL, 2, 1);
	entry(a, ".", VFS_IFREG, "zzzzzzzz", 1, 0);
	entry(a, "a", VFS_IFREG | 0644, "first", 1, 2);
	entry(a, ".", VFS_IFREG, "zzz", 1, 0);
	entry(a, ".", VFS_IFREG, NULL, 1, 0);
	entry(a, "b", VFS_IFREG | 0644, "second", 1, 3);
	trailer(a);
	CHECK("padding entries (regular files named .) are skipped",
	      mount(a->buf, a->len) == 0 && content_is("/a", "first", 5) &&
	      content_is("/b", "second", 6) && count_tree(root) == 3 &&
	      !vfs_lookup(root, ".", 0, &vn) && vn == root && VFS_ISDIR(vfs_mode(vn)));
	if (vn)
		vfs_put(vn);
	free(a->buf);
	free(a);
}

/* Out of memory at each allocation of a mount: -ENOMEM, nothing left. */
static void test_nomem(const unsigned char *ar, size_t size)
{
	int budget, bad = 0, r = -1;

	for (budget = 0; budget < 10000; budget++) {
		reset();
		fs_shim_heap_budget = budget;
		r = vfs_mount_initrd(ar, size, err, sizeof(err));
		fs_shim_heap_budget = -1;
		root = vfs_root();
		if (r == 0)
			break;
		if (r != -ENOMEM || !strstr(err, "out of memory") || !pristine())
			bad++;
	}
	CHECK("out of memory at every allocation of a mount: -ENOMEM, nothing left",
	      r == 0 && budget > 10 && bad == 0);
}

int main(void)
{
	char path[128];
	unsigned char *small;
	size_t size;

	vfs_init();
	root = vfs_root();
	heap_base = fs_shim_heap_live;
	snprintf(dir, sizeof(dir), "/tmp/husk-test-fs-XXXXXX");
	if (!mkdtemp(dir) || sh("command -v cpio >/dev/null") != 0) {
		printf("SKIP: test_fs_cpio: no temporary directory or no cpio\n");
		return 0;
	}
	make_tree();
	test_real();
	test_hostile();
	test_padding();

	sh("mkdir -p %s/small/d/e && cd %s/small && printf 'hi\\n' > d/f && "
	   "ln d/f g && ln -s d/f l && mkfifo p && "
	   "find . | cpio -o -H newc --quiet > ../small.cpio 2>/dev/null", dir, dir);
	snprintf(path, sizeof(path), "%s/small.cpio", dir);
	small = slurp(path, &size);
	CHECK("a small archive", small && size >= 512 && mount(small, size) == 0 &&
					 content_is("/g", "hi\n", 3));
	if (small) {
		test_truncations(small, size);
		test_mutations(small, size);
		test_nomem(small, size);
	}
	free(small);
	vfs_put(root);
	CHECK("everything released at the end", vfs_init() == 0 &&
							fs_shim_heap_live == heap_base &&
							fs_shim_pages_live == 0);
	sh("rm -rf %s", dir);
	return CHECK_DONE();
}
