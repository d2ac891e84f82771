/*
 * husk: the command line. Dispatches `husk COMMAND ...` to the verbs, and
 * `husk image SUBCOMMAND ...` (Docker's management form) to the same
 * ones.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "cli.h"

extern const struct verb verb_images, verb_rmi, verb_tag, verb_inspect,
	verb_history, verb_save, verb_load, verb_import, verb_system,
	verb_version, verb_build, verb_builder, verb_info;
/* Containers (cli/run.c ...); the supervisor is hidden from the help. */
extern const struct verb verb_run, verb_create, verb_start, verb_ps,
	verb_logs, verb_stop, verb_kill, verb_rm, verb_wait, verb_container,
	verb_supervise;

static const struct verb *const verbs[] = {
	&verb_build, &verb_images, &verb_rmi, &verb_tag, &verb_inspect, &verb_history,
	&verb_save, &verb_load, &verb_import, &verb_system, &verb_builder,
	&verb_version, &verb_info,
	&verb_run, &verb_create, &verb_start, &verb_ps, &verb_logs, &verb_stop,
	&verb_kill, &verb_rm, &verb_wait, &verb_container,
};

/* `husk image ls` is `husk images`, `husk image rm` is `husk rmi`. */
static const char *const image_aliases[][2] = {
	{ "ls", "images" }, { "list", "images" }, { "rm", "rmi" },
	{ "remove", "rmi" }, { "tag", "tag" }, { "inspect", "inspect" },
	{ "history", "history" }, { "save", "save" }, { "load", "load" },
	{ "import", "import" },
};

int cli_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("husk: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int cli_store_fail(int status)
{
	return cli_fail(status, "%s", store_error());
}

int cli_open_store(struct store *s)
{
	int rc = store_open(s, NULL);

	return rc ? cli_store_fail(rc) : 0;
}

const struct verb *verb_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verbs[i]->name, name))
			return verbs[i];
	return NULL;
}

static void main_help(FILE *f)
{
	size_t i;

	fputs("\nUsage:  husk [OPTIONS] COMMAND\n\n"
	      "Runs programs as unikernels: Docker's workflow, a VM's isolation.\n\n"
	      "Commands:\n", f);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-10s  %s\n", verbs[i]->name, verbs[i]->summary);
	fputs("\nManagement commands:\n"
	      "  image       Manage images (ls, rm, tag, inspect, history, save, "
	      "load, import)\n\n"
	      "Options:\n"
	      "  -h, --help      Print usage\n"
	      "  -v, --version   Print version information and quit\n\n"
	      "Images live in $HUSK_HOME (default ~/.local/share/husk).\n"
	      "Run 'husk COMMAND --help' for more information on a command.\n", f);
}

static int run_verb(const char *name, int argc, char **argv)
{
	const struct verb *v = verb_lookup(name);

	if (!v)
		return cli_fail(EXIT_HUSK, "'%s' is not a husk command.\n"
				"See 'husk --help'", name);
	return v->run(argc, argv);
}

static int run_image(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("\nUsage:  husk image COMMAND\n\nManage images\n\nCommands:\n");
		for (i = 0; i < sizeof(image_aliases) / sizeof(image_aliases[0]); i++)
			printf("  %-9s   %s\n", image_aliases[i][0],
			       verb_lookup(image_aliases[i][1])->summary);
		return argc < 2 ? EXIT_HUSK : 0;
	}
	for (i = 0; i < sizeof(image_aliases) / sizeof(image_aliases[0]); i++)
		if (!strcmp(argv[1], image_aliases[i][0]))
			return run_verb(image_aliases[i][1], argc - 1, argv + 1);
	return cli_fail(EXIT_HUSK, "'image %s' is not a husk command.\n"
			"See 'husk image --help'", argv[1]);
}

/* jansson seeds its hash function from /dev/urandom (open, read, close)
 * on first use; one getrandom is cheaper on every command. */
static void seed_json_hash(void)
{
	uint32_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed) && seed)
		json_object_seed(seed);
}

int main(int argc, char **argv)
{
	seed_json_hash();
	if (argc < 2) {
		main_help(stderr);
		return EXIT_HUSK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2 && verb_lookup(argv[2])) {
			verb_help(verb_lookup(argv[2]));
			return 0;
		}
		main_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v")) {
		printf("husk version %s\n", HUSK_VERSION);
		return 0;
	}
	if (argv[1][0] == '-')
		return cli_fail(EXIT_HUSK, "unknown flag: %s\nSee 'husk --help'.",
				argv[1]);
	if (!strcmp(argv[1], "image"))
		return run_image(argc - 1, argv + 1);
	if (!strcmp(argv[1], verb_supervise.name))
		return verb_supervise.run(argc - 1, argv + 1);
	return run_verb(argv[1], argc - 1, argv + 1);
}
