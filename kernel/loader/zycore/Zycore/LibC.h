/*
 * husk's port of Zycore's C-library layer: replaces Zycore/LibC.h (same
 * name, same include guard, found first on the include path) wherever
 * kernel/loader/module.mk builds Zydis, for the guest and for the unit test.
 *
 * Zydis is built with ZYAN_NO_LIBC. Zycore's own LibC.h then implements
 * ZYAN_MEMSET and ZYAN_MEMCPY as volatile byte loops, and the decoder clears
 * some 700 bytes of state per instruction with them: 450 ns per instruction
 * instead of 130 (host, glibc's libc.so.6). Here they are plain memset and
 * memcpy: the library OS's (kernel/lib/string.c) in the guest, the C
 * library's on the host. Only what kernel/lib.h provides is mapped; a Zydis
 * unit needing more fails to compile rather than silently running slow.
 */
#ifndef ZYCORE_LIBC_H
#define ZYCORE_LIBC_H

#include <Zycore/Defines.h>
#include <Zycore/Types.h>

#ifndef ZYAN_NO_LIBC
#error "husk builds Zydis with ZYAN_NO_LIBC"
#endif

/* Declared as in kernel/lib.h (and compatibly with a host's string.h). */
void *memcpy(void *dst, const void *src, ZyanUSize n);
void *memmove(void *dst, const void *src, ZyanUSize n);
void *memset(void *dst, int c, ZyanUSize n);
int memcmp(const void *a, const void *b, ZyanUSize n);
ZyanUSize strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, ZyanUSize n);

#define ZYAN_MEMCPY  memcpy
#define ZYAN_MEMMOVE memmove
#define ZYAN_MEMSET  memset
#define ZYAN_MEMCMP  memcmp
#define ZYAN_STRLEN  strlen
#define ZYAN_STRCMP  strcmp
#define ZYAN_STRNCMP strncmp

/* As Zycore's no-libc layer has them for GCC. */
typedef __builtin_va_list ZyanVAList;
#define ZYAN_VA_START(v, l) __builtin_va_start(v, l)
#define ZYAN_VA_END(v)      __builtin_va_end(v)
#define ZYAN_VA_ARG(v, l)   __builtin_va_arg(v, l)
#define ZYAN_VA_COPY(d, s)  __builtin_va_copy(d, s)

#endif
