/*
 * lwIP's life in the library OS: started by the first AF_INET socket (a
 * program that never uses the network pays nothing), its timers run from
 * the scheduler's deadlines (kernel/sched/sched.c asks net_next_deadline
 * and calls net_poll), and what lwIP queues on its netifs is delivered by
 * net_pump outside lwIP's own calls.
 *
 * Interfaces are lwIP netifs: the loopback one (127.0.0.1, lwIP's own) is
 * up from the start. A NIC's driver adds its netif and registers with
 * net_add_nic: net_poll has it take what the device finished (received
 * frames go to lwIP from there, never from an interrupt), and net_pump
 * has it notify the device once for everything lwIP queued meanwhile.
 */
#include "../clock.h"
#include "../sched/thread.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "net.h"

#define NIC_POLL_NS 1000000 /* a NIC without interrupts: every 1 ms */

static int started;
static struct net_nic *nics;

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
	for (struct net_nic *n = nics; n; n = n->next)
		n->flush(n);
}

void net_add_nic(struct net_nic *n)
{
	n->next = nics;
	nics = n;
}

/* A NIC with work left over, or one without interrupts, needs the
 * scheduler back soon even when nothing else does. */
static uint64_t nic_deadline(uint64_t now)
{
	uint64_t d = 0;

	for (struct net_nic *n = nics; n; n = n->next) {
		if (n->busy)
			return now;
		if (n->polled)
			d = now + NIC_POLL_NS;
	}
	return d;
}

uint64_t net_next_deadline(void)
{
	uint64_t now, timers = 0, d;
	u32_t ms;

	if (!started)
		return 0;
	now = clock_monotonic_ns();
	ms = sys_timeouts_sleeptime();
	if (ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		timers = now + (uint64_t)ms * 1000000 + 1;
	d = nic_deadline(now);
	return d && (!timers || d < timers) ? d : timers;
}

void net_poll(uint64_t now)
{
	(void)now; /* lwIP reads the time itself, through sys_now */
	if (!started)
		return;
	for (struct net_nic *n = nics; n; n = n->next)
		n->busy = n->poll(n);
	sys_check_timeouts();
	net_pump();
}
