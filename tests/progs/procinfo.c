/* Process and machine information calls: sysinfo, getrusage, times,
 * sched_getaffinity, getcpu (one CPU, one process in a husk guest). */
#define _GNU_SOURCE
#include <stdio.h>
#include <sched.h>
#include <sys/sysinfo.h>
#include <sys/resource.h>
#include <sys/times.h>
int main(void){struct sysinfo si; struct rusage ru; struct tms t; cpu_set_t s; unsigned c=9,n=9;
int a=sysinfo(&si), b=getrusage(RUSAGE_SELF,&ru); long d=times(&t); int e=sched_getaffinity(0,sizeof s,&s); int f=0; c=(unsigned)sched_getcpu(); if ((int)c < 0) f=-1; (void)n;
printf("sysinfo %d ram %d procs %d; getrusage %d; times %d; affinity %d count %d; getcpu %d cpu %u\n", a, si.totalram>0, si.procs>0, b, d>=0, e, CPU_COUNT(&s), f, c); return 0;}
