/* /proc: a synthetic tree from a table; files are generated on read. */
#include "../arch/x86_64/cpu.h"
#include "../clock.h"
#include "../console.h"
#include "../lib.h"
#include "../mm.h"
#include "../vm.h"
#include "../mm/vma.h"
#include "calls.h"
#include "fd.h"
#include "procfs.h"

enum kind { DIR, LINK, FILE, FDDIR };
enum gen { G_NONE, G_CMDLINE, G_MAPS, G_MOUNTS, G_CPUINFO, G_MEMINFO, G_UPTIME,
	   G_HOSTNAME };

static const struct pent {
	const char *name;
	int parent;
	enum kind kind;
	int gen;             /* enum gen */
	const char *target;  /* links; NULL: the program's path */
} ptab[] = {
	/* 0 */ { "", -1, DIR, 0, 0 },
	/* 1 */ { "self", 0, LINK, 0, "1" },
	/* 2 */ { "1", 0, DIR, 0, 0 },
	/* 3 */ { "exe", 2, LINK, 0, 0 },
	/* 4 */ { "fd", 2, FDDIR, 0, 0 },
	/* 5 */ { "cmdline", 2, FILE, G_CMDLINE, 0 },
	/* 6 */ { "maps", 2, FILE, G_MAPS, 0 },
	/* 7 */ { "mounts", 2, FILE, G_MOUNTS, 0 },
	/* 8 */ { "cpuinfo", 0, FILE, G_CPUINFO, 0 },
	/* 9 */ { "meminfo", 0, FILE, G_MEMINFO, 0 },
	/* 10 */ { "uptime", 0, FILE, G_UPTIME, 0 },
	/* 11 */ { "mounts", 0, LINK, 0, "self/mounts" },
	/* 12 */ { "sys", 0, DIR, 0, 0 },
	/* 13 */ { "kernel", 12, DIR, 0, 0 },
	/* 14 */ { "hostname", 13, FILE, G_HOSTNAME, 0 },
	/* 15 */ { "thread-self", 0, LINK, 0, "1" },
};

#define FDLINK ((void *)&ptab[0].kind) /* priv of /proc/self/fd/N */

/* ---- what the launcher tells us ---- */

static int p_argc;
static char **p_argv;

#define MAX_SEGS 16
static struct seg {
	uint64_t start, end;
	unsigned flags; /* PF_X 1, PF_W 2, PF_R 4 */
	uint64_t off;
	const char *name;
} segs[MAX_SEGS];
static int nsegs;
static uint64_t heap_start;

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static int mapped(uint64_t va)
{
	uint64_t pa;
	unsigned prot;

	return vm_query(va, &pa, &prot);
}

void procfs_set_start(int argc, char **argv, uint64_t sp, uint64_t brk)
{
	uint64_t *p = (uint64_t *)sp, phdr = 0, phnum = 0, bias = 0, top, bottom;
	const struct phdr *ph;

	p_argc = argc;
	p_argv = argv;
	heap_start = ALIGN_UP(brk, 4096);
	p += 1 + p[0] + 1; /* argc, argv, NULL */
	while (*p)
		p++;
	for (p++; p[0]; p += 2) {
		if (p[0] == 3)
			phdr = p[1];
		else if (p[0] == 5)
			phnum = p[1];
	}
	ph = (const struct phdr *)phdr;
	for (uint64_t i = 0; ph && i < phnum; i++)
		if (ph[i].type == 6) /* PT_PHDR */
			bias = phdr - ph[i].vaddr;
	for (uint64_t i = 0; ph && i < phnum && nsegs < MAX_SEGS - 1; i++) {
		if (ph[i].type != 1) /* PT_LOAD */
			continue;
		segs[nsegs].start = ALIGN_DOWN(bias + ph[i].vaddr, 4096);
		segs[nsegs].end = ALIGN_UP(bias + ph[i].vaddr + ph[i].memsz, 4096);
		segs[nsegs].flags = ph[i].flags;
		segs[nsegs].off = ALIGN_DOWN(ph[i].offset, 4096);
		segs[nsegs].name = 0;
		nsegs++;
	}
	top = bottom = ALIGN_DOWN(sp, 4096);
	while (mapped(top) && top - bottom < (64ULL << 20))
		top += 4096;
	while (mapped(bottom - 4096) && top - bottom < (64ULL << 20))
		bottom -= 4096;
	segs[nsegs].start = bottom;
	segs[nsegs].end = top;
	segs[nsegs].flags = 6;
	segs[nsegs].name = "[stack]";
	nsegs++;
}

