/*
 * lib/launch: Docker's -m sizes, what a container runs (Entrypoint, Cmd,
 * --entrypoint, Env, WorkingDir, PATH lookup in the image) and the exact
 * husk-vmm command line made from it.
 */
#include <stdlib.h>
#include <archive.h>
#include <archive_entry.h>

#include "check.h"
#include "json_util.h"
#include "launch.h"
#include "test_lib_store_fixture.h"

static void test_memory(void)
{
	int64_t b = 0;

	CHECK("memory: 512m", !launch_parse_memory("512m", &b) && b == 512LL << 20);
	CHECK("memory: 1g", !launch_parse_memory("1g", &b) && b == 1LL << 30);
	CHECK("memory: 1.5G", !launch_parse_memory("1.5G", &b) && b == 3LL << 29);
	CHECK("memory: 64MiB", !launch_parse_memory("64MiB", &b) && b == 64LL << 20);
	CHECK("memory: 2GB", !launch_parse_memory("2GB", &b) && b == 2LL << 30);
	CHECK("memory: bytes without a unit", !launch_parse_memory("8388608", &b) &&
	      b == 8LL << 20);
	CHECK("memory: below Docker's 6MB minimum",
	      launch_parse_memory("100", &b) == STORE_ERR &&
	      strstr(store_error(), "Minimum memory limit allowed is 6MB"));
	CHECK("memory: unknown unit", launch_parse_memory("10x", &b) == STORE_ERR &&
	      strstr(store_error(), "invalid size: '10x'"));
	CHECK("memory: not a number", launch_parse_memory("m", &b) == STORE_ERR);
	CHECK("memory: negative", launch_parse_memory("-5m", &b) == STORE_ERR);
}

/* A cpio with usr/bin/prog (executable) and etc/data (not). */
static void make_cpio(const char *path)
{
	static const char *const names[] = { ".", "etc", "etc/data", "usr",
					     "usr/bin", "usr/bin/prog" };
	struct archive *a = archive_write_new();
	size_t i;

	archive_write_set_format_cpio_newc(a);
	archive_write_open_filename(a, path);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct archive_entry *e = archive_entry_new();
		int file = !strcmp(names[i], "etc/data") || !strcmp(names[i], "usr/bin/prog");
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, file ? AE_IFREG : AE_IFDIR);
		archive_entry_set_perm(e, strcmp(names[i], "etc/data") ? 0755 : 0644);
		archive_entry_set_size(e, file ? 2 : 0);
		archive_write_header(a, e);
		if (file)
			archive_write_data(a, "#!", 2);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
}

static void image_with(struct image *img, const char *config)
{
	json_error_t err;

	memset(img, 0, sizeof(*img));
	img->config_json = json_loads(config, 0, &err);
	if (!img->config_json) {
		printf("FAIL: launch: bad test config: %s\n", err.text);
		exit(1);
	}
	digest_buf("config", 6, &img->id);
	digest_buf("manifest", 8, &img->manifest);
}

static const char *str(const json_t *conf, const char *key)
{
	const char *s = json_str(conf, key);

	return s ? s : "";
}

static const char *arg(const json_t *conf, const char *key, size_t i)
{
	const char *s = json_string_value(json_array_get(json_object_get(conf, key), i));

	return s ? s : "";
}

static const char *const image_config =
	"{\"config\": {\"Entrypoint\": [\"prog\", \"--flag\"], \"Cmd\": [\"one\"],"
	" \"Env\": [\"PATH=/usr/local/bin:/usr/bin\", \"A=1\", \"B=2\"],"
	" \"WorkingDir\": \"/srv\"}}";

