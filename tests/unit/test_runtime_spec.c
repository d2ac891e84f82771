/*
 * lib/oci_spec: what husk-runtime takes from config.json, and the exact
 * message for each kind of bad field; root.path kept inside the bundle;
 * signal names (lib/signame).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "oci_spec.h"
#include "signame.h"
#include "store.h"

static char bundle[] = "/tmp/husk-test-spec-XXXXXX";

/* A valid config with one part replaced: "%s" in the template. */
static const char *base_doc =
	"{\"ociVersion\": \"1.0.2-dev\", \"hostname\": \"box\","
	" \"root\": {\"path\": \"rootfs\", \"readonly\": false},"
	" \"process\": {\"terminal\": false, \"args\": [\"/bin/hello\", \"a b\"],"
	"  \"env\": [\"PATH=/bin\", \"X=1\"], \"cwd\": \"/tmp\","
	"  \"user\": {\"uid\": 0, \"gid\": 0}},"
	" \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\"},"
	"  {\"destination\": \"/etc/hosts\", \"type\": \"bind\","
	"   \"source\": \"/x/hosts\", \"options\": [\"rbind\"]}],"
	" \"annotations\": {\"org.opencontainers.image.stopSignal\": \"SIGINT\"},"
	" \"linux\": {\"resources\": {\"memory\": {\"limit\": 67108864}},"
	"  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}]}}";

static int parse(const char *doc, struct oci_spec *s)
{
	return oci_spec_parse(doc, strlen(doc), bundle, s);
}

/* Replaces the first `from` in the base document by `to`. */
static int parse_edit(const char *from, const char *to)
{
	const char *at = strstr(base_doc, from);
	char doc[4096];
	struct oci_spec s;
	int rc;

	if (!at) {
		printf("FAIL: test setup: '%s' not in the base config\n", from);
		return -1;
	}
	snprintf(doc, sizeof(doc), "%.*s%s%s", (int)(at - base_doc), base_doc, to,
		 at + strlen(from));
	rc = parse(doc, &s);
	oci_spec_free(&s);
	return rc;
}

static int error_is(const char *want)
{
	if (strstr(store_error(), want))
		return 1;
	printf("  (got: %s)\n", store_error());
	return 0;
}

static void test_good(void)
{
	struct oci_spec s;
	char want_root[4096];
	int rc = parse(base_doc, &s);

	snprintf(want_root, sizeof(want_root), "%s/rootfs", bundle);
	CHECK("a good config parses", rc == 0);
	if (rc) {
		printf("  (%s)\n", store_error());
		return;
	}
	CHECK("args", json_array_size(s.args) == 2 &&
	      !strcmp(json_string_value(json_array_get(s.args, 1)), "a b"));
	CHECK("env", json_array_size(s.env) == 2);
	CHECK("cwd", !strcmp(s.cwd, "/tmp"));
	CHECK("hostname", s.hostname && !strcmp(s.hostname, "box"));
	CHECK("memory limit", s.memory == 64LL << 20);
	CHECK("stop signal annotation", s.stop_signal == SIGINT);
	CHECK("root.path resolved inside the bundle", !strcmp(s.root, want_root));
	CHECK("a new network namespace", s.new_netns && !s.netns_path);
	CHECK("terminal false", !s.terminal);
	oci_spec_free(&s);
}

