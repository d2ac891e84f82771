/* The check of user buffers (the calls themselves are in file.c). */
#include "../vm.h"
#include "calls.h"

/* Whether [p, p+n) is in the program's part of the address space (see
 * vm_program_space). Mapped-ness is the page-fault path's business. */
int user_range_ok(uint64_t p, uint64_t n)
{
	return vm_program_space(p, n ? n : 1);
}
