/*
 * run and create's command line. Unlike the other verbs, options stop at
 * IMAGE (what follows belongs to the program: `husk run img ls -l`), and
 * -e/--env-file repeat, so those are taken out first and the rest goes to
 * opts_parse, which keeps the messages the same as everywhere else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container_cli.h"

/* Options that take a value, so that the value is not taken for IMAGE. */
static const char short_values[] = "ewmp";
static const char *const long_values[] = {
	"name", "env", "env-file", "workdir", "memory", "entrypoint", "publish",
	"network", "net", "hostname", NULL,
};

static int takes_value_long(const char *name, size_t len)
{
	size_t i;

	for (i = 0; long_values[i]; i++)
		if (strlen(long_values[i]) == len && !strncmp(long_values[i], name, len))
			return 1;
	return 0;
}

/* Index of IMAGE in argv (argc when there is none). */
static int image_index(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			return i + 1;
		if (a[0] != '-' || !a[1])
			return i;
		if (a[1] == '-') {
			if (!strchr(a, '=') && takes_value_long(a + 2, strlen(a + 2)))
				i++;
			continue;
		}
		for (a++; *a; a++)
			if (strchr(short_values, *a)) {
				if (!a[1])
					i++;
				break;
			}
	}
	return argc;
}

static int add_env(struct run_args *a, const char *kv)
{
	char **v = realloc(a->env_store, (a->launch.nenv + 1) * sizeof(*v));

	if (!v)
		return cli_fail(EXIT_HUSK, "out of memory");
	a->env_store = v;
	if (!strchr(kv, '=')) {
		/* -e KEY: Docker passes husk's own value, or nothing. */
		const char *val = getenv(kv);
		if (!val)
			return 0;
		if (asprintf(&v[a->launch.nenv], "%s=%s", kv, val) < 0)
			return cli_fail(EXIT_HUSK, "out of memory");
	} else if (kv[0] == '=') {
		return cli_fail(EXIT_HUSK, "invalid environment variable: %s", kv);
	} else if (!(v[a->launch.nenv] = strdup(kv))) {
		return cli_fail(EXIT_HUSK, "out of memory");
	}
	a->launch.nenv++;
	return 0;
}

/* Docker's env file: KEY=VALUE lines, '#' comments, blank lines, KEY. */
static int read_env_file(struct run_args *a, const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0, lineno = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return cli_fail(EXIT_HUSK, "open %s: %s", path, strerror(errno));
	while (!rc && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!line[strspn(line, " \t")] || line[strspn(line, " \t")] == '#')
			continue;
		if (strcspn(line, " \t") < strcspn(line, "="))
			rc = cli_fail(EXIT_HUSK, "%s:%d: variable '%.*s' contains "
				      "whitespaces", path, lineno,
				      (int)strcspn(line, "="), line);
		else if (line[0] == '=')
			rc = cli_fail(EXIT_HUSK, "%s:%d: no variable name before "
				      "'='", path, lineno);
		else
			rc = add_env(a, line);
	}
	free(line);
	fclose(f);
	return rc;
}

/* The value of an env option at argv[*i], or NULL if it is not one. */
static const char *env_value(int argc, char **argv, int *i, int *is_file)
{
	const char *a = argv[*i];

	*is_file = 0;
	if (!strncmp(a, "--env-file", 10) && (a[10] == '=' || !a[10]))
		*is_file = 1;
	else if (!(!strncmp(a, "--env", 5) && (a[5] == '=' || !a[5])) &&
		 strcmp(a, "-e") && !(a[0] == '-' && a[1] == 'e' && a[2]))
		return NULL;
	if (a[1] == 'e')
		return a[2] ? a + 2 + (a[2] == '=') : (*i + 1 < argc ? argv[++*i] : NULL);
	if (strchr(a, '='))
		return strchr(a, '=') + 1;
	return *i + 1 < argc ? argv[++*i] : NULL;
}

/* Moves -e/--env/--env-file out of argv[1..*image), keeping the rest. */
static int take_env(const struct verb *v, struct run_args *a, int *image,
		    char **argv)
{
	int i, n = 1, is_file, rc = 0;

	for (i = 1; !rc && i < *image; i++) {
		int at = i;
		const char *val = env_value(*image, argv, &i, &is_file);
		if (!val && i == at && !is_file && strcmp(argv[at], "-e") &&
		    strcmp(argv[at], "--env") && strcmp(argv[at], "--env-file")) {
			argv[n++] = argv[at];
			continue;
		}
		if (!val)
			return opts_usage_error(v, "flag needs an argument: %s", argv[at]);
		rc = is_file ? read_env_file(a, val) : add_env(a, val);
	}
	memmove(argv + n, argv + *image, sizeof(*argv));
	*image = n;
	return rc;
}

int run_args_parse(const struct verb *v, int argc, char **argv,
		   struct run_args *a)
{
	const char *workdir = NULL, *memory = NULL, *entry = NULL;
	const struct opt opts[] = {
		{ 'd', "detach", OPT_FLAG, &a->detach, NULL, NULL },
		{ 0, "rm", OPT_FLAG, &a->rm, NULL, NULL },
		{ 't', "tty", OPT_FLAG, &a->tty, NULL, NULL },
		{ 'i', "interactive", OPT_FLAG, &a->interactive, NULL, NULL },
		{ 'q', "quiet", OPT_FLAG, &a->quiet, NULL, NULL },
		{ 0, "name", OPT_VALUE, NULL, &a->name, NULL },
		{ 'w', "workdir", OPT_VALUE, NULL, &workdir, NULL },
		{ 'm', "memory", OPT_VALUE, NULL, &memory, NULL },
		{ 0, "entrypoint", OPT_VALUE, NULL, &entry, NULL },
		{ 'p', "publish", OPT_LIST, NULL, NULL, &a->publish },
		{ 0, "network", OPT_VALUE, NULL, &a->launch.network, NULL },
		{ 0, "net", OPT_VALUE, NULL, &a->launch.network, NULL },
		{ 0, "hostname", OPT_VALUE, NULL, &a->launch.hostname, NULL },
		{ 0, NULL, 0, NULL, NULL, NULL },
	};
	int image = image_index(argc, argv), rest, nargs, rc;
	char **cmd;

	memset(a, 0, sizeof(*a));
	rest = image < argc ? image + 1 : argc;
	cmd = argv + rest;
	rc = take_env(v, a, &image, argv);
	if (!rc)
		rc = opts_parse(v, opts, image < argc ? image + 1 : image, argv, &nargs);
	if (!rc && nargs < 1)
		rc = opts_usage_error(v, "\"husk %s\" requires at least 1 "
				      "argument", v->name);
	if (rc) { /* the callers free nothing after a failure */
		run_args_free(a);
		return rc;
	}
	a->image = argv[0];
	a->launch.cmd = cmd;
	a->launch.ncmd = (size_t)(argc - rest);
	a->launch.env = a->env_store;
	a->launch.workdir = workdir;
	a->launch.entrypoint = entry;
	a->launch.publish = a->publish.v;
	a->launch.npublish = a->publish.n;
	if (memory && launch_parse_memory(memory, &a->launch.memory)) {
		run_args_free(a);
		return cli_store_fail(EXIT_HUSK);
	}
	return 0;
}

void run_args_free(struct run_args *a)
{
	size_t i;

	for (i = 0; i < a->launch.nenv; i++)
		free(a->env_store[i]);
	free(a->env_store);
	a->env_store = NULL;
	free(a->publish.v);
	a->publish.v = NULL;
}
