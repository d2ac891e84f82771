/*
 * The Dockerfile front end (lib/dockerfile*.c, lib/dfexpand*.c): parsing,
 * variable substitution, ARG/ENV scoping and the stage graph, checked
 * against what BuildKit's Dockerfile frontend does with the same text.
 * Run from the repository root (the real-world files are read from
 * tests/dockerfiles/).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dfexpand.h"
#include "dockerfile.h"

static struct dockerfile df;
static char err[DF_ERRLEN];

static int parse(const char *text)
{
	dockerfile_free(&df);
	err[0] = 0;
	return dockerfile_parse("Dockerfile", text, strlen(text), &df, err,
				sizeof(err));
}

/* Parsing text fails with exactly msg. */
static bool fails(const char *text, const char *msg)
{
	if (!parse(text)) {
		printf("  parsed, expected: %s\n", msg);
		return false;
	}
	if (strcmp(err, msg)) {
		printf("  got:      %s\n  expected: %s\n", err, msg);
		return false;
	}
	return true;
}

static const struct df_inst *inst(size_t s, size_t i)
{
	static const struct df_inst none;

	if (s >= df.nstage || i >= df.stage[s].ninst)
		return &none;
	return &df.stage[s].inst[i];
}

/* The instruction's args are exactly the n strings given. */
static bool args_are(const struct df_inst *in, size_t n, ...)
{
	va_list ap;
	bool ok = in->nargs == n;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);

		if (ok && strcmp(in->args[i], want)) {
			printf("  arg %zu: got [%s] expected [%s]\n", i,
			       in->args[i], want);
			ok = false;
		}
	}
	va_end(ap);
	if (in->nargs != n)
		printf("  %zu args, expected %zu\n", in->nargs, n);
	return ok;
}

static bool kv_is(const struct df_inst *in, size_t i, const char *key,
		  const char *value)
{
	if (i >= in->nkv)
		return false;
	if (strcmp(in->kv[i].key, key))
		return false;
	if (!value || !in->kv[i].value)
		return !value && !in->kv[i].value;
	return !strcmp(in->kv[i].value, value);
}

static bool has_warning(const char *needle)
{
	for (size_t i = 0; i < df.nwarnings; i++)
		if (strstr(df.warnings[i], needle))
			return true;
	return false;
}

static void test_directives(void)
{
	CHECK("directive: syntax, escape (any case, blanks) and check recorded",
	      !parse("# syntax=docker/dockerfile:1.7\n#  ESCAPE = `\n"
		     "# check=skip=all\n\nFROM alpine\nRUN echo `\n  hi\n") &&
		      df.syntax && !strcmp(df.syntax, "docker/dockerfile:1.7") &&
		      df.escape == '`' && df.check &&
		      !strcmp(df.check, "skip=all") &&
		      args_are(inst(0, 0), 1, "echo   hi") &&
		      inst(0, 0)->line == 6 && inst(0, 0)->end_line == 7);
	CHECK("directive: after a comment it is a comment",
	      !parse("# a comment\n# escape=`\nFROM a\nRUN x \\\n y\n") &&
		      df.escape == '\\' && args_are(inst(0, 0), 1, "x  y"));
	CHECK("directive: an unknown one ends the directives",
	      !parse("# foo=bar\n# escape=`\nFROM a\n") && df.escape == '\\');
	CHECK("directive: an empty line ends the directives",
	      !parse("\n# escape=`\nFROM a\n") && df.escape == '\\');
	CHECK("directive: after an instruction it is a comment",
	      !parse("FROM a\n# escape=`\nRUN x \\\n y\n") &&
		      df.escape == '\\' && args_are(inst(0, 0), 1, "x  y"));
	CHECK("directive: twice is an error",
	      fails("# escape=\\\n# escape=`\nFROM a\n",
		    "Dockerfile:2: only one escape parser directive can be used"));
	CHECK("directive: a bad escape character is an error",
	      fails("# escape=x\nFROM a\n",
		    "Dockerfile:1: invalid escape token 'x' does not match ` or \\"));
}

static void test_lines(void)
{
	CHECK("continuation: a comment line inside is dropped",
	      !parse("FROM a\nRUN echo hello \\\n# comment\nworld\n") &&
		      args_are(inst(0, 0), 1, "echo hello world") &&
		      inst(0, 0)->line == 2 && inst(0, 0)->end_line == 4);
	CHECK("continuation: an indented comment inside is dropped too",
	      !parse("FROM a\nRUN a \\\n    # c\n b\n") &&
		      args_are(inst(0, 0), 1, "a  b"));
	CHECK("continuation: an empty line inside is skipped with a warning",
	      !parse("FROM a\nRUN a \\\n\n b\n") &&
		      args_are(inst(0, 0), 1, "a  b") && df.nwarnings == 1 &&
		      has_warning("Dockerfile:3: empty continuation line"));
	CHECK("continuation: an escaped escape at the end is text",
	      !parse("FROM a\nRUN echo a\\\\\nCMD b\n") &&
		      args_are(inst(0, 0), 1, "echo a\\\\") &&
		      inst(0, 1)->kind == DF_CMD && args_are(inst(0, 1), 1, "b"));
	CHECK("continuation: blanks after the escape character",
	      !parse("FROM a\nRUN a \\ \t\n b\n") &&
		      args_are(inst(0, 0), 1, "a  b"));
	CHECK("continuation: at the end of the file",
	      !parse("FROM a\nRUN a \\") && args_are(inst(0, 0), 1, "a"));
	CHECK("lines: leading blanks before instructions and comments",
	      !parse("  FROM a\n\t # c\n   RUN  x\n") &&
		      args_are(inst(0, 0), 1, "x") && inst(0, 0)->line == 3);
	CHECK("lines: '#' inside an instruction is text",
	      !parse("FROM a\nRUN echo 'a # b'\n") &&
		      args_are(inst(0, 0), 1, "echo 'a # b'"));
	CHECK("lines: CRLF endings and a byte-order mark",
	      !parse("\xef\xbb\xbf" "FROM a\r\nRUN b \\\r\n c\r\n") &&
		      !strcmp(df.stage[0].base, "a") &&
		      args_are(inst(0, 0), 1, "b  c"));
	CHECK("lines: instructions in any case",
	      !parse("from Alpine AS Build\nrun echo\n") &&
		      !strcmp(df.stage[0].base, "Alpine") &&
		      !strcmp(df.stage[0].name, "build") &&
		      inst(0, 0)->kind == DF_RUN);
}

