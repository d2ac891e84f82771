/*
 * The filesystem layer's operations, on the host (tests/unit/fs_shim.c):
 * path resolution, the namespace operations with Linux's error codes,
 * file data, attributes and times, readdir cookies, reference counting,
 * mounts, synthetic nodes, out-of-memory paths. Every section ends by
 * tearing everything down and checking that nothing leaked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "../../kernel/fs/vfs.h"

extern long fs_shim_heap_budget, fs_shim_page_budget;
extern long fs_shim_heap_live, fs_shim_pages_live;

static struct vnode *root;
static long heap_base;

static void start(void)
{
	if (vfs_init())
		printf("FAIL: vfs_init: busy\n");
	root = vfs_root();
}

/* Tears down and checks that every node was released and freed. */
static void finish(const char *section)
{
	char name[128];

	vfs_put(root);
	root = NULL;
	snprintf(name, sizeof(name), "%s: no node left referenced", section);
	CHECK(name, vfs_init() == 0);
	snprintf(name, sizeof(name), "%s: no memory leaked", section);
	CHECK(name, fs_shim_heap_live == heap_base && fs_shim_pages_live == 0);
}

static int lookup(const char *path, int flags)
{
	struct vnode *vn;
	int r = vfs_lookup(root, path, flags, &vn);

	if (!r)
		vfs_put(vn);
	return r;
}

static struct vnode *node(const char *path)
{
	struct vnode *vn = NULL;

	vfs_lookup(root, path, 0, &vn);
	return vn;
}

static int same(const char *a, const char *b)
{
	struct vnode *x = node(a), *y = node(b);
	int r = x && x == y;

	vfs_put(x);
	vfs_put(y);
	return r;
}

static int st(const char *path, struct vfs_stat *s)
{
	struct vnode *vn;
	int r = vfs_lookup(root, path, VFS_LOOKUP_NOFOLLOW, &vn);

	if (r)
		return r;
	r = vfs_getattr(vn, s);
	vfs_put(vn);
	return r;
}

static uint32_t nlink(const char *path)
{
	struct vfs_stat s;

	return st(path, &s) ? 0 : s.nlink;
}

static int put_file(const char *path, const char *data)
{
	struct vnode *vn;
	int r = vfs_open(root, path, VFS_O_CREAT | VFS_O_WRONLY | VFS_O_TRUNC,
			 0644, &vn);

	if (r)
		return r;
	if (*data && vfs_write(vn, data, strlen(data), 0) != (long)strlen(data))
		r = -1;
	vfs_put(vn);
	return r;
}

static int file_is(const char *path, const char *want)
{
	char buf[256];
	struct vnode *vn = node(path);
	long n;

	if (!vn)
		return 0;
	n = vfs_read(vn, buf, sizeof(buf), 0);
	vfs_put(vn);
	return n == (long)strlen(want) && !memcmp(buf, want, (size_t)n);
}

static int open_err(const char *path, int flags)
{
	struct vnode *vn;
	int r = vfs_open(root, path, flags, 0644, &vn);

	if (!r)
		vfs_put(vn);
	return r;
}

static void test_lookup(void)
{
	char buf[5000];

	start();
	CHECK("mkdir /a", vfs_mkdir(root, "/a", 0755) == 0);
	CHECK("mkdir a/b (relative)", vfs_mkdir(root, "a/b", 0755) == 0);
	CHECK("put file /a/f", put_file("/a/f", "hello") == 0);
	CHECK("lookup /a/b", lookup("/a/b", 0) == 0);
	CHECK("lookup ENOENT", lookup("/a/nope", 0) == -ENOENT);
	CHECK("lookup through a file: ENOTDIR", lookup("/a/f/x", 0) == -ENOTDIR);
	CHECK("trailing slash on a file: ENOTDIR", lookup("/a/f/", 0) == -ENOTDIR);
	CHECK("trailing slash on a dir", lookup("/a/b/", 0) == 0);
	CHECK("want a directory: ENOTDIR", lookup("/a/f", VFS_LOOKUP_DIRECTORY) == -ENOTDIR);
	CHECK("empty path: ENOENT", lookup("", 0) == -ENOENT);
	CHECK("/.. stays at the root", same("/..", "/"));
	CHECK("../../.. stays at the root", same("../../..", "/"));
	CHECK("a/b/../../a is a", same("a/b/../../a", "/a"));
	CHECK("./a/./b is a/b", same("./a/./b", "/a/b"));
	CHECK("a//b///", same("a//b///", "/a/b"));
	CHECK("//a", same("//a", "/a"));
	{
		struct vnode *a = node("/a"), *vn = NULL;
		int r = vfs_lookup(a, "b", 0, &vn);
		CHECK("relative to a cwd", r == 0 && vn && same("/a/b", "a/b"));
		vfs_put(vn);
		r = vfs_lookup(a, "..", 0, &vn);
		CHECK("cwd/.. is the parent", r == 0 && vn == root);
		vfs_put(vn);
		r = vfs_lookup(a, "/a", 0, &vn);
		CHECK("absolute path ignores the cwd", r == 0 && vn == a);
		vfs_put(vn);
		vfs_put(a);
	}
	memset(buf, 'n', 255);
	buf[255] = 0;
	CHECK("a 255-byte name is fine", vfs_mkdir(root, buf, 0755) == 0);
	CHECK("...and found", lookup(buf, 0) == 0);
	memset(buf, 'n', 256);
	buf[256] = 0;
	CHECK("a 256-byte name: ENAMETOOLONG", lookup(buf, 0) == -ENAMETOOLONG);
	CHECK("mkdir with a 256-byte name: ENAMETOOLONG",
	      vfs_mkdir(root, buf, 0755) == -ENAMETOOLONG);
	for (int i = 0; i < 4094; i += 2)
		memcpy(buf + i, "./", 2);
	buf[4094] = 'a';
	buf[4095] = 0;
	CHECK("a 4095-byte path is fine", lookup(buf, 0) == 0);
	buf[4095] = '/';
	buf[4096] = 0;
	CHECK("a 4096-byte path: ENAMETOOLONG", lookup(buf, 0) == -ENAMETOOLONG);
	finish("lookup");
}

