/*
 * Raw SYSCALL instructions, as a Linux program issues them, through the
 * slow path (a trap, then the library OS's system-call layer): write,
 * getpid, an unimplemented number, and exit_group(42) as the last word.
 */
#include <husk.h>

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
	long wrote, pid, none;

	(void)argc;
	(void)argv;
	wrote = sys3(1, 1, (long)msg, sizeof(msg) - 1);
	pid = sys3(39, 0, 0, 0);
	none = sys3(9999, 0, 0, 0);
	printf("wrote %ld getpid %ld enosys %ld\n", wrote, pid, none);
	sys3(231, 42, 0, 0);
	printf("exit_group returned\n");
	return 1;
}
