/*
 * The build plan: which stages the target needs and in what order, after
 * BuildKit's dockerfile2llb (toDispatchState, addState, toCommand,
 * validateCircularDependency):
 *
 * - FROM words and --platform are expanded with the global scope only:
 *   the automatic platform ARGs, then the ARGs before the first FROM
 *   (each default may use the ones before it; --build-arg wins).
 * - FROM NAME builds on the earlier stage called NAME (exact name);
 *   otherwise NAME is an image. Naming a stage defined further down is
 *   refused here: BuildKit would try to pull an image of that name, which
 *   is never what the author meant.
 * - COPY --from=X names a stage by index (any stage, even a later one) or
 *   by name (case-insensitive, any stage); anything else is an image.
 *   Those forward references are why cycles can exist, and are refused.
 *   X is taken as written: BuildKit resolves it before any expansion, so
 *   a variable in it is refused with a hint rather than left to fail as
 *   an image name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dfexpand.h"
#include "dockerfile_int.h"

struct edge {
	int to;
	int line;
	enum df_kind kind;
};

struct planner {
	const struct dockerfile *df;
	struct df_plan *p;
	char *err;
	size_t errlen;
	struct edge **edges;	/* per stage */
	size_t *nedges;
	int *color;		/* cycle search: 0 new, 1 on the path, 2 done */
	int *path;		/* the stages on the current search path */
	struct edge *via;	/* the edge each path entry was entered by */
	size_t depth;
};

