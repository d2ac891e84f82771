/* Memory set-up from the boot info: everything but the image and initrd. */
#include <husk/abi.h>
#include <husk/image.h>
#include "../mm.h"
#include "../vm.h"

extern const struct husk_image_layout husk_layout;

void mm_init(const struct husk_boot_info *bi)
{
	struct pmem_range ex[2];
	unsigned n = 0;

	ex[n].base = husk_layout.image_start - HUSK_KERNEL_VBASE;
	ex[n++].end = husk_layout.image_end - HUSK_KERNEL_VBASE;
	if (bi->initrd_size) {
		ex[n].base = bi->initrd_paddr;
		ex[n++].end = bi->initrd_paddr + bi->initrd_size;
	}
	pmem_init(bi->mem, bi->nmem, ex, n, (uintptr_t)HUSK_DIRECT_MAP);
	/* The builder put the PML4 first in the pool. */
	vm_init(husk_layout.pt_pool - HUSK_KERNEL_VBASE, ex[0].base, ex[0].end,
		(uintptr_t)HUSK_KERNEL_VBASE, !!(bi->cpu_features & HUSK_CPU_NX));
}
