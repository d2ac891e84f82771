/*
 * Helpers shared by the store's unit tests: throwaway stores and trees,
 * and small tar archives written and read with libarchive.
 */
#ifndef HUSK_STORE_FIXTURE_H
#define HUSK_STORE_FIXTURE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "store.h"

static __attribute__((unused)) char fixture_base[] = "/tmp/husk-test-XXXXXX";
static __attribute__((unused)) int fixture_made;

/* Made once: mkdtemp's name may itself end in 'X' (1 run in 62). */
static __attribute__((unused)) const char *fixture_dir(void)
{
	if (!fixture_made && !mkdtemp(fixture_base)) {
		perror("mkdtemp");
		exit(2);
	}
	fixture_made = 1;
	return fixture_base;
}

/* A path under the test's directory. */
static __attribute__((unused)) const char *fpath(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", fixture_dir(), name);
	return buf;
}

static __attribute__((unused)) void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(2);
	}
}

static __attribute__((unused)) char *read_text(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len)
		len = 0;
	buf[len] = '\0';
	fclose(f);
	if (n)
		*n = (size_t)len;
	return buf;
}

static __attribute__((unused)) int open_store(struct store *s, const char *name)
{
	char path[4096];

	return store_open(s, fpath(path, sizeof(path), name));
}

static __attribute__((unused)) size_t count_files(const char *dir)
{
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static __attribute__((unused)) size_t count_blobs(const struct store *s)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/blobs/sha256", s->root);
	return count_files(path);
}

/* A small root filesystem: files, a directory, a symlink, a hard link. */
static __attribute__((unused)) void make_tree(const char *root, const char *content)
{
	char p[4096], q[4096];

	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/bin", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/bin/tool", root);
	write_text(p, content);
	chmod(p, 04755);
	snprintf(q, sizeof(q), "%s/bin/tool2", root);
	link(p, q);
	snprintf(p, sizeof(p), "%s/bin/sh", root);
	symlink("tool", p);
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/hostname", root);
	write_text(p, "husk\n");
}

/* ---- tar files as lists of entries ---- */

struct tentry {
	char name[512];
	char *data;
	size_t len;
	int type;            /* AE_IFREG, AE_IFDIR, AE_IFLNK */
	char link[512];
};

struct tarball {
	struct tentry v[64];
	size_t n;
};

static __attribute__((unused)) void tar_add(struct tarball *t, const char *name, const void *data,
		    size_t len)
{
	struct tentry *e = &t->v[t->n++];

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->data = malloc(len + 1);
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->len = len;
	e->type = AE_IFREG;
}

__attribute__((unused)) static struct tentry *tar_get(struct tarball *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return &t->v[i];
	return NULL;
}

static __attribute__((unused)) void tar_free(struct tarball *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].data);
	t->n = 0;
}

static __attribute__((unused)) int tar_read(const char *path, struct tarball *t)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char buf[65536];
	la_ssize_t k;

	t->n = 0;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 65536))
		return -1;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		struct tentry *x = &t->v[t->n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->name, sizeof(x->name), "%s", archive_entry_pathname(e));
		x->type = archive_entry_filetype(e);
		if (archive_entry_symlink(e))
			snprintf(x->link, sizeof(x->link), "%s", archive_entry_symlink(e));
		if (archive_entry_hardlink(e))
			snprintf(x->link, sizeof(x->link), "%s", archive_entry_hardlink(e));
		x->data = malloc((size_t)archive_entry_size(e) + 1);
		while ((k = archive_read_data(a, buf, sizeof(buf))) > 0) {
			memcpy(x->data + x->len, buf, (size_t)k);
			x->len += (size_t)k;
		}
		x->data[x->len] = '\0';
	}
	archive_read_free(a);
	return 0;
}

static __attribute__((unused)) int tar_write(const char *path, const struct tarball *t, int gzip)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	size_t i;

	archive_write_set_format_pax_restricted(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	if (archive_write_open_filename(a, path))
		return -1;
	for (i = 0; i < t->n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, t->v[i].name);
		archive_entry_set_filetype(e, (unsigned)t->v[i].type);
		archive_entry_set_perm(e, 0644);
		if (t->v[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, t->v[i].link);
		archive_entry_set_size(e, t->v[i].type == AE_IFREG ? (la_int64_t)t->v[i].len : 0);
		archive_write_header(a, e);
		if (t->v[i].type == AE_IFREG)
			archive_write_data(a, t->v[i].data, t->v[i].len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return 0;
}

#endif