static void test_symlinks(void)
{
	char name[16], target[16];
	struct vnode *vn;
	char buf[64];

	start();
	vfs_mkdir(root, "/d", 0755);
	vfs_mkdir(root, "/d/sub", 0755);
	put_file("/d/f", "data");
	CHECK("symlink relative", vfs_symlink("f", root, "/d/l") == 0);
	CHECK("follows to the file", same("/d/l", "/d/f"));
	vfs_lookup(root, "/d/l", VFS_LOOKUP_NOFOLLOW, &vn);
	CHECK("NOFOLLOW gives the link itself", vn && VFS_ISLNK(vfs_mode(vn)));
	CHECK("readlink", vfs_readlink(vn, buf, sizeof(buf)) == 1 && buf[0] == 'f');
	CHECK("readlink truncates", vfs_readlink(vn, buf, 0) == 0);
	vfs_put(vn);
	CHECK("readlink of a file: EINVAL", ({
		      struct vnode *f = node("/d/f");
		      long r = vfs_readlink(f, buf, sizeof(buf));
		      vfs_put(f);
		      r == -EINVAL;
	      }));
	CHECK("symlink absolute", vfs_symlink("/d/sub", root, "/abs") == 0);
	CHECK("absolute target from anywhere", same("/d/sub/../l", "/d/f") &&
						       same("/abs", "/d/sub"));
	CHECK("through a symlink in the middle", vfs_mkdir(root, "/abs/x", 0755) == 0 &&
							 same("/abs/x", "/d/sub/x"));
	CHECK("'..' after a symlink is the target's parent", same("/abs/..", "/d"));
	CHECK("dangling: ENOENT", vfs_symlink("nowhere", root, "/d/dang") == 0 &&
					  lookup("/d/dang", 0) == -ENOENT);
	CHECK("dangling, NOFOLLOW: found", lookup("/d/dang", VFS_LOOKUP_NOFOLLOW) == 0);
	CHECK("O_CREAT through a dangling link makes the target",
	      open_err("/d/dang", VFS_O_CREAT | VFS_O_WRONLY) == 0 &&
		      lookup("/d/nowhere", VFS_LOOKUP_NOFOLLOW) == 0);
	CHECK("O_CREAT|O_EXCL on a symlink: EEXIST",
	      open_err("/d/l", VFS_O_CREAT | VFS_O_EXCL | VFS_O_WRONLY) == -EEXIST);
	CHECK("O_NOFOLLOW on a symlink: ELOOP", open_err("/d/l", VFS_O_NOFOLLOW) == -ELOOP);
	CHECK("O_PATH|O_NOFOLLOW opens the link",
	      open_err("/d/l", VFS_O_NOFOLLOW | VFS_O_PATH) == 0);
	CHECK("trailing slash follows even with NOFOLLOW",
	      vfs_symlink("sub", root, "/d/ls") == 0 &&
		      lookup("/d/ls/", VFS_LOOKUP_NOFOLLOW) == 0 && same("/d/ls/", "/d/sub"));
	CHECK("symlink to a file, trailing slash: ENOTDIR", lookup("/d/l/", 0) == -ENOTDIR);
	CHECK("loop: ELOOP", vfs_symlink("loop2", root, "/loop1") == 0 &&
				     vfs_symlink("loop1", root, "/loop2") == 0 &&
				     lookup("/loop1", 0) == -ELOOP);
	CHECK("self loop: ELOOP", vfs_symlink("self", root, "/self") == 0 &&
					  lookup("/self/x", 0) == -ELOOP);
	/* c0 -> c1 -> ... -> c40 -> /d/f: 40 links are allowed, 41 are not. */
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "/c%d", i);
		snprintf(target, sizeof(target), i == 40 ? "/d/f" : "c%d", i + 1);
		vfs_symlink(target, root, name);
	}
	CHECK("40 links in a chain resolve", same("/c1", "/d/f"));
	CHECK("41 links: ELOOP", lookup("/c0", 0) == -ELOOP);
	CHECK("40 links, last not followed", lookup("/c0", VFS_LOOKUP_NOFOLLOW) == 0);
	CHECK("symlink with an empty target: ENOENT", vfs_symlink("", root, "/e") == -ENOENT);
	CHECK("symlink over a name: EEXIST", vfs_symlink("x", root, "/d/f") == -EEXIST);
	{
		struct vfs_stat s;
		st("/abs", &s);
		CHECK("symlink size is the target length, mode 0777",
		      s.size == 6 && s.mode == (VFS_IFLNK | 0777));
	}
	finish("symlinks");
}

static void test_open(void)
{
	struct vnode *a, *b;
	struct vfs_stat s;

	start();
	vfs_mkdir(root, "/d", 0755);
	CHECK("O_CREAT makes a file", vfs_open(root, "/d/f", VFS_O_CREAT | VFS_O_RDWR,
					       0640, &a) == 0);
	vfs_getattr(a, &s);
	CHECK("regular, mode as given", s.mode == (VFS_IFREG | 0640) && s.nlink == 1 &&
						s.size == 0);
	CHECK("O_CREAT again opens the same node",
	      vfs_open(root, "/d/f", VFS_O_CREAT | VFS_O_RDWR, 0600, &b) == 0 && a == b);
	vfs_put(b);
	CHECK("O_CREAT|O_EXCL: EEXIST",
	      open_err("/d/f", VFS_O_CREAT | VFS_O_EXCL | VFS_O_RDWR) == -EEXIST);
	CHECK("open missing: ENOENT", open_err("/d/g", VFS_O_RDONLY) == -ENOENT);
	CHECK("O_CREAT in a missing dir: ENOENT",
	      open_err("/x/g", VFS_O_CREAT | VFS_O_RDWR) == -ENOENT);
	CHECK("O_CREAT with a trailing slash: EISDIR",
	      open_err("/d/new/", VFS_O_CREAT | VFS_O_RDWR) == -EISDIR);
	CHECK("O_CREAT on a dir: EISDIR", open_err("/d", VFS_O_CREAT | VFS_O_RDONLY) == -EISDIR);
	CHECK("O_CREAT|O_EXCL on '.': EEXIST",
	      open_err("/d/.", VFS_O_CREAT | VFS_O_EXCL) == -EEXIST);
	CHECK("dir for writing: EISDIR", open_err("/d", VFS_O_WRONLY) == -EISDIR);
	CHECK("dir read-only is fine", open_err("/d", VFS_O_RDONLY) == 0);
	CHECK("O_DIRECTORY on a file: ENOTDIR", open_err("/d/f", VFS_O_DIRECTORY) == -ENOTDIR);
	CHECK("file with trailing slash: ENOTDIR", open_err("/d/f/", VFS_O_RDONLY) == -ENOTDIR);
	vfs_write(a, "0123456789", 10, 0);
	CHECK("O_TRUNC empties", open_err("/d/f", VFS_O_WRONLY | VFS_O_TRUNC) == 0 &&
					 vfs_getattr(a, &s) == 0 && s.size == 0);
	vfs_put(a);
	finish("open");
}

