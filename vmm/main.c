/* husk-vmm: the monitor's program (its work is vmm_main.c's). */
#include "vmm_main.h"

int main(int argc, char **argv)
{
	return vmm_main(argc, argv);
}
