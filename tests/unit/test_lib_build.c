/*
 * The pure parts of husk build (lib/build*.c, lib/context.c,
 * lib/layerdiff.c): --chown and USER resolution against a stage's own
 * /etc/passwd and /etc/group, --chmod, cache keys, source globs with
 * .dockerignore, the config's Env list, and applying a layer with OCI
 * whiteouts onto a tree. Works in a temporary directory it removes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "build_int.h"
#include "check.h"
#include "dockerfile.h"

static char root[256];

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void dir(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkdir(path, 0755);
}

static bool exists(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, &st) == 0;
}

static void test_users(void)
{
	uint32_t uid = 99, gid = 99;
	char err[256] = "";

	dir("etc");
	put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
			  "app:x:1000:1001::/home/app:/bin/sh\n"
			  "broken line\n");
	put("etc/group", "root:x:0:\nstaff:x:50:\n");
	CHECK("users: a name from the stage's passwd, its primary group for USER",
	      !users_resolve(root, "app", false, &uid, &gid, err, sizeof(err)) &&
	      uid == 1000 && gid == 1001);
	CHECK("users: --chown NAME uses the uid as the gid, as Docker documents",
	      !users_resolve(root, "app", true, &uid, &gid, err, sizeof(err)) &&
	      uid == 1000 && gid == 1000);
	CHECK("users: a group name from the stage's group file",
	      !users_resolve(root, "app:staff", true, &uid, &gid, err, sizeof(err)) &&
	      uid == 1000 && gid == 50);
	CHECK("users: numbers need no files",
	      !users_resolve("/nonexistent", "7:8", false, &uid, &gid, err,
			     sizeof(err)) && uid == 7 && gid == 8);
	CHECK("users: an unknown user is refused with Docker's words",
	      users_resolve(root, "nobody", false, &uid, &gid, err, sizeof(err)) &&
	      !strcmp(err, "unable to find user nobody: no matching entries in "
			   "passwd file"));
	CHECK("users: an unknown group is refused",
	      users_resolve(root, "app:wheel", false, &uid, &gid, err, sizeof(err)) &&
	      strstr(err, "unable to find group wheel"));
	CHECK("users: an empty group is refused",
	      users_resolve(root, "app:", false, &uid, &gid, err, sizeof(err)) &&
	      strstr(err, "invalid user"));
}

static void test_mode(void)
{
	unsigned mode = 0;

	CHECK("--chmod: octal", !users_parse_mode("640", &mode) && mode == 0640);
	CHECK("--chmod: setuid bits", !users_parse_mode("4755", &mode) && mode == 04755);
	CHECK("--chmod: not octal is refused", users_parse_mode("u+x", &mode));
	CHECK("--chmod: 8 is not octal", users_parse_mode("680", &mode));
	CHECK("--chmod: too large", users_parse_mode("17777", &mode));
	CHECK("--chmod: empty", users_parse_mode("", &mode));
}

static struct df_inst inst(enum df_kind kind, char **args, size_t n)
{
	struct df_inst in = { .kind = kind, .args = args, .nargs = n };

	in.fl.unpack = -1;
	return in;
}

static void test_keys(void)
{
	struct digest root_key = { "" }, k1, k2, k3;
	char *a1[] = { "a.txt", "/x" }, *a2[] = { "a.txt", "/y" };
	struct df_inst i1 = inst(DF_COPY, a1, 2), i2 = inst(DF_COPY, a2, 2);
	char *t1 = cache_inst_text(&i1), *t2 = cache_inst_text(&i2), *t3;

	CHECK("cache: the same instruction gives the same key",
	      t1 && !cache_chain(&root_key, t1, strlen(t1), &k1) &&
	      !cache_chain(&root_key, t1, strlen(t1), &k2) && digest_equal(&k1, &k2));
	CHECK("cache: another destination is another key",
	      t2 && !cache_chain(&root_key, t2, strlen(t2), &k2) &&
	      !digest_equal(&k1, &k2));
	CHECK("cache: the parent's key is part of the key",
	      !cache_chain(&k2, t1, strlen(t1), &k3) && !digest_equal(&k1, &k3));
	i1.fl.chown = "app";
	t3 = cache_inst_text(&i1);
	CHECK("cache: flags are part of the key", t3 && strcmp(t1, t3));
	free(t3);
	i1.fl.chown = NULL;
	i1.json = true;
	t3 = cache_inst_text(&i1);
	CHECK("cache: the exec form differs from the shell form", t3 && strcmp(t1, t3));
	free(t1);
	free(t2);
	free(t3);
}

static bool matches(const char *pattern, const struct dockerignore *di,
		    const char *want)
{
	char **v = NULL, got[512] = "";
	size_t n = 0;

	if (context_match(root, pattern, di, &v, &n))
		return false;
	for (size_t i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s[%s]",
			 i ? " " : "", v[i]);
	context_free_list(v, n);
	if (strcmp(got, want))
		printf("  %s: got \"%s\", expected \"%s\"\n", pattern, got, want);
	return !strcmp(got, want);
}

static void test_context(void)
{
	struct dockerignore di = { 0 };
	char err[256];
	const char *ignore = "secret.txt\n**/*.log\n!keep.log\n";

	dir("ctx");
	snprintf(root + strlen(root), sizeof(root) - strlen(root), "/ctx");
	dir("src");
	put("a.txt", "a");
	put("b.txt", "b");
	put(".hidden.txt", "h");
	put("secret.txt", "s");
	put("keep.log", "k");
	put("src/x.c", "x");
	put("src/y.log", "y");
	dockerignore_parse(".dockerignore", ignore, strlen(ignore), &di, err,
			   sizeof(err));
	CHECK("context: * matches dot files too, as Go's filepath.Match",
	      matches("*.txt", NULL, "[.hidden.txt] [a.txt] [b.txt] [secret.txt]"));
	CHECK("context: .dockerignore takes files out of a glob",
	      matches("*.txt", &di, "[.hidden.txt] [a.txt] [b.txt]"));
	CHECK("context: an exception keeps a file in",
	      matches("*.log", &di, "[keep.log]"));
	CHECK("context: globs in directories", matches("src/*", &di, "[src/x.c]"));
	CHECK("context: paths are cleaned; a leading / is the context's root",
	      matches("./src/../a.txt", NULL, "[a.txt]") &&
	      matches("/a.txt", NULL, "[a.txt]"));
	CHECK("context: a path that leaves the context is refused",
	      !matches("src/../../x", NULL, "") &&
	      strstr(store_error(), "outside the build context"));
	CHECK("context: . is the whole context", matches(".", NULL, "[]"));
	CHECK("context: an excluded file is not found", matches("secret.txt", &di, ""));
	CHECK("context: nothing matches nothing", matches("none*", NULL, ""));
	CHECK("context: ignored rel paths", context_ignored(&di, "src/y.log") &&
	      !context_ignored(&di, "src/x.c") && !context_ignored(NULL, "secret.txt"));
	dockerignore_free(&di);
	*strrchr(root, '/') = '\0';
}