static void test_namespace(void)
{
	struct vfs_stat s;

	start();
	vfs_mkdir(root, "/d", 0755);
	CHECK("root nlink 3 with one subdir", nlink("/") == 3);
	CHECK("new dir nlink 2", nlink("/d") == 2);
	vfs_mkdir(root, "/d/e", 0755);
	CHECK("parent nlink grows with a subdir", nlink("/d") == 3);
	CHECK("mkdir existing: EEXIST", vfs_mkdir(root, "/d/e", 0755) == -EEXIST);
	CHECK("mkdir '.': EEXIST", vfs_mkdir(root, "/d/.", 0755) == -EEXIST);
	CHECK("mkdir '/': EEXIST", vfs_mkdir(root, "/", 0755) == -EEXIST);
	CHECK("mkdir trailing slash", vfs_mkdir(root, "/d/t/", 0755) == 0);
	CHECK("mkdir in a missing dir: ENOENT", vfs_mkdir(root, "/x/y", 0755) == -ENOENT);
	put_file("/d/f", "x");
	CHECK("mkdir under a file: ENOTDIR", vfs_mkdir(root, "/d/f/y", 0755) == -ENOTDIR);
	CHECK("mkdir drops setuid/setgid bits", vfs_mkdir(root, "/m", 07777) == 0 &&
		      st("/m", &s) == 0 && s.mode == (VFS_IFDIR | 01777));
	CHECK("mknod with a trailing slash: ENOENT",
	      vfs_mknod(root, "/d/n/", VFS_IFIFO | 0644, 0) == -ENOENT);

	CHECK("unlink a dir: EISDIR", vfs_unlink(root, "/d/e") == -EISDIR);
	CHECK("unlink '.': EISDIR", vfs_unlink(root, "/d/.") == -EISDIR);
	CHECK("unlink missing: ENOENT", vfs_unlink(root, "/d/zz") == -ENOENT);
	CHECK("unlink file/: ENOTDIR", vfs_unlink(root, "/d/f/") == -ENOTDIR);
	CHECK("unlink a file", vfs_unlink(root, "/d/f") == 0 && lookup("/d/f", 0) == -ENOENT);

	vfs_mkdir(root, "/d/e/g", 0755);
	CHECK("rmdir non-empty: ENOTEMPTY", vfs_rmdir(root, "/d/e") == -ENOTEMPTY);
	CHECK("rmdir '.': EINVAL", vfs_rmdir(root, "/d/e/.") == -EINVAL);
	CHECK("rmdir '..': ENOTEMPTY", vfs_rmdir(root, "/d/e/..") == -ENOTEMPTY);
	CHECK("rmdir '/': EBUSY", vfs_rmdir(root, "/") == -EBUSY);
	put_file("/d/f", "x");
	CHECK("rmdir a file: ENOTDIR", vfs_rmdir(root, "/d/f") == -ENOTDIR);
	CHECK("rmdir missing: ENOENT", vfs_rmdir(root, "/d/q") == -ENOENT);
	CHECK("rmdir a leaf", vfs_rmdir(root, "/d/e/g/") == 0 && nlink("/d/e") == 2);
	CHECK("rmdir", vfs_rmdir(root, "/d/e") == 0 && nlink("/d") == 3);

	CHECK("link a file", vfs_link(root, "/d/f", root, "/d/f2", 0) == 0 &&
				     same("/d/f", "/d/f2") && nlink("/d/f") == 2);
	CHECK("link a dir: EPERM", vfs_link(root, "/d", root, "/d2", 0) == -EPERM);
	CHECK("link over a name: EEXIST", vfs_link(root, "/d/f", root, "/d/t", 0) == -EEXIST);
	CHECK("link to '.': EEXIST", vfs_link(root, "/d/f", root, "/d/.", 0) == -EEXIST);
	CHECK("link missing: ENOENT", vfs_link(root, "/d/nn", root, "/d/n2", 0) == -ENOENT);
	vfs_symlink("f", root, "/d/sl");
	CHECK("link a symlink itself", vfs_link(root, "/d/sl", root, "/d/sl2", 0) == 0 &&
					       lookup("/d/sl2", VFS_LOOKUP_NOFOLLOW) == 0 &&
					       nlink("/d/sl") == 2);
	CHECK("link following the symlink", vfs_link(root, "/d/sl", root, "/d/f3", 1) == 0 &&
						    nlink("/d/f") == 3);
	CHECK("unlink one name keeps the others", vfs_unlink(root, "/d/f") == 0 &&
							  nlink("/d/f2") == 2 && file_is("/d/f2", "x"));

	CHECK("mknod fifo", vfs_mknod(root, "/d/p", VFS_IFIFO | 0600, 99) == 0 &&
				    st("/d/p", &s) == 0 && s.mode == (VFS_IFIFO | 0600) &&
				    s.rdev == 0);
	CHECK("mknod char device keeps rdev",
	      vfs_mknod(root, "/d/c", VFS_IFCHR | 0666, VFS_MKDEV(1, 3)) == 0 &&
		      st("/d/c", &s) == 0 && s.rdev == VFS_MKDEV(1, 3) && s.rdev == 0x103);
	CHECK("mknod block device", vfs_mknod(root, "/d/b", VFS_IFBLK | 0660,
					      VFS_MKDEV(259, 70000)) == 0 &&
					    st("/d/b", &s) == 0 &&
					    s.rdev == VFS_MKDEV(259, 70000));
	CHECK("mknod socket", vfs_mknod(root, "/d/s", VFS_IFSOCK | 0755, 0) == 0 &&
				      st("/d/s", &s) == 0 && s.mode == (VFS_IFSOCK | 0755));
	CHECK("mknod type 0 is a regular file", vfs_mknod(root, "/d/r", 0644, 0) == 0 &&
							st("/d/r", &s) == 0 &&
							s.mode == (VFS_IFREG | 0644));
	CHECK("mknod dir: EPERM", vfs_mknod(root, "/d/x", VFS_IFDIR | 0755, 0) == -EPERM);
	CHECK("mknod bad type: EINVAL", vfs_mknod(root, "/d/x", 0170000, 0) == -EINVAL);
	{
		struct vnode *c = node("/d/c"), *p = node("/d/p");
		char b[4];
		CHECK("device without a driver: ENXIO", vfs_read(c, b, 4, 0) == -ENXIO &&
								vfs_write(c, b, 4, 0) == -ENXIO);
		CHECK("fifo without behaviour: ENXIO", vfs_read(p, b, 4, 0) == -ENXIO);
		vfs_put(c);
		vfs_put(p);
	}
	finish("namespace");
}

