/*
 * lib/rootfs: layers flattened into cpio newc with OCI whiteouts, kept
 * metadata and hard links, refused paths, the cache, command lookup and
 * pruning. Layers are written here with libarchive (plain, gzip, zstd),
 * stored as an image, flattened, and the archive read back.
 */
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include "check.h"
#include "newc_scan.h"
#include "rootfs.h"
#include "test_lib_store_fixture.h"

/* ---- writing layers ---- */

struct layer {
	struct archive *a;
	char *buf;
	size_t cap, used;
};

static void layer_begin(struct layer *l, int filter)
{
	l->cap = 1 << 20;
	l->buf = malloc(l->cap);
	l->a = archive_write_new();
	archive_write_set_format_pax_restricted(l->a);
	if (filter == 1)
		archive_write_add_filter_gzip(l->a);
	if (filter == 2)
		archive_write_add_filter_zstd(l->a);
	archive_write_set_bytes_in_last_block(l->a, 1);
	archive_write_open_memory(l->a, l->buf, l->cap, &l->used);
}

/* type: 'f' file, 'd' directory, 'l' symlink (to data), 'h' hard link. */
static void put(struct layer *l, const char *name, char type, int perm,
		const char *data)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = type == 'f' && data ? strlen(data) : 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type == 'd' ? AE_IFDIR :
				   type == 'l' ? AE_IFLNK : AE_IFREG);
	archive_entry_set_perm(e, (mode_t)perm);
	archive_entry_set_uid(e, 1000);
	archive_entry_set_gid(e, 100);
	archive_entry_set_mtime(e, 1234567, 0);
	if (type == 'l')
		archive_entry_set_symlink(e, data);
	if (type == 'h')
		archive_entry_set_hardlink(e, data);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_write_header(l->a, e);
	if (len)
		archive_write_data(l->a, data, len);
	archive_entry_free(e);
}

/* Stores the layer's blob; diff_id from the uncompressed bytes. */
static void layer_end(struct store *s, struct layer *l, struct layer_desc *d,
		      const char *media_type)
{
	struct archive *r = archive_read_new();
	char chunk[65536], *plain = malloc(l->cap);
	size_t n = 0;
	la_ssize_t k;

	archive_write_close(l->a);
	archive_write_free(l->a);
	archive_read_support_filter_all(r);
	archive_read_support_format_raw(r);
	archive_read_open_memory(r, l->buf, l->used);
	struct archive_entry *e;
	archive_read_next_header(r, &e);
	while ((k = archive_read_data(r, chunk, sizeof(chunk))) > 0) {
		memcpy(plain + n, chunk, (size_t)k);
		n += (size_t)k;
	}
	archive_read_free(r);
	digest_buf(plain, n, &d->diff_id);
	store_lock(s, STORE_EXCLUSIVE);
	blob_put(s, l->buf, l->used, &d->digest);
	store_lock(s, STORE_UNLOCKED);
	d->size = (int64_t)l->used;
	d->media_type = media_type;
	d->pending = NULL;
	free(plain);
	free(l->buf);
}

static int commit(struct store *s, struct layer_desc *d, size_t n,
		  const char *name, struct image_list *list, struct image **img)
{
	json_t *config = json_pack("{s:s, s:s, s:{}}", "architecture", "amd64",
				   "os", "linux", "config");
	struct digest id;
	int by_name, rc = store_commit_image(s, config, d, n, name, &id);

	json_decref(config);
	if (!rc)
		rc = store_list(s, list);
	if (!rc)
		rc = image_find(list, name, img, &by_name);
	return rc;
}

/* ---- reading the cpio back ---- */

struct got {
	char name[256];
	unsigned type, perm;
	int64_t uid, mtime, ino, nlink, size;
	char data[256], link[256];
};

static size_t read_cpio(const char *path, struct got *v, size_t max)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t n = 0;

	archive_read_support_format_cpio(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		archive_read_free(a);
		return 0;
	}
	while (n < max && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		struct got *g = &v[n++];
		la_ssize_t k;
		memset(g, 0, sizeof(*g));
		snprintf(g->name, sizeof(g->name), "%s", archive_entry_pathname(e));
		g->type = archive_entry_filetype(e);
		g->perm = archive_entry_perm(e);
		g->uid = archive_entry_uid(e);
		g->mtime = archive_entry_mtime(e);
		g->ino = archive_entry_ino64(e);
		g->nlink = archive_entry_nlink(e);
		g->size = archive_entry_size(e);
		if (archive_entry_symlink(e))
			snprintf(g->link, sizeof(g->link), "%s", archive_entry_symlink(e));
		k = archive_read_data(a, g->data, sizeof(g->data) - 1);
		g->data[k > 0 ? k : 0] = '\0';
	}
	archive_read_free(a);
	return n;
}

