/*
 * The husk-vmm command line for a container's config.json, and where
 * husk-vmm and husk.elf are: beside the husk binary, as the build tree
 * and an install (bin/husk, bin/husk-vmm, husk.elf) lay them out.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_util.h"
#include "launch.h"
#include "publish.h"

/* The directory of the running husk binary, without a trailing '/'. */
static int self_dir(char *buf, size_t n)
{
	ssize_t k = readlink("/proc/self/exe", buf, n - 1);
	char *slash;

	if (k <= 0)
		return store_fail_errno("cannot read /proc/self/exe");
	buf[k] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return 0;
}

static int tool(const char *var, const char *dir, const char *rel, char *buf,
		size_t n)
{
	const char *set = getenv(var);

	if (set && set[0])
		snprintf(buf, n, "%s", set);
	else
		snprintf(buf, n, "%s/%s", dir, rel);
	if (access(buf, R_OK))
		return store_fail_errno("%s not found (set %s)", buf, var);
	return 0;
}

/* Which monitor: a set $HUSK_VMM (a stand-in) always wins. */
static const char *monitor_binary(void)
{
	const char *set = getenv("HUSK_VMM");
	enum launch_monitor m;

	if (set && set[0])
		return "husk-vmm";
	if (launch_monitor(&m))
		return NULL;
	return m == LAUNCH_MONITOR_QEMU ? LAUNCH_QEMU_WRAPPER : "husk-vmm";
}

int launch_vmm_builtin(void)
{
	const char *set = getenv("HUSK_VMM");
	enum launch_monitor m;

	return !(set && set[0]) && !launch_monitor(&m) && m == LAUNCH_MONITOR_VMM;
}

int launch_tools(char *vmm, size_t nvmm, char *kernel, size_t nkernel)
{
	const char *monitor = monitor_binary();
	char dir[PATH_MAX];
	int rc = monitor ? self_dir(dir, sizeof(dir) - 16) : STORE_ERR;

	if (!rc && strcmp(monitor, LAUNCH_QEMU_WRAPPER))
		rc = tool("HUSK_VMM", dir, monitor, vmm, nvmm);
	else if (!rc)
		rc = tool("HUSK_QEMU_WRAPPER", dir, monitor, vmm, nvmm);
	if (!rc)
		rc = tool("HUSK_KERNEL", dir, "../husk.elf", kernel, nkernel);
	return rc;
}

static int push(struct launch_argv *a, const char *fmt, const char *s)
{
	char **v = realloc(a->v, (a->n + 2) * sizeof(*v));

	if (!v)
		return store_fail(STORE_ERR, "out of memory");
	a->v = v;
	if (asprintf(&v[a->n], fmt, s) < 0)
		return store_fail(STORE_ERR, "out of memory");
	v[++a->n] = NULL;
	return 0;
}

static int push_list(struct launch_argv *a, const char *flag, const json_t *list)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i));
		if (s && flag)
			rc = push(a, "%s", flag);
		if (s && !rc)
			rc = push(a, "%s", s);
	}
	return rc;
}

/* husk-vmm takes whole KiB: --mem NK, rounded up to its 4 KiB pages. */
static int push_memory(struct launch_argv *a, const json_t *config)
{
	json_int_t bytes = json_integer_value(json_object_get(config, "Memory"));
	char kib[32];

	if (bytes <= 0)
		bytes = LAUNCH_DEFAULT_MEMORY;
	snprintf(kib, sizeof(kib), "%lldK", (long long)((bytes + 4095) / 4096 * 4));
	return push(a, "%s", "--mem") || push(a, "%s", kib);
}

static int push_port(void *ctx, const char *spec)
{
	return push(ctx, "%s", "-p") || push(ctx, "%s", spec);
}

/*
 * The kernel options: hostname= and, with a NIC, GuestNetOptions (the
 * runtime's ip=, gw=, dns=), in one --cmdline since the last one wins.
 */
