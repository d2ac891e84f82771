# The Linux system-call layer (kernel/sys/).
KERNEL_C += sys/syscall.c sys/io.c sys/proc.c sys/mem.c sys/misc.c sys/fs.c
KERNEL_C += sys/fd.c sys/file.c sys/namei.c sys/stat.c sys/dir.c sys/mmap.c sys/mmap_private.c sys/ident.c sys/signal.c sys/sigframe.c sys/timers.c sys/signalfd.c sys/execve.c
KERNEL_C += sys/devfs.c sys/procfs.c
KERNEL_C += sys/msync.c sys/mlock.c
KERNEL_C += sys/pipe.c sys/poll.c sys/epoll.c sys/eventfd.c sys/timerfd.c sys/anon.c
KERNEL_S += sys/entry.S

# Names from the kernel header (linux-libc-dev), generated at build time.
$(KBUILD)/sys/names.c: scripts/gen-syscall-names.sh
	@mkdir -p $(dir $@)
	scripts/gen-syscall-names.sh > $@
$(KBUILD)/sys/names.o: $(KBUILD)/sys/names.c kernel/kernel.mk
	$(CC) $(GUEST_CFLAGS) -Ikernel/sys -c $< -o $@
KERNEL_OBJS_EXTRA += $(KBUILD)/sys/names.o
