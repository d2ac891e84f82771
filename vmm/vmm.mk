# husk-vmm, included by the top-level Makefile (which defines BUILD,
# HOST_CC, HOST_CFLAGS and UNIT_TESTS).
#
#   $(BUILD)/bin/husk-vmm      the monitor
#   $(BUILD)/vmm/*.o           its objects (machine.o: the shared builder)
#   $(BUILD)/vmm/libvmm.a      all of them but main.o: vmm_main(), which
#                              husk links too (cli/cli.mk, vmm_main.h)
#   $(BUILD)/tests/unit/test_vmm_* and test_machine: host unit tests
#
# Linked statically (glibc, libseccomp, libslirp, GLib and PCRE2): no
# dynamic loader, no libraries to map and relocate. Measured with
# hyperfine -N (1000 runs) on a PVM guest: `husk-vmm --version` 1.6-1.7 ms
# static, 2.5 ms dynamic; the static binary starts as fast as a static
# "hello world". VMM_STATIC= builds it dynamically (as SAN=1 does: see
# the top-level Makefile).
#
# libslirp (--net user) comes as source (Debian ships no libslirp.a):
# scripts/fetch-sources.sh puts Debian's libslirp source package in
# $(BUILD)/src/libslirp, and the rules below compile its src/*.c as its
# meson.build would, into $(BUILD)/vmm/libslirp.a. Its GLib and PCRE2 are
# Debian's static libraries (libglib2.0-dev, libpcre2-dev).

# Rules below must not become the default goal if we are included first.
vmm_saved_goal := $(.DEFAULT_GOAL)

