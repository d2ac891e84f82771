/*
 * lib/launch's QEMU fallback: the monitor choice (HUSK_MONITOR, HUSK_VMM
 * first), QEMU's command line carrying husk-vmm's guest command line, and
 * husk-qemu's status and signal contract, with a shell script standing in
 * for QEMU (it writes "husk-exit N" where QEMU's debugcon would, and reads
 * the passed-on signals where QEMU's COM2 would).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "json_util.h"
#include "launch.h"

static const char *arg_after(const struct launch_argv *a, const char *flag)
{
	size_t i;

	for (i = 0; i + 1 < a->n; i++)
		if (!strcmp(a->v[i], flag))
			return a->v[i + 1];
	return "";
}

static int has_arg(const struct launch_argv *a, const char *want)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], want))
			return 1;
	return 0;
}

static void test_monitor_choice(void)
{
	enum launch_monitor m;
	char vmm[4096], kernel[4096];

	setenv("HUSK_MONITOR", "vmm", 1);
	CHECK("monitor: HUSK_MONITOR=vmm", !launch_monitor(&m) && m == LAUNCH_MONITOR_VMM);
	setenv("HUSK_MONITOR", "qemu", 1);
	CHECK("monitor: HUSK_MONITOR=qemu", !launch_monitor(&m) && m == LAUNCH_MONITOR_QEMU);
	setenv("HUSK_MONITOR", "kvm", 1);
	CHECK("monitor: a bad HUSK_MONITOR is an error",
	      launch_monitor(&m) == STORE_ERR &&
	      strstr(store_error(), "HUSK_MONITOR=kvm: expected auto, vmm or qemu"));
	unsetenv("HUSK_MONITOR");
	CHECK("monitor: auto follows KVM", !launch_monitor(&m) &&
	      m == (launch_kvm_usable() ? LAUNCH_MONITOR_VMM : LAUNCH_MONITOR_QEMU));
	setenv("HUSK_MONITOR", "qemu", 1);
	setenv("HUSK_QEMU_WRAPPER", "/bin/sh", 1);
	setenv("HUSK_KERNEL", "/bin/sh", 1);
	CHECK("tools: HUSK_MONITOR=qemu gives the wrapper",
	      !launch_tools(vmm, sizeof(vmm), kernel, sizeof(kernel)) &&
	      !strcmp(vmm, "/bin/sh"));
	setenv("HUSK_VMM", "/bin/true", 1);
	CHECK("tools: HUSK_VMM wins over HUSK_MONITOR",
	      !launch_tools(vmm, sizeof(vmm), kernel, sizeof(kernel)) &&
	      !strcmp(vmm, "/bin/true"));
	unsetenv("HUSK_VMM");
	unsetenv("HUSK_QEMU_WRAPPER");
	unsetenv("HUSK_KERNEL");
	unsetenv("HUSK_MONITOR");
}

static void test_argv(void)
{
	json_t *conf = json_pack("{s:s, s:[s, s], s:[s, s], s:s, s:I}",
				 "Path", "/bin/prog", "Args", "a b", "q\"uote",
				 "Env", "PATH=/bin", "MSG=hello world", "WorkingDir", "/tmp",
				 "Memory", (json_int_t)(100LL << 20) + 1);
	const char *want = "husk.env=PATH=/bin \"husk.env=MSG=hello world\" "
		"husk.cwd=/tmp -- /bin/prog \"a b\" \"q\\\"uote\"";
	struct launch_argv a;
	int rc;

	setenv("HUSK_QEMU", "/bin/true", 1);
	rc = launch_argv(conf, "/x/bin/" LAUNCH_QEMU_WRAPPER, "/x/husk.elf",
			 "/c/root.cpio", &a);
	CHECK("argv: the wrapper's name selects QEMU's command line", rc == 0);
	if (rc) {
		json_decref(conf);
		return;
	}
	CHECK("argv: wrapper, then QEMU", a.n > 2 &&
	      !strcmp(a.v[0], "/x/bin/husk-qemu") && !strcmp(a.v[1], "/bin/true"));
	CHECK("argv: the guest command line husk-vmm would give",
	      !strcmp(arg_after(&a, "-append"), want));
	if (strcmp(arg_after(&a, "-append"), want))
		printf("  (got %s)\n", arg_after(&a, "-append"));
	CHECK("argv: microvm", !strcmp(arg_after(&a, "-M"), "microvm,pit=on,rtc=on"));
	CHECK("argv: memory rounded up to MiB", !strcmp(arg_after(&a, "-m"), "101M"));
	CHECK("argv: kernel and initrd", !strcmp(arg_after(&a, "-kernel"), "/x/husk.elf") &&
	      !strcmp(arg_after(&a, "-initrd"), "/c/root.cpio"));
	CHECK("argv: the console on QEMU's stdout",
	      has_arg(&a, "stdio,id=con,signal=off") && has_arg(&a, "chardev:con"));
	CHECK("argv: the status channel on fd 3",
	      has_arg(&a, "file,id=st,path=/dev/fd/3") &&
	      has_arg(&a, "isa-debugcon,iobase=0x402,chardev=st"));
	CHECK("argv: COM2 on the signal socket, fd 4",
	      has_arg(&a, "socket,id=sig,fd=4") &&
	      has_arg(&a, "isa-serial,chardev=sig,iobase=0x2f8,irq=3"));
	CHECK("argv: no network without a NetworkMode", !has_arg(&a, "-netdev"));
	launch_argv_free(&a);
	json_object_set_new(conf, "Hostname", json_string("web"));
	json_object_set_new(conf, "NetworkMode", json_string("user"));
	json_object_set_new(conf, "PortBindings", json_pack(
		"{s:[{s:s, s:s}], s:[{s:s, s:s}]}",
		"80/tcp", "HostIp", "127.0.0.1", "HostPort", "8080",
		"53/udp", "HostIp", "0.0.0.0", "HostPort", "5353"));
	rc = launch_argv(conf, "/x/bin/" LAUNCH_QEMU_WRAPPER, "/x/husk.elf",
			 "/c/root.cpio", &a);
	CHECK("argv: the host name first, as husk-vmm's --cmdline puts it",
	      rc == 0 && !strncmp(arg_after(&a, "-append"), "hostname=web husk.env=", 22));
	CHECK("argv: user networking with the published ports",
	      rc == 0 && (!strcmp(arg_after(&a, "-netdev"), "user,id=n0,"
				  "hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:0.0.0.0:5353-:53") ||
			  !strcmp(arg_after(&a, "-netdev"), "user,id=n0,"
				  "hostfwd=udp:0.0.0.0:5353-:53,hostfwd=tcp:127.0.0.1:8080-:80")));
	CHECK("argv: a virtio-mmio NIC, microvm without ACPI",
	      rc == 0 && has_arg(&a, "virtio-net-device,netdev=n0") &&
	      !strcmp(arg_after(&a, "-M"), "microvm,pit=on,rtc=on,acpi=off"));
	if (!rc)
		launch_argv_free(&a);
	json_object_set_new(conf, "NetworkMode", json_string("tap:tap7"));
	rc = launch_argv(conf, "/x/bin/" LAUNCH_QEMU_WRAPPER, "/x/husk.elf",
			 "/c/root.cpio", &a);
	CHECK("argv: a TAP device", rc == 0 && !strcmp(arg_after(&a, "-netdev"),
		"tap,id=n0,script=no,downscript=no,ifname=tap7"));
	if (!rc)
		launch_argv_free(&a);
	json_object_del(conf, "NetworkMode");
	json_object_del(conf, "Hostname");
	rc = launch_argv(conf, "/x/bin/husk-vmm", "/x/husk.elf", "/c/root.cpio", &a);
	CHECK("argv: husk-vmm keeps its own form", rc == 0 && a.n > 3 &&
	      !strcmp(a.v[1], "--mem"));
	if (!rc)
		launch_argv_free(&a);
	json_object_set_new(conf, "Path", json_string(""));
	json_object_set_new(conf, "Args", json_pack("[s]", ""));
	{
		char big[5000];
		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		json_array_append_new(json_object_get(conf, "Args"), json_string(big));
	}
	CHECK("argv: an over-long command line is refused",
	      launch_argv(conf, "/x/husk-qemu", "k", "c", &a) == STORE_ERR &&
	      strstr(store_error(), "more than the 4095 that fit"));
	unsetenv("HUSK_QEMU");
	json_decref(conf);
}

/* Runs a stand-in QEMU script; its standard output goes to out. */
static int run_script(const char *script, char *out, size_t n, int *status)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	char path[] = "/tmp/husk-test-qemu-XXXXXX";
	int fd = mkstemp(path), saved, rc;
	ssize_t k;

	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	rc = launch_qemu_run(argv, status);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	k = pread(fd, out, n - 1, 0);
	out[k > 0 ? k : 0] = '\0';
	close(fd);
	unlink(path);
	return rc;
}

