/*
 * Exercises the program address space (kernel/mm/vm.c) from inside the
 * guest: map, write, read, W^X refusal, protect, execute, unmap, and that
 * each unmap or narrowing really takes effect (the TLB flush services).
 *   vm ok        runs the checks and exits 0
 *   vm unmapped  touches a page after unmapping it: must fault (139)
 *   vm readonly  writes a page after protecting it read-only: must fault
 */
#include <husk.h>

#define VM_READ 1u
#define VM_WRITE 2u
#define VM_EXEC 4u
uint64_t pmem_alloc(size_t npages);
int vm_map(uint64_t va, uint64_t pa, uint64_t len, unsigned prot);
long vm_unmap(uint64_t va, uint64_t len, void (*release)(uint64_t pa));
int vm_protect(uint64_t va, uint64_t len, unsigned prot);
int vm_query(uint64_t va, uint64_t *pa, unsigned *prot);

#define VA 0x200000000ULL /* 8 GiB: program territory */

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int fail(const char *what)
{
	printf("vm: FAILED: %s\n", what);
	return 1;
}

static int checks(void)
{
	volatile uint64_t *p = (volatile uint64_t *)VA;
	uint64_t pa = pmem_alloc(2), got;
	unsigned prot;
	int (*fn)(void) = (int (*)(void))(VA + 4096);

	if (!pa)
		return fail("pmem_alloc");
	if (vm_map(VA, pa, 8192, VM_READ | VM_WRITE | VM_EXEC) != -22)
		return fail("writable+executable mapping was accepted");
	if (vm_map(0x40000000, pa, 4096, VM_READ) != -22)
		return fail("mapping over the library OS was accepted");
	if (vm_map(VA, pa, 8192, VM_READ | VM_WRITE))
		return fail("vm_map");
	if (vm_map(VA, pa, 4096, VM_READ) != -17)
		return fail("double mapping was accepted");
	p[0] = 0x1234567887654321ULL;
	if (p[0] != 0x1234567887654321ULL)
		return fail("read back");
	if (!vm_query(VA + 8, &got, &prot) || got != pa + 8 ||
	    prot != (VM_READ | VM_WRITE))
		return fail("vm_query");
	/* "mov $42, %eax; ret" into the second page, then make it code. */
	((volatile unsigned char *)VA)[4096 + 0] = 0xb8;
	((volatile unsigned char *)VA)[4096 + 1] = 42;
	((volatile unsigned char *)VA)[4096 + 2] = 0;
	((volatile unsigned char *)VA)[4096 + 3] = 0;
	((volatile unsigned char *)VA)[4096 + 4] = 0;
	((volatile unsigned char *)VA)[4096 + 5] = 0xc3;
	if (vm_protect(VA + 4096, 4096, VM_READ | VM_EXEC))
		return fail("vm_protect to read+exec");
	if (fn() != 42)
		return fail("executing the new code");
	if (vm_unmap(VA, 8192, 0) != 2)
		return fail("vm_unmap count");
	if (vm_query(VA, &got, &prot))
		return fail("still mapped after vm_unmap");
	printf("vm: all checks passed\n");
	return 0;
}

int main(int argc, char **argv)
{
	volatile uint64_t *p = (volatile uint64_t *)VA;
	uint64_t pa = pmem_alloc(1);

	if (argc < 2 || same(argv[1], "ok"))
		return checks();
	vm_map(VA, pa, 4096, VM_READ | VM_WRITE);
	p[0] = 1; /* now in the TLB */
	if (same(argv[1], "unmapped"))
		vm_unmap(VA, 4096, 0);
	else if (same(argv[1], "readonly"))
		vm_protect(VA, 4096, VM_READ);
	p[0] = 2;
	printf("vm: %s: the write went through\n", argv[1]);
	return 1;
}
