/*
 * Raw SYSCALL instructions, as a Linux program issues them, through the
 * slow path (a trap, then the library OS's system-call layer): write,
 * getpid, an unimplemented number, a buffer inside the library OS
 * (EFAULT), and exit_group(42) as the last word.
 */
#include <husk.h>

uint64_t pmem_alloc(size_t npages);
int vm_map(uint64_t va, uint64_t pa, uint64_t len, unsigned prot);

/* The system-call layer refuses buffers in the library OS's own window,
 * where this linked-in program's data lives: use a page of program
 * territory, as a Linux program's buffers are. */
#define BUF 0x300000000ULL

static long sys3(long nr, long a0, long a1, long a2)
{
	long ret;
	register long r10 __asm__("r10") = 0;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	static const char msg[] = "via syscall\n";
	char *buf = (char *)BUF;
	long wrote, pid, none, refused;

	(void)argc;
	(void)argv;
	if (vm_map(BUF, pmem_alloc(1), 4096, 3))
		return 2;
	for (unsigned i = 0; i < sizeof(msg); i++)
		buf[i] = msg[i];
	refused = sys3(1, 1, (long)msg, sizeof(msg) - 1);
	wrote = sys3(1, 1, (long)buf, sizeof(msg) - 1);
	pid = sys3(39, 0, 0, 0);
	none = sys3(9999, 0, 0, 0);
	printf("wrote %ld getpid %ld enosys %ld library-os-buffer %ld\n",
	       wrote, pid, none, refused);
	sys3(231, 42, 0, 0);
	printf("exit_group returned\n");
	return 1;
}