/* ---- generated files ---- */

#define GEN_MAX 16384

static size_t add(char *b, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static size_t add(char *b, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (n >= GEN_MAX)
		return n;
	va_start(ap, fmt);
	r = vsnprintf(b + n, GEN_MAX - n, fmt, ap);
	va_end(ap);
	n += (size_t)r;
	return n < GEN_MAX ? n : GEN_MAX - 1;
}

static size_t map_line(char *b, size_t n, uint64_t s, uint64_t e, unsigned f,
		       uint64_t off, const char *name)
{
	return add(b, n, "%08lx-%08lx %c%c%cp %08lx 00:00 0%s%s\n", (unsigned long)s,
		   (unsigned long)e, f & 4 ? 'r' : '-', f & 2 ? 'w' : '-',
		   f & 1 ? 'x' : '-', (unsigned long)off, name ? "          " : "",
		   name ? name : "");
}

/* /proc/self/maps from the mapping records, as the program is now: its
 * files by path and offset, the brk heap, the stack, anonymous memory
 * (the rewriter's trampolines included) without a name. */
static size_t gen_maps(char *b)
{
	const struct vma *v;
	size_t n = 0;

	for (unsigned i = 0; (v = vma_at(i)) && n < GEN_MAX - 200; i++) {
		unsigned f = (v->prot & VMA_READ ? 4 : 0) |
			     (v->prot & VMA_WRITE ? 2 : 0) | (v->prot & VMA_EXEC ? 1 : 0);
		const char *name = v->name;
		if (v->flags & VMA_STACK)
			name = "[stack]";
		else if (!name && v->start == heap_start)
			name = "[heap]";
		n = map_line(b, n, v->start, v->end, f, v->name ? v->off : 0, name);
	}
	return n;
}

static size_t gen(int what, char *b)
{
	size_t n = 0;
	uint32_t r[4];

	switch (what) {
	case G_CMDLINE:
		for (int i = 0; i < p_argc; i++) {
			size_t l = strlen(p_argv[i]) + 1;
			if (n + l > GEN_MAX)
				break;
			memcpy(b + n, p_argv[i], l);
			n += l;
		}
		return n;
	case G_MAPS:
		return gen_maps(b);
	case G_MOUNTS: {
		struct vfs_mount_info mi;
		for (unsigned i = 0; vfs_mount_at(i, &mi) == 1; i++)
			n = add(b, n, "%s %s %s rw 0 0\n", i ? mi.type : "rootfs",
				mi.path, mi.type);
		return n;
	}
	case G_CPUINFO: {
		char vendor[13], model[49];
		uint32_t m[12];
		cpuid(0, 0, r);
		memcpy(vendor, &r[1], 4);
		memcpy(vendor + 4, &r[3], 4);
		memcpy(vendor + 8, &r[2], 4);
		vendor[12] = 0;
		cpuid(0x80000000u, 0, r);
		model[0] = 0;
		if (r[0] >= 0x80000004u) {
			for (uint32_t i = 0; i < 3; i++)
				cpuid(0x80000002u + i, 0, m + 4 * i);
			memcpy(model, m, 48);
			model[48] = 0;
		}
		cpuid(1, 0, r);
		return add(b, n,
			   "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\n"
			   "model\t\t: %u\nmodel name\t: %s\nstepping\t: %u\n"
			   "cpu cores\t: 1\nflags\t\t: fpu tsc cx8 cmov sse sse2%s%s\n\n",
			   vendor, (r[0] >> 8) & 15, (r[0] >> 4) & 15, model, r[0] & 15,
			   (r[2] & 1) ? " pni" : "", (r[2] & (1u << 30)) ? " rdrand" : "");
	}
	case G_MEMINFO: {
		unsigned long t = (unsigned long)pmem_total_pages() * 4,
			      f = (unsigned long)pmem_free_pages() * 4;
		return add(b, n,
			   "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n"
			   "MemAvailable:   %8lu kB\nBuffers:               0 kB\n"
			   "Cached:                0 kB\nSwapTotal:             0 kB\n"
			   "SwapFree:              0 kB\n", t, f, f);
	}
	case G_UPTIME: {
		uint64_t ns = clock_monotonic_ns();
		unsigned long s = (unsigned long)(ns / 1000000000), c = (unsigned long)(ns / 10000000 % 100);
		return add(b, n, "%lu.%02lu %lu.%02lu\n", s, c, s, c);
	}
	case G_HOSTNAME:
		return add(b, n, "%s\n", sys_hostname());
	}
	return 0;
}

static long file_read(struct vnode *vn, void *buf, size_t len, uint64_t off)
{
	const struct pent *p = vfs_priv(vn);
	char *b = heap_alloc(GEN_MAX);
	size_t n;

	if (!b)
		return -ENOMEM;
	n = gen(p->gen, b);
	if (off >= n) {
		heap_free(b);
		return 0;
	}
	if (len > n - off)
		len = n - (size_t)off;
	memcpy(buf, b + off, len);
	heap_free(b);
	return (long)len;
}

static long file_write(struct vnode *vn, const void *buf, size_t len, uint64_t off)
{
	(void)vn, (void)buf, (void)len, (void)off;
	return -EACCES;
}

static const struct vnode_ops file_ops = { .read = file_read, .write = file_write };

/* ---- directories ---- */

static int dir_lookup(struct vnode *dir, const char *name, size_t len,
		      struct vnode **out);
static int dir_readdir(struct vnode *dir, uint64_t cookie, struct vfs_dirent *out);

static const struct vnode_ops dir_ops = { .lookup = dir_lookup, .readdir = dir_readdir };

static int make(struct vnode *dir, const struct pent *p, struct vnode **out)
{
	struct vnode *vn;
	int r;

	switch (p->kind) {
	case DIR:
	case FDDIR:
		vn = vfs_node_new(dir, VFS_IFDIR | 0555, &dir_ops, (void *)p);
		break;
	case LINK:
		vn = vfs_node_new(dir, VFS_IFLNK | 0777, 0, (void *)p);
		if (vn && (r = vfs_set_target(vn, p->target ? p->target : sys_exe()))) {
			vfs_put(vn);
			return r;
		}
		break;
	default:
		vn = vfs_node_new(dir, VFS_IFREG | 0444, &file_ops, (void *)p);
	}
	if (!vn)
		return -ENOMEM;
	*out = vn;
	return 0;
}

static int dir_lookup(struct vnode *dir, const char *name, size_t len,
		      struct vnode **out)
{
	const struct pent *d = vfs_priv(dir);
	int idx = (int)(d - ptab);

	if (d->kind == FDDIR) {
		long fd = 0;
		struct file *f;
		struct vnode *vn;
		int r;
		if (!len || len > 4 || (name[0] == '0' && len > 1))
			return -ENOENT;
		for (size_t i = 0; i < len; i++) {
			if (name[i] < '0' || name[i] > '9')
				return -ENOENT;
			fd = fd * 10 + (name[i] - '0');
		}
		if (!(f = fd_file(fd)))
			return -ENOENT;
		if (!(vn = vfs_node_new(dir, VFS_IFLNK | 0700, 0, FDLINK)))
			return -ENOMEM;
		if ((r = vfs_set_target(vn, file_path(f)))) {
			vfs_put(vn);
			return r;
		}
		*out = vn;
		return 0;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(ptab); i++)
		if (ptab[i].parent == idx && strlen(ptab[i].name) == len &&
		    !memcmp(ptab[i].name, name, len))
			return make(dir, &ptab[i], out);
	return -ENOENT;
}

static int dir_readdir(struct vnode *dir, uint64_t cookie, struct vfs_dirent *out)
{
	const struct pent *d = vfs_priv(dir);
	int idx = (int)(d - ptab);

	if (d->kind == FDDIR) {
		int fd = fd_next_open((int)(cookie - 2));
		if (fd < 0)
			return 0;
		out->ino = 0x10000 + (uint64_t)fd;
		out->type = VFS_DT_LNK;
		out->namelen = (uint16_t)snprintf(out->name, sizeof(out->name), "%d", fd);
		out->next = (uint64_t)fd + 3;
		return 1;
	}
	for (uint64_t i = cookie - 2; i < ARRAY_SIZE(ptab); i++) {
		if (ptab[i].parent != idx)
			continue;
		out->ino = 0x100 + i;
		out->type = ptab[i].kind == LINK ? VFS_DT_LNK :
			    ptab[i].kind == FILE ? VFS_DT_REG : VFS_DT_DIR;
		out->namelen = (uint16_t)strlen(ptab[i].name);
		memcpy(out->name, ptab[i].name, out->namelen + 1);
		out->next = i + 3;
		return 1;
	}
	return 0;
}

void procfs_mount(void)
{
	vfs_mkdir(0, "/proc", 0555); /* EEXIST when the image has one */
	if (vfs_mount_synthetic("/proc", "proc", 0x9fa0, &dir_ops, (void *)&ptab[0]))
		kprintf("husk: cannot mount /proc\n");
}