static void test_from(void)
{
	CHECK("FROM: scratch, --platform, stages",
	      !parse("FROM --platform=linux/arm64 scratch\nFROM b AS two\n") &&
		      df.nstage == 2 && !strcmp(df.stage[0].base, "scratch") &&
		      !strcmp(df.stage[0].platform, "linux/arm64") &&
		      !df.stage[0].name && df.stage[1].index == 1 &&
		      df.stage[1].line == 2);
	CHECK("FROM: two arguments",
	      fails("FROM a b\n",
		    "Dockerfile:1: FROM: requires either one or three arguments (FROM IMAGE [AS NAME])"));
	CHECK("FROM: a bad stage name",
	      fails("FROM a AS 1x\n",
		    "Dockerfile:1: FROM: invalid name for build stage: \"1x\", name can't start with a number or contain symbols"));
	CHECK("ARG: before the first FROM is global",
	      !parse("ARG V=1\nFROM a:$V\n") && df.nmeta == 1 &&
		      kv_is(&df.meta[0], 0, "V", "1"));
	CHECK("FROM: another instruction before it",
	      fails("RUN x\nFROM a\n",
		    "Dockerfile:1: RUN: no build stage in current context (only ARG may come before the first FROM)"));
	CHECK("FROM: none at all",
	      fails("ARG A\n",
		    "Dockerfile: no build stage: a Dockerfile needs a FROM instruction"));
	CHECK("file: nothing but comments",
	      fails("# only a comment\n\n", "Dockerfile: the file has no instructions"));
	CHECK("file: duplicate stage names warn, as BuildKit",
	      !parse("FROM a AS x\nFROM b AS x\n") &&
		      has_warning("Dockerfile:2: FROM: duplicate stage name \"x\""));
}

static void test_run_cmd(void)
{
	CHECK("RUN: exec form",
	      !parse("FROM a\nRUN [\"echo\", \"a b\"]\n") && inst(0, 0)->json &&
		      args_are(inst(0, 0), 2, "echo", "a b"));
	CHECK("RUN: single quotes are not JSON: shell form",
	      !parse("FROM a\nRUN ['echo', 'x']\n") && !inst(0, 0)->json &&
		      args_are(inst(0, 0), 1, "['echo', 'x']"));
	CHECK("CMD: an unterminated array is the shell form, as Docker",
	      !parse("FROM a\nCMD [\"a\", \"b\n") && !inst(0, 0)->json &&
		      args_are(inst(0, 0), 1, "[\"a\", \"b"));
	CHECK("CMD: text after a complete array is ignored, as Go's decoder",
	      !parse("FROM a\nCMD [\"a\"] tail\n") && inst(0, 0)->json &&
		      args_are(inst(0, 0), 1, "a"));
	CHECK("RUN: an array of non-strings is an error",
	      fails("FROM a\nRUN [\"a\", 1]\n",
		    "Dockerfile:2: RUN: when using JSON array syntax, arrays must be comprised of strings only"));
	CHECK("RUN: --network and --security",
	      !parse("FROM a\nRUN --network=none --security=insecure make\n") &&
		      !strcmp(inst(0, 0)->fl.network, "none") &&
		      !strcmp(inst(0, 0)->fl.security, "insecure") &&
		      args_are(inst(0, 0), 1, "make"));
	CHECK("RUN: an unknown network mode",
	      fails("FROM a\nRUN --network=bridge x\n",
		    "Dockerfile:2: RUN: --network=bridge: unknown network mode (use default, none or host)"));
	CHECK("RUN: --mount is refused",
	      fails("FROM a\nRUN --mount=type=cache,target=/x make\n",
		    "Dockerfile:2: RUN: --mount is not supported: husk build has no build-time mounts (cache, secret, ssh, bind)"));
	CHECK("RUN: an unknown flag",
	      fails("FROM a\nRUN --bogus x\n", "Dockerfile:2: RUN: unknown flag --bogus"));
	CHECK("RUN: nothing to run",
	      fails("FROM a\nRUN\n", "Dockerfile:2: RUN: requires at least one argument"));
	CHECK("RUN: a lone -- ends the flags",
	      !parse("FROM a\nRUN -- --weird\n") &&
		      args_are(inst(0, 0), 1, "--weird"));
	CHECK("ENTRYPOINT: an empty array; CMD: shell form",
	      !parse("FROM a\nENTRYPOINT []\nCMD run --fast\n") &&
		      inst(0, 0)->kind == DF_ENTRYPOINT && inst(0, 0)->json &&
		      inst(0, 0)->nargs == 0 && !inst(0, 1)->json &&
		      args_are(inst(0, 1), 1, "run --fast"));
	CHECK("SHELL: JSON array",
	      !parse("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\n") &&
		      args_are(inst(0, 0), 2, "/bin/bash", "-c"));
	CHECK("SHELL: shell form refused",
	      fails("FROM a\nSHELL /bin/bash -c\n",
		    "Dockerfile:2: SHELL: requires the arguments to be in JSON form (SHELL [\"executable\", \"parameters\"])"));
	CHECK("SHELL: empty array",
	      fails("FROM a\nSHELL []\n", "Dockerfile:2: SHELL: requires at least one argument"));
}

