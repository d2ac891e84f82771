/* Image timestamps: RFC 3339 as OCI configs write them, and SOURCE_DATE_EPOCH. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

static int digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, const char *set)
{
	if (!**p || !strchr(set, **p))
		return -1;
	(*p)++;
	return 0;
}

/* "Z", "z", or "+hh:mm"/"-hh:mm" as seconds east of UTC. */
static int zone(const char *p, int64_t *offset)
{
	int sign, hh, mm;

	if ((*p == 'Z' || *p == 'z') && !p[1]) {
		*offset = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &hh) || expect(&p, ":") || digits(&p, 2, &mm) || *p)
		return -1;
	*offset = sign * (hh * 3600 + mm * 60);
	return 0;
}

int time_parse_rfc3339(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	int64_t offset;
	const char *p = s;

	if (digits(&p, 4, &tm.tm_year) || expect(&p, "-") ||
	    digits(&p, 2, &tm.tm_mon) || expect(&p, "-") ||
	    digits(&p, 2, &tm.tm_mday) || expect(&p, "Tt ") ||
	    digits(&p, 2, &tm.tm_hour) || expect(&p, ":") ||
	    digits(&p, 2, &tm.tm_min) || expect(&p, ":") ||
	    digits(&p, 2, &tm.tm_sec))
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (zone(p, &offset) || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm) - offset;
	return 0;
}

void time_format_rfc3339(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int time_source_date(int64_t *t, int *set)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*set = 0;
	if (!s || !*s) {
		*t = (int64_t)time(NULL);
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || s[0] == '-' || s[0] == '+' || isspace((unsigned char)s[0]))
		return store_fail(STORE_ERR, "SOURCE_DATE_EPOCH=\"%s\": expected "
				  "a number of seconds since 1970-01-01", s);
	*t = v;
	*set = 1;
	return 0;
}
