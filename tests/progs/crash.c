/*
 * A program that faults three calls deep, for the crash reports: husk
 * must name crash_here, crash_middle, crash_outer and main, in that
 * order, from the program's own symbol table.
 *
 *   crash        the fault goes to a SIGSEGV handler, which prints what
 *                it was told and exits 0 (compared with Linux)
 *   crash segv   the fault is not handled: the program ends with 139
 *                and husk reports it with a backtrace
 *
 * The functions keep their frame pointers and their calls (no inlining,
 * no tail calls) whatever flags the test suite builds with: the
 * backtrace walks the frame-pointer chain.
 */
#pragma GCC optimize("no-omit-frame-pointer", "no-optimize-sibling-calls")
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAULT_ADDR 0x10

static volatile int depth_reached;

__attribute__((noinline)) void reach(int depth)
{
	depth_reached = depth;
}

/* Not a leaf (it calls reach): compilers that keep frame pointers may
 * still leave them out of leaf functions, and then a frame-pointer walk
 * cannot see the leaf's caller. */
__attribute__((noinline)) void crash_here(int *p)
{
	reach(3);
	*p = 42; /* p is FAULT_ADDR: nothing is mapped there */
	reach(4);
}

__attribute__((noinline)) void crash_middle(int *p)
{
	reach(2);
	crash_here(p);
	depth_reached += 10; /* work after the call: it stays a call */
}

__attribute__((noinline)) void crash_outer(int *p)
{
	reach(1);
	crash_middle(p);
	depth_reached += 10;
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	char line[128];
	int n;

	(void)ctx;
	n = snprintf(line, sizeof(line), "crash: caught %s, code %s, address %#lx, "
		     "depth %d\n", sig == SIGSEGV ? "SIGSEGV" : "another signal",
		     si->si_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other",
		     (unsigned long)si->si_addr, depth_reached);
	write(1, line, (size_t)n);
	_exit(0);
}

int main(int argc, char **argv)
{
	int *p = (int *)(unsigned long)FAULT_ADDR;
	struct sigaction sa;

	if (argc > 1 && strcmp(argv[1], "segv")) {
		fprintf(stderr, "crash: unknown mode '%s' (segv)\n", argv[1]);
		return 2;
	}
	if (argc == 1) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
	}
	printf("crash: faulting three calls deep\n");
	fflush(stdout);
	crash_outer(p);
	printf("crash: still alive (depth %d)\n", depth_reached);
	return 1;
}
