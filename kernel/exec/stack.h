/*
 * The initial stack of a Linux program, as the kernel lays it out: argc,
 * argv, envp, the auxiliary vector, then the strings and AT_RANDOM's bytes
 * above them. Built into a buffer that will be mapped at [top - size, top).
 */
#ifndef KERNEL_EXEC_STACK_H
#define KERNEL_EXEC_STACK_H

#include <stddef.h>
#include <stdint.h>

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31

struct stack_spec {
	char *const *argv;    /* NULL-terminated */
	char *const *envp;    /* NULL-terminated */
	const char *execfn;   /* the path as given to execve */
	const uint64_t *auxv; /* (type, value) pairs, AT_NULL-terminated;
			       * AT_RANDOM, AT_EXECFN and AT_PLATFORM are
			       * added here, pointing into the stack */
	uint8_t random[16];
};

/* Lays the stack out in buf, which will live at [top - size, top). Returns
 * the program's initial rsp (16-byte aligned, pointing at argc), or 0 when
 * it does not fit (E2BIG for the caller). */
uint64_t stack_build(uint8_t *buf, size_t size, uint64_t top,
		     const struct stack_spec *s);

#endif
