# Threads, the scheduler, futexes (kernel/sched/), and interrupt dispatch.
KERNEL_C += sched/sched.c sched/thread.c sched/fpu.c sched/futex.c \
	sched/clone.c sched/rseq.c irq.c arch/x86_64/lapic.c
KERNEL_S += sched/switch.S
