/* The newc archives of root filesystems: counting and ELF alignment (see
 * rootfs_newc.h). */
#include <string.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "rootfs_newc.h"
#include "store.h"

#define PAGE 4096
#define NEWC_HDR 110
#define TRAILER_LEN 124 /* "TRAILER!!!": 110 + 11, padded to 4 */

static uint64_t align4(uint64_t x)
{
	return (x + 3) & ~(uint64_t)3;
}

/* What a newc entry with this name and data size takes in the archive. */
static uint64_t entry_len(const char *name, uint64_t size)
{
	return align4(NEWC_HDR + strlen(name) + 1) + align4(size);
}

/* The bytes of data libarchive puts after e's header: a regular file's,
 * or a symbolic link's target. */
static uint64_t data_len(struct archive_entry *e)
{
	const char *target;

	if (archive_entry_filetype(e) == AE_IFREG)
		return (uint64_t)archive_entry_size(e);
	if (archive_entry_filetype(e) == AE_IFLNK &&
	    (target = archive_entry_symlink(e)))
		return strlen(target);
	return 0;
}

static int mappable_elf(struct archive_entry *e, const void *head, size_t n)
{
	return archive_entry_filetype(e) == AE_IFREG &&
	       archive_entry_size(e) >= PAGE && n >= 4 &&
	       !memcmp(head, "\x7f" "ELF", 4);
}

static int fail(struct newc_out *o)
{
	return store_fail(STORE_ERR, "cpio: %s", archive_error_string(o->a));
}

/* The padding entry that puts the data of the next entry, named name, on
 * a page boundary (none when it is there already). */
static int pad_for(struct newc_out *o, const char *name)
{
	static const char zeros[PAGE];
	uint64_t pad_hdr = entry_len(".", 0);
	uint64_t n = (PAGE - (o->pos + pad_hdr + entry_len(name, 0)) % PAGE) % PAGE;
	struct archive_entry *e;
	int rc = 0;

	if ((o->pos + entry_len(name, 0)) % PAGE == 0)
		return 0;
	e = archive_entry_new();
	if (!e)
		return store_fail(STORE_ERR, "out of memory");
	archive_entry_set_pathname(e, ".");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_nlink(e, 1);
	archive_entry_set_size(e, (la_int64_t)n);
	if (archive_write_header(o->a, e) != ARCHIVE_OK ||
	    (n && archive_write_data(o->a, zeros, n) != (la_ssize_t)n))
		rc = fail(o);
	archive_entry_free(e);
	o->pos += pad_hdr + n;
	return rc;
}

int newc_open(struct newc_out *o, int fd)
{
	o->pos = 0;
	o->start = lseek(fd, 0, SEEK_CUR);
	archive_write_set_format_cpio_newc(o->a);
	archive_write_set_bytes_in_last_block(o->a, 1);
	return archive_write_open_fd(o->a, fd) == ARCHIVE_OK ? 0 : fail(o);
}

int newc_put(struct newc_out *o, struct archive_entry *e, const void *head,
	     size_t n)
{
	const char *name = archive_entry_pathname(e);
	int rc = 0;

	if (mappable_elf(e, head, n))
		rc = pad_for(o, name);
	if (!rc && archive_write_header(o->a, e) != ARCHIVE_OK)
		rc = store_fail(STORE_ERR, "cpio: '%s': %s", name,
				archive_error_string(o->a));
	o->pos += entry_len(name, data_len(e));
	return rc;
}

int newc_close(struct newc_out *o, int fd)
{
	off_t end;

	if (archive_write_close(o->a) != ARCHIVE_OK)
		return fail(o);
	/* The padding is only right if the count of what was written is
	 * (offsets count from the archive's start; a pipe is not checked). */
	end = o->start >= 0 ? lseek(fd, 0, SEEK_CUR) : -1;
	if (end >= 0 && (uint64_t)(end - o->start) != o->pos + TRAILER_LEN)
		return store_fail(STORE_ERR, "cpio: wrote %lld bytes, counted %llu",
				  (long long)(end - o->start),
				  (unsigned long long)(o->pos + TRAILER_LEN));
	return 0;
}
