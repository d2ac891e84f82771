/*
 * Flags as runc (urfave/cli) takes them: one or two dashes, the value
 * after "=" or as the next word; "--" ends the options. Engines use every
 * one of these forms (conmon writes --log-format=json, containerd --root
 * DIR), so all must work.
 */
#include <stdio.h>
#include <string.h>

#include "runtime.h"

static const struct rt_opt *find(const struct rt_opt *opts, const char *name,
				 size_t len)
{
	for (; opts->name; opts++) {
		if (strlen(opts->name) == len && !strncmp(opts->name, name, len))
			return opts;
		if (len == 1 && opts->short_name == name[0])
			return opts;
	}
	return NULL;
}

static int one(const char *verb, const struct rt_opt *opts, int argc,
	       char **argv, int *i)
{
	const char *a = argv[*i], *name = a + (a[1] == '-' ? 2 : 1);
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct rt_opt *o = find(opts, name, len);

	if (!o)
		return rt_fail("%s: unknown option %s (see %s --help)", verb, a, RT_NAME);
	if (o->flag) {
		if (eq)
			*o->flag = !strcmp(eq + 1, "true") || !strcmp(eq + 1, "1");
		else
			*o->flag = 1;
		return 0;
	}
	if (eq) {
		*o->value = eq + 1;
	} else if (*i + 1 < argc) {
		*o->value = argv[++*i];
	} else {
		return rt_fail("%s: option %s needs a value", verb, a);
	}
	return 0;
}

int rt_parse(const char *verb, const struct rt_opt *opts, int argc, char **argv,
	     int *first)
{
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (argv[i][0] != '-' || !argv[i][1])
			break;
		rc = one(verb, opts, argc, argv, &i);
		if (rc)
			return rc;
	}
	*first = i;
	return 0;
}

int rt_need_args(const char *verb, const char *usage, int argc, int first,
		 int min, int max)
{
	int n = argc - first;

	if (n < min || n > max)
		return rt_fail("\"%s\" requires %s%d argument%s (usage: %s %s %s)",
			       verb, min == max ? "exactly " : "", n < min ? min : max,
			       (n < min ? min : max) == 1 ? "" : "s", RT_NAME, verb,
			       usage);
	return 0;
}
