# The Linux system-call layer (kernel/sys/).
KERNEL_C += sys/syscall.c sys/io.c sys/proc.c sys/mem.c sys/misc.c sys/fs.c sys/mmap.c
KERNEL_S += sys/entry.S
