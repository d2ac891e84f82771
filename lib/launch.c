/*
 * What a container runs, decided at create as Docker decides it: the
 * entrypoint (--entrypoint replaces the image's and drops its Cmd) plus
 * the command (the command line's, else the image's Cmd); the image's Env
 * with -e on top; the working directory from -w or WorkingDir.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json_util.h"
#include "launch.h"
#include "publish.h"
#include "rootfs.h"

/* The shift of a unit suffix ("", "k", "MB", "gib"...), or -1. */
static int unit_shift(const char *suffix)
{
	static const char *const units[][3] = {
		{ "", "b", NULL }, { "k", "kb", "kib" }, { "m", "mb", "mib" },
		{ "g", "gb", "gib" }, { "t", "tb", "tib" },
	};
	char low[8];
	size_t i, k;

	for (i = 0; suffix[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)suffix[i]);
	if (suffix[i])
		return -1;
	low[i] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		for (k = 0; k < 3; k++)
			if (units[i][k] && !strcmp(units[i][k], low))
				return 10 * (int)i;
	return -1;
}

int launch_parse_memory(const char *s, int64_t *bytes)
{
	char *end;
	double v;
	int shift;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isdigit((unsigned char)s[0]) ||
	    (shift = unit_shift(end)) < 0)
		return store_fail(STORE_ERR, "invalid argument \"%s\" for \"-m, "
				  "--memory\" flag: invalid size: '%s'", s, s);
	v *= (double)(1LL << shift);
	if (v > (double)(1LL << 40))
		return store_fail(STORE_ERR, "invalid memory size '%s': more than "
				  "the 1 TiB husk-vmm supports", s);
	*bytes = (int64_t)v;
	if (*bytes < LAUNCH_MIN_MEMORY)
		return store_fail(STORE_ERR, "Minimum memory limit allowed is 6MB");
	return 0;
}

/* Appends KEY=VALUE, replacing an earlier KEY (later settings win). */
static int env_set(json_t *env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv), i;

	if (!klen)
		return store_fail(STORE_ERR, "invalid environment variable: %s", kv);
	for (i = 0; i < json_array_size(env); i++) {
		const char *old = json_string_value(json_array_get(env, i));
		if (old && !strncmp(old, kv, klen) && old[klen] == '=')
			return json_array_set_new(env, i, json_string(kv));
	}
	return json_array_append_new(env, json_string(kv));
}

static const char *env_get(const json_t *env, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < json_array_size(env); i++) {
		const char *kv = json_string_value(json_array_get(env, i));
		if (kv && !strncmp(kv, key, n) && kv[n] == '=')
			return kv + n + 1;
	}
	return NULL;
}

static json_t *strings(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* The image's list (Entrypoint, Cmd), or an empty one. */
static json_t *image_list(const json_t *cfg, const char *key)
{
	json_t *v = json_object_get(cfg, key);

	return json_is_array(v) ? json_deep_copy(v) : json_array();
}

static int build_env(const json_t *cfg, const struct launch_opts *o, json_t *env)
{
	json_t *img = json_object_get(cfg, "Env");
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < json_array_size(img); i++)
		if (json_is_string(json_array_get(img, i)))
			rc = env_set(env, json_string_value(json_array_get(img, i)));
	for (i = 0; !rc && i < o->nenv; i++)
		rc = env_set(env, o->env[i]);
	return rc ? store_fail(STORE_ERR, "invalid environment variable") : 0;
}

/* Entrypoint + Cmd, as Docker combines them. */
static void build_command(const json_t *cfg, const struct launch_opts *o,
			  json_t *conf)
{
	json_t *entry, *cmd, *argv;

	if (o->entrypoint) {
		entry = json_array();
		if (o->entrypoint[0])
			json_array_append_new(entry, json_string(o->entrypoint));
	} else {
		entry = image_list(cfg, "Entrypoint");
	}
	if (o->ncmd)
		cmd = strings(o->cmd, o->ncmd);
	else
		cmd = o->entrypoint ? json_array() : image_list(cfg, "Cmd");
	argv = json_deep_copy(entry);
	json_array_extend(argv, cmd);
	json_object_set_new(conf, "Entrypoint", json_array_size(entry) ? entry : json_null());
	if (!json_array_size(entry))
		json_decref(entry);
	json_object_set_new(conf, "Cmd", json_array_size(cmd) ? cmd : json_null());
	if (!json_array_size(cmd))
		json_decref(cmd);
	json_object_set_new(conf, "Argv", argv);
}

