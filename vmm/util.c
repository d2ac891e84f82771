/*
 * Messages and whole-buffer I/O.
 *
 * Errors travel up as a status plus one recorded line, so that the loader
 * and the parsers can be unit-tested for their exact messages, and so that
 * only main() decides to exit. Output avoids stdio: after the seccomp
 * filter is installed the only system calls left are write(2) on fds 1
 * and 2, and stdio may fstat() a stream on first use.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

static char error_line[512];

int vmm_fail(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_line, sizeof(error_line), fmt, ap);
	va_end(ap);
	return status;
}

const char *vmm_error(void)
{
	return error_line;
}

static void vfdprintf(int fd, const char *prefix, const char *fmt,
		      va_list ap)
{
	char buf[512];
	size_t n = 0;
	int k;

	if (prefix) {
		n = strlen(prefix);
		memcpy(buf, prefix, n);
	}
	k = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (k < 0)
		return;
	/* At most sizeof(buf) - 1 characters, leaving room for the newline. */
	n += (size_t)k < sizeof(buf) - n ? (size_t)k : sizeof(buf) - n - 1;
	if (prefix)
		buf[n++] = '\n';
	write_all(fd, buf, n);
}

void vmm_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfdprintf(2, "husk-vmm: ", fmt, ap);
	va_end(ap);
}

void vmm_fdprintf(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfdprintf(fd, NULL, fmt, ap);
	va_end(ap);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			/* EAGAIN: a non-blocking pipe we were handed; the
			 * filter leaves us no poll(), so try again. */
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int read_exact(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = 0;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

const char *fmt_size(char *buf, size_t n, uint64_t bytes)
{
	if (bytes && !(bytes % GiB))
		snprintf(buf, n, "%llu GiB", (unsigned long long)(bytes / GiB));
	else if (bytes && !(bytes % MiB))
		snprintf(buf, n, "%llu MiB", (unsigned long long)(bytes / MiB));
	else if (bytes && !(bytes % 1024))
		snprintf(buf, n, "%llu KiB", (unsigned long long)(bytes / 1024));
	else
		snprintf(buf, n, "%llu bytes", (unsigned long long)bytes);
	return buf;
}
