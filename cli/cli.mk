# The husk CLI, included by the top-level Makefile. A thin layer over
# lib/ (the store), linked with $(LIB_A) and its libraries.
#
#   $(BUILD)/bin/husk
#
# Linked statically, as husk-vmm is (vmm/vmm.mk): `husk run` starts a
# husk process before every guest, and dynamically linked it mapped and
# relocated libarchive, libxml2, ICU, nettle, libcrypto and more each
# time: ~85 ms of `husk version` in the nested-KVM guest, where every page
# fault is emulated (bench/RESULTS.md). Statically, --gc-sections keeps
# only what lib/ calls: libarchive's tar, cpio and raw formats and its
# gzip, bzip2, xz and zstd filters (lib/layer_filters.c), libacl for
# archive_write_disk, SHA-256 alone from libcrypto (lib/digest.c). Nothing
# in lib/ or cli/ resolves users, groups or hosts through libc (the link's
# getpw* warnings come from GLib, which the monitor links: see below, and
# which never calls them in husk-vmm's use). HUSK_STATIC= builds it
# dynamically.
#
# husk also carries the monitor: `husk run --rm` calls vmm_main() in its
# own process instead of exec'ing husk-vmm (vmm/vmm_main.h), so it links
# $(VMM_LIB) and husk-vmm's libraries (libseccomp, libslirp, GLib).

CLI_BIN := $(BUILD)/bin/husk
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(patsubst cli/%.c,$(BUILD)/cli/%.o,$(CLI_SRCS))
HUSK_STATIC ?= 1
CLI_STATIC_LDFLAGS := -static -Wl,--gc-sections
CLI_LDFLAGS := $(if $(HUSK_STATIC),$(CLI_STATIC_LDFLAGS))
# A static link names every library behind LIB_LDLIBS, dependencies last.
CLI_LDLIBS := $(LIB_LDLIBS) $(if $(HUSK_STATIC),-lacl -lzstd -llzma -lbz2 -lz) \
	$(VMM_LIB) $(VMM_LDLIBS)

all: $(CLI_BIN)

$(BUILD)/cli/%.o: cli/%.c $(wildcard cli/*.h) $(LIB_HDRS) cli/cli.mk
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Ilib -Ivmm -c -o $@ $<

$(CLI_BIN): $(CLI_OBJS) $(LIB_A) $(VMM_LIB) $(SLIRP_LIB) cli/cli.mk
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CLI_LDFLAGS) -o $@ $(CLI_OBJS) $(LIB_A) $(CLI_LDLIBS)