static void test_copy(void)
{
	const struct df_inst *in;

	CHECK("COPY: flags and sources",
	      !parse("FROM a\nCOPY --from=build --chown=1:1 --chmod=755 --link "
		     "--exclude=*.md --exclude=tmp a b /dst/\n") &&
		      (in = inst(0, 0)) && !strcmp(in->fl.from, "build") &&
		      !strcmp(in->fl.chown, "1:1") && !strcmp(in->fl.chmod, "755") &&
		      in->fl.link && in->fl.nexclude == 2 &&
		      !strcmp(in->fl.exclude[1], "tmp") &&
		      args_are(in, 3, "a", "b", "/dst/"));
	CHECK("COPY: --link=false and a quoted flag value",
	      !parse("FROM a\nCOPY --link=false --chown=\"app user\" a b\n") &&
		      !inst(0, 0)->fl.link &&
		      !strcmp(inst(0, 0)->fl.chown, "app user"));
	CHECK("COPY: JSON form keeps blanks",
	      !parse("FROM a\nCOPY [\"a b\", \"/c d/\"]\n") && inst(0, 0)->json &&
		      args_are(inst(0, 0), 2, "a b", "/c d/"));
	CHECK("COPY: one argument",
	      fails("FROM a\nCOPY onlyone\n",
		    "Dockerfile:2: COPY: requires at least two arguments"));
	CHECK("COPY: a flag without its value",
	      fails("FROM a\nCOPY --from a b\n",
		    "Dockerfile:2: COPY: missing a value on flag --from"));
	CHECK("COPY: a repeated flag",
	      fails("FROM a\nCOPY --chown=a --chown=b x y\n",
		    "Dockerfile:2: COPY: duplicate flag specified: --chown"));
	CHECK("COPY: a bad boolean",
	      fails("FROM a\nCOPY --link=maybe a b\n",
		    "Dockerfile:2: COPY: expecting boolean value for flag --link, not: maybe"));
	CHECK("COPY: RUN's flags are not COPY's",
	      fails("FROM a\nCOPY --mount=x a b\n",
		    "Dockerfile:2: COPY: unknown flag --mount"));
	CHECK("ADD: its own flags",
	      !parse("FROM a\nADD --checksum=sha256:ab --keep-git-dir --unpack=false "
		     "https://x/y.tgz /y\nADD a b\n") &&
		      !strcmp(inst(0, 0)->fl.checksum, "sha256:ab") &&
		      inst(0, 0)->fl.keep_git_dir && inst(0, 0)->fl.unpack == 0 &&
		      inst(0, 1)->fl.unpack == -1);
	CHECK("ADD: has no --from",
	      fails("FROM a\nADD --from=b x y\n", "Dockerfile:2: ADD: unknown flag --from"));
	CHECK("heredoc: refused",
	      fails("FROM a\nRUN <<EOF\necho hi\nEOF\n",
		    "Dockerfile:2: RUN: heredocs (<<EOF) are not supported; write the lines with RUN/COPY instead"));
	CHECK("heredoc: refused in COPY, quoted and with <<-",
	      parse("FROM a\nCOPY <<-\"EOT\" /x\nhi\nEOT\n") &&
		      strstr(err, "Dockerfile:2: COPY: heredocs"));
	CHECK("heredoc: quoted, exec form or $((1<<2)) are no heredocs",
	      !parse("FROM a\nRUN echo \"<<EOF\"\nRUN [\"cat\", \"<<EOF\"]\n"
		     "RUN echo $((1<<2))\n") && df.stage[0].ninst == 3);
}

static void test_pairs(void)
{
	const struct df_inst *in;

	CHECK("ENV: pairs keep quotes and escapes for the expansion",
	      !parse("FROM a\nENV A=1 B=\"x y\" C=z\\ w\n") &&
		      (in = inst(0, 0)) && in->nkv == 3 && kv_is(in, 0, "A", "1") &&
		      kv_is(in, 1, "B", "\"x y\"") && kv_is(in, 2, "C", "z\\ w"));
	CHECK("ENV: the legacy KEY VALUE form, with a warning",
	      !parse("FROM a\nENV PATH /usr/bin:$PATH now\n") &&
		      inst(0, 0)->nkv == 1 &&
		      kv_is(inst(0, 0), 0, "PATH", "/usr/bin:$PATH now") &&
		      has_warning("legacy"));
	CHECK("ENV: nothing", fails("FROM a\nENV\n",
				    "Dockerfile:2: ENV: requires at least one argument"));
	CHECK("ENV: a name alone",
	      fails("FROM a\nENV A\n",
		    "Dockerfile:2: ENV: must have two arguments (ENV KEY=VALUE ...)"));
	CHECK("ENV: a word without =",
	      fails("FROM a\nENV A=1 B\n",
		    "Dockerfile:2: ENV: syntax error - can't find = in \"B\". Must be of the form: name=value"));
	CHECK("ENV: a blank name",
	      fails("FROM a\nENV =x\n", "Dockerfile:2: ENV: ENV names can not be blank"));
	CHECK("LABEL: pairs, quoted keys",
	      !parse("FROM a\nLABEL a=b \"c d\"=e\n") && inst(0, 0)->nkv == 2 &&
		      kv_is(inst(0, 0), 1, "\"c d\"", "e"));
	CHECK("ARG: names with and without defaults",
	      !parse("FROM a\nARG A B=2 C=\n") && inst(0, 0)->nkv == 3 &&
		      kv_is(inst(0, 0), 0, "A", NULL) &&
		      kv_is(inst(0, 0), 1, "B", "2") &&
		      kv_is(inst(0, 0), 2, "C", ""));
	CHECK("ARG: nothing", fails("FROM a\nARG\n",
				    "Dockerfile:2: ARG: requires at least one argument"));
	CHECK("MAINTAINER: recorded as the maintainer label",
	      !parse("FROM a\nMAINTAINER Jane <j@x>\n") &&
		      inst(0, 0)->kind == DF_MAINTAINER &&
		      kv_is(inst(0, 0), 0, "maintainer", "Jane <j@x>"));
}

