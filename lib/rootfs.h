/*
 * Root filesystems for husk-vmm's --initrd: an image's layers flattened
 * into one cpio "newc" archive, the format the guest mounts.
 *
 * The layers (tar, tar+gzip, tar+zstd) are applied in order with OCI's
 * whiteouts: ".wh.NAME" deletes NAME from the layers below, and
 * ".wh..wh..opq" empties its directory of what the layers below put
 * there. Modes, owners, symbolic links, hard links and mtimes are kept.
 * The result is written in byte order of the paths, so every directory
 * comes before what it holds (the guest insists), and directories that
 * no layer names are added (0755, root).
 *
 * The archive is cached in $HUSK_HOME/rootfs/<manifest hex>.v2.cpio
 * (v2: ELF data page-aligned, rootfs_newc.h), written like the store's
 * files (temporary in tmp/, fsync, rename), so a run of an image already
 * flattened costs one stat. `husk system prune` removes the archives of
 * images that are gone, and those of an older layout.
 */
#ifndef HUSK_ROOTFS_H
#define HUSK_ROOTFS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Where the archive of the image with this manifest lives (or will). */
int rootfs_path(const struct store *s, const struct digest *manifest,
		char *buf, size_t n);

/*
 * The image's archive, made when it is not in the cache yet (takes the
 * store's shared lock while reading the layers). path receives its name.
 */
int rootfs_ensure(struct store *s, const struct image *img, char *path,
		  size_t n);

/* Flattens the layers of img into the cpio archive written to fd. */
int rootfs_flatten(struct store *s, const struct image *img, int fd);

/*
 * Removes cached archives whose manifest no image in index.json has
 * (needs the exclusive lock). Adds the bytes freed to *bytes.
 */
int rootfs_prune(struct store *s, int64_t *bytes);

/*
 * Docker's lookup of a command without a slash: the first directory of
 * search_path (a PATH value) in which the archive has name as an
 * executable file or a symbolic link. out receives "/dir/name".
 * STORE_NOT_FOUND when no directory has it.
 */
int rootfs_find_command(const char *cpio, const char *search_path,
			const char *name, char *out, size_t n);

/* ---- rootfs_tree.c: the flattened tree, built layer by layer ---- */

struct archive_entry;

struct rootfs_node {
	char *path;                   /* "bin/sh": no "./", no trailing "/" */
	struct archive_entry *entry;  /* NULL once whited out */
	unsigned layer;
	int64_t data_off;             /* in the spool file; -1: no data */
	char *link_target;            /* a hard link: the path it names */
};

struct rootfs_tree {
	struct rootfs_node *v;
	size_t n, cap;
	size_t *slots;                /* open addressing: index + 1, 0 empty */
	size_t nslots;
};

/*
 * A layer entry's path, normalized ("./a//b/" is "a/b", the root is "").
 * Refuses absolute paths and any ".." with a message naming the entry.
 */
int rootfs_clean_path(const char *raw, char *out, size_t n);

struct rootfs_node *rootfs_tree_find(struct rootfs_tree *t, const char *path);
/* Adds path or replaces what a lower layer had there; takes entry. */
int rootfs_tree_put(struct rootfs_tree *t, const char *path,
		    struct archive_entry *entry, unsigned layer,
		    int64_t data_off, const char *link_target);
/* ".wh.NAME": path and everything under it go. */
void rootfs_tree_whiteout(struct rootfs_tree *t, const char *path);
/* ".wh..wh..opq": what layers below `layer` put under dir goes. */
void rootfs_tree_opaque(struct rootfs_tree *t, const char *dir,
			unsigned layer);
void rootfs_tree_free(struct rootfs_tree *t);

/* ---- rootfs_cpio.c ---- */

/* Writes the tree (data read back from spool) as cpio newc to fd. */
int rootfs_flatten_write(struct rootfs_tree *t, struct archive_entry *root,
			 int spool, int fd);

#endif
