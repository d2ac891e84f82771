/*
 * .dockerignore reading and matching (lib/dockerignore.c), checked
 * against what moby/patternmatcher and its ignore-file reader do. Run
 * from the repository root (tests/dockerfiles/ holds ignore files).
 */
#include <stdarg.h>
#include <string.h>

#include "check.h"
#include "dockerignore.h"

static struct dockerignore di;
static char err[512];

static int parse(const char *text)
{
	dockerignore_free(&di);
	err[0] = 0;
	return dockerignore_parse(".dockerignore", text, strlen(text), &di, err,
				  sizeof(err));
}

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

/* The patterns are exactly these ("!x" for an exception). */
static bool patterns_are(size_t n, ...)
{
	va_list ap;
	bool ok = di.n == n;

	va_start(ap, n);
	for (size_t i = 0; ok && i < n; i++) {
		const char *want = va_arg(ap, const char *);
		bool exc;
		const char *got = dockerignore_pattern(&di, i, &exc);

		ok = exc == (want[0] == '!') && !strcmp(got, want + exc);
		if (!ok)
			printf("  pattern %zu: got %s%s expected %s\n", i,
			       exc ? "!" : "", got, want);
	}
	va_end(ap);
	return ok;
}

/* Each path after "+" is excluded, each after "-" is not. */
static bool verdicts(const char *patterns, ...)
{
	va_list ap;
	const char *p;
	bool want = true, ok = !parse(patterns);

	va_start(ap, patterns);
	while (ok && (p = va_arg(ap, const char *))) {
		if (!strcmp(p, "+") || !strcmp(p, "-")) {
			want = *p == '+';
			continue;
		}
		if (dockerignore_excluded(&di, p) != want) {
			printf("  [%s]: %s should%s be excluded\n", patterns, p,
			       want ? "" : " not");
			ok = false;
		}
	}
	va_end(ap);
	return ok;
}

static void test_reading(void)
{
	CHECK("read: comments, blanks, leading / and cleaned exceptions",
	      !parse("test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n"
		     "! /inverted/abs/path\n") &&
		      patterns_are(5, "test1", "test2", "a/file/here", "lastfile",
				   "!inverted/abs/path"));
	CHECK("read: patterns are cleaned like paths",
	      !parse("./a//b/../c/\n  spaced  \r\n../up\n\xef\xbb\xbfnot-a-bom\n") &&
		      patterns_are(4, "a/c", "spaced", "../up", "\xef\xbb\xbfnot-a-bom"));
	CHECK("read: a byte-order mark at the start is dropped",
	      !parse("\xef\xbb\xbf" "first\n") && patterns_are(1, "first"));
	CHECK("read: '#' only starts a comment in the first column",
	      !parse(" #x\n") && patterns_are(1, "#x") &&
		      dockerignore_excluded(&di, "#x"));
	CHECK("read: a lone ! is an error with its line",
	      fails("a\n\n!\n", ".dockerignore:3: illegal exclusion pattern: \"!\""));
	CHECK("read: \"! \" is a lone ! too",
	      fails("! \n", ".dockerignore:1: illegal exclusion pattern: \"!\""));
	CHECK("read: an unterminated class",
	      fails("ok\na[bc\n", ".dockerignore:2: bad pattern \"a[bc\": bad [] class"));
	CHECK("read: an empty class", fails("[]a]\n",
					    ".dockerignore:1: bad pattern \"[]a]\": bad [] class"));
	CHECK("read: a trailing backslash",
	      fails("a\\\n", ".dockerignore:1: bad pattern \"a\\\": trailing backslash"));
}

static void test_matching(void)
{
	CHECK("match: a name and everything under it",
	      verdicts("docs\n", "+", "docs", "docs/a/b.md", "-", "docsx", "a/docs",
		       NULL));
	CHECK("match: a trailing / changes nothing",
	      verdicts("docs/\n", "+", "docs", "docs/x", "-", "x/docs", NULL));
	CHECK("match: * stays within one element",
	      verdicts("*.go\n", "+", "main.go", "-", "pkg/main.go", "main.go.txt",
		       NULL));
	CHECK("match: * matches a directory, then everything in it",
	      verdicts("*\n", "+", "a", "a/b/c", NULL));
	CHECK("match: **/ is any number of directories",
	      verdicts("**/*.go\n", "+", "main.go", "pkg/main.go", "a/b/c.go", "-",
		       "main.c", NULL));
	CHECK("match: a/**/b",
	      verdicts("a/**/b\n", "+", "a/b", "a/x/y/b", "a/b/c", "-", "a/xb",
		       "b", NULL));
	CHECK("match: dir/** is what is inside, not the directory",
	      verdicts("/secrets/**\n", "+", "secrets/a", "secrets/a/b", "-",
		       "secrets", "secretsx/a", NULL));
	CHECK("match: **/name at any depth, and the name at the top",
	      verdicts("**/node_modules\n", "+", "node_modules", "a/node_modules",
		       "a/node_modules/x/y", "-", "xnode_modules", NULL));
	CHECK("match: **name is a plain suffix, as in Docker",
	      verdicts("**foo\n", "+", "barfoo", "a/foo", "-", "foo.c", NULL));
	CHECK("match: ** alone is everything",
	      verdicts("**\n", "+", "a", "a/b/c", NULL));
	CHECK("match: a prefix ending in **",
	      verdicts("foo**\n", "+", "foo", "foobar/x", "-", "fo", NULL));
	CHECK("match: ? is one character, not /",
	      verdicts("a?c\n", "+", "abc", "a\xc3\xa9" "c", "-", "a/c", "ac", NULL));
	CHECK("match: classes, ranges and negation",
	      verdicts("[a-c]at\n[^a-z]og\n", "+", "bat", "Dog", "-", "dat", "dog",
		       NULL));
	CHECK("match: escapes make wildcards literal",
	      verdicts("\\*.txt\n", "+", "*.txt", "-", "a.txt", NULL));
	CHECK("match: .. patterns never match inside the context",
	      verdicts("../x\n", "-", "x", "a/x", NULL));
	CHECK("match: the queried path is cleaned; the root is never excluded",
	      verdicts("a/b\n**\n", "+", "./a/./b", "/a/b", "-", ".", "/", "", NULL));
}

