/*
 * Signals sent to husk-vmm (docker stop's SIGTERM, Ctrl-C's SIGINT, kill)
 * are the program's: the handler only records them and makes KVM_RUN
 * return (immediate_exit); the run loop adds them to the console page's
 * signals word and raises HUSK_VEC_HOST_SIGNAL with an MSI to the guest's
 * local APIC, and the guest raises them in the program. Without a local
 * APIC the guest cannot be told: the VM ends as the signal's default
 * action would end the program (128 + the signal).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "vmm.h"

static const int passed[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
static uint64_t pending;
static struct kvm_run *run_area;

static void on_signal(int sig)
{
	__atomic_fetch_or(&pending, 1ULL << (sig - 1), __ATOMIC_SEQ_CST);
	if (run_area)
		run_area->immediate_exit = 1;
}

int signals_install(struct kvm_run *run)
{
	struct sigaction sa;
	unsigned i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: KVM_RUN returns EINTR */
	sigfillset(&sa.sa_mask);
	run_area = run;
	for (i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		if (sigaction(passed[i], &sa, NULL) < 0)
			return vmm_fail(HUSK_VMM_EXIT_KVM, "sigaction: %s",
					strerror(errno));
	return 0;
}

uint64_t signals_take(void)
{
	run_area->immediate_exit = 0;
	return __atomic_exchange_n(&pending, 0, __ATOMIC_SEQ_CST);
}
