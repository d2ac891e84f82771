# The loader: the x86 decoder (x86dec.c, over Zydis) and the system-call
# rewriter (rewrite.c).
#
# Zydis (Debian source package zydis) and Zycore's headers (zycore-c) are
# fetched by scripts/fetch-sources.sh into $(BUILD)/src/ and built here:
#   $(BUILD)/third_party/zydis/libzydis-guest.a  freestanding, guest flags
#   $(BUILD)/third_party/zydis/libzydis-host.a   the same sources and
#       configuration for the host unit test, with $(TEST_CFLAGS) (ASan,
#       UBSan), so that the sanitizers watch Zydis's own reads too
#
# Configuration (Zydis's CMake options, as the defines they set):
#   ZYAN_NO_LIBC          no C library: compiler types, no assert; Zycore's
#                         mem*/str* layer is ours (kernel/loader/zycore/
#                         Zycore/LibC.h: kernel/lib/string.c's memset and
#                         memcpy in the guest, the C library's on the host)
#   ZYDIS/ZYCORE_STATIC_BUILD  no visibility/export attributes
#   ZYDIS_MINIMAL_MODE    length, mnemonic and raw fields, no operands:
#                         every encoding is still validated; the tables
#                         shrink from ~330 KB to ~140 KB
#   ZYDIS_DISABLE_ENCODER, _FORMATTER, _SEGMENT  not needed
#   ZYDIS_DISABLE_KNC     Knights Corner's MVEX (never decoded by default)
# AVX-512 stays: without it EVEX instructions (glibc's *-evex string
# functions) would not decode and the sweep would lose its boundaries.

ZYDIS_SRC := $(BUILD)/src/zydis
ZYCORE_SRC := $(BUILD)/src/zycore
ZYDIS_OUT := $(BUILD)/third_party/zydis
ZYDIS_LIB := $(ZYDIS_OUT)/libzydis-guest.a
ZYDIS_HOST_LIB := $(ZYDIS_OUT)/libzydis-host.a
ZYDIS_FETCHED := $(ZYDIS_SRC)/include/Zydis/Zydis.h \
	$(ZYCORE_SRC)/include/Zycore/Zycore.h
ZYDIS_DEFS := -DZYAN_NO_LIBC -DZYDIS_STATIC_BUILD -DZYCORE_STATIC_BUILD \
	-DNDEBUG -DZYDIS_MINIMAL_MODE -DZYDIS_DISABLE_ENCODER \
	-DZYDIS_DISABLE_FORMATTER -DZYDIS_DISABLE_SEGMENT -DZYDIS_DISABLE_KNC
# kernel/loader/zycore/Zycore/LibC.h comes first: it replaces Zycore's
# C-library layer (see there: 3.5x faster decoding).
ZYDIS_INC := -I$(ZYDIS_SRC)/include -Ikernel/loader/zycore \
	-I$(ZYCORE_SRC)/include
# The decoder and what it may use; an image links only what it references.
ZYDIS_UNITS := Decoder DecoderData SharedData MetaInfo Mnemonic Register \
	Utils Zydis
ZYDIS_SOURCES := $(ZYDIS_UNITS:%=$(ZYDIS_SRC)/src/%.c)
ZYDIS_GUEST_OBJS := $(ZYDIS_UNITS:%=$(ZYDIS_OUT)/guest/%.o)
ZYDIS_HOST_OBJS := $(ZYDIS_UNITS:%=$(ZYDIS_OUT)/host/%.o)
ZYDIS_GUEST_CFLAGS := $(filter-out -I% -MMD -MP,$(GUEST_CFLAGS)) \
	$(ZYDIS_DEFS) $(ZYDIS_INC) -I$(ZYDIS_SRC)/src

# In an archive: an image carries the decoder (~140 KB, mostly Zydis's
# tables) only once something it links calls it.
LOADER_LIB := $(KBUILD)/libloader.a
KERNEL_LIBS += $(LOADER_LIB) $(ZYDIS_LIB)

$(LOADER_LIB): $(KBUILD)/loader/x86dec.o $(KBUILD)/loader/rewrite.o
	@rm -f $@
	ar rcs $@ $^

