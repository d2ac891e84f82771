/* A Linux program for the loader tests: built static with musl and with
 * glibc, run unmodified from the initrd by build/husk.elf. */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello %s from %s\n", argc > 1 ? argv[1] : "world", argv[0]);
	return 3;
}
