/*
 * For the tests of the cpio writers: where an entry's data starts in a
 * newc archive, parsed by hand (the offsets are what is tested).
 */
#ifndef HUSK_TEST_NEWC_SCAN_H
#define HUSK_TEST_NEWC_SCAN_H

#include <stdlib.h>
#include <string.h>

/* The offset of the data of the entry named want, or -1; *pads: how many
 * padding entries (regular files named ".") the archive holds. */
static long newc_data_offset(const unsigned char *ar, size_t size,
			     const char *want, int *pads)
{
	size_t off = 0;
	long found = -1;

	*pads = 0;
	while (off + 110 <= size && !memcmp(ar + off, "0707", 4)) {
		char hex[9] = { 0 };
		unsigned long mode, fsize, nsize;
		const char *name = (const char *)ar + off + 110;
		size_t data;

		memcpy(hex, ar + off + 14, 8);
		mode = strtoul(hex, NULL, 16);
		memcpy(hex, ar + off + 54, 8);
		fsize = strtoul(hex, NULL, 16);
		memcpy(hex, ar + off + 94, 8);
		nsize = strtoul(hex, NULL, 16);
		data = (off + 110 + nsize + 3) & ~(size_t)3;
		if (!strcmp(name, "TRAILER!!!"))
			break;
		if (!strcmp(name, ".") && (mode & 0170000) == 0100000)
			(*pads)++;
		if (!strcmp(name, want))
			found = (long)data;
		off = (data + fsize + 3) & ~(size_t)3;
	}
	return found;
}

#endif
