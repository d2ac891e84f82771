/*
 * lib/: digests, image names, archive entry names and time stamps, the
 * pieces the store's correctness rests on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "digest.h"
#include "imgarchive.h"
#include "ref.h"
#include "store.h"

static int full_is(const char *in, const char *want)
{
	char got[600];
	struct ref r;

	if (ref_parse(in, &r))
		return 0;
	ref_full(&r, got, sizeof(got));
	if (strcmp(got, want))
		printf("  %s -> %s, expected %s\n", in, got, want);
	return !strcmp(got, want);
}

static int short_is(const char *in, const char *want)
{
	char got[600];
	struct ref r;

	if (ref_parse(in, &r))
		return 0;
	ref_short(&r, got, sizeof(got));
	return !strcmp(got, want);
}

static int rejected(const char *in, const char *words)
{
	struct ref r;

	return ref_parse(in, &r) == STORE_ERR && strstr(store_error(), words) &&
	       strstr(store_error(), "invalid reference format");
}

static void test_digest(void)
{
	struct digest d, p;

	digest_buf("abc", 3, &d);
	CHECK("digest: sha256 of \"abc\"",
	      !strcmp(d.s, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	CHECK("digest: parse accepts its own output", !digest_parse(d.s, &p) && digest_equal(&d, &p));
	CHECK("digest: upper-case hex refused",
	      digest_parse("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", &p));
	CHECK("digest: short hex refused", digest_parse("sha256:ba7816", &p));
	CHECK("digest: other algorithms refused",
	      digest_parse("sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", &p));
	CHECK("digest: hex file name", !digest_from_hex(digest_hex(&d), &p) && digest_equal(&d, &p));
}

static void test_ref(void)
{
	CHECK("ref: official image", full_is("alpine", "docker.io/library/alpine:latest"));
	CHECK("ref: tag kept", full_is("alpine:3.19", "docker.io/library/alpine:3.19"));
	CHECK("ref: user repository", full_is("me/app:1", "docker.io/me/app:1"));
	CHECK("ref: registry with port", full_is("localhost:5000/app", "localhost:5000/app:latest"));
	CHECK("ref: localhost registry", full_is("localhost/app:2", "localhost/app:2"));
	CHECK("ref: dotted registry", full_is("quay.io/a/b-c.d__e:v1.0", "quay.io/a/b-c.d__e:v1.0"));
	CHECK("ref: index.docker.io is docker.io", full_is("index.docker.io/library/x", "docker.io/library/x:latest"));
	CHECK("ref: full form is stable", full_is("docker.io/library/alpine:latest", "docker.io/library/alpine:latest"));
	CHECK("ref: digest without tag",
	      full_is("alpine@sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		      "docker.io/library/alpine@sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	CHECK("ref: short form drops docker.io/library", short_is("docker.io/library/alpine:3", "alpine:3"));
	CHECK("ref: short form keeps a user", short_is("docker.io/me/app", "me/app:latest"));
	CHECK("ref: short form keeps a registry", short_is("localhost/app", "localhost/app:latest"));
	CHECK("ref: upper case refused", rejected("Alpine", "lowercase"));
	CHECK("ref: bad tag refused", rejected("alpine:-x", "tag"));
	CHECK("ref: empty refused", rejected("", "empty"));
	CHECK("ref: double dot refused", rejected("a..b", "repository name"));
	CHECK("ref: trailing separator refused", rejected("abc-", "repository name"));
	CHECK("ref: 64-hex name refused (it is an ID)",
	      rejected("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "image ID"));
	CHECK("ref: bad digest refused", rejected("a@sha256:xyz", "digest"));
	{
		char repo[300], tag[200];
		CHECK("ref: split a stored name",
		      !ref_split_short("docker.io/library/busybox:1.36", repo, sizeof(repo), tag, sizeof(tag)) &&
			      !strcmp(repo, "busybox") && !strcmp(tag, "1.36"));
	}
}

static int cleaned(const char *in, const char *want)
{
	char out[256];
	const char *why;

	return !tar_path_clean(in, out, sizeof(out), &why) && !strcmp(out, want);
}

static int refused(const char *in, const char *words)
{
	char out[256];
	const char *why = "";

	return tar_path_clean(in, out, sizeof(out), &why) && strstr(why, words);
}

static int resolved(const char *base, const char *target, const char *want)
{
	char out[256];

	return !tar_path_resolve(base, target, out, sizeof(out)) && !strcmp(out, want);
}

static void test_paths(void)
{
	char out[256];

	CHECK("path: ./ prefix dropped", cleaned("./etc/passwd", "etc/passwd"));
	CHECK("path: doubled and trailing slashes", cleaned("a//b/./c/", "a/b/c"));
	CHECK("path: root is empty", cleaned("./", ""));
	CHECK("path: .. refused", refused("../x", ".."));
	CHECK("path: inner .. refused", refused("a/../../x", ".."));
	CHECK("path: absolute refused", refused("/etc/passwd", "absolute"));
	CHECK("path: name with dots kept", cleaned("a/..b/c..", "a/..b/c.."));
	CHECK("link: sibling directory", resolved("a/b", "../c/f", "a/c/f"));
	CHECK("link: same directory", resolved("x", "./y", "x/y"));
	CHECK("link: escaping refused", tar_path_resolve("a", "../../etc", out, sizeof(out)) == -1);
}

/* The parser's own calendar against libc's timegm, and the formatter
 * back, for 20000 times from year 1 to 9999. */
