# Threads, the scheduler, futexes (kernel/sched/).
KERNEL_C += sched/sched.c
