/*
 * husk-vmm's seccomp allowlist, installed in forked children with a dummy
 * vCPU fd number: what the run loop needs passes, anything else kills the
 * process with SIGSYS. With a network device, its eventfd and futex pass
 * too (the I/O thread's own filter is exercised by test_vmm_net); with
 * --status-fd, writes to that descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "vmm.h"

#define VCPU_FD 1000 /* not open: allowed ioctls fail with EBADF */

enum { OPENAT, WRITE_STDOUT, WRITE_STDERR, WRITE_FILE, KVM_RUN_VCPU,
       GET_REGS_VCPU, KVM_RUN_OTHER_FD, OTHER_IOCTL, GETPID, MMAP, FUTEX };

/* In the child, after the filter: one system call, then exit 0. */
static void attempt(int what, int fd)
{
	static const char msg[] = "# seccomp child: write allowed\n";

	switch (what) {
	case OPENAT:
		syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
		break;
	case WRITE_STDOUT:
		if (write(1, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
			_exit(3);
		break;
	case WRITE_STDERR:
		if (write(2, "", 0) != 0)
			_exit(3);
		break;
	case WRITE_FILE:
		if (write(fd, "x", 1) < 0)
			_exit(3);
		break;
	case KVM_RUN_VCPU:
		if (ioctl(VCPU_FD, KVM_RUN, 0) != -1 || errno != EBADF)
			_exit(3);
		break;
	case GET_REGS_VCPU:
		if (ioctl(VCPU_FD, KVM_GET_SREGS, 0) != -1 || errno != EBADF)
			_exit(3);
		break;
	case KVM_RUN_OTHER_FD:
		ioctl(VCPU_FD + 1, KVM_RUN, 0);
		break;
	case OTHER_IOCTL:
		ioctl(VCPU_FD, KVM_SET_REGS, 0);
		break;
	case GETPID:
		syscall(SYS_getpid);
		break;
	case MMAP:
		syscall(SYS_mmap, 0, 4096, 3, 0x22, -1, 0);
		break;
	case FUTEX: {
		int word = 0;
		syscall(SYS_futex, &word, 1 /* FUTEX_WAKE */, 1, 0, 0, 0);
		break;
	}
	}
}

/* The filter with a device: fd is its eventfd (here /dev/null). */
static int apply_with_device(int fd)
{
	struct seccomp_prog p;
	int rc = seccomp_prepare(VCPU_FD, -1, -1, &fd, 1, &p);

	return rc ? rc : seccomp_install(&p);
}

/* The filter with --status-fd fd (no device). */
static int apply_with_status(int fd)
{
	struct seccomp_prog p;
	int rc = seccomp_prepare(VCPU_FD, -1, fd, NULL, 0, &p);

	return rc ? rc : seccomp_install(&p);
}

static int with_device, with_status;

/* Runs `what` in a filtered child; returns its wait status. */
static int child(int what)
{
	int fd, status;
	pid_t pid;

	fd = open("/dev/null", O_WRONLY);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if ((with_device ? apply_with_device(fd) :
		     with_status ? apply_with_status(fd) :
				   seccomp_apply(VCPU_FD)) != 0)
			_exit(2);
		attempt(what, fd);
		_exit(0);
	}
	close(fd);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static int killed(int what)
{
	int s = child(what);

	return s != -1 && WIFSIGNALED(s) && WTERMSIG(s) == SIGSYS;
}

static int allowed(int what)
{
	int s = child(what);

	return s != -1 && WIFEXITED(s) && WEXITSTATUS(s) == 0;
}

int main(void)
{
	CHECK("seccomp: openat kills with SIGSYS", killed(OPENAT));
	CHECK("seccomp: write to stdout allowed", allowed(WRITE_STDOUT));
	CHECK("seccomp: write to stderr allowed", allowed(WRITE_STDERR));
	CHECK("seccomp: write to another fd kills", killed(WRITE_FILE));
	CHECK("seccomp: KVM_RUN on the vCPU fd allowed", allowed(KVM_RUN_VCPU));
	CHECK("seccomp: KVM_GET_SREGS on the vCPU fd allowed",
	      allowed(GET_REGS_VCPU));
	CHECK("seccomp: KVM_RUN on another fd kills", killed(KVM_RUN_OTHER_FD));
	CHECK("seccomp: other ioctl on the vCPU fd kills", killed(OTHER_IOCTL));
	CHECK("seccomp: getpid kills", killed(GETPID));
	CHECK("seccomp: mmap kills", killed(MMAP));
	CHECK("seccomp: exit_group allowed", allowed(-1));
	CHECK("seccomp: futex kills without a device", killed(FUTEX));
	with_device = 1;
	CHECK("seccomp: with a device, writing its eventfd is allowed",
	      allowed(WRITE_FILE));
	CHECK("seccomp: with a device, futex (its lock) is allowed",
	      allowed(FUTEX));
	CHECK("seccomp: with a device, openat still kills", killed(OPENAT));
	with_device = 0;
	with_status = 1;
	CHECK("seccomp: with --status-fd, writing it is allowed",
	      allowed(WRITE_FILE));
	CHECK("seccomp: with --status-fd, futex still kills", killed(FUTEX));
	return CHECK_DONE();
}
