/* virtio-net as an lwIP netif. */
#ifndef KERNEL_DRIVERS_NET_VIRTIO_NET_H
#define KERNEL_DRIVERS_NET_VIRTIO_NET_H

struct virtio_dev;

/* Sets the device up and adds it to lwIP as the default interface
 * (starting lwIP); on failure, says why and leaves it. */
void virtio_net_attach(struct virtio_dev *d);

#endif
