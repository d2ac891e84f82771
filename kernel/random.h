/* Randomness for address-space layout, AT_RANDOM and getrandom. */
#ifndef KERNEL_RANDOM_H
#define KERNEL_RANDOM_H

#include <stdint.h>

uint64_t random64(void);

#endif
