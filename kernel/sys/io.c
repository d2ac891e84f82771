/* The check of user buffers (the calls themselves are in file.c). */
#include <husk/abi.h>
#include "calls.h"

int user_range_ok(uint64_t p, uint64_t n)
{
	if (p < 4096 || p >= (1ULL << 47) || n > (1ULL << 47) - p)
		return 0;
	return !(p < HUSK_KERNEL_VBASE + (1ULL << 30) && HUSK_KERNEL_VBASE < p + n) &&
	       !(p < HUSK_DIRECT_MAP_END && HUSK_DIRECT_MAP < p + n);
}
