/*
 * The one recorded error line. Library functions return a status and
 * leave the reason here, so that only the CLI decides how to show it and
 * the tests can check the exact message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

static char error_line[1024];

int store_fail(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_line, sizeof(error_line), fmt, ap);
	va_end(ap);
	return status;
}

int store_fail_errno(const char *fmt, ...)
{
	int err = errno;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_line, sizeof(error_line), fmt, ap);
	va_end(ap);
	len = strlen(error_line);
	snprintf(error_line + len, sizeof(error_line) - len, ": %s",
		 strerror(err));
	return STORE_ERR;
}

int store_fail_context(const char *fmt, ...)
{
	char prefix[512], old[sizeof(error_line)];
	size_t n, k;
	va_list ap;

	memcpy(old, error_line, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	n = strlen(prefix);
	k = strlen(old);
	if (n + 2 + k >= sizeof(error_line))
		k = sizeof(error_line) - n - 3;
	memcpy(error_line, prefix, n);
	memcpy(error_line + n, ": ", 2);
	memcpy(error_line + n + 2, old, k);
	error_line[n + 2 + k] = '\0';
	return STORE_ERR;
}

const char *store_error(void)
{
	return error_line;
}
