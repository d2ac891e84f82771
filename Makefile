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

.PHONY: all demo test setup clean
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

test: setup
	@$(MAKE) -s all >/dev/null
	@tests/run.sh

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
