/*
 * Commits one fault, named by argv[1], so the tests can check that every
 * protection holds and every exception reaches the handler:
 *   null write-text write-rodata exec-data exec-stack overflow ud2 div0
 *   int3 hlt syscall supervisor
 * Each must end the VM with 128 + the signal a Linux process would get.
 * "invlpg" instead uses the ring-0 TLB-flush service and must come back.
 */
#include <husk.h>

static int strequal(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int main(int argc, char **argv);
static const char rodata[16] = "read only";
static unsigned char data_code[16] = { 0xc3 }; /* ret */
extern char husk_syscall_entry[], __gdt[];
void husk_invlpg(const void *va);

__attribute__((noinline)) static int recurse(volatile int depth)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	if (depth >= 0)
		pad[1] = (char)recurse(depth + 1);
	return pad[0] + pad[1];
}

static void fault(const char *what)
{
	volatile int zero = 0;

	if (strequal(what, "null"))
		*(volatile int *)0 = 1;
	else if (strequal(what, "write-text"))
		*(volatile unsigned char *)(void *)main = 0x90;
	else if (strequal(what, "write-rodata"))
		*(volatile char *)rodata = 'x';
	else if (strequal(what, "exec-data"))
		((void (*)(void))(void *)data_code)();
	else if (strequal(what, "exec-stack")) {
		unsigned char code[1] = { 0xc3 };
		((void (*)(void))(void *)code)();
	} else if (strequal(what, "overflow"))
		recurse(0);
	else if (strequal(what, "ud2"))
		__asm__ volatile("ud2");
	else if (strequal(what, "div0"))
		__asm__ volatile("divl %1" : : "a"(1), "r"(zero), "d"(0));
	else if (strequal(what, "int3"))
		__asm__ volatile("int3");
	else if (strequal(what, "hlt"))
		__asm__ volatile("cli"); /* privileged: #GP, not a service site */
	else if (strequal(what, "syscall"))
		__asm__ volatile("syscall" : : "a"(39) : "rcx", "r11", "memory");
	else if (strequal(what, "supervisor"))
		printf("%d\n", *(volatile char *)__gdt); /* ring-0 only page */
	else if (strequal(what, "invlpg")) {
		husk_invlpg(rodata);
		husk_invlpg(data_code);
		printf("faults: invlpg returned, %s\n", rodata);
		exit(0);
	} else
		printf("faults: unknown fault '%s'\n", what);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: faults KIND\n");
		return 2;
	}
	printf("faults: %s\n", argv[1]);
	fault(argv[1]);
	printf("faults: %s did not fault\n", argv[1]);
	return 1;
}