static void test_simple(void)
{
	CHECK("USER, WORKDIR, STOPSIGNAL: the rest of the line",
	      !parse("FROM a\nUSER app user\nWORKDIR /my dir\nSTOPSIGNAL SIGKILL\n") &&
		      args_are(inst(0, 0), 1, "app user") &&
		      args_are(inst(0, 1), 1, "/my dir") &&
		      inst(0, 2)->kind == DF_STOPSIGNAL &&
		      args_are(inst(0, 2), 1, "SIGKILL"));
	CHECK("WORKDIR: nothing",
	      fails("FROM a\nWORKDIR\n", "Dockerfile:2: WORKDIR: requires exactly one argument"));
	CHECK("EXPOSE: words",
	      !parse("FROM a\nEXPOSE 80 443/udp\n") &&
		      args_are(inst(0, 0), 2, "80", "443/udp"));
	CHECK("EXPOSE: nothing",
	      fails("FROM a\nEXPOSE\n", "Dockerfile:2: EXPOSE: requires at least one argument"));
	CHECK("VOLUME: JSON or words",
	      !parse("FROM a\nVOLUME [\"/a\", \" /b \"]\nVOLUME /c /d\n") &&
		      inst(0, 0)->json && args_are(inst(0, 0), 2, "/a", "/b") &&
		      args_are(inst(0, 1), 2, "/c", "/d"));
	CHECK("VOLUME: an empty string",
	      fails("FROM a\nVOLUME [\"\"]\n",
		    "Dockerfile:2: VOLUME: VOLUME specified can not be an empty string"));
	CHECK("unknown instruction: with its line and a suggestion",
	      fails("FROM a\nRUN x\nRUNN y\n",
		    "Dockerfile:3: RUNN: unknown instruction (did you mean RUN?)"));
	CHECK("unknown instruction: without a suggestion",
	      fails("FROM a\nFOOBAR x\n", "Dockerfile:2: FOOBAR: unknown instruction"));
	CHECK("ONBUILD: recorded with its trigger",
	      !parse("FROM a\nONBUILD RUN make install\nonbuild copy . /app\n") &&
		      args_are(inst(0, 0), 1, "RUN") &&
		      !strcmp(inst(0, 0)->onbuild, "RUN make install") &&
		      args_are(inst(0, 1), 1, "COPY") &&
		      !strcmp(inst(0, 1)->onbuild, "copy . /app"));
	{
		struct df_inst t;
		bool ok = !dockerfile_parse_line("Dockerfile", 2, '\\',
						 "COPY --chown=app . /app", &t,
						 err, sizeof(err)) &&
			  t.kind == DF_COPY && !strcmp(t.fl.chown, "app") &&
			  args_are(&t, 2, ".", "/app") && t.line == 2;

		df_inst_free(&t);
		CHECK("ONBUILD: a trigger from an image parses as one line", ok);
		CHECK("ONBUILD: a bad trigger names the line",
		      dockerfile_parse_line("Dockerfile", 5, '\\', "FOO x", &t,
					    err, sizeof(err)) &&
			      !strcmp(err, "Dockerfile:5: FOO: unknown instruction (did you mean FROM?)"));
	}
	CHECK("ONBUILD: ONBUILD ONBUILD",
	      fails("FROM a\nONBUILD ONBUILD RUN x\n",
		    "Dockerfile:2: ONBUILD: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"));
	CHECK("ONBUILD: FROM",
	      fails("FROM a\nONBUILD FROM x\n",
		    "Dockerfile:2: ONBUILD: FROM isn't allowed as an ONBUILD trigger"));
}

static void test_healthcheck(void)
{
	const struct df_inst *in;

	CHECK("HEALTHCHECK: NONE",
	      !parse("FROM a\nHEALTHCHECK NONE\n") && args_are(inst(0, 0), 1, "NONE"));
	CHECK("HEALTHCHECK: shell form with every flag",
	      !parse("FROM a\nHEALTHCHECK --interval=1m30s --timeout=500ms "
		     "--start-period=2s --start-interval=1.5s --retries=4 "
		     "CMD curl -f http://localhost/\n") &&
		      (in = inst(0, 0)) &&
		      args_are(in, 2, "CMD-SHELL", "curl -f http://localhost/") &&
		      in->fl.interval_ns == 90000000000LL &&
		      in->fl.timeout_ns == 500000000LL &&
		      in->fl.start_period_ns == 2000000000LL &&
		      in->fl.start_interval_ns == 1500000000LL &&
		      in->fl.retries == 4);
	CHECK("HEALTHCHECK: exec form",
	      !parse("FROM a\nHEALTHCHECK cmd [\"a\", \"b\"]\n") &&
		      inst(0, 0)->json && args_are(inst(0, 0), 3, "CMD", "a", "b"));
	CHECK("HEALTHCHECK: NONE with arguments",
	      fails("FROM a\nHEALTHCHECK NONE x\n",
		    "Dockerfile:2: HEALTHCHECK: HEALTHCHECK NONE takes no arguments"));
	CHECK("HEALTHCHECK: interval under 1ms",
	      fails("FROM a\nHEALTHCHECK --interval=10us CMD a\n",
		    "Dockerfile:2: HEALTHCHECK: --interval=10us: cannot be less than 1ms"));
	CHECK("HEALTHCHECK: negative retries",
	      fails("FROM a\nHEALTHCHECK --retries=-1 CMD a\n",
		    "Dockerfile:2: HEALTHCHECK: --retries cannot be negative (-1)"));
	CHECK("HEALTHCHECK: not a duration",
	      fails("FROM a\nHEALTHCHECK --timeout=abc CMD a\n",
		    "Dockerfile:2: HEALTHCHECK: --timeout=abc: not a duration (such as 30s, 1m30s or 500ms)"));
	CHECK("HEALTHCHECK: unknown type",
	      fails("FROM a\nHEALTHCHECK PING x\n",
		    "Dockerfile:2: HEALTHCHECK: unknown type \"PING\" in HEALTHCHECK (try CMD)"));
	CHECK("HEALTHCHECK: CMD without a command",
	      fails("FROM a\nHEALTHCHECK CMD\n",
		    "Dockerfile:2: HEALTHCHECK: missing command after HEALTHCHECK CMD"));
}

