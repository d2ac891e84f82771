/*
 * virtio-net (virtio 1.1, 5.1) as an lwIP netif: Ethernet with ARP, the
 * MAC from the configuration space, the link from its status field.
 *
 * Receive buffers (a 12-byte header and a full 1514-byte frame each) are
 * posted once and go straight back to the device after their frame is
 * copied into a pbuf. Transmit copies each pbuf chain into a buffer of its
 * own, behind a header filled in one place (tx_header), which is where
 * checksum offload and TSO will go. When every transmit buffer is in
 * flight (a burst: 200 connections answered at once), frames wait in a
 * backlog, copied, in order, and the device is notified at once and asked
 * to interrupt when it has sent some.
 *
 * Interrupts only record work (virtio_interrupt); the work happens in
 * vnet_poll, which net_poll runs after interrupts and deadlines: drain the
 * receive ring into lwIP, take back sent buffers, then ask for an
 * interrupt at the next receive (the used ring's event index) and look
 * once more, since a frame may have come in meanwhile. While frames keep
 * coming the device sees no request and sends no interrupts (poll while
 * busy); when they stop, the vCPU sleeps in hlt until the next one.
 * Transmit completions do not interrupt: sent buffers are taken back on
 * every pass, and interrupts are asked for only when all are in flight.
 * Notifications to the device are batched: one per net_pump, for
 * everything lwIP queued since, and only when the device asked for it.
 */
#include <stddef.h>
#include "../../console.h"
#include "../../lib.h"
#include "../../mm.h"
#include "../../net/net.h"
#include "../../random.h"
#include "../virtio/virtio.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "virtio_net.h"

#define QUEUE_ENTRIES 128 /* at most, per direction */
#define BUF_SIZE 2048     /* header + frame, two to a page */
#define HDR_LEN ((uint32_t)sizeof(struct virtio_net_hdr))
#define FRAME_MAX 1514    /* Ethernet header + 1500-byte MTU */
#define POLL_BUDGET 256   /* frames per pass before others get a turn */
#define BACKLOG_MAX 1024  /* frames waiting for a transmit buffer */
#define WANTED_FEATURES (1ULL << VIRTIO_F_EVENT_IDX | 1ULL << VIRTIO_NET_F_MAC | \
			 1ULL << VIRTIO_NET_F_STATUS)

/* A frame waiting for a transmit buffer: header and frame, as sent. */
struct tx_frame {
	struct tx_frame *next;
	uint32_t len;
	uint8_t bytes[];
};

struct vnet {
	struct net_nic nic; /* first: net.c hands it back */
	struct virtio_dev *dev;
	struct netif netif;
	struct virtq rx, tx;
	uint8_t mac[6];
	uint8_t *rx_bufs, *tx_bufs;
	uint64_t rx_pa, tx_pa;
	uint16_t tx_free[QUEUE_ENTRIES]; /* buffer slots not in flight */
	unsigned ntx_free;
	struct tx_frame *backlog, *backlog_tail;
	unsigned backlog_len;
	int rx_unkicked, tx_unkicked;  /* published, device not yet told */
};

static struct vnet *attached;

/* ---- receive ---- */

static void rx_post(struct vnet *v, uint8_t *buf)
{
	struct virtq_seg seg = {
		.pa = v->rx_pa + (uint64_t)(buf - v->rx_bufs),
		.len = HDR_LEN + FRAME_MAX,
		.device_writes = 1,
	};

	virtq_add(&v->rx, &seg, 1, buf); /* one descriptor per buffer */
}

static void rx_deliver(struct vnet *v, const uint8_t *buf, uint32_t len)
{
	struct pbuf *p;

	if (len < HDR_LEN + SIZEOF_ETH_HDR || len > HDR_LEN + FRAME_MAX)
		return; /* not a frame we posted room for: dropped */
	len -= HDR_LEN;
	if (!(p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM)))
		return; /* out of memory: dropped, as a full NIC would */
	memcpy(p->payload, buf + HDR_LEN, len);
	if (v->netif.input(p, &v->netif) != ERR_OK)
		pbuf_free(p);
}

/* Up to budget frames into lwIP, their buffers reposted: how many. */
static unsigned rx_drain(struct vnet *v, unsigned budget)
{
	unsigned n = 0;
	uint8_t *buf;
	uint32_t len;

	while (n < budget && (buf = virtq_take_used(&v->rx, &len))) {
		rx_deliver(v, buf, len);
		rx_post(v, buf);
		n++;
	}
	if (n) {
		virtq_publish(&v->rx);
		v->rx_unkicked = 1;
	}
	return n;
}

/* ---- transmit ---- */

