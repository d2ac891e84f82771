/*
 * Prints the wall-clock time the guest believes (Unix seconds) and checks
 * that the monotonic clock moves forward and agrees with itself.
 */
#include <husk.h>

int main(int argc, char **argv)
{
	uint64_t t0 = husk_clock_ns(), t1;
	unsigned long spins = 0;

	(void)argc;
	(void)argv;
	do {
		t1 = husk_clock_ns();
		spins++;
	} while (t1 - t0 < 1000000); /* 1 ms */
	printf("wall %lu\n", (unsigned long)(husk_realtime_ns() / 1000000000));
	printf("monotonic advanced %lu ns in %lu reads\n",
	       (unsigned long)(t1 - t0), spins);
	return t1 > t0 ? 0 : 1;
}
