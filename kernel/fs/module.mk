# The filesystem layer (kernel/fs/vfs.h): the initrd as a copy-on-write
# root, tmpfs, synthetic nodes. Included by kernel/kernel.mk.

FS_SRC := fs/node.c fs/dir.c fs/file.c fs/path.c fs/namei.c fs/rename.c \
	fs/attr.c fs/mount.c fs/cpio.c
KERNEL_C += $(FS_SRC)

# Host unit tests: the same sources built with the host compiler under
# ASan/UBSan, over tests/unit/fs_shim.c (heap, pages and clock from libc,
# with failure injection). TEST_CFLAGS comes from tests/tests.mk.
FS_TEST_SRC := $(FS_SRC:%=kernel/%) tests/unit/fs_shim.c
FS_TEST_DEPS := $(FS_TEST_SRC) $(wildcard kernel/fs/*.h) tests/unit/check.h

$(BUILD)/tests/unit/test_fs_%: tests/unit/test_fs_%.c $(FS_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -o $@ $< $(FS_TEST_SRC)

UNIT_TESTS += $(BUILD)/tests/unit/test_fs_cpio $(BUILD)/tests/unit/test_fs_vfs
