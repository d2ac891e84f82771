/*
 * A build step's overlay: the stage's tree as the read-only lower
 * directory, an empty upper directory that receives exactly what the
 * step changes. overlayfs marks deletions with its own whiteouts (0:0
 * character devices) and replaced directories with an "opaque" xattr;
 * OCI layers spell both as files (".wh.NAME", ".wh..wh..opq"), so the
 * upper directory is rewritten before it becomes a layer.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "build_int.h"

#define OPAQUE_XATTR "trusted.overlay.opaque"

int overlay_mount(const char *lower, const char *upper, const char *work,
		  const char *merged)
{
	char opts[3 * BUILD_PATH + 64];

	if (snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
		     lower, upper, work) >= (int)sizeof(opts))
		return store_fail(STORE_ERR, "%s: path too long for an overlay", lower);
	if (mount("overlay", merged, "overlay", 0, opts))
		return store_fail_errno("cannot mount an overlay on %s (husk build "
					"needs root and overlayfs)", merged);
	return 0;
}

int overlay_unmount(const char *merged)
{
	if (umount2(merged, MNT_DETACH))
		return store_fail_errno("cannot unmount %s", merged);
	return 0;
}

static int make_marker(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return store_fail_errno("cannot write the whiteout %s", name);
	close(fd);
	return 0;
}

static int whiteout_to_file(int dirfd, const char *name, const char *path)
{
	char marker[NAME_MAX + 8];

	if (snprintf(marker, sizeof(marker), ".wh.%s", name) >= (int)sizeof(marker))
		return store_fail(STORE_ERR, "%s: name too long for a whiteout", path);
	if (unlinkat(dirfd, name, 0))
		return store_fail_errno("%s", path);
	return make_marker(dirfd, marker);
}

static int convert_dir(const char *path);

static int convert_entry(int dirfd, const char *dir, const char *name)
{
	char path[BUILD_PATH];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return store_fail(STORE_ERR, "%s: path too long", dir);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return store_fail_errno("%s", path);
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return whiteout_to_file(dirfd, name, path);
	if (S_ISDIR(st.st_mode))
		return convert_dir(path);
	return 0;
}

static int convert_opaque(const char *path)
{
	char v[4];
	ssize_t k = lgetxattr(path, OPAQUE_XATTR, v, sizeof(v));
	int fd, rc;

	if (k != 1 || v[0] != 'y')
		return 0;
	lremovexattr(path, OPAQUE_XATTR);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return store_fail_errno("%s", path);
	rc = make_marker(fd, ".wh..wh..opq");
	close(fd);
	return rc;
}

static int convert_dir(const char *path)
{
	struct dirent *d;
	DIR *dir = opendir(path);
	int rc;

	if (!dir)
		return store_fail_errno("%s", path);
	rc = convert_opaque(path);
	while (!rc && (d = readdir(dir)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") &&
		    strncmp(d->d_name, ".wh.", 4))
			rc = convert_entry(dirfd(dir), path, d->d_name);
	closedir(dir);
	return rc;
}

int overlay_to_oci(const char *upper)
{
	return convert_dir(upper);
}
