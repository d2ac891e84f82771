/*
 * Flags as Docker's CLI (pflag) takes them: -q, -qf, -o FILE, -oFILE,
 * --output FILE, --output=FILE, --flag=false; anywhere among the
 * arguments, up to "--".
 */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void verb_help(const struct verb *v)
{
	printf("\nUsage:  husk %s %s\n\n%s\n\nOptions:\n%s", v->name, v->usage,
	       v->summary, v->help ? v->help : "");
	printf("  -h, --help            Print usage\n");
	if (v->notes)
		printf("\n%s", v->notes);
}

int opts_usage_error(const struct verb *v, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("husk: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee 'husk %s --help'.\n\nUsage:  husk %s %s\n\n%s\n",
		v->name, v->name, v->usage, v->summary);
	return EXIT_HUSK;
}

int opts_parse_command(const struct verb *v, const struct opt *opts,
		       int argc, char **argv, const char *command)
{
	int nargs, rc = opts_parse(v, opts, argc, argv, &nargs);

	if (rc)
		return rc;
	if (nargs != 1 || strcmp(argv[0], command))
		return opts_usage_error(v, "\"husk %s\" has one command: %s",
					v->name, command);
	return 0;
}

int cli_confirm(const char *warning)
{
	char line[16] = "";

	fputs(warning, stdout);
	fputs("Are you sure you want to continue? [y/N] ", stdout);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static const struct opt *find_long(const struct opt *opts, const char *name,
				   size_t len)
{
	for (; opts && opts->long_name; opts++)
		if (strlen(opts->long_name) == len && !strncmp(opts->long_name, name, len))
			return opts;
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, char c)
{
	for (; opts && opts->long_name; opts++)
		if (opts->short_name == c)
			return opts;
	return NULL;
}

static int set_flag(const struct verb *v, const struct opt *o, const char *value)
{
	if (!value || !strcmp(value, "true") || !strcmp(value, "1"))
		*o->flag = 1;
	else if (!strcmp(value, "false") || !strcmp(value, "0"))
		*o->flag = 0;
	else
		return opts_usage_error(v, "invalid argument \"%s\" for \"--%s\" "
					"flag: expected true or false", value,
					o->long_name);
	return 0;
}

/* An option's value: the last one wins, or one more in its list. */
static int set_value(const struct opt *o, const char *value)
{
	const char **v;

	if (o->kind != OPT_LIST) {
		*o->value = value;
		return 0;
	}
	v = realloc(o->list->v, (o->list->n + 1) * sizeof(*v));
	if (!v)
		return cli_fail(EXIT_HUSK, "out of memory");
	v[o->list->n++] = value;
	o->list->v = v;
	return 0;
}

static int long_opt(const struct verb *v, const struct opt *opts, int argc,
		    char **argv, int *i)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt *o = find_long(opts, name, len);

	if (len == 4 && !strncmp(name, "help", 4)) {
		verb_help(v);
		return -1;
	}
	if (!o)
		return opts_usage_error(v, "unknown flag: --%.*s", (int)len, name);
	if (o->kind == OPT_FLAG)
		return set_flag(v, o, eq ? eq + 1 : NULL);
	if (eq)
		return set_value(o, eq + 1);
	if (*i + 1 >= argc)
		return opts_usage_error(v, "flag needs an argument: --%s",
					o->long_name);
	return set_value(o, argv[++*i]);
}

static int short_opts(const struct verb *v, const struct opt *opts, int argc,
		      char **argv, int *i)
{
	const char *p = argv[*i] + 1;
	const struct opt *o;

	for (; *p; p++) {
		if (*p == 'h') {
			verb_help(v);
			return -1;
		}
		o = find_short(opts, *p);
		if (!o)
			return opts_usage_error(v, "unknown shorthand flag: '%c' in %s",
						*p, argv[*i]);
		if (o->kind == OPT_FLAG) {
			*o->flag = 1;
			continue;
		}
		if (p[1])
			return set_value(o, p[1] == '=' ? p + 2 : p + 1);
		if (*i + 1 >= argc)
			return opts_usage_error(v, "flag needs an argument: '%c' "
						"in %s", *p, argv[*i]);
		return set_value(o, argv[++*i]);
	}
	return 0;
}

int opts_parse(const struct verb *v, const struct opt *opts, int argc,
	       char **argv, int *nargs)
{
	int i, n = 0, rest = 0, rc;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		if (rest || a[0] != '-' || !a[1]) {
			argv[n++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			rest = 1;
			continue;
		}
		rc = a[1] == '-' ? long_opt(v, opts, argc, argv, &i) :
				   short_opts(v, opts, argc, argv, &i);
		if (rc)
			return rc;
	}
	argv[n] = NULL;
	*nargs = n;
	return 0;
}
