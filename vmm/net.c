/*
 * The virtio-net device (virtio 1.1, 5.1): queue 0 receives, queue 1
 * transmits, every frame behind a 12-byte struct virtio_net_hdr. No
 * offloads are offered yet, so the header carries nothing on transmit and
 * is zero on receive but for num_buffers (1, as VERSION_1 without
 * MRG_RXBUF requires); checksum and TSO offload would fill it in here.
 *
 * Everything below runs on the device's I/O thread (iothread.c) with the
 * device's lock held, except the two ops, which the vCPU thread calls
 * from the register handlers: they only write an eventfd to wake the
 * I/O thread.
 */
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm.h"

/* Chains taken per queue in one pass before others get a turn. */
#define NET_BATCH (4 * VIRTQ_NUM_MAX)

static struct net_dev *net_of(struct virtio_dev *d)
{
	return (struct net_dev *)((char *)d - offsetof(struct net_dev, vdev));
}

static void kick(int fd)
{
	uint64_t one = 1;

	/* Fails only when the counter is about to overflow: already awake. */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

static void on_notify(struct virtio_dev *d, unsigned queue)
{
	kick(net_of(d)->kick_fd[queue]);
}

/* DRIVER_OK: buffers may already wait in the receive queue. */
static void on_start(struct virtio_dev *d)
{
	kick(net_of(d)->kick_fd[VIRTIO_NET_RXQ]);
}

static const struct virtio_dev_ops net_ops = {
	.notify = on_notify,
	.start = on_start,
};

int net_create(struct net_dev *n, const struct guest_mem *g, uint64_t paddr,
	       const uint8_t mac[6], struct net_backend *be)
{
	uint64_t offered = 1ULL << VIRTIO_F_VERSION_1 |
			   1ULL << VIRTIO_F_EVENT_IDX |
			   1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS;
	int i;

	memset(n, 0, sizeof(*n));
	virtio_dev_init(&n->vdev, "virtio-net", VIRTIO_ID_NET, paddr, g,
			&net_ops, offered, 2);
	n->vdev.q[VIRTIO_NET_RXQ].name = "rx";
	n->vdev.q[VIRTIO_NET_TXQ].name = "tx";
	memcpy(n->config.mac, mac, 6);
	n->config.status = VIRTIO_NET_S_LINK_UP;
	n->config.max_virtqueue_pairs = 1;
	n->vdev.config = (const uint8_t *)&n->config;
	n->vdev.config_len = offsetof(struct virtio_net_config, mtu);
	n->be = be;
	n->kick_fd[0] = n->kick_fd[1] = n->stop_fd = -1;
	pthread_mutex_init(&n->start_lock, NULL);
	pthread_cond_init(&n->start_cond, NULL);
	for (i = 0; i < 2; i++)
		n->kick_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	n->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->kick_fd[0] < 0 || n->kick_fd[1] < 0 || n->stop_fd < 0)
		return vmm_fail(HUSK_VMM_EXIT_KVM, "virtio-net: eventfd: %m");
	return 0;
}

unsigned net_vcpu_fds(const struct net_dev *n, int *fds)
{
	unsigned k = 0;

	fds[k++] = n->kick_fd[0];
	fds[k++] = n->kick_fd[1];
	fds[k++] = n->stop_fd;
	if (n->vdev.irq_fd >= 0)
		fds[k++] = n->vdev.irq_fd;
	return k;
}

/* A violation: the message names the device; the VM goes on. */
static void violation(struct net_dev *n, const char *why)
{
	virtio_stop(&n->vdev, why);
}

/* Copies the chain's readable bytes from skip on into buf. */
static void gather(const struct virtq_chain *c, uint64_t skip, uint8_t *buf)
{
	unsigned i;

	for (i = 0; i < c->nout; i++) {
		const struct virtq_seg *s = &c->seg[i];
		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		memcpy(buf, s->p + skip, s->len - skip);
		buf += s->len - skip;
		skip = 0;
	}
}

/* Copies len bytes of buf into the chain's writable segments. */
static void scatter(const struct virtq_chain *c, const uint8_t *buf,
		    uint64_t len)
{
	unsigned i;

	for (i = c->nout; i < c->nout + c->nin && len; i++) {
		uint64_t k = c->seg[i].len < len ? c->seg[i].len : len;
		memcpy(c->seg[i].p, buf, k);
		buf += k;
		len -= k;
	}
}