static void test_exceptions(void)
{
	CHECK("exception: a later ! re-includes",
	      verdicts("*.md\n!README.md\n", "+", "a.md", "-", "README.md",
		       "docs/README.md", NULL));
	CHECK("exception: a later pattern wins over an earlier !",
	      verdicts("!README.md\n*.md\n", "+", "README.md", "a.md", NULL));
	CHECK("exception: a file kept inside an excluded directory",
	      verdicts("build\n!build/version.txt\n", "+", "build", "build/x",
		       "-", "build/version.txt", NULL));
	CHECK("exception: everything but one directory",
	      verdicts("**\n!src\n", "+", "a", "docs/x", "-", "src", "src/a/b.c",
		       NULL));
	CHECK("exception: excluded again below a kept directory",
	      verdicts("*\n!src\nsrc/*.tmp\n", "+", "a", "src/x.tmp", "-", "src/x.c",
		       NULL));
}

static void test_skip(void)
{
	CHECK("skip: an excluded directory without exceptions",
	      !parse(".git\nbuild\n") && dockerignore_skip_dir(&di, ".git") &&
		      dockerignore_skip_dir(&di, "build/") &&
		      !dockerignore_skip_dir(&di, "src"));
	CHECK("skip: not when an exception names something inside",
	      !parse("build\n!build/version.txt\n") &&
		      !dockerignore_skip_dir(&di, "build"));
	CHECK("skip: not when a wildcard exception may match inside",
	      !parse("vendor\n!vendor/*/keep\n") &&
		      !dockerignore_skip_dir(&di, "vendor") &&
		      !parse("vendor\n!**/keep.txt\n") &&
		      !dockerignore_skip_dir(&di, "vendor"));
	CHECK("skip: yes when exceptions concern other directories",
	      !parse("vendor\n!other/x\n!oth*/y\n") &&
		      dockerignore_skip_dir(&di, "vendor") &&
		      dockerignore_skip_dir(&di, "vendor/a"));
	CHECK("skip: a kept directory is never skipped",
	      !parse("**\n!src\n") && !dockerignore_skip_dir(&di, "src") &&
		      dockerignore_skip_dir(&di, "docs"));
}

static void test_files(void)
{
	dockerignore_free(&di);
	CHECK("load: the context's .dockerignore",
	      !dockerignore_load("tests/dockerfiles", NULL, &di, err,
				 sizeof(err)) &&
		      di.n == 8 && dockerignore_excluded(&di, ".git/config") &&
		      dockerignore_excluded(&di, "web/node_modules/x.js") &&
		      dockerignore_excluded(&di, "CHANGES.md") &&
		      !dockerignore_excluded(&di, "README.md") &&
		      dockerignore_excluded(&di, "build/app") &&
		      !dockerignore_excluded(&di, "build/version.txt") &&
		      dockerignore_excluded(&di, "secrets/key") &&
		      dockerignore_excluded(&di, "a/b/c.tmp") &&
		      !dockerignore_excluded(&di, "src/main.go") &&
		      !dockerignore_skip_dir(&di, "build") &&
		      dockerignore_skip_dir(&di, ".git"));
	dockerignore_free(&di);
	CHECK("load: DOCKERFILE.dockerignore wins over the context's",
	      !dockerignore_load("tests/dockerfiles",
				 "tests/dockerfiles/node-web.Dockerfile", &di,
				 err, sizeof(err)) &&
		      di.n == 1 && dockerignore_excluded(&di, "node_modules/x") &&
		      !dockerignore_excluded(&di, ".git"));
	dockerignore_free(&di);
	CHECK("load: no ignore file at all is no patterns",
	      !dockerignore_load("tests/data/no-such-context",
				 "tests/dockerfiles/go-multistage.Dockerfile",
				 &di, err, sizeof(err)) &&
		      di.n == 0 && !dockerignore_excluded(&di, "anything"));
	dockerignore_free(&di);
}

int main(void)
{
	test_reading();
	test_matching();
	test_exceptions();
	test_skip();
	test_files();
	dockerignore_free(&di);
	return CHECK_DONE();
}