static void test_run(void)
{
	char out[256];
	int status = -1, rc;

	rc = run_script("echo from the guest; echo husk-exit 3 >&3", out, sizeof(out),
			&status);
	CHECK("run: the guest's status, not QEMU's", rc == 0 && status == 3);
	CHECK("run: the console is copied", !strcmp(out, "from the guest\n"));
	rc = run_script("echo noise >&3; echo husk-exit 200 >&3; echo husk-exit 0 >&3",
			out, sizeof(out), &status);
	CHECK("run: the last status line counts", rc == 0 && status == 0);
	rc = run_script("exit 0", out, sizeof(out), &status);
	CHECK("run: no status line is 125", rc == STORE_ERR && status == 125 &&
	      strstr(store_error(), "without the guest's exit status"));
	rc = run_script("echo qemu: bad option >&2; exit 1", out, sizeof(out), &status);
	CHECK("run: QEMU failing is 123", rc == STORE_ERR && status == 123 &&
	      strstr(store_error(), "QEMU failed with status 1"));
	/* The script reads fd 4 as QEMU's COM2 would. */
	rc = run_script("kill -TERM $PPID; echo husk-exit "
			"$(timeout 5 head -c 1 <&4 | od -An -tu1) >&3",
			out, sizeof(out), &status);
	CHECK("run: SIGTERM is passed on as byte 15, the VM runs on",
	      rc == 0 && status == 15);
	rc = run_script("kill -INT $PPID; kill -USR1 $PPID; "
			"timeout 5 head -c 2 <&4 | od -An -tu1 | xargs; "
			"echo husk-exit 0 >&3", out, sizeof(out), &status);
	CHECK("run: SIGINT and SIGUSR1 are passed on, 2 and 10",
	      rc == 0 && status == 0 && !strcmp(out, "2 10\n"));
	if (strcmp(out, "2 10\n"))
		printf("  (got '%s')\n", out);
}

int main(void)
{
	test_monitor_choice();
	test_argv();
	test_run();
	return CHECK_DONE();
}