static unsigned tx_reclaim(struct vnet *v)
{
	unsigned n = 0;
	void *cookie;

	while ((cookie = virtq_take_used(&v->tx, 0))) {
		v->tx_free[v->ntx_free++] = (uint16_t)((uintptr_t)cookie - 1);
		n++;
	}
	return n;
}

/* No offloads are negotiated yet: a header of zeros. Checksum offload
 * (NEEDS_CSUM, csum_start/offset) and TSO (gso_type, gso_size) go here. */
static void tx_header(struct virtio_net_hdr *h, const struct pbuf *p)
{
	(void)p;
	memset(h, 0, sizeof(*h));
	h->gso_type = VIRTIO_NET_HDR_GSO_NONE;
}

/* Header and frame of p into buf: the bytes the device is to read. */
static uint32_t tx_fill(uint8_t *buf, const struct pbuf *p)
{
	tx_header((struct virtio_net_hdr *)buf, p);
	pbuf_copy_partial(p, buf + HDR_LEN, p->tot_len, 0);
	return HDR_LEN + p->tot_len;
}

/* A free transmit buffer's slot, or -1 when all are in flight. */
static int tx_slot(struct vnet *v)
{
	if (!v->ntx_free)
		tx_reclaim(v);
	return v->ntx_free ? v->tx_free[--v->ntx_free] : -1;
}

static void tx_queue(struct vnet *v, unsigned slot, uint32_t len)
{
	struct virtq_seg seg = { .pa = v->tx_pa + slot * BUF_SIZE, .len = len };

	virtq_add(&v->tx, &seg, 1, (void *)(uintptr_t)(slot + 1));
	virtq_publish(&v->tx);
	v->tx_unkicked = 1;
}

/* Into the buffers as they come free, oldest first. */
static void tx_drain_backlog(struct vnet *v)
{
	struct tx_frame *f;
	int slot;

	while ((f = v->backlog) && (slot = tx_slot(v)) >= 0) {
		memcpy(v->tx_bufs + slot * BUF_SIZE, f->bytes, f->len);
		tx_queue(v, (unsigned)slot, f->len);
		if (!(v->backlog = f->next))
			v->backlog_tail = 0;
		v->backlog_len--;
		heap_free(f);
	}
}

/* Every buffer is in flight: keep a copy (lwIP may rewrite p for a
 * retransmission), have the device start on the ring now, and hear when
 * it has sent some. */
static err_t tx_defer(struct vnet *v, const struct pbuf *p)
{
	struct tx_frame *f;

	if (v->backlog_len >= BACKLOG_MAX ||
	    !(f = heap_alloc(sizeof(*f) + HDR_LEN + p->tot_len)))
		return ERR_MEM; /* dropped: TCP sends it again */
	f->next = 0;
	f->len = tx_fill(f->bytes, p);
	if (v->backlog_tail)
		v->backlog_tail->next = f;
	else
		v->backlog = f;
	v->backlog_tail = f;
	v->backlog_len++;
	if (v->tx_unkicked) {
		v->tx_unkicked = 0;
		virtio_kick(v->dev, &v->tx);
	}
	if (virtq_arm(&v->tx))
		v->nic.busy = 1; /* already some back: no interrupt will say so */
	return ERR_OK;
}

static err_t linkoutput(struct netif *netif, struct pbuf *p)
{
	struct vnet *v = netif->state;
	int slot;

	if (p->tot_len > FRAME_MAX)
		return ERR_IF; /* lwIP fragments to the MTU: never happens */
	if (v->backlog || (slot = tx_slot(v)) < 0)
		return tx_defer(v, p);
	tx_queue(v, (unsigned)slot, tx_fill(v->tx_bufs + slot * BUF_SIZE, p));
	return ERR_OK;
}

/* ---- link, polling ---- */

/* The link as the device reports it; a change after boot is said on the
 * console, as Linux does. */
static void update_link(struct vnet *v, int say)
{
	uint16_t status = VIRTIO_NET_S_LINK_UP;
	int up;

	if (virtio_has(v->dev, VIRTIO_NET_F_STATUS))
		virtio_config_read(v->dev, offsetof(struct virtio_net_config, status),
				   &status, sizeof(status));
	up = !!(status & VIRTIO_NET_S_LINK_UP);
	if (up == !!netif_is_link_up(&v->netif))
		return;
	if (say)
		kprintf("husk: net: %s: link %s\n", v->dev->name, up ? "up" : "down");
	if (up)
		netif_set_link_up(&v->netif);
	else
		netif_set_link_down(&v->netif);
}

/* Interrupts wanted: the next receive and, while frames wait in the
 * backlog, the next transmit completion. 1 when something came in while
 * asking (the caller looks again). */
static int arm(struct vnet *v)
{
	int more = 0;

	if (v->backlog)
		more = virtq_arm(&v->tx);
	else
		virtq_quiet(&v->tx);
	return virtq_arm(&v->rx) || more;
}

