/* Console output and fatal errors of the library OS. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
void console_write(const char *s, unsigned long n);     /* stdout */
void console_write_err(const char *s, unsigned long n); /* stderr */

/* Prints "husk: panic: ..." and ends the VM with HUSK_STATUS_PANIC. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Ends the VM with the program's status, output flushed. */
void husk_exit(int status) __attribute__((noreturn));

#endif
