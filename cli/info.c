/*
 * husk info: what this machine gives husk (is KVM usable, which monitor a
 * run will use), the store's place and what it holds. The questions a
 * user asks first when a guest is slow or will not start.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

#include "container_cli.h"

static int run(int argc, char **argv);

const struct verb verb_info = {
	.name = "info",
	.summary = "Display system-wide information",
	.usage = "",
	.help = "",
	.run = run,
};

static int64_t disk_used;

static int add_blocks(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)path; (void)flag; (void)ftw;
	disk_used += (int64_t)st->st_blocks * 512;
	return 0;
}

static void print_monitor(void)
{
	const char *why = launch_kvm_problem();
	enum launch_monitor m;

	if (why)
		printf(" KVM:          not usable (/dev/kvm: %s)\n", why);
	else
		printf(" KVM:          usable (/dev/kvm)\n");
	if (launch_monitor(&m))
		printf(" Monitor:      %s\n", store_error());
	else
		printf(" Monitor:      %s\n", launch_monitor_describe(m));
}

static void print_store(struct store *s)
{
	struct image_list il = { 0 };
	struct container_list cl = { 0 };
	size_t i, running = 0;
	char used[32];

	if (!store_list(s, &il))
		printf(" Images:       %zu\n", il.n);
	if (!container_list(s, &cl)) {
		for (i = 0; i < cl.n; i++)
			running += cl.v[i].state.status == CONTAINER_RUNNING;
		printf(" Containers:   %zu (running %zu)\n", cl.n, running);
	}
	image_list_free(&il);
	container_list_free(&cl);
	nftw(s->root, add_blocks, 16, FTW_PHYS);
	human_size(disk_used, used, sizeof(used));
	printf(" Store:        %s\n Disk used:    %s (images, root "
	       "filesystems, containers)\n", s->root, used);
}

static int run(int argc, char **argv)
{
	struct store s;
	int nargs, rc;

	rc = opts_parse(&verb_info, NULL, argc, argv, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (nargs)
		return opts_usage_error(&verb_info, "\"husk info\" accepts no "
					"arguments");
	printf("husk %s\n", HUSK_VERSION);
	print_monitor();
	rc = cli_open_store(&s);
	if (rc)
		return rc;
	print_store(&s);
	store_close(&s);
	return 0;
}
