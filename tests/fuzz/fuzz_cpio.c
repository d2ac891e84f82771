/*
 * The initrd reader (kernel/fs/cpio.c) on the host, over
 * tests/unit/fs_shim.c: the input is the archive. An accepted archive is
 * then used as the library OS uses its root: every entry looked up, every
 * file read (its data still points into the archive), every symlink
 * read, one file written (copied up); then the tree is thrown away and
 * must leave nothing referenced and nothing allocated.
 */
#include "fuzz.h"
#include "../../kernel/fs/vfs.h"

extern long fs_shim_heap_live, fs_shim_pages_live;

static long heap_base;
static char buf[1 << 16];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	FUZZ_ASSERT(vfs_init() == 0);
	heap_base = fs_shim_heap_live;
	return 0;
}

static void use_file(struct vnode *vn, int *wrote)
{
	struct vfs_stat st;
	long n;

	FUZZ_ASSERT(vfs_getattr(vn, &st) == 0);
	if (VFS_ISREG(st.mode)) {
		n = vfs_read(vn, buf, sizeof(buf), 0);
		FUZZ_ASSERT(n >= 0 && n <= st.size);
		if (!*wrote && st.size) {
			/* The first write copies the file up from the archive. */
			FUZZ_ASSERT(vfs_write(vn, "x", 1, (uint64_t)st.size / 2) == 1);
			*wrote = 1;
		}
	} else if (VFS_ISLNK(st.mode)) {
		n = vfs_readlink(vn, buf, sizeof(buf));
		FUZZ_ASSERT(n > 0 && n == st.size);
	}
}

/* Names are at most 4095 bytes, so the depth is bounded (~2048). */
static void walk(struct vnode *dir, int *wrote)
{
	struct vfs_dirent e;
	struct vnode *vn;
	uint64_t cookie = 2;

	while (vfs_readdir(dir, &cookie, &e) == 1) {
		FUZZ_ASSERT(e.namelen == strlen(e.name) && e.namelen > 0);
		FUZZ_ASSERT(vfs_lookup(dir, e.name, VFS_LOOKUP_NOFOLLOW, &vn) == 0);
		if (e.type == VFS_DT_DIR)
			walk(vn, wrote);
		else
			use_file(vn, wrote);
		vfs_put(vn);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct vnode *root;
	int wrote = 0;

	if (vfs_mount_initrd(data, size, err, sizeof(err)) == 0) {
		root = vfs_root();
		walk(root, &wrote);
		vfs_put(root);
	} else {
		FUZZ_ASSERT(err[0] && memchr(err, 0, sizeof(err)));
	}
	FUZZ_ASSERT(vfs_init() == 0);
	FUZZ_ASSERT(fs_shim_heap_live == heap_base && fs_shim_pages_live == 0);
	return 0;
}
