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

/*
 * Days from 1970-01-01 to year-month-day (month 1-12) in the proleptic
 * Gregorian calendar. Not timegm: glibc's reads /etc/localtime first.
 * Counting years from March puts the leap day last, so a year's days
 * before a month are (153 * months_since_march + 2) / 5; a 400-year
 * cycle has 146097 days; 719468 is 0000-03-01 to 1970-01-01.
 */
static int64_t days_from_civil(int64_t year, int month, int day)
{
	int64_t y = month <= 2 ? year - 1 : year;
	int64_t cycle = (y >= 0 ? y : y - 399) / 400;
	int64_t year_of_cycle = y - cycle * 400;
	int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	int64_t day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 -
			       year_of_cycle / 100 + day_of_year;

	return cycle * 146097 + day_of_cycle - 719468;
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
	*out = days_from_civil(tm.tm_year, tm.tm_mon, tm.tm_mday) * 86400 +
	       tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - offset;
	return 0;
}

void time_format_rfc3339(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm)) { /* a year past int: from a hostile config */
		snprintf(buf, n, "0001-01-01T00:00:00Z");
		return;
	}
	/* Not strftime: glibc's reads /etc/localtime first (tzset). */
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
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
