/*
 * Exhausts memory through the library OS's own allocator (kmalloc panics
 * when out), proving that running out is a clear panic line, not a hang.
 */
#include <husk.h>

void *kmalloc(size_t size);

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (unsigned long mib = 1;; mib++) {
		char *p = kmalloc(1 << 20);
		p[0] = 1; /* touch it: the pages are really there */
		if (mib % 16 == 0)
			printf("allocated %lu MiB\n", mib);
	}
}