static void test_rename(void)
{
	struct vnode *vn;
	struct vfs_stat s;

	start();
	vfs_mkdir(root, "/a", 0755);
	vfs_mkdir(root, "/a/sub", 0755);
	vfs_mkdir(root, "/b", 0755);
	vfs_mkdir(root, "/empty", 0755);
	vfs_mkdir(root, "/full", 0755);
	put_file("/full/x", "x");
	put_file("/f1", "one");
	put_file("/f2", "two");
	CHECK("file over file", vfs_rename(root, "/f1", root, "/f2", 0) == 0 &&
					file_is("/f2", "one") && lookup("/f1", 0) == -ENOENT);
	CHECK("rename to a new name in another dir",
	      vfs_rename(root, "/f2", root, "/b/g", 0) == 0 && file_is("/b/g", "one"));
	CHECK("rename to itself is a no-op", vfs_rename(root, "/b/g", root, "/b/g", 0) == 0 &&
						     file_is("/b/g", "one"));
	vfs_link(root, "/b/g", root, "/b/h", 0);
	CHECK("rename between hard links of one file: no-op, both stay",
	      vfs_rename(root, "/b/g", root, "/b/h", 0) == 0 && lookup("/b/g", 0) == 0 &&
		      lookup("/b/h", 0) == 0);
	CHECK("NOREPLACE: EEXIST",
	      vfs_rename(root, "/b/g", root, "/f1x", VFS_RENAME_NOREPLACE) == 0 &&
		      vfs_rename(root, "/f1x", root, "/b/h", VFS_RENAME_NOREPLACE) == -EEXIST);
	CHECK("unknown flags: EINVAL", vfs_rename(root, "/f1x", root, "/q", 2) == -EINVAL);
	CHECK("dir over empty dir", vfs_rename(root, "/a", root, "/empty", 0) == 0 &&
					    lookup("/empty/sub", 0) == 0 &&
					    lookup("/a", 0) == -ENOENT);
	CHECK("dir over non-empty dir: ENOTEMPTY",
	      vfs_rename(root, "/empty", root, "/full", 0) == -ENOTEMPTY);
	CHECK("file over dir: EISDIR", vfs_rename(root, "/f1x", root, "/empty/sub", 0) == -EISDIR);
	CHECK("dir over file: ENOTDIR", vfs_rename(root, "/empty", root, "/f1x", 0) == -ENOTDIR);
	CHECK("dir into its own subtree: EINVAL",
	      vfs_rename(root, "/empty", root, "/empty/sub/in", 0) == -EINVAL);
	CHECK("dir onto itself (subdir path): EINVAL",
	      vfs_rename(root, "/empty", root, "/empty/x", 0) == -EINVAL);
	CHECK("over an ancestor: ENOTEMPTY",
	      vfs_rename(root, "/empty/sub", root, "/empty", 0) == -ENOTEMPTY);
	CHECK("missing source: ENOENT", vfs_rename(root, "/nope", root, "/x", 0) == -ENOENT);
	CHECK("'.' as source: EBUSY", vfs_rename(root, "/b/.", root, "/x", 0) == -EBUSY);
	CHECK("'..' as target: EBUSY", vfs_rename(root, "/f1x", root, "/b/..", 0) == -EBUSY);
	CHECK("file with trailing slash: ENOTDIR",
	      vfs_rename(root, "/f1x/", root, "/y", 0) == -ENOTDIR &&
		      vfs_rename(root, "/f1x", root, "/y/", 0) == -ENOTDIR);
	CHECK("dir with trailing slashes", vfs_rename(root, "/empty/", root, "/moved/", 0) == 0);
	CHECK("moved dir: '..' is the new parent",
	      vfs_rename(root, "/moved", root, "/b/moved", 0) == 0 &&
		      same("/b/moved/..", "/b") && same("/b/moved/sub/../..", "/b"));
	CHECK("nlink follows a moved dir", nlink("/b") == 3 && nlink("/") == 4);
	CHECK("into a missing dir: ENOENT", vfs_rename(root, "/f1x", root, "/no/x", 0) == -ENOENT);
	/* A dir renamed away while used as cwd still resolves relatively. */
	vn = node("/b/moved");
	CHECK("rename of an open dir", vfs_rename(root, "/b/moved", root, "/m2", 0) == 0);
	{
		struct vnode *sub = NULL;
		CHECK("...it still resolves relatively", vfs_lookup(vn, "sub", 0, &sub) == 0 &&
								  same("/m2/sub", "/m2/sub/."));
		vfs_put(sub);
	}
	CHECK("getattr of the renamed dir", vfs_getattr(vn, &s) == 0 && s.nlink == 3);
	vfs_put(vn);
	finish("rename");
}

static void test_data(void)
{
	struct vnode *f;
	struct vfs_stat s;
	static unsigned char big[1 << 20], back[1 << 20];
	long n, pages0;
	int ok = 1;

	start();
	vfs_open(root, "/f", VFS_O_CREAT | VFS_O_RDWR, 0644, &f);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + i / 4096);
	for (size_t off = 0; off < sizeof(big); off += 1000) {
		size_t len = sizeof(big) - off < 1000 ? sizeof(big) - off : 1000;
		ok &= vfs_write(f, big + off, len, off) == (long)len;
	}
	CHECK("1 MiB appended 1000 bytes at a time", ok);
	n = vfs_read(f, back, sizeof(back), 0);
	CHECK("...reads back", n == (long)sizeof(big) && !memcmp(big, back, sizeof(big)));
	vfs_getattr(f, &s);
	CHECK("size 1 MiB, blocks 2048", s.size == 1 << 20 && s.blocks == 2048 &&
						 s.blksize == 4096);
	CHECK("256 data pages + 1 index page", fs_shim_pages_live == 257);
	CHECK("read past the end: 0", vfs_read(f, back, 10, 1 << 20) == 0);
	CHECK("read across the end: short", vfs_read(f, back, 10, (1 << 20) - 4) == 4);
	CHECK("read at an unaligned offset",
	      vfs_read(f, back, 5000, 4093) == 5000 && !memcmp(back, big + 4093, 5000));

	CHECK("truncate shrinks", vfs_truncate(f, 5000) == 0 && vfs_getattr(f, &s) == 0 &&
					  s.size == 5000 && fs_shim_pages_live == 3);
	CHECK("truncate grows with zeros", vfs_truncate(f, 20000) == 0 &&
						   vfs_read(f, back, 20000, 0) == 20000 &&
						   !memcmp(back, big, 5000));
	ok = 1;
	for (int i = 5000; i < 20000; i++)
		ok &= back[i] == 0;
	CHECK("...the tail of the cut page too", ok);
	CHECK("growing allocates nothing", fs_shim_pages_live == 3);
	CHECK("truncate to 0 frees every page", vfs_truncate(f, 0) == 0 &&
							fs_shim_pages_live == 0);

	pages0 = fs_shim_pages_live;
	CHECK("write at 1 GiB: sparse", vfs_write(f, "z", 1, 1ULL << 30) == 1 &&
						vfs_getattr(f, &s) == 0 &&
						s.size == (1LL << 30) + 1 && s.blocks == 8);
	CHECK("...a page and 3 index pages", fs_shim_pages_live - pages0 == 4);
	CHECK("...the hole reads as zeros", vfs_read(f, back, 4096, 12345) == 4096 &&
						    back[0] == 0 && back[4095] == 0);
	CHECK("...and the byte", vfs_read(f, back, 2, 1ULL << 30) == 1 && back[0] == 'z');
	CHECK("write at 2^62", vfs_write(f, "q", 1, 1ULL << 62) == 1 &&
				       vfs_read(f, back, 1, 1ULL << 62) == 1 && back[0] == 'q');
	CHECK("write at 2^63: EFBIG", vfs_write(f, "q", 1, (1ULL << 63) - 1) == -EFBIG);
	CHECK("write crossing 2^63 is cut", vfs_write(f, "ab", 2, (1ULL << 63) - 2) == 1);
	CHECK("offset past 2^63: EINVAL", vfs_read(f, back, 1, 1ULL << 63) == -EINVAL);
	CHECK("truncate to a negative size: EINVAL", vfs_truncate(f, 1ULL << 63) == -EINVAL);
	CHECK("truncate frees the sparse tree", vfs_truncate(f, 0) == 0 &&
							fs_shim_pages_live == 0);
	CHECK("zero-length write", vfs_write(f, "", 0, 100) == 0 && vfs_getattr(f, &s) == 0 &&
					   s.size == 0);

	fs_shim_page_budget = 0;
	CHECK("out of pages: ENOSPC", vfs_write(f, big, 100, 0) == -ENOSPC);
	fs_shim_page_budget = 3; /* index page + 2 data pages */
	CHECK("out of pages part-way: a short write",
	      vfs_write(f, big, 4 * 4096, 0) == 2 * 4096 && vfs_getattr(f, &s) == 0 &&
		      s.size == 2 * 4096);
	fs_shim_page_budget = -1;
	{
		struct vnode *d = node("/");
		char b[4];
		CHECK("read a dir: EISDIR", vfs_read(d, b, 4, 0) == -EISDIR &&
						    vfs_write(d, b, 4, 0) == -EISDIR &&
						    vfs_truncate(d, 0) == -EISDIR);
		vfs_put(d);
	}
	vfs_put(f);
	finish("data");
}

