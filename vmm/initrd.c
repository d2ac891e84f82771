/*
 * The initrd: read into the top of guest memory, page-aligned, so that it
 * stays out of the way of the image at 1 MiB and the guest can reach it
 * through its direct map.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

static int place(const char *path, uint64_t size, const struct guest_mem *g,
		 uint64_t floor, const char *mem_arg, uint64_t *paddr)
{
	char sz[32];

	if (size > g->size || ((g->size - size) & ~(PAGE_SIZE - 1)) < floor)
		return vmm_fail(HUSK_VMM_EXIT_MEMORY,
				"--initrd %s (%s) does not fit in guest memory "
				"above the image (--mem %s)", path,
				fmt_size(sz, sizeof(sz), size), mem_arg);
	*paddr = (g->size - size) & ~(PAGE_SIZE - 1);
	return 0;
}

int initrd_load(const char *path, const struct guest_mem *g, uint64_t floor,
		const char *mem_arg, uint64_t *paddr, uint64_t *size)
{
	struct stat st;
	int fd, rc;

	*paddr = *size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmm_fail(HUSK_VMM_EXIT_IMAGE, "--initrd %s: %s", path,
				strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return vmm_fail(HUSK_VMM_EXIT_IMAGE,
				"--initrd %s: not a regular file", path);
	}
	rc = 0;
	if (st.st_size > 0)
		rc = place(path, (uint64_t)st.st_size, g, floor, mem_arg, paddr);
	if (!rc && st.st_size > 0 &&
	    read_exact(fd, g->base + *paddr, (size_t)st.st_size, 0))
		rc = vmm_fail(HUSK_VMM_EXIT_IMAGE, "--initrd %s: cannot read: %s",
			      path, errno ? strerror(errno) : "short read");
	if (!rc && st.st_size > 0)
		*size = (uint64_t)st.st_size;
	close(fd);
	return rc;
}
