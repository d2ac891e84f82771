/*
 * config.json: mounts, namespaces and hooks (oci_spec.h).
 *
 * Mounts: the guest has its own /proc, /dev and /sys and keeps its root
 * in memory, so the filesystems engines mount there (proc, sysfs, tmpfs,
 * devpts, mqueue, cgroup) need nothing, nor do the files engines bind on
 * top of every container (/etc/hosts, /etc/hostname, /etc/resolv.conf,
 * podman's /run/.containerenv, Kubernetes' secrets and termination log).
 * Any other bind mount is a volume the guest cannot see: refused by name,
 * since running without the user's data would be worse than not running.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "oci_spec_int.h"

static const char *const virtual_types[] = {
	"proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2",
	"shm", "devtmpfs", "securityfs", NULL,
};

/* Files and trees that engines bind into every container. */
static const char *const engine_files[] = {
	"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/run/.containerenv",
	"/dev/termination-log", NULL,
};
static const char *const engine_trees[] = {
	"/dev", "/proc", "/sys", "/run/secrets", "/var/run/secrets", NULL,
};

static int listed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static int under_tree(const char *dest)
{
	const char *const *t;

	for (t = engine_trees; *t; t++) {
		size_t n = strlen(*t);
		if (!strncmp(dest, *t, n) && (!dest[n] || dest[n] == '/'))
			return 1;
	}
	return 0;
}

static int is_bind(const char *type, const json_t *options)
{
	size_t i;

	if (type && !strcmp(type, "bind"))
		return 1;
	for (i = 0; i < json_array_size(options); i++) {
		const char *o = json_string_value(json_array_get(options, i));
		if (!strcmp(o, "bind") || !strcmp(o, "rbind"))
			return 1;
	}
	return 0;
}

static int check_mount(const json_t *m, size_t i)
{
	const char *dest, *type, *source;
	const json_t *options;
	char field[64], sub[96];
	int rc;

	snprintf(field, sizeof(field), "mounts[%zu]", i);
	if (!json_is_object(m))
		return oci_bad(field, "must be an object");
	snprintf(sub, sizeof(sub), "%s.destination", field);
	rc = oci_string(m, "destination", sub, 1, &dest);
	snprintf(sub, sizeof(sub), "%s.type", field);
	if (!rc)
		rc = oci_string(m, "type", sub, 0, &type);
	snprintf(sub, sizeof(sub), "%s.source", field);
	if (!rc)
		rc = oci_string(m, "source", sub, 0, &source);
	snprintf(sub, sizeof(sub), "%s.options", field);
	if (!rc)
		rc = oci_strings(m, "options", sub, 0, &options);
	if (rc)
		return rc;
	if (is_bind(type, options)) {
		if (listed(engine_files, dest) || under_tree(dest))
			return 0;
		return oci_bad(field, "a bind mount of %s on %s: husk cannot share "
			       "host files with the guest (no volumes yet)",
			       source ? source : "?", dest);
	}
	if (type && !listed(virtual_types, type))
		return oci_bad(field, "a %s mount on %s: husk cannot mount host "
			       "filesystems in the guest", type, dest);
	return 0;
}

static int read_mounts(const json_t *doc)
{
	const json_t *mounts = json_object_get(doc, "mounts");
	size_t i;
	int rc = 0;

	if (!mounts || json_is_null(mounts))
		return 0;
	if (!json_is_array(mounts))
		return oci_bad("mounts", "must be an array");
	for (i = 0; !rc && i < json_array_size(mounts); i++)
		rc = check_mount(json_array_get(mounts, i), i);
	return rc;
}

static const char *const namespace_types[] = {
	"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time", NULL,
};

static int read_namespaces(const json_t *linux_obj, struct oci_spec *s)
{
	const json_t *list = json_object_get(linux_obj, "namespaces");
	char field[64];
	size_t i;
	int rc = 0;

	if (list && !json_is_array(list))
		return oci_bad("linux.namespaces", "must be an array");
	for (i = 0; !rc && i < json_array_size(list); i++) {
		const json_t *ns = json_array_get(list, i);
		const char *type, *path;
		snprintf(field, sizeof(field), "linux.namespaces[%zu].type", i);
		rc = json_is_object(ns) ? oci_string(ns, "type", field, 1, &type) :
			oci_bad(field, "must be an object");
		if (!rc && !listed(namespace_types, type))
			rc = oci_bad(field, "unknown namespace type '%s'", type);
		snprintf(field, sizeof(field), "linux.namespaces[%zu].path", i);
		if (!rc)
			rc = oci_string(ns, "path", field, 0, &path);
		if (!rc && path && path[0] != '/')
			rc = oci_bad(field, "must be an absolute path");
		if (!rc && !strcmp(type, "network")) {
			s->netns_path = path && path[0] ? path : NULL;
			s->new_netns = !s->netns_path;
		}
	}
	return rc;
}

const char *oci_hook_name(enum oci_hook_kind k)
{
	static const char *const names[OCI_HOOK_KINDS] = {
		"prestart", "createRuntime", "poststart", "poststop",
	};

	return names[k];
}

static int check_hook(const json_t *h, const char *field)
{
	const json_t *timeout = json_object_get(h, "timeout"), *list;
	const char *path;
	int rc;

	if (!json_is_object(h))
		return oci_bad(field, "must be an object");
	rc = oci_string(h, "path", field, 1, &path);
	if (!rc && path[0] != '/')
		rc = oci_bad(field, "path '%s' must be absolute", path);
	if (!rc)
		rc = oci_strings(h, "args", field, 0, &list);
	if (!rc)
		rc = oci_strings(h, "env", field, 0, &list);
	if (!rc && timeout && (!json_is_integer(timeout) ||
			       json_integer_value(timeout) <= 0))
		rc = oci_bad(field, "timeout must be a positive number of seconds");
	return rc;
}

static int read_hooks(struct oci_spec *s)
{
	static const char *const refused[] = { "createContainer", "startContainer" };
	const json_t *hooks, *list;
	char field[64];
	size_t i, k;
	int rc = oci_object(s->doc, "hooks", "hooks", 0, &hooks);

	for (i = 0; !rc && hooks && i < 2; i++) {
		snprintf(field, sizeof(field), "hooks.%s", refused[i]);
		if (json_array_size(json_object_get(hooks, refused[i])))
			rc = oci_bad(field, "not supported: a unikernel has no "
				     "container namespace to run the hook in");
	}
	for (k = 0; !rc && hooks && k < OCI_HOOK_KINDS; k++) {
		list = json_object_get(hooks, oci_hook_name(k));
		snprintf(field, sizeof(field), "hooks.%s", oci_hook_name(k));
		if (list && !json_is_array(list) && !json_is_null(list))
			rc = oci_bad(field, "must be an array");
		for (i = 0; !rc && i < json_array_size(list); i++) {
			snprintf(field, sizeof(field), "hooks.%s[%zu]",
				 oci_hook_name(k), i);
			rc = check_hook(json_array_get(list, i), field);
		}
		s->hooks[k] = json_array_size(list) ? list : NULL;
	}
	return rc;
}

int oci_spec_linux(struct oci_spec *s)
{
	const json_t *linux_obj;
	int rc = read_mounts(s->doc);

	if (!rc)
		rc = oci_object(s->doc, "linux", "linux", 0, &linux_obj);
	if (!rc && linux_obj)
		rc = read_namespaces(linux_obj, s);
	return rc ? rc : read_hooks(s);
}
