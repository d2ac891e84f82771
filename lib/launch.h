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
 * without a command gets STORE_ERR, "No command specified".
 */
int launch_config(const struct image *img, const char *image_arg,
		  const struct launch_opts *o, const char *cpio,
		  json_t **config);

/* husk-vmm and husk.elf for this husk binary (or the variables). */
int launch_tools(char *vmm, size_t nvmm, char *kernel, size_t nkernel);

/* The husk-vmm command line for a container's config; NULL-terminated. */
struct launch_argv {
	char **v;
	size_t n;
};

int launch_argv(const json_t *config, const char *vmm, const char *kernel,
		const char *cpio, struct launch_argv *out);
void launch_argv_free(struct launch_argv *a);

#endif