static int vnet_poll(struct net_nic *n)
{
	struct vnet *v = (struct vnet *)n;
	unsigned events = virtio_take_events(v->dev);
	unsigned budget = POLL_BUDGET, progress = 0, got;

	if (events & VIRTIO_EV_CONFIG)
		update_link(v, 1);
	for (;;) {
		got = rx_drain(v, budget);
		budget -= got;
		progress += got + tx_reclaim(v);
		tx_drain_backlog(v);
		if (!budget)
			return 1; /* interrupts stay off: net_poll comes back */
		if (!got && !arm(v))
			break;
	}
	/* An interrupt that could not say why, and nothing in the rings to
	 * explain it: the configuration, then (a read, so an exit). */
	if ((events & VIRTIO_EV_EITHER) && !progress &&
	    virtio_config_changed(v->dev))
		update_link(v, 1);
	return 0;
}

static void vnet_flush(struct net_nic *n)
{
	struct vnet *v = (struct vnet *)n;

	if (v->tx_unkicked) {
		v->tx_unkicked = 0;
		virtio_kick(v->dev, &v->tx);
	}
	if (v->rx_unkicked) {
		v->rx_unkicked = 0;
		virtio_kick(v->dev, &v->rx);
	}
}

/* ---- set-up ---- */

static err_t netif_setup(struct netif *netif)
{
	struct vnet *v = netif->state;

	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = linkoutput;
	netif->mtu = FRAME_MAX - SIZEOF_ETH_HDR;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, v->mac, ETH_HWADDR_LEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		       NETIF_FLAG_MLD6;
	return ERR_OK;
}

/* Without VIRTIO_NET_F_MAC: a random locally administered address. */
static void read_mac(struct vnet *v)
{
	uint64_t r;

	if (virtio_has(v->dev, VIRTIO_NET_F_MAC)) {
		virtio_config_read(v->dev, offsetof(struct virtio_net_config, mac),
				   v->mac, sizeof(v->mac));
		return;
	}
	r = random64();
	memcpy(v->mac, &r, sizeof(v->mac));
	v->mac[0] = (uint8_t)((v->mac[0] & ~1u) | 2u); /* unicast, local */
}

static uint8_t *buffers(struct virtq *q, uint64_t *pa)
{
	*pa = pmem_alloc(ALIGN_UP((uint64_t)q->size * BUF_SIZE, 4096) / 4096);
	return *pa ? pmem_to_virt(*pa) : 0;
}

static int queues(struct vnet *v)
{
	struct virtio_dev *d = v->dev;

	if (virtio_queue_setup(d, &v->rx, VIRTIO_NET_RXQ, QUEUE_ENTRIES) ||
	    virtio_queue_setup(d, &v->tx, VIRTIO_NET_TXQ, QUEUE_ENTRIES))
		return -1;
	v->rx_bufs = buffers(&v->rx, &v->rx_pa);
	v->tx_bufs = buffers(&v->tx, &v->tx_pa);
	if (!v->rx_bufs || !v->tx_bufs) {
		virtio_fail(d, "out of memory for packet buffers");
		return -1;
	}
	for (unsigned i = 0; i < v->rx.size; i++)
		rx_post(v, v->rx_bufs + i * BUF_SIZE);
	virtq_publish(&v->rx);
	for (unsigned i = 0; i < v->tx.size; i++)
		v->tx_free[v->ntx_free++] = (uint16_t)(v->tx.size - 1 - i);
	virtq_arm(&v->rx);
	virtq_quiet(&v->tx);
	return 0;
}

void virtio_net_attach(struct virtio_dev *d)
{
	struct vnet *v;

	if (attached) {
		kprintf("husk: %s: a second network device: only one is "
			"supported, left alone\n", d->name);
		return;
	}
	v = kcalloc(1, sizeof(*v));
	v->dev = d;
	if (virtio_begin(d, WANTED_FEATURES)) {
		heap_free(v);
		return;
	}
	v->nic.polled = virtio_setup_irq(d) != 0;
	if (queues(v))
		return; /* the device is marked FAILED; its memory stays */
	read_mac(v);
	virtio_ready(d);
	net_start();
	netif_add(&v->netif, 0, 0, 0, v, netif_setup, ethernet_input);
	netif_set_default(&v->netif);
	/* IPv6: a link-local address from the MAC, then whatever router
	 * advertisements offer (slirp: fec0::/64). */
	netif_create_ip6_linklocal_address(&v->netif, 1);
	netif_set_ip6_autoconfig_enabled(&v->netif, 1);
	update_link(v, 0);
	v->nic.poll = vnet_poll;
	v->nic.flush = vnet_flush;
	net_add_nic(&v->nic);
	v->rx_unkicked = 1;
	vnet_flush(&v->nic);
	attached = v;
}
