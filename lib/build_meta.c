/*
 * The instructions that only change the image config (Docker records
 * each in the history with "empty_layer"): ENV, ARG, LABEL, MAINTAINER,
 * EXPOSE, CMD, ENTRYPOINT, SHELL, USER, STOPSIGNAL, VOLUME,
 * HEALTHCHECK, ONBUILD. WORKDIR sets WorkingDir here and creates the
 * directory as a filesystem step (build.c).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_int.h"

bool meta_changes_files(enum df_kind kind)
{
	return kind == DF_COPY || kind == DF_ADD || kind == DF_RUN ||
	       kind == DF_WORKDIR;
}

int env_list_set(json_t *env, const char *key, const char *value)
{
	size_t klen = strlen(key), i;
	char *kv;
	json_t *v;

	if (asprintf(&kv, "%s=%s", key, value) < 0)
		return store_fail(STORE_ERR, "out of memory");
	json_array_foreach(env, i, v) {
		const char *s = json_string_value(v);

		if (s && !strncmp(s, key, klen) && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			free(kv);
			return 0;
		}
	}
	json_array_append_new(env, json_string(kv));
	free(kv);
	return 0;
}

/* The member key of the config, created as an empty object or array. */
static json_t *member(json_t *config, const char *key, bool array)
{
	json_t *v = json_object_get(config, key);

	if (array ? !json_is_array(v) : !json_is_object(v)) {
		v = array ? json_array() : json_object();
		json_object_set_new(config, key, v);
	}
	return v;
}

static json_t *strings(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* CMD and ENTRYPOINT: the exec form as is, the shell form after SHELL. */
static json_t *command(const struct stage_state *ss, const struct df_inst *in)
{
	json_t *a;

	if (in->json)
		return strings(in->args, in->nargs);
	a = json_deep_copy(ss->shell);
	if (in->nargs)
		json_array_append_new(a, json_string(in->args[0]));
	return a;
}

static int set_env(json_t *config, const struct df_inst *in)
{
	json_t *env = member(config, "Env", true);

	for (size_t i = 0; i < in->nkv; i++)
		if (env_list_set(env, in->kv[i].key,
				 in->kv[i].value ? in->kv[i].value : ""))
			return STORE_ERR;
	return 0;
}

static void set_labels(json_t *config, const struct df_inst *in)
{
	json_t *labels = member(config, "Labels", false);

	for (size_t i = 0; i < in->nkv; i++)
		json_object_set_new(labels, in->kv[i].key,
				    json_string(in->kv[i].value ? in->kv[i].value : ""));
}

/* "80" -> "80/tcp"; "53/udp" stays. */
static int expose(const struct build *b, json_t *config, const struct df_inst *in)
{
	json_t *ports = member(config, "ExposedPorts", false);
	char key[64];

	for (size_t i = 0; i < in->nargs; i++) {
		const char *p = in->args[i];

		if (!*p || strlen(p) > 40 || strspn(p, "0123456789-") == 0)
			return build_fail_at(STORE_ERR, b, in, "invalid port \"%s\"", p);
		snprintf(key, sizeof(key), "%s%s", p, strchr(p, '/') ? "" : "/tcp");
		json_object_set_new(ports, key, json_object());
	}
	return 0;
}

static void volumes(json_t *config, const struct df_inst *in)
{
	json_t *vols = member(config, "Volumes", false);

	for (size_t i = 0; i < in->nargs; i++)
		if (*in->args[i])
			json_object_set_new(vols, in->args[i], json_object());
}

static void healthcheck(json_t *config, const struct df_inst *in)
{
	const struct df_flags *f = &in->fl;
	json_t *h = json_pack("{s:o}", "Test", strings(in->args, in->nargs));

	if (f->interval_ns)
		json_object_set_new(h, "Interval", json_integer(f->interval_ns));
	if (f->timeout_ns)
		json_object_set_new(h, "Timeout", json_integer(f->timeout_ns));
	if (f->start_period_ns)
		json_object_set_new(h, "StartPeriod", json_integer(f->start_period_ns));
	if (f->start_interval_ns)
		json_object_set_new(h, "StartInterval",
				    json_integer(f->start_interval_ns));
	if (f->retries > 0)
		json_object_set_new(h, "Retries", json_integer(f->retries));
	json_object_set_new(config, "Healthcheck", h);
}

/* WORKDIR: an absolute path, relative ones after the current one. */
static void workdir(json_t *config, const struct df_inst *in)
{
	const char *cur = json_string_value(json_object_get(config, "WorkingDir"));
	const char *dir = in->nargs ? in->args[0] : "/";
	char *path;

	if (dir[0] == '/')
		path = strdup(dir);
	else if (asprintf(&path, "%s/%s", cur && *cur ? cur : "", dir) < 0)
		path = NULL;
	if (path)
		json_object_set_new(config, "WorkingDir", json_string(path));
	free(path);
}

static int apply_kind(struct build *b, struct stage_state *ss,
		      const struct df_inst *in, json_t *c)
{
	switch (in->kind) {
	case DF_ENV:
		return set_env(c, in);
	case DF_LABEL:
	case DF_MAINTAINER:
		set_labels(c, in);
		if (in->kind == DF_MAINTAINER && in->nkv)
			json_object_set_new(ss->image, "author",
					    json_string(in->kv[0].value));
		return 0;
	case DF_EXPOSE:
		return expose(b, c, in);
	case DF_CMD:
		json_object_set_new(c, "Cmd", command(ss, in));
		ss->cmd_set = true;
		return 0;
	case DF_ENTRYPOINT:
		json_object_set_new(c, "Entrypoint", command(ss, in));
		/* Docker: an inherited CMD does not survive a new ENTRYPOINT. */
		if (!ss->cmd_set)
			json_object_del(c, "Cmd");
		return 0;
	case DF_SHELL:
		json_decref(ss->shell);
		ss->shell = strings(in->args, in->nargs);
		json_object_set_new(c, "Shell", json_deep_copy(ss->shell));
		return 0;
	case DF_USER:
		json_object_set_new(c, "User", json_string(in->nargs ? in->args[0] : ""));
		return 0;
	case DF_STOPSIGNAL:
		json_object_set_new(c, "StopSignal",
				    json_string(in->nargs ? in->args[0] : ""));
		return 0;
	case DF_VOLUME:
		volumes(c, in);
		return 0;
	case DF_HEALTHCHECK:
		healthcheck(c, in);
		return 0;
	case DF_ONBUILD:
		json_array_append_new(member(c, "OnBuild", true),
				      json_string(in->onbuild));
		return 0;
	case DF_WORKDIR:
		workdir(c, in);
		return 0;
	default:
		return 0;
	}
}

int meta_apply(struct build *b, struct stage_state *ss,
	       const struct df_inst *in)
{
	return apply_kind(b, ss, in, stage_config(ss));
}
