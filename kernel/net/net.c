/*
 * lwIP's life in the library OS: started by the first AF_INET socket (a
 * program that never uses the network pays nothing), its timers run from
 * the scheduler's deadlines (kernel/sched/sched.c asks net_next_deadline
 * and calls net_poll), and what lwIP queues on its netifs is delivered by
 * net_pump outside lwIP's own calls.
 *
 * Interfaces are lwIP netifs: the loopback one (127.0.0.1, lwIP's own) is
 * up from the start. A NIC driver (none yet) is to add itself with
 * netif_add and feed the frames it received to netif->input from net_poll.
 */
#include "../clock.h"
#include "../sched/thread.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "net.h"

static int started;

void net_start(void)
{
	if (started)
		return;
	lwip_init(); /* brings up the loopback netif */
	started = 1;
	sched_timers_changed(); /* lwIP's timers are deadlines now */
}

static int frames_queued(void)
{
	struct netif *n;

	NETIF_FOREACH(n) {
		if (n->loop_first)
			return 1;
	}
	return 0;
}

/* A frame delivered on loopback is often answered at once (an ACK, a
 * RST): keep delivering until every queue is empty. */
void net_pump(void)
{
	if (!started)
		return;
	while (frames_queued())
		netif_poll_all();
}

uint64_t net_next_deadline(void)
{
	u32_t ms;

	if (!started)
		return 0;
	ms = sys_timeouts_sleeptime();
	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return 0;
	return clock_monotonic_ns() + (uint64_t)ms * 1000000 + 1;
}

void net_poll(uint64_t now)
{
	(void)now; /* lwIP reads the time itself, through sys_now */
	if (!started)
		return;
	sys_check_timeouts();
	net_pump();
}
