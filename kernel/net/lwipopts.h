/*
 * lwIP's configuration for husk (lwIP reads it through lwip/opt.h).
 *
 * NO_SYS: lwIP runs inside the library OS, which is never preempted, so
 * no locks and no lwIP threads; its timers run from the scheduler's
 * deadlines (net_next_deadline, net_poll). Only the raw/callback API: the
 * socket layer above it is ours (kernel/net/).
 */
#ifndef KERNEL_NET_LWIPOPTS_H
#define KERNEL_NET_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 0

/* Memory: the library OS heap serves lwIP's heap and every pool, so that
 * nothing is reserved before the network is used. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define mem_clib_malloc lwip_port_malloc
#define mem_clib_free lwip_port_free
#define mem_clib_calloc lwip_port_calloc
#define MEMP_NUM_TCP_PCB 1024
#define MEMP_NUM_TCP_PCB_LISTEN 256
#define MEMP_NUM_UDP_PCB 256
#define MEMP_NUM_TCP_SEG 8192
#define MEMP_NUM_PBUF 4096
#define PBUF_POOL_SIZE 512

/* Protocols: IPv4 with ARP for the NIC (virtio-net), ICMP, UDP, TCP;
 * the DHCP client configures the NIC (kernel/net/netcfg.c). */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
/* IPv6: link-local and stateless autoconfiguration from router
 * advertisements (slirp's, a TAP's); no DHCPv6. Sockets are dual-stack
 * (kernel/net/inet.c). */
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
/* Reassembly keeps its bookkeeping apart: 64-bit pointers do not fit in
 * the fragment header lwIP would otherwise reuse. */
#define IPV6_FRAG_COPYHEADER 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
/* No ARP probe of the offered address (RFC 5227 conflict detection takes
 * seconds): the lease binds in milliseconds. */
#define DHCP_DOES_ARP_CHECK 0
/* lwIP's DNS module only keeps the name servers DHCP supplies, for
 * /etc/resolv.conf; programs resolve with their own libc. */
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 3
#define LWIP_NETIF_HOSTNAME 1 /* sent in DHCP requests */
#define LWIP_IGMP 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define SO_REUSE 1 /* SO_REUSEADDR: bind over TIME_WAIT */

/* The loopback netif (127.0.0.1), polled from net_poll: frames a pcb
 * sends to itself are queued and delivered outside lwIP's own calls. */
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1

/* TCP at line rate: 256 KiB windows (scaled), MSS 1460. */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (256 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
/* lwIP keeps the low-water mark in 16 bits. */
#define TCP_SNDLOWAT 32768
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 128
#define TCP_OVERSIZE TCP_MSS
/* TIME_WAIT lasts 2 * TCP_MSL. lwIP's default (2 minutes) keeps every
 * closed server-side connection's pcb, unbounded with MEMP_MEM_MALLOC,
 * and, unlike Linux, refuses a new SYN on the same addresses and ports
 * meanwhile: behind user-mode networking every client is 10.0.2.2 with
 * the host's ephemeral ports, which come round again within minutes, and
 * each such connection then stalls on SYN retransmissions. 4 s. */
#define TCP_MSL 2000UL
#define LWIP_TCP_KEEPALIVE 1
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_TIMESTAMPS 0

#define LWIP_STATS 0
#define LWIP_PROVIDE_ERRNO 0

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stddef.h>
void *lwip_port_malloc(size_t size);
void *lwip_port_calloc(size_t n, size_t size);
void lwip_port_free(void *p);
uint32_t lwip_port_rand(void);
#endif

#endif
