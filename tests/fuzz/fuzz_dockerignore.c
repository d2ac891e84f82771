/*
 * .dockerignore patterns (lib/dockerignore.c), which `husk build` matches
 * against every path of the build context. The input is the ignore file,
 * then a NUL byte, then context paths, one per line. What parses must
 * keep dockerignore.h's promises for every path: a directory a walk may
 * skip is excluded, and so is everything below it (a skipped directory
 * must not hide a file an exception pattern brings back); a path and its
 * cleaned spellings get the same answer. Errors are one line naming the
 * file. Matching must take time linear in pattern x path (libFuzzer's
 * -timeout catches a backtracking matcher).
 */
#include "fuzz.h"
#include "dockerignore.h"

#define MAX_PATH_LEN 512

static void check_path(const struct dockerignore *di, const char *path)
{
	char below[MAX_PATH_LEN + 16], dotted[MAX_PATH_LEN + 16];
	bool excluded = dockerignore_excluded(di, path);

	snprintf(dotted, sizeof(dotted), "./%s/", path);
	FUZZ_ASSERT(dockerignore_excluded(di, dotted) == excluded);
	if (!dockerignore_skip_dir(di, path))
		return;
	FUZZ_ASSERT(excluded);
	snprintf(below, sizeof(below), "%s/f", path);
	FUZZ_ASSERT(dockerignore_excluded(di, below));
	snprintf(below, sizeof(below), "%s/a/b", path);
	FUZZ_ASSERT(dockerignore_excluded(di, below));
}

static void check_paths(const struct dockerignore *di, const char *p,
			const char *end)
{
	char path[MAX_PATH_LEN + 1];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n <= MAX_PATH_LEN && !memchr(p, 0, n)) {
			memcpy(path, p, n);
			path[n] = 0;
			check_path(di, path);
		}
		p += n + 1;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, 0, size);
	size_t tlen = nul ? (size_t)(nul - text) : size;
	struct dockerignore di;
	char err[256];

	if (dockerignore_parse("ctx/.dockerignore", text, tlen, &di, err,
			       sizeof(err))) {
		FUZZ_ASSERT(memchr(err, 0, sizeof(err)) && !strchr(err, '\n'));
		FUZZ_ASSERT(!strncmp(err, "ctx/.dockerignore:", 18));
		return 0;
	}
	if (nul)
		check_paths(&di, nul + 1, text + size);
	dockerignore_free(&di);
	return 0;
}
