/*
 * features: what this runtime implements (runtime-spec features.md),
 * fixed at build time as the spec asks. No namespaces, cgroups or
 * security modules are listed: the isolation is the VM's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "launch.h"
#include "runtime.h"

static int run(int argc, char **argv);

const struct rt_verb rt_verb_features = {
	.name = "features",
	.usage = "",
	.summary = "print the implemented features (JSON)",
	.run = run,
};

static json_t *features(void)
{
	json_t *linux_obj = json_pack(
		"{s:[], s:[], s:{s:b, s:b, s:b, s:b}, s:{s:b}, s:{s:b}, s:{s:b}}",
		"namespaces", "capabilities",
		"cgroup", "v1", 0, "v2", 0, "systemd", 0, "systemdUser", 0,
		"seccomp", "enabled", 0, "apparmor", "enabled", 0,
		"selinux", "enabled", 0);
	json_t *f = json_pack("{s:s, s:s, s:[s, s, s, s], s:[], s:o}",
			      "ociVersionMin", "1.0.0",
			      "ociVersionMax", RT_SPEC_VERSION,
			      "hooks", "prestart", "createRuntime", "poststart",
			      "poststop", "mountOptions", "linux", linux_obj);
	json_t *annotations = json_pack("{s:s}", "io.husk.runtime.version",
					RT_VERSION);

	json_object_set_new(f, "annotations", annotations);
	return f;
}

static int run(int argc, char **argv)
{
	const struct rt_opt opts[] = { { NULL, 0, NULL, NULL } };
	json_t *f;
	char *text;
	int first, rc;

	rc = rt_parse("features", opts, argc, argv, &first);
	if (!rc)
		rc = rt_need_args("features", rt_verb_features.usage, argc, first, 0, 0);
	if (rc)
		return rc;
	f = features();
	text = f ? json_dumps(f, JSON_INDENT(4)) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(f);
	return text ? 0 : rt_fail("out of memory");
}
