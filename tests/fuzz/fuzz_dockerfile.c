/*
 * Dockerfiles (lib/dockerfile*.c, lib/dfexpand*.c): the input is the
 * Dockerfile. What parses is planned (global ARGs, FROM and COPY --from
 * references, the target's stages), and every needed stage is expanded
 * instruction by instruction in the plan's order, as lib/build.c walks
 * it: a stage built FROM an earlier one starts from that stage's scope,
 * one FROM an image from a fixed environment. ONBUILD triggers are parsed
 * as an image config would bring them back. Errors must be one line.
 */
#include "fuzz.h"
#include "dfexpand.h"
#include "dockerfile.h"

static void check_err(const char *err)
{
	FUZZ_ASSERT(memchr(err, 0, DF_ERRLEN) && !strchr(err, '\n'));
}

static void expand_stage(const struct df_plan *plan, const struct df_stage *st,
			 struct df_vars *scope)
{
	char err[DF_ERRLEN];
	struct df_inst out, trig;

	for (size_t i = 0; i < st->ninst; i++) {
		const struct df_inst *in = &st->inst[i];
		if (df_expand(plan, in, scope, &out, err, sizeof(err))) {
			check_err(err);
			return;
		}
		FUZZ_ASSERT(out.kind == in->kind);
		df_inst_free(&out);
		if (in->kind != DF_ONBUILD)
			continue;
		if (dockerfile_parse_line("Dockerfile", in->line, plan->df->escape,
					  in->onbuild, &trig, err, sizeof(err)))
			check_err(err);
		else
			df_inst_free(&trig);
	}
}

static void build(const struct dockerfile *df)
{
	struct df_vars args = { 0 }, *scope;
	struct df_opts opts = { .build_args = &args };
	struct df_plan plan;
	char err[DF_ERRLEN];

	FUZZ_ASSERT(!df_vars_put(&args, "HTTP_PROXY=http://proxy:3128") &&
		    !df_vars_put(&args, "VERSION=1.2"));
	if (df_plan(df, &opts, &plan, err, sizeof(err))) {
		check_err(err);
		df_vars_free(&args);
		return;
	}
	scope = calloc(df->nstage, sizeof(*scope));
	FUZZ_ASSERT(scope);
	for (size_t k = 0; k < plan.norder; k++) {
		int s = plan.order[k], base = plan.stage[s].base;
		FUZZ_ASSERT(s >= 0 && (size_t)s < df->nstage && plan.stage[s].needed);
		FUZZ_ASSERT(base < s);
		if (base >= 0)
			FUZZ_ASSERT(!df_vars_copy(&scope[s], &scope[base]));
		else
			FUZZ_ASSERT(!df_vars_put(&scope[s], "PATH=/usr/bin:/bin"));
		expand_stage(&plan, &df->stage[s], &scope[s]);
	}
	for (size_t s = 0; s < df->nstage; s++)
		df_vars_free(&scope[s]);
	free(scope);
	df_plan_free(&plan);
	df_vars_free(&args);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerfile df;
	char err[DF_ERRLEN];

	if (dockerfile_parse("Dockerfile", (const char *)data, size, &df, err,
			     sizeof(err))) {
		check_err(err);
		return 0;
	}
	build(&df);
	dockerfile_free(&df);
	return 0;
}
