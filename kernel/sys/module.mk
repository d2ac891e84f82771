# The Linux system-call layer (kernel/sys/).
KERNEL_C += sys/syscall.c
KERNEL_S += sys/entry.S
