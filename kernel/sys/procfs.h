/* A small /proc: self, self/{exe,fd/,cmdline,maps,mounts}, cpuinfo,
 * meminfo, uptime, mounts, sys/kernel/hostname. */
#ifndef KERNEL_SYS_PROCFS_H
#define KERNEL_SYS_PROCFS_H

#include <stdint.h>

#define PROCFS_HOSTNAME "husk"

void procfs_mount(void);
/* The program's argv and initial stack pointer (for cmdline and maps). */
void procfs_set_start(int argc, char **argv, uint64_t sp, uint64_t brk);

#endif