static void test_config(const char *cpio)
{
	struct launch_opts o = { 0 };
	char *cmd[] = { "two", "three" }, *env[] = { "B=changed", "C=3" };
	char big[4200], cmdline[3 * 4200 + 64];
	struct image img;
	json_t *conf = NULL;
	int rc;

	image_with(&img, image_config);
	rc = launch_config(&img, "app", &o, cpio, &conf);
	CHECK("config: Entrypoint + Cmd, found along the image's PATH",
	      rc == 0 && !strcmp(str(conf, "Path"), "/usr/bin/prog") &&
	      json_array_size(json_object_get(conf, "Args")) == 2 &&
	      !strcmp(arg(conf, "Args", 0), "--flag") && !strcmp(arg(conf, "Args", 1), "one"));
	CHECK("config: image's WorkingDir and Env", rc == 0 &&
	      !strcmp(str(conf, "WorkingDir"), "/srv") &&
	      json_array_size(json_object_get(conf, "Env")) == 3);
	CHECK("config: default memory 256M", rc == 0 &&
	      json_integer_value(json_object_get(conf, "Memory")) == 256LL << 20);
	json_decref(conf);

	o.cmd = cmd;
	o.ncmd = 2;
	o.env = env;
	o.nenv = 2;
	o.workdir = "/tmp";
	o.memory = 64LL << 20;
	rc = launch_config(&img, "app", &o, cpio, &conf);
	CHECK("config: a command line CMD replaces Cmd, keeps Entrypoint",
	      rc == 0 && !strcmp(arg(conf, "Args", 0), "--flag") &&
	      !strcmp(arg(conf, "Args", 1), "two") && !strcmp(arg(conf, "Args", 2), "three"));
	CHECK("config: -e replaces a variable in place and adds new ones",
	      rc == 0 && !strcmp(arg(conf, "Env", 2), "B=changed") &&
	      !strcmp(arg(conf, "Env", 3), "C=3") &&
	      json_array_size(json_object_get(conf, "Env")) == 4);
	CHECK("config: -w and -m", rc == 0 && !strcmp(str(conf, "WorkingDir"), "/tmp") &&
	      json_integer_value(json_object_get(conf, "Memory")) == 64LL << 20);
	json_decref(conf);

	o.ncmd = 0;
	o.entrypoint = "/usr/bin/prog";
	rc = launch_config(&img, "app", &o, cpio, &conf);
	CHECK("config: --entrypoint drops the image's Cmd", rc == 0 &&
	      !strcmp(str(conf, "Path"), "/usr/bin/prog") &&
	      json_array_size(json_object_get(conf, "Args")) == 0);
	json_decref(conf);

	o.entrypoint = "data";
	rc = launch_config(&img, "app", &o, cpio, &conf);
	CHECK("config: a command not in the image is 127", rc == LAUNCH_EXIT_NOT_FOUND &&
	      strstr(store_error(), "\"data\": executable file not found in $PATH"));
	o.entrypoint = NULL;
	o.workdir = "relative";
	rc = launch_config(&img, "app", &o, cpio, &conf);
	CHECK("config: a relative -w is refused", rc == STORE_ERR &&
	      strstr(store_error(), "needs to be an absolute path"));
	json_decref(img.config_json);

	/* The same archive padded to 7 MiB (zeros after its trailer). */
	memset(&o, 0, sizeof(o));
	image_with(&img, image_config);
	snprintf(big, sizeof(big), "%s.big", cpio);
	snprintf(cmdline, sizeof(cmdline), "cp %s %s && truncate -s 7M %s", cpio,
		 big, big);
	o.memory = 8LL << 20;
	rc = system(cmdline) ? -1 : launch_config(&img, "app", &o, big, &conf);
	CHECK("config: -m leaving under 2 MiB beside the root filesystem is refused",
	      rc == STORE_ERR && strstr(store_error(), "root filesystem (7.0 MiB) "
					"leaves less than 2 MiB of the guest's 8.0 MiB") &&
	      strstr(store_error(), "-m 12m or more"));
	o.memory = 9LL << 20;
	rc = launch_config(&img, "app", &o, big, &conf);
	CHECK("config: 2 MiB beside it is enough", rc == 0);
	json_decref(conf);
	unlink(big);
	json_decref(img.config_json);

	memset(&o, 0, sizeof(o));
	image_with(&img, "{\"config\": {\"Env\": [\"X=1\"]}}");
	rc = launch_config(&img, "app", &o, cpio, &conf);
	CHECK("config: an image without a command", rc == STORE_ERR &&
	      strstr(store_error(), "No command specified"));
	json_decref(img.config_json);
}

static void test_argv(void)
{
	const char *want[] = { "/x/husk-vmm", "--mem", "980K", "--initrd", "/c.cpio",
			       "-e", "A=1", "-e", "B=two words", "--cwd", "/w",
			       "/x/husk.elf", "--", "/bin/prog", "a", "", NULL };
	json_t *conf = json_pack("{s:s, s:[s, s], s:[s, s], s:s, s:I}", "Path",
				 "/bin/prog", "Args", "a", "", "Env", "A=1",
				 "B=two words", "WorkingDir", "/w", "Memory",
				 (json_int_t)1000000);
	struct launch_argv a;
	size_t i;
	int same;

	CHECK("argv: made", launch_argv(conf, "/x/husk-vmm", "/x/husk.elf",
					"/c.cpio", &a) == 0);
	same = a.n == sizeof(want) / sizeof(want[0]) - 1 && !a.v[a.n];
	for (i = 0; same && i < a.n; i++)
		same = !strcmp(a.v[i], want[i]);
	CHECK("argv: husk-vmm's options, the kernel, -- and the program", same);
	CHECK("argv: --status-fd added", launch_argv_status_fd(&a, 17) == 0);
	same = a.n == sizeof(want) / sizeof(want[0]) + 1 && !a.v[a.n] &&
	       !strcmp(a.v[0], want[0]) && !strcmp(a.v[1], "--status-fd") &&
	       !strcmp(a.v[2], "17");
	for (i = 3; same && i < a.n; i++)
		same = !strcmp(a.v[i], want[i - 2]);
	CHECK("argv: --status-fd N goes right after argv[0], the rest kept", same);
	launch_argv_free(&a);
	json_object_set_new(conf, "WorkingDir", json_string(""));
	launch_argv(conf, "v", "k", "c", &a);
	same = 1;
	for (i = 0; i < a.n; i++)
		same = same && strcmp(a.v[i], "--cwd");
	CHECK("argv: no --cwd without a working directory", same);
	launch_argv_free(&a);
	json_decref(conf);
}

static void test_tools(void)
{
	char vmm[4096], kernel[4096], path[4096];
	int rc;

	write_text(fpath(path, sizeof(path), "fake-vmm"), "x");
	setenv("HUSK_VMM", path, 1);
	setenv("HUSK_KERNEL", path, 1);
	rc = launch_tools(vmm, sizeof(vmm), kernel, sizeof(kernel));
	CHECK("tools: HUSK_VMM and HUSK_KERNEL win", rc == 0 && !strcmp(vmm, path) &&
	      !strcmp(kernel, path));
	setenv("HUSK_KERNEL", "/nonexistent/husk.elf", 1);
	rc = launch_tools(vmm, sizeof(vmm), kernel, sizeof(kernel));
	CHECK("tools: a missing kernel is named", rc == STORE_ERR &&
	      strstr(store_error(), "/nonexistent/husk.elf") &&
	      strstr(store_error(), "HUSK_KERNEL"));
	unsetenv("HUSK_VMM");
	unsetenv("HUSK_KERNEL");
}

int main(void)
{
	char cpio[4096];

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_memory();
	make_cpio(fpath(cpio, sizeof(cpio), "root.cpio"));
	test_config(cpio);
	test_argv();
	test_tools();
	return CHECK_DONE();
}