static struct got *find(struct got *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* Every entry's parent directory comes before it. */
static int parents_first(struct got *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		char parent[256], *slash;
		int seen = 0;
		snprintf(parent, sizeof(parent), "%s", v[i].name);
		slash = strrchr(parent, '/');
		if (!slash)
			continue;
		*slash = '\0';
		for (j = 0; j < i && !seen; j++)
			seen = !strcmp(v[j].name, parent) && v[j].type == AE_IFDIR;
		if (!seen)
			return 0;
	}
	return 1;
}

/* ---- tests ---- */

static void quiet(void *arg, const char *verb, const char *what)
{
	(void)arg;
	(void)verb;
	(void)what;
}

static void test_clean_path(void)
{
	char out[256];

	CHECK("clean: ./a//b/ is a/b", !rootfs_clean_path("./a//b/", out, sizeof(out)) &&
	      !strcmp(out, "a/b"));
	CHECK("clean: ./ is the root", !rootfs_clean_path("./", out, sizeof(out)) &&
	      !strcmp(out, ""));
	CHECK("clean: an absolute path is refused",
	      rootfs_clean_path("/etc/passwd", out, sizeof(out)) == STORE_ERR &&
	      strstr(store_error(), "absolute path"));
	CHECK("clean: '..' is refused", rootfs_clean_path("a/../../b", out,
							  sizeof(out)) == STORE_ERR &&
	      strstr(store_error(), "'..' refused"));
	CHECK("clean: a name starting with .. is fine",
	      !rootfs_clean_path("a/..b", out, sizeof(out)) && !strcmp(out, "a/..b"));
}

/* Three layers (plain, gzip, zstd) exercising every rule. */
static void make_layers(struct store *s, struct layer_desc *d)
{
	struct layer l;

	layer_begin(&l, 0);
	put(&l, "./", 'd', 0755, NULL);
	put(&l, "etc/", 'd', 0755, NULL);
	put(&l, "etc/a", 'f', 0644, "v1");
	put(&l, "etc/b", 'f', 0644, "b1");
	put(&l, "etc/h1", 'f', 0640, "linked");
	put(&l, "etc/h2", 'h', 0640, "etc/h1");
	put(&l, "usr/", 'd', 0755, NULL);
	put(&l, "usr/bin/", 'd', 0755, NULL);
	put(&l, "usr/bin/tool", 'f', 0755, "#!");
	put(&l, "usr/bin/notexec", 'f', 0644, "x");
	put(&l, "bin", 'l', 0777, "usr/bin");
	put(&l, "gone/", 'd', 0755, NULL);
	put(&l, "gone/f", 'f', 0644, "g");
	put(&l, "opq/", 'd', 0700, NULL);
	put(&l, "opq/x", 'f', 0644, "x");
	layer_end(s, &l, &d[0], MEDIA_OCI_LAYER);

	layer_begin(&l, 1);
	put(&l, "etc/a", 'f', 0600, "v2");
	put(&l, "etc/.wh.b", 'f', 0644, "");
	put(&l, ".wh.gone", 'f', 0644, "");
	put(&l, "opq/.wh..wh..opq", 'f', 0644, "");
	put(&l, "opq/z", 'f', 0644, "z");
	layer_end(s, &l, &d[1], MEDIA_OCI_LAYER_GZIP);

	layer_begin(&l, 2);
	put(&l, "etc/b", 'f', 0644, "back");
	put(&l, "new/deep/file", 'f', 0644, "deep");
	layer_end(s, &l, &d[2], MEDIA_OCI_LAYER_ZSTD);
}

