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
#include "../net/netcfg.h"
#include "../platform.h"
#include "../sys/calls.h"
#include "../sys/fd.h"
#include "../sys/syscall.h"
#include "../sys/procfs.h"

#define MAX_ENV 64
#define STATUS_CANNOT_RUN 126 /* as a shell reports it */
#define STATUS_NOT_FOUND 127

extern char **husk_options; /* kernel options, NULL-terminated (main.c) */

static char *default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/",
};

/* 1 when a husk.env option sets the variable that def (NAME=...) sets. */
static int env_given(const char *def)
{
	size_t len = 0;

	while (def[len] && def[len] != '=')
		len++;
	len++; /* "NAME=" */

	for (char **o = husk_options; o && *o; o++)
		if (!strncmp(*o, "husk.env=", 9) && !strncmp(*o + 9, def, len))
			return 1;
	return 0;
}

/* The options' variables, then the defaults they did not set: an image's
 * own PATH must win over ours (getenv takes the first). */
static void build_env(char **envp)
{
	int n = 0;

	for (char **o = husk_options; o && *o && n < MAX_ENV - 3; o++)
		if (!strncmp(*o, "husk.env=", 9))
			envp[n++] = *o + 9;
	for (unsigned i = 0; i < ARRAY_SIZE(default_env); i++)
		if (!env_given(default_env[i]))
			envp[n++] = default_env[i];
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

/* mkdir -p: each missing component of an absolute path. */
static void make_dirs(struct vnode *root, const char *path)
{
	char buf[4096];
	size_t n = strnlen(path, sizeof(buf) - 1);

	memcpy(buf, path, n);
	buf[n] = 0;
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char c = buf[i];
		buf[i] = 0;
		vfs_mkdir(root, buf, 0755); /* EEXIST is fine */
		buf[i] = c;
	}
}

/* husk.cwd=DIR (husk-vmm --cwd): created when missing, as docker run -w
 * does. */
static int set_cwd(void)
{
	struct vnode *root, *dir;
	const char *path = 0;
	int rc;

	for (char **o = husk_options; o && *o; o++)
		if (!strncmp(*o, "husk.cwd=", 9))
			path = *o + 9;
	if (!path)
		return 0;
	root = vfs_root();
	rc = vfs_lookup(root, path, VFS_LOOKUP_DIRECTORY, &dir);
	if (rc == -ENOENT) {
		make_dirs(root, path);
		rc = vfs_lookup(root, path, VFS_LOOKUP_DIRECTORY, &dir);
	}
	vfs_put(root);
	if (rc) {
		kprintf("husk: working directory %s: %s\n", path,
			rc == -ENOTDIR ? "not a directory" : "cannot be used");
		return -1;
	}
	cwd_set(dir);
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
	/* A NIC: lwIP up, the address configured, /etc written, before the
	 * program starts (as a container's network is ready at its start). */
	if (net_boot(husk_options))
		return STATUS_CANNOT_RUN;
	build_env(envp);
	rc = exec_load(argv[0], argv, envp, &s, err, sizeof(err));
	if (rc) {
		kprintf("husk: %s\n", err);
		return rc == -ENOENT ? STATUS_NOT_FOUND : STATUS_CANNOT_RUN;
	}
	if (set_cwd())
		return STATUS_CANNOT_RUN;
	sys_brk_init(s.brk);
	sys_set_exe(argv[0]);
	procfs_set_start(argc, argv, s.sp, s.brk);
	platform->console_flush();
	for (char **o = husk_options; o && *o; o++)
		if (!strcmp(*o, "husk.trace"))
			syscall_trace = 1;
	exec_jump(&s);
}
