# Networking (kernel/net/): lwIP, its port, and the socket layer over it.
#
# lwIP (Debian source package lwip) is fetched by scripts/fetch-sources.sh
# into $(BUILD)/src/lwip and built here, freestanding with the guest's
# flags, into $(BUILD)/third_party/lwip/liblwip-guest.a: the core, IPv4
# (ARP, ICMP, DHCP client, fragments), UDP, TCP and the Ethernet layer
# for the NIC driver (kernel/drivers/), and DNS for the servers DHCP
# hands out. The configuration is kernel/net/lwipopts.h;
# kernel/net/arch/ and kernel/net/include/ are lwIP's platform headers.

# A library that only build/husk.elf links (-u sys_socket): the system-call
# table and the scheduler refer to it weakly, so the linked-in examples
# stay small.
NET_UNITS := port net iov socket sockcalls sockmsg sockopt inet tcp udp unix \
	netcfg etcfiles
NET_LIB := $(KBUILD)/libnet.a
$(NET_LIB): $(NET_UNITS:%=$(KBUILD)/net/%.o)
	@rm -f $@
	ar rcs $@ $^
# Weak references pull no archive member: name one symbol of each file the
# table or the scheduler reaches.
$(BUILD)/husk.elf: GUEST_LDFLAGS += -u sys_socket -u sys_sendto -u sys_setsockopt -u net_poll

LWIP_SRC := $(BUILD)/src/lwip
LWIP_OUT := $(BUILD)/third_party/lwip
LWIP_LIB := $(LWIP_OUT)/liblwip-guest.a
LWIP_FETCHED := $(LWIP_SRC)/src/include/lwip/tcp.h
LWIP_INC := -Ikernel/net -Ikernel/net/include -I$(LWIP_SRC)/src/include
LWIP_UNITS := core/init core/def core/inet_chksum core/ip core/mem core/memp \
	core/netif core/pbuf core/stats core/sys core/tcp core/tcp_in \
	core/tcp_out core/timeouts core/udp core/ipv4/dhcp core/ipv4/etharp \
	core/ipv4/icmp core/ipv4/ip4 core/ipv4/ip4_addr core/ipv4/ip4_frag \
	core/dns netif/ethernet \
	core/ipv6/ethip6 core/ipv6/icmp6 core/ipv6/inet6 core/ipv6/ip6 \
	core/ipv6/ip6_addr core/ipv6/ip6_frag core/ipv6/mld6 core/ipv6/nd6
LWIP_SOURCES := $(LWIP_UNITS:%=$(LWIP_SRC)/src/%.c)
LWIP_OBJS := $(LWIP_UNITS:%=$(LWIP_OUT)/%.o)
# lwIP's own code is not ours to warn about.
LWIP_CFLAGS := $(filter-out -I% -MMD -MP -Wextra,$(GUEST_CFLAGS)) \
	-Iinclude $(LWIP_INC) -Wno-address

# The drivers (kernel/drivers/module.mk) come between: netcfg.c reaches
# them, they reach lwIP; lwIP calls back into its port (in libnet.a):
# libnet.a again after it.
KERNEL_LIBS += $(NET_LIB) $(DRIVERS_LIB) $(LWIP_LIB) $(NET_LIB)

# After Zydis's fetch (kernel/loader/module.mk), which already fetches
# whatever is missing: two runs of the script at once would race.
$(LWIP_FETCHED) &: | $(ZYDIS_FETCHED)
	scripts/fetch-sources.sh
$(LWIP_SOURCES): | $(LWIP_FETCHED) ;

# Our files that include lwIP's headers (the NIC driver's too).
$(KBUILD)/net/%.o $(KBUILD)/drivers/net/%.o: GUEST_CFLAGS += $(LWIP_INC)
# (Explicit targets: a pattern rule without a recipe would not add these.)
$(NET_UNITS:%=$(KBUILD)/net/%.o) $(KBUILD)/drivers/net/virtio_net.o: \
		kernel/net/module.mk | $(LWIP_FETCHED)

$(LWIP_OUT)/%.o: $(LWIP_SRC)/src/%.c kernel/net/module.mk kernel/net/lwipopts.h \
		kernel/net/arch/cc.h | $(LWIP_FETCHED)
	@mkdir -p $(@D)
	$(CC) $(LWIP_CFLAGS) -MMD -MP -c $< -o $@

$(LWIP_LIB): $(LWIP_OBJS)
	@rm -f $@
	ar rcs $@ $^

-include $(wildcard $(LWIP_OUT)/*/*.d $(LWIP_OUT)/*/*/*.d)
