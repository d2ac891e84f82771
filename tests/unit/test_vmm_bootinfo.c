/*
 * husk-vmm's command line: the guest command line it assembles (checked
 * by splitting it again with the guest's own parser, kernel/cmdline.c),
 * the length limit, --mem parsing, option parsing and the boot info.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vmm.h"
#include "../../kernel/cmdline.h"

static char line[HUSK_CMDLINE_MAX];

static int built(const char *cmdline, int nargs, char **args,
		 const char *expect)
{
	int rc = cmdline_build(line, sizeof(line), cmdline, nargs, args);

	if (rc || strcmp(line, expect)) {
		printf("# got [%s] (status %d), expected [%s]\n", line, rc,
		       expect);
		return 0;
	}
	return 1;
}

/* The guest splits the line back into exactly the arguments given. */
static int round_trips(const char *cmdline, int nargs, char **args)
{
	char *optv[64], *argv[64];
	struct cmdline c;
	int i;

	if (cmdline_build(line, sizeof(line), cmdline, nargs, args))
		return 0;
	cmdline_parse(line, &c, optv, argv, 64);
	if (c.argc != nargs)
		return 0;
	for (i = 0; i < nargs; i++)
		if (strcmp(c.argv[i], args[i]))
			return 0;
	return 1;
}

static void test_cmdline(void)
{
	char *plain[] = { "a", "bc", "d-e=f" };
	char *odd[] = { "b c", "tab\there", "say \"hi\"", "back\\slash", "",
			"--", "x" };
	char *one[] = { "x" };
	static char big[HUSK_CMDLINE_MAX + 10];

	CHECK("cmdline: empty", built("", 0, NULL, ""));
	CHECK("cmdline: options only",
	      built("husk.boottime quiet", 0, NULL, "husk.boottime quiet"));
	CHECK("cmdline: plain args unquoted",
	      built("opt", 3, plain, "opt -- a bc d-e=f"));
	CHECK("cmdline: args without options", built("", 1, one, " -- x"));
	CHECK("cmdline: quoting",
	      built("o", 7, odd,
		    "o -- \"b c\" \"tab\there\" \"say \\\"hi\\\"\" "
		    "\"back\\\\slash\" \"\" -- x"));
	CHECK("cmdline: guest parser gets the args back", round_trips("o", 7, odd));
	CHECK("cmdline: plain args round trip", round_trips("", 3, plain));

	/* 4095 characters and the NUL fit; one more does not. */
	memset(big, 'x', HUSK_CMDLINE_MAX - 1);
	big[HUSK_CMDLINE_MAX - 1] = 0;
	CHECK("cmdline: 4095 bytes fit",
	      cmdline_build(line, sizeof(line), big, 0, NULL) == 0 &&
	      strlen(line) == HUSK_CMDLINE_MAX - 1);
	big[HUSK_CMDLINE_MAX - 1] = 'x';
	big[HUSK_CMDLINE_MAX] = 0;
	CHECK("cmdline: 4096 bytes rejected with status 120",
	      cmdline_build(line, sizeof(line), big, 0, NULL) ==
	      HUSK_VMM_EXIT_USAGE);
	CHECK("cmdline: too long message",
	      strstr(vmm_error(), "command line is 4096 bytes") != NULL);
	big[HUSK_CMDLINE_MAX - 5] = 0;
	CHECK("cmdline: args pushing it over the limit rejected",
	      cmdline_build(line, sizeof(line), big, 1, one) ==
	      HUSK_VMM_EXIT_USAGE);
}

static int mem_is(const char *s, uint64_t v)
{
	uint64_t got = 0;

	return parse_mem(s, &got) == 0 && got == v;
}

static int mem_bad(const char *s, const char *msg)
{
	uint64_t got = 0;
	int rc = parse_mem(s, &got);

	if (rc != HUSK_VMM_EXIT_USAGE || !strstr(vmm_error(), msg)) {
		printf("# --mem %s: status %d, message '%s'\n", s, rc,
		       vmm_error());
		return 0;
	}
	return 1;
}

static void test_mem(void)
{
	CHECK("mem: 64M", mem_is("64M", 64 * MiB));
	CHECK("mem: bare number is MiB", mem_is("128", 128 * MiB));
	CHECK("mem: 1G", mem_is("1G", GiB));
	CHECK("mem: lower case 2g", mem_is("2g", 2 * GiB));
	CHECK("mem: 512K", mem_is("512K", 512 * 1024));
	CHECK("mem: 1536KiB", mem_is("1536KiB", 1536 * 1024));
	CHECK("mem: 3MB", mem_is("3MB", 3 * MiB));
	CHECK("mem: 1T is the maximum", mem_is("1T", 1ULL << 40));
	CHECK("mem: empty rejected", mem_bad("", "expected a size"));
	CHECK("mem: words rejected", mem_bad("lots", "expected a size"));
	CHECK("mem: negative rejected", mem_bad("-64M", "expected a size"));
	CHECK("mem: zero rejected", mem_bad("0", "size is zero"));
	CHECK("mem: unknown suffix rejected", mem_bad("64X", "unknown size suffix"));
	CHECK("mem: trailing junk rejected", mem_bad("64M!", "unknown size suffix"));
	CHECK("mem: bytes suffix without unit rejected",
	      mem_bad("64B", "unknown size suffix"));
	CHECK("mem: not page-sized rejected", mem_bad("5K", "multiple of 4 KiB"));
	CHECK("mem: 2T rejected", mem_bad("2T", "larger than"));
	CHECK("mem: overflow rejected",
	      mem_bad("99999999999999999999999G", "larger than"));
}

