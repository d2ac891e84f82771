/*
 * lwIP's compiler and platform header for the library OS: freestanding
 * (no inttypes.h, no ctype.h), x86_64 little endian, diagnostics and
 * assertions through kprintf, a failed assertion is a panic.
 */
#ifndef KERNEL_NET_ARCH_CC_H
#define KERNEL_NET_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_RAND() lwip_port_rand()

void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lwip_port_assert(const char *msg, const char *file, int line)
	__attribute__((noreturn));

/* LWIP_PLATFORM_DIAG's argument is a parenthesized printf list. */
#define LWIP_PLATFORM_DIAG(x) do { lwip_port_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert((x), __FILE__, __LINE__)

#endif