/* ---- expansion ---- */

static char xbuf[DF_ERRLEN + 8];

static const char *expand_with(const char *word, char esc,
			       const struct df_vars *v)
{
	char *out;

	if (df_word(word, esc, v, &out, err, sizeof(err))) {
		snprintf(xbuf, sizeof(xbuf), "ERR %s", err);
		return xbuf;
	}
	snprintf(xbuf, sizeof(xbuf), "%s", out);
	free(out);
	return xbuf;
}

static struct df_vars vars;

static bool X(const char *word, const char *want)
{
	const char *got = expand_with(word, '\\', &vars);

	if (strcmp(got, want)) {
		printf("  %s: got [%s] expected [%s]\n", word, got, want);
		return false;
	}
	return true;
}

static void test_words(void)
{
	df_vars_set(&vars, "A", "hello");
	df_vars_set(&vars, "E", "");
	df_vars_set(&vars, "P", "80 443");
	df_vars_set(&vars, "F", "/usr/local/bin/app.tar.gz");
	df_vars_set(&vars, "S", "foobarbaz");
	df_vars_set(&vars, "T", "a*b*c");

	CHECK("expand: $A ${A} and unset names",
	      X("$A", "hello") && X("${A}x", "hellox") && X("$Ax", "") &&
		      X("$NOPE/x", "/x"));
	CHECK("expand: a $ that starts no name", X("a$", "a$") && X("cost: $ 5", "cost: $ 5"));
	CHECK("expand: positional and special parameters are unset",
	      X("$1x", "x") && X("$$", "") && X("${#}", ""));
	CHECK("expand: ${V:-w} and ${V-w}",
	      X("${E:-d}", "d") && X("${E-d}", "") && X("${U-d}", "d") &&
		      X("${A:-d}", "hello"));
	CHECK("expand: ${V:+w} and ${V+w}",
	      X("${A:+y}", "y") && X("${E:+y}", "") && X("${E+y}", "y") &&
		      X("${U+y}", ""));
	CHECK("expand: ${V:?msg} and ${V?}",
	      X("${U:?must set U}",
		"ERR failed to process \"${U:?must set U}\": U: must set U") &&
		      X("${U?}", "ERR failed to process \"${U?}\": U: is not allowed to be unset") &&
		      X("${E:?}", "ERR failed to process \"${E:?}\": E: is not allowed to be empty") &&
		      X("${E?}", ""));
	CHECK("expand: the escape character",
	      X("\\$A", "$A") && X("\\${A}", "${A}") && X("a\\ b", "a b") &&
		      X("a\\", "a"));
	CHECK("expand: single quotes keep everything",
	      X("'$A'", "$A") && X("'a\\b'", "a\\b") && X("x'${'y", "x${y"));
	CHECK("expand: double quotes expand and escape only \" $ \\",
	      X("\"$A\"", "hello") && X("\"\\$A\"", "$A") &&
		      X("\"a\\\"b\"", "a\"b") && X("\"a\\nb\"", "a\\nb") &&
		      X("\"it's\"", "it's"));
	CHECK("expand: nested", X("${U:-${A}!}", "hello!") && X("${A:+[$A]}", "[hello]"));
	CHECK("expand: # ## % %% on a path",
	      X("${F#*/}", "usr/local/bin/app.tar.gz") && X("${F##*/}", "app.tar.gz") &&
		      X("${F%.*}", "/usr/local/bin/app.tar") &&
		      X("${F%%.*}", "/usr/local/bin/app"));
	CHECK("expand: the reference's foobarbaz examples",
	      X("${S#f*b}", "arbaz") && X("${S##f*b}", "az") &&
		      X("${S%b*}", "foobar") && X("${S%%b*}", "foo") &&
		      X("${S/ba/fo}", "fooforbaz") && X("${S//ba/fo}", "fooforfoz"));
	CHECK("expand: \\* in a pattern is a literal star",
	      X("${T#*\\*}", "b*c") && X("${T##*\\*}", "c") && X("${T//\\*/-}", "a-b-c"));
	CHECK("expand: ? in a pattern; unset value",
	      X("${A/l?/L}", "heLo") && X("${U#x}", "") && X("${A/x/y}", "hello"));
	CHECK("expand: errors name the word",
	      X("${A", "ERR failed to process \"${A\": syntax error: missing '}'") &&
		      X("${}", "ERR failed to process \"${}\": syntax error: bad substitution") &&
		      X("'abc", "ERR failed to process \"'abc\": unexpected end of statement while looking for matching single-quote") &&
		      X("\"abc", "ERR failed to process \"\"abc\": unexpected end of statement while looking for matching double-quote") &&
		      X("${A:#x}", "ERR failed to process \"${A:#x}\": unsupported modifier (:#) in substitution") &&
		      X("${A^x}", "ERR failed to process \"${A^x}\": unsupported modifier (^) in substitution") &&
		      X("${A/x}", "ERR failed to process \"${A/x}\": syntax error: missing '/' in ${}"));
	CHECK("expand: with the backtick escape, \\ is a plain character",
	      !strcmp(expand_with("`$A c:\\app", '`', &vars), "$A c:\\app"));
	{
		char **w = NULL;
		size_t n = 0;
		bool ok = !df_words("$P \"$P\" a\\ b", '\\', &vars, &w, &n, err,
				    sizeof(err)) &&
			  n == 4 && !strcmp(w[0], "80") && !strcmp(w[1], "443") &&
			  !strcmp(w[2], "80 443") && !strcmp(w[3], "a b");

		CHECK("words: a variable's blanks split, quoted or escaped ones do not",
		      ok);
		for (size_t i = 0; i < n; i++)
			free(w[i]);
		free(w);
	}
	df_vars_free(&vars);
}

