/*
 * `husk load` (lib/archive_load.c, archive_stage.c, dockerarchive.c,
 * ociarchive.c): the input is the archive file, loaded into a store made
 * here (in /dev/shm when there is one: staging fsyncs every file). A
 * refused archive must leave the store exactly as it was: the same
 * index.json, no blob, nothing left in tmp/. An accepted one is reported
 * and then wiped, so that every input meets the same empty store.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "store.h"

static char dir[PATH_MAX], root[PATH_MAX + 8], pristine[512];
static struct store store;
static pid_t owner;
static unsigned reported;

static void cleanup(void)
{
	/* Only the process that made it: replay.c forks one per input. */
	if (getpid() == owner && dir[0])
		remove_tree(dir);
}

/* The bytes of the store's file name (NUL-terminated), or 0 if absent. */
static size_t slurp(const char *name, char *buf, size_t n)
{
	char path[PATH_MAX + 64];
	FILE *f;
	size_t got;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	got = fread(buf, 1, n - 1, f);
	buf[got] = 0;
	fclose(f);
	return got;
}

/* Entries of the store's directory name, "." and ".." aside. */
static int entries(const char *name)
{
	char path[PATH_MAX + 64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	d = opendir(path);
	FUZZ_ASSERT(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";

	(void)argc, (void)argv;
	snprintf(dir, sizeof(dir), "%s/husk-fuzz-archive-XXXXXX", tmp);
	FUZZ_ASSERT(mkdtemp(dir));
	owner = getpid();
	atexit(cleanup);
	snprintf(root, sizeof(root), "%s/store", dir);
	FUZZ_ASSERT(store_open(&store, root) == 0);
	FUZZ_ASSERT(slurp("index.json", pristine, sizeof(pristine)));
	return 0;
}

static void report(void *arg, const char *verb, const char *what)
{
	(void)arg;
	FUZZ_ASSERT(verb && what && what[0]);
	reported++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char index[sizeof(pristine)];
	int fd = memfd_create("archive", MFD_CLOEXEC), rc;

	FUZZ_ASSERT(fd >= 0 && write(fd, data, size) == (ssize_t)size);
	FUZZ_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	reported = 0;
	rc = store_load(&store, fd, "fuzz.tar", report, NULL);
	close(fd);
	if (rc) {
		FUZZ_ASSERT(store_error()[0] && !reported);
		FUZZ_ASSERT(slurp("index.json", index, sizeof(index)) &&
			    !strcmp(index, pristine));
		FUZZ_ASSERT(entries("tmp") == 0 && entries("blobs/sha256") == 0);
		return 0;
	}
	FUZZ_ASSERT(reported > 0);
	store_close(&store);
	FUZZ_ASSERT(remove_tree(root) == 0);
	FUZZ_ASSERT(store_open(&store, root) == 0);
	return 0;
}
