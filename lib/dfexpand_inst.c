/*
 * A stage's variables and what each instruction does with them, after
 * BuildKit's dockerfile2llb dispatch (the Expand methods of
 * instructions/commands.go, dispatchArg, dispatchExpose).
 */
#include <stdlib.h>
#include <string.h>

#include "dfexpand.h"
#include "dockerfile_int.h"

int df_vars_set(struct df_vars *v, const char *key, const char *val)
{
	char *k, *nv = strdup(val);

	if (!nv)
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		if (!strcmp(v->key[i], key)) {
			free(v->val[i]);
			v->val[i] = nv;
			return 0;
		}
	}
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		char **nk = realloc(v->key, cap * sizeof(char *));
		char **nvv = nk ? realloc(v->val, cap * sizeof(char *)) : NULL;

		if (nk)
			v->key = nk;
		if (!nvv) {
			free(nv);
			return -1;
		}
		v->val = nvv;
		v->cap = cap;
	}
	k = strdup(key);
	if (!k) {
		free(nv);
		return -1;
	}
	v->key[v->n] = k;
	v->val[v->n++] = nv;
	return 0;
}

int df_vars_put(struct df_vars *v, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *k = df_strndup(kv, eq ? (size_t)(eq - kv) : strlen(kv));
	int rc = k ? df_vars_set(v, k, eq ? eq + 1 : "") : -1;

	free(k);
	return rc;
}

const char *df_vars_get(const struct df_vars *v, const char *key)
{
	for (size_t i = 0; v && i < v->n; i++)
		if (!strcmp(v->key[i], key))
			return v->val[i];
	return NULL;
}

int df_vars_copy(struct df_vars *dst, const struct df_vars *src)
{
	for (size_t i = 0; src && i < src->n; i++)
		if (df_vars_set(dst, src->key[i], src->val[i]))
			return -1;
	return 0;
}

void df_vars_free(struct df_vars *v)
{
	df_strs_free(v->key, v->n);
	df_strs_free(v->val, v->n);
	memset(v, 0, sizeof(*v));
}

/* ---- one instruction ---- */

struct expand {
	const struct df_plan *plan;
	const struct df_inst *in;
	struct df_vars *scope;
	char escape;
	char *err;
	size_t errlen;
};

static int fail(struct expand *x, const char *msg)
{
	return df_fail(x->err, x->errlen, "%s:%d: %s: %s", x->plan->df->file,
		       x->in->line, df_kind_name(x->in->kind), msg);
}

/* Replaces *slot (if set) by its expansion. */
static int word(struct expand *x, char **slot)
{
	char msg[DF_ERRLEN], *out;

	if (!*slot)
		return 0;
	if (df_word(*slot, x->escape, x->scope, &out, msg, sizeof(msg)))
		return fail(x, msg);
	free(*slot);
	*slot = out;
	return 0;
}

static int each_word(struct expand *x, char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (word(x, &v[i]))
			return -1;
	return 0;
}

static char **copy_strs(char **v, size_t n, bool *oom)
{
	char **c = n ? calloc(n, sizeof(char *)) : NULL;

	if (n && !c)
		*oom = true;
	for (size_t i = 0; c && i < n; i++)
		if (!(c[i] = strdup(v[i])))
			*oom = true;
	return c;
}

static char *copy_str(const char *s, bool *oom)
{
	char *c = df_strdup0(s);

	if (s && !c)
		*oom = true;
	return c;
}

static int copy_inst(const struct df_inst *in, struct df_inst *out)
{
	bool oom = false;

	*out = *in;
	out->text = copy_str(in->text, &oom);
	out->args = copy_strs(in->args, in->nargs, &oom);
	out->kv = in->nkv ? calloc(in->nkv, sizeof(*out->kv)) : NULL;
	if (in->nkv && !out->kv)
		oom = true;
	for (size_t i = 0; out->kv && i < in->nkv; i++) {
		out->kv[i].key = copy_str(in->kv[i].key, &oom);
		out->kv[i].value = copy_str(in->kv[i].value, &oom);
	}
	out->fl.from = copy_str(in->fl.from, &oom);
	out->fl.chown = copy_str(in->fl.chown, &oom);
	out->fl.chmod = copy_str(in->fl.chmod, &oom);
	out->fl.checksum = copy_str(in->fl.checksum, &oom);
	out->fl.platform = copy_str(in->fl.platform, &oom);
	out->fl.network = copy_str(in->fl.network, &oom);
	out->fl.security = copy_str(in->fl.security, &oom);
	out->fl.exclude = copy_strs(in->fl.exclude, in->fl.nexclude, &oom);
	out->onbuild = copy_str(in->onbuild, &oom);
	if (!out->kv)
		out->nkv = 0;
	return oom ? -1 : 0;
}

