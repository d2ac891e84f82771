/*
 * Virtio 1.x as husk uses it: the virtio-mmio register block, split
 * virtqueues and the network device. Shared by the guest's drivers
 * (kernel/drivers/) and husk-vmm's devices (vmm/virtio*.c, vmm/net*.c).
 * Numbers from the virtio 1.1 specification (sections 2.6, 4.2, 5.1).
 *
 * Everything in a ring is little-endian; x86 is too, so the structures
 * below are used as they are. The device side must treat every field it
 * reads from guest memory as hostile (see vmm/virtq.c).
 */
#ifndef HUSK_VIRTIO_H
#define HUSK_VIRTIO_H

#include <stdint.h>

/* Device status (both transports). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED      128

/* Feature bits common to all devices. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

/* Device types. */
#define VIRTIO_ID_NET 1

/* The virtio-mmio register block (version 2, "modern"), offsets in bytes.
 * Every register is 32 bits wide; the configuration space starts at
 * VIRTIO_MMIO_CONFIG. */
#define VIRTIO_MMIO_MAGIC          0x000 /* "virt" */
#define VIRTIO_MMIO_VERSION        0x004 /* 2 */
#define VIRTIO_MMIO_DEVICE_ID      0x008
#define VIRTIO_MMIO_VENDOR_ID      0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL      0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX  0x034
#define VIRTIO_MMIO_QUEUE_NUM      0x038
#define VIRTIO_MMIO_QUEUE_READY    0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY   0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK  0x064
#define VIRTIO_MMIO_STATUS         0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW    0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH   0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW  0x090 /* the available ring */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW  0x0a0 /* the used ring */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG         0x100
#define VIRTIO_MMIO_MAGIC_VALUE    0x74726976
#define VIRTIO_MMIO_SIZE           0x200 /* registers + config we use */

/* InterruptStatus / InterruptACK bits. */
#define VIRTIO_MMIO_INT_VRING  1
#define VIRTIO_MMIO_INT_CONFIG 2

/* Split virtqueues (2.6). Sizes are powers of two up to 32768. */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2 /* the device writes this buffer */
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1 /* ignored with EVENT_IDX */
#define VIRTQ_USED_F_NO_NOTIFY     1 /* ignored with EVENT_IDX */
#define VIRTQ_MAX_SIZE 32768

struct virtq_desc {
	uint64_t addr; /* guest-physical */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* The available ring: flags, idx, ring[size], then used_event (EVENT_IDX). */
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id;  /* head of the chain */
	uint32_t len; /* bytes written into it */
};

/* The used ring: flags, idx, ring[size], then avail_event (EVENT_IDX). */
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

/* Bytes each part of a queue of n entries takes, and its alignment. */
#define VIRTQ_DESC_BYTES(n)  (16u * (n))
#define VIRTQ_AVAIL_BYTES(n) (6u + 2u * (n))
#define VIRTQ_USED_BYTES(n)  (6u + 8u * (n))
#define VIRTQ_DESC_ALIGN  16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN  4

/* With EVENT_IDX: should the side that moved idx from old to new signal
 * the other, which asked to hear when idx passes event? (2.6.7.2) */
static inline int virtq_need_event(uint16_t event, uint16_t new_idx,
				   uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* The network device (5.1). Queue 0 receives, queue 1 transmits. */
#define VIRTIO_NET_F_CSUM       0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU        3
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_HOST_TSO4  11
#define VIRTIO_NET_F_MRG_RXBUF  15
#define VIRTIO_NET_F_STATUS     16
#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1
#define VIRTIO_NET_S_LINK_UP 1

struct virtio_net_config {
	uint8_t mac[6];
	uint16_t status; /* VIRTIO_NET_S_* */
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
};

/* The header before every frame (VERSION_1: always with num_buffers). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_GSO_NONE 0
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

#endif