static void test_refs(void)
{
	struct vnode *f, *d, *x;
	struct vfs_stat s;
	char buf[16];
	long pages;

	start();
	put_file("/f", "still here");
	f = node("/f");
	vfs_write(f, "0123456789abcdef", 16, 4096);
	pages = fs_shim_pages_live;
	CHECK("unlink an open file", vfs_unlink(root, "/f") == 0 && lookup("/f", 0) == -ENOENT);
	CHECK("...its data stays", vfs_read(f, buf, 10, 0) == 10 && !memcmp(buf, "still here", 10) &&
					   fs_shim_pages_live == pages);
	CHECK("...nlink 0", vfs_getattr(f, &s) == 0 && s.nlink == 0);
	CHECK("...writable", vfs_write(f, "X", 1, 0) == 1);
	vfs_put(f);
	CHECK("closing frees it", fs_shim_pages_live == 0);

	vfs_mkdir(root, "/d", 0755);
	vfs_mkdir(root, "/d/e", 0755);
	d = node("/d/e");
	CHECK("rmdir the cwd", vfs_rmdir(root, "/d/e") == 0);
	CHECK("in it: create ENOENT", vfs_mkdir(d, "x", 0755) == -ENOENT &&
					      vfs_open(d, "y", VFS_O_CREAT | VFS_O_RDWR, 0644,
						       &x) == -ENOENT);
	CHECK("in it: '.' works, '..' is ENOENT", vfs_lookup(d, ".", 0, &x) == 0 && x == d &&
							  ({ vfs_put(x); 1; }) &&
							  vfs_lookup(d, "..", 0, &x) == -ENOENT);
	{
		uint64_t c = 0;
		struct vfs_dirent e;
		CHECK("in it: readdir ENOENT", vfs_readdir(d, &c, &e) == -ENOENT);
	}
	CHECK("in it: path ENOENT", vfs_path_of(d, buf, sizeof(buf)) == -ENOENT);
	CHECK("removed dir nlink 0", vfs_getattr(d, &s) == 0 && s.nlink == 0);
	CHECK("parent nlink back to 2", nlink("/d") == 2);
	vfs_put(d);

	f = node("/d");
	vfs_put(root);
	CHECK("vfs_init refuses while a node is referenced", vfs_init() == -EBUSY);
	vfs_put(f);
	root = vfs_root();
	finish("refs");
}

static void test_attrs(void)
{
	struct vnode *f, *d;
	struct vfs_stat s, s2;
	int64_t old = 1000000000LL * 1000000000LL, t;

	start();
	vfs_mkdir(root, "/d", 0755);
	vfs_open(root, "/d/f", VFS_O_CREAT | VFS_O_RDWR, 0644, &f);
	d = node("/d");
	vfs_getattr(f, &s);
	CHECK("new file: atime = mtime = ctime, near now",
	      s.atime_ns == s.mtime_ns && s.mtime_ns == s.ctime_ns && s.mtime_ns > old);
	CHECK("distinct inode numbers, one device", ({
		      vfs_getattr(d, &s2);
		      s.ino != s2.ino && s.dev == s2.dev;
	      }));
	CHECK("owner from vfs_set_creds (root)", s.uid == 0 && s.gid == 0);
	vfs_utimens(f, &old, &old);
	vfs_utimens(d, &old, &old);
	vfs_getattr(f, &s);
	CHECK("utimens sets atime, mtime; ctime now",
	      s.atime_ns == old && s.mtime_ns == old && s.ctime_ns > old);
	t = 5;
	CHECK("utimens with NULL leaves it", vfs_utimens(f, NULL, &t) == 0 &&
						     vfs_getattr(f, &s) == 0 && s.atime_ns == old &&
						     s.mtime_ns == 5);
	vfs_utimens(f, &old, &old);
	vfs_write(f, "x", 1, 0);
	vfs_getattr(f, &s);
	CHECK("write updates mtime and ctime, not atime",
	      s.mtime_ns > old && s.ctime_ns == s.mtime_ns && s.atime_ns == old);
	vfs_utimens(f, &old, &old);
	vfs_truncate(f, 0);
	CHECK("truncate updates mtime", vfs_getattr(f, &s) == 0 && s.mtime_ns > old);
	vfs_getattr(d, &s);
	CHECK("utimens on the dir", s.mtime_ns == old);
	put_file("/d/g", "");
	vfs_getattr(d, &s);
	CHECK("create updates the dir's mtime and ctime", s.mtime_ns > old && s.ctime_ns > old);
	vfs_utimens(d, &old, &old);
	vfs_unlink(root, "/d/g");
	CHECK("unlink updates the dir's mtime", vfs_getattr(d, &s) == 0 && s.mtime_ns > old);
	vfs_utimens(f, &old, &old);
	vfs_chmod(f, 04755);
	vfs_getattr(f, &s);
	CHECK("chmod: mode, ctime, not mtime",
	      s.mode == (VFS_IFREG | 04755) && s.mtime_ns == old && s.ctime_ns > old);
	vfs_utimens(f, &old, &old);
	vfs_link(root, "/d/f", root, "/d/f2", 0);
	CHECK("link updates ctime", vfs_getattr(f, &s) == 0 && s.ctime_ns > old &&
					    s.mtime_ns == old);
	vfs_utimens(d, &old, &old);
	vfs_rename(root, "/d/f2", root, "/d/f3", 0);
	CHECK("rename updates the dir's mtime", vfs_getattr(d, &s) == 0 && s.mtime_ns > old);
	CHECK("chmod keeps the type", vfs_chmod(d, 01777) == 0 && vfs_getattr(d, &s) == 0 &&
					      s.mode == (VFS_IFDIR | 01777));
	CHECK("chown", vfs_chown(f, 1000, 100) == 0 && vfs_getattr(f, &s) == 0 &&
			       s.uid == 1000 && s.gid == 100);
	CHECK("chown cleared setuid", !(s.mode & VFS_ISUID) && (s.mode & 0777) == 0755);
	CHECK("chown -1 leaves ids", vfs_chown(f, (uint32_t)-1, 7) == 0 &&
					     vfs_getattr(f, &s) == 0 && s.uid == 1000 &&
					     s.gid == 7);
	vfs_chmod(f, 02755);
	vfs_chown(f, 1, 1);
	CHECK("chown clears setgid with group exec", vfs_getattr(f, &s) == 0 &&
							      !(s.mode & VFS_ISGID));
	vfs_chmod(f, 02745);
	vfs_chown(f, 1, 1);
	CHECK("...but not without (mandatory locking bit)",
	      vfs_getattr(f, &s) == 0 && (s.mode & VFS_ISGID));
	vfs_chmod(d, 02775);
	vfs_chown(d, 5, 50);
	CHECK("chown keeps a dir's setgid", vfs_getattr(d, &s) == 0 && (s.mode & VFS_ISGID));
	vfs_set_creds(1000, 1000);
	vfs_mkdir(root, "/d/sub", 0755);
	put_file("/d/h", "");
	put_file("/own", "");
	CHECK("setgid dir: new file gets its group",
	      st("/d/h", &s) == 0 && s.uid == 1000 && s.gid == 50);
	CHECK("setgid dir: new dir inherits setgid",
	      st("/d/sub", &s) == 0 && s.gid == 50 && (s.mode & VFS_ISGID));
	CHECK("elsewhere: the creator's group", st("/own", &s) == 0 && s.gid == 1000);
	vfs_set_creds(0, 0);

	vfs_chmod(f, 0640);
	vfs_chown(f, 10, 20);
	CHECK("permission: owner", vfs_permission(f, 10, 99, 6) == 0 &&
					   vfs_permission(f, 10, 99, 1) == -EACCES);
	CHECK("permission: group", vfs_permission(f, 11, 20, 4) == 0 &&
					   vfs_permission(f, 11, 20, 2) == -EACCES);
	CHECK("permission: other", vfs_permission(f, 11, 21, 4) == -EACCES);
	CHECK("permission: root reads and writes anything", vfs_permission(f, 0, 0, 6) == 0);
	CHECK("permission: root executes only with an x bit",
	      vfs_permission(f, 0, 0, 1) == -EACCES && vfs_chmod(f, 0641) == 0 &&
		      vfs_permission(f, 0, 0, 1) == 0);
	CHECK("permission: root searches any dir", vfs_chmod(d, 0) == 0 &&
							  vfs_permission(d, 0, 0, 1) == 0);
	vfs_put(f);
	vfs_put(d);
	finish("attrs");
}

