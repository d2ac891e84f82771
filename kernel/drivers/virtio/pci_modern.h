/* The virtio-pci transport, modern interface (virtio 1.x). */
#ifndef KERNEL_DRIVERS_VIRTIO_PCI_MODERN_H
#define KERNEL_DRIVERS_VIRTIO_PCI_MODERN_H

#include "../pci/pci.h"

/* f, if it is a virtio device, is handed to its driver: 1. 0 when it is
 * not a virtio device, -1 when it is one we cannot use (said why). */
int virtio_pci_probe(const struct pci_fn *f);

#endif
