/*
 * A hostile guest for husk-vmm's network device (nested-cases.sh runs it
 * with --net user): it drives the virtio-mmio registers and the rings the
 * way no driver should, and reports what the device did. husk-vmm must
 * refuse each abuse with one line and NEEDS_RESET, and run on.
 *   hostile_dev regs      garbage to every register, every width
 *   hostile_dev loop      a descriptor chain that loops
 *   hostile_dev outside   a buffer beyond guest memory
 *   hostile_dev huge      a buffer that claims 4 GiB
 *   hostile_dev indirect  an indirect descriptor (never negotiated)
 *   hostile_dev overlap   a frame read from the rings themselves (legal)
 *   hostile_dev flood     20000 notifies, interrupts never acknowledged
 *   hostile_dev deaf      blocks every interrupt (TPR 15) and spins
 * Exit 0 when the device behaved as expected, 1 when not; the refusals
 * then sleep 3 s, so the test can see husk-vmm idle after them.
 */
#include <husk.h>
#include <husk/abi.h>
#include <husk/bootinfo.h>
#include <husk/virtio.h>

extern const struct husk_boot_info *boot_info;
void *vm_map_io(uint64_t pa, uint64_t len);
uint64_t pmem_alloc(size_t npages);
int sched_block(uint64_t deadline);
int lapic_init(void);

#define QSIZE 8
#define TXQ 1
#define LAPIC_TPR 0x80

static volatile uint32_t *regs;
static struct virtq_desc *desc;
static struct virtq_avail *avail;
static struct virtq_used *used;
static uint64_t desc_pa, avail_pa, used_pa, frame_pa;
static uint8_t *frame;

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void *page(uint64_t *pa)
{
	*pa = pmem_alloc(1);
	return (void *)(HUSK_DIRECT_MAP + *pa);
}

static uint32_t rd(unsigned off)
{
	return regs[off / 4];
}

static void wr(unsigned off, uint32_t v)
{
	regs[off / 4] = v;
}

static int find_device(void)
{
	for (uint32_t i = 0; i < boot_info->ndev && i < HUSK_MAX_DEVICES; i++)
		if (boot_info->dev[i].kind == HUSK_DEV_VIRTIO_MMIO) {
			regs = vm_map_io(boot_info->dev[i].paddr, 4096);
			return regs != 0;
		}
	return 0;
}

static int needs_reset(void)
{
	return !!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}

/* The driver's side of initialisation, done right, with the transmit
 * queue's rings in three fresh pages. */
static void set_up(void)
{
	uint64_t q[3];

	desc = page(&desc_pa);
	avail = page(&avail_pa);
	used = page(&used_pa);
	frame = page(&frame_pa);
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FEATURES_OK);
	wr(VIRTIO_MMIO_QUEUE_SEL, TXQ);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	q[0] = desc_pa, q[1] = avail_pa, q[2] = used_pa;
	for (int i = 0; i < 3; i++) {
		wr(VIRTIO_MMIO_QUEUE_DESC_LOW + 16 * i, (uint32_t)q[i]);
		wr(VIRTIO_MMIO_QUEUE_DESC_HIGH + 16 * i, (uint32_t)(q[i] >> 32));
	}
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

/* Offers descriptor 0 (and what it chains to) and tells the device. */
static void post(void)
{
	avail->ring[avail->idx % QSIZE] = 0;
	__atomic_store_n(&avail->idx, avail->idx + 1, __ATOMIC_RELEASE);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
}

static int wait_for(int (*cond)(void), uint64_t ms)
{
	uint64_t end = husk_clock_ns() + ms * 1000000;

	while (husk_clock_ns() < end)
		if (cond())
			return 1;
	return cond();
}

static int used_one(void)
{
	return __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 1;
}

/* A refusal: the device says NEEDS_RESET and returns nothing; then three
 * quiet seconds (the test measures husk-vmm's CPU time over them). */
static int expect_refusal(const char *what)
{
	int ok = wait_for(needs_reset, 5000) && used->idx == 0;

	printf("%s: %s\n", what, ok ? "refused" : "NOT refused");
	sched_block(husk_clock_ns() + 3000000000ULL);
	printf("%s: after the quiet time, magic %#x\n", what,
	       rd(VIRTIO_MMIO_MAGIC));
	return !ok;
}

