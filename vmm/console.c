/*
 * The paravirtual console: the guest appends to the ring in its memory
 * (struct husk_console) and writes HUSK_PORT_CONSOLE; run.c calls here.
 * The ring's size comes from the image note, checked before the guest
 * ran; the length is the guest's, read once and checked against it.
 */
#include <string.h>

#include "vmm.h"

int console_flush(uint8_t *console, uint64_t size, int fd)
{
	uint32_t len, zero = 0;

	/* One read: the guest may change len under us. */
	memcpy(&len, console, sizeof(len));
	if (len > size) {
		vmm_msg("guest console length %u exceeds the console's %llu "
			"bytes", len, (unsigned long long)size);
		return -1;
	}
	/* A closed or broken stdout loses output but does not stop the
	 * guest (a broken pipe raises SIGPIPE anyway). */
	write_all(fd, console + offsetof(struct husk_console, buf), len);
	memcpy(console, &zero, sizeof(zero));
	return 0;
}
