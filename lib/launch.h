/*
 * Launching a container: what it runs (decided once, at create, from the
 * image's config and the command line, as Docker does) and the husk-vmm
 * command line that runs it:
 *
 *   husk-vmm --mem SIZE --initrd ROOTFS.cpio [-e K=V]... [--cwd DIR]
 *            husk.elf -- PROGRAM ARGS...
 *
 * husk-vmm and the generic kernel husk.elf are found next to the husk
 * binary (bin/husk-vmm beside bin/husk, husk.elf in the directory above);
 * $HUSK_VMM and $HUSK_KERNEL override them.
 */
#ifndef HUSK_LAUNCH_H
#define HUSK_LAUNCH_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "store.h"

#define LAUNCH_DEFAULT_MEMORY (256LL << 20)
#define LAUNCH_MIN_MEMORY (6LL << 20) /* Docker's minimum */
/* What the guest needs beside its root filesystem, at the least. */
#define LAUNCH_MIN_ROOM (2LL << 20)
#define LAUNCH_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* Docker's statuses when the command cannot be run. */
#define LAUNCH_EXIT_CANNOT_RUN 126
#define LAUNCH_EXIT_NOT_FOUND 127

struct launch_opts {
	const char *entrypoint;  /* --entrypoint: NULL keeps the image's */
	char **cmd;              /* CMD from the command line */
	size_t ncmd;
	char **env;              /* KEY=VALUE, after the image's Env */
	size_t nenv;
	const char *workdir;     /* -w, or NULL */
	int64_t memory;          /* bytes; 0: the default */
	const char *network;     /* --network, or NULL (see publish.h) */
	const char **publish;    /* -p specs */
	size_t npublish;
	const char *hostname;    /* --hostname, or NULL */
};

/*
 * Docker's -m: a number with an optional unit b, k, m, g (or kb, mb, gb;
 * binary multiples, any case), bytes without one.
 */
int launch_parse_memory(const char *s, int64_t *bytes);

/*
 * The container's config.json fields (Path, Args, Entrypoint, Cmd, Env,
 * WorkingDir, Memory, Image, ImageID, Manifest) for img run with o. A
 * command without a slash is looked up in the image (cpio) along the
 * container's PATH: LAUNCH_EXIT_NOT_FOUND when it is not there. An image
 * without a command gets STORE_ERR, "No command specified"; a memory size
 * that leaves less than LAUNCH_MIN_ROOM beside the cpio, STORE_ERR.
 */
int launch_config(const struct image *img, const char *image_arg,
		  const struct launch_opts *o, const char *cpio,
		  json_t **config);

/*
 * The monitor and husk.elf for this husk binary (or the variables): with
 * $HUSK_VMM set, that stand-in, always; else husk-vmm, or husk-qemu (the
 * QEMU fallback, launch_monitor.c) when HUSK_MONITOR picks QEMU.
 */
int launch_tools(char *vmm, size_t nvmm, char *kernel, size_t nkernel);
/*
 * Whether the monitor is husk-vmm itself (no $HUSK_VMM stand-in, not the
 * QEMU fallback): the one the husk binary also carries (vmm/vmm_main.h).
 */
int launch_vmm_builtin(void);

/*
 * A container's config with Argv (the command, argv[0] first) and Env:
 * Path and Args, argv[0] looked up along Env's PATH in the cpio when it
 * has no slash (LAUNCH_EXIT_NOT_FOUND when it is not there).
 */
int launch_resolve_command(json_t *config, const char *cpio);

/* ---- launch_monitor.c: husk-vmm, or QEMU where KVM is unusable ---- */

enum launch_monitor { LAUNCH_MONITOR_VMM, LAUNCH_MONITOR_QEMU };

/* Whether /dev/kvm opens and KVM_CREATE_VM works (asked once per process). */
int launch_kvm_usable(void);
/* Why KVM is not usable ("No such file or directory", "KVM_CREATE_VM:
 * ..."), or NULL when it is. */
const char *launch_kvm_problem(void);
/* HUSK_MONITOR=auto (default: husk-vmm when KVM is usable)|vmm|qemu. */
int launch_monitor(enum launch_monitor *m);
/*
 * Why a run falls back to QEMU: launch_kvm_problem() when HUSK_MONITOR
 * is auto and no stand-in $HUSK_VMM is set; NULL when husk-vmm runs or
 * QEMU was asked for.
 */
const char *launch_monitor_fallback(void);
/* One line for messages and --version. */
const char *launch_monitor_describe(enum launch_monitor m);

/* ---- launch_qemu.c, launch_qemu_run.c: the QEMU fallback ---- */

#define LAUNCH_QEMU_WRAPPER "husk-qemu"
#define LAUNCH_QEMU_SYSTEM "qemu-system-x86_64"
/* Where QEMU writes the guest's "husk-exit N" line (isa-debugcon). */
#define LAUNCH_QEMU_STATUS_FD 3
#define LAUNCH_QEMU_STATUS_FD_STR "3"
/* QEMU's end of the socket husk-qemu writes passed-on signals to, one
 * byte each (the guest's COM2). */
#define LAUNCH_QEMU_SIGNAL_FD 4
#define LAUNCH_QEMU_SIGNAL_FD_STR "4"

/* qemu-system-x86_64 along PATH, or $HUSK_QEMU. */
int launch_qemu_find(char *buf, size_t n);

/* The husk-vmm command line for a container's config; NULL-terminated. */
struct launch_argv {
	char **v;
	size_t n;
};

/*
 * husk-vmm's command line; when vmm is the husk-qemu wrapper, QEMU's
 * (launch_qemu_argv), which gives the guest the same command line.
 */
int launch_argv(const json_t *config, const char *vmm, const char *kernel,
		const char *cpio, struct launch_argv *out);
void launch_argv_free(struct launch_argv *a);
/*
 * Adds "--status-fd FD" after argv[0]: the monitor (husk-vmm, or the
 * husk-qemu wrapper) writes its exit status there when done.
 */
int launch_argv_status_fd(struct launch_argv *a, int fd);

/* wrapper QEMU ARGS...: QEMU booting kernel with the config's program. */
int launch_qemu_argv(const json_t *config, const char *wrapper,
		     const char *kernel, const char *cpio,
		     struct launch_argv *out);

/*
 * husk-qemu's work: runs argv (QEMU, as launch_qemu_argv made it), copies
 * the console to standard output, and sets *status to the program's exit
 * status (128 + N when signal N ended the VM). Returns 0, or STORE_ERR
 * with a message when QEMU failed or the guest reported no status
 * (*status is then 123 or 125, husk-vmm's statuses for those).
 */
int launch_qemu_run(char **argv, int *status);

#endif
