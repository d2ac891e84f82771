/*
 * A filesystem step (COPY, ADD, RUN, WORKDIR) works on an overlay of the
 * stage's tree: whatever it changes lands in the upper directory and
 * nowhere else, so the upper directory is the step's layer. After the
 * step the layer is stored in the cache and applied onto the tree, so
 * the next step sees it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "build_int.h"

/* Overlay mounts stay in the build's own mount namespace, so a build
 * that dies leaves none behind; made at the first step that mounts. */
static int private_mounts(struct build *b)
{
	if (b->private_mounts || geteuid() != 0)
		return 0;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return store_fail_errno("cannot make a private mount namespace");
	b->private_mounts = true;
	return 0;
}

int fs_step_begin(struct build *b, struct stage_state *ss, struct fs_step *fs)
{
	int rc = private_mounts(b);

	fs->mounted = false;
	fs->upper[0] = fs->work[0] = fs->merged[0] = '\0';
	if (!rc)
		rc = stage_root(b, ss);
	if (!rc)
		rc = build_scratch_dir(b, "upper", fs->upper, sizeof(fs->upper));
	if (!rc)
		rc = build_scratch_dir(b, "work", fs->work, sizeof(fs->work));
	if (!rc)
		rc = build_scratch_dir(b, "merged", fs->merged, sizeof(fs->merged));
	if (!rc)
		rc = overlay_mount(ss->root, fs->upper, fs->work, fs->merged);
	fs->mounted = !rc;
	return rc;
}

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	while (d && empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return empty;
}

/* Only once unmounted: removing through the overlay would be a change. */
static void cleanup(struct fs_step *fs)
{
	if (fs->mounted)
		return;
	if (fs->upper[0])
		remove_tree(fs->upper);
	if (fs->work[0])
		remove_tree(fs->work);
	if (fs->merged[0])
		remove_tree(fs->merged);
}

static int apply_built(struct build *b, struct stage_state *ss,
		       const struct build_layer *l)
{
	char path[BUILD_PATH];
	int fd, rc = cache_blob_path(b, &l->digest, path, sizeof(path));

	if (rc)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return store_fail_errno("%s", path);
	rc = layer_apply(fd, ss->root, path);
	close(fd);
	return rc;
}

int fs_step_unmount(struct fs_step *fs)
{
	int rc = fs->mounted ? overlay_unmount(fs->merged) : 0;

	fs->mounted = rc != 0;
	return rc;
}

int fs_step_end(struct build *b, struct stage_state *ss, struct fs_step *fs,
		struct cache_entry *e)
{
	int rc = fs_step_unmount(fs);

	if (!rc)
		rc = overlay_to_oci(fs->upper);
	e->has_layer = !rc && !dir_empty(fs->upper);
	if (!rc && e->has_layer)
		rc = cache_put_layer(b, fs->upper, &e->layer);
	if (!rc && e->has_layer)
		rc = apply_built(b, ss, &e->layer);
	if (!rc && e->has_layer) {
		rc = stage_add_layer(ss, &e->layer);
		ss->applied = ss->nlayers;
	}
	cleanup(fs);
	return rc;
}

void fs_step_abort(struct fs_step *fs)
{
	fs_step_unmount(fs);
	cleanup(fs);
}
