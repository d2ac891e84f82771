/*
 * Dereferences NULL. The library OS reports the page fault, names
 * crash_here in a backtrace, and the VM exits 139 (128 + SIGSEGV).
 */
#include <husk.h>

static int *volatile nowhere; /* volatile: the compiler must do the load */

__attribute__((noinline)) static int crash_here(int x)
{
	return *nowhere + x;
}

__attribute__((noinline)) static int call_crash(int x)
{
	return crash_here(x) + 1;
}

int main(int argc, char **argv)
{
	(void)argv;
	printf("about to dereference NULL\n");
	return call_crash(argc);
}
