# husk-runtime, the OCI runtime, and husk-qemu, the QEMU fallback
# monitor that lib/launch uses where KVM is unusable; included by the
# top-level Makefile. Both are thin layers over lib/ and, like husk,
# linked statically (cli/cli.mk says why).
#
#   $(BUILD)/bin/husk-runtime   runtime/*.c but qemu_main.c
#   $(BUILD)/bin/husk-qemu      runtime/qemu_main.c
#   $(BUILD)/tests/unit/test_runtime_*   tests/unit/test_runtime_*.c, under
#                               ASan and UBSan like lib's tests

RT_BIN := $(BUILD)/bin/husk-runtime
QEMU_WRAPPER_BIN := $(BUILD)/bin/husk-qemu
RT_SRCS := $(filter-out runtime/qemu_main.c,$(wildcard runtime/*.c))
RT_OBJS := $(patsubst runtime/%.c,$(BUILD)/runtime/%.o,$(RT_SRCS))
RT_STATIC ?= 1
RT_STATIC_LDFLAGS := -static -Wl,--gc-sections
RT_LDFLAGS := $(if $(RT_STATIC),$(RT_STATIC_LDFLAGS))
RT_LDLIBS := $(LIB_LDLIBS) $(if $(RT_STATIC),-lacl -lzstd -llzma -lbz2 -lz)

all: $(RT_BIN) $(QEMU_WRAPPER_BIN)

$(BUILD)/runtime/%.o: runtime/%.c runtime/runtime.h $(LIB_HDRS) runtime/runtime.mk
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Ilib -c -o $@ $<

$(RT_BIN): $(RT_OBJS) $(LIB_A) runtime/runtime.mk
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(RT_LDFLAGS) -o $@ $(RT_OBJS) $(LIB_A) $(RT_LDLIBS)

$(QEMU_WRAPPER_BIN): $(BUILD)/runtime/qemu_main.o $(LIB_A) runtime/runtime.mk
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(RT_LDFLAGS) -o $@ $< $(LIB_A) $(RT_LDLIBS)

RT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_runtime_*.c))
$(BUILD)/tests/unit/test_runtime_%: tests/unit/test_runtime_%.c $(LIB_TEST_A) $(LIB_HDRS) \
		tests/unit/check.h runtime/runtime.mk
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -Ilib -o $@ $< $(LIB_TEST_A) $(LIB_LDLIBS)
UNIT_TESTS += $(RT_TESTS)
