/* The boot command line: "OPTIONS [-- ARGS]" (format in ARCHITECTURE.md). */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

struct cmdline {
	int argc;        /* program arguments, after "--" */
	char **argv;     /* NULL-terminated */
	int nopts;       /* kernel options, before "--" */
	char **opts;
};

/* Splits s in place into words (double quotes, \" and \\ escapes). Words
 * are stored in the caller's arrays, of room `max` each. */
void cmdline_parse(char *s, struct cmdline *c, char **optv, char **argv,
		   int max);
int cmdline_has(const struct cmdline *c, const char *opt);

#endif