/* Every pair is expanded against the scope as it was before the
 * instruction ("ENV a=1 b=$a" sees the old a), then set. */
static int expand_env(struct expand *x, struct df_inst *out)
{
	for (size_t i = 0; i < out->nkv; i++)
		if (word(x, &out->kv[i].key) || word(x, &out->kv[i].value))
			return -1;
	for (size_t i = 0; i < out->nkv; i++)
		if (df_vars_set(x->scope, out->kv[i].key, out->kv[i].value))
			return fail(x, "out of memory");
	return 0;
}

/*
 * Each name, in order, takes: its --build-arg; else its default, expanded
 * against the scope so far; else, for a bare "ARG NAME", the global value
 * of NAME. A name with none of them stays unset.
 */
static int expand_arg(struct expand *x, struct df_inst *out)
{
	for (size_t i = 0; i < out->nkv; i++) {
		struct df_kv *kv = &out->kv[i];
		const char *given = df_vars_get(&x->plan->build_args, kv->key);
		const char *global = df_vars_get(&x->plan->global, kv->key);

		if (given || (!kv->value && global)) {
			free(kv->value);
			kv->value = strdup(given ? given : global);
			if (!kv->value)
				return fail(x, "out of memory");
		} else if (word(x, &kv->value)) {
			return -1;
		}
		if (kv->value && df_vars_set(x->scope, kv->key, kv->value))
			return fail(x, "out of memory");
	}
	return 0;
}

static int expand_copy(struct expand *x, struct df_inst *out)
{
	struct df_flags *fl = &out->fl;

	/* --from stays as written: df_plan resolved it before any expansion,
	 * as BuildKit does */
	return each_word(x, out->args, out->nargs) ||
			       word(x, &fl->chown) || word(x, &fl->chmod) ||
			       word(x, &fl->checksum) ||
			       each_word(x, fl->exclude, fl->nexclude) ?
		       -1 : 0;
}

static int expand_volume(struct expand *x, struct df_inst *out)
{
	if (each_word(x, out->args, out->nargs))
		return -1;
	for (size_t i = 0; i < out->nargs; i++)
		if (!*out->args[i])
			return fail(x, "VOLUME specified can not be an empty string");
	return 0;
}

/* EXPOSE splits what the variables expand to: "EXPOSE $PORTS". */
static int expand_expose(struct expand *x, struct df_inst *out)
{
	struct df_strv ports = { 0 };
	char msg[DF_ERRLEN];

	for (size_t i = 0; i < out->nargs; i++) {
		char **w;
		size_t n;

		if (df_words(out->args[i], x->escape, x->scope, &w, &n, msg,
			     sizeof(msg))) {
			df_strv_free(&ports);
			return fail(x, msg);
		}
		for (size_t k = 0; k < n; k++)
			df_strv_push(&ports, w[k]);
		free(w);
	}
	if (ports.oom) {
		df_strv_free(&ports);
		return fail(x, "out of memory");
	}
	df_strs_free(out->args, out->nargs);
	out->args = ports.v;
	out->nargs = ports.n;
	return 0;
}

static int by_kind(struct expand *x, struct df_inst *out)
{
	switch (out->kind) {
	case DF_ENV:
		return expand_env(x, out);
	case DF_ARG:
		return expand_arg(x, out);
	case DF_LABEL:
		for (size_t i = 0; i < out->nkv; i++)
			if (word(x, &out->kv[i].key) ||
			    word(x, &out->kv[i].value))
				return -1;
		return 0;
	case DF_COPY:
	case DF_ADD:
		return expand_copy(x, out);
	case DF_WORKDIR:
	case DF_USER:
	case DF_STOPSIGNAL:
		return each_word(x, out->args, out->nargs);
	case DF_VOLUME:
		return expand_volume(x, out);
	case DF_EXPOSE:
		return expand_expose(x, out);
	default:
		/* RUN CMD ENTRYPOINT SHELL HEALTHCHECK: the shell's job;
		 * ONBUILD: expanded where it triggers; MAINTAINER: literal */
		return 0;
	}
}

int df_expand(const struct df_plan *plan, const struct df_inst *in,
	      struct df_vars *scope, struct df_inst *out, char *err,
	      size_t errlen)
{
	struct expand x = { plan, in, scope, plan->df->escape, err, errlen };

	if (copy_inst(in, out)) {
		df_inst_free(out);
		return fail(&x, "out of memory");
	}
	if (by_kind(&x, out)) {
		df_inst_free(out);
		return -1;
	}
	return 0;
}