static void test_bad_fields(void)
{
	CHECK("args missing", parse_edit("\"args\": [\"/bin/hello\", \"a b\"],", "") &&
	      error_is("config.json: process.args: must be a non-empty array of strings"));
	CHECK("args empty", parse_edit("[\"/bin/hello\", \"a b\"]", "[]") &&
	      error_is("config.json: process.args: must be a non-empty array of strings"));
	CHECK("args with a number", parse_edit("\"a b\"]", "3]") &&
	      error_is("process.args: must be a non-empty array of strings"));
	CHECK("args[0] empty", parse_edit("\"/bin/hello\"", "\"\"") &&
	      error_is("process.args[0]: the program must not be empty"));
	CHECK("env entry without =", parse_edit("\"X=1\"", "\"X\"") &&
	      error_is("config.json: process.env[1]: expected KEY=VALUE, got 'X'"));
	CHECK("cwd missing", parse_edit("\"cwd\": \"/tmp\",", "") &&
	      error_is("config.json: process.cwd: missing"));
	CHECK("cwd relative", parse_edit("\"/tmp\"", "\"tmp\"") &&
	      error_is("process.cwd: must be an absolute path, got 'tmp'"));
	CHECK("terminal not a bool", parse_edit("\"terminal\": false", "\"terminal\": 1") &&
	      error_is("process.terminal: must be true or false"));
	CHECK("uid negative", parse_edit("\"uid\": 0", "\"uid\": -1") &&
	      error_is("process.user.uid: must be a number"));
	CHECK("ociVersion missing", parse_edit("\"ociVersion\": \"1.0.2-dev\",", "") &&
	      error_is("config.json: ociVersion: missing"));
	CHECK("ociVersion 2", parse_edit("\"1.0.2-dev\"", "\"2.0.0\"") &&
	      error_is("ociVersion: '2.0.0' is not a 1.x runtime-spec version"));
	CHECK("root missing", parse_edit("\"root\": {\"path\": \"rootfs\", \"readonly\": false},", "") &&
	      error_is("config.json: root: missing"));
	CHECK("memory below 6 MiB", parse_edit("67108864", "4096") &&
	      error_is("linux.resources.memory.limit: 4096 bytes is below"));
	CHECK("memory not a number", parse_edit("67108864", "\"64m\"") &&
	      error_is("linux.resources.memory.limit: must be a number of bytes"));
	CHECK("memory -1 is no limit", parse_edit("67108864", "-1") == 0);
	CHECK("bad stop signal", parse_edit("\"SIGINT\"", "\"SIGNOPE\"") &&
	      error_is("annotations.org.opencontainers.image.stopSignal: invalid signal: SIGNOPE"));
	CHECK("an annotation that is not a string", parse_edit("\"SIGINT\"", "7") &&
	      error_is("annotations.org.opencontainers.image.stopSignal: must be a string"));
	CHECK("a volume is refused", parse_edit("\"/etc/hosts\"", "\"/data\"") &&
	      error_is("mounts[1]: a bind mount of /x/hosts on /data: husk cannot share"));
	CHECK("a mount without destination", parse_edit("\"destination\": \"/proc\", ", "") &&
	      error_is("mounts[0].destination: missing"));
	CHECK("an unknown namespace", parse_edit("\"pid\"", "\"pidd\"") &&
	      error_is("linux.namespaces[0].type: unknown namespace type 'pidd'"));
	CHECK("not JSON", parse_edit("{\"ociVersion\"", "{ociVersion") &&
	      error_is("config.json:1:"));
	CHECK("createContainer hooks refused",
	      parse_edit("\"hostname\"", "\"hooks\": {\"createContainer\": "
			 "[{\"path\": \"/bin/true\"}]}, \"hostname\"") &&
	      error_is("hooks.createContainer: not supported"));
	CHECK("a hook with a relative path",
	      parse_edit("\"hostname\"", "\"hooks\": {\"prestart\": "
			 "[{\"path\": \"true\"}]}, \"hostname\"") &&
	      error_is("hooks.prestart[0]: path 'true' must be absolute"));
}

static void test_root_paths(void)
{
	char outside[] = "/tmp/husk-test-out-XXXXXX", link[4096], doc[4096];

	CHECK("setup: outside dir", mkdtemp(outside) != NULL);
	snprintf(link, sizeof(link), "%s/escape", bundle);
	CHECK("setup: link", symlink(outside, link) == 0);
	CHECK("root.path missing in the bundle",
	      parse_edit("\"path\": \"rootfs\"", "\"path\": \"nosuch\"") &&
	      error_is("root.path: 'nosuch': No such file or directory"));
	CHECK("root.path with .. out of the bundle",
	      parse_edit("\"path\": \"rootfs\"", "\"path\": \"../\"") &&
	      error_is("leads out of the bundle"));
	CHECK("root.path through a symlink out of the bundle",
	      parse_edit("\"path\": \"rootfs\"", "\"path\": \"escape\"") &&
	      error_is("'escape' leads out of the bundle"));
	CHECK("the host's / is refused",
	      parse_edit("\"path\": \"rootfs\"", "\"path\": \"/\"") &&
	      error_is("is the host's root directory"));
	snprintf(doc, sizeof(doc), "\"path\": \"%s\"", outside);
	CHECK("an absolute root.path is the engine's choice",
	      parse_edit("\"path\": \"rootfs\"", doc) == 0);
	unlink(link);
	rmdir(outside);
}

static void test_signals(void)
{
	int sig = 0;

	CHECK("signal: TERM", !signame_parse("TERM", &sig) && sig == SIGTERM);
	CHECK("signal: SIGKILL", !signame_parse("SIGKILL", &sig) && sig == SIGKILL);
	CHECK("signal: lower case", !signame_parse("sigusr1", &sig) && sig == SIGUSR1);
	CHECK("signal: number", !signame_parse("15", &sig) && sig == 15);
	CHECK("signal: RTMIN+2", !signame_parse("RTMIN+2", &sig) && sig == SIGRTMIN + 2);
	CHECK("signal: 0 is refused", signame_parse("0", &sig) == STORE_ERR);
	CHECK("signal: 99 is refused", signame_parse("99", &sig) == STORE_ERR);
	CHECK("signal: unknown name", signame_parse("NOPE", &sig) == STORE_ERR &&
	      error_is("invalid signal: NOPE"));
	CHECK("signal: name of 2", signame_name(SIGINT) && !strcmp(signame_name(SIGINT), "INT"));
}

int main(void)
{
	char rootfs[4096];

	if (!mkdtemp(bundle))
		return 1;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	mkdir(rootfs, 0755);
	test_good();
	test_bad_fields();
	test_root_paths();
	test_signals();
	rmdir(rootfs);
	rmdir(bundle);
	return CHECK_DONE();
}
