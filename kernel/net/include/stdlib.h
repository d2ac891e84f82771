/* What lwIP's sources take from <stdlib.h>: atoi (netif_find's names),
 * from kernel/net/port.c. */
#ifndef KERNEL_NET_INCLUDE_STDLIB_H
#define KERNEL_NET_INCLUDE_STDLIB_H

int atoi(const char *s);

#endif