VMM_BIN := $(BUILD)/bin/husk-vmm
VMM_SRCS := $(wildcard vmm/*.c)
VMM_OBJS := $(patsubst vmm/%.c,$(BUILD)/vmm/%.o,$(VMM_SRCS))
VMM_MACHINE_OBJ := $(BUILD)/vmm/machine.o
VMM_LIB := $(BUILD)/vmm/libvmm.a
VMM_STATIC ?= 1
VMM_LDFLAGS := $(if $(VMM_STATIC),-static)

SLIRP_SRC := $(BUILD)/src/libslirp
SLIRP_FETCHED := $(SLIRP_SRC)/src/libslirp.h
SLIRP_OUT := $(BUILD)/vmm/slirp
SLIRP_LIB := $(BUILD)/vmm/libslirp.a
SLIRP_UNITS := arp_table bootp cksum dhcpv6 dnssearch if ip6_icmp ip6_input \
	ip6_output ip_icmp ip_input ip_output mbuf misc ncsi ndp_table sbuf \
	slirp socket state stream tcp_input tcp_output tcp_subr tcp_timer tftp \
	udp udp6 util version vmstate
SLIRP_OBJS := $(SLIRP_UNITS:%=$(SLIRP_OUT)/%.o)
GLIB_CFLAGS := $(shell pkg-config --cflags glib-2.0 2>/dev/null || \
	echo -I/usr/include/glib-2.0 -I/usr/lib/x86_64-linux-gnu/glib-2.0/include)
# Ours that include <libslirp.h>: its version header is generated.
SLIRP_INC := -I$(SLIRP_SRC)/src -I$(SLIRP_OUT)
# As meson.build compiles it (gnu99, its log domain); its warnings are not
# ours to fix. Not instrumented under SAN=1 (test_vmm_seccomp and
# test_vmm_net link it without the sanitizers' runtime); ASan's
# interceptors still check its calls to the C library.
SLIRP_CFLAGS := -std=gnu99 -O2 -g -DG_LOG_DOMAIN='"Slirp"' $(GLIB_CFLAGS) \
	$(SLIRP_INC) -w
VMM_LDLIBS := -lseccomp $(SLIRP_LIB) -lglib-2.0 -lpcre2-8 -lm -pthread

VMM_TESTS := $(BUILD)/tests/unit/test_vmm_elf \
	$(BUILD)/tests/unit/test_vmm_bootinfo \
	$(BUILD)/tests/unit/test_vmm_cpuid \
	$(BUILD)/tests/unit/test_vmm_seccomp \
	$(BUILD)/tests/unit/test_vmm_virtq \
	$(BUILD)/tests/unit/test_vmm_net \
	$(BUILD)/tests/unit/test_machine
UNIT_TESTS += $(VMM_TESTS)

.PHONY: husk-vmm
husk-vmm: $(VMM_BIN)

$(VMM_BIN): $(BUILD)/vmm/main.o $(VMM_LIB) $(SLIRP_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(VMM_LDFLAGS) -o $@ $(BUILD)/vmm/main.o \
		$(VMM_LIB) $(VMM_LDLIBS)

$(VMM_LIB): $(filter-out $(BUILD)/vmm/main.o,$(VMM_OBJS)) $(VMM_MACHINE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# After lwIP's fetch (kernel/net/module.mk), which already fetches whatever
# is missing: two runs of the script at once would race.
$(SLIRP_FETCHED): | $(LWIP_FETCHED)
	scripts/fetch-sources.sh

# meson's configure_file of src/libslirp-version.h.in, from meson.build's
# project version.
$(SLIRP_OUT)/libslirp-version.h: | $(SLIRP_FETCHED)
	@mkdir -p $(@D)
	v=$$(sed -n "s/^ *version *: *'\([0-9][0-9.]*\)'.*/\1/p" \
		$(SLIRP_SRC)/meson.build | head -n 1); \
	[ -n "$$v" ] || { echo "vmm.mk: no version in $(SLIRP_SRC)/meson.build" >&2; exit 1; }; \
	sed -e "s/@SLIRP_MAJOR_VERSION@/$${v%%.*}/" \
	    -e "s/@SLIRP_MINOR_VERSION@/$$(echo $$v | cut -d. -f2)/" \
	    -e "s/@SLIRP_MICRO_VERSION@/$$(echo $$v | cut -d. -f3)/" \
	    -e "s/@SLIRP_VERSION_STRING@/\"$$v\"/" \
	    $(SLIRP_SRC)/src/libslirp-version.h.in > $@.tmp && mv $@.tmp $@

$(SLIRP_OUT)/%.o: $(SLIRP_FETCHED) $(SLIRP_OUT)/libslirp-version.h vmm/vmm.mk
	@mkdir -p $(@D)
	$(HOST_CC) $(SLIRP_CFLAGS) -c -o $@ $(SLIRP_SRC)/src/$*.c

# slirp.c reads /etc/resolv.conf (fopen, stat) to forward DNS; its calls go
# to vmm/net_resolv.c instead, which serves a copy read before the I/O
# thread's seccomp filter (no file opens there).
$(SLIRP_OUT)/slirp.o: $(SLIRP_OUT)/slirp-raw.o
	objcopy --redefine-sym fopen=net_resolv_fopen \
		--redefine-sym stat=net_resolv_stat $< $@
$(SLIRP_OUT)/slirp-raw.o: $(SLIRP_FETCHED) $(SLIRP_OUT)/libslirp-version.h vmm/vmm.mk
	@mkdir -p $(@D)
	$(HOST_CC) $(SLIRP_CFLAGS) -c -o $@ $(SLIRP_SRC)/src/slirp.c

# socket.c listens on a published port with a backlog of 1: a burst of
# clients (wrk -c20, a browser) would wait on the host's SYN queue and some
# time out. Its listen goes to net_user.c's net_user_listen, which asks for
# the host's maximum instead.
$(SLIRP_OUT)/socket.o: $(SLIRP_OUT)/socket-raw.o
	objcopy --redefine-sym listen=net_user_listen $< $@
$(SLIRP_OUT)/socket-raw.o: $(SLIRP_FETCHED) $(SLIRP_OUT)/libslirp-version.h vmm/vmm.mk
	@mkdir -p $(@D)
	$(HOST_CC) $(SLIRP_CFLAGS) -c -o $@ $(SLIRP_SRC)/src/socket.c

$(SLIRP_LIB): $(SLIRP_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/vmm/net_user.o: HOST_CFLAGS += $(SLIRP_INC) $(GLIB_CFLAGS)
$(BUILD)/vmm/net_user.o: $(SLIRP_OUT)/libslirp-version.h

$(BUILD)/vmm/%.o: vmm/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

$(VMM_MACHINE_OBJ): kernel/arch/x86_64/machine.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

# The tests compile the monitor's sources themselves, with the sanitizers
# of tests/tests.mk (TEST_CFLAGS) when it defines them: the ELF loader and
# the parsers are fed hostile input there. test_vmm_bootinfo also links the
# guest's command-line parser, to check that its quoting round-trips.
VMM_LIB_SRCS := $(filter-out vmm/main.c,$(VMM_SRCS)) kernel/arch/x86_64/machine.c
VMM_HDRS := vmm/vmm.h $(wildcard include/husk/*.h) tests/unit/check.h
VMM_TEST_CFLAGS = $(if $(TEST_CFLAGS),$(TEST_CFLAGS),$(HOST_CFLAGS))
VMM_TEST_EXTRA_test_vmm_bootinfo := kernel/cmdline.c
# ASan's _exit() calls sigaltstack(), which the filter rightly kills.
# Without the sanitizers even under SAN=1: these check the normal filter,
# not the ASan build's wider one (vmm/seccomp_san.c).
VMM_TEST_CFLAGS_test_vmm_seccomp = $(filter-out $(SAN_CFLAGS),$(HOST_CFLAGS))
# Likewise its thread-exit bookkeeping under the I/O thread's filter
# (test_vmm_virtq runs the ring code under the sanitizers).
VMM_TEST_CFLAGS_test_vmm_net = $(filter-out $(SAN_CFLAGS),$(HOST_CFLAGS))

$(filter $(BUILD)/tests/unit/test_vmm_%,$(VMM_TESTS)): \
		$(BUILD)/tests/unit/%: tests/unit/%.c $(VMM_LIB_SRCS) $(VMM_HDRS) \
		kernel/cmdline.c $(SLIRP_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) $(or $(VMM_TEST_CFLAGS_$*),$(VMM_TEST_CFLAGS)) -Ivmm \
		$(SLIRP_INC) $(GLIB_CFLAGS) -o $@ $< $(VMM_LIB_SRCS) \
		$(VMM_TEST_EXTRA_$*) $(VMM_LDLIBS)

$(BUILD)/tests/unit/test_machine: tests/unit/test_machine.c \
		kernel/arch/x86_64/machine.c $(VMM_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(VMM_TEST_CFLAGS) -o $@ $< kernel/arch/x86_64/machine.c

# Misbehaving guests for vmm/testdata/nested-test.sh (not part of `all`).
$(BUILD)/vmm/testdata/mkguest: vmm/testdata/mkguest.c vmm/testdata/guests.S \
		vmm/testdata/guests.h $(VMM_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ vmm/testdata/mkguest.c vmm/testdata/guests.S

# A guest that abuses the network device (nested-cases.sh), linked like
# the examples: it reaches the device through the library OS's internals.
$(BUILD)/vmm/testdata/hostile_dev/main.o: vmm/testdata/hostile_dev.c kernel/kernel.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@
$(BUILD)/vmm/testdata/hostile_dev.elf: $(BUILD)/vmm/testdata/hostile_dev/main.o $(IMAGE_DEPS)
	$(call link_image,$<)

-include $(VMM_OBJS:.o=.d) $(VMM_MACHINE_OBJ:.o=.d)

.DEFAULT_GOAL := $(vmm_saved_goal)