static int fail_at(struct planner *pl, int line, enum df_kind kind,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail_at(struct planner *pl, int line, enum df_kind kind,
		   const char *fmt, ...)
{
	char msg[DF_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return df_fail(pl->err, pl->errlen, "%s:%d: %s: %s", pl->df->file, line,
		       df_kind_name(kind), msg);
}

bool df_predefined_arg(const char *name)
{
	static const char *const proxies[] = {
		"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
		"FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy",
		"ALL_PROXY", "all_proxy",
	};

	for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		if (!strcmp(name, proxies[i]))
			return true;
	return false;
}

/* TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT and the same for
 * BUILD*: the build runs where it targets. */
static int platform_args(struct df_vars *g, const char *platform)
{
	static const char *const prefix[] = { "TARGET", "BUILD" };
	const char *arch = strchr(platform, '/');
	const char *variant = arch ? strchr(arch + 1, '/') : NULL;
	char key[32], os[64], ar[64];

	snprintf(os, sizeof(os), "%.*s",
		 (int)(arch ? (size_t)(arch - platform) : strlen(platform)),
		 platform);
	snprintf(ar, sizeof(ar), "%.*s",
		 (int)(!arch ? 0 : variant ? (size_t)(variant - arch - 1)
					   : strlen(arch + 1)),
		 arch ? arch + 1 : "");
	for (size_t i = 0; i < 2; i++) {
		const char *vals[] = { platform, os, ar, variant ? variant + 1 : "" };
		const char *names[] = { "PLATFORM", "OS", "ARCH", "VARIANT" };

		for (size_t k = 0; k < 4; k++) {
			snprintf(key, sizeof(key), "%s%s", prefix[i], names[k]);
			if (df_vars_set(g, key, vals[k]))
				return -1;
		}
	}
	return 0;
}

static int expand_global(struct planner *pl, const struct df_inst *in,
			 const char *word, char **out)
{
	char msg[DF_ERRLEN];

	if (df_word(word, pl->df->escape, &pl->p->global, out, msg, sizeof(msg)))
		return fail_at(pl, in->line, in->kind, "%s", msg);
	return 0;
}

/* The ARGs before the first FROM, in order, into the global scope. */
static int global_args(struct planner *pl)
{
	for (size_t i = 0; i < pl->df->nmeta; i++) {
		const struct df_inst *in = &pl->df->meta[i];

		for (size_t k = 0; k < in->nkv; k++) {
			const char *key = in->kv[k].key;
			const char *given = df_vars_get(&pl->p->build_args, key);
			char *val = NULL;
			int rc = 0;

			if (given)
				val = strdup(given);
			else if (in->kv[k].value &&
				 expand_global(pl, in, in->kv[k].value, &val))
				return -1;
			if (val)
				rc = df_vars_set(&pl->p->global, key, val);
			free(val);
			if (rc || ((given || in->kv[k].value) && !val))
				return fail_at(pl, in->line, DF_ARG, "out of memory");
		}
	}
	return 0;
}

/* COPY --from and --target: any stage, case-insensitively; a repeated
 * name means the last stage that has it. */
static const struct df_stage *stage_by_name(const struct dockerfile *df,
					    const char *name)
{
	for (size_t i = df->nstage; i-- > 0;)
		if (df->stage[i].name && !strcasecmp(df->stage[i].name, name))
			return &df->stage[i];
	return NULL;
}

static int add_edge(struct planner *pl, int from, int to, int line,
		    enum df_kind kind)
{
	struct edge *e = realloc(pl->edges[from],
				 (pl->nedges[from] + 1) * sizeof(*e));

	if (!e)
		return fail_at(pl, line, kind, "out of memory");
	pl->edges[from] = e;
	e[pl->nedges[from]++] = (struct edge){ to, line, kind };
	return 0;
}

/* The stage called name among stages [from, to), the last one first. */
static int stage_in(const struct dockerfile *df, const char *name, size_t from,
		    size_t to)
{
	for (size_t i = to; i-- > from;)
		if (df->stage[i].name && !strcmp(df->stage[i].name, name))
			return (int)i;
	return -1;
}

/* FROM: the expanded word, and the earlier stage it names. */
static int plan_from(struct planner *pl, int i)
{
	const struct df_stage *st = &pl->df->stage[i];
	struct df_stage_plan *sp = &pl->p->stage[i];
	struct df_inst from = { .kind = DF_FROM, .line = st->line };
	int named;

	if (expand_global(pl, &from, st->base, &sp->image))
		return -1;
	if (!*sp->image)
		return fail_at(pl, st->line, DF_FROM,
			       "base name (%s) should not be blank", st->base);
	if (st->platform && expand_global(pl, &from, st->platform, &sp->platform))
		return -1;
	if (sp->platform && !*sp->platform)
		return fail_at(pl, st->line, DF_FROM,
			       "empty platform value from expression %s",
			       st->platform);
	named = stage_in(pl->df, sp->image, 0, (size_t)i);
	if (named >= 0) {
		sp->base = named;
		return add_edge(pl, i, named, st->line, DF_FROM);
	}
	named = stage_in(pl->df, sp->image, (size_t)i + 1, pl->df->nstage);
	if (named >= 0)
		return fail_at(pl, st->line, DF_FROM,
			       "stage \"%s\" is defined later (line %d): a stage can only be built on an earlier one",
			       sp->image, pl->df->stage[named].line);
	return 0;
}

/* strconv.Atoi: an optional sign, then decimal digits only. */
static bool stage_index(const char *s, long *out)
{
	const char *digits = s + (*s == '-' || *s == '+');

	if (!*digits || strspn(digits, "0123456789") != strlen(digits))
		return false;
	*out = strtol(s, NULL, 10);
	return true;
}

static int plan_copy_from(struct planner *pl, int i, size_t k)
{
	const struct df_inst *in = &pl->df->stage[i].inst[k];
	int *slot = &pl->p->stage[i].copy_from[k];
	const struct df_stage *named;
	long idx;

	*slot = -1;
	if (in->kind != DF_COPY || !in->fl.from)
		return 0;
	if (stage_index(in->fl.from, &idx)) {
		if (idx < 0 || idx >= (long)pl->df->nstage)
			return fail_at(pl, in->line, DF_COPY,
				       "invalid stage index %s (stages are numbered 0 to %zu)",
				       in->fl.from, pl->df->nstage - 1);
		*slot = (int)idx;
	} else if ((named = stage_by_name(pl->df, in->fl.from))) {
		*slot = named->index;
	} else if (strchr(in->fl.from, '$')) {
		return fail_at(pl, in->line, DF_COPY,
			       "--from=%s: variables are not expanded in --from (nor by BuildKit); name a stage instead: FROM %s AS src, then COPY --from=src",
			       in->fl.from, in->fl.from);
	}
	return *slot < 0 ? 0 : add_edge(pl, i, *slot, in->line, DF_COPY);
}

static const char *stage_label(const struct dockerfile *df, int i, char *buf,
			       size_t n)
{
	if (df->stage[i].name)
		return df->stage[i].name;
	snprintf(buf, n, "stage-%d", i);
	return buf;
}

/* The cycle is path[from..] and back: say where, preferring a COPY. */
static int report_cycle(struct planner *pl, size_t from, const struct edge *last)
{
	char text[DF_ERRLEN] = "", label[32];
	const struct edge *at = last;
	size_t len = 0;

	for (size_t d = from; d < pl->depth; d++) {
		if (d > from && pl->via[d].kind == DF_COPY && at->kind != DF_COPY)
			at = &pl->via[d];
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s -> ",
					stage_label(pl->df, pl->path[d], label,
						    sizeof(label)));
		if (len >= sizeof(text))
			len = sizeof(text) - 1;
	}
	snprintf(text + len, sizeof(text) - len, "%s",
		 stage_label(pl->df, last->to, label, sizeof(label)));
	return fail_at(pl, at->line, at->kind, "cyclic stage reference: %s", text);
}

static int visit(struct planner *pl, int s, const struct edge *via)
{
	pl->color[s] = 1;
	pl->path[pl->depth] = s;
	if (via)
		pl->via[pl->depth] = *via;
	pl->depth++;
	for (size_t k = 0; k < pl->nedges[s]; k++) {
		const struct edge *e = &pl->edges[s][k];

		if (pl->color[e->to] == 1) {
			size_t from = 0;

			while (pl->path[from] != e->to)
				from++;
			return report_cycle(pl, from, e);
		}
		if (!pl->color[e->to] && visit(pl, e->to, e))
			return -1;
	}
	pl->depth--;
	pl->color[s] = 2;
	return 0;
}

static int check_cycles(struct planner *pl)
{
	for (size_t i = 0; i < pl->df->nstage; i++)
		if (!pl->color[i] && visit(pl, (int)i, NULL))
			return -1;
	return 0;
}

/* Post-order from the target: every stage after the ones it uses. */
static void order_needed(struct planner *pl, int s)
{
	struct df_plan *p = pl->p;

	if (p->stage[s].needed)
		return;
	p->stage[s].needed = true;
	for (size_t k = 0; k < pl->nedges[s]; k++)
		order_needed(pl, pl->edges[s][k].to);
	p->order[p->norder++] = s;
}

static int find_target(struct planner *pl, const char *target)
{
	const struct df_stage *st;

	if (!target) {
		pl->p->target = (int)pl->df->nstage - 1;
		return 0;
	}
	st = stage_by_name(pl->df, target);
	if (!st)
		return df_fail(pl->err, pl->errlen,
			       "%s: target stage \"%s\" could not be found",
			       pl->df->file, target);
	pl->p->target = st->index;
	return 0;
}

static bool declared(const struct dockerfile *df, const struct df_plan *p,
		     const char *key)
{
	for (size_t i = 0; i < df->nmeta; i++)
		for (size_t k = 0; k < df->meta[i].nkv; k++)
			if (!strcmp(df->meta[i].kv[k].key, key))
				return true;
	for (size_t s = 0; s < df->nstage; s++)
		for (size_t i = 0; p->stage[s].needed && i < df->stage[s].ninst; i++)
			for (size_t k = 0; df->stage[s].inst[i].kind == DF_ARG &&
					   k < df->stage[s].inst[i].nkv; k++)
				if (!strcmp(df->stage[s].inst[i].kv[k].key, key))
					return true;
	return false;
}

static void warn_unused(struct planner *pl)
{
	struct df_strv w = { 0 };
	char buf[DF_ERRLEN];

	for (size_t i = 0; i < pl->p->build_args.n; i++) {
		const char *key = pl->p->build_args.key[i];

		if (declared(pl->df, pl->p, key) || df_predefined_arg(key))
			continue;
		snprintf(buf, sizeof(buf),
			 "%s: build argument %s was not consumed (no ARG %s in the stages built)",
			 pl->df->file, key, key);
		df_strv_push(&w, strdup(buf));
	}
	pl->p->warnings = w.v;
	pl->p->nwarnings = w.n;
}

static int plan_stages(struct planner *pl)
{
	for (size_t i = 0; i < pl->df->nstage; i++) {
		struct df_stage_plan *sp = &pl->p->stage[i];

		sp->base = -1;
		sp->copy_from = calloc(pl->df->stage[i].ninst + 1, sizeof(int));
		if (!sp->copy_from)
			return df_fail(pl->err, pl->errlen, "%s: out of memory",
				       pl->df->file);
		if (plan_from(pl, (int)i))
			return -1;
		for (size_t k = 0; k < pl->df->stage[i].ninst; k++)
			if (plan_copy_from(pl, (int)i, k))
				return -1;
	}
	return 0;
}

static int alloc_planner(struct planner *pl, size_t n)
{
	struct df_plan *p = pl->p;

	p->stage = calloc(n, sizeof(*p->stage));
	p->order = calloc(n, sizeof(int));
	pl->edges = calloc(n, sizeof(*pl->edges));
	pl->nedges = calloc(n, sizeof(size_t));
	pl->color = calloc(n, sizeof(int));
	pl->path = calloc(n, sizeof(int));
	pl->via = calloc(n, sizeof(struct edge));
	if (!p->stage || !p->order || !pl->edges || !pl->nedges ||
	    !pl->color || !pl->path || !pl->via)
		return df_fail(pl->err, pl->errlen, "%s: out of memory",
			       pl->df->file);
	return 0;
}

static void free_planner(struct planner *pl)
{
	for (size_t i = 0; pl->edges && i < pl->df->nstage; i++)
		free(pl->edges[i]);
	free(pl->edges);
	free(pl->nedges);
	free(pl->color);
	free(pl->path);
	free(pl->via);
}

int df_plan(const struct dockerfile *df, const struct df_opts *opts,
	    struct df_plan *plan, char *err, size_t errlen)
{
	struct planner pl = { .df = df, .p = plan, .err = err,
			      .errlen = errlen };
	const char *platform = opts && opts->platform ? opts->platform
						      : "linux/amd64";
	int rc;

	memset(plan, 0, sizeof(*plan));
	plan->df = df;
	plan->nstage = df->nstage;
	plan->target = -1;
	if (!df->nstage)
		return df_fail(err, errlen, "%s: no build stage", df->file);
	rc = alloc_planner(&pl, df->nstage);
	if (!rc && (df_vars_copy(&plan->build_args, opts ? opts->build_args : NULL) ||
		    platform_args(&plan->global, platform)))
		rc = df_fail(err, errlen, "%s: out of memory", df->file);
	if (!rc)
		rc = global_args(&pl) || plan_stages(&pl) || check_cycles(&pl) ||
		     find_target(&pl, opts ? opts->target : NULL) ? -1 : 0;
	if (!rc) {
		order_needed(&pl, plan->target);
		warn_unused(&pl);
	}
	free_planner(&pl);
	if (rc)
		df_plan_free(plan);
	return rc;
}

void df_plan_free(struct df_plan *plan)
{
	for (size_t i = 0; plan->stage && i < plan->nstage; i++) {
		free(plan->stage[i].image);
		free(plan->stage[i].platform);
		free(plan->stage[i].copy_from);
	}
	free(plan->stage);
	free(plan->order);
	df_vars_free(&plan->global);
	df_vars_free(&plan->build_args);
	df_strs_free(plan->warnings, plan->nwarnings);
	memset(plan, 0, sizeof(*plan));
}