/* ---- plans and scopes ---- */

static struct df_plan plan;
static struct df_inst ex[32];
static size_t nex;

static void clear_expanded(void)
{
	for (size_t i = 0; i < nex; i++)
		df_inst_free(&ex[i]);
	nex = 0;
}

/* Plans text with build args (K=V strings, NULL-terminated) and target. */
static int plan_for(const char *text, const char *target, const char *platform,
		    const char *const *args)
{
	struct df_vars ba = { 0 };
	struct df_opts o = { .target = target, .build_args = &ba,
			     .platform = platform };
	int rc;

	df_plan_free(&plan);
	clear_expanded();
	if (parse(text)) {
		printf("  parse: %s\n", err);
		return -1;
	}
	for (; args && *args; args++)
		df_vars_put(&ba, *args);
	rc = df_plan(&df, &o, &plan, err, sizeof(err));
	df_vars_free(&ba);
	return rc;
}

/* Expands every instruction of stage s into ex[], updating scope. */
static int run_stage(int s, struct df_vars *scope)
{
	clear_expanded();
	for (size_t i = 0; i < df.stage[s].ninst && nex < 32; i++) {
		if (df_expand(&plan, &df.stage[s].inst[i], scope, &ex[nex], err,
			      sizeof(err)))
			return -1;
		nex++;
	}
	return 0;
}

static bool scope_is(const struct df_vars *v, const char *key, const char *val)
{
	const char *got = df_vars_get(v, key);

	if (!got || !val)
		return !got && !val;
	return !strcmp(got, val);
}

static void test_global_args(void)
{
	static const char text[] =
		"ARG V=3.19\nARG IMG=alpine:${V}\nFROM ${IMG} AS base\n"
		"WORKDIR /$V\nFROM base\nARG V\nWORKDIR /$V\n";
	static const char *const newer[] = { "V=3.20", NULL };
	struct df_vars s0 = { 0 }, s1 = { 0 };
	bool ok;

	ok = !plan_for(text, NULL, NULL, NULL) &&
	     !strcmp(plan.stage[0].image, "alpine:3.19") &&
	     plan.stage[1].base == 0 && !run_stage(0, &s0) &&
	     args_are(&ex[0], 1, "/");
	CHECK("scope: global ARGs reach FROM lines but not the stage", ok);
	df_vars_copy(&s1, &s0);
	CHECK("scope: a bare ARG takes the global value (child of a stage)",
	      ok && !run_stage(1, &s1) && args_are(&ex[1], 1, "/3.19") &&
		      scope_is(&s1, "V", "3.19"));
	df_vars_free(&s0);
	df_vars_free(&s1);
	CHECK("scope: --build-arg overrides a global default",
	      !plan_for(text, NULL, NULL, newer) &&
		      !strcmp(plan.stage[0].image, "alpine:3.20") &&
		      !run_stage(1, &s1) && args_are(&ex[1], 1, "/3.20"));
	df_vars_free(&s1);
	CHECK("FROM: an empty base after expansion",
	      plan_for("ARG B\nFROM $B\n", NULL, NULL, NULL) &&
		      !strcmp(err, "Dockerfile:2: FROM: base name ($B) should not be blank"));
}

static void test_stage_scope(void)
{
	static const char text[] =
		"FROM a\nARG X=def\nWORKDIR /$X\nENV X=env\nWORKDIR /$X\n"
		"ARG Y\nWORKDIR /y$Y\nARG A=1 B=$A\nLABEL b=$B\n";
	static const char *const given[] = { "X=cli", "Y=yy", NULL };
	struct df_vars s = { 0 };

	CHECK("scope: ARG defaults, then ENV overrides the ARG",
	      !plan_for(text, NULL, NULL, NULL) && !run_stage(0, &s) &&
		      args_are(&ex[1], 1, "/def") && args_are(&ex[3], 1, "/env") &&
		      args_are(&ex[5], 1, "/y") && scope_is(&s, "Y", NULL) &&
		      kv_is(&ex[6], 1, "B", "1") && kv_is(&ex[6], 0, "A", "1") &&
		      kv_is(&ex[7], 0, "b", "1"));
	df_vars_free(&s);
	CHECK("scope: --build-arg values replace ARG defaults, ENV still wins",
	      !plan_for(text, NULL, NULL, given) && !run_stage(0, &s) &&
		      args_are(&ex[1], 1, "/cli") && args_are(&ex[3], 1, "/env") &&
		      args_are(&ex[5], 1, "/yyy"));
	df_vars_free(&s);
	CHECK("scope: an ARG after an ENV of the same name wins, as in BuildKit",
	      !plan_for("FROM a\nENV X=env\nARG X\nWORKDIR /$X\n", NULL, NULL,
			given) &&
		      !run_stage(0, &s) && args_are(&ex[2], 1, "/cli") &&
		      kv_is(&ex[0], 0, "X", "env"));
	df_vars_free(&s);
	CHECK("scope: ENV sees the values from before the instruction",
	      !plan_for("FROM a\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n",
			NULL, NULL, NULL) &&
		      !run_stage(0, &s) && scope_is(&s, "def", "hello") &&
		      scope_is(&s, "ghi", "bye") && scope_is(&s, "abc", "bye"));
	df_vars_free(&s);
	CHECK("scope: automatic platform ARGs",
	      !plan_for("FROM --platform=$BUILDPLATFORM golang AS b\nARG TARGETARCH\n"
			"ARG TARGETVARIANT\nWORKDIR /out/$TARGETARCH$TARGETVARIANT\n",
			NULL, "linux/arm64/v8", NULL) &&
		      !strcmp(plan.stage[0].platform, "linux/arm64/v8") &&
		      !run_stage(0, &s) && args_are(&ex[2], 1, "/out/arm64v8"));
	df_vars_free(&s);
}

