/*
 * Sizes and ages as Docker prints them (its go-units package): sizes in
 * decimal units with three significant digits, ages in words.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void human_size(int64_t bytes, char *buf, size_t n)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double size = (double)bytes;
	size_t i = 0;

	while (size >= 1000.0 && i + 1 < sizeof(units) / sizeof(units[0])) {
		size /= 1000.0;
		i++;
	}
	snprintf(buf, n, "%.3g%s", size, units[i]);
}

static void duration(int64_t seconds, char *buf, size_t n)
{
	int64_t minutes = seconds / 60, hours = (seconds + 1800) / 3600;

	if (seconds < 1)
		snprintf(buf, n, "Less than a second");
	else if (seconds == 1)
		snprintf(buf, n, "1 second");
	else if (seconds < 60)
		snprintf(buf, n, "%lld seconds", (long long)seconds);
	else if (minutes == 1)
		snprintf(buf, n, "About a minute");
	else if (minutes < 60)
		snprintf(buf, n, "%lld minutes", (long long)minutes);
	else if (hours == 1)
		snprintf(buf, n, "About an hour");
	else if (hours < 48)
		snprintf(buf, n, "%lld hours", (long long)hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, n, "%lld days", (long long)(hours / 24));
	else if (hours < 24 * 30 * 2)
		snprintf(buf, n, "%lld weeks", (long long)(hours / 24 / 7));
	else if (hours < 24 * 365 * 2)
		snprintf(buf, n, "%lld months", (long long)(hours / 24 / 30));
	else
		snprintf(buf, n, "%lld years", (long long)(seconds / 3600 / 24 / 365));
}

void human_since(int64_t when, int64_t now, char *buf, size_t n)
{
	size_t len;

	if (when == INT64_MIN) {
		snprintf(buf, n, "N/A");
		return;
	}
	duration(now - when, buf, n);
	len = strlen(buf);
	snprintf(buf + len, n - len, " ago");
}

static size_t utf8_len(const char *s)
{
	size_t k = 0;

	for (; *s; s++)
		k += ((unsigned char)*s & 0xc0) != 0x80;
	return k;
}

void ellipsis(const char *s, size_t width, char *buf, size_t n)
{
	size_t chars = 0;
	const char *p = s;

	if (utf8_len(s) <= width || width < 1) {
		snprintf(buf, n, "%s", width ? s : "");
		return;
	}
	/* Keep width - 1 characters, then the ellipsis. */
	for (; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && chars++ == width - 1)
			break;
	}
	snprintf(buf, n, "%.*s…", (int)(p - s), s);
}
