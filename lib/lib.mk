# lib/: what the husk CLI and the OCI runtime share (host side): the image
# store, Dockerfile parsing, root-filesystem packing, launching a guest.
# One static library, linked into both; never two copies of the code.
#
#   $(BUILD)/lib/libhusk.a          every lib/*.c
#   $(BUILD)/tests/lib/libhusk.a    the same, built as the unit tests are
#                                   (ASan and UBSan), once for all of them
#   $(BUILD)/tests/unit/test_lib_*  tests/unit/test_lib_*.c, linked with it

LIB_A := $(BUILD)/lib/libhusk.a
LIB_SRCS := $(wildcard lib/*.c)
LIB_HDRS := $(wildcard lib/*.h)
LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
LIB_LDLIBS := -ljansson -larchive -lcrypto

$(BUILD)/lib/%.o: lib/%.c $(LIB_HDRS) lib/lib.mk
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -Ilib -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

LIB_TEST_A := $(BUILD)/tests/lib/libhusk.a
LIB_TEST_OBJS := $(patsubst lib/%.c,$(BUILD)/tests/lib/%.o,$(LIB_SRCS))

$(BUILD)/tests/lib/%.o: lib/%.c $(LIB_HDRS) lib/lib.mk
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -Ilib -c $< -o $@

$(LIB_TEST_A): $(LIB_TEST_OBJS)
	rm -f $@
	ar rcs $@ $^

LIB_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_lib_*.c))
$(BUILD)/tests/unit/test_lib_%: tests/unit/test_lib_%.c $(LIB_TEST_A) $(LIB_HDRS) \
		$(wildcard tests/unit/test_lib_*.h) tests/unit/check.h lib/lib.mk
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -Ilib -o $@ $< $(LIB_TEST_A) $(LIB_LDLIBS)
UNIT_TESTS += $(LIB_TESTS)
