/*
 * The on-disk cache of KVM_GET_SUPPORTED_CPUID, so that most starts read a
 * small file instead of asking KVM (~0.3 ms under PVM).
 *
 * $XDG_CACHE_HOME/husk/cpuid-v1, else $HOME/.cache/husk/cpuid-v1:
 *   header { magic, key, nent, checksum } then nent entries.
 * The key is the host kernel release and the host CPU's signature: a new
 * kernel (new KVM) or a new CPU invalidates it. Anything unexpected (short,
 * long, other key, bad checksum) just means "ask KVM again"; the new file
 * is written to a temporary name and renamed, so that concurrent starts
 * never read half a file.
 */
#include <cpuid.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "vmm.h"

#define CACHE_MAGIC "huskcpu1"

struct cache_hdr {
	char magic[8];
	struct cpuid_key key;
	uint32_t nent;
	uint32_t sum;
};

struct cache_file {
	struct cache_hdr h;
	struct cpuid_entry e[CPUID_MAX_ENTRIES];
};

void cpuid_host_key(struct cpuid_key *k)
{
	struct utsname u;
	unsigned a, b, c, d;

	memset(k, 0, sizeof(*k));
	if (uname(&u) == 0)
		memcpy(k->release, u.release,
		       strnlen(u.release, sizeof(u.release)));
	__cpuid(0, a, b, c, d);
	k->sig[0] = a;
	k->sig[1] = b;
	k->sig[2] = c;
	k->sig[3] = d;
	__cpuid(1, a, b, c, d);
	k->sig[4] = a;
}

int cpuid_cache_path(char *buf, size_t n)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int k;

	/* The XDG spec says to ignore a relative XDG_CACHE_HOME. */
	if (x && x[0] == '/')
		k = snprintf(buf, n, "%s/husk/cpuid-v1", x);
	else if (home && home[0])
		k = snprintf(buf, n, "%s/.cache/husk/cpuid-v1", home);
	else
		return -1;
	return k > 0 && (size_t)k < n ? 0 : -1;
}

/* FNV-1a: enough to notice a torn or scribbled file. */
static uint32_t checksum(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

static size_t file_size(uint32_t nent)
{
	return sizeof(struct cache_hdr) + nent * sizeof(struct cpuid_entry);
}

static uint32_t file_sum(struct cache_file *f)
{
	uint32_t saved = f->h.sum, sum;

	f->h.sum = 0;
	sum = checksum(f, file_size(f->h.nent));
	f->h.sum = saved;
	return sum;
}

int cpuid_cache_load(const char *path, const struct cpuid_key *k,
		     struct cpuid_table *t)
{
	static struct cache_file f;
	struct stat st;
	int fd, ok;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(f.h) &&
	     st.st_size <= (off_t)sizeof(f) &&
	     read_exact(fd, &f, (size_t)st.st_size, 0) == 0;
	close(fd);
	ok = ok && !memcmp(f.h.magic, CACHE_MAGIC, sizeof(f.h.magic)) &&
	     !memcmp(&f.h.key, k, sizeof(*k)) && f.h.nent > 0 &&
	     f.h.nent <= CPUID_MAX_ENTRIES &&
	     (size_t)st.st_size == file_size(f.h.nent) &&
	     f.h.sum == file_sum(&f);
	if (!ok)
		return -1;
	t->nent = f.h.nent;
	memcpy(t->e, f.e, f.h.nent * sizeof(f.e[0]));
	return 0;
}

/* mkdir -p of path's directory, at most the two levels we add. */
static void make_dirs(const char *path)
{
	char dir[4096];
	char *slash;
	int i;

	for (i = 2; i >= 1; i--) {
		snprintf(dir, sizeof(dir), "%s", path);
		for (int j = 0; j < i; j++) {
			slash = strrchr(dir, '/');
			if (!slash || slash == dir)
				return;
			*slash = 0;
		}
		mkdir(dir, 0700);
	}
}

void cpuid_cache_store(const char *path, const struct cpuid_key *k,
		       const struct cpuid_table *t)
{
	static struct cache_file f;
	char tmp[4096 + 16];
	size_t size = file_size(t->nent);
	int fd, bad;

	if (t->nent == 0 || t->nent > CPUID_MAX_ENTRIES)
		return;
	memset(&f.h, 0, sizeof(f.h));
	memcpy(f.h.magic, CACHE_MAGIC, sizeof(f.h.magic));
	memcpy(&f.h.key, k, sizeof(*k));
	f.h.nent = t->nent;
	memcpy(f.e, t->e, t->nent * sizeof(f.e[0]));
	f.h.sum = file_sum(&f);

	make_dirs(path);
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return;
	fd = mkstemp(tmp);
	if (fd < 0)
		return;
	bad = write_all(fd, &f, size);
	bad |= close(fd);
	if (bad || rename(tmp, path))
		unlink(tmp);
}
