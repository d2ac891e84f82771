/*
 * The image store: its layout, blobs, names (tag, rmi as Docker does),
 * import and garbage collection. Each test works in its own store under
 * a temporary directory.
 */
#include <sys/file.h>

#include "check.h"
#include "test_lib_store_fixture.h"
#include "imgarchive.h"
#include "json_util.h"

static void report_none(void *arg, const char *verb, const char *what)
{
	(void)arg;
	(void)verb;
	(void)what;
}

/* Collects report lines as "Verb: what\n". */
static char reported[8192];

static void report_collect(void *arg, const char *verb, const char *what)
{
	size_t n = strlen(reported);

	(void)arg;
	snprintf(reported + n, sizeof(reported) - n, "%s: %s\n", verb, what);
}

static void test_layout(void)
{
	char path[4096], *text;
	struct store s;
	struct stat st;

	CHECK("open: creates the store on first use", !open_store(&s, "layout"));
	snprintf(path, sizeof(path), "%s/oci-layout", s.root);
	text = read_text(path, NULL);
	CHECK("open: oci-layout says 1.0.0", text && strstr(text, "\"imageLayoutVersion\":\"1.0.0\""));
	free(text);
	snprintf(path, sizeof(path), "%s/index.json", s.root);
	text = read_text(path, NULL);
	CHECK("open: empty index.json", text && strstr(text, "\"manifests\":[]"));
	free(text);
	snprintf(path, sizeof(path), "%s/blobs/sha256", s.root);
	CHECK("open: blobs/sha256 exists", !stat(path, &st) && S_ISDIR(st.st_mode));
	store_close(&s);
	CHECK("open: reopening works", !open_store(&s, "layout"));
	store_close(&s);
	setenv("HUSK_HOME", fpath(path, sizeof(path), "from-env"), 1);
	CHECK("open: $HUSK_HOME is the default", !store_open(&s, NULL) &&
	      !strcmp(s.root, path));
	store_close(&s);
	unsetenv("HUSK_HOME");
}

static void test_blobs(void)
{
	char path[4096], *buf;
	struct digest d, want;
	struct store s;
	size_t n;
	FILE *f;

	open_store(&s, "blobs");
	CHECK("blob: writing needs the exclusive lock",
	      blob_put(&s, "x", 1, &d) == STORE_ERR && strstr(store_error(), "exclusive"));
	store_lock(&s, STORE_EXCLUSIVE);
	CHECK("blob: put", !blob_put(&s, "hello", 5, &d));
	digest_buf("hello", 5, &want);
	CHECK("blob: named by its digest", digest_equal(&d, &want) && blob_exists(&s, &d));
	CHECK("blob: read back", !blob_read(&s, &d, &buf, &n) && n == 5 && !memcmp(buf, "hello", 5));
	free(buf);
	CHECK("blob: putting it again is fine", !blob_put(&s, "hello", 5, &d));
	blob_path(&s, &d, path, sizeof(path));
	f = fopen(path, "w");
	fputs("jello", f);
	fclose(f);
	CHECK("blob: corruption is detected on read",
	      blob_read(&s, &d, &buf, &n) == STORE_ERR && strstr(store_error(), "corrupt"));
	{
		struct blob_writer w;
		blob_begin(&s, &w);
		blob_write(&w, "abc", 3);
		CHECK("blob: a wrong expected digest is refused",
		      blob_finish(&w, &want) == STORE_ERR &&
			      strstr(store_error(), "does not match its digest"));
		snprintf(path, sizeof(path), "%s/tmp", s.root);
		CHECK("blob: the refused temporary is gone", count_files(path) == 0);
	}
	store_lock(&s, STORE_UNLOCKED);
	store_close(&s);
}

static int import_tree(struct store *s, const char *tree, const char *name,
		       struct digest *id)
{
	char path[4096];

	return store_import(s, fpath(path, sizeof(path), tree), name, id);
}

static struct image *find(struct image_list *l, const char *what)
{
	struct image *img;
	int by_name;

	return image_find(l, what, &img, &by_name) ? NULL : img;
}

