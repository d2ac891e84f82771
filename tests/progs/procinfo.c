/*
 * Process and machine information calls: sysinfo, getrusage, times,
 * sched_getaffinity, getcpu, and what the C library builds on them. One
 * line per check ("ok N what" / "not ok N what"), the same on Linux and in
 * a husk guest, so that tests/compare can hold the guest to the host's
 * output; exits 0 only when every check passed. The checks therefore test
 * properties, never values that depend on the machine (CPU count, memory).
 *   procinfo        run the checks
 *   procinfo cpus   print what the guest's one CPU looks like ("affinity
 *                   count N getcpu cpu C node D"), for the boot case that
 *                   holds husk to one CPU
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <unistd.h>

static int n, failed;

static void check(int ok, const char *what)
{
	n++;
	if (!ok)
		failed++;
	printf("%s %d %s\n", ok ? "ok" : "not ok", n, what);
}

#define ERR(call, e) ((call) == -1 && errno == (e))

static int timeval_ok(struct timeval tv)
{
	return tv.tv_sec >= 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000;
}

static void check_sysinfo(void)
{
	struct sysinfo si;

	memset(&si, 0xa5, sizeof(si));
	check(sysinfo(&si) == 0, "sysinfo");
	check(si.mem_unit >= 1 && si.totalram > 0, "sysinfo totalram");
	check(si.freeram <= si.totalram, "sysinfo freeram within totalram");
	check(si.procs >= 1, "sysinfo counts this process");
	check(si.freeswap <= si.totalswap, "sysinfo freeswap within totalswap");
	check(ERR(syscall(SYS_sysinfo, (void *)8), EFAULT), "sysinfo bad pointer EFAULT");
}

static void check_getrusage(void)
{
	struct rusage ru;

	memset(&ru, 0xa5, sizeof(ru));
	check(getrusage(RUSAGE_SELF, &ru) == 0, "getrusage self");
	check(timeval_ok(ru.ru_utime) && timeval_ok(ru.ru_stime), "getrusage self times");
	check(ru.ru_maxrss >= 0, "getrusage maxrss");
	/* RUSAGE_CHILDREN is -1, an int: glibc loads it with a 32-bit move,
	 * so the register's upper half is zero and only the low half counts. */
	check(getrusage(RUSAGE_CHILDREN, &ru) == 0, "getrusage children");
	check(getrusage(RUSAGE_THREAD, &ru) == 0, "getrusage thread");
	check(ERR(getrusage(2, &ru), EINVAL), "getrusage unknown who EINVAL");
}

static void check_times(void)
{
	struct tms t;
	clock_t a, b;

	a = times(&t);
	check(a != (clock_t)-1, "times");
	check(t.tms_utime >= 0 && t.tms_stime >= 0, "times fields");
	b = times(NULL);
	check(b != (clock_t)-1 && b >= a, "times without a buffer, never backwards");
	check(sysconf(_SC_CLK_TCK) == 100, "sysconf CLK_TCK 100");
}

static void check_cpus(void)
{
	cpu_set_t set;
	unsigned cpu = ~0u, node = ~0u;
	int c;

	CPU_ZERO(&set);
	check(sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 1,
	      "sched_getaffinity has a CPU");
	check(ERR(syscall(SYS_sched_getaffinity, 0, 4, &set), EINVAL),
	      "sched_getaffinity short mask EINVAL");
	c = sched_getcpu();
	check(c >= 0 && CPU_ISSET(c, &set), "sched_getcpu in the affinity mask");
	check(syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && cpu != ~0u && node != ~0u,
	      "getcpu fills cpu and node");
	check(syscall(SYS_getcpu, NULL, NULL, NULL) == 0, "getcpu without pointers");
	check(sysconf(_SC_NPROCESSORS_ONLN) >= 1 && sysconf(_SC_NPROCESSORS_CONF) >= 1,
	      "sysconf CPU counts");
	check(get_nprocs() >= 1 && get_nprocs() <= get_nprocs_conf(), "get_nprocs");
}

/* Machine-dependent on purpose: only for the guest's boot case. */
static int print_cpus(void)
{
	cpu_set_t set;
	unsigned cpu = ~0u, node = ~0u;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) ||
	    syscall(SYS_getcpu, &cpu, &node, NULL)) {
		printf("procinfo: %s\n", strerror(errno));
		return 1;
	}
	printf("affinity count %d getcpu cpu %u node %u\n", CPU_COUNT(&set), cpu, node);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "cpus"))
		return print_cpus();
	check_sysinfo();
	check_getrusage();
	check_times();
	check_cpus();
	check(getpid() == syscall(SYS_gettid), "one thread: getpid is gettid");
	printf("procinfo: %d checks, %d failed\n", n, failed);
	return failed ? 1 : 0;
}
