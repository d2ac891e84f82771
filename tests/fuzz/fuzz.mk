# Fuzzing (tests/fuzz/), included by the top-level Makefile after the
# other makefiles (it uses their source lists and TEST_CFLAGS).
#
#   make fuzz                 builds every harness with clang and libFuzzer
#                             into $(BUILD)/fuzz and runs each for
#                             FUZZ_SECONDS (default 60), one after the
#                             other, under nice; FUZZ=NAME... picks some.
#                             Crashes land in tests/fuzz/regress/NAME/.
#   $(BUILD)/tests/unit/test_fuzz_NAME
#                             the same harness with gcc, ASan and UBSan and
#                             tests/fuzz/replay.c instead of libFuzzer: part
#                             of `all`, so `make test` replays every input
#                             in tests/fuzz/corpus/NAME and regress/NAME.
#
# Each harness, fuzz_NAME.c, links the code it fuzzes the way its unit
# tests do: FUZZ_SRCS_NAME are compiled into it; the lib/ ones link lib/
# built once per flavour into an archive (FUZZ_LIB_NAME set).

FUZZ_NAMES := elf cpio dockerfile dockerignore oci_spec archive virtio console
FUZZ ?= $(FUZZ_NAMES)
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang-14
FUZZ_DIR := $(BUILD)/fuzz
# libFuzzer's own instrumentation is added at link time (-fsanitize=fuzzer
# there); objects only need its coverage hooks.
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Iinclude \
	-fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all \
	-fsanitize=fuzzer-no-link

FUZZ_SRCS_elf := kernel/exec/elf.c
FUZZ_FLAGS_elf := -Dvsnprintf=vsnprintf
FUZZ_SRCS_cpio := $(FS_TEST_SRC)
FUZZ_DEPS_cpio := $(wildcard kernel/fs/*.h)
FUZZ_SRCS_virtio := vmm/virtio_mmio.c vmm/virtq.c vmm/net.c vmm/util.c
FUZZ_FLAGS_virtio := -Ivmm
FUZZ_DEPS_virtio := vmm/vmm.h $(wildcard include/husk/*.h)
FUZZ_SRCS_console := vmm/console.c vmm/util.c
FUZZ_FLAGS_console := -Ivmm
FUZZ_DEPS_console := $(FUZZ_DEPS_virtio)
FUZZ_LIB_dockerfile := 1
FUZZ_LIB_dockerignore := 1
FUZZ_LIB_oci_spec := 1
FUZZ_LIB_archive := 1
FUZZ_FLAGS_LIB := -Ilib

FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_REPLAYS := $(FUZZ_NAMES:%=$(BUILD)/tests/unit/test_fuzz_%)
UNIT_TESTS += $(FUZZ_REPLAYS)

# lib/ built by clang for libFuzzer; the replay uses the unit tests'
# build of it (lib/lib.mk's LIB_TEST_A).
$(FUZZ_DIR)/lib/%.o: lib/%.c $(LIB_HDRS) tests/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ilib -c $< -o $@
$(FUZZ_DIR)/libhusk.a: $(LIB_SRCS:lib/%.c=$(FUZZ_DIR)/lib/%.o)
	rm -f $@
	ar rcs $@ $^

# fuzz_rules NAME: the libFuzzer binary and the replay test.
define fuzz_rules
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/fuzz.h \
		$(FUZZ_SRCS_$(1)) $(FUZZ_DEPS_$(1)) tests/fuzz/fuzz.mk \
		$(if $(FUZZ_LIB_$(1)),$(FUZZ_DIR)/libhusk.a)
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_FLAGS_$(1)) \
		$(if $(FUZZ_LIB_$(1)),$(FUZZ_FLAGS_LIB)) -o $$@ $$< \
		$(FUZZ_SRCS_$(1)) \
		$(if $(FUZZ_LIB_$(1)),$(FUZZ_DIR)/libhusk.a $(LIB_LDLIBS))
$(BUILD)/tests/unit/test_fuzz_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/fuzz.h \
		tests/fuzz/replay.c $(FUZZ_SRCS_$(1)) $(FUZZ_DEPS_$(1)) \
		tests/fuzz/fuzz.mk $(if $(FUZZ_LIB_$(1)),$(LIB_TEST_A))
	@mkdir -p $$(@D)
	$(HOST_CC) $(TEST_CFLAGS) -DFUZZ_NAME='"$(1)"' $(FUZZ_FLAGS_$(1)) \
		$(if $(FUZZ_LIB_$(1)),$(FUZZ_FLAGS_LIB)) -o $$@ $$< \
		tests/fuzz/replay.c $(FUZZ_SRCS_$(1)) \
		$(if $(FUZZ_LIB_$(1)),$(LIB_TEST_A) $(LIB_LDLIBS))
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_rules,$(n))))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ:%=$(FUZZ_DIR)/fuzz_%)

fuzz: setup
	@$(MAKE) -s fuzz-build
	@tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ)