static void test_import(void)
{
	char path[4096], layer[4096];
	struct digest id1, id2, id3, d;
	struct image_list l;
	struct tarball t;
	struct store s, s2;
	struct image *img;
	int64_t size;

	make_tree(fpath(path, sizeof(path), "tree"), "#!tool\n");
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	open_store(&s, "import");
	open_store(&s2, "import2");
	CHECK("import: a directory", !import_tree(&s, "tree", "app:1", &id1));
	CHECK("import: same tree, same date, same ID",
	      !import_tree(&s2, "tree", "other", &id2) && digest_equal(&id1, &id2));
	store_list(&s, &l);
	img = find(&l, "app:1");
	CHECK("import: named docker.io/library/app:1",
	      img && img->nnames == 1 && !strcmp(img->names[0], "docker.io/library/app:1"));
	CHECK("import: created is SOURCE_DATE_EPOCH", img && img->created == 1700000000);
	CHECK("import: one gzip layer", img && image_layer_count(img) == 1 &&
	      !image_layer(img, 0, &d, &size, NULL) &&
	      !strcmp(json_str(json_array_get(json_object_get(img->manifest_json, "layers"), 0),
			       "mediaType"), MEDIA_OCI_LAYER_GZIP));
	CHECK("import: config is amd64/linux",
	      img && !strcmp(json_str(img->config_json, "architecture"), "amd64") &&
	      !strcmp(json_str(img->config_json, "os"), "linux"));
	blob_path(&s, &d, layer, sizeof(layer));
	tar_read(layer, &t);
	CHECK("import: entries in byte order, root left out",
	      t.n == 6 && !strcmp(t.v[0].name, "bin/") && !strcmp(t.v[1].name, "bin/sh") &&
	      !strcmp(t.v[2].name, "bin/tool") && !strcmp(t.v[3].name, "bin/tool2") &&
	      !strcmp(t.v[4].name, "etc/"));
	CHECK("import: symlink kept", t.n > 1 && t.v[1].type == AE_IFLNK && !strcmp(t.v[1].link, "tool"));
	CHECK("import: hard link kept", t.n > 3 && !strcmp(t.v[3].link, "bin/tool"));
	CHECK("import: content kept", t.n > 2 && !strcmp(t.v[2].data, "#!tool\n"));
	tar_free(&t);
	{
		struct archive *a = archive_read_new();
		struct archive_entry *e;
		int ok = 1;
		archive_read_support_filter_all(a);
		archive_read_support_format_tar(a);
		archive_read_open_filename(a, layer, 65536);
		while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
			ok &= archive_entry_mtime(e) <= 1700000000 && !archive_entry_atime_is_set(e);
			if (!strcmp(archive_entry_pathname(e), "bin/tool"))
				ok &= (archive_entry_mode(e) & 07777) == 04755;
		}
		archive_read_free(a);
		CHECK("import: times clamped, setuid mode kept", ok);
	}
	image_list_free(&l);
	write_text(fpath(path, sizeof(path), "tree/etc/hostname"), "changed\n");
	CHECK("import: a changed tree gives another ID",
	      !import_tree(&s2, "tree", "other", &id3) && !digest_equal(&id1, &id3));
	CHECK("import: missing source named",
	      import_tree(&s, "nowhere", "x", &id3) == STORE_ERR && strstr(store_error(), "nowhere"));
	CHECK("import: bad name refused before any work",
	      import_tree(&s, "tree", "Bad:Name", &id3) == STORE_ERR &&
		      strstr(store_error(), "invalid reference format"));
	unsetenv("SOURCE_DATE_EPOCH");
	store_close(&s);
	store_close(&s2);
}

static void test_import_tar(void)
{
	char path[4096], tarpath[4096];
	struct tarball t = { 0 };
	struct digest id;
	struct store s;

	open_store(&s, "import-tar");
	tar_add(&t, "./", "", 0);
	t.v[0].type = AE_IFDIR;
	tar_add(&t, "./hello", "hi\n", 3);
	tar_write(fpath(tarpath, sizeof(tarpath), "rootfs.tar.gz"), &t, 1);
	CHECK("import: a gzip'ed tar", !store_import(&s, tarpath, "fromtar", &id));
	tar_free(&t);
	tar_add(&t, "../escape", "x", 1);
	tar_write(fpath(tarpath, sizeof(tarpath), "evil.tar"), &t, 0);
	CHECK("import: ../ entry refused, named",
	      store_import(&s, tarpath, "evil", &id) == STORE_ERR &&
		      strstr(store_error(), "evil.tar") && strstr(store_error(), "\"../escape\""));
	tar_free(&t);
	tar_add(&t, "/etc/passwd", "x", 1);
	tar_write(fpath(tarpath, sizeof(tarpath), "abs.tar"), &t, 0);
	CHECK("import: absolute entry refused",
	      store_import(&s, tarpath, "evil", &id) == STORE_ERR &&
		      strstr(store_error(), "absolute"));
	tar_free(&t);
	snprintf(path, sizeof(path), "%s/tmp", s.root);
	CHECK("import: refusals leave no temporary", count_files(path) == 0);
	store_close(&s);
}

