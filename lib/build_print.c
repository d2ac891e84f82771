/*
 * Progress in the shape of BuildKit's plain output: "#N [stage i/n]
 * INSTRUCTION" when a step starts, "#N CACHED" or "#N DONE 0.4s" when it
 * ends, the command's output as "#N 0.123 line". Nothing is printed
 * when the build is quiet (-q).
 */
#include <stdarg.h>
#include <stdio.h>

#include "build_int.h"

void print_line(struct build *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->o->progress)
		return;
	fprintf(b->o->progress, "#%d ", b->step);
	va_start(ap, fmt);
	vfprintf(b->o->progress, fmt, ap);
	va_end(ap);
	fputc('\n', b->o->progress);
	fflush(b->o->progress);
}

void print_step(struct build *b, const struct stage_state *ss, size_t i,
		const struct df_inst *in)
{
	char stage[64];

	b->step++;
	if (ss->st->name)
		snprintf(stage, sizeof(stage), "%s", ss->st->name);
	else
		snprintf(stage, sizeof(stage), "stage-%d", ss->st->index);
	if (in)
		print_line(b, "[%s %zu/%zu] %s", stage, i + 2, ss->st->ninst + 1,
			   in->text);
	else
		print_line(b, "[%s 1/%zu] %s", stage, ss->st->ninst + 1, ss->st->text);
}

void print_output(struct build *b, double elapsed, const char *line, size_t n)
{
	if (!b->o->progress)
		return;
	fprintf(b->o->progress, "#%d %.3f %.*s\n", b->step, elapsed, (int)n, line);
	fflush(b->o->progress);
}
