/*
 * Starting a Linux program from the root filesystem: its segments (and its
 * interpreter's) mapped with their permissions, a stack with argv, envp and
 * the auxiliary vector, and a jump to the entry point in ring 3.
 */
#ifndef KERNEL_EXEC_EXEC_H
#define KERNEL_EXEC_EXEC_H

#include <stdint.h>

struct exec_start {
	uint64_t entry; /* the interpreter's, when there is one */
	uint64_t sp;
	uint64_t brk;   /* first address past the program's segments */
};

/* 0 or a negative errno, with a message naming the file in err. */
int exec_load(const char *path, char *const argv[], char *const envp[],
	      struct exec_start *out, char *err, unsigned long errlen);

/* The checks exec_load makes before it maps anything (the file, its ELF
 * headers, its interpreter): execve runs them while the old program can
 * still be told. */
int exec_check(const char *path, char *err, unsigned long errlen);

/* Jumps to the program with the registers a Linux process starts with. */
void exec_jump(const struct exec_start *s) __attribute__((noreturn));

#endif
