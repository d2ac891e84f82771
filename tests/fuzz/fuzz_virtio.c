/*
 * husk-vmm's virtio-net device behind its virtio-mmio registers
 * (vmm/virtio_mmio.c, virtq.c, net.c), driven by a hostile guest: the
 * input is a script of guest actions on one device in 64 KiB of guest
 * memory (an exact-size allocation, so AddressSanitizer sees any access
 * past it), with a fake backend in place of TAP or slirp. Each action
 * takes one byte, then its operands (little-endian):
 *   0 off:2 len:1 value:8  MMIO write (off < 4 KiB, len 0-8)
 *   1 off:2 len:1          MMIO read
 *   2 addr:2 n:1 bytes:n   the guest writes its memory (rings, buffers)
 *   3                      one pass of the I/O thread (net_process)
 *   4 len:2                the backend has a frame of len bytes for the guest
 *   5                      the I/O thread asks whether rx buffers wait
 * Whatever the guest does, the device may stop (NEEDS_RESET), never
 * husk-vmm; frames handed to the backend are at most NET_FRAME_MAX.
 */
#include <unistd.h>

#include "fuzz.h"
#include "vmm.h"

#define MEM_SIZE (64u << 10)
#define FRAMES_MAX 8

struct fake {
	struct net_backend b;
	unsigned pending;         /* frames the guest has not taken */
	uint16_t len[FRAMES_MAX];
	unsigned long sent;
};

static void fake_send(struct net_backend *b, const uint8_t *frame, size_t len)
{
	static uint8_t sink[NET_FRAME_MAX];
	struct fake *f = (struct fake *)b;

	FUZZ_ASSERT(len > 0 && len <= NET_FRAME_MAX);
	memcpy(sink, frame, len);
	f->sent++;
}

static size_t fake_recv(struct net_backend *b, uint8_t *buf)
{
	struct fake *f = (struct fake *)b;
	size_t len;

	if (!f->pending)
		return 0;
	len = f->len[--f->pending];
	memset(buf, 0xab, len);
	return len;
}

static void fake_close(struct net_backend *b)
{
	(void)b;
}

static const struct net_backend_ops fake_ops = {
	.name = "fuzz",
	.send = fake_send,
	.recv = fake_recv,
	.close = fake_close,
};

static void mmio(struct net_dev *n, struct fuzz_in *in, int write)
{
	uint64_t off = fuzz_uint(in, 2) % VMM_MMIO_STRIDE;
	unsigned len = (unsigned)fuzz_uint(in, 1) % 9;
	uint8_t data[8]; /* KVM's mmio.data */
	uint64_t v;

	if (write) {
		v = fuzz_uint(in, 8);
		memcpy(data, &v, 8);
		virtio_mmio_write(&n->vdev, off, data, len);
	} else {
		virtio_mmio_read(&n->vdev, off, data, len);
	}
}

static void poke(struct guest_mem *g, struct fuzz_in *in)
{
	uint64_t addr = fuzz_uint(in, 2);
	size_t want = (size_t)fuzz_uint(in, 1), got;
	const uint8_t *p = fuzz_bytes(in, want, &got);

	if (got > g->size - addr)
		got = g->size - addr;
	memcpy(g->base + addr, p, got);
}

static void step(struct net_dev *n, struct fake *f, struct guest_mem *g,
		 struct fuzz_in *in)
{
	switch (fuzz_uint(in, 1) % 6) {
	case 0: mmio(n, in, 1); break;
	case 1: mmio(n, in, 0); break;
	case 2: poke(g, in); break;
	case 3: net_process(n); break;
	case 4:
		if (f->pending < FRAMES_MAX)
			f->len[f->pending++] = (uint16_t)(1 + fuzz_uint(in, 2) %
							   NET_FRAME_MAX);
		break;
	case 5: net_wants_rx(n); break;
	}
}

static int inside(const struct guest_mem *g, const void *p, size_t len)
{
	const uint8_t *b = p;

	return b >= g->base && len <= g->size &&
	       (size_t)(b - g->base) <= g->size - len;
}

/* What virtq_start promises for a ready queue, whatever came after. */
static void check_queues(const struct net_dev *n, const struct guest_mem *g)
{
	for (unsigned i = 0; i < n->vdev.nqueues; i++) {
		const struct virtq *q = &n->vdev.q[i];
		if (!q->ready)
			continue;
		FUZZ_ASSERT(q->num && q->num <= VIRTQ_NUM_MAX &&
			    !(q->num & (q->num - 1)));
		FUZZ_ASSERT(inside(g, q->desc, VIRTQ_DESC_BYTES(q->num)) &&
			    inside(g, q->avail, VIRTQ_AVAIL_BYTES(q->num)) &&
			    inside(g, q->used, VIRTQ_USED_BYTES(q->num)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	struct fuzz_in in = { data, size };
	struct guest_mem g = { calloc(1, MEM_SIZE), MEM_SIZE, MEM_SIZE };
	struct fake f = { .b = { &fake_ops, 0 } };
	static struct net_dev n; /* large: not on the stack */

	FUZZ_ASSERT(g.base);
	FUZZ_ASSERT(net_create(&n, &g, VMM_MMIO_PADDR(0), mac, &f.b) == 0);
	while (fuzz_more(&in)) {
		step(&n, &f, &g, &in);
		check_queues(&n, &g);
	}
	/* What net_stop does when no I/O thread ran (iothread.c is not
	 * linked: it would bring the seccomp filter). */
	close(n.kick_fd[0]);
	close(n.kick_fd[1]);
	close(n.stop_fd);
	pthread_mutex_destroy(&n.vdev.lock);
	free(g.base);
	return 0;
}