static int parse(int argc, char **argv, struct vmm_args *a)
{
	return args_parse(argc, argv, a);
}

static void test_args(void)
{
	struct vmm_args a;
	char *full[] = { "husk-vmm", "--mem", "128M", "--cmdline", "quiet",
			 "--initrd=rd.cpio", "img.elf", "--", "x", "--mem" };
	char *eq[] = { "husk-vmm", "img.elf", "--mem=1G" };
	char *none[] = { "husk-vmm" };
	char *two[] = { "husk-vmm", "a.elf", "b.elf" };
	char *unknown[] = { "husk-vmm", "--memory", "1G", "a.elf" };
	char *missing[] = { "husk-vmm", "a.elf", "--cmdline" };
	char *badmem[] = { "husk-vmm", "--mem", "huge", "a.elf" };
	char *help[] = { "husk-vmm", "-h" };

	CHECK("args: full command line",
	      parse(10, full, &a) == 0 && a.mem_size == 128 * MiB &&
	      !strcmp(a.cmdline, "quiet") && !strcmp(a.initrd, "rd.cpio") &&
	      !strcmp(a.image, "img.elf") && a.nargs == 2 &&
	      !strcmp(a.args[0], "x") && !strcmp(a.args[1], "--mem"));
	CHECK("args: defaults and --mem= after the image",
	      parse(3, eq, &a) == 0 && a.mem_size == GiB &&
	      !strcmp(a.mem_arg, "1G") && !strcmp(a.cmdline, "") &&
	      a.initrd == NULL && a.nargs == 0);
	CHECK("args: default --mem is 64M",
	      parse(2, two, &a) == 0 && a.mem_size == 64 * MiB &&
	      !strcmp(a.mem_arg, "64M"));
	CHECK("args: no image is a usage error",
	      parse(1, none, &a) == HUSK_VMM_EXIT_USAGE &&
	      strstr(vmm_error(), "no image given"));
	CHECK("args: two images is a usage error",
	      parse(3, two, &a) == HUSK_VMM_EXIT_USAGE &&
	      strstr(vmm_error(), "unexpected argument 'b.elf'"));
	CHECK("args: unknown option",
	      parse(4, unknown, &a) == HUSK_VMM_EXIT_USAGE &&
	      strstr(vmm_error(), "unknown option '--memory'"));
	CHECK("args: option without its value",
	      parse(3, missing, &a) == HUSK_VMM_EXIT_USAGE &&
	      strstr(vmm_error(), "--cmdline needs a value"));
	CHECK("args: bad --mem",
	      parse(4, badmem, &a) == HUSK_VMM_EXIT_USAGE &&
	      strstr(vmm_error(), "--mem 'huge'"));
	CHECK("args: -h", parse(2, help, &a) == 0 && a.help);
}

static void test_bootinfo(void)
{
	static struct husk_boot_info bi;
	struct boot_params p = {
		.cpu_features = HUSK_CPU_NX | HUSK_CPU_XSAVE,
		.xcr0 = 7,
		.tsc_khz = 2500000,
		.mem_size = 64 * MiB,
		.initrd_paddr = 60 * MiB,
		.initrd_size = 12345,
		.cmdline = "quiet -- a",
	};

	memset(&bi, 0xee, sizeof(bi));
	bootinfo_fill(&bi, &p);
	bootinfo_set_clock(&bi, 111, 222);
	CHECK("bootinfo: header",
	      bi.magic == HUSK_BOOT_MAGIC && bi.version == HUSK_BOOT_VERSION &&
	      bi.size == sizeof(bi) && bi.platform == HUSK_PLATFORM_VMM);
	CHECK("bootinfo: cpu", bi.cpu_features == p.cpu_features && bi.xcr0 == 7);
	CHECK("bootinfo: clock",
	      bi.tsc_khz == 2500000 && bi.tsc_at_boot == 111 &&
	      bi.tsc_at_entry == 111 && bi.wall_ns_at_boot == 222);
	CHECK("bootinfo: one RAM region",
	      bi.nmem == 1 && bi.mem[0].base == 0 &&
	      bi.mem[0].size == 64 * MiB && bi.mem[0].type == HUSK_MEM_RAM &&
	      bi.mem[1].size == 0);
	CHECK("bootinfo: initrd",
	      bi.initrd_paddr == 60 * MiB && bi.initrd_size == 12345);
	CHECK("bootinfo: cmdline NUL-terminated and zero-padded",
	      !strcmp(bi.cmdline, "quiet -- a") &&
	      bi.cmdline[HUSK_CMDLINE_MAX - 1] == 0);
}

int main(void)
{
	test_cmdline();
	test_mem();
	test_args();
	test_bootinfo();
	return CHECK_DONE();
}
