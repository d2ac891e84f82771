/*
 * The monitor as a function. husk-vmm is main() calling it; `husk run
 * --rm` (cli/container_exec.c) calls it too, in husk's own process,
 * rather than exec'ing husk-vmm: one exec fewer before every guest (on
 * this project's PVM machines an exec of a static binary costs ~1.2 ms,
 * more than half of husk run's own cost).
 *
 * argv is husk-vmm's command line (see husk-vmm --help); argv[0] is only
 * a name. The caller must own nothing it needs afterwards: vmm_main
 * closes every descriptor above standard error (bar --status-fd's),
 * installs its signal handlers, and leaves the calling thread under the
 * run loop's seccomp filter, which allows exit but not much else. It
 * returns the exit status (the program's, or one of husk-vmm's own: see
 * include/husk/abi.h); call _exit() with it at once.
 */
#ifndef HUSK_VMM_MAIN_H
#define HUSK_VMM_MAIN_H

int vmm_main(int argc, char **argv);

#endif
