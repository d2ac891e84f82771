/*
 * Memory system calls as a Linux program uses them: anonymous mmap (lazy),
 * munmap, mprotect, madvise(DONTNEED), mremap, brk through malloc, and a
 * stack that grows past what the loader maps up front. One line per check;
 * exits 0 only when all passed. Runs the same on Linux.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static int failures, n;

static void check(const char *what, int ok)
{
	printf("%s %d %s\n", ok ? "ok" : "not ok", ++n, what);
	failures += !ok;
}

static int deep(int depth)
{
	volatile char pad[1024];

	pad[0] = (char)depth;
	if (depth == 0)
		return pad[0];
	return deep(depth - 1) + pad[0];
}

int main(void)
{
	size_t big = 64 << 20;
	char *p = mmap(NULL, big, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check("mmap 64 MiB anonymous", p != MAP_FAILED);
	if (p == MAP_FAILED)
		return 1;
	check("fresh pages read as zero", p[0] == 0 && p[big - 1] == 0);
	p[0] = 1;
	p[big / 2] = 2;
	p[big - 1] = 3;
	check("writes stick", p[0] == 1 && p[big / 2] == 2 && p[big - 1] == 3);
	check("madvise DONTNEED", madvise(p, 4096, MADV_DONTNEED) == 0 && p[0] == 0);
	check("mprotect read-only", mprotect(p, 4096, PROT_READ) == 0 && p[0] == 0);
	check("mprotect back to read-write", mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0);
	p[0] = 5;
	char *q = mremap(p, big, 2 * big, MREMAP_MAYMOVE);
	check("mremap grows, contents kept", q != MAP_FAILED && q[0] == 5 && q[big / 2] == 2);
	check("munmap", munmap(q, 2 * big) == 0);
	char *f = mmap((void *)0x600000000000, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("MAP_FIXED at the address asked", f == (void *)0x600000000000);
	f[8191] = 7;
	check("MAP_FIXED_NOREPLACE refuses an occupied range",
	      mmap(f, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		   -1, 0) == MAP_FAILED);
	size_t total = 0;
	for (int i = 1; i < 2000; i++) {
		char *m = malloc((size_t)i * 37);
		if (!m)
			break;
		memset(m, i & 0xff, (size_t)i * 37);
		total += (size_t)i * 37;
		if (i % 3)
			free(m);
	}
	check("malloc and free 2000 blocks", total > 70000000);
	check("stack grows to 2 MiB", deep(2000) >= 0);
	printf("memops: %s\n", failures ? "FAILED" : "all passed");
	return failures ? 1 : 0;
}
