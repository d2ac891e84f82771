/* What lwIP's sources take from <string.h>: kernel/lib's functions. */
#ifndef KERNEL_NET_INCLUDE_STRING_H
#define KERNEL_NET_INCLUDE_STRING_H

#include "../../lib.h"

#endif
