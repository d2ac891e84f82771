/*
 * husk-vmm's paravirtual console (vmm/console.c, called by run.c on
 * HUSK_PORT_CONSOLE): the guest owns the ring's bytes and its length, the
 * image note gave its size. The input's first two bytes pick that size
 * (the ring is an exact-size allocation, as if it ended guest memory);
 * then a script of guest actions, one byte each and their operands:
 *   0 len:4                 the guest sets the ring's length
 *   1 off:2 n:1 bytes:n     the guest writes into the ring's buffer
 *   2                       the guest writes HUSK_PORT_CONSOLE
 * A flush either writes exactly buf[0, len) and empties the ring, or
 * refuses a length beyond the size and changes nothing.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "vmm.h"

static int out = -1;
static uint8_t seen[1 << 16];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	out = memfd_create("console", MFD_CLOEXEC);
	FUZZ_ASSERT(out >= 0);
	return 0;
}

static void flush(uint8_t *ring, uint64_t size)
{
	struct husk_console *c = (struct husk_console *)ring;
	uint32_t len = c->len;

	FUZZ_ASSERT(ftruncate(out, 0) == 0 && lseek(out, 0, SEEK_SET) == 0);
	if (console_flush(ring, size, out)) {
		FUZZ_ASSERT(len > size && c->len == len);
		return;
	}
	FUZZ_ASSERT(len <= size && c->len == 0);
	FUZZ_ASSERT(pread(out, seen, sizeof(seen), 0) == (ssize_t)len);
	FUZZ_ASSERT(!memcmp(seen, c->buf, len));
}

static void put(uint8_t *ring, uint64_t size, struct fuzz_in *in)
{
	uint64_t off = fuzz_uint(in, 2);
	size_t want = (size_t)fuzz_uint(in, 1), got;
	const uint8_t *p = fuzz_bytes(in, want, &got);

	if (off >= size)
		return;
	if (got > size - off)
		got = size - off;
	memcpy(ring + HUSK_CONSOLE_HDR + off, p, got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint64_t bytes = fuzz_uint(&in, 2); /* the note's console_size */
	uint8_t *ring = calloc(1, HUSK_CONSOLE_HDR + bytes);
	uint32_t len;

	FUZZ_ASSERT(ring);
	while (fuzz_more(&in)) {
		switch (fuzz_uint(&in, 1) % 3) {
		case 0:
			len = (uint32_t)fuzz_uint(&in, 4);
			memcpy(ring, &len, 4);
			break;
		case 1: put(ring, bytes, &in); break;
		case 2: flush(ring, bytes); break;
		}
	}
	free(ring);
	return 0;
}