static void test_context_hash(void)
{
	struct digest_ctx h;
	struct digest d1, d2, d3;

	put("ctx/src/x.c", "x");
	digest_init(&h);
	context_hash(root, "ctx/src", NULL, &h);
	digest_final(&h, &d1);
	digest_init(&h);
	context_hash(root, "ctx/src", NULL, &h);
	digest_final(&h, &d2);
	put("ctx/src/x.c", "changed");
	digest_init(&h);
	context_hash(root, "ctx/src", NULL, &h);
	digest_final(&h, &d3);
	CHECK("context: the same tree hashes the same", digest_equal(&d1, &d2));
	CHECK("context: changed content changes the hash", !digest_equal(&d1, &d3));
}

static void test_env(void)
{
	json_t *env = json_pack("[s, s]", "PATH=/bin", "A=1");
	char *text;

	env_list_set(env, "A", "2");
	env_list_set(env, "B", "x=y");
	env_list_set(env, "PA", "no");
	text = json_dumps(env, JSON_COMPACT);
	CHECK("Env: a key is replaced in place, new keys appended",
	      text && !strcmp(text, "[\"PATH=/bin\",\"A=2\",\"B=x=y\",\"PA=no\"]"));
	free(text);
	json_decref(env);
}

/* A layer tar: "name" regular files with content, "name/" directories. */
static int write_layer(const char *path, const char *const *names, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;

	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		bool isdir = names[i][len - 1] == '/';

		e = archive_entry_new();
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, isdir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(e, isdir ? 0755 : 0644);
		archive_entry_set_size(e, isdir ? 0 : 1);
		archive_write_header(a, e);
		if (!isdir)
			archive_write_data(a, "z", 1);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return 0;
}

