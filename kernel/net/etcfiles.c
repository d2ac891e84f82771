/*
 * The files a container's resolver reads, written over the image's at
 * boot as Docker does (it bind-mounts its own): the host name, /etc/hosts
 * with localhost and our own name, and the name servers. A file that is a
 * symbolic link in the image (systemd's resolv.conf) is replaced, not
 * followed.
 */
#include "../console.h"
#include "../fs/vfs.h"
#include "../lib.h"
#include "netcfg.h"

#define TEXT_MAX 1024

static void replace_file(const char *path, const char *text)
{
	struct vnode *vn;
	int rc;

	vfs_unlink(0, path); /* ENOENT is fine */
	rc = vfs_open(0, path, VFS_O_CREAT | VFS_O_EXCL | VFS_O_WRONLY, 0644, &vn);
	if (rc) {
		kprintf("husk: net: cannot write %s (error %d)\n", path, -rc);
		return;
	}
	vfs_write(vn, text, strlen(text), 0);
	vfs_put(vn);
}

void etc_write_network(const char *hostname, const char *addr,
		       char dns[][16], int ndns,
		       const struct etc_host *extra, int nextra)
{
	char text[TEXT_MAX + 16 * 84];
	int n;

	vfs_mkdir(0, "/etc", 0755); /* EEXIST when the image has one */
	snprintf(text, sizeof(text), "%s\n", hostname);
	replace_file("/etc/hostname", text);
	n = snprintf(text, sizeof(text),
		     "127.0.0.1\tlocalhost\n"
		     "::1\tlocalhost ip6-localhost ip6-loopback\n"
		     "%s\t%s\n", addr ? addr : "127.0.1.1", hostname);
	for (int i = 0; i < nextra; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s\t%s\n",
			      extra[i].addr, extra[i].name);
	replace_file("/etc/hosts", text);
	n = 0;
	for (int i = 0; i < ndns; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "nameserver %s\n", dns[i]);
	if (!ndns)
		snprintf(text, sizeof(text),
			 "# no name server: none from DHCP, no dns= option\n");
	replace_file("/etc/resolv.conf", text);
}
