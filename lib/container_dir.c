/*
 * Record directories: made ready out of sight and renamed into place, and
 * kept for reuse once their container is gone.
 *
 * Every `husk run --rm` makes a record and the next reader removes it, so
 * a directory is made and removed per run. Both are slow where it
 * matters: on ext4 mounted with -o discard (cloud disks) a mkdir costs
 * ~0.15 ms and an rmdir ~1.4 ms, as much as husk run's whole budget over
 * husk-vmm, while a rename costs microseconds. So a removed record's
 * directory is emptied and parked in containers/spare/N (N < SPARE_SLOTS)
 * rather than removed, and a new record is written into a spare one, then
 * renamed to its ID: readers, which only look at 64-hex-digit names, never
 * see a record without both its files.
 *
 * Retiring empties the record first: one killed halfway leaves its
 * directory without config.json or state.json, which no record ever
 * lacks once published, so the next reader that meets it finishes the
 * removal (container_dir_incomplete, lib/container.c).
 *
 * Callers hold the containers lock: that is what keeps two processes
 * from taking the same spare directory.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"

#define SPARE_SLOTS 8

static void spare_path(const char *root, int slot, char *buf, size_t n)
{
	snprintf(buf, n, "%s/spare/%d", root, slot);
}

/* Unlinks what is in dir (a record holds files only). */
static int empty_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : store_fail_errno("cannot read %s", dir);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    unlinkat(dirfd(d), e->d_name, 0) && errno != ENOENT)
			rc = store_fail_errno("cannot remove %s/%s", dir, e->d_name);
	closedir(d);
	return rc;
}

int container_dir_begin(const char *root, char *buf, size_t n)
{
	char spare[4096];
	int slot;

	/*
	 * Parked ones were emptied. One a creator killed halfway left holds
	 * at most config.json and state.json, which the next creator
	 * rewrites whole (container_put_file truncates).
	 */
	for (slot = 0; slot < SPARE_SLOTS; slot++) {
		spare_path(root, slot, buf, n);
		if (!access(buf, F_OK))
			return 0;
	}
	/* None parked: a new one, in slot 0, where a crash leaves it reusable. */
	snprintf(spare, sizeof(spare), "%s/spare", root);
	if (mkdir(spare, 0700) && errno != EEXIST)
		return store_fail_errno("cannot create %s", spare);
	spare_path(root, 0, buf, n);
	if (mkdir(buf, 0700))
		return store_fail_errno("cannot create %s", buf);
	return 0;
}

int container_dir_publish(const char *staged, const char *dir, int sync)
{
	if (rename(staged, dir))
		return store_fail_errno("cannot rename %s to %s", staged, dir);
	return sync ? fsync_dir_of(dir) : 0;
}

int container_dir_retire(const char *root, const char *dir)
{
	char spare[4096];
	int slot, rc = empty_dir(dir);

	for (slot = 0; !rc && slot < SPARE_SLOTS; slot++) {
		spare_path(root, slot, spare, sizeof(spare));
		/* Never onto a parked one: replacing it would remove it. */
		if (!renameat2(AT_FDCWD, dir, AT_FDCWD, spare, RENAME_NOREPLACE))
			return 0;
		if (errno != EEXIST)
			break; /* no spare/ yet, or renameat2 unsupported */
	}
	if (!rc && rmdir(dir) && errno != ENOENT)
		rc = store_fail_errno("cannot remove %s", dir);
	return rc;
}

int container_dir_incomplete(const char *dir)
{
	char path[4096 + 64];
	struct stat st;
	int config, state;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return 0; /* no record, or one retired meanwhile */
	snprintf(path, sizeof(path), "%s/config.json", dir);
	config = !access(path, F_OK);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	state = !access(path, F_OK);
	return !config || !state;
}
