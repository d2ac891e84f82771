/*
 * What both cpio writers (rootfs_cpio.c, an image's layers; rootfs_dir.c,
 * an OCI bundle's tree) share: counting the bytes of the newc archive
 * libarchive writes, and the padding that puts the data of every ELF file
 * of a page or more on a page boundary of the archive, so that the guest
 * can map those pages where the initrd holds them instead of copying them
 * (kernel/sys/mmap_private.c; the monitors load the initrd page-aligned).
 *
 * The padding is an entry of its own before the file: a regular file
 * named "." (no real tree can hold one: "." is the root, written first)
 * whose data is zeros. The guest skips such entries (kernel/fs/cpio.c);
 * other readers list a "." entry and cannot create it.
 */
#ifndef HUSK_ROOTFS_NEWC_H
#define HUSK_ROOTFS_NEWC_H

#include <stdint.h>
#include <sys/types.h>

struct archive;
struct archive_entry;

struct newc_out {
	struct archive *a;
	uint64_t pos;  /* bytes of the archive written so far */
	off_t start;   /* the output's offset at the start; -1: not seekable */
};

/* Opens a newc archive writer on fd (no padding at its end). 0, or
 * STORE_ERR with the reason. */
int newc_open(struct newc_out *o, int fd);
/* Closes it and checks that what was written is what was counted. */
int newc_close(struct newc_out *o, int fd);
/* Writes e's header (and counts the entry: header, name, data) after the
 * padding that puts its data on a page boundary when head (the data's
 * first bytes, n of them) says it is an ELF file of a page or more. */
int newc_put(struct newc_out *o, struct archive_entry *e, const void *head,
	     size_t n);

#endif
