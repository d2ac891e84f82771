/*
 * The QEMU command line for a container's config: the fallback monitor
 * where KVM is unusable. The guest gets the very command line husk-vmm
 * would give it (husk.env=K=V and husk.cwd=DIR words, then " -- " and
 * argv, quoted as vmm/bootinfo.c quotes them), so a program cannot tell
 * the two apart except by speed.
 *
 *   husk-qemu QEMU -M microvm,pit=on,rtc=on -accel tcg -cpu max -m SIZE
 *     -kernel husk.elf -initrd ROOTFS.cpio -append CMDLINE ... devices
 *     [-netdev user,id=n0,hostfwd=... | tap,... -device virtio-net-device]
 *
 * The devices are those scripts/qemu-run.sh uses: the 16550 console on
 * QEMU's standard output, isa-debugcon (the guest's "husk-exit N" line)
 * on LAUNCH_QEMU_STATUS_FD, which husk-qemu reads, and isa-debug-exit,
 * which stops QEMU; and one more: a second 16550 at COM2 (port 0x2f8,
 * IRQ 3: microvm makes only COM1 itself) on the socket at
 * LAUNCH_QEMU_SIGNAL_FD, through which husk-qemu passes on the signals it
 * is sent. husk-qemu (launch_qemu_run.c) turns it all back into what
 * husk-vmm gives: the program's output, its exact status, and docker
 * stop's SIGTERM at the program's handler.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <husk/bootinfo.h>

#include "json_util.h"
#include "launch.h"
#include "publish.h"

struct words {
	char *p;
	size_t len, cap;
};

static int put(struct words *w, const char *s, size_t n)
{
	if (w->len + n + 1 > w->cap) {
		size_t cap = (w->len + n + 1) * 2;
		char *p = realloc(w->p, cap);
		if (!p)
			return store_fail(STORE_ERR, "out of memory");
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
	return 0;
}

/* One word, double-quoted when the guest's split would break it. */
static int put_word(struct words *w, const char *prefix, const char *s)
{
	char full[8192], *q;
	int rc;

	snprintf(full, sizeof(full), "%s%s", prefix, s);
	rc = w->len ? put(w, " ", 1) : 0;
	if (rc || (full[0] && !strpbrk(full, " \t\n\v\f\r\"\\")))
		return rc ? rc : put(w, full, strlen(full));
	rc = put(w, "\"", 1);
	for (q = full; !rc && *q; q++) {
		if (*q == '"' || *q == '\\')
			rc = put(w, "\\", 1);
		if (!rc)
			rc = put(w, q, 1);
	}
	return rc ? rc : put(w, "\"", 1);
}

/* The host name, as launch_argv.c gives it to husk-vmm: Docker's short ID
 * when the config names none. */
static int put_hostname(const json_t *config, struct words *w)
{
	const char *host = json_str(config, "Hostname");
	const char *id = json_str(config, "Id");
	char shortid[13];

	if (!host && id) {
		snprintf(shortid, sizeof(shortid), "%.12s", id);
		host = shortid;
	}
	return host && host[0] ? put_word(w, "hostname=", host) : 0;
}

/* With a NIC, the runtime's ip=, gw=, dns= (launch_argv.c alike). */
static int put_net_options(const json_t *config, struct words *w)
{
	const char *mode = json_str(config, "NetworkMode");
	const json_t *opts = json_object_get(config, "GuestNetOptions");
	size_t i;
	int rc = 0;

	if (!mode || !strcmp(mode, "none"))
		return 0;
	for (i = 0; !rc && i < json_array_size(opts); i++)
		if (json_is_string(json_array_get(opts, i)))
			rc = put_word(w, "", json_string_value(json_array_get(opts, i)));
	return rc;
}

/* Options, then " --" and the program's argv: vmm/bootinfo.c's layout. */
static int guest_cmdline(const json_t *config, struct words *w)
{
	const json_t *env = json_object_get(config, "Env");
	const json_t *args = json_object_get(config, "Args");
	const char *cwd = json_str(config, "WorkingDir");
	size_t i;
	int rc = put_hostname(config, w);

	if (!rc)
		rc = put_net_options(config, w);
	for (i = 0; !rc && i < json_array_size(env); i++)
		if (json_is_string(json_array_get(env, i)))
			rc = put_word(w, "husk.env=",
				      json_string_value(json_array_get(env, i)));
	if (!rc && cwd && cwd[0])
		rc = put_word(w, "husk.cwd=", cwd);
	if (!rc)
		rc = put(w, " --", 3);
	if (!rc)
		rc = put_word(w, "", json_str(config, "Path"));
	for (i = 0; !rc && i < json_array_size(args); i++)
		if (json_is_string(json_array_get(args, i)))
			rc = put_word(w, "", json_string_value(json_array_get(args, i)));
	if (!rc && w->len >= HUSK_CMDLINE_MAX)
		rc = store_fail(STORE_ERR, "the guest command line is %zu bytes, "
				"more than the %d that fit", w->len,
				HUSK_CMDLINE_MAX - 1);
	return rc;
}

int launch_qemu_find(char *buf, size_t n)
{
	const char *set = getenv("HUSK_QEMU"), *path = getenv("PATH");
	char list[4096], *save = NULL, *dir;

	if (set && set[0]) {
		snprintf(buf, n, "%s", set);
		return access(buf, X_OK) ? store_fail_errno("%s (HUSK_QEMU)", buf) : 0;
	}
	snprintf(list, sizeof(list), "%s", path && path[0] ? path :
		 "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(list, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, n, "%s/%s", dir, LAUNCH_QEMU_SYSTEM);
		if (!access(buf, X_OK))
			return 0;
	}
	return store_fail(STORE_ERR, "%s not found in PATH: there is no usable "
			  "KVM for husk-vmm, and the QEMU fallback needs QEMU "
			  "(Debian's qemu-system-x86, scripts/setup.sh)",
			  LAUNCH_QEMU_SYSTEM);
}

