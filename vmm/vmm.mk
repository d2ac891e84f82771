# husk-vmm, included by the top-level Makefile (which defines BUILD,
# HOST_CC, HOST_CFLAGS and UNIT_TESTS).
#
#   $(BUILD)/bin/husk-vmm      the monitor
#   $(BUILD)/vmm/*.o           its objects (machine.o: the shared builder)
#   $(BUILD)/tests/unit/test_vmm_* and test_machine: host unit tests
#
# Linked statically (glibc and libseccomp): no dynamic loader, no libraries
# to map and relocate. Measured with hyperfine -N (1000 runs) on a PVM
# guest: `husk-vmm --version` 1.6-1.7 ms static, 2.5 ms dynamic; the static
# binary starts as fast as a static "hello world". VMM_STATIC= builds it
# dynamically.

# Rules below must not become the default goal if we are included first.
vmm_saved_goal := $(.DEFAULT_GOAL)

VMM_BIN := $(BUILD)/bin/husk-vmm
VMM_SRCS := $(wildcard vmm/*.c)
VMM_OBJS := $(patsubst vmm/%.c,$(BUILD)/vmm/%.o,$(VMM_SRCS))
VMM_MACHINE_OBJ := $(BUILD)/vmm/machine.o
VMM_STATIC ?= 1
VMM_LDFLAGS := $(if $(VMM_STATIC),-static)
VMM_LDLIBS := -lseccomp

VMM_TESTS := $(BUILD)/tests/unit/test_vmm_elf \
	$(BUILD)/tests/unit/test_vmm_bootinfo \
	$(BUILD)/tests/unit/test_vmm_cpuid \
	$(BUILD)/tests/unit/test_vmm_seccomp \
	$(BUILD)/tests/unit/test_machine
UNIT_TESTS += $(VMM_TESTS)

.PHONY: husk-vmm
husk-vmm: $(VMM_BIN)

$(VMM_BIN): $(VMM_OBJS) $(VMM_MACHINE_OBJ)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(VMM_LDFLAGS) -o $@ $^ $(VMM_LDLIBS)

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
VMM_TEST_CFLAGS_test_vmm_seccomp = $(HOST_CFLAGS)

$(filter $(BUILD)/tests/unit/test_vmm_%,$(VMM_TESTS)): \
		$(BUILD)/tests/unit/%: tests/unit/%.c $(VMM_LIB_SRCS) $(VMM_HDRS) \
		kernel/cmdline.c
	@mkdir -p $(@D)
	$(HOST_CC) $(or $(VMM_TEST_CFLAGS_$*),$(VMM_TEST_CFLAGS)) -Ivmm -o $@ $< \
		$(VMM_LIB_SRCS) \
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

-include $(VMM_OBJS:.o=.d) $(VMM_MACHINE_OBJ:.o=.d)

.DEFAULT_GOAL := $(vmm_saved_goal)
