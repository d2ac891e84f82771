# husk: `make` builds everything into build/; `make demo` and `make test`
# install what is missing first (scripts/setup.sh). See README.md.

SHELL := /bin/bash
BUILD ?= build
HOST_CC ?= gcc
HOST_CFLAGS ?= -std=gnu11 -O2 -g -Wall -Wextra -Iinclude
CC := gcc
LD := ld

UNIT_TESTS :=
EXAMPLES := hello crash oom faults clock syscall vm

# SAN=1 builds the host programs (husk, husk-vmm, husk-runtime, husk-qemu)
# and host tools with AddressSanitizer and UBSan, for `make test-asan`.
# gcc cannot put the ASan runtime into a static executable, so they are
# then linked dynamically (the libraries built here, libslirp and lib/,
# are still linked in); the normal build stays static. Guest code is not
# affected (CC and GUEST_CFLAGS).
SAN ?=
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
ifneq ($(SAN),)
HOST_CFLAGS += $(SAN_CFLAGS)
VMM_STATIC :=
HUSK_STATIC :=
RT_STATIC :=
endif
# Where `make test-asan` builds.
ASAN_BUILD ?= build-asan

.PHONY: all demo test test-asan setup clean
all: $(BUILD)/bin/husk-vmm $(BUILD)/husk.elf $(EXAMPLES:%=$(BUILD)/examples/%.elf) unit-tests

include kernel/kernel.mk
include vmm/vmm.mk
include tests/tests.mk
include lib/lib.mk
# cli/cli.mk adds build/bin/husk to `all`.
-include cli/cli.mk
# runtime/runtime.mk adds build/bin/husk-runtime and build/bin/husk-qemu.
-include runtime/runtime.mk
# tests/fuzz/fuzz.mk: `make fuzz`, and the replay of its inputs as unit tests.
include tests/fuzz/fuzz.mk

unit-tests: $(UNIT_TESTS)

setup:
	@scripts/setup.sh

demo: setup
	@$(MAKE) -s $(BUILD)/bin/husk-vmm $(BUILD)/examples/hello.elf >/dev/null
	@scripts/demo.sh

# Every test: the suite, then the host programs under ASan and UBSan
# (scripts/test.sh; TEST_ASAN=0 leaves the second out).
test: setup
	@$(MAKE) -s all >/dev/null
	@BUILD=$(BUILD) ASAN_BUILD=$(ASAN_BUILD) scripts/test.sh

# The host programs under ASan and UBSan (SAN=1, in $(ASAN_BUILD)) and
# the tests that run them: unit tests, host suites, husk-vmm's own cases
# and the boot cases on it (nested KVM). Any sanitizer report fails it
# (scripts/test-asan.sh says how).
test-asan: setup
	@$(MAKE) -s BUILD=$(ASAN_BUILD) SAN=1 all >/dev/null
	@BUILD=$(ASAN_BUILD) scripts/test-asan.sh

# Every benchmark (several minutes; results go in bench/RESULTS.md by hand).
bench: setup
	@$(MAKE) -s all >/dev/null
	@bench/boot.sh
	@bench/syscall.sh
	@bench/cpu.sh
	@bench/run.sh

clean:
	rm -rf $(BUILD)
.PRECIOUS: $(BUILD)/examples/%/main.o
