/*
 * The library OS starts here, in ring 3, with the machine already built
 * (by husk-vmm, or by the PVH entry). Set up console, clock and memory,
 * then run the program linked into the image.
 */
#include <husk/abi.h>
#include <husk/bootinfo.h>
#include "clock.h"
#include "cmdline.h"
#include "console.h"
#include "lib.h"
#include "mm.h"
#include "platform.h"
#include "sched/thread.h"

#define MAX_WORDS 128

const struct platform_ops *platform;
const struct husk_boot_info *boot_info;
volatile uint8_t husk_never;
char **husk_options; /* the kernel options, NULL-terminated */
/* QEMU microvm's descriptions of its virtio-mmio devices, NULL-terminated
 * (kernel/drivers/probe.c reads them). */
char *husk_device_words[MAX_WORDS];

int main(int argc, char **argv);

static void platform_init(const struct husk_boot_info *bi)
{
	/* A bad boot info means a broken starter; say so the one way we
	 * can: husk-vmm's exit port (on QEMU it faults, which ends the VM). */
	if (bi->magic != HUSK_BOOT_MAGIC || bi->version != HUSK_BOOT_VERSION)
		platform_vmm.exit(HUSK_STATUS_PANIC, HUSK_EXIT_PANIC, 0);
	platform = bi->platform == HUSK_PLATFORM_VMM ? &platform_vmm
						    : &platform_qemu;
	boot_info = bi;
}

/* QEMU microvm appends "virtio_mmio.device=SIZE@ADDR:IRQ" words to the
 * command line it was given, so they land among the options, or at the
 * end of the program's arguments after "--": they are for the drivers,
 * never for the program. Only on the PVH path (husk-vmm lists its devices
 * in the boot info), and in argv only as the trailing run QEMU writes. */
static int is_device_word(const char *w)
{
	return !strncmp(w, "virtio_mmio.device=", 19);
}

static void take_device_words(struct cmdline *c)
{
	int n = 0, k = 0;

	if (boot_info->platform != HUSK_PLATFORM_PVH)
		return;
	for (int i = 0; i < c->nopts; i++) {
		if (is_device_word(c->opts[i]))
			husk_device_words[n++] = c->opts[i];
		else
			c->opts[k++] = c->opts[i];
	}
	c->opts[c->nopts = k] = 0;
	k = c->argc;
	while (k > 0 && is_device_word(c->argv[k - 1]))
		k--;
	for (int i = k; i < c->argc && n < MAX_WORDS - 1; i++)
		husk_device_words[n++] = c->argv[i];
	c->argv[c->argc = k] = 0;
	husk_device_words[n] = 0;
}

/* tsc_start: the TSC at husk_start, the first instruction on husk-vmm. */
/*
 * The first guest instruction is husk_start on husk-vmm, pvh_start32 on the
 * PVH path (boot_info->tsc_at_entry there). On husk-vmm, tsc_at_entry is the
 * monitor's last TSC read before the VM entry, so the second figure adds
 * the cost of entering the VM.
 */
static void report_boot_time(const struct husk_boot_info *bi,
			     uint64_t tsc_start, uint64_t t_main)
{
	if (bi->platform != HUSK_PLATFORM_VMM) {
		kprintf("husk: boot: %lu ns from first instruction to main\n",
			tsc_to_ns(t_main - bi->tsc_at_entry));
		return;
	}
	kprintf("husk: boot: %lu ns from first instruction to main "
		"(%lu ns from the monitor's VM entry)\n",
		tsc_to_ns(t_main - tsc_start), tsc_to_ns(t_main - bi->tsc_at_entry));
}

void husk_main(const struct husk_boot_info *bi, uint64_t tsc_start)
{
	static char line[HUSK_CMDLINE_MAX];
	static char *optv[MAX_WORDS], *argv[MAX_WORDS];
	static char *fallback[] = { "husk", 0 };
	struct cmdline c;
	uint64_t t_main;

	platform_init(bi);
	clock_init(bi);
	mm_init(bi);
	sched_init();
	if (platform->start)
		platform->start();
	memcpy(line, bi->cmdline, sizeof(line));
	line[sizeof(line) - 1] = 0;
	cmdline_parse(line, &c, optv, argv, MAX_WORDS);
	take_device_words(&c);
	husk_options = c.opts;
	if (!c.argc) {
		c.argc = 1;
		c.argv = fallback;
	}
	t_main = rdtsc();
	if (cmdline_has(&c, "husk.boottime"))
		report_boot_time(bi, tsc_start, t_main);
	husk_exit(main(c.argc, c.argv));
}
