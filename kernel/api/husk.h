/*
 * What a program linked into a husk image (examples/) can call. Programs
 * that arrive as Linux binaries use the system-call layer instead.
 */
#ifndef HUSK_API_H
#define HUSK_API_H

#include <stddef.h>
#include <stdint.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void exit(int status) __attribute__((noreturn));
void *malloc(size_t size); /* NULL when memory is out */
void free(void *p);
uint64_t husk_clock_ns(void);    /* monotonic, since boot */
uint64_t husk_realtime_ns(void); /* Unix time */

#endif