static int push(struct launch_argv *a, const char *s)
{
	char **v = realloc(a->v, (a->n + 2) * sizeof(*v));

	if (!v)
		return store_fail(STORE_ERR, "out of memory");
	a->v = v;
	v[a->n] = strdup(s);
	if (!v[a->n])
		return store_fail(STORE_ERR, "out of memory");
	v[++a->n] = NULL;
	return 0;
}

static int push_all(struct launch_argv *a, const char *const *list)
{
	int rc = 0;

	for (; !rc && *list; list++)
		rc = push(a, *list);
	return rc;
}

/* "HOST_IP:HOST_PORT:GUEST_PORT/PROTO" as QEMU's hostfwd rule. */
static int add_hostfwd(void *ctx, const char *spec)
{
	struct words *w = ctx;
	char ip[64], proto[8] = "tcp", rule[128];
	unsigned host, guest;

	if (sscanf(spec, "%63[0-9.]:%u:%u/%7[a-z]", ip, &host, &guest, proto) < 3)
		return store_fail(STORE_ERR, "published port '%s': not "
				  "HOST_IP:HOST_PORT:GUEST_PORT/PROTO", spec);
	snprintf(rule, sizeof(rule), ",hostfwd=%s:%s:%u-:%u", proto, ip, host, guest);
	return put(w, rule, strlen(rule));
}

/*
 * NetworkMode user (slirp, with the published ports) or tap:NAME, as a
 * virtio-net NIC on virtio-mmio: the backends husk-vmm's --net has.
 */
static int push_network(const json_t *config, struct launch_argv *out)
{
	const char *mode = json_str(config, "NetworkMode");
	const char *mac = json_str(config, "MacAddress");
	struct words w = { 0 };
	char device[64];
	const char *const nic[] = {
		"-global", "virtio-mmio.force-legacy=false", "-device", device, NULL,
	};
	int rc;

	snprintf(device, sizeof(device), "virtio-net-device,netdev=n0%s%.17s",
		 mac && mac[0] ? ",mac=" : "", mac ? mac : "");

	if (!mode || !strcmp(mode, "none"))
		return 0;
	if (!strcmp(mode, "user")) {
		rc = put(&w, "user,id=n0", 10);
		if (!rc)
			rc = publish_each(config, add_hostfwd, &w);
	} else if (!strncmp(mode, "tap:", 4)) {
		rc = put(&w, "tap,id=n0,script=no,downscript=no,ifname=", 41);
		if (!rc)
			rc = put(&w, mode + 4, strlen(mode + 4));
	} else {
		rc = store_fail(STORE_ERR, "network mode '%s': expected none, user "
				"or tap:NAME", mode);
	}
	if (!rc)
		rc = push(out, "-netdev") || push(out, w.p) || push_all(out, nic);
	free(w.p);
	return rc ? STORE_ERR : 0;
}

/* QEMU's -m in whole MiB, rounded up. */
static void memory_arg(const json_t *config, char *buf, size_t n)
{
	json_int_t bytes = json_integer_value(json_object_get(config, "Memory"));

	if (bytes <= 0)
		bytes = LAUNCH_DEFAULT_MEMORY;
	snprintf(buf, n, "%lldM", (long long)((bytes + (1 << 20) - 1) >> 20));
}

int launch_qemu_argv(const json_t *config, const char *wrapper,
		     const char *kernel, const char *cpio,
		     struct launch_argv *out)
{
	static const char *const devices[] = {
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
		"-chardev", "file,id=st,path=/dev/fd/" LAUNCH_QEMU_STATUS_FD_STR,
		"-device", "isa-debugcon,iobase=0x402,chardev=st",
		"-device", "isa-debug-exit,iobase=0x501,iosize=1",
		"-chardev", "socket,id=sig,fd=" LAUNCH_QEMU_SIGNAL_FD_STR,
		"-device", "isa-serial,chardev=sig,iobase=0x2f8,irq=3", NULL,
	};
	int kvm = launch_kvm_usable();
	const char *mode = json_str(config, "NetworkMode");
	/* microvm lists virtio-mmio devices on the kernel command line only
	 * without ACPI (scripts/qemu-run.sh) */
	int nic = mode && strcmp(mode, "none");
	const char *const machine[] = {
		"-M", nic ? "microvm,pit=on,rtc=on,acpi=off" : "microvm,pit=on,rtc=on",
		"-accel", kvm ? "kvm" : "tcg",
		/* plain "host" aborts under PVM (scripts/qemu-run.sh) */
		"-cpu", kvm ? "host,-arch-capabilities" : "max", NULL,
	};
	struct words cmd = { 0 };
	char qemu[4096], mem[32];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_str(config, "Path"))
		return store_fail(STORE_ERR, "container config: no Path");
	rc = launch_qemu_find(qemu, sizeof(qemu));
	if (!rc)
		rc = guest_cmdline(config, &cmd);
	memory_arg(config, mem, sizeof(mem));
	if (!rc)
		rc = push(out, wrapper) || push(out, qemu) || push_all(out, machine);
	if (!rc)
		rc = push(out, "-m") || push(out, mem) || push(out, "-kernel") ||
			push(out, kernel) || push(out, "-initrd") || push(out, cpio) ||
			push(out, "-append") || push(out, cmd.p);
	if (!rc)
		rc = push_all(out, devices);
	if (!rc)
		rc = push_network(config, out);
	free(cmd.p);
	if (rc) {
		launch_argv_free(out);
		return STORE_ERR;
	}
	return 0;
}
