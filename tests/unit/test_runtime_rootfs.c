/*
 * lib/rootfs_dir: a bundle's root directory as the guest's cpio. The
 * archive holds the tree (links as links, never followed), its key is
 * the content (not the times), and a second tree with the same content
 * is a cache hit that writes nothing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "check.h"
#include "newc_scan.h"
#include "rootfs_dir.h"
#include "store.h"

static char top[] = "/tmp/husk-test-rootfs-XXXXXX";

static void put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

/* root/bin/hello (0755), root/etc/motd, root/bin/sh -> hello,
 * root/etc/secret -> /etc/passwd (out of the tree), a FIFO. */
static void make_tree(const char *root, const char *motd)
{
	char p[4096];

	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/bin", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/bin/hello", root);
	put_file(p, "#!hello\n", 0755);
	snprintf(p, sizeof(p), "%s/etc/motd", root);
	put_file(p, motd, 0644);
	snprintf(p, sizeof(p), "%s/bin/sh", root);
	if (symlink("hello", p))
		perror(p);
	snprintf(p, sizeof(p), "%s/etc/secret", root);
	if (symlink("/etc/passwd", p))
		perror(p);
	snprintf(p, sizeof(p), "%s/etc/fifo", root);
	mkfifo(p, 0644);
}

/* "path type size [-> link]" per entry, in archive order. */
static void list_cpio(const char *cpio, char *out, size_t n)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t len = 0;

	out[0] = '\0';
	archive_read_support_format_cpio(a);
	if (archive_read_open_filename(a, cpio, 4096) != ARCHIVE_OK) {
		archive_read_free(a);
		return;
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK && len < n) {
		const char *link = archive_entry_symlink(e);
		len += (size_t)snprintf(out + len, n - len, "%s %o %lld%s%s;",
					archive_entry_pathname(e),
					(unsigned)archive_entry_filetype(e) >> 12,
					(long long)archive_entry_size(e),
					link ? " -> " : "", link ? link : "");
	}
	archive_read_free(a);
}

static void test_archive(const char *cache)
{
	char root[4096], cpio[4096], list[4096];
	const char *want = ". 4 0;bin 4 0;bin/hello 10 8;bin/sh 12 5 -> hello;"
		"etc 4 0;etc/motd 10 3;etc/secret 12 11 -> /etc/passwd;";
	int rc;

	snprintf(root, sizeof(root), "%s/one", top);
	make_tree(root, "hi\n");
	rc = rootfs_dir_ensure(root, cache, cpio, sizeof(cpio));
	CHECK("archive: made", rc == 0);
	if (rc) {
		printf("  (%s)\n", store_error());
		return;
	}
	list_cpio(cpio, list, sizeof(list));
	CHECK("archive: entries in path order, links kept as links, no FIFO",
	      !strcmp(list, want));
	if (strcmp(list, want))
		printf("  (got %s)\n", list);
}

/* An ELF file of a page or more has its data on a page boundary of the
 * archive (the guest maps such pages in place); other files do not move. */
static void test_aligned(const char *cache)
{
	static char elf[9001], plain[9001];
	char root[1024], p[2048], cpio[4096];
	unsigned char *ar = NULL;
	struct stat st;
	int pads = 0;
	long a = -1, d = -1;
	FILE *f;

	memset(elf, 'e', sizeof(elf) - 1);
	memcpy(elf, "\x7f" "ELF", 4);
	memset(plain, 'p', sizeof(plain) - 1);
	snprintf(root, sizeof(root), "%s/four", top);
	make_tree(root, "aligned\n");
	snprintf(p, sizeof(p), "%s/bin/app", root);
	put_file(p, elf, 0755);
	snprintf(p, sizeof(p), "%s/etc/data", root);
	put_file(p, plain, 0644);
	CHECK("aligned: archive made",
	      !rootfs_dir_ensure(root, cache, cpio, sizeof(cpio)) &&
	      !stat(cpio, &st) && (ar = malloc((size_t)st.st_size)) &&
	      (f = fopen(cpio, "rb")) &&
	      fread(ar, 1, (size_t)st.st_size, f) == (size_t)st.st_size && !fclose(f));
	if (ar) {
		a = newc_data_offset(ar, (size_t)st.st_size, "bin/app", &pads);
		d = newc_data_offset(ar, (size_t)st.st_size, "etc/data", &pads);
	}
	CHECK("aligned: the ELF file's data starts on a page boundary",
	      a > 0 && a % 4096 == 0);
	CHECK("aligned: one padding entry, the other files stay", d > 0 && pads == 1);
	free(ar);
}

static void test_cache(const char *cache)
{
	char one[1024], two[1024], three[1024], c1[4096], c2[4096], c3[4096];
	struct stat before, after;
	struct timeval old[2] = { { 1000, 0 }, { 1000, 0 } };
	char motd[4096];

	snprintf(one, sizeof(one), "%s/one", top);
	snprintf(two, sizeof(two), "%s/two", top);
	snprintf(three, sizeof(three), "%s/three", top);
	make_tree(two, "hi\n");
	make_tree(three, "bye\n");
	snprintf(motd, sizeof(motd), "%s/etc/motd", two);
	utimes(motd, old); /* other times, same content: same key */
	CHECK("cache: first tree", !rootfs_dir_ensure(one, cache, c1, sizeof(c1)));
	stat(c1, &before);
	CHECK("cache: same content elsewhere", !rootfs_dir_ensure(two, cache, c2,
								 sizeof(c2)));
	stat(c2, &after);
	CHECK("cache: same content, same archive", !strcmp(c1, c2));
	CHECK("cache: a hit writes nothing", before.st_ino == after.st_ino &&
	      before.st_mtim.tv_nsec == after.st_mtim.tv_nsec &&
	      before.st_mtim.tv_sec == after.st_mtim.tv_sec);
	CHECK("cache: other content", !rootfs_dir_ensure(three, cache, c3, sizeof(c3)));
	CHECK("cache: other content, other archive", strcmp(c1, c3) != 0);
	chmod(motd, 0600);
	CHECK("cache: a mode change", !rootfs_dir_ensure(two, cache, c2, sizeof(c2)) &&
	      strcmp(c1, c2) != 0);
}

static void test_errors(const char *cache)
{
	char path[4096], cpio[4096];

	snprintf(path, sizeof(path), "%s/nosuch", top);
	CHECK("a missing root is an error naming it",
	      rootfs_dir_ensure(path, cache, cpio, sizeof(cpio)) == STORE_ERR &&
	      strstr(store_error(), path) && strstr(store_error(), "No such file"));
}

int main(void)
{
	char cache[4096], cmd[4200];

	if (!mkdtemp(top))
		return 1;
	snprintf(cache, sizeof(cache), "%s/cache", top);
	test_archive(cache);
	test_aligned(cache);
	test_cache(cache);
	test_errors(cache);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd))
		return 1;
	return CHECK_DONE();
}
