/*
 * The command line:
 *   husk-vmm [--mem SIZE] [--cmdline STR] [--initrd FILE] IMAGE [-- ARGS...]
 * Options may come before or after IMAGE; everything after "--" belongs to
 * the guest program. The network options (--net, -p, --mac) are parsed
 * in args_net.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

void usage(int fd)
{
	static const char text[] =
		"usage: husk-vmm [OPTIONS] IMAGE [-- ARGS...]\n"
		"Runs the husk image IMAGE in a KVM virtual machine.\n"
		"\n"
		"  --mem SIZE      guest memory (default " VMM_DEFAULT_MEM "); a number with\n"
		"                  a K, M or G suffix, MiB when it has none\n"
		"  --cmdline STR   the guest's command line\n"
		"  --initrd FILE   load FILE at the top of guest memory\n"
		"  -e KEY=VALUE    add to the program's environment (repeatable)\n"
		"  --cwd DIR       the program's working directory\n"
		"  --no-rewrite    leave system-call instructions alone (all take\n"
		"                  the trapping slow path)\n"
		"  --trace-syscalls  print every system call and its result on\n"
		"                  standard error\n"
		"  --net MODE      the network device: none (the default without\n"
		"                  -p), user (user-mode networking: the guest is\n"
		"                  10.0.2.15, gateway 10.0.2.2, DNS 10.0.2.3) or\n"
		"                  tap:NAME (an existing TAP device)\n"
		"  -p [HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp]\n"
		"                  publish a guest port on the host (repeatable;\n"
		"                  implies --net user; HOST_IP 0.0.0.0 by default)\n"
		"  --mac XX:XX:XX:XX:XX:XX  the device's MAC address (default: a\n"
		"                  random locally administered one, 02:...)\n"
		"  --status-fd N   when done, write the exit status (decimal, then a\n"
		"                  newline) to descriptor N, which must be open for\n"
		"                  writing: for whoever waits on husk-vmm without\n"
		"                  being its parent (husk wait)\n"
		"  -h, --help      show this help\n"
		"  --version       show the version\n"
		"  -- ARGS...      the program's arguments (appended to the\n"
		"                  command line after \" -- \")\n"
		"\n"
		"The exit status is the guest's; husk-vmm's own failures print a\n"
		"\"husk-vmm:\" line and exit 120 (usage), 121 (image), 122 (memory),\n"
		"123 (KVM), 124 (unexpected VM exit) or 125 (the guest broke the ABI).\n";

	write_all(fd, text, sizeof(text) - 1);
}

/* "1", "64M", "512KiB", "2g": MiB without a suffix, like QEMU's -m. */
int parse_mem(const char *s, uint64_t *out)
{
	uint64_t v = 0, mult = MiB;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return vmm_fail(HUSK_VMM_EXIT_USAGE,
				"--mem '%s': expected a size such as 64M or 1G", s);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (VMM_MAX_MEM >> 10))
			goto too_large;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 'k': case 'K': mult = 1ULL << 10; p++; break;
	case 'm': case 'M': mult = MiB; p++; break;
	case 'g': case 'G': mult = GiB; p++; break;
	case 't': case 'T': mult = 1ULL << 40; p++; break;
	}
	if (p > s && p[-1] > '9' && (!strcmp(p, "iB") || !strcmp(p, "B")))
		p += strlen(p);
	if (*p)
		return vmm_fail(HUSK_VMM_EXIT_USAGE,
				"--mem '%s': unknown size suffix '%s' (use K, M or G)",
				s, p);
	if (v == 0)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "--mem '%s': size is zero", s);
	if (v > VMM_MAX_MEM / mult)
		goto too_large;
	v *= mult;
	if (v % PAGE_SIZE)
		return vmm_fail(HUSK_VMM_EXIT_USAGE,
				"--mem '%s': not a multiple of 4 KiB", s);
	*out = v;
	return 0;
too_large:
	return vmm_fail(HUSK_VMM_EXIT_USAGE,
			"--mem '%s': larger than the 1 TiB husk-vmm supports", s);
}

/* The value of option `name` at argv[*i], as "--name VALUE" or
 * "--name=VALUE"; NULL if argv[*i] is not that option. */
