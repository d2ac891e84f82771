# Host-side unit tests of guest code (allocator, formatting, command line).
# They run under AddressSanitizer and UBSan. vmm/vmm.mk adds husk-vmm's.

TEST_CFLAGS := $(HOST_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all

$(BUILD)/tests/unit/test_pmem: tests/unit/test_pmem.c kernel/mm/pmem.c \
		kernel/mm/heap.c tests/unit/check.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -Dpanic=panic -o $@ tests/unit/test_pmem.c \
		kernel/mm/pmem.c kernel/mm/heap.c

# Renamed so that the host's own snprintf stays the C library's.
$(BUILD)/tests/unit/test_format: tests/unit/test_format.c kernel/lib/format.c \
		kernel/cmdline.c tests/unit/check.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -Dvsnprintf=husk_vsnprintf -Dsnprintf=husk_snprintf \
		-o $@.tmp1.o -c kernel/lib/format.c
	$(HOST_CC) $(TEST_CFLAGS) -o $@ tests/unit/test_format.c kernel/cmdline.c $@.tmp1.o
	@rm -f $@.tmp1.o

UNIT_TESTS += $(BUILD)/tests/unit/test_pmem $(BUILD)/tests/unit/test_format

# A root filesystem of Linux programs for build/husk.elf (cpio newc, as
# `find . | cpio -o -H newc` writes it): every tests/progs/NAME.c built
# static twice, as /bin/NAME-musl (musl-gcc) and /bin/NAME-glibc (gcc).
ROOTFS := $(BUILD)/tests/rootfs
TEST_PROGS := $(basename $(notdir $(wildcard tests/progs/*.c)))
ROOTFS_BINS := $(foreach p,$(TEST_PROGS),$(ROOTFS)/bin/$(p)-musl $(ROOTFS)/bin/$(p)-glibc)

$(ROOTFS)/bin/%-musl: tests/progs/%.c
	@mkdir -p $(dir $@)
	musl-gcc -static -O2 -o $@ $<

$(ROOTFS)/bin/%-glibc: tests/progs/%.c
	@mkdir -p $(dir $@)
	gcc -static -O2 -o $@ $<

# And dynamically linked: /bin/NAME-dyn (glibc) and /bin/NAME-mdyn (musl),
# with their interpreters and libraries copied from the host, as an image
# built FROM debian would carry them.
ROOTFS_DYN := $(foreach p,$(TEST_PROGS),$(ROOTFS)/bin/$(p)-dyn $(ROOTFS)/bin/$(p)-mdyn)

$(ROOTFS)/bin/%-dyn: tests/progs/%.c
	@mkdir -p $(dir $@)
	gcc -O2 -o $@ $<
	@for l in $$(ldd $@ | grep -o '/[^ ]*'); do \
		mkdir -p $(ROOTFS)$$(dirname $$l) && cp -L $$l $(ROOTFS)$$l; done
	@# glibc loads libgcc_s at run time to unwind (pthread_exit, cancel),
	@# as a Debian image has it.
	@l=$$(gcc -print-file-name=libgcc_s.so.1); l=$$(readlink -f $$l); \
		mkdir -p $(ROOTFS)/lib/x86_64-linux-gnu && \
		cp -L $$l $(ROOTFS)/lib/x86_64-linux-gnu/libgcc_s.so.1

$(ROOTFS)/bin/%-mdyn: tests/progs/%.c
	@mkdir -p $(dir $@) $(ROOTFS)/lib
	musl-gcc -O2 -o $@ $<
	cp -L /lib/ld-musl-x86_64.so.1 $(ROOTFS)/lib/ld-musl-x86_64.so.1

# Debian's busybox-static, sqlite3 and lua5.4, unmodified (the dynamic
# ones with their libraries), and the files the tests feed them.
$(ROOTFS)/bin/busybox: /bin/busybox
	@mkdir -p $(dir $@)
	cp $< $@
$(ROOTFS)/bin/sqlite3 $(ROOTFS)/bin/lua5.4: $(ROOTFS)/bin/%: /usr/bin/%
	@mkdir -p $(dir $@)
	cp $< $@
	@for l in $$(ldd $< | grep -o '/[^ ]*'); do \
		mkdir -p $(ROOTFS)$$(dirname $$l) && cp -L $$l $(ROOTFS)$$l; done
# Name lookups as a Debian image makes them: /etc/hosts first (glibc's
# built-in order asks DNS first).
$(ROOTFS)/etc/nsswitch.conf:
	@mkdir -p $(dir $@)
	printf 'hosts: files dns\n' > $@
$(ROOTFS)/data/%: tests/data/%
	@mkdir -p $(dir $@)
	cp $< $@

# Programs that must not run: a truncated ELF, another machine's ELF, a
# script without an interpreter line, and one whose ld.so is missing.
$(ROOTFS)/bad/.done: $(ROOTFS)/bin/hello-musl tests/progs/hello.c
	@mkdir -p $(dir $@)
	head -c 100 $< > $(ROOTFS)/bad/truncated
	cp $< $(ROOTFS)/bad/wrong-machine
	printf '\267' | dd of=$(ROOTFS)/bad/wrong-machine bs=1 seek=18 conv=notrunc status=none
	printf 'just text, marked executable, with no #! line: %0100d\n' 0 > $(ROOTFS)/bad/text
	gcc -O2 -Wl,--dynamic-linker=/lib/ld-missing.so.2 -o $(ROOTFS)/bad/no-interp tests/progs/hello.c
	chmod 755 $(ROOTFS)/bad/*
	touch $@

$(BUILD)/tests/rootfs.cpio: $(ROOTFS_BINS) $(ROOTFS_DYN) $(ROOTFS)/bin/busybox \
		$(ROOTFS)/bad/.done \
		$(ROOTFS)/bin/sqlite3 $(ROOTFS)/bin/lua5.4 $(ROOTFS)/etc/nsswitch.conf \
		$(patsubst tests/data/%,$(ROOTFS)/data/%,$(wildcard tests/data/*))
	cd $(ROOTFS) && find . | LC_ALL=C sort | cpio -o -H newc --quiet > ../rootfs.cpio

all: $(BUILD)/tests/rootfs.cpio

# The application tests' root filesystem: Debian's nginx and redis-server
# with their libraries and our configuration (tests/apps/mkroot.sh).
# Built by the suite that uses it (tests/suites/apps.sh), not by `all`:
# a machine without nginx can still build husk. Packed by husk itself (an
# image imported, a container created), as `husk run` boots it: ELF data
# page-aligned, so that the guest maps the programs' and libraries' pages
# where the initrd holds them (tests/rootfs.cpio, written by GNU cpio,
# keeps the other path tested: pages copied on first touch).
$(BUILD)/tests/apps.cpio: tests/apps/mkroot.sh $(wildcard tests/apps/*.conf tests/apps/*.html tests/apps/mime.types) | $(BUILD)/bin/husk
	tests/apps/mkroot.sh $(BUILD)/tests/apps
	rm -rf $(BUILD)/tests/apps-home
	HUSK_HOME=$(BUILD)/tests/apps-home $(BUILD)/bin/husk import $(BUILD)/tests/apps apps >/dev/null
	HUSK_HOME=$(BUILD)/tests/apps-home $(BUILD)/bin/husk create apps /usr/sbin/nginx >/dev/null
	cp $(BUILD)/tests/apps-home/rootfs/*.cpio $@
	rm -rf $(BUILD)/tests/apps-home
