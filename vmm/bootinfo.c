/*
 * struct husk_boot_info and the guest command line.
 *
 * The boot info lives in the image (layout.boot_info) and is written
 * through memcpy: the note does not promise its alignment, and the guest
 * memory belongs to the guest.
 */
#include <stddef.h>
#include <string.h>

#include "vmm.h"

_Static_assert(sizeof(struct husk_boot_info) <= HUSK_BOOT_INFO_SIZE,
	       "struct husk_boot_info outgrew its place in the image");

/* Quoted when a plain word would not survive the guest's split on
 * whitespace; empty, so that it is not lost. */
static int needs_quotes(const char *s)
{
	return !*s || strpbrk(s, " \t\n\v\f\r\"\\") != NULL;
}

struct out {
	char *p;
	size_t n, len; /* capacity, length so far (may exceed n) */
};

static void put(struct out *o, char c)
{
	if (o->len < o->n)
		o->p[o->len] = c;
	o->len++;
}

static void puts_raw(struct out *o, const char *s)
{
	while (*s)
		put(o, *s++);
}

static void put_arg(struct out *o, const char *s)
{
	if (!needs_quotes(s)) {
		puts_raw(o, s);
		return;
	}
	put(o, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			put(o, '\\');
		put(o, *s);
	}
	put(o, '"');
}

int cmdline_build(char *buf, size_t bufsz, const char *cmdline, int nargs,
		  char *const *args)
{
	return cmdline_build_opts(buf, bufsz, cmdline, 0, 0, nargs, args);
}

/* cmdline, then each of opts (quoted like arguments), then " -- " args. */
int cmdline_build_opts(char *buf, size_t bufsz, const char *cmdline,
		       int nopts, const char *const *opts, int nargs,
		       char *const *args)
{
	struct out o = { buf, bufsz, 0 };
	int i;

	puts_raw(&o, cmdline);
	for (i = 0; i < nopts; i++) {
		if (o.len)
			put(&o, ' ');
		put_arg(&o, opts[i]);
	}
	if (nargs > 0)
		puts_raw(&o, " --");
	for (i = 0; i < nargs; i++) {
		put(&o, ' ');
		put_arg(&o, args[i]);
	}
	put(&o, '\0');
	if (o.len > bufsz) {
		if (bufsz)
			buf[0] = '\0';
		return vmm_fail(HUSK_VMM_EXIT_USAGE,
				"the guest command line is %zu bytes, more than "
				"the %zu that fit", o.len - 1, bufsz - 1);
	}
	return 0;
}

void bootinfo_fill(void *dst, const struct boot_params *p)
{
	static struct husk_boot_info bi; /* 5 KiB: keep it off the stack */

	memset(&bi, 0, sizeof(bi));
	bi.magic = HUSK_BOOT_MAGIC;
	bi.version = HUSK_BOOT_VERSION;
	bi.size = sizeof(bi);
	bi.platform = HUSK_PLATFORM_VMM;
	bi.cpu_features = p->cpu_features;
	bi.xcr0 = p->xcr0;
	bi.tsc_khz = p->tsc_khz;
	bi.initrd_paddr = p->initrd_paddr;
	bi.initrd_size = p->initrd_size;
	bi.nmem = 1;
	bi.mem[0].base = 0;
	bi.mem[0].size = p->mem_size;
	bi.mem[0].type = HUSK_MEM_RAM;
	memcpy(bi.cmdline, p->cmdline,
	       strnlen(p->cmdline, sizeof(bi.cmdline) - 1));
	bi.ndev = p->ndev < HUSK_MAX_DEVICES ? p->ndev : HUSK_MAX_DEVICES;
	memcpy(bi.dev, p->dev, bi.ndev * sizeof(bi.dev[0]));
	memcpy(dst, &bi, sizeof(bi));
}

void bootinfo_set_clock(void *dst, uint64_t tsc, uint64_t wall_ns)
{
	char *b = dst;

	memcpy(b + offsetof(struct husk_boot_info, tsc_at_boot), &tsc, 8);
	memcpy(b + offsetof(struct husk_boot_info, wall_ns_at_boot), &wall_ns, 8);
	memcpy(b + offsetof(struct husk_boot_info, tsc_at_entry), &tsc, 8);
}
