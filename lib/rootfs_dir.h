/*
 * Root filesystems from a directory tree (an OCI bundle's root.path, as
 * docker, podman and containerd mount it) for husk-vmm's --initrd: the
 * same cpio "newc" layout as rootfs.h's archives of an image's layers,
 * ELF data page-aligned the same way (rootfs_newc.h).
 *
 * The archive is cached by content in CACHE/<sha256 hex>.cpio: the key is
 * a SHA-256 over the archive's layout version and every entry's path,
 * type, permissions, owner, symbolic link target and file content, in
 * path order. Times are left out on purpose: an engine lays out a fresh
 * tree for every container (docker's per-container init layer has new
 * times each time), and the same image must hit the cache; the archive
 * keeps the times of the tree that made it. A hit reads the tree once and
 * writes nothing.
 *
 * The walk never follows a symbolic link (every step is an openat with
 * O_NOFOLLOW below the root's descriptor), so links in the tree stay
 * links for the guest to resolve inside its own root and cannot lead the
 * host outside the tree. Regular files, directories and symbolic links
 * are kept; hard links become separate copies; devices, FIFOs and
 * sockets are left out (the guest has its own /dev).
 */
#ifndef HUSK_ROOTFS_DIR_H
#define HUSK_ROOTFS_DIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "digest.h"

struct rootfs_dir_entry {
	char *path;           /* "bin/sh": relative, no "./" */
	struct stat st;
	char *link;           /* a symbolic link's target */
};

struct rootfs_dir {
	int root_fd;
	struct stat root_st;
	struct rootfs_dir_entry *v;  /* in byte order of path */
	size_t n, cap;
};

/* ---- rootfs_walk.c ---- */

/* Reads the tree under root (lstat only), sorted by path. */
int rootfs_dir_walk(const char *root, struct rootfs_dir *d);
void rootfs_dir_free(struct rootfs_dir *d);
/* Opens an entry without following links (O_NOFOLLOW each step); -1 on failure. */
int rootfs_dir_open(const struct rootfs_dir *d, const char *path);

/* ---- rootfs_dir.c ---- */

/* The content key of a walked tree. */
int rootfs_dir_key(const struct rootfs_dir *d, struct digest *key);

/* Writes the walked tree as cpio newc to fd; *key: what was written. */
int rootfs_dir_write(const struct rootfs_dir *d, int fd, struct digest *key);

/*
 * The cpio of the tree under root, from cache_dir (created when missing)
 * or made into it; path receives its name.
 */
int rootfs_dir_ensure(const char *root, const char *cache_dir, char *path,
		      size_t n);

#endif