static void test_names(void)
{
	struct digest a, b;
	struct image_list l;
	struct image *img;
	struct store s;
	size_t blobs;

	setenv("SOURCE_DATE_EPOCH", "1600000000", 1);
	make_tree(fpath((char[4096]){ 0 }, 4096, "tree-a"), "a");
	make_tree(fpath((char[4096]){ 0 }, 4096, "tree-b"), "b");
	open_store(&s, "names");
	import_tree(&s, "tree-a", "a", &a);
	import_tree(&s, "tree-b", "b", &b);
	CHECK("tag: by name", !store_tag(&s, "a", "a:v2"));
	CHECK("tag: by ID prefix", !store_tag(&s, digest_hex(&a), "registry.example:5000/team/a"));
	CHECK("tag: unknown source", store_tag(&s, "nope", "x") == STORE_NOT_FOUND &&
	      !strcmp(store_error(), "No such image: nope"));
	CHECK("tag: bad target", store_tag(&s, "a", "UPPER") == STORE_ERR);
	store_list(&s, &l);
	img = find(&l, "a:v2");
	CHECK("tag: three names, one image", img && img->nnames == 3 && find(&l, "a") == img &&
	      find(&l, "registry.example:5000/team/a") == img);
	CHECK("find: full ID with sha256:", find(&l, a.s) == img);
	{
		char prefix[13];
		snprintf(prefix, sizeof(prefix), "%s", digest_hex(&a));
		CHECK("find: 12-digit ID prefix", find(&l, prefix) == img);
		CHECK("find: an empty name finds nothing", find(&l, "") == NULL);
	}
	image_list_free(&l);

	reported[0] = '\0';
	CHECK("rmi: an ID with names in several repositories needs force",
	      store_remove(&s, digest_hex(&a), 0, report_collect, NULL) == STORE_ERR &&
		      strstr(store_error(), "must be forced") && !reported[0]);
	CHECK("rmi: a name with others left only untags",
	      !store_remove(&s, "a:v2", 0, report_collect, NULL) &&
		      !strcmp(reported, "Untagged: a:v2\n"));
	reported[0] = '\0';
	CHECK("rmi: unknown name is No such image",
	      store_remove(&s, "ghost", 0, report_collect, NULL) == STORE_NOT_FOUND &&
		      !strcmp(store_error(), "No such image: ghost"));

	/* b's name moves to a: b stays, untagged, as "<none>". */
	CHECK("tag: moving a name", !store_tag(&s, "a", "b"));
	store_list(&s, &l);
	img = find(&l, b.s);
	CHECK("tag: the image that lost its name stays untagged", img && img->nnames == 0);
	image_list_free(&l);
	blobs = count_blobs(&s);
	reported[0] = '\0';
	CHECK("rmi: untagged image by ID", !store_remove(&s, b.s, 0, report_collect, NULL));
	CHECK("rmi: reports the deleted ID and layer",
	      strstr(reported, "Deleted: ") && strstr(reported, b.s) &&
		      count_blobs(&s) == blobs - 3);
	reported[0] = '\0';
	CHECK("rmi: -f deletes an ID shared by repositories",
	      !store_remove(&s, digest_hex(&a), 1, report_collect, NULL) &&
		      strstr(reported, "Untagged: a:latest\n") &&
		      strstr(reported, "Untagged: registry.example:5000/team/a:latest\n") &&
		      strstr(reported, "Deleted: "));
	CHECK("rmi: the store is empty again", count_blobs(&s) == 0);
	store_list(&s, &l);
	CHECK("rmi: no image left", l.n == 0);
	image_list_free(&l);
	unsetenv("SOURCE_DATE_EPOCH");
	store_close(&s);
}

