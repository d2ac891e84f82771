/*
 * The virtio-net device (vmm/net.c) behind its virtio-mmio registers
 * (vmm/virtio_mmio.c), driven by a fake driver in this test: a malloc'd
 * "guest memory", rings set up through the same register handlers the
 * MMIO exits call, and a datagram socketpair standing in for a TAP
 * device. Frames go out and come in, oversize ones are dropped, feature
 * negotiation refuses what was not offered, a hostile descriptor stops
 * the device with one line on standard error while the rest goes on, and
 * the I/O thread runs under its own seccomp filter, woken by the queue
 * eventfds, and leaves no descriptor behind. Then the same with the user
 * backend (libslirp): ARP, a datagram to the host's loopback and its
 * answer, and a connection to a published port reaching the guest.
 *
 * Built without the sanitizers: the I/O thread's filter would kill the
 * sanitizer's own thread bookkeeping (vmm/virtq.c gets them in
 * test_vmm_virtq).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "vmm.h"

#define MEM_SIZE (2u << 20)
#define NUM 8
#define PADDR VMM_MMIO_PADDR(0)
#define RXQ_PA 0x1000 /* desc; avail +0x1000; used +0x2000 */
#define TXQ_PA 0x4000
#define RXBUF_PA 0x10000
#define TXBUF_PA 0x20000
#define BUF_SIZE 0x800

static struct guest_mem g;
static struct net_dev n;
static int net_fd;  /* the test's end of the "TAP device" */
static int irq_fd;  /* the device's interrupt, as KVM's irqfd would see it */
static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

static void reg_w(uint64_t off, uint32_t v)
{
	virtio_mmio_write(&n.vdev, off, &v, 4);
}

static uint32_t reg_r(uint64_t off)
{
	uint32_t v;

	virtio_mmio_read(&n.vdev, off, &v, 4);
	return v;
}

/* Queue q's rings at base: descriptors, then available, then used. */
struct ring {
	uint64_t base;
	uint16_t next_desc;
};
static struct ring rings[2] = { { RXQ_PA, 0 }, { TXQ_PA, 0 } };

static struct virtq_desc *desc(int q, unsigned i)
{
	return (struct virtq_desc *)(g.base + rings[q].base) + i;
}

static struct virtq_avail *avail(int q)
{
	return (struct virtq_avail *)(g.base + rings[q].base + 0x1000);
}

static struct virtq_used *used(int q)
{
	return (struct virtq_used *)(g.base + rings[q].base + 0x2000);
}

static uint16_t *used_event(int q)
{
	return &avail(q)->ring[NUM];
}