static int list_dir(struct vnode *d, uint64_t *cookie, int max, char *names, size_t len)
{
	struct vfs_dirent e;
	int n = 0;

	while (n < max && vfs_readdir(d, cookie, &e) == 1) {
		strncat(names, e.name, len - strlen(names) - 2);
		strcat(names, " ");
		n++;
	}
	return n;
}

static void test_readdir(void)
{
	struct vnode *d;
	struct vfs_dirent e;
	struct vfs_stat s;
	uint64_t c = 0, saved;
	char names[512] = "";
	int ok = 1, count = 0;

	start();
	vfs_mkdir(root, "/d", 0755);
	put_file("/d/a", "");
	vfs_mkdir(root, "/d/b", 0755);
	vfs_symlink("a", root, "/d/c");
	put_file("/d/e", "");
	d = node("/d");
	CHECK("'.' first", vfs_readdir(d, &c, &e) == 1 && !strcmp(e.name, ".") &&
				   e.type == VFS_DT_DIR && vfs_getattr(d, &s) == 0 &&
				   e.ino == s.ino && c == 1);
	CHECK("'..' second", vfs_readdir(d, &c, &e) == 1 && !strcmp(e.name, "..") &&
				     vfs_getattr(root, &s) == 0 && e.ino == s.ino);
	CHECK("then the entries in order", list_dir(d, &c, 2, names, sizeof(names)) == 2 &&
						   !strcmp(names, "a b "));
	saved = c;
	vfs_unlink(root, "/d/e");
	put_file("/d/f", "");
	vfs_unlink(root, "/d/a");
	names[0] = 0;
	CHECK("resume at a cookie: no repeats, no removed, new ones",
	      list_dir(d, &c, 10, names, sizeof(names)) == 2 && !strcmp(names, "c f "));
	CHECK("at the end: 0", vfs_readdir(d, &c, &e) == 0);
	c = saved;
	CHECK("seek back to a saved cookie", vfs_readdir(d, &c, &e) == 1 && !strcmp(e.name, "c") &&
						     e.type == VFS_DT_LNK);
	c = 0;
	while (vfs_readdir(d, &c, &e) == 1) {
		struct vnode *x;
		if (e.name[0] == '.')
			continue;
		vfs_lookup(d, e.name, VFS_LOOKUP_NOFOLLOW, &x);
		vfs_getattr(x, &s);
		ok &= e.ino == s.ino && e.type == ((s.mode >> 12) & 15);
		vfs_put(x);
	}
	CHECK("d_ino and d_type match getattr", ok);
	{
		struct vnode *f = node("/d/f");
		c = 0;
		CHECK("readdir of a file: ENOTDIR", vfs_readdir(f, &c, &e) == -ENOTDIR);
		vfs_put(f);
	}
	c = 0;
	CHECK("root's '..' is the root", vfs_readdir(root, &c, &e) == 1 &&
						 vfs_readdir(root, &c, &e) == 1 &&
						 vfs_getattr(root, &s) == 0 && e.ino == s.ino);
	vfs_put(d);
	/* A big directory: the hash table grows; listing is complete. */
	vfs_mkdir(root, "/big", 0755);
	for (int i = 0; i < 3000; i++) {
		char p[32];
		snprintf(p, sizeof(p), "/big/n%d", i);
		ok &= vfs_mknod(root, p, 0644, 0) == 0;
	}
	d = node("/big");
	for (c = 0; vfs_readdir(d, &c, &e) == 1;)
		count++;
	CHECK("3000 entries listed once each", ok && count == 3002);
	CHECK("3000 entries found by name", lookup("/big/n0", 0) == 0 &&
						    lookup("/big/n2999", 0) == 0 &&
						    lookup("/big/n3000", 0) == -ENOENT);
	for (int i = 0; i < 3000; i += 2) {
		char p[32];
		snprintf(p, sizeof(p), "/big/n%d", i);
		vfs_unlink(root, p);
	}
	for (count = 0, c = 0; vfs_readdir(d, &c, &e) == 1;)
		count++;
	CHECK("half removed", count == 1502 && lookup("/big/n1", 0) == 0 &&
				      lookup("/big/n2", 0) == -ENOENT);
	vfs_put(d);
	finish("readdir");
}

/* A tiny device: reads return a fixed string, writes are counted. */
static int releases, writes;

static long hello_read(struct vnode *vn, void *buf, size_t len, uint64_t off)
{
	const char *s = vfs_priv(vn);
	size_t n = strlen(s);

	if (off >= n)
		return 0;
	if (len > n - off)
		len = n - off;
	memcpy(buf, s + off, len);
	return (long)len;
}

static long hello_write(struct vnode *vn, const void *buf, size_t len, uint64_t off)
{
	(void)vn, (void)buf, (void)off;
	writes++;
	return (long)len;
}

static int hello_getattr(struct vnode *vn, struct vfs_stat *s)
{
	s->size = (int64_t)strlen(vfs_priv(vn));
	s->nlink = 1;
	return 0;
}

static void hello_release(struct vnode *vn)
{
	(void)vn;
	releases++;
}

static const struct vnode_ops hello_ops = {
	.read = hello_read,
	.write = hello_write,
	.getattr = hello_getattr,
	.release = hello_release,
};

