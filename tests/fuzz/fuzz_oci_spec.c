/*
 * husk-runtime's config.json reader (lib/oci_spec*.c): the input is
 * config.json, read against a bundle made here with a rootfs/, a file, a
 * link inside and a link out of it. What is accepted must keep
 * oci_spec.h's promises: a root inside the bundle (or an absolute one
 * other than the host's "/"), a non-empty program, an absolute cwd,
 * KEY=VALUE environment, a memory limit husk-vmm takes; errors are one
 * message naming config.json.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "oci_spec.h"
#include "store.h"

static char bundle[PATH_MAX];
static pid_t owner;

static void cleanup(void)
{
	char cmd[PATH_MAX + 16];

	/* Only the process that made it: replay.c forks one per input. */
	if (getpid() == owner && bundle[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bundle);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", bundle);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char tmpl[] = "/tmp/husk-fuzz-oci-XXXXXX", path[PATH_MAX + 32];

	(void)argc, (void)argv;
	FUZZ_ASSERT(mkdtemp(tmpl) && realpath(tmpl, bundle));
	owner = getpid();
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	FUZZ_ASSERT(!mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/file", bundle);
	FUZZ_ASSERT(!close(creat(path, 0644)));
	snprintf(path, sizeof(path), "%s/in", bundle);
	FUZZ_ASSERT(!symlink("rootfs", path));
	snprintf(path, sizeof(path), "%s/out", bundle);
	FUZZ_ASSERT(!symlink("/usr", path));
	return 0;
}

static void check(const struct oci_spec *s)
{
	size_t n = strlen(bundle), i;
	const char *path;
	struct stat st;

	FUZZ_ASSERT(s->root[0] == '/' && strcmp(s->root, "/"));
	FUZZ_ASSERT(!stat(s->root, &st) && S_ISDIR(st.st_mode));
	FUZZ_ASSERT(s->oci_version && !strncmp(s->oci_version, "1.", 2));
	FUZZ_ASSERT(json_array_size(s->args) > 0);
	FUZZ_ASSERT(json_string_length(json_array_get(s->args, 0)) > 0);
	FUZZ_ASSERT(s->cwd && s->cwd[0] == '/');
	for (i = 0; i < json_array_size(s->env); i++) {
		const char *kv = json_string_value(json_array_get(s->env, i));
		FUZZ_ASSERT(kv && strchr(kv, '=') && kv[0] != '=');
	}
	FUZZ_ASSERT(s->memory >= 0 && s->memory <= 1LL << 40);
	FUZZ_ASSERT(!s->netns_path || s->netns_path[0] == '/');
	/* A relative root.path stays in the bundle, through links too. */
	path = json_string_value(json_object_get(json_object_get(s->doc, "root"),
						 "path"));
	FUZZ_ASSERT(path && path[0]);
	if (path[0] != '/')
		FUZZ_ASSERT(!strncmp(s->root, bundle, n) &&
		    (!s->root[n] || s->root[n] == '/'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_spec s;
	const char *e;

	if (oci_spec_parse((const char *)data, size, bundle, &s) == 0) {
		check(&s);
		oci_spec_free(&s);
		return 0;
	}
	e = store_error();
	FUZZ_ASSERT(!strncmp(e, "config.json", 11));
	return 0;
}