static void test_flatten(struct store *s)
{
	struct layer_desc d[3];
	struct image_list list;
	struct image *img;
	struct got v[64], *g, *h1, *h2;
	char cpio[4096], again[4096];
	struct stat st1, st2;
	size_t n;
	int rc;

	make_layers(s, d);
	rc = commit(s, d, 3, "layers:1", &list, &img);
	CHECK("flatten: image committed", rc == 0);
	if (rc)
		return;
	rc = rootfs_ensure(s, img, cpio, sizeof(cpio));
	CHECK("flatten: archive made", rc == 0 && stat(cpio, &st1) == 0);
	CHECK("flatten: named for its layout (v2: ELF data page-aligned)",
	      rc == 0 && strstr(cpio, ".v2.cpio"));
	if (rc)
		printf("  (%s)\n", store_error());
	n = read_cpio(cpio, v, 64);
	CHECK("flatten: the root comes first", n && !strcmp(v[0].name, ".") &&
	      v[0].type == AE_IFDIR);
	CHECK("flatten: parents come before children", parents_first(v, n));
	g = find(v, n, "etc/a");
	CHECK("flatten: a higher layer replaces a file", g && !strcmp(g->data, "v2"));
	CHECK("flatten: mode, owner and mtime kept", g && g->perm == 0600 &&
	      g->uid == 1000 && g->mtime == 1234567);
	g = find(v, n, "etc/b");
	CHECK("flatten: whited out, then added back", g && !strcmp(g->data, "back"));
	CHECK("flatten: .wh.NAME removes a directory and its content",
	      !find(v, n, "gone") && !find(v, n, "gone/f"));
	CHECK("flatten: opaque directory loses the lower content",
	      find(v, n, "opq") && !find(v, n, "opq/x"));
	CHECK("flatten: opaque directory keeps its own layer's content",
	      find(v, n, "opq/z") && !strcmp(find(v, n, "opq/z")->data, "z"));
	CHECK("flatten: no whiteout entry is kept", !find(v, n, "etc/.wh.b") &&
	      !find(v, n, "opq/.wh..wh..opq") && !find(v, n, ".wh.gone"));
	g = find(v, n, "bin");
	CHECK("flatten: symbolic link kept", g && g->type == AE_IFLNK &&
	      !strcmp(g->link, "usr/bin"));
	h1 = find(v, n, "etc/h1");
	h2 = find(v, n, "etc/h2");
	CHECK("flatten: hard link shares the inode", h1 && h2 && h1->ino == h2->ino &&
	      h1->nlink == 2 && h2->nlink == 2);
	CHECK("flatten: the last link carries the data", h1 && h2 && h1->size == 0 &&
	      !strcmp(h2->data, "linked"));
	g = find(v, n, "new/deep");
	CHECK("flatten: missing parent directories are added",
	      g && g->type == AE_IFDIR && g->perm == 0755 && find(v, n, "new"));
	CHECK("flatten: zstd layer applied", find(v, n, "new/deep/file") &&
	      !strcmp(find(v, n, "new/deep/file")->data, "deep"));

	rc = rootfs_ensure(s, img, again, sizeof(again));
	CHECK("cache: a second run reuses the archive", rc == 0 && !strcmp(cpio, again) &&
	      stat(again, &st2) == 0 && st1.st_ino == st2.st_ino);

	rc = rootfs_find_command(cpio, "/usr/local/bin:/usr/bin", "tool", again,
				 sizeof(again));
	CHECK("lookup: found along PATH", rc == 0 && !strcmp(again, "/usr/bin/tool"));
	rc = rootfs_find_command(cpio, "/sbin:/", "bin", again, sizeof(again));
	CHECK("lookup: a symbolic link counts", rc == 0 && !strcmp(again, "/bin"));
	rc = rootfs_find_command(cpio, "/usr/bin", "notexec", again, sizeof(again));
	CHECK("lookup: a file without x bits is not a command", rc == STORE_NOT_FOUND &&
	      strstr(store_error(), "executable file not found in $PATH"));
	rc = rootfs_find_command(cpio, "/usr/local/bin", "tool", again, sizeof(again));
	CHECK("lookup: only the PATH's directories", rc == STORE_NOT_FOUND);

	image_list_free(&list);
	rc = store_remove(s, "layers:1", 0, quiet, NULL);
	int64_t bytes = 0;
	CHECK("prune: image removed", rc == 0);
	rc = rootfs_prune(s, &bytes);
	CHECK("prune: the archive of a removed image goes", rc == 0 &&
	      access(cpio, F_OK) != 0 && bytes > 0);
}

static void test_refused(struct store *s, const char *name, const char *entry,
			 const char *want)
{
	struct layer_desc d;
	struct image_list list;
	struct image *img;
	struct layer l;
	char cpio[4096], label[128];
	int rc;

	layer_begin(&l, 0);
	put(&l, "ok", 'f', 0644, "fine");
	put(&l, entry, entry[0] == 'h' ? 'h' : 'f', 0644, entry[0] == 'h' ? "../x" : "x");
	layer_end(s, &l, &d, MEDIA_OCI_LAYER);
	rc = commit(s, &d, 1, name, &list, &img);
	if (!rc)
		rc = rootfs_ensure(s, img, cpio, sizeof(cpio));
	snprintf(label, sizeof(label), "refused: %s", entry);
	CHECK(label, rc == STORE_ERR && strstr(store_error(), want) &&
	      strstr(store_error(), entry[0] == 'h' ? "hard link" : entry));
	CHECK("refused: no archive left behind", rc != 0 && access(cpio, F_OK) != 0);
	image_list_free(&list);
}