/* -1: a violation (device stopped). */
static int tx_one(struct net_dev *n, struct virtq *q)
{
	struct virtq_chain *c = &n->chain;
	char why[192];
	uint64_t len;

	if (c->nin) {
		snprintf(why, sizeof(why), "tx chain from descriptor %u has "
			 "device-writable descriptors", c->head);
		violation(n, why);
		return -1;
	}
	if (c->out_len < NET_HDR_LEN) {
		snprintf(why, sizeof(why), "tx chain from descriptor %u holds "
			 "%llu bytes, less than the %u-byte header", c->head,
			 (unsigned long long)c->out_len, NET_HDR_LEN);
		violation(n, why);
		return -1;
	}
	len = c->out_len - NET_HDR_LEN;
	if (len > NET_FRAME_MAX || len == 0) {
		n->tx_dropped++;
	} else {
		gather(c, NET_HDR_LEN, n->frame);
		n->be->ops->send(n->be, n->frame, (size_t)len);
	}
	virtq_push(q, c->head, 0);
	return 0;
}

/* Sends what the driver queued; 1 if more than one batch waits. */
static int process_tx(struct net_dev *n)
{
	struct virtq *q = &n->vdev.q[VIRTIO_NET_TXQ];
	unsigned done = 0;
	int r;

	if (!q->ready)
		return 0;
	do {
		while ((r = virtq_pop(q, n->vdev.g, &n->chain)) > 0) {
			if (tx_one(n, q))
				return 0;
			if (++done == NET_BATCH)
				return 1;
		}
		if (r < 0) {
			violation(n, q->err);
			return 0;
		}
	} while (virtq_notify_on_avail(q));
	return 0;
}

/* One frame into the chain in n->chain: 1 done, 0 no frame, -1 stop. */
static int rx_one(struct net_dev *n, struct virtq *q)
{
	struct virtq_chain *c = &n->chain;
	struct virtio_net_hdr hdr = { .num_buffers = 1 };
	char why[192];
	size_t len;

	if (c->nout) {
		snprintf(why, sizeof(why), "rx chain from descriptor %u has "
			 "device-readable descriptors", c->head);
		violation(n, why);
		return -1;
	}
	for (;;) {
		len = n->be->ops->recv(n->be, n->frame + NET_HDR_LEN);
		if (!len)
			return 0;
		if (NET_HDR_LEN + len <= c->in_len)
			break;
		/* The driver's buffer is smaller than the spec says it should
		 * be (1526 bytes): this frame is lost, the buffer kept. */
		n->rx_dropped++;
	}
	memcpy(n->frame, &hdr, NET_HDR_LEN);
	scatter(c, n->frame, NET_HDR_LEN + len);
	virtq_push(q, c->head, (uint32_t)(NET_HDR_LEN + len));
	return 1;
}

/* Fills receive buffers while frames and buffers last. */
static int process_rx(struct net_dev *n)
{
	struct virtq *q = &n->vdev.q[VIRTIO_NET_RXQ];
	unsigned done = 0;
	int r;

	if (!q->ready)
		return 0;
	do {
		while ((r = virtq_pop(q, n->vdev.g, &n->chain)) > 0) {
			r = rx_one(n, q);
			if (r <= 0) {
				if (r == 0)
					virtq_unpop(q);
				return 0;
			}
			if (++done == NET_BATCH)
				return 1;
		}
		if (r < 0) {
			violation(n, q->err);
			return 0;
		}
	} while (virtq_notify_on_avail(q));
	return 0;
}

static int signal_needed(struct virtq *q)
{
	return q->ready && virtq_must_signal(q);
}

int net_process(struct net_dev *n)
{
	struct virtio_dev *d = &n->vdev;
	int more = 0, sig;

	pthread_mutex_lock(&d->lock);
	if (virtio_running(d)) {
		more |= process_tx(n);
		if (virtio_running(d))
			more |= process_rx(n);
		/* Both queues share the one vector: one interrupt at most. */
		sig = signal_needed(&d->q[VIRTIO_NET_RXQ]);
		sig |= signal_needed(&d->q[VIRTIO_NET_TXQ]);
		if (sig && !d->stopped)
			virtio_interrupt(d, VIRTIO_MMIO_INT_VRING);
	}
	pthread_mutex_unlock(&d->lock);
	return more;
}

int net_wants_rx(struct net_dev *n)
{
	struct virtio_dev *d = &n->vdev;
	int want;

	pthread_mutex_lock(&d->lock);
	want = virtio_running(d) && virtq_has_avail(&d->q[VIRTIO_NET_RXQ]);
	pthread_mutex_unlock(&d->lock);
	return want;
}
