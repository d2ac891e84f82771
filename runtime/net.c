/*
 * The guest on the container's network, decided at `start` in the
 * container's namespace: only then is it complete, since docker moves
 * its veth in from the prestart hook (libnetwork-setkey) that create
 * runs after the init has entered the namespace.
 *
 * A namespace with an addressed interface (net_probe.c) gets the NIC
 * plugged (net_plug.c) and the monitor a virtio-net device on the TAP
 * with the interface's MAC, and the guest the address, the gateway and
 * the name servers as its static ip=, gw=, dns= options. One with only
 * lo keeps the monitor's command line create made, without a NIC, and
 * so does one whose interface another guest has taken already (its TAP
 * is there: a pod, --network container:X), since the interface keeps
 * its address for the engine's sake (net_plug.c).
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "launch.h"
#include "runtime.h"
#include "store.h"

/* lib/launch's NetworkMode, MacAddress and GuestNetOptions for n. */
static void describe_nic(const struct rt_init *in, const struct rt_net *n,
			 json_t *config)
{
	json_t *opts = json_array();
	char word[64];
	int i;

	json_object_set_new(config, "NetworkMode", json_string("tap:" RT_NET_TAP));
	json_object_set_new(config, "MacAddress", json_string(n->mac));
	snprintf(word, sizeof(word), "ip=%s/%u", n->addr, n->prefix);
	json_array_append_new(opts, json_string(word));
	if (n->gw[0]) {
		snprintf(word, sizeof(word), "gw=%s", n->gw);
		json_array_append_new(opts, json_string(word));
	}
	for (i = 0; i < in->ndns; i++) {
		snprintf(word, sizeof(word), "dns=%s", in->dns[i]);
		json_array_append_new(opts, json_string(word));
	}
	json_object_set_new(config, "GuestNetOptions", opts);
}

int rt_net_attach(const struct rt_init *in, char ***argv, char *err, size_t nerr)
{
	struct launch_argv with_nic;
	struct rt_net n;
	int found;

	if (if_nametoindex(RT_NET_TAP)) {
		rt_log("warning", "the network namespace's interface belongs to "
		       "another guest (%s exists): this one has no NIC", RT_NET_TAP);
		return 0;
	}
	found = rt_net_probe(&n, err, nerr);
	if (found <= 0)
		return found;
	if (rt_net_plug(&n, RT_NET_TAP, err, nerr))
		return -1;
	describe_nic(in, &n, in->config);
	if (launch_argv(in->config, in->vmm, in->kernel, in->cpio, &with_nic)) {
		snprintf(err, nerr, "the monitor's command line: %s", store_error());
		return -1;
	}
	*argv = with_nic.v;
	return 0;
}