static void setup_queue(int q)
{
	uint64_t base = rings[q].base;

	reg_w(VIRTIO_MMIO_QUEUE_SEL, (uint32_t)q);
	reg_w(VIRTIO_MMIO_QUEUE_NUM, NUM);
	reg_w(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)base);
	reg_w(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	reg_w(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(base + 0x1000));
	reg_w(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	reg_w(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(base + 0x2000));
	reg_w(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	reg_w(VIRTIO_MMIO_QUEUE_READY, 1);
	rings[q].next_desc = 0;
}

static uint64_t features_offered(void)
{
	uint64_t f;

	reg_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = reg_r(VIRTIO_MMIO_DEVICE_FEATURES);
	reg_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return f | (uint64_t)reg_r(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

/* Reset, negotiate `accept`; whether the device kept FEATURES_OK. */
static int negotiate(uint64_t accept)
{
	reg_w(VIRTIO_MMIO_STATUS, 0);
	reg_w(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	reg_w(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
				  VIRTIO_STATUS_DRIVER);
	reg_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	reg_w(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)accept);
	reg_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_w(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(accept >> 32));
	reg_w(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
		  VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return !!(reg_r(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

/* The whole driver start-up, rings zeroed. */
static void driver_init(void)
{
	memset(g.base, 0, 0x8000);
	negotiate(features_offered());
	setup_queue(VIRTIO_NET_RXQ);
	setup_queue(VIRTIO_NET_TXQ);
	reg_w(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
		  VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		  VIRTIO_STATUS_DRIVER_OK);
}

/* One descriptor chain of the given parts, made available. */
static void post(int q, int n_parts, const uint64_t *pa, const uint32_t *len,
		 int writable)
{
	uint16_t head = rings[q].next_desc, i;
	int k;

	for (k = 0; k < n_parts; k++) {
		i = (uint16_t)((head + k) % NUM);
		*desc(q, i) = (struct virtq_desc){
			.addr = pa[k], .len = len[k],
			.flags = (uint16_t)((writable ? VIRTQ_DESC_F_WRITE : 0) |
				 (k + 1 < n_parts ? VIRTQ_DESC_F_NEXT : 0)),
			.next = (uint16_t)((i + 1) % NUM),
		};
	}
	rings[q].next_desc = (uint16_t)((head + n_parts) % NUM);
	avail(q)->ring[avail(q)->idx % NUM] = head;
	__atomic_store_n(&avail(q)->idx, (uint16_t)(avail(q)->idx + 1),
			 __ATOMIC_RELEASE);
}

/* A transmit: header and frame in two descriptors. */
static void send_frame(const uint8_t *frame, uint32_t len)
{
	uint64_t pa[2] = { TXBUF_PA, TXBUF_PA + 64 };
	uint32_t l[2] = { NET_HDR_LEN, len };

	memset(g.base + TXBUF_PA, 0, NET_HDR_LEN);
	memcpy(g.base + TXBUF_PA + 64, frame, len);
	post(VIRTIO_NET_TXQ, 2, pa, l, 0);
}

static void post_rx(unsigned slot, uint32_t len)
{
	uint64_t pa = RXBUF_PA + slot * BUF_SIZE;

	post(VIRTIO_NET_RXQ, 1, &pa, &len, 1);
}

static void make_frame(uint8_t *f, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 7);
}

/* The interrupt count since the last look (irqfd's eventfd). */
static uint64_t interrupts(void)
{
	uint64_t v = 0;

	if (read(irq_fd, &v, sizeof(v)) < 0)
		return 0;
	return v;
}

static ssize_t recv_wait(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return recv(fd, buf, len, MSG_DONTWAIT);
}

static void transport(void)
{
	uint8_t b[6];
	uint16_t st;
	unsigned long bad;
	uint16_t half;
	int i;

	CHECK("mmio: magic, version 2, device 1",
	      reg_r(VIRTIO_MMIO_MAGIC) == VIRTIO_MMIO_MAGIC_VALUE &&
	      reg_r(VIRTIO_MMIO_VERSION) == 2 &&
	      reg_r(VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_NET);
	CHECK("mmio: offers VERSION_1, EVENT_IDX, MAC, STATUS and no more",
	      features_offered() == (1ULL << VIRTIO_F_VERSION_1 |
				     1ULL << VIRTIO_F_EVENT_IDX |
				     1ULL << VIRTIO_NET_F_MAC |
				     1ULL << VIRTIO_NET_F_STATUS));
	CHECK("mmio: FEATURES_OK refused for a feature not offered",
	      !negotiate(1ULL << VIRTIO_F_VERSION_1 |
			 1ULL << VIRTIO_NET_F_MRG_RXBUF));
	CHECK("mmio: FEATURES_OK refused without VERSION_1",
	      !negotiate(1ULL << VIRTIO_NET_F_MAC));
	CHECK("mmio: FEATURES_OK kept for what was offered",
	      negotiate(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_NET_F_MAC));
	for (i = 0; i < 6; i++)
		virtio_mmio_read(&n.vdev, VIRTIO_MMIO_CONFIG + i, &b[i], 1);
	virtio_mmio_read(&n.vdev, VIRTIO_MMIO_CONFIG + 6, &st, 2);
	CHECK("mmio: config space: the MAC, byte by byte", !memcmp(b, mac, 6));
	CHECK("mmio: config space: link up", st == VIRTIO_NET_S_LINK_UP);
	reg_w(VIRTIO_MMIO_QUEUE_SEL, 1);
	CHECK("mmio: QueueNumMax 256 for tx", reg_r(VIRTIO_MMIO_QUEUE_NUM_MAX) == 256);
	reg_w(VIRTIO_MMIO_QUEUE_SEL, 2);
	CHECK("mmio: QueueNumMax 0 for a queue that does not exist",
	      reg_r(VIRTIO_MMIO_QUEUE_NUM_MAX) == 0);
	bad = n.vdev.bad_accesses;
	half = 0xffff;
	virtio_mmio_read(&n.vdev, VIRTIO_MMIO_MAGIC, &half, 2);
	virtio_mmio_write(&n.vdev, VIRTIO_MMIO_STATUS, &half, 2);
	reg_w(0x0c8, 1); /* no register there */
	CHECK("mmio: 16-bit register accesses read 0, change nothing, count",
	      half == 0 && reg_r(VIRTIO_MMIO_STATUS) != 0xffff &&
	      n.vdev.bad_accesses == bad + 3);
	reg_w(VIRTIO_MMIO_STATUS, 0);
	CHECK("mmio: writing status 0 resets", reg_r(VIRTIO_MMIO_STATUS) == 0);
}

static void transmit(void)
{
	uint8_t f[NET_FRAME_MAX + 1], got[2048];
	uint16_t half;
	ssize_t k;

	driver_init();
	make_frame(f, 60, 1);
	send_frame(f, 60);
	net_process(&n);
	k = recv(net_fd, got, sizeof(got), MSG_DONTWAIT);
	CHECK("net: a frame sent by the guest reaches the backend, header "
	      "stripped", k == 60 && !memcmp(got, f, 60));
	CHECK("net: the tx chain is returned", used(VIRTIO_NET_TXQ)->idx == 1 &&
	      used(VIRTIO_NET_TXQ)->ring[0].len == 0);
	CHECK("net: used_event 0 was passed: one interrupt", interrupts() == 1);
	CHECK("net: InterruptStatus says used buffer",
	      reg_r(VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_VRING);
	reg_w(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	CHECK("net: InterruptACK clears it",
	      reg_r(VIRTIO_MMIO_INTERRUPT_STATUS) == 0);

	make_frame(f, NET_FRAME_MAX + 1, 2);
	send_frame(f, NET_FRAME_MAX + 1);
	make_frame(f, NET_FRAME_MAX, 3);
	send_frame(f, NET_FRAME_MAX);
	net_process(&n);
	k = recv(net_fd, got, sizeof(got), MSG_DONTWAIT);
	CHECK("net: an oversize frame is dropped, the next one (1514) sent",
	      k == NET_FRAME_MAX && !memcmp(got, f, NET_FRAME_MAX) &&
	      n.tx_dropped == 1);
	CHECK("net: both chains returned in one pass",
	      used(VIRTIO_NET_TXQ)->idx == 3);
	CHECK("net: used_event still 0: no interrupt for them",
	      interrupts() == 0);
	memcpy(&half, &used(VIRTIO_NET_TXQ)->ring[NUM], 2);
	CHECK("net: avail_event asks for the next tx entry", half == 3);
}

static void receive(void)
{
	uint8_t f[1600], big[1600];
	struct virtio_net_hdr h;
	uint8_t *buf = g.base + RXBUF_PA;

	driver_init();
	make_frame(f, 98, 9);
	send(net_fd, f, 98, 0);
	net_process(&n);
	CHECK("net: no receive buffer: the frame waits",
	      used(VIRTIO_NET_RXQ)->idx == 0);
	post_rx(0, 1526);
	net_process(&n);
	memcpy(&h, buf, sizeof(h));
	CHECK("net: a frame from the backend fills the receive buffer",
	      used(VIRTIO_NET_RXQ)->idx == 1 &&
	      used(VIRTIO_NET_RXQ)->ring[0].len == NET_HDR_LEN + 98 &&
	      !memcmp(buf + NET_HDR_LEN, f, 98));
	CHECK("net: the header is zero but num_buffers 1",
	      h.flags == 0 && h.gso_type == 0 && h.hdr_len == 0 &&
	      h.csum_start == 0 && h.num_buffers == 1);
	CHECK("net: and raises an interrupt", interrupts() == 1);

	make_frame(big, 1600, 4);
	send(net_fd, big, 1600, 0);
	make_frame(f, 200, 5);
	send(net_fd, f, 200, 0);
	post_rx(1, 100);
	*used_event(VIRTIO_NET_RXQ) = 1;
	net_process(&n);
	CHECK("net: a 1600-byte frame from the backend is dropped",
	      n.be->dropped == 1);
	CHECK("net: a frame larger than the buffer is dropped, buffer kept",
	      used(VIRTIO_NET_RXQ)->idx == 1 && n.rx_dropped == 1);
	make_frame(f, 60, 6);
	send(net_fd, f, 60, 0);
	net_process(&n);
	CHECK("net: the kept buffer takes the next frame that fits",
	      used(VIRTIO_NET_RXQ)->idx == 2 &&
	      !memcmp(buf + BUF_SIZE + NET_HDR_LEN, f, 60));
	CHECK("net: used passed used_event 1: interrupt", interrupts() == 1);
}

/* Runs fn with standard error captured into out. */
static void capture_stderr(void (*fn)(void), char *out, size_t size)
{
	int p[2], saved = dup(2);
	ssize_t k;

	if (pipe(p) < 0)
		return;
	dup2(p[1], 2);
	fn();
	dup2(saved, 2);
	close(saved);
	close(p[1]);
	k = read(p[0], out, size - 1);
	out[k > 0 ? k : 0] = 0;
	close(p[0]);
}

static void hostile_tx(void)
{
	uint64_t pa = MEM_SIZE - 50;
	uint32_t len = 100;

	post(VIRTIO_NET_TXQ, 1, &pa, &len, 0);
	net_process(&n);
	/* Stopped: more of the same is not even looked at. */
	post(VIRTIO_NET_TXQ, 1, &pa, &len, 0);
	net_process(&n);
}

static void bad_ring(void)
{
	reg_w(VIRTIO_MMIO_STATUS, 0);
	negotiate(features_offered());
	reg_w(VIRTIO_MMIO_QUEUE_SEL, 0);
	reg_w(VIRTIO_MMIO_QUEUE_NUM, NUM);
	reg_w(VIRTIO_MMIO_QUEUE_DESC_LOW, 0xfffff000u);
	reg_w(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	reg_w(VIRTIO_MMIO_QUEUE_READY, 1);
}

static void violations(void)
{
	char err[512], want[256];
	uint8_t f[60];

	driver_init();
	capture_stderr(hostile_tx, err, sizeof(err));
	snprintf(want, sizeof(want), "husk-vmm: virtio-net: tx descriptor 0 "
		 "points outside guest memory (0x%x + 100); device stopped\n",
		 MEM_SIZE - 50);
	CHECK("net: a descriptor outside memory stops the device, one line",
	      !strcmp(err, want));
	if (strcmp(err, want))
		printf("# got: %s", err);
	CHECK("net: DEVICE_NEEDS_RESET is set",
	      reg_r(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK("net: a configuration interrupt is raised",
	      (reg_r(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG) &&
	      interrupts() == 1);
	driver_init();
	make_frame(f, 60, 7);
	send_frame(f, 60);
	net_process(&n);
	CHECK("net: after a reset the device works again",
	      recv(net_fd, err, sizeof(err), MSG_DONTWAIT) == 60 &&
	      !(reg_r(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
	interrupts();

	capture_stderr(bad_ring, err, sizeof(err));
	CHECK("net: a ring outside memory stops the device when it goes ready",
	      !strcmp(err, "husk-vmm: virtio-net: rx queue: descriptor table "
		      "(0xfffff000 + 128) lies outside guest memory; device "
		      "stopped\n"));
	CHECK("net: the queue did not go ready", !n.vdev.q[0].ready &&
	      (reg_r(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
	interrupts();
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int k = 0;

	if (!d)
		return -1;
	while (readdir(d))
		k++;
	closedir(d);
	return k;
}

/* The I/O thread, under its filter, woken through QueueNotify. */
static void threaded(void)
{
	static struct seccomp_prog prog;
	uint8_t f[300], got[2048];
	struct pollfd p = { .fd = irq_fd, .events = POLLIN };
	ssize_t k;

	CHECK("thread: its seccomp filter compiles",
	      seccomp_prepare_io(&n, &prog) == 0);
	CHECK("thread: starts and installs it", net_start(&n, &prog) == 0);
	driver_init();
	make_frame(f, 300, 8);
	send_frame(f, 300);
	reg_w(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TXQ);
	k = recv_wait(net_fd, got, sizeof(got), 5000);
	CHECK("thread: a notified tx frame reaches the backend",
	      k == 300 && !memcmp(got, f, 300));
	CHECK("thread: and interrupts", poll(&p, 1, 5000) == 1 &&
	      interrupts() == 1);
	post_rx(0, 1526);
	reg_w(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RXQ);
	make_frame(f, 77, 9);
	send(net_fd, f, 77, 0);
	CHECK("thread: a frame from the backend interrupts",
	      poll(&p, 1, 5000) == 1 && interrupts() == 1);
	CHECK("thread: and is in the receive buffer",
	      __atomic_load_n(&used(VIRTIO_NET_RXQ)->idx, __ATOMIC_ACQUIRE) == 1 &&
	      !memcmp(g.base + RXBUF_PA + NET_HDR_LEN, f, 77));
	irq_fd = -1; /* closed by net_stop: it belongs to the device */
	net_stop(&n);
}

/* ---- --net user: slirp on the I/O thread, under its filter ---- */

static const uint8_t ip_guest[4] = { 10, 0, 2, 15 };
static const uint8_t ip_host[4] = { 10, 0, 2, 2 };
static const uint8_t mac_any[6] = { 0x52, 0x55, 10, 0, 2, 2 };
static uint16_t rx_seen;

static size_t put_eth(uint8_t *f, uint16_t type)
{
	memcpy(f, mac_any, 6);
	memcpy(f + 6, mac, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i += 2)
		sum += get16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* "Who has 10.0.2.2? Tell 10.0.2.15": slirp learns our MAC from it. */
static void send_arp_request(void)
{
	uint8_t f[60] = { 0 }, *a = f + put_eth(f, 0x0806);

	memset(f, 0xff, 6);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, ip_guest, 4);
	memcpy(a + 24, ip_host, 4);
	send_frame(f, sizeof(f));
	reg_w(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TXQ);
}

static void send_udp(uint16_t sport, uint16_t dport, const char *text)
{
	uint8_t f[128] = { 0 }, *ip = f + put_eth(f, 0x0800), *u = ip + 20;
	size_t len = strlen(text);

	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + len));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, ip_guest, 4);
	memcpy(ip + 16, ip_host, 4);
	put16(ip + 10, ip_checksum(ip, 20));
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + len));
	memcpy(u + 8, text, len);
	send_frame(f, (uint32_t)(14 + 20 + 8 + len));
	reg_w(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TXQ);
}

/* The next frame the device put in a receive buffer (NULL after ms);
 * the buffer goes back to the device. */
static const uint8_t *next_rx(size_t *len, int ms)
{
	static uint8_t copy[2048];
	struct pollfd p = { .fd = irq_fd, .events = POLLIN };
	struct virtq_used_elem e;
	uint16_t slot;

	for (;;) {
		/* As a driver re-arms: interrupt me once used passes rx_seen. */
		__atomic_store_n(used_event(VIRTIO_NET_RXQ), rx_seen,
				 __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&used(VIRTIO_NET_RXQ)->idx,
				    __ATOMIC_SEQ_CST) != rx_seen)
			break;
		if (poll(&p, 1, ms) != 1)
			return NULL;
		interrupts();
	}
	e = used(VIRTIO_NET_RXQ)->ring[rx_seen % NUM];
	rx_seen++;
	if (e.len < NET_HDR_LEN || e.len > sizeof(copy) + NET_HDR_LEN)
		return NULL;
	slot = (uint16_t)((desc(VIRTIO_NET_RXQ, e.id)->addr - RXBUF_PA) /
			  BUF_SIZE);
	*len = e.len - NET_HDR_LEN;
	memcpy(copy, g.base + desc(VIRTIO_NET_RXQ, e.id)->addr + NET_HDR_LEN,
	       *len);
	post_rx(slot, 1526);
	reg_w(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RXQ);
	return copy;
}

/* Frames until one of IP protocol proto to the guest arrives. */
static const uint8_t *next_ip(int proto, size_t *len)
{
	const uint8_t *f;
	int i;

	for (i = 0; i < 16; i++) {
		f = next_rx(len, 5000);
		if (!f)
			return NULL;
		if (*len >= 14 + 20 + 8 && get16(f + 12) == 0x0800 &&
		    f[14 + 9] == proto && !memcmp(f + 14 + 16, ip_guest, 4))
			return f;
	}
	return NULL;
}

static int free_port(int type, int *keep)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen))
		return -1;
	if (keep)
		*keep = fd;
	else
		close(fd);
	return ntohs(a.sin_port);
}

static void user_udp(void)
{
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	const uint8_t *f;
	char buf[64];
	size_t len;
	ssize_t k;
	int srv = -1, port = free_port(SOCK_DGRAM, &srv);
	struct pollfd p = { .fd = srv, .events = POLLIN };

	send_arp_request();
	f = next_rx(&len, 5000);
	CHECK("user: slirp answers ARP for the gateway",
	      f && len >= 42 && get16(f + 12) == 0x0806 && get16(f + 20) == 2 &&
	      !memcmp(f + 28, ip_host, 4) && !memcmp(f + 32, mac, 6));
	send_udp(5555, (uint16_t)port, "ping-husk");
	k = -1;
	if (poll(&p, 1, 5000) == 1)
		k = recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &flen);
	CHECK("user: a datagram to 10.0.2.2 reaches the host's loopback",
	      k == 9 && !memcmp(buf, "ping-husk", 9));
	if (k > 0)
		sendto(srv, "pong-husk", 9, 0, (struct sockaddr *)&from, flen);
	f = next_ip(17, &len);
	CHECK("user: the host's answer comes back to 10.0.2.15:5555",
	      f && get16(f + 14 + 20 + 2) == 5555 && len >= 14 + 28 + 9 &&
	      !memcmp(f + 14 + 28, "pong-husk", 9));
	close(srv);
}

static void user_publish(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	const uint8_t *f;
	size_t len;
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	CHECK("user: -p: the published port accepts a connection",
	      c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	f = next_ip(6, &len);
	CHECK("user: -p: slirp opens it to 10.0.2.15:80 with a SYN",
	      f && get16(f + 14 + 20 + 2) == 80 &&
	      (f[14 + 20 + 13] & 0x12) == 0x02);
	close(c);
}

static void user_backend(void)
{
	static struct seccomp_prog prog;
	struct net_port port = { .arg = "test", .guest_port = 80 };
	struct net_backend *be;
	int fds_before = count_fds(), p, i;

	p = free_port(SOCK_STREAM, NULL);
	port.host_port = (uint16_t)p;
	port.host_ip = htonl(INADDR_LOOPBACK);
	if (p < 0 || net_user_open(&port, 1, &be) ||
	    net_create(&n, &g, PADDR, mac, be)) {
		CHECK("user: the backend opens", 0);
		return;
	}
	irq_fd = n.vdev.irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK("user: the I/O thread starts under its filter",
	      seccomp_prepare_io(&n, &prog) == 0 && net_start(&n, &prog) == 0);
	driver_init();
	rx_seen = 0;
	for (i = 0; i < NUM; i++)
		post_rx((unsigned)i, 1526);
	reg_w(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RXQ);
	user_udp();
	user_publish(p);
	irq_fd = -1;
	net_stop(&n);
	CHECK("user: no descriptor left open after net_stop",
	      count_fds() == fds_before);
}

int main(void)
{
	int sv[2], fds_before;
	struct net_backend *be;

	g.base = calloc(1, MEM_SIZE);
	g.size = MEM_SIZE;
	fds_before = count_fds();
	if (!g.base || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return 2;
	net_fd = sv[1];
	be = net_fd_backend(sv[0]);
	if (!be || net_create(&n, &g, PADDR, mac, be))
		return 2;
	irq_fd = n.vdev.irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	transport();
	transmit();
	receive();
	violations();
	threaded();
	close(net_fd);
	CHECK("net: no descriptor left open after net_stop",
	      count_fds() == fds_before);
	user_backend();
	free(g.base);
	return CHECK_DONE();
}
