/* The smallest husk program: print a line and exit 0. */
#include <husk.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Hello from husk\n");
	return 0;
}
