# The husk CLI, included by the top-level Makefile. A thin layer over
# lib/ (the store), linked with $(LIB_A) and its libraries.
#
#   $(BUILD)/bin/husk

CLI_BIN := $(BUILD)/bin/husk
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(patsubst cli/%.c,$(BUILD)/cli/%.o,$(CLI_SRCS))

all: $(CLI_BIN)

$(BUILD)/cli/%.o: cli/%.c cli/cli.h $(LIB_HDRS) cli/cli.mk
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Ilib -c -o $@ $<

$(CLI_BIN): $(CLI_OBJS) $(LIB_A)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(CLI_OBJS) $(LIB_A) $(LIB_LDLIBS)