# The system-call rewriter (rewrite.c). kernel/exec/exec.c refers to it
# weakly, so that images which run no Linux program (the examples) do not
# carry the decoder; the generic kernel asks for it.
$(BUILD)/husk.elf: GUEST_LDFLAGS += -u rewrite_code

# Fetched once (quietly a no-op when present); `make clean` removes them
# with the rest of $(BUILD).
$(ZYDIS_FETCHED) &:
	scripts/fetch-sources.sh
$(ZYDIS_SOURCES): | $(ZYDIS_FETCHED) ;

$(KBUILD)/loader/x86dec.o: GUEST_CFLAGS += $(ZYDIS_DEFS) $(ZYDIS_INC)
$(KBUILD)/loader/x86dec.o: kernel/loader/module.mk | $(ZYDIS_FETCHED)

$(ZYDIS_OUT)/guest/%.o: $(ZYDIS_SRC)/src/%.c kernel/loader/module.mk | $(ZYDIS_FETCHED)
	@mkdir -p $(@D)
	$(CC) $(ZYDIS_GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(ZYDIS_LIB): $(ZYDIS_GUEST_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(ZYDIS_OUT)/host/%.o: $(ZYDIS_SRC)/src/%.c kernel/loader/module.mk | $(ZYDIS_FETCHED)
	@mkdir -p $(@D)
	$(HOST_CC) $(filter-out -I%,$(TEST_CFLAGS)) $(ZYDIS_DEFS) $(ZYDIS_INC) \
		-I$(ZYDIS_SRC)/src -MMD -MP -c $< -o $@

$(ZYDIS_HOST_LIB): $(ZYDIS_HOST_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The unit test scans hand-made code and real static binaries (built here
# from tests/unit/x86dec_sample.c with glibc and, when musl-gcc is there,
# musl) and compares what it finds with objdump.
X86DEC_DIR := $(BUILD)/tests/unit/x86dec
X86DEC_SAMPLES := $(X86DEC_DIR)/sample-glibc \
	$(if $(shell command -v musl-gcc 2>/dev/null),$(X86DEC_DIR)/sample-musl)

$(X86DEC_DIR)/sample-glibc: tests/unit/x86dec_sample.c
	@mkdir -p $(@D)
	$(HOST_CC) -O2 -static -o $@ $<

$(X86DEC_DIR)/sample-musl: tests/unit/x86dec_sample.c
	@mkdir -p $(@D)
	musl-gcc -O2 -static -o $@ $<

$(BUILD)/tests/unit/test_x86dec: tests/unit/test_x86dec.c kernel/loader/x86dec.c \
		kernel/loader/x86dec.h kernel/loader/zycore/Zycore/LibC.h \
		tests/unit/check.h $(ZYDIS_HOST_LIB) \
		$(X86DEC_SAMPLES)
	@mkdir -p $(@D)
	$(HOST_CC) $(TEST_CFLAGS) $(ZYDIS_DEFS) $(ZYDIS_INC) -Ikernel/loader \
		-DX86DEC_SAMPLES_DIR='"$(abspath $(X86DEC_DIR))"' -o $@ \
		tests/unit/test_x86dec.c kernel/loader/x86dec.c $(ZYDIS_HOST_LIB)

UNIT_TESTS += $(BUILD)/tests/unit/test_x86dec

# The moved form's verdicts on hand-made code.
$(BUILD)/tests/unit/test_x86win: tests/unit/test_x86win.c kernel/loader/x86dec.c \
		kernel/loader/x86dec.h kernel/loader/zycore/Zycore/LibC.h \
		tests/unit/check.h $(ZYDIS_HOST_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) $(TEST_CFLAGS) $(ZYDIS_DEFS) $(ZYDIS_INC) -Ikernel/loader -o $@ \
		tests/unit/test_x86win.c kernel/loader/x86dec.c $(ZYDIS_HOST_LIB)

UNIT_TESTS += $(BUILD)/tests/unit/test_x86win

-include $(wildcard $(ZYDIS_OUT)/*/*.d)
