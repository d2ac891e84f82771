/* Identity: users and groups (one root process, ids recorded), uname,
 * the host name. */
#include "../lib.h"
#include "calls.h"

#define EINVAL 22
#define EPERM 1
#define HOST_MAX 64

static uint32_t uid, gid;
static char hostname[HOST_MAX + 1] = "husk";

long sys_getuid(const struct syscall_args *a) { (void)a; return uid; }
long sys_getgid(const struct syscall_args *a) { (void)a; return gid; }
long sys_getppid(const struct syscall_args *a) { (void)a; return 0; }

/* setuid/setgid and the setre/setres forms: the process is root, so any
 * id is allowed; -1 leaves one unchanged. */
static long set_id(uint32_t *id, long v)
{
	if (v != -1 && (v < 0 || v > 0xfffffffeL))
		return -EINVAL;
	if (v != -1)
		*id = (uint32_t)v;
	return 0;
}

long sys_setuid(const struct syscall_args *a) { return set_id(&uid, a->a[0]); }
long sys_setgid(const struct syscall_args *a) { return set_id(&gid, a->a[0]); }
long sys_setresuid(const struct syscall_args *a) { return set_id(&uid, a->a[1]); }
long sys_setresgid(const struct syscall_args *a) { return set_id(&gid, a->a[1]); }

long sys_getresuid(const struct syscall_args *a)
{
	for (int i = 0; i < 3; i++) {
		if (!user_range_ok((uint64_t)a->a[i], 4))
			return -EFAULT;
		*(uint32_t *)a->a[i] = uid;
	}
	return 0;
}

long sys_getresgid(const struct syscall_args *a)
{
	for (int i = 0; i < 3; i++) {
		if (!user_range_ok((uint64_t)a->a[i], 4))
			return -EFAULT;
		*(uint32_t *)a->a[i] = gid;
	}
	return 0;
}

long sys_getgroups(const struct syscall_args *a)
{
	(void)a;
	return 0; /* no supplementary groups */
}

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65],
		domainname[65];
};

long sys_uname(const struct syscall_args *a)
{
	struct utsname *u = (struct utsname *)a->a[0];

	if (!user_range_ok((uint64_t)u, sizeof(*u)))
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	snprintf(u->sysname, 65, "Linux"); /* the ABI programs expect */
	snprintf(u->nodename, 65, "%s", hostname);
	snprintf(u->release, 65, "6.1.0-husk");
	snprintf(u->version, 65, "#1 husk unikernel");
	snprintf(u->machine, 65, "x86_64");
	snprintf(u->domainname, 65, "(none)");
	return 0;
}

long sys_sethostname(const struct syscall_args *a)
{
	uint64_t len = (uint64_t)a->a[1];

	if (len > HOST_MAX)
		return -EINVAL;
	if (!user_range_ok((uint64_t)a->a[0], len))
		return -EFAULT;
	memcpy(hostname, (const char *)a->a[0], len);
	hostname[len] = 0;
	return 0;
}

const char *sys_hostname(void)
{
	return hostname;
}

/* hostname= on the kernel command line (kernel/net/netcfg.c), at boot:
 * the name is the library OS's, not a program pointer. */
int sys_set_hostname(const char *name)
{
	size_t len = strnlen(name, HOST_MAX + 1);

	if (!len || len > HOST_MAX)
		return -EINVAL;
	memcpy(hostname, name, len + 1);
	return 0;
}
