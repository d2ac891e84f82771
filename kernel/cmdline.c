/* Command-line splitting, shared by husk-vmm's quoting (vmm/bootinfo.c). */
#include "cmdline.h"
#include "lib.h"

/* Next word of *sp into itself, unquoting; NULL at the end. */
static char *next_word(char **sp)
{
	char *s = *sp, *w, *out;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return 0;
	w = out = s;
	for (int quoted = 0; *s; s++) {
		if (*s == '"') {
			quoted = !quoted;
		} else if (*s == '\\' && quoted && (s[1] == '"' || s[1] == '\\')) {
			*out++ = *++s;
		} else if (!quoted && (*s == ' ' || *s == '\t')) {
			s++;
			break;
		} else {
			*out++ = *s;
		}
	}
	*sp = s;
	*out = 0;
	return w;
}

void cmdline_parse(char *s, struct cmdline *c, char **optv, char **argv,
		   int max)
{
	char *w;
	int args = 0;

	c->argc = c->nopts = 0;
	c->argv = argv;
	c->opts = optv;
	/* The first "--" ends the options; any later one is an argument. */
	while ((w = next_word(&s))) {
		if (!args && !strcmp(w, "--")) {
			args = 1;
			continue;
		}
		if (args && c->argc < max - 1)
			argv[c->argc++] = w;
		else if (!args && c->nopts < max - 1)
			optv[c->nopts++] = w;
	}
	argv[c->argc] = 0;
	optv[c->nopts] = 0;
}

int cmdline_has(const struct cmdline *c, const char *opt)
{
	for (int i = 0; i < c->nopts; i++)
		if (!strcmp(c->opts[i], opt))
			return 1;
	return 0;
}
