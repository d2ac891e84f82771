/*
 * The program of build/husk.elf: run the Linux program named by the first
 * argument from the root filesystem (the initrd), the way a container
 * runtime starts its entrypoint.
 *   husk-vmm --initrd rootfs.cpio build/husk.elf -- /path/to/program ARGS...
 * Kernel options "husk.env=KEY=VALUE" add to the program's environment.
 */
#include <husk/abi.h>
#include "../console.h"
#include "../exec/exec.h"
#include "../fs/vfs.h"
#include "../lib.h"
#include "../mm.h"
#include "../platform.h"
#include "../sys/calls.h"
#include "../sys/procfs.h"

#define MAX_ENV 64
#define STATUS_CANNOT_RUN 126 /* as a shell reports it */
#define STATUS_NOT_FOUND 127

extern char **husk_options; /* kernel options, NULL-terminated (main.c) */

static char *default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/",
};

static void build_env(char **envp)
{
	int n = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(default_env); i++)
		envp[n++] = default_env[i];
	for (char **o = husk_options; o && *o && n < MAX_ENV - 1; o++)
		if (!strncmp(*o, "husk.env=", 9))
			envp[n++] = *o + 9;
	envp[n] = 0;
}

static int mount_root(void)
{
	char err[160];
	int rc;

	if (!boot_info->initrd_size) {
		kprintf("husk: no root filesystem: give an initrd "
			"(husk-vmm --initrd FILE, QEMU -initrd FILE)\n");
		return -1;
	}
	vfs_init();
	rc = vfs_mount_initrd(pmem_to_virt(boot_info->initrd_paddr),
			      boot_info->initrd_size, err, sizeof(err));
	if (rc) {
		kprintf("husk: initrd: %s\n", err);
		return -1;
	}
	struct vnode *root = vfs_root();
	vfs_mkdir(root, "/tmp", 01777); /* EEXIST when the image has one */
	vfs_put(root);
	vfs_mount_tmpfs("/tmp");
	sys_fs_setup(); /* /etc defaults, /dev, /proc */
	return 0;
}

int main(int argc, char **argv)
{
	static char *envp[MAX_ENV];
	struct exec_start s;
	char err[200];
	int rc;

	if (argc < 1 || argv[0][0] != '/') {
		kprintf("husk: usage: husk.elf -- /path/to/program [ARGS...]\n");
		return STATUS_CANNOT_RUN;
	}
	if (mount_root())
		return STATUS_CANNOT_RUN;
	build_env(envp);
	rc = exec_load(argv[0], argv, envp, &s, err, sizeof(err));
	if (rc) {
		kprintf("husk: %s\n", err);
		return rc == -ENOENT ? STATUS_NOT_FOUND : STATUS_CANNOT_RUN;
	}
	sys_brk_init(s.brk);
	sys_set_exe(argv[0]);
	procfs_set_start(argc, argv, s.sp, s.brk);
	platform->console_flush();
	exec_jump(&s);
}
