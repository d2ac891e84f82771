/*
 * husk-vmm's CPUID handling without KVM: the features and XCR0 derived
 * from a table, the guest tweaks, and the on-disk cache (round trip,
 * stale key, corruption, unwritable directory, path selection).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "vmm.h"

static struct cpuid_table t, back;
static char dir[] = "/tmp/husk-test-cpuid.XXXXXX";

static void add(uint32_t fn, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	struct cpuid_entry *e = &t.e[t.nent++];

	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
}

/* An Intel-like CPU with everything husk uses. */
static void full_table(void)
{
	t.nent = 0;
	add(0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69);
	add(1, 0x906ea, 0x05100800,
	    (1u << 30) | (1u << 28) | (1u << 26) | (1u << 21) | (1u << 24),
	    1u << 9);
	add(7, 0, (1u << 0) | (1u << 7) | (1u << 18) | (1u << 20), 0, 0);
	t.e[t.nent - 1].flags = 1; /* KVM_CPUID_FLAG_SIGNIFCANT_INDEX */
	add(0xd, 0x7, 0, 0, 0);
	t.e[t.nent - 1].flags = 1;
	add(0x80000001, 0, 0, 0, 1u << 20);
	add(0x80000007, 0, 0, 0, 1u << 8);
}

static void test_features(void)
{
	const struct cpuid_entry *e;

	full_table();
	CHECK("cpuid: all features",
	      cpuid_features(&t) ==
	      (HUSK_CPU_NX | HUSK_CPU_SMEP | HUSK_CPU_SMAP | HUSK_CPU_FSGSBASE |
	       HUSK_CPU_RDRAND | HUSK_CPU_RDSEED | HUSK_CPU_XSAVE |
	       HUSK_CPU_INVTSC));
	CHECK("cpuid: xcr0 x87|SSE|AVX", cpuid_xcr0(&t) == 7);
	CHECK("cpuid: Intel detected", cpuid_is_intel(&t));
	cpuid_make_guest(&t, 0);
	e = cpuid_find(&t, 1, 0);
	CHECK("cpuid: guest has no APIC, x2APIC, TSC deadline, APIC ID",
	      e && !(e->edx & (1u << 9)) && !(e->ecx & (1u << 21)) &&
	      !(e->ecx & (1u << 24)) && (e->ebx >> 24) == 0 &&
	      (e->ecx & (1u << 26)));
	t.e[4].edx = 0; /* 0x80000001: no NX */
	CHECK("cpuid: no NX", !(cpuid_features(&t) & HUSK_CPU_NX));
	t.e[3].eax = 3; /* XCR0 may not hold AVX */
	CHECK("cpuid: xcr0 without AVX", cpuid_xcr0(&t) == 3);
	t.e[1].ecx &= ~(1u << 26);
	CHECK("cpuid: no XSAVE, no xcr0",
	      cpuid_xcr0(&t) == 0 && !(cpuid_features(&t) & HUSK_CPU_XSAVE));
	t.e[0].ebx = 0x68747541; /* "Auth" */
	CHECK("cpuid: AMD is not Intel", !cpuid_is_intel(&t));
	CHECK("cpuid: subleaf of a significant index",
	      cpuid_find(&t, 7, 1) == NULL && cpuid_find(&t, 7, 0) != NULL);
}

static void corrupt(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	int c;

	fseek(f, off, SEEK_SET);
	c = fgetc(f);
	fseek(f, off, SEEK_SET);
	fputc(c ^ 0x40, f);
	fclose(f);
}

static void test_cache(void)
{
	struct cpuid_key k, other;
	char path[512];
	struct stat st;

	full_table();
	cpuid_host_key(&k);
	CHECK("cache: key has the kernel release", k.release[0] != 0);
	snprintf(path, sizeof(path), "%s/a/husk/cpuid-v1", dir);
	CHECK("cache: missing file is a miss",
	      cpuid_cache_load(path, &k, &back) != 0);
	cpuid_cache_store(path, &k, &t);
	CHECK("cache: stored (directories created)", stat(path, &st) == 0);
	memset(&back, 0, sizeof(back));
	CHECK("cache: round trip",
	      cpuid_cache_load(path, &k, &back) == 0 && back.nent == t.nent &&
	      !memcmp(back.e, t.e, t.nent * sizeof(t.e[0])));
	other = k;
	other.sig[4] ^= 1;
	CHECK("cache: other CPU is a miss",
	      cpuid_cache_load(path, &other, &back) != 0);
	other = k;
	other.release[0] ^= 1;
	CHECK("cache: other kernel is a miss",
	      cpuid_cache_load(path, &other, &back) != 0);
	corrupt(path, (long)st.st_size - 3);
	CHECK("cache: corrupt entry is a miss",
	      cpuid_cache_load(path, &k, &back) != 0);
	cpuid_cache_store(path, &k, &t);
	CHECK("cache: rewritten after corruption",
	      cpuid_cache_load(path, &k, &back) == 0);
	if (truncate(path, st.st_size - 28) != 0)
		perror("truncate");
	CHECK("cache: truncated file is a miss",
	      cpuid_cache_load(path, &k, &back) != 0);
	/* A cache that cannot be written is silently not written. */
	snprintf(path, sizeof(path), "/proc/husk-no-such-dir/cpuid-v1");
	cpuid_cache_store(path, &k, &t);
	CHECK("cache: unwritable location is a miss, not a crash",
	      cpuid_cache_load(path, &k, &back) != 0);
}

static void test_path(void)
{
	char buf[256];

	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	setenv("HOME", "/home/u", 1);
	CHECK("cache path: XDG_CACHE_HOME",
	      cpuid_cache_path(buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "/x/cache/husk/cpuid-v1"));
	setenv("XDG_CACHE_HOME", "relative", 1);
	CHECK("cache path: relative XDG_CACHE_HOME ignored",
	      cpuid_cache_path(buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "/home/u/.cache/husk/cpuid-v1"));
	unsetenv("XDG_CACHE_HOME");
	CHECK("cache path: HOME",
	      cpuid_cache_path(buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "/home/u/.cache/husk/cpuid-v1"));
	unsetenv("HOME");
	CHECK("cache path: none without HOME",
	      cpuid_cache_path(buf, sizeof(buf)) != 0);
	setenv("HOME", "/home/u", 1);
	CHECK("cache path: too long for the buffer",
	      cpuid_cache_path(buf, 10) != 0);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_features();
	test_cache();
	test_path();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return CHECK_DONE();
}