static void test_instruction_expansion(void)
{
	static const char text[] =
		"FROM a\nMAINTAINER $NOT\nENV PORTS=\"80 443/udp\" SRC=app DST=\"/srv/my app\"\n"
		"EXPOSE $PORTS 8080\nCOPY --chown=$SRC:$SRC ${SRC}/ \"$DST\"\n"
		"LABEL \"com.x.src\"=$SRC\nRUN echo $SRC\nUSER ${SRC}\n";
	struct df_vars s = { 0 };

	CHECK("expand: per instruction as BuildKit (EXPOSE splits, RUN and MAINTAINER untouched)",
	      !plan_for(text, NULL, NULL, NULL) && !run_stage(0, &s) &&
		      kv_is(&ex[0], 0, "maintainer", "$NOT") &&
		      args_are(&ex[2], 3, "80", "443/udp", "8080") &&
		      args_are(&ex[3], 2, "app/", "/srv/my app") &&
		      !strcmp(ex[3].fl.chown, "app:app") &&
		      kv_is(&ex[4], 0, "com.x.src", "app") &&
		      args_are(&ex[5], 1, "echo $SRC") && args_are(&ex[6], 1, "app"));
	df_vars_free(&s);
	CHECK("expand: a bad word in COPY names its line",
	      !plan_for("FROM a\nCOPY ${X a\n", NULL, NULL, NULL) &&
		      run_stage(0, &s) &&
		      !strcmp(err, "Dockerfile:2: COPY: failed to process \"${X\": syntax error: missing '}'"));
	df_vars_free(&s);
	CHECK("expand: VOLUME with an unterminated [ and quote fails as in Docker",
	      !plan_for("FROM a\nVOLUME [\"/data\n", NULL, NULL, NULL) &&
		      !inst(0, 0)->json && run_stage(0, &s) &&
		      !strcmp(err, "Dockerfile:2: VOLUME: failed to process \"[\"/data\": unexpected end of statement while looking for matching double-quote"));
	df_vars_free(&s);
}

static void test_stage_graph(void)
{
	static const char text[] =
		"FROM alpine AS base\nRUN a\nFROM base AS build\nRUN b\n"
		"FROM build AS test\nRUN c\nFROM debian AS Final\n"
		"COPY --from=BUILD /x /x\nCOPY --from=0 /y /y\n"
		"COPY --from=nginx:latest /z /z\n";
	const struct df_stage_plan *f;

	CHECK("stages: the default target needs base, build and final",
	      !plan_for(text, NULL, NULL, NULL) && plan.target == 3 &&
		      plan.norder == 3 && plan.order[0] == 0 && plan.order[1] == 1 &&
		      plan.order[2] == 3 && !plan.stage[2].needed &&
		      plan.stage[1].base == 0 && plan.stage[2].base == 1 &&
		      plan.stage[3].base == -1 &&
		      !strcmp(plan.stage[3].image, "debian"));
	f = plan.stage ? &plan.stage[3] : NULL;
	CHECK("stages: COPY --from by name (any case), index, or image",
	      f && f->copy_from[0] == 1 && f->copy_from[1] == 0 &&
		      f->copy_from[2] == -1);
	CHECK("stages: --target (any case) needs only what it uses",
	      !plan_for(text, "TEST", NULL, NULL) && plan.target == 2 &&
		      plan.norder == 3 && plan.order[2] == 2 && !plan.stage[3].needed);
	CHECK("stages: an unknown target",
	      plan_for(text, "nope", NULL, NULL) &&
		      !strcmp(err, "Dockerfile: target stage \"nope\" could not be found"));
	CHECK("stages: a cycle through COPY --from",
	      plan_for("FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\n"
		       "COPY --from=a /y /y\n", NULL, NULL, NULL) &&
		      !strcmp(err, "Dockerfile:4: COPY: cyclic stage reference: a -> b -> a"));
	CHECK("stages: a cycle closed by FROM is reported at the COPY",
	      plan_for("FROM alpine AS a\nCOPY --from=1 /x /x\nFROM a AS b\n", NULL,
		       NULL, NULL) &&
		      !strcmp(err, "Dockerfile:2: COPY: cyclic stage reference: a -> b -> a"));
	CHECK("stages: a stage copying from itself",
	      plan_for("FROM alpine\nCOPY --from=0 /x /y\n", NULL, NULL, NULL) &&
		      !strcmp(err, "Dockerfile:2: COPY: cyclic stage reference: stage-0 -> stage-0"));
	CHECK("stages: an index past the last stage",
	      plan_for("FROM a\nCOPY --from=3 /x /y\n", NULL, NULL, NULL) &&
		      !strcmp(err, "Dockerfile:2: COPY: invalid stage index 3 (stages are numbered 0 to 0)"));
	CHECK("stages: FROM naming a later stage",
	      plan_for("FROM build\nRUN x\nFROM alpine AS build\n", NULL, NULL, NULL) &&
		      !strcmp(err, "Dockerfile:1: FROM: stage \"build\" is defined later (line 3): a stage can only be built on an earlier one"));
	CHECK("stages: a variable in COPY --from is refused with a hint",
	      plan_for("ARG SRC=debian:12\nFROM scratch\nCOPY --from=$SRC /etc/os-release /\n",
		       NULL, NULL, NULL) &&
		      !strcmp(err, "Dockerfile:3: COPY: --from=$SRC: variables are not expanded in --from (nor by BuildKit); name a stage instead: FROM $SRC AS src, then COPY --from=src"));
	CHECK("stages: FROM alpine AS alpine is the image",
	      !plan_for("FROM alpine AS alpine\n", NULL, NULL, NULL) &&
		      plan.stage[0].base == -1 && !strcmp(plan.stage[0].image, "alpine"));
	CHECK("stages: FROM ${VAR} naming a stage",
	      !plan_for("ARG BASE=builder\nFROM alpine AS builder\nFROM ${BASE}\n",
			NULL, NULL, NULL) && plan.stage[1].base == 0);
	{
		static const char *const unused[] = { "NOPE=1", "HTTP_PROXY=x", NULL };

		CHECK("stages: an unused build argument warns (proxies never do)",
		      !plan_for("FROM a\n", NULL, NULL, unused) && plan.nwarnings == 1 &&
			      strstr(plan.warnings[0], "NOPE"));
	}
}

