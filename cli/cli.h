/*
 * The husk command line: `husk COMMAND [OPTIONS] [ARGS...]`, verbs and
 * options shaped like Docker's. Each verb is one file; the work is done
 * by lib/ (the store), which the OCI runtime shares.
 *
 * Exit statuses follow Docker's CLI: 0, 1 for "No such image", 125 for
 * husk's own errors (usage included). Messages go to standard error as
 * one "husk: ..." line.
 */
#ifndef HUSK_CLI_H
#define HUSK_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "json_util.h"
#include "store.h"

#define HUSK_VERSION "0.1.0"
#define EXIT_NOT_FOUND STORE_NOT_FOUND
#define EXIT_HUSK STORE_ERR

/* ---- main.c ---- */

struct verb {
	const char *name;
	const char *summary;
	const char *usage;    /* after "husk NAME " */
	const char *help;     /* the options, one per line */
	const char *notes;    /* printed after the options, or NULL */
	int (*run)(int argc, char **argv);
};

/* "husk: <message>" on standard error; returns status. */
int cli_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The store's recorded error, as cli_fail would print it. */
int cli_store_fail(int status);
/* Opens $HUSK_HOME, reporting failure. */
int cli_open_store(struct store *s);

/* ---- opts.c: flags ---- */

enum opt_kind { OPT_FLAG, OPT_VALUE, OPT_LIST };

/* The values of a repeatable option, in order (argv's strings). */
struct opt_list {
	const char **v;
	size_t n;
};

struct opt {
	char short_name;      /* 0: none */
	const char *long_name;
	enum opt_kind kind;
	int *flag;            /* OPT_FLAG */
	const char **value;   /* OPT_VALUE: the last one given wins */
	struct opt_list *list; /* OPT_LIST: every one, in order */
};

/*
 * Parses argv[1..] for verb: flags anywhere (Docker's pflag intersperses
 * them), "--" ends them. The positional arguments are moved to the front
 * of argv; *nargs is their count. Returns 0, -1 after printing the help
 * (-h/--help), or EXIT_HUSK after a usage error.
 */
int opts_parse(const struct verb *v, const struct opt *opts, int argc,
	       char **argv, int *nargs);
/*
 * opts_parse for a verb with a single sub-command ("husk system prune"):
 * also a usage error unless the one positional argument is command.
 */
int opts_parse_command(const struct verb *v, const struct opt *opts,
		       int argc, char **argv, const char *command);
/*
 * Prints warning, then Docker's "Are you sure you want to continue? [y/N]";
 * true when the answer starts with y or Y (end of input is no).
 */
int cli_confirm(const char *warning);
/* "husk: 'NAME' requires ... See 'husk NAME --help'." */
int opts_usage_error(const struct verb *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void verb_help(const struct verb *v);
const struct verb *verb_lookup(const char *name);

/* ---- humanize.c ---- */

/* "7.8MB", "12kB", "0B": decimal units, 3 significant digits. */
void human_size(int64_t bytes, char *buf, size_t n);
/* "2 days ago", "About an hour ago"; "N/A" when unknown. */
void human_since(int64_t when, int64_t now, char *buf, size_t n);
/* Shortens to width characters, the last one "…" (counts UTF-8 characters). */
void ellipsis(const char *s, size_t width, char *buf, size_t n);

/* ---- template.c: Go template subset for --format ---- */

/*
 * Renders format against data: literal text, {{.Field.Sub}}, {{.}},
 * {{json .X}}, {{join .X SEP}}, {{upper .X}}, {{lower .X}}, {{len .X}};
 * \t and \n are tabs and newlines as in Docker. Values print as Go prints
 * them ([a b] for lists, map[k:v] for objects). list_fields and
 * map_fields name fields whose null prints as [] and map[] (Go's nil
 * slices and maps). EXIT_HUSK with a message on a bad template.
 */
struct template_types {
	const char *const *lists;
	const char *const *maps;
};

int template_render(const char *format, const json_t *data,
		    const struct template_types *types, char **out);
/* Whether format begins with "table" (Docker: a header and aligned columns). */
int template_is_table(const char *format);
const char *template_body(const char *format);

/* ---- table.c: columns as Go's tabwriter aligns them ---- */

struct table {
	char **lines;
	size_t n;
};

/* Adds one line whose cells are separated by tabs. */
int table_add(struct table *t, const char *line);
/* Prints every line, each cell padded to its column's width + 3. */
void table_print(struct table *t);

/* ---- rows.c ---- */

/*
 * Prints rows through a --format (default_format when format is NULL):
 * "table ..." prints header (an object of column titles) first and aligns
 * the columns; any other format prints one line per row.
 */
int print_rows(const char *format, const char *default_format,
	       const json_t *header, json_t *const *rows, size_t n,
	       const struct template_types *types);

#endif
