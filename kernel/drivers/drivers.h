/* Device drivers (kernel/drivers/): virtio over mmio and PCI, virtio-net. */
#ifndef KERNEL_DRIVERS_DRIVERS_H
#define KERNEL_DRIVERS_DRIVERS_H

/* Finds the machine's devices and hands each to its driver (a NIC adds
 * itself to lwIP). Once, at boot. */
void drivers_probe(void);

#endif