static void header(void)
{
	for (int i = 0; i < 12; i++) /* virtio_net_hdr: no offloads */
		frame[i] = 0;
	for (int i = 12; i < 12 + 14; i++) /* broadcast, type 0x0800 */
		frame[i] = i < 24 ? 0xff : (i == 24 ? 0x08 : 0);
}

static int garbage_registers(void)
{
	static const uint32_t vals[] = { 0, 1, 2, 3, 0x7f, 0x80, 0xff, 0xffff,
					 0x10000, 0x7fffffff, 0x80000000,
					 0xfffffffe, 0xffffffff, 0xdeadbeef };
	volatile uint8_t *b = (volatile uint8_t *)regs;
	volatile uint16_t *h = (volatile uint16_t *)regs;
	uint32_t sink = 0;

	for (unsigned off = 0; off < 0x200; off += 4)
		for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			wr(off, vals[i]);
			sink += rd(off);
		}
	for (unsigned off = 0; off < 0x200; off++) { /* narrow accesses */
		b[off] = 0xa5;
		sink += b[off];
		if (!(off & 1)) {
			h[off / 2] = 0x5a5a;
			sink += h[off / 2];
		}
	}
	wr(VIRTIO_MMIO_STATUS, 0); /* a reset must bring it back */
	printf("regs: done (%#x), magic %#x, status %#x\n", sink,
	       rd(VIRTIO_MMIO_MAGIC), rd(VIRTIO_MMIO_STATUS));
	return rd(VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE ||
	       rd(VIRTIO_MMIO_STATUS) != 0;
}

static int ring_abuse(const char *mode)
{
	header();
	desc[0] = (struct virtq_desc){ frame_pa, 60, 0, 0 };
	if (same(mode, "loop")) {
		desc[0].flags = VIRTQ_DESC_F_NEXT, desc[0].next = 1;
		desc[1] = (struct virtq_desc){ frame_pa, 60, VIRTQ_DESC_F_NEXT, 0 };
	} else if (same(mode, "outside")) {
		desc[0].addr = 1ULL << 46; /* 64 TiB: no guest has that */
	} else if (same(mode, "huge")) {
		desc[0].len = 0xffffffffu;
	} else if (same(mode, "indirect")) {
		desc[0].flags = VIRTQ_DESC_F_INDIRECT;
		desc[0].addr = desc_pa; /* a table that is the table */
		desc[0].len = 16 * QSIZE;
	}
	post();
	return expect_refusal(mode);
}

/* Buffers may overlap the rings and each other: odd, not hostile. */
static int overlap(void)
{
	desc[0] = (struct virtq_desc){ desc_pa, 32, VIRTQ_DESC_F_NEXT, 1 };
	desc[1] = (struct virtq_desc){ desc_pa, 64, 0, 0 };
	post();
	wait_for(used_one, 5000);
	printf("overlap: used %u, status %#x\n", used->idx,
	       rd(VIRTIO_MMIO_STATUS));
	return !used_one() || needs_reset();
}

static int flood(void)
{
	header();
	desc[0] = (struct virtq_desc){ frame_pa, 60, 0, 0 };
	post();
	for (int i = 0; i < 20000; i++)
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, i & 1 ? TXQ : 0xffffu);
	wait_for(used_one, 5000);
	printf("flood: used %u, status %#x, interrupt status %#x\n", used->idx,
	       rd(VIRTIO_MMIO_STATUS), rd(VIRTIO_MMIO_INTERRUPT_STATUS));
	return !used_one() || needs_reset();
}

/* The guest cannot turn interrupts off in ring 3; raising the local
 * APIC's task priority to 15 has the same effect on every vector. */
static void deaf(void)
{
	volatile uint32_t *lapic = (volatile uint32_t *)HUSK_LAPIC_VA;

	lapic[LAPIC_TPR / 4] = 0xff;
	printf("deaf: spinning\n");
	for (;;)
		__asm__ volatile("pause");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	lapic_init(); /* host signals arrive through it */
	if (same(mode, "deaf"))
		deaf();
	if (!find_device()) {
		printf("hostile_dev: no virtio-mmio device (run with --net)\n");
		return 2;
	}
	if (same(mode, "regs"))
		return garbage_registers();
	set_up();
	if (same(mode, "overlap"))
		return overlap();
	if (same(mode, "flood"))
		return flood();
	if (same(mode, "loop") || same(mode, "outside") || same(mode, "huge") ||
	    same(mode, "indirect"))
		return ring_abuse(mode);
	printf("hostile_dev: unknown mode '%s'\n", mode);
	return 2;
}
