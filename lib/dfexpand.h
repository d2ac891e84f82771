/*
 * Variable substitution in Dockerfile words, as BuildKit's shell lexer
 * (frontend/dockerfile/shell/lex.go) does it, and the variable scope a
 * stage builds with.
 *
 * In a word: $NAME and ${NAME}; ${NAME:-word} ${NAME-word} ${NAME:+word}
 * ${NAME+word} ${NAME:?msg} ${NAME?msg}; ${NAME#pat} ${NAME##pat}
 * ${NAME%pat} ${NAME%%pat} (pat: * and ?, \* \? \\ literal);
 * ${NAME/pat/repl} ${NAME//pat/repl}. 'single quotes' keep everything
 * literal; "double quotes" expand $ and let the escape character escape
 * " $ and itself; outside quotes the escape character makes the next
 * character literal. Quotes and escapes are removed. Unset variables
 * expand to nothing.
 *
 * A stage's scope: the builder starts it from the base image's Env (or,
 * for FROM <stage>, from that stage's final scope, ARG values included, as
 * BuildKit does) and passes every instruction through df_expand(), which
 * substitutes the words BuildKit substitutes (ADD COPY ENV EXPOSE LABEL
 * STOPSIGNAL USER VOLUME WORKDIR, and --chown --chmod --checksum
 * --exclude; never RUN CMD ENTRYPOINT SHELL HEALTHCHECK ONBUILD, nor
 * COPY --from) and records what ENV and ARG set. ARG and ENV write
 * to the one scope in order, so the later wins: "ENV overrides ARG" in
 * Docker's example because its ENV comes after the ARG. The scope is also
 * RUN's environment.
 */
#ifndef HUSK_DFEXPAND_H
#define HUSK_DFEXPAND_H

#include "dockerfile.h"

/* Sets (replacing in place) or appends key=val; -1 when out of memory. */
int df_vars_set(struct df_vars *v, const char *key, const char *val);
/* Sets from "KEY=VALUE" ("KEY" alone: the empty value), as an image
 * config's Env entries and --build-arg are written. */
int df_vars_put(struct df_vars *v, const char *kv);
/* The value, or NULL when unset (set-but-empty is ""). */
const char *df_vars_get(const struct df_vars *v, const char *key);
int df_vars_copy(struct df_vars *dst, const struct df_vars *src);
void df_vars_free(struct df_vars *v);

/*
 * One word, as BuildKit's ProcessWord: *out is the expansion (malloc'd).
 * escape is the Dockerfile's escape character. Errors describe the word:
 * failed to process "${x": syntax error: missing '}'.
 */
int df_word(const char *word, char escape, const struct df_vars *vars,
	    char **out, char *err, size_t errlen);

/* ProcessWords: the expansion split into words at blanks that were not
 * quoted or escaped (EXPOSE "$PORTS" with PORTS="80 443" gives two). */
int df_words(const char *word, char escape, const struct df_vars *vars,
	     char ***out, size_t *n, char *err, size_t errlen);

/*
 * Expands one instruction of a planned stage for the builder: *out is a
 * copy of in with its words substituted from scope; ENV and ARG then
 * update scope (ARG values resolved from --build-arg, the default, or the
 * global ARG of the same name for a bare "ARG NAME"). out is the
 * caller's to free with df_inst_free(). Errors are
 * "FILE:LINE: INSTRUCTION: failed to process ...".
 */
int df_expand(const struct df_plan *plan, const struct df_inst *in,
	      struct df_vars *scope, struct df_inst *out, char *err,
	      size_t errlen);

#endif