/* IDs are random-looking: with 17 images two share a first hex digit. */
static void test_ambiguous_prefix(void)
{
	struct digest ids[17];
	char prefix[2] = { 0 }, date[32];
	struct image_list l;
	struct image *img;
	struct store s;
	int i, j, by_name, found = 0;

	make_tree(fpath((char[4096]){ 0 }, 4096, "tree-p"), "p");
	open_store(&s, "prefix");
	for (i = 0; i < 17 && !found; i++) {
		snprintf(date, sizeof(date), "%d", 1500000000 + i);
		setenv("SOURCE_DATE_EPOCH", date, 1);
		import_tree(&s, "tree-p", NULL, &ids[i]);
		for (j = 0; j < i && !found; j++)
			if (digest_hex(&ids[i])[0] == digest_hex(&ids[j])[0]) {
				prefix[0] = digest_hex(&ids[i])[0];
				found = 1;
			}
	}
	unsetenv("SOURCE_DATE_EPOCH");
	store_list(&s, &l);
	CHECK("find: an ambiguous ID prefix is refused", found &&
	      image_find(&l, prefix, &img, &by_name) == STORE_ERR &&
		      strstr(store_error(), "more than one image"));
	CHECK("find: a longer prefix picks one",
	      !image_find(&l, digest_hex(&ids[0]), &img, &by_name) && digest_equal(&img->id, &ids[0]));
	image_list_free(&l);
	store_close(&s);
}

static void test_prune(void)
{
	char path[4096], tmp[4096];
	struct digest orphan, id;
	struct store s;
	int64_t reclaimed;
	int held;

	open_store(&s, "prune");
	make_tree(fpath(path, sizeof(path), "tree-q"), "q");
	import_tree(&s, "tree-q", "keep", &id);
	store_lock(&s, STORE_EXCLUSIVE);
	blob_put(&s, "orphan", 6, &orphan);
	store_lock(&s, STORE_UNLOCKED);
	/* A writer that died: an unlocked file in tmp/. */
	snprintf(path, sizeof(path), "%s/tmp/blob-dead", s.root);
	write_text(path, "half a blob");
	/* A writer still at work: locked. */
	store_tmp_file(&s, "blob", tmp, sizeof(tmp), &held);
	reported[0] = '\0';
	CHECK("prune: runs", !store_prune(&s, report_collect, NULL, &reclaimed));
	CHECK("prune: the unreferenced blob is gone",
	      !blob_exists(&s, &orphan) && strstr(reported, orphan.s));
	CHECK("prune: the image's blobs stay", count_blobs(&s) == 3);
	CHECK("prune: the dead writer's temporary is gone", access(path, F_OK) != 0);
	CHECK("prune: the live writer's temporary stays", access(tmp, F_OK) == 0);
	CHECK("prune: reclaimed bytes counted", reclaimed == 6 + 11);
	close(held);
	CHECK("prune: once its writer is gone, it goes too",
	      !store_prune(&s, report_none, NULL, &reclaimed) && access(tmp, F_OK) != 0);
	store_close(&s);
}

static void test_index(void)
{
	struct store_index ix = { 0 };
	struct digest m1, m2;

	digest_buf("m1", 2, &m1);
	digest_buf("m2", 2, &m2);
	index_set(&ix, "docker.io/library/x:1", &m1, MEDIA_OCI_MANIFEST, 10);
	index_set(&ix, NULL, &m1, MEDIA_OCI_MANIFEST, 10);
	CHECK("index: a named image gets no untagged entry", ix.n == 1);
	index_set(&ix, "docker.io/library/x:1", &m2, MEDIA_OCI_MANIFEST, 10);
	CHECK("index: a moved name leaves the old image untagged",
	      ix.n == 2 && !ix.v[0].name && digest_equal(&ix.v[0].manifest, &m1));
	index_set(&ix, "docker.io/library/y:1", &m1, MEDIA_OCI_MANIFEST, 10);
	CHECK("index: naming it again drops the untagged entry",
	      ix.n == 2 && ix.v[0].name && ix.v[1].name &&
		      !strcmp(ix.v[1].name, "docker.io/library/y:1"));
	index_unname(&ix, "docker.io/library/y:1", 0);
	CHECK("index: unname without keeping", ix.n == 1 && !index_has_manifest(&ix, &m1));
	index_drop(&ix, &m2);
	CHECK("index: drop", ix.n == 0);
	index_free(&ix);
}

int main(void)
{
	char cmd[4200];

	test_layout();
	test_blobs();
	test_index();
	test_import();
	test_import_tar();
	test_names();
	test_ambiguous_prefix();
	test_prune();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fixture_dir());
	if (system(cmd))
		printf("FAIL: cleanup: %s\n", cmd);
	return CHECK_DONE();
}
