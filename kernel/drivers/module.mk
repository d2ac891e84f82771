# Device drivers (kernel/drivers/): virtio (split virtqueues; the mmio and
# modern PCI transports), PCI bus 0 with MSI-X, the IOAPIC for microvm's
# lines, and virtio-net as an lwIP netif. A library that only
# build/husk.elf links, reached from kernel/net/netcfg.c: kernel/net/
# module.mk places it among KERNEL_LIBS and gives drivers/net/ lwIP's
# headers.
DRIVERS_UNITS := probe virtio/virtq virtio/virtio virtio/mmio \
	virtio/pci_modern pci/pci pci/msix net/virtio_net
DRIVERS_OBJS := $(DRIVERS_UNITS:%=$(KBUILD)/drivers/%.o) \
	$(KBUILD)/arch/x86_64/ioapic.o
DRIVERS_LIB := $(KBUILD)/libdrivers.a
$(DRIVERS_LIB): $(DRIVERS_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The virtqueue code on the host, against the real page allocator.
$(BUILD)/tests/unit/test_virtq: tests/unit/test_virtq.c kernel/drivers/virtio/virtq.c \
		kernel/drivers/virtio/virtq.h kernel/mm/pmem.c kernel/mm/heap.c tests/unit/check.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -o $@ tests/unit/test_virtq.c \
		kernel/drivers/virtio/virtq.c kernel/mm/pmem.c kernel/mm/heap.c
UNIT_TESTS += $(BUILD)/tests/unit/test_virtq