static void test_time_against_libc(void)
{
	char text[64], back[64];
	unsigned seed = 12345;
	int i, bad = 0;

	for (i = 0; i < 20000 && bad < 3; i++) {
		struct tm tm = { 0 };
		int64_t t;

		seed = seed * 1103515245 + 12345;
		tm.tm_year = (int)(seed >> 8) % 9999 + 1 - 1900;
		seed = seed * 1103515245 + 12345;
		tm.tm_mon = (int)(seed >> 8) % 12;
		tm.tm_mday = (int)(seed >> 12) % 28 + 1;
		tm.tm_hour = (int)(seed >> 4) % 24;
		tm.tm_min = (int)(seed >> 16) % 60;
		tm.tm_sec = (int)(seed >> 20) % 60;
		snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (time_parse_rfc3339(text, &t) || t != (int64_t)timegm(&tm)) {
			printf("FAIL: time: %s: %lld, timegm says %lld\n", text,
			       (long long)t, (long long)timegm(&tm));
			bad++;
			continue;
		}
		time_format_rfc3339(t, back, sizeof(back));
		if (strcmp(back, text)) {
			printf("FAIL: time: %s formats back as %s\n", text, back);
			bad++;
		}
	}
	CHECK("time: the parser's calendar is libc's (timegm) and formats back, years 1-9999",
	      !bad);
}

static void test_time(void)
{
	char buf[64];
	int64_t t = 0;
	int set;

	CHECK("time: UTC", !time_parse_rfc3339("2024-05-01T10:00:00Z", &t) && t == 1714557600);
	CHECK("time: fraction and offset",
	      !time_parse_rfc3339("2024-05-01T12:00:00.123456789+02:00", &t) && t == 1714557600);
	CHECK("time: garbage refused", time_parse_rfc3339("yesterday", &t) == -1);
	CHECK("time: missing zone refused", time_parse_rfc3339("2024-05-01T10:00:00", &t) == -1);
	CHECK("time: before 1970", !time_parse_rfc3339("1969-12-31T23:59:59Z", &t) && t == -1);
	CHECK("time: a leap day", !time_parse_rfc3339("2000-02-29T00:00:00Z", &t) && t == 951782400);
	CHECK("time: 1900 is no leap year", !time_parse_rfc3339("1900-03-01T00:00:00Z", &t) &&
	      t == -2203891200);
	time_format_rfc3339(1714557600, buf, sizeof(buf));
	CHECK("time: format", !strcmp(buf, "2024-05-01T10:00:00Z"));
	time_format_rfc3339(INT64_MAX, buf, sizeof(buf));
	CHECK("time: a time past any year formats as the zero time",
	      !strcmp(buf, "0001-01-01T00:00:00Z"));
	test_time_against_libc();
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	CHECK("time: SOURCE_DATE_EPOCH honoured", !time_source_date(&t, &set) && set && t == 1700000000);
	setenv("SOURCE_DATE_EPOCH", "soon", 1);
	CHECK("time: bad SOURCE_DATE_EPOCH names the variable",
	      time_source_date(&t, &set) == STORE_ERR && strstr(store_error(), "SOURCE_DATE_EPOCH=\"soon\""));
	unsetenv("SOURCE_DATE_EPOCH");
	CHECK("time: unset means now", !time_source_date(&t, &set) && !set && t > 1700000000);
}

int main(void)
{
	test_digest();
	test_ref();
	test_paths();
	test_time();
	return CHECK_DONE();
}