/* A synthetic directory with one file, "version", and one subdir "self". */
static int proc_lookup(struct vnode *dir, const char *name, size_t len,
		       struct vnode **out)
{
	if (len == 7 && !memcmp(name, "version", 7))
		*out = vfs_node_new(dir, VFS_IFREG | 0444, &hello_ops, "husk 0.1\n");
	else if (len == 4 && !memcmp(name, "link", 4)) {
		*out = vfs_node_new(dir, VFS_IFLNK | 0777, NULL, NULL);
		if (*out && vfs_set_target(*out, "self/version")) {
			vfs_put(*out);
			*out = NULL;
		}
	} else if (len == 4 && !memcmp(name, "self", 4))
		*out = vfs_node_new(dir, VFS_IFDIR | 0555, vfs_priv(dir), NULL);
	else
		return -ENOENT;
	return *out ? 0 : -ENOMEM;
}

static int proc_readdir(struct vnode *dir, uint64_t cookie, struct vfs_dirent *out)
{
	static const char *names[] = { "version", "self" };

	(void)dir;
	if (cookie - 2 >= 2)
		return 0;
	memset(out, 0, sizeof(*out));
	strcpy(out->name, names[cookie - 2]);
	out->namelen = (uint16_t)strlen(out->name);
	out->type = cookie == 2 ? VFS_DT_REG : VFS_DT_DIR;
	out->ino = 100 + cookie;
	out->next = cookie + 1;
	return 1;
}

static const struct vnode_ops proc_ops = {
	.lookup = proc_lookup,
	.readdir = proc_readdir,
};

static void test_ops(void)
{
	struct vnode *vn, *p;
	struct vfs_dirent e;
	struct vfs_stat s;
	struct vfs_statfs sf;
	char buf[32];
	uint64_t c = 0;
	int n = 0;

	start();
	vfs_mkdir(root, "/dev", 0755);
	vfs_mknod(root, "/dev/hello", VFS_IFCHR | 0666, VFS_MKDEV(10, 200));
	vn = node("/dev/hello");
	vfs_set_ops(vn, &hello_ops, "hello, world\n");
	vfs_put(vn);
	vn = node("/dev/hello");
	CHECK("device node: read comes from its ops",
	      vfs_read(vn, buf, sizeof(buf), 0) == 13 && !memcmp(buf, "hello, world\n", 13));
	CHECK("...at an offset", vfs_read(vn, buf, 5, 7) == 5 && !memcmp(buf, "world", 5));
	CHECK("...write goes to its ops", vfs_write(vn, "x", 1, 0) == 1 && writes == 1);
	CHECK("...getattr adjusted by its ops", vfs_getattr(vn, &s) == 0 && s.size == 13 &&
							VFS_ISDIR(s.mode) == 0 &&
							s.rdev == VFS_MKDEV(10, 200));
	vfs_put(vn);
	CHECK("unlinking it releases it", vfs_unlink(root, "/dev/hello") == 0 && releases == 1);

	vfs_mkdir(root, "/proc", 0755);
	put_file("/proc/hidden", "");
	CHECK("mount a synthetic fs", vfs_mount_synthetic("/proc", "proc", 0x9fa0, &proc_ops,
							    (void *)&proc_ops) == 0);
	CHECK("the covered entries are hidden", lookup("/proc/hidden", 0) == -ENOENT);
	CHECK("synthetic file reads", file_is("/proc/version", "husk 0.1\n"));
	CHECK("synthetic lookup miss: ENOENT", lookup("/proc/nope", 0) == -ENOENT);
	CHECK("synthetic dir and its '..'", same("/proc/self/..", "/proc") &&
						    same("/proc/..", "/"));
	CHECK("nested synthetic lookup", lookup("/proc/self/version", 0) == 0);
	CHECK("synthetic symlink", file_is("/proc/link", "husk 0.1\n") &&
					   lookup("/proc/link", VFS_LOOKUP_NOFOLLOW) == 0);
	{
		struct vnode *l = NULL;
		char b[32];
		vfs_lookup(root, "/proc/link", VFS_LOOKUP_NOFOLLOW, &l);
		CHECK("...readlink, getattr of a detached node",
		      l && vfs_readlink(l, b, sizeof(b)) == 12 && !memcmp(b, "self/version", 12) &&
			      vfs_getattr(l, &s) == 0 && s.nlink == 1 && s.size == 12);
		CHECK("vfs_set_target on a file: EINVAL", ({
			      struct vnode *v = node("/proc/version");
			      int r = vfs_set_target(v, "x");
			      vfs_put(v);
			      r == -EINVAL;
		      }));
		vfs_put(l);
	}
	p = node("/proc");
	while (vfs_readdir(p, &c, &e) == 1)
		n += !strcmp(e.name, "version") || !strcmp(e.name, "self") ||
		     !strcmp(e.name, ".") || !strcmp(e.name, "..");
	CHECK("synthetic readdir: . .. version self", n == 4);
	CHECK("cannot create inside: EPERM", vfs_mkdir(root, "/proc/x", 0755) == -EPERM &&
						     open_err("/proc/y", VFS_O_CREAT) == -EPERM &&
						     vfs_unlink(root, "/proc/version") == -EPERM);
	CHECK("statfs of the synthetic fs", vfs_statfs(p, &sf) == 0 && sf.type == 0x9fa0 &&
						    sf.blocks == 0);
	CHECK("its nodes are freed when released", releases >= 3);
	CHECK("getcwd of a mount root", vfs_path_of(p, buf, sizeof(buf)) == 5 &&
						!strcmp(buf, "/proc"));
	vfs_put(p);
	CHECK("umount", vfs_umount("/proc") == 0 && lookup("/proc/hidden", 0) == 0);
	CHECK("umount a plain dir: EINVAL", vfs_umount("/proc") == -EINVAL &&
						    vfs_umount("/") == -EINVAL);
	finish("ops");
}

