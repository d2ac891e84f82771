/*
 * husk-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] ARGS: runc's command
 * line. Global options come before the command, as engines write them:
 * --root, --log, --log-format, --systemd-cgroup, --debug, --rootless and
 * --criu (both accepted), and ours, --cache.
 */
#include <stdio.h>
#include <string.h>

#include "launch.h"
#include "runtime.h"

struct rt_global rt = { .root = RT_DEFAULT_ROOT };

static const struct rt_verb *const verbs[] = {
	&rt_verb_create, &rt_verb_start, &rt_verb_state, &rt_verb_kill,
	&rt_verb_delete, &rt_verb_features, &rt_verb_exec, &rt_verb_pause,
	&rt_verb_resume, &rt_verb_update, &rt_verb_checkpoint, &rt_verb_restore,
	&rt_verb_events, &rt_verb_ps, NULL,
};

static void usage(void)
{
	size_t i;

	printf("usage: %s [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n"
	       "An OCI runtime that runs containers as husk unikernels.\n\n"
	       "Commands:\n", RT_NAME);
	for (i = 0; verbs[i]; i++)
		printf("  %-11s %s\n", verbs[i]->name, verbs[i]->summary);
	printf("\nGlobal options:\n"
	       "  --root DIR          state directory (default %s)\n"
	       "  --log FILE          also write errors and warnings to FILE\n"
	       "  --log-format FMT    json or text (default text)\n"
	       "  --cache DIR         cached root filesystems (default\n"
	       "                      /var/cache/husk-runtime for root, or\n"
	       "                      $HUSK_RUNTIME_CACHE)\n"
	       "  --debug             log more (the monitor's command line)\n"
	       "  --systemd-cgroup, --rootless V, --criu P   accepted, no effect\n"
	       "  -v, --version       the version and the monitor in use\n\n"
	       "HUSK_MONITOR=auto|vmm|qemu picks the monitor (auto: husk-vmm when\n"
	       "KVM is usable, else QEMU with TCG, the slow fallback).\n",
	       RT_DEFAULT_ROOT);
}

static int version(void)
{
	enum launch_monitor m;

	printf("%s version %s\nspec: %s\n", RT_NAME, RT_VERSION, RT_SPEC_VERSION);
	if (launch_monitor(&m))
		return rt_fail_lib();
	printf("monitor: %s\n", launch_monitor_describe(m));
	return 0;
}

static int globals(int argc, char **argv, int *first, int *stop)
{
	const char *format = NULL, *ignored = NULL;
	int systemd = 0, show_version = 0, help = 0, rc;
	const struct rt_opt opts[] = {
		{ "root", 0, &rt.root, NULL },
		{ "log", 0, &rt.log, NULL },
		{ "log-format", 0, &format, NULL },
		{ "cache", 0, &rt.cache, NULL },
		{ "debug", 0, NULL, &rt.debug },
		{ "systemd-cgroup", 0, NULL, &systemd },
		{ "rootless", 0, &ignored, NULL },
		{ "criu", 0, &ignored, NULL },
		{ "version", 'v', NULL, &show_version },
		{ "help", 'h', NULL, &help },
		{ NULL, 0, NULL, NULL },
	};

	*stop = 0;
	rc = rt_parse(RT_NAME, opts, argc, argv, first);
	if (rc)
		return rc;
	if (format && strcmp(format, "json") && strcmp(format, "text"))
		return rt_fail("--log-format %s: expected json or text", format);
	rt.log_json = format && !strcmp(format, "json");
	if (show_version || help || *first >= argc) {
		*stop = 1;
		if (show_version)
			return version();
		usage();
		return help ? 0 : RT_EXIT_FAIL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int first, stop, rc, i;

	rc = globals(argc, argv, &first, &stop);
	if (rc || stop)
		return rc;
	for (i = 0; verbs[i]; i++)
		if (!strcmp(verbs[i]->name, argv[first]))
			return verbs[i]->run(argc - first, argv + first);
	return rt_fail("unknown command '%s' (see %s --help)", argv[first], RT_NAME);
}