static const char *option(int argc, char **argv, int *i, const char *name,
			  int *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/* Records a husk.* word for the guest command line ("husk.env=" + v...);
 * it lives as long as the process. */
static int add_kopt(struct vmm_args *a, const char *prefix, const char *v)
{
	size_t n = strlen(prefix) + (v ? strlen(v) : 0) + 1;
	char *w;

	if (a->nkopts == VMM_MAX_KOPTS)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "too many -e/--cwd options");
	w = malloc(n);
	if (!w)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "out of memory");
	strcpy(w, prefix);
	if (v)
		strcat(w, v);
	a->kopts[a->nkopts++] = w;
	return 0;
}


/* A descriptor above standard error, open for writing. */
static int parse_status_fd(const char *s, struct vmm_args *a)
{
	char *end;
	long fd;
	int fl;

	errno = 0;
	fd = strtol(s, &end, 10);
	if (errno || end == s || *end || fd < 3 || fd > INT_MAX)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "--status-fd '%s': expected "
				"a descriptor number above 2", s);
	fl = fcntl((int)fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "--status-fd %ld: not a "
				"descriptor open for writing", fd);
	a->status_fd = (int)fd;
	return 0;
}

static int one_arg(struct vmm_args *a, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *v;
	int missing = 0;

	if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
		a->help = 1;
	} else if (!strcmp(arg, "--version")) {
		a->version = 1;
	} else if ((v = option(argc, argv, i, "--mem", &missing))) {
		a->mem_arg = v;
		return parse_mem(v, &a->mem_size);
	} else if ((v = option(argc, argv, i, "--cmdline", &missing))) {
		a->cmdline = v;
	} else if ((v = option(argc, argv, i, "--initrd", &missing))) {
		a->initrd = v;
	} else if ((v = option(argc, argv, i, "-e", &missing))) {
		if (!strchr(v, '=') || v[0] == '=')
			return vmm_fail(HUSK_VMM_EXIT_USAGE,
					"-e '%s': expected KEY=VALUE", v);
		return add_kopt(a, "husk.env=", v);
	} else if ((v = option(argc, argv, i, "--cwd", &missing))) {
		if (v[0] != '/')
			return vmm_fail(HUSK_VMM_EXIT_USAGE,
					"--cwd '%s': expected an absolute path", v);
		return add_kopt(a, "husk.cwd=", v);
	} else if (!strcmp(arg, "--no-rewrite")) {
		return add_kopt(a, "husk.no-rewrite", 0);
	} else if (!strcmp(arg, "--trace-syscalls")) {
		return add_kopt(a, "husk.trace", 0);
	} else if ((v = option(argc, argv, i, "--net", &missing))) {
		return parse_net(v, a);
	} else if ((v = option(argc, argv, i, "-p", &missing)) ||
		   (v = option(argc, argv, i, "--publish", &missing))) {
		return add_port(v, a);
	} else if ((v = option(argc, argv, i, "--mac", &missing))) {
		a->mac_set = 1;
		return parse_mac(v, a->mac);
	} else if ((v = option(argc, argv, i, "--status-fd", &missing))) {
		return parse_status_fd(v, a);
	} else if (missing) {
		return vmm_fail(HUSK_VMM_EXIT_USAGE, "%s needs a value", arg);
	} else if (arg[0] == '-' && arg[1]) {
		return vmm_fail(HUSK_VMM_EXIT_USAGE,
				"unknown option '%s' (see husk-vmm --help)", arg);
	} else if (a->image) {
		return vmm_fail(HUSK_VMM_EXIT_USAGE,
				"unexpected argument '%s' (program arguments go "
				"after --)", arg);
	} else {
		a->image = arg;
	}
	return 0;
}

int args_parse(int argc, char **argv, struct vmm_args *a)
{
	int i, rc;

	memset(a, 0, sizeof(*a));
	a->status_fd = -1;
	a->mem_arg = VMM_DEFAULT_MEM;
	a->cmdline = "";
	rc = parse_mem(a->mem_arg, &a->mem_size);
	for (i = 1; i < argc && !rc; i++) {
		if (!strcmp(argv[i], "--")) {
			a->nargs = argc - i - 1;
			a->args = argv + i + 1;
			break;
		}
		rc = one_arg(a, argc, argv, &i);
	}
	if (rc || a->help || a->version)
		return rc;
	if (!a->image)
		return vmm_fail(HUSK_VMM_EXIT_USAGE,
				"no image given (usage: husk-vmm [--mem SIZE] "
				"[--cmdline STR] [--initrd FILE] IMAGE [-- ARGS...])");
	return net_args_check(a);
}
