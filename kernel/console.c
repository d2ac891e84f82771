/* Formatted console output over the platform's console. */
#include <husk/abi.h>
#include "backtrace.h"
#include "console.h"
#include "lib.h"
#include "platform.h"

void console_write(const char *s, unsigned long n)
{
	platform->console_write(HUSK_STREAM_OUT, s, n);
}

void console_write_err(const char *s, unsigned long n)
{
	platform->console_write(HUSK_STREAM_ERR, s, n);
}

static int format_to(int stream, const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	platform->console_write(stream, buf,
				n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

/* The library OS's own messages go to standard error, so that a
 * program's standard output stays its own. */
int kvprintf(const char *fmt, va_list ap)
{
	return format_to(HUSK_STREAM_ERR, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* Programs linked into the image (kernel/api/husk.h) print to standard
 * output with this. */
int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = format_to(HUSK_STREAM_OUT, fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	kprintf("husk: panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	/* From panic's caller up: where the library OS gave up. */
	backtrace_print(0, (uint64_t)__builtin_frame_address(0));
	platform->exit(HUSK_STATUS_PANIC, HUSK_EXIT_PANIC, 0);
}

void husk_exit(int status)
{
	platform->exit(status, HUSK_EXIT_NORMAL, 0);
}