static void test_mounts(void)
{
	struct vnode *t, *f;
	struct vfs_stat s, rs;
	struct vfs_statfs sf;
	struct vfs_mount_info mi;
	char buf[64];

	start();
	vfs_mkdir(root, "/tmp", 0755);
	vfs_mkdir(root, "/a", 0755);
	put_file("/a/f", "x");
	CHECK("mount tmpfs at /tmp", vfs_mount_tmpfs("/tmp") == 0);
	CHECK("mount on a file: ENOTDIR", vfs_mount_tmpfs("/a/f") == -ENOTDIR);
	CHECK("mount on missing: ENOENT", vfs_mount_tmpfs("/zz") == -ENOENT);
	CHECK("mount on /: EBUSY", vfs_mount_tmpfs("/") == -EBUSY);
	t = node("/tmp");
	vfs_getattr(t, &s);
	vfs_getattr(root, &rs);
	CHECK("tmpfs root: mode 1777, own device", s.mode == (VFS_IFDIR | 01777) &&
							   s.dev != rs.dev && s.nlink == 2);
	CHECK("statfs says tmpfs", vfs_statfs(t, &sf) == 0 && sf.type == 0x01021994 &&
					   sf.bsize == 4096 && sf.namelen == 255 &&
					   sf.bfree == 65536);
	CHECK("root is rootfs", vfs_statfs(root, &sf) == 0 && sf.type == 0x858458f6);
	CHECK("mount list", vfs_mount_at(0, &mi) == 1 && !strcmp(mi.path, "/") &&
				    !strcmp(mi.type, "rootfs") && vfs_mount_at(1, &mi) == 1 &&
				    !strcmp(mi.path, "/tmp") && !strcmp(mi.type, "tmpfs") &&
				    mi.dev == s.dev && vfs_mount_at(2, &mi) == 0);
	CHECK("files in tmpfs", put_file("/tmp/x", "tmp data") == 0 && file_is("/tmp/x", "tmp data"));
	CHECK("statfs counts the tmpfs pages", vfs_statfs(t, &sf) == 0 &&
						       sf.blocks - sf.bfree == 1 && sf.files >= 2);
	CHECK("/tmp/.. is /", same("/tmp/..", "/"));
	CHECK("rename across filesystems: EXDEV",
	      vfs_rename(root, "/tmp/x", root, "/a/x", 0) == -EXDEV);
	CHECK("link across filesystems: EXDEV", vfs_link(root, "/a/f", root, "/tmp/f", 0) == -EXDEV);
	CHECK("rmdir a mount point: EBUSY", vfs_rmdir(root, "/tmp") == -EBUSY);
	CHECK("rename a mount point: EBUSY", vfs_rename(root, "/tmp", root, "/t2", 0) == -EBUSY);
	CHECK("rename over a mount point: EBUSY",
	      vfs_mkdir(root, "/e", 0755) == 0 && vfs_rename(root, "/e", root, "/tmp", 0) == -EBUSY);
	CHECK("rename within tmpfs", vfs_mkdir(root, "/tmp/d", 0700) == 0 &&
					     vfs_rename(root, "/tmp/x", root, "/tmp/d/y", 0) == 0);
	CHECK("getcwd inside tmpfs", ({
		      struct vnode *d = node("/tmp/d");
		      long n = vfs_path_of(d, buf, sizeof(buf));
		      vfs_put(d);
		      n == 6 && !strcmp(buf, "/tmp/d");
	      }));
	CHECK("getcwd of /", vfs_path_of(root, buf, sizeof(buf)) == 1 && !strcmp(buf, "/"));
	CHECK("getcwd too small: ERANGE", vfs_path_of(t, buf, 4) == -ERANGE);
	f = node("/tmp/d/y");
	CHECK("umount while a file is open: EBUSY", vfs_umount("/tmp") == -EBUSY);
	vfs_put(f);
	vfs_put(t);
	CHECK("stacked mount", vfs_mount_tmpfs("/tmp") == 0 && lookup("/tmp/d", 0) == -ENOENT);
	CHECK("umount with a mount inside: EBUSY",
	      vfs_mkdir(root, "/tmp/in", 0755) == 0 && vfs_mount_tmpfs("/tmp/in") == 0 &&
		      vfs_umount("/tmp") == -EBUSY);
	CHECK("umount the inner ones", vfs_umount("/tmp/in") == 0 && vfs_umount("/tmp") == 0 &&
					       lookup("/tmp/d/y", 0) == 0);
	CHECK("the covered dir is back after umount",
	      vfs_umount("/tmp") == 0 && lookup("/tmp/d", 0) == -ENOENT &&
		      lookup("/tmp", 0) == 0);
	CHECK("mount again, leave mounted for the teardown", vfs_mount_tmpfs("/tmp") == 0 &&
								     vfs_mount_tmpfs("/a") == 0);
	finish("mounts");
}

/* Every allocation that can fail makes the operation fail cleanly:
 * -ENOSPC, nothing changed, nothing leaked. */
static void test_nomem(void)
{
	struct vfs_stat s;
	int ok, r, budget;

	start();
	vfs_mkdir(root, "/d", 0755);
	put_file("/d/f", "abc");
	vfs_mkdir(root, "/e", 0755);
	for (budget = 0, ok = 1; budget < 10; budget++) {
		long live = fs_shim_heap_live;
		fs_shim_heap_budget = budget;
		r = vfs_mkdir(root, "/d/new", 0755);
		fs_shim_heap_budget = -1;
		if (r == 0)
			break;
		ok &= r == -ENOSPC && fs_shim_heap_live == live && lookup("/d/new", 0) == -ENOENT;
	}
	CHECK("mkdir out of memory: ENOSPC, no change", ok && budget > 0 && budget < 10);
	for (budget = 0, ok = 1; budget < 10; budget++) {
		long live = fs_shim_heap_live;
		fs_shim_heap_budget = budget;
		r = vfs_symlink("target", root, "/d/sl");
		fs_shim_heap_budget = -1;
		if (r == 0)
			break;
		ok &= r == -ENOSPC && fs_shim_heap_live == live;
	}
	CHECK("symlink out of memory: ENOSPC, no change", ok && budget > 1 && budget < 10);
	fs_shim_heap_budget = 0;
	r = open_err("/d/g", VFS_O_CREAT | VFS_O_RDWR);
	fs_shim_heap_budget = -1;
	CHECK("open O_CREAT out of memory: ENOSPC", r == -ENOSPC && lookup("/d/g", 0) == -ENOENT);
	fs_shim_heap_budget = 0;
	r = vfs_link(root, "/d/f", root, "/d/f2", 0);
	fs_shim_heap_budget = -1;
	CHECK("link out of memory: ENOSPC, nlink unchanged", r == -ENOSPC && nlink("/d/f") == 1);
	fs_shim_heap_budget = 0;
	r = vfs_rename(root, "/d/f", root, "/e/f", 0);
	fs_shim_heap_budget = -1;
	CHECK("rename out of memory: ENOSPC, still in place", r == -ENOSPC &&
								   file_is("/d/f", "abc") &&
								   lookup("/e/f", 0) == -ENOENT);
	fs_shim_heap_budget = 0;
	r = vfs_mount_tmpfs("/e");
	fs_shim_heap_budget = -1;
	CHECK("mount out of memory", r == -ENOMEM && st("/e", &s) == 0 &&
					     s.mode == (VFS_IFDIR | 0755));
	/* Growing a directory's hash table may fail: lookups still work. */
	vfs_mkdir(root, "/h", 0755);
	for (int i = 0, k = 0; i < 40; i++) {
		char p[16];
		snprintf(p, sizeof(p), "/h/%d", i);
		fs_shim_heap_budget = 2; /* node and entry, never the table */
		k = vfs_mknod(root, p, 0644, 0);
		fs_shim_heap_budget = -1;
		ok &= k == 0;
	}
	CHECK("a full hash table that cannot grow still works",
	      ok && lookup("/h/0", 0) == 0 && lookup("/h/39", 0) == 0);
	finish("nomem");
}

int main(void)
{
	vfs_init();
	heap_base = fs_shim_heap_live;
	vfs_put(vfs_root()); /* references balance */
	test_lookup();
	test_symlinks();
	test_open();
	test_namespace();
	test_rename();
	test_data();
	test_refs();
	test_attrs();
	test_readdir();
	test_ops();
	test_mounts();
	test_nomem();
	return CHECK_DONE();
}
