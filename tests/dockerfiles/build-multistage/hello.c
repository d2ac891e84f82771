#include <stdio.h>

int main(void)
{
	puts("hello from a husk build");
	return 0;
}