static bool apply(const char *const *names, size_t n)
{
	char tar[512], tree[512];
	int fd, rc;

	snprintf(tar, sizeof(tar), "%s/layer.tar", root);
	snprintf(tree, sizeof(tree), "%s/tree", root);
	if (write_layer(tar, names, n))
		return false;
	fd = open(tar, O_RDONLY);
	rc = layer_apply(fd, tree, "layer.tar");
	close(fd);
	if (rc)
		printf("  %s\n", store_error());
	return rc == 0;
}

static void test_layer_apply(void)
{
	static const char *const base[] = { "etc/", "etc/a", "etc/b", "opt/",
					    "opt/old", "opt/sub/", "opt/sub/x" };
	static const char *const upper[] = { "etc/", "etc/.wh.a", "opt/",
					     "opt/-new", "opt/.wh..wh..opq", "opt/z" };
	static const char *const escape[] = { "../outside" };

	dir("tree");
	CHECK("layer: a first layer unpacks", apply(base, 7) && exists("tree/etc/a") &&
	      exists("tree/opt/sub/x"));
	CHECK("layer: .wh.NAME deletes NAME",
	      apply(upper, 6) && !exists("tree/etc/a") && exists("tree/etc/b"));
	CHECK("layer: an opaque directory loses what lower layers put there",
	      !exists("tree/opt/old") && !exists("tree/opt/sub"));
	CHECK("layer: ... but keeps what its own layer wrote, before or after",
	      exists("tree/opt/-new") && exists("tree/opt/z"));
	CHECK("layer: a name that climbs out is refused",
	      !apply(escape, 1) && !exists("outside"));
}

static bool resolves(const char *path, const char *want)
{
	char tree[512], out[512], expect[512];

	snprintf(expect, sizeof(expect), "%s/tree2%s", root, want);
	snprintf(tree, sizeof(tree), "%s/tree2", root);
	if (build_resolve(tree, path, out, sizeof(out)))
		return false;
	if (strcmp(out, expect))
		printf("  %s: got %s, expected %s\n", path, out, expect);
	return !strcmp(out, expect);
}

static void test_resolve(void)
{
	char link[512], tree[512];

	dir("tree2");
	dir("tree2/usr");
	dir("tree2/usr/bin");
	snprintf(link, sizeof(link), "%s/tree2/bin", root);
	symlink("usr/bin", link);
	snprintf(link, sizeof(link), "%s/tree2/abs", root);
	symlink("/usr", link);
	snprintf(link, sizeof(link), "%s/tree2/up", root);
	symlink("../../../..", link);
	snprintf(link, sizeof(link), "%s/tree2/loop", root);
	symlink("loop", link);
	CHECK("resolve: a relative link", resolves("/bin/x", "/usr/bin/x"));
	CHECK("resolve: an absolute link stays in the tree",
	      resolves("/abs/bin", "/usr/bin"));
	CHECK("resolve: .. stops at the tree's root",
	      resolves("/up/etc", "/etc") && resolves("/../../x", "/x"));
	CHECK("resolve: missing parts stay", resolves("/new/dir", "/new/dir"));
	snprintf(link, sizeof(link), "%s/tree2", root);
	CHECK("resolve: a link loop is refused",
	      build_resolve(link, "/loop/x", tree, sizeof(tree)) &&
	      strstr(store_error(), "too many symbolic links"));
}

int main(void)
{
	char cmd[300];

	snprintf(root, sizeof(root), "/tmp/husk-test-build-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_users();
	test_mode();
	test_keys();
	test_context();
	test_context_hash();
	test_env();
	test_layer_apply();
	test_resolve();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("  could not remove %s\n", root);
	return CHECK_DONE();
}