/* ---- page-aligned ELF data ---- */

static void test_elf_aligned(struct store *s)
{
	struct layer l_shared;
	char old[4096];
	int64_t bytes = 0;
	static char elf[9001], elf2[4097], tiny[100], plain[9001];
	struct layer_desc d;
	struct image_list list;
	struct image *img;
	struct got v[16], *g;
	char cpio[4096];
	unsigned char *ar;
	struct stat st;
	size_t n;
	int rc, pads = 0;
	long a, b, t, p;
	FILE *f;

	memset(elf, 'e', sizeof(elf) - 1);
	memcpy(elf, "\x7f" "ELF", 4);
	memcpy(elf2, elf, sizeof(elf2) - 1);
	memset(tiny, 't', sizeof(tiny) - 1);
	memcpy(tiny, "\x7f" "ELF", 4);
	memset(plain, 'p', sizeof(plain) - 1);
	layer_begin(&l_shared, 0);
	put(&l_shared, "./", 'd', 0755, NULL);
	put(&l_shared, "lib/", 'd', 0755, NULL);
	put(&l_shared, "lib/a.so", 'f', 0755, elf);
	put(&l_shared, "lib/b.so", 'f', 0755, elf2);
	put(&l_shared, "lib/data", 'f', 0644, plain);
	put(&l_shared, "lib/link", 'l', 0777, "a.so");
	put(&l_shared, "lib/tiny", 'f', 0755, tiny);
	layer_end(s, &l_shared, &d, MEDIA_OCI_LAYER);
	rc = commit(s, &d, 1, "elf:1", &list, &img);
	if (!rc)
		rc = rootfs_ensure(s, img, cpio, sizeof(cpio));
	CHECK("aligned: archive made", rc == 0 && stat(cpio, &st) == 0);
	if (rc) {
		printf("  (%s)\n", store_error());
		return;
	}
	ar = malloc((size_t)st.st_size);
	f = fopen(cpio, "rb");
	CHECK("aligned: archive read", f && fread(ar, 1, (size_t)st.st_size, f) ==
	      (size_t)st.st_size);
	if (f)
		fclose(f);
	a = newc_data_offset(ar, (size_t)st.st_size, "lib/a.so", &pads);
	b = newc_data_offset(ar, (size_t)st.st_size, "lib/b.so", &pads);
	t = newc_data_offset(ar, (size_t)st.st_size, "lib/tiny", &pads);
	p = newc_data_offset(ar, (size_t)st.st_size, "lib/data", &pads);
	CHECK("aligned: each ELF file of a page or more starts on a page boundary",
	      a > 0 && b > 0 && a % 4096 == 0 && b % 4096 == 0);
	CHECK("aligned: other files are not moved (one padding entry per ELF file)",
	      t > 0 && p > 0 && pads == 2);
	n = read_cpio(cpio, v, 16);
	g = find(v, n, "lib/a.so");
	CHECK("aligned: the data is whole", g && g->size == 9000 &&
	      !memcmp(g->data, elf, 255));
	CHECK("aligned: libarchive reads the archive (padding shows as '.')",
	      n == 9 && find(v, n, "lib/tiny") && find(v, n, "lib/link"));
	free(ar);
	/* The same image's archive in the layout before v2: never used, and
	 * pruned although the image is still there. */
	snprintf(old, sizeof(old), "%s", cpio);
	strcpy(strstr(old, ".v2.cpio"), ".cpio");
	f = fopen(old, "w");
	if (f)
		fclose(f);
	CHECK("aligned: an archive of the older layout is pruned, the image's stays",
	      f && !rootfs_prune(s, &bytes) && access(old, F_OK) != 0 &&
	      access(cpio, F_OK) == 0);
	image_list_free(&list);
}

int main(void)
{
	struct store s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_clean_path();
	if (open_store(&s, "store")) {
		printf("FAIL: rootfs: cannot open a store: %s\n", store_error());
		return 1;
	}
	test_flatten(&s);
	test_elf_aligned(&s);
	test_refused(&s, "bad:dotdot", "a/../../etc/x", "'..' refused");
	test_refused(&s, "bad:abs", "/etc/x", "absolute path");
	test_refused(&s, "bad:link", "hl", "'..' refused");
	store_close(&s);
	return CHECK_DONE();
}
