/* The library OS's vsnprintf and command-line splitting, on the host. */
#include <string.h>
#include "check.h"
#include "../../kernel/cmdline.h"

int husk_snprintf(char *buf, size_t size, const char *fmt, ...);

#define FMT(name, expect, ...)                                              \
	do {                                                                \
		char b[128];                                                \
		husk_snprintf(b, sizeof(b), __VA_ARGS__);                   \
		CHECK(name, strcmp(b, expect) == 0);                        \
	} while (0)

int main(void)
{
	char small[8];
	FMT("format: decimal", "-42 17", "%d %u", -42, 17u);
	FMT("format: 64-bit hex padded", "00000000deadbeef", "%016lx", 0xdeadbeefUL);
	FMT("format: left justify", "[7 ]", "[%-2d]", 7);
	FMT("format: right justify", "[  7]", "[%3d]", 7);
	FMT("format: negative zero pad", "-007", "%04d", -7);
	FMT("format: string precision", "ab|", "%.2s|", "abcdef");
	FMT("format: null string", "(null)", "%s", (char *)0);
	FMT("format: pointer", "0x1000", "%p", (void *)0x1000);
	FMT("format: size_t", "18446744073709551615", "%zu", (size_t)-1);
	FMT("format: INT64_MIN", "-9223372036854775808", "%ld", (long)(-9223372036854775807L - 1));
	FMT("format: percent and char", "% x", "%% %c", 'x');
	FMT("format: alternate hex", "0x1f 0", "%#lx %#x", 31UL, 0u);
	CHECK("format: truncation returns full length",
	      husk_snprintf(small, sizeof(small), "%s", "0123456789") == 10 &&
		      strcmp(small, "0123456") == 0);

	{
		char line[] = "husk.boottime quiet -- /bin/prog \"a b\" \"q\\\"x\" -- last";
		char *optv[8], *argv[8];
		struct cmdline c;
		cmdline_parse(line, &c, optv, argv, 8);
		CHECK("cmdline: options before --", c.nopts == 2 &&
		      !strcmp(c.opts[0], "husk.boottime") && cmdline_has(&c, "quiet"));
		CHECK("cmdline: argv after --", c.argc == 5 && !strcmp(c.argv[0], "/bin/prog"));
		CHECK("cmdline: quoted space", !strcmp(c.argv[1], "a b"));
		CHECK("cmdline: escaped quote", !strcmp(c.argv[2], "q\"x"));
		CHECK("cmdline: later -- is an argument", !strcmp(c.argv[3], "--"));
		CHECK("cmdline: argv NULL-terminated", c.argv[5] == NULL);
	}
	{
		char line[] = "a b c d e f g h i j";
		char *optv[4], *argv[4];
		struct cmdline c;
		cmdline_parse(line, &c, optv, argv, 4);
		CHECK("cmdline: excess words dropped, arrays terminated",
		      c.nopts == 3 && optv[3] == NULL && c.argc == 0);
	}
	return CHECK_DONE();
}
