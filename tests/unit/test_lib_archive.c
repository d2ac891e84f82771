/*
 * save and load: round trips through the combined docker-archive + OCI
 * layout, each half on its own, gzip, and archives that must be refused
 * (truncated, wrong digests, missing blobs, escaping names, layers that do
 * not match their config), leaving the store exactly as it was.
 */
#include "check.h"
#include "test_lib_store_fixture.h"
#include "imgarchive.h"
#include "json_util.h"

static char reported[8192];

static void report_collect(void *arg, const char *verb, const char *what)
{
	size_t n = strlen(reported);

	(void)arg;
	snprintf(reported + n, sizeof(reported) - n, "%s: %s\n", verb, what);
}

static struct digest id_app, id_tool;

static int save_to(struct store *s, const char *name, const char *const *what,
		   size_t n)
{
	char path[4096];
	int fd, rc;

	fd = open(fpath(path, sizeof(path), name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rc = store_save(s, what, n, fd);
	close(fd);
	return rc;
}

static int load_from(struct store *s, const char *name)
{
	char path[4096];
	int fd, rc;

	fd = open(fpath(path, sizeof(path), name), O_RDONLY);
	reported[0] = '\0';
	rc = store_load(s, fd, path, report_collect, NULL);
	close(fd);
	return rc;
}

static struct image *find(struct image_list *l, const char *what)
{
	struct image *img;
	int by_name;

	return image_find(l, what, &img, &by_name) ? NULL : img;
}

/* The source store: two images, one with two names. */
static void make_source(struct store *s)
{
	char path[4096];

	setenv("SOURCE_DATE_EPOCH", "1650000000", 1);
	make_tree(fpath(path, sizeof(path), "tree-app"), "app");
	make_tree(fpath(path, sizeof(path), "tree-tool"), "tool");
	open_store(s, "source");
	store_import(s, fpath(path, sizeof(path), "tree-app"), "app:1", &id_app);
	store_import(s, fpath(path, sizeof(path), "tree-tool"), "quay.io/me/tool:2", &id_tool);
	store_tag(s, "app:1", "app:latest");
	unsetenv("SOURCE_DATE_EPOCH");
}

static void test_round_trip(struct store *src)
{
	const char *what[] = { "app:1", "app:latest", "quay.io/me/tool:2" };
	char a[4096], b[4096], *x, *y;
	struct image_list l;
	struct tarball t;
	struct store dst;
	size_t nx, ny;

	CHECK("save: three names, two images", !save_to(src, "all.tar", what, 3));
	CHECK("save: same images, same bytes", !save_to(src, "again.tar", what, 3));
	x = read_text(fpath(a, sizeof(a), "all.tar"), &nx);
	y = read_text(fpath(b, sizeof(b), "again.tar"), &ny);
	CHECK("save: deterministic", x && y && nx == ny && !memcmp(x, y, nx));
	free(x);
	free(y);
	tar_read(a, &t);
	CHECK("save: OCI layout and docker-archive in one tar",
	      tar_get(&t, "oci-layout") && tar_get(&t, "index.json") &&
		      tar_get(&t, "manifest.json") && tar_get(&t, "repositories") &&
		      tar_get(&t, "blobs/sha256/") != NULL);
	CHECK("save: manifest.json names and paths",
	      strstr(tar_get(&t, "manifest.json")->data, "\"RepoTags\":[\"app:1\",\"app:latest\"]") &&
		      strstr(tar_get(&t, "manifest.json")->data, "\"Config\":\"blobs/sha256/"));
	CHECK("save: index.json carries Docker's two annotations",
	      strstr(tar_get(&t, "index.json")->data,
		     "\"io.containerd.image.name\":\"quay.io/me/tool:2\","
		     "\"org.opencontainers.image.ref.name\":\"2\""));
	tar_free(&t);

	open_store(&dst, "round-trip");
	CHECK("load: the saved archive", !load_from(&dst, "all.tar"));
	CHECK("load: reports every name",
	      !strcmp(reported, "Loaded image: app:1\nLoaded image: app:latest\n"
			       "Loaded image: quay.io/me/tool:2\n"));
	store_list(&dst, &l);
	CHECK("load: same IDs under the same names",
	      l.n == 2 && find(&l, "app:1") && digest_equal(&find(&l, "app:1")->id, &id_app) &&
		      find(&l, "app") == find(&l, "app:1") &&
		      digest_equal(&find(&l, "quay.io/me/tool:2")->id, &id_tool));
	image_list_free(&l);
	CHECK("load: loading again changes nothing", !load_from(&dst, "all.tar") &&
	      count_blobs(&dst) == 6);
	store_close(&dst);
}

/* Rewrites all.tar into name, after edit() changed its entries. */
static void variant(const char *name, int gzip, void (*edit)(struct tarball *))
{
	char path[4096];
	struct tarball t;

	tar_read(fpath(path, sizeof(path), "all.tar"), &t);
	if (edit)
		edit(&t);
	tar_write(fpath(path, sizeof(path), name), &t, gzip);
	tar_free(&t);
}

static void drop(struct tarball *t, const char *name)
{
	struct tentry *e = tar_get(t, name);

	if (e) {
		free(e->data);
		memmove(e, e + 1, (size_t)(t->v + t->n - (e + 1)) * sizeof(*e));
		t->n--;
	}
}

static void oci_half_away(struct tarball *t)
{
	drop(t, "index.json");
	drop(t, "oci-layout");
}

static void docker_half_away(struct tarball *t)
{
	drop(t, "manifest.json");
	drop(t, "repositories");
}

/* Only org.opencontainers.image.ref.name, holding a bare tag. */
static void tags_only(struct tarball *t)
{
	struct tentry *e;
	json_t *ix;

	docker_half_away(t);
	e = tar_get(t, "index.json");
	json_parse_object(e->data, e->len, "index.json", &ix);
	json_array_remove(json_object_get(ix, "manifests"), 2);
	json_array_remove(json_object_get(ix, "manifests"), 1);
	json_object_del(json_object_get(json_array_get(json_object_get(ix, "manifests"), 0),
					"annotations"), ANNOT_CONTAINERD_NAME);
	free(e->data);
	e->data = json_compact(ix, &e->len);
	json_decref(ix);
}

static void test_halves(void)
{
	struct image_list l;
	struct store s;

	variant("docker-only.tar", 0, oci_half_away);
	variant("oci-only.tar.gz", 1, docker_half_away);
	variant("tags-only.tar", 0, tags_only);
	open_store(&s, "halves");
	CHECK("load: docker-archive alone", !load_from(&s, "docker-only.tar"));
	store_list(&s, &l);
	CHECK("load: docker-archive keeps IDs and names",
	      l.n == 2 && digest_equal(&find(&l, "app:1")->id, &id_app) &&
		      digest_equal(&find(&l, "quay.io/me/tool:2")->id, &id_tool));
	image_list_free(&l);
	store_close(&s);
	open_store(&s, "halves-oci");
	CHECK("load: gzip'ed OCI archive alone", !load_from(&s, "oci-only.tar.gz"));
	store_list(&s, &l);
	CHECK("load: OCI archive names from io.containerd.image.name",
	      l.n == 2 && find(&l, "app:latest") && digest_equal(&find(&l, "app:1")->id, &id_app));
	image_list_free(&l);
	store_close(&s);
	open_store(&s, "halves-tag");
	CHECK("load: a bare tag names no repository",
	      !load_from(&s, "tags-only.tar") && !strncmp(reported, "Loaded image ID: sha256:", 24));
	store_list(&s, &l);
	CHECK("load: the image is there, untagged", l.n == 1 && l.v[0].nnames == 0);
	image_list_free(&l);
	store_close(&s);
}

/* ---- refusals ---- */

static char bad_word[256];

/* One bit of the first blob flipped. */
static void flip_blob(struct tarball *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strncmp(t->v[i].name, "blobs/sha256/", 13) && t->v[i].len) {
			t->v[i].data[t->v[i].len - 1] ^= 1;
			snprintf(bad_word, sizeof(bad_word), "%s", t->v[i].name);
			return;
		}
}

static void drop_manifest(struct tarball *t)
{
	const char *d = strstr(tar_get(t, "index.json")->data, "sha256:");
	char name[128];

	snprintf(name, sizeof(name), "blobs/sha256/%.64s", d + 7);
	drop(t, name);
	docker_half_away(t);
}

static void add_dotdot(struct tarball *t)
{
	tar_add(t, "blobs/../../x", "x", 1);
}

static void add_absolute(struct tarball *t)
{
	tar_add(t, "/etc/cron.d/x", "x", 1);
}

static void only_junk(struct tarball *t)
{
	tar_free(t);
	tar_add(t, "hello.txt", "hi", 2);
}

static void escaping_link(struct tarball *t)
{
	tar_add(t, "link", "", 0);
	t->v[t->n - 1].type = AE_IFLNK;
	snprintf(t->v[t->n - 1].link, sizeof(t->v[0].link), "../../etc/passwd");
}

/* A docker-archive whose layer and config are self-consistent, but whose
 * layer tar holds hostile names or whose config lies about the layer. */
static void crafted_named(const char *name, const char *entry, int lie,
			  const char *tag)
{
	struct tarball layer = { 0 }, out = { 0 };
	char path[4096], cfg[512], manifest[256], *bytes;
	struct digest diff, cd;
	size_t n;

	tar_add(&layer, entry, "boom", 4);
	tar_write(fpath(path, sizeof(path), "layer.tmp"), &layer, 0);
	bytes = read_text(path, &n);
	digest_buf(lie ? "other" : bytes, lie ? 5 : n, &diff);
	snprintf(cfg, sizeof(cfg), "{\"architecture\":\"amd64\",\"os\":\"linux\","
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", diff.s);
	digest_buf(cfg, strlen(cfg), &cd);
	tar_add(&out, "layer.tar", bytes, n);
	tar_add(&out, "config.json", cfg, strlen(cfg));
	snprintf(manifest, sizeof(manifest), "[{\"Config\":\"config.json\",\"RepoTags\":"
		 "[\"%s\"],\"Layers\":[\"layer.tar\"]}]", tag);
	tar_add(&out, "manifest.json", manifest, strlen(manifest));
	tar_write(fpath(path, sizeof(path), name), &out, 0);
	free(bytes);
	tar_free(&layer);
	tar_free(&out);
}

static void crafted(const char *name, const char *entry, int lie)
{
	crafted_named(name, entry, lie, "evil:1");
}

static void truncate_copy(const char *from, const char *to, double part)
{
	char a[4096], b[4096], *x;
	size_t n;
	FILE *f;

	x = read_text(fpath(a, sizeof(a), from), &n);
	f = fopen(fpath(b, sizeof(b), to), "w");
	fwrite(x, 1, (size_t)(n * part), f);
	fclose(f);
	free(x);
}

/* The load must fail, say words, and leave index.json and blobs alone. */
static void refused(struct store *s, const char *label, const char *file,
		    const char *words1, const char *words2)
{
	char path[4096], tmp[4096], *before, *after;
	size_t blobs = count_blobs(s);
	int rc;

	before = read_text(fpath(path, sizeof(path), "refusals/index.json"), NULL);
	rc = load_from(s, file);
	after = read_text(path, NULL);
	snprintf(tmp, sizeof(tmp), "%s/tmp", s->root);
	CHECK(label, rc == STORE_ERR && strstr(store_error(), file) &&
	      strstr(store_error(), words1) && (!words2 || strstr(store_error(), words2)) &&
	      !strcmp(before, after) && count_blobs(s) == blobs && count_files(tmp) == 0);
	if (rc != STORE_ERR || !strstr(store_error(), words1) ||
	    (words2 && !strstr(store_error(), words2)))
		printf("  got: %s\n", store_error());
	free(before);
	free(after);
}

static void test_refusals(void)
{
	struct store s;

	open_store(&s, "refusals");
	load_from(&s, "docker-only.tar"); /* something in the store to protect */
	truncate_copy("all.tar", "half.tar", 0.5);
	refused(&s, "refuse: truncated archive", "half.tar", "truncated", NULL);
	truncate_copy("all.tar", "empty.tar", 0);
	refused(&s, "refuse: empty input", "empty.tar", "an empty archive", NULL);
	variant("flipped.tar", 0, flip_blob);
	refused(&s, "refuse: a blob that does not match its digest", "flipped.tar",
		"does not match its digest", bad_word);
	variant("no-manifest.tar", 0, drop_manifest);
	refused(&s, "refuse: a manifest missing from the archive", "no-manifest.tar",
		"missing from the archive", NULL);
	variant("dotdot.tar", 0, add_dotdot);
	refused(&s, "refuse: an entry climbing out with ..", "dotdot.tar",
		"\"blobs/../../x\"", "..");
	variant("absolute.tar", 0, add_absolute);
	refused(&s, "refuse: an absolute entry", "absolute.tar", "\"/etc/cron.d/x\"",
		"absolute");
	variant("link.tar", 0, escaping_link);
	refused(&s, "refuse: a link out of the archive", "link.tar", "\"link\"", "climbs out");
	variant("junk.tar", 0, only_junk);
	refused(&s, "refuse: neither a docker-archive nor an OCI archive", "junk.tar",
		"neither a docker-archive", NULL);
	crafted("evil-layer.tar", "../../etc/evil", 0);
	refused(&s, "refuse: a layer with an escaping entry", "evil-layer.tar",
		"layer 0", "\"../../etc/evil\"");
	crafted("abs-layer.tar", "/etc/evil", 0);
	refused(&s, "refuse: a layer with an absolute entry", "abs-layer.tar",
		"layer 0", "absolute");
	crafted("lying-config.tar", "fine", 1);
	refused(&s, "refuse: a layer its config's diff_id does not match",
		"lying-config.tar", "diff_ids[0]", NULL);
	crafted_named("bad-name.tar", "fine", 0, "Evil Name");
	refused(&s, "refuse: a bad name in manifest.json, located", "bad-name.tar",
		"manifest.json[0]: RepoTags[0]: invalid reference format", NULL);
	crafted("fine.tar", "fine", 0);
	CHECK("load: the same crafted archive, honest, loads",
	      !load_from(&s, "fine.tar") && !strcmp(reported, "Loaded image: evil:1\n"));
	store_close(&s);
}

/* A multi-platform index: the linux/amd64 manifest is taken. */
static void multi_platform(struct tarball *t)
{
	struct tentry *e = tar_get(t, "index.json");
	char list[1200], top[1400];
	const char *d = strstr(e->data, "sha256:");
	struct digest ld;

	docker_half_away(t);
	snprintf(list, sizeof(list),
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":["
		 "{\"mediaType\":\"%s\",\"digest\":\"sha256:%064d\",\"size\":1,"
		 "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
		 "{\"mediaType\":\"%s\",\"digest\":\"%.71s\",\"size\":%d,"
		 "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}",
		 MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST, 0, MEDIA_OCI_MANIFEST, d,
		 atoi(strstr(e->data, "\"size\":") + 7));
	digest_buf(list, strlen(list), &ld);
	snprintf(top, sizeof(top), "blobs/sha256/%s", digest_hex(&ld));
	tar_add(t, top, list, strlen(list));
	snprintf(top, sizeof(top), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		 "\"%s\",\"digest\":\"%s\",\"size\":%zu,\"annotations\":{\"%s\":"
		 "\"example.org/multi:1\"}}]}", MEDIA_OCI_INDEX, ld.s, strlen(list),
		 ANNOT_REF_NAME);
	e = tar_get(t, "index.json");
	free(e->data);
	e->data = strdup(top);
	e->len = strlen(top);
}

static void test_multi_platform(void)
{
	struct image_list l;
	struct store s;

	variant("multi.tar", 0, multi_platform);
	open_store(&s, "multi");
	CHECK("load: multi-platform index picks linux/amd64",
	      !load_from(&s, "multi.tar") && !strcmp(reported, "Loaded image: example.org/multi:1\n"));
	store_list(&s, &l);
	CHECK("load: the index is not stored, its manifest is",
	      l.n == 1 && digest_equal(&l.v[0].id, &id_app));
	image_list_free(&l);
	store_close(&s);
}

int main(void)
{
	char cmd[4200];
	struct store src;

	make_source(&src);
	test_round_trip(&src);
	test_halves();
	test_refusals();
	test_multi_platform();
	store_close(&src);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fixture_dir());
	if (system(cmd))
		printf("FAIL: cleanup: %s\n", cmd);
	return CHECK_DONE();
}