/* Path and Args: argv[0] found along PATH when it has no slash. */
static int resolve(json_t *conf, const char *cpio)
{
	json_t *argv = json_object_get(conf, "Argv");
	const char *prog = json_string_value(json_array_get(argv, 0));
	const char *path = env_get(json_object_get(conf, "Env"), "PATH");
	char found[4096];
	int rc;

	if (!prog || !prog[0])
		return store_fail(STORE_ERR, "No command specified");
	if (strchr(prog, '/')) {
		snprintf(found, sizeof(found), "%s", prog);
	} else {
		rc = rootfs_find_command(cpio, path ? path : LAUNCH_DEFAULT_PATH,
					 prog, found, sizeof(found));
		if (rc)
			return rc == STORE_NOT_FOUND ? LAUNCH_EXIT_NOT_FOUND : rc;
	}
	json_object_set_new(conf, "Path", json_string(found));
	json_array_remove(argv, 0);
	json_object_set(conf, "Args", argv);
	json_object_del(conf, "Argv");
	return 0;
}

/* NetworkMode, PortBindings (publish.h) and Hostname, when given. */
static int network(const struct launch_opts *o, json_t *conf)
{
	const char *mode = publish_network_mode(o->network, o->npublish);

	if (!mode || publish_config(conf, mode, o->publish, o->npublish))
		return STORE_ERR;
	if (o->hostname)
		json_object_set_new(conf, "Hostname", json_string(o->hostname));
	return 0;
}

int launch_resolve_command(json_t *config, const char *cpio)
{
	return resolve(config, cpio);
}

static int workdir(const json_t *cfg, const struct launch_opts *o, json_t *conf)
{
	const char *dir = o->workdir ? o->workdir : json_str(cfg, "WorkingDir");

	if (dir && dir[0] && dir[0] != '/')
		return store_fail(STORE_ERR, "the working directory '%s' is "
				  "invalid, it needs to be an absolute path", dir);
	json_object_set_new(conf, "WorkingDir", json_string(dir ? dir : ""));
	return 0;
}

/*
 * The root filesystem is loaded whole into the guest's memory, at its
 * top; below it there must be room for the library OS and the program.
 * With less than LAUNCH_MIN_ROOM left no guest can start, and what fails
 * is obscure (QEMU's firmware resets the machine): say so now.
 */
static int memory_fits(int64_t memory, const char *cpio)
{
	const double mib = 1 << 20;
	struct stat st;

	if (stat(cpio, &st))
		return store_fail_errno("%s", cpio);
	if (st.st_size + LAUNCH_MIN_ROOM <= memory)
		return 0;
	return store_fail(STORE_ERR, "the image's root filesystem (%.1f MiB) "
			  "leaves less than %d MiB of the guest's %.1f MiB of "
			  "memory for the program: give it more (-m %lldm or "
			  "more)", st.st_size / mib, (int)(LAUNCH_MIN_ROOM >> 20),
			  memory / mib,
			  (long long)((st.st_size + 2 * LAUNCH_MIN_ROOM) >> 20) + 1);
}

int launch_config(const struct image *img, const char *image_arg,
		  const struct launch_opts *o, const char *cpio,
		  json_t **config)
{
	const json_t *cfg = json_object_get(img->config_json, "config");
	json_t *conf = json_object(), *env = json_array();
	int rc;

	json_object_set_new(conf, "Env", env);
	rc = build_env(cfg, o, env);
	if (!rc)
		rc = workdir(cfg, o, conf);
	if (!rc) {
		build_command(cfg, o, conf);
		rc = resolve(conf, cpio);
	}
	if (rc) {
		json_decref(conf);
		return rc;
	}
	json_object_set_new(conf, "Image", json_string(image_arg));
	json_object_set_new(conf, "ImageID", json_string(img->id.s));
	json_object_set_new(conf, "Manifest", json_string(img->manifest.s));
	json_object_set_new(conf, "Memory", json_integer(o->memory ? o->memory :
							  LAUNCH_DEFAULT_MEMORY));
	rc = memory_fits(o->memory ? o->memory : LAUNCH_DEFAULT_MEMORY, cpio);
	if (rc || (rc = network(o, conf))) {
		json_decref(conf);
		return rc;
	}
	*config = conf;
	return 0;
}