static int push_kernel_options(struct launch_argv *a, const json_t *config,
			       const char *host, int nic)
{
	const json_t *opts = nic ? json_object_get(config, "GuestNetOptions") : NULL;
	char line[1024] = "";
	size_t i, len = 0;

	if (host && host[0])
		len = (size_t)snprintf(line, sizeof(line), "hostname=%s", host);
	for (i = 0; i < json_array_size(opts) && len < sizeof(line); i++)
		if (json_is_string(json_array_get(opts, i)))
			len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s",
						len ? " " : "",
						json_string_value(json_array_get(opts, i)));
	if (len >= sizeof(line))
		return store_fail(STORE_ERR, "the guest's options are longer than "
				  "%zu bytes", sizeof(line) - 1);
	return len ? push(a, "%s", "--cmdline") || push(a, "%s", line) : 0;
}

/* --net MODE, -p SPEC..., --mac and the host name (a kernel option). */
static int push_network(struct launch_argv *a, const json_t *config)
{
	const char *mode = json_str(config, "NetworkMode");
	const char *host = json_str(config, "Hostname");
	const char *id = json_str(config, "Id");
	const char *mac = json_str(config, "MacAddress");
	int nic = mode && strcmp(mode, "none");
	char shortid[13];
	int rc = 0;

	if (!host && id) { /* Docker's default: the short ID */
		snprintf(shortid, sizeof(shortid), "%.12s", id);
		host = shortid;
	}
	if (nic)
		rc = push(a, "%s", "--net") || push(a, "%s", mode) ||
			publish_each(config, push_port, a);
	if (!rc && nic && mac && mac[0])
		rc = push(a, "%s", "--mac") || push(a, "%s", mac);
	return rc ? rc : push_kernel_options(a, config, host, nic);
}

int launch_argv(const json_t *config, const char *vmm, const char *kernel,
		const char *cpio, struct launch_argv *out)
{
	const char *cwd = json_str(config, "WorkingDir");
	const char *path = json_str(config, "Path");
	const char *base = strrchr(vmm, '/') ? strrchr(vmm, '/') + 1 : vmm;
	int rc;

	if (!strcmp(base, LAUNCH_QEMU_WRAPPER))
		return launch_qemu_argv(config, vmm, kernel, cpio, out);
	memset(out, 0, sizeof(*out));
	if (!path)
		return store_fail(STORE_ERR, "container config: no Path");
	rc = push(out, "%s", vmm);
	if (!rc)
		rc = push_memory(out, config);
	if (!rc)
		rc = push(out, "%s", "--initrd") || push(out, "%s", cpio);
	if (!rc)
		rc = push_list(out, "-e", json_object_get(config, "Env"));
	if (!rc && cwd && cwd[0])
		rc = push(out, "%s", "--cwd") || push(out, "%s", cwd);
	if (!rc)
		rc = push_network(out, config);
	if (!rc)
		rc = push(out, "%s", kernel) || push(out, "%s", "--") ||
			push(out, "%s", path);
	if (!rc)
		rc = push_list(out, NULL, json_object_get(config, "Args"));
	if (rc) {
		launch_argv_free(out);
		return STORE_ERR;
	}
	return 0;
}

int launch_argv_status_fd(struct launch_argv *a, int fd)
{
	char num[16], *flag, *value;
	int rc;

	snprintf(num, sizeof(num), "%d", fd);
	rc = push(a, "%s", "--status-fd");
	if (!rc)
		rc = push(a, "%s", num);
	if (rc)
		return rc;
	/* The two new words move to just after argv[0]. */
	flag = a->v[a->n - 2];
	value = a->v[a->n - 1];
	memmove(&a->v[3], &a->v[1], (a->n - 3) * sizeof(*a->v));
	a->v[1] = flag;
	a->v[2] = value;
	return 0;
}

void launch_argv_free(struct launch_argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}