/* ---- real-world files ---- */

static int load(const char *name)
{
	char path[256];

	dockerfile_free(&df);
	snprintf(path, sizeof(path), "tests/dockerfiles/%s", name);
	if (dockerfile_load(path, &df, err, sizeof(err))) {
		printf("  %s\n", err);
		return -1;
	}
	return 0;
}

static int plan_loaded(void)
{
	struct df_opts o = { 0 };

	df_plan_free(&plan);
	clear_expanded();
	return df_plan(&df, &o, &plan, err, sizeof(err));
}

static void test_real_files(void)
{
	struct df_vars s = { 0 };

	CHECK("real: go-multistage parses into 3 stages after 2 global ARGs",
	      !load("go-multistage.Dockerfile") && df.nmeta == 2 && df.nstage == 3 &&
		      !strcmp(df.syntax, "docker/dockerfile:1") &&
		      df.stage[0].ninst == 8 && df.stage[1].ninst == 1 &&
		      df.stage[2].ninst == 7 &&
		      strstr(inst(0, 7)->args[0], "-ldflags=\"-s -w\"     -o /out/server"));
	CHECK("real: go-multistage plan skips the test stage",
	      !plan_loaded() && !strcmp(plan.stage[0].image, "golang:1.22-alpine") &&
		      !strcmp(plan.stage[0].platform, "linux/amd64") &&
		      plan.norder == 2 && plan.order[0] == 0 && plan.order[1] == 2 &&
		      plan.stage[2].copy_from[1] == 0 &&
		      inst(2, 4)->fl.interval_ns == 30000000000LL &&
		      args_are(inst(2, 4), 3, "CMD", "/usr/local/bin/server",
			       "-healthcheck"));
	CHECK("real: go-multistage build stage sees TARGETARCH",
	      !run_stage(0, &s) && scope_is(&s, "TARGETARCH", "amd64") &&
		      scope_is(&s, "CGO_ENABLED", "0"));
	df_vars_free(&s);
	CHECK("real: node-web labels, env and EXPOSE $PORT",
	      !load("node-web.Dockerfile") && !plan_loaded() &&
		      inst(1, 0)->nkv == 2 && !run_stage(1, &s) &&
		      kv_is(&ex[0], 1, "org.opencontainers.image.description",
			    "A small web front end") &&
		      args_are(&ex[5], 1, "3000") && args_are(&ex[6], 1, "SIGTERM"));
	df_vars_free(&s);
	CHECK("real: python-legacy (MAINTAINER, legacy ENV, comment in RUN, ONBUILD)",
	      !load("python-legacy.Dockerfile") && !plan_loaded() &&
		      kv_is(inst(0, 0), 0, "maintainer", "Jane Doe <jane@example.com>") &&
		      kv_is(inst(0, 1), 0, "PYTHONDONTWRITEBYTECODE", "1") &&
		      has_warning("legacy") &&
		      strstr(inst(0, 4)->args[0], "update     && apt-get") &&
		      !strchr(inst(0, 4)->args[0], '#') &&
		      !strcmp(inst(0, 9)->onbuild, "COPY . /srv/app") &&
		      !run_stage(0, &s) && args_are(&ex[5], 1, "/srv/app"));
	df_vars_free(&s);
	CHECK("real: windows-escape (escape=`, CRLF, backslash paths)",
	      !load("windows-escape.Dockerfile") && df.escape == '`' &&
		      args_are(inst(0, 0), 2, "testfile.txt", "c:\\") &&
		      args_are(inst(0, 1), 1, "dir c:\\") &&
		      args_are(inst(0, 3), 1, "echo one     two") && !plan_loaded() &&
		      !run_stage(0, &s) && args_are(&ex[2], 1, "c:\\app"));
	df_vars_free(&s);
	CHECK("real: a missing file names itself",
	      load("no-such.Dockerfile") &&
		      !strcmp(err, "tests/dockerfiles/no-such.Dockerfile: No such file or directory"));
}

int main(void)
{
	test_directives();
	test_lines();
	test_from();
	test_run_cmd();
	test_copy();
	test_pairs();
	test_simple();
	test_healthcheck();
	test_words();
	test_global_args();
	test_stage_scope();
	test_instruction_expansion();
	test_stage_graph();
	test_real_files();
	df_plan_free(&plan);
	clear_expanded();
	dockerfile_free(&df);
	return CHECK_DONE();
}
