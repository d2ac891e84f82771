# The guest: the library OS (ring 3), the ring-0 stubs and PVH entry, and
# bootable images of the examples, each linked twice so that it carries its
# own symbol table (scripts/gensyms.c).

KBUILD := $(BUILD)/kernel
# The whole library OS is built without SSE/x87 (-mgeneral-regs-only): it
# runs in the program's own context, so it must leave the program's vector
# registers as a system call would, without paying for xsave on every call.
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -ffreestanding -fno-builtin \
	-fno-pic -fno-pie -mcmodel=small -fno-stack-protector \
	-fno-omit-frame-pointer -fno-optimize-sibling-calls \
	-fno-asynchronous-unwind-tables \
	-fcf-protection=none -mgeneral-regs-only -Iinclude -Ikernel/api -MMD -MP
# Ring-0 C: no red zone (interrupts arrive on the same stack), no jump
# tables or library calls (SSE is already off: fatal in ring 0 under PVM).
GUEST_R0_CFLAGS := $(GUEST_CFLAGS) -mno-red-zone \
	-fno-jump-tables -fno-tree-loop-distribute-patterns
GUEST_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack \
	--build-id=none -T kernel/arch/x86_64/husk.ld

KERNEL_C := main.c console.c clock.c cmdline.c syms.c trap.c backtrace.c api.c random.c \
	lib/string.c lib/format.c mm/pmem.c mm/heap.c mm/mm.c mm/vm.c mm/vma.c \
	platform/vmm.c platform/qemu.c
KERNEL_R0_C := arch/x86_64/machine.c arch/x86_64/pvh.c
KERNEL_S := arch/x86_64/entry.S arch/x86_64/pvh.S arch/x86_64/note.S
# Subsystems add their sources (KERNEL_C += fs/x.c, paths relative to
# kernel/), libraries (KERNEL_LIBS) and unit tests in kernel/*/module.mk.
KERNEL_LIBS :=
KERNEL_OBJS_EXTRA :=
include $(wildcard kernel/*/module.mk)

KERNEL_OBJS := $(KERNEL_OBJS_EXTRA) $(KERNEL_C:%.c=$(KBUILD)/%.o) \
	$(KERNEL_R0_C:%.c=$(KBUILD)/r0/%.o) \
	$(KERNEL_S:%.S=$(KBUILD)/%.S.o)

# Objects depend on this file too: changed flags rebuild them.
$(KBUILD)/%.o: kernel/%.c kernel/kernel.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

# Ring-0 C goes into .r0text, the supervisor-only code segment.
$(KBUILD)/r0/%.o: kernel/%.c kernel/kernel.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_R0_CFLAGS) -MT $@ -MF $@.d -c $< -o $@.tmp
	objcopy --rename-section .text=.r0text $@.tmp $@
	@rm -f $@.tmp

$(KBUILD)/%.S.o: kernel/%.S kernel/kernel.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -D__ASSEMBLER__ -c $< -o $@

$(KBUILD)/syms0.o: kernel/arch/x86_64/syms0.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/tools/gensyms: scripts/gensyms.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $< -o $@

$(BUILD)/examples/%/main.o: examples/%/main.c kernel/kernel.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

# Pass 1 with an empty table; pass 2 with the real one. The table sits at
# the end of rodata, after all code, so code addresses cannot move between
# the passes: the build checks that they did not.
#   $(call link_image,PROGRAM_OBJECT)  in the recipe of an image $@
define link_image
	$(LD) $(GUEST_LDFLAGS) $(KERNEL_OBJS) $(1) $(KERNEL_LIBS) $(KBUILD)/syms0.o -o $@.pass1
	nm -n $@.pass1 | $(BUILD)/tools/gensyms > $@.syms.S
	$(CC) $(GUEST_CFLAGS) -c $@.syms.S -o $@.syms.o
	$(LD) $(GUEST_LDFLAGS) $(KERNEL_OBJS) $(1) $(KERNEL_LIBS) $@.syms.o -o $@.debug
	@cmp -s <(nm -n $@.pass1 | grep -E ' [tTW] ') \
		<(nm -n $@.debug | grep -E ' [tTW] ') || \
		{ echo "$@: code moved between link passes" >&2; exit 1; }
	scripts/check-ring0.sh $@.debug
	strip -o $@ $@.debug
	@rm -f $@.pass1
endef
IMAGE_DEPS := $(KERNEL_OBJS) $(KERNEL_LIBS) $(KBUILD)/syms0.o \
	$(BUILD)/tools/gensyms kernel/arch/x86_64/husk.ld scripts/check-ring0.sh

$(BUILD)/examples/%.elf: $(BUILD)/examples/%/main.o $(IMAGE_DEPS)
	$(call link_image,$<)

# The generic kernel: runs the Linux program its command line names.
$(BUILD)/husk.elf: $(KBUILD)/launcher/main.o $(IMAGE_DEPS)
	$(call link_image,$<)

-include $(shell find $(KBUILD) $(BUILD)/examples -name '*.d' 2>/dev/null)
