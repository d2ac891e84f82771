# Loading Linux programs (kernel/exec/): ELF headers, the initial stack.
KERNEL_C += exec/elf.c exec/stack.c exec/elfsyms.c exec/elfsyms_file.c

$(BUILD)/tests/unit/test_exec: tests/unit/test_exec.c kernel/exec/elf.c \
		kernel/exec/stack.c kernel/exec/elf_format.h tests/unit/elf_bytes.h \
		tests/unit/check.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -Dvsnprintf=vsnprintf -o $@ tests/unit/test_exec.c \
		kernel/exec/elf.c kernel/exec/stack.c

UNIT_TESTS += $(BUILD)/tests/unit/test_exec

$(BUILD)/tests/unit/test_elfsyms: tests/unit/test_elfsyms.c kernel/exec/elfsyms.c \
		kernel/exec/elfsyms.h kernel/exec/elf_format.h tests/unit/elf_bytes.h \
		tests/unit/check.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -o $@ tests/unit/test_elfsyms.c kernel/exec/elfsyms.c

UNIT_TESTS += $(BUILD)/tests/unit/test_elfsyms
KERNEL_C += exec/exec.c
KERNEL_S += exec/jump.S
