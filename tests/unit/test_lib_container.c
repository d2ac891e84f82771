/*
 * lib/container: records, names (given, generated, conflicting, invalid),
 * lookup by ID, name and prefix, state changes, dead and reused pids, a
 * --rm run's record removed by its first reader after it ended, and
 * creates racing for one name from several processes.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "check.h"
#include "container.h"
#include "json_util.h"
#include "test_lib_store_fixture.h"

static int create(struct store *s, const char *name, struct container *c)
{
	json_t *config = json_pack("{s:s, s:s, s:[]}", "Image", "img", "Path",
				   "/bin/true", "Args");
	int rc = container_create(s, config, name, c);

	json_decref(config);
	return rc;
}

static int generated_shape(const char *name)
{
	const char *u = strchr(name, '_');
	const char *p;

	if (!u || u == name || !u[1] || strchr(u + 1, '_'))
		return 0;
	for (p = name; *p; p++)
		if (*p != '_' && (*p < 'a' || *p > 'z'))
			return 0;
	return 1;
}

static void test_names(struct store *s)
{
	struct container a, b, c;
	int rc;

	CHECK("create: named", create(s, "web-1", &a) == 0 &&
	      !strcmp(container_name(&a), "web-1") && strlen(a.id) == 64);
	CHECK("create: record files exist", access(a.dir, F_OK) == 0);
	rc = create(s, "web-1", &b);
	CHECK("create: a name in use is refused as Docker does", rc == STORE_ERR &&
	      strstr(store_error(), "The container name \"/web-1\" is already in use") &&
	      strstr(store_error(), a.id));
	rc = create(s, "-bad", &b);
	CHECK("create: an invalid name is refused", rc == STORE_ERR &&
	      strstr(store_error(), "Invalid container name (-bad)"));
	CHECK("create: generated adjective_surname name",
	      create(s, NULL, &c) == 0 && generated_shape(container_name(&c)));
	CHECK("names: valid and invalid", names_valid("a.b_c-1") && !names_valid("x") &&
	      !names_valid("a/b") && !names_valid("_x"));
	container_free(&a);
	container_free(&c);
}

static void test_find(struct store *s)
{
	struct container c, got;
	char prefix[8];
	int rc;

	create(s, "findme", &c);
	CHECK("find: by name", container_find(s, "findme", &got) == 0 &&
	      !strcmp(got.id, c.id));
	container_free(&got);
	CHECK("find: by /name", container_find(s, "/findme", &got) == 0 &&
	      !strcmp(got.id, c.id));
	container_free(&got);
	CHECK("find: by full ID", container_find(s, c.id, &got) == 0 &&
	      !strcmp(container_name(&got), "findme"));
	container_free(&got);
	snprintf(prefix, sizeof(prefix), "%.7s", c.id);
	rc = container_find(s, prefix, &got);
	CHECK("find: by a unique prefix", rc == 0 && !strcmp(got.id, c.id));
	if (!rc)
		container_free(&got);
	rc = container_find(s, "nosuch", &got);
	CHECK("find: missing", rc == STORE_NOT_FOUND &&
	      !strcmp(store_error(), "No such container: nosuch"));
	container_free(&c);
}

/* 17 records share a first hex digit at least twice (pigeonhole). */
static void test_ambiguous(struct store *s)
{
	struct container_list l;
	struct container c;
	char digit[2] = "";
	size_t i, j;
	int rc;

	for (i = 0; i < 17; i++) {
		create(s, NULL, &c);
		container_free(&c);
	}
	container_list(s, &l);
	for (i = 0; i < l.n && !digit[0]; i++)
		for (j = i + 1; j < l.n && !digit[0]; j++)
			if (l.v[i].id[0] == l.v[j].id[0])
				digit[0] = l.v[i].id[0];
	CHECK("list: newest first", l.n > 2 &&
	      json_integer_value(json_object_get(l.v[0].config, "Created")) >=
	      json_integer_value(json_object_get(l.v[l.n - 1].config, "Created")));
	container_list_free(&l);
	rc = container_find(s, digit, &c);
	CHECK("find: an ambiguous prefix is refused", rc == STORE_ERR &&
	      strstr(store_error(), "multiple IDs found with provided prefix"));
}

/* A child that stops at once; its pid and start time, after it died. */
static pid_t dead_child(uint64_t *start)
{
	int p[2];
	char byte;
	pid_t pid;

	if (pipe(p))
		exit(2);
	pid = fork();
	if (!pid) {
		close(p[1]);
		if (read(p[0], &byte, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[0]);
	*start = proc_start_time(pid);
	close(p[1]);
	waitpid(pid, NULL, 0);
	return pid;
}

static void test_state(struct store *s)
{
	struct container c, again;
	uint64_t start;
	pid_t dead;

	create(s, "stateful", &c);
	CHECK("state: a new record is created", c.state.status == CONTAINER_CREATED);
	c.state.status = CONTAINER_RUNNING;
	c.state.pid = c.state.keeper = getpid();
	c.state.pid_start = c.state.keeper_start = proc_start_time(getpid());
	c.state.started = time_now_ns();
	CHECK("state: saved", container_save_state(s, &c) == 0);
	CHECK("state: a live keeper keeps it running",
	      container_load(s, c.id, &again) == 0 &&
	      again.state.status == CONTAINER_RUNNING && again.state.pid == getpid());
	container_free(&again);

	c.state.pid_start++;
	c.state.keeper_start++;
	container_save_state(s, &c);
	CHECK("state: a reused pid does not count as alive",
	      container_load(s, c.id, &again) == 0 &&
	      again.state.status == CONTAINER_EXITED &&
	      again.state.exit_code == CONTAINER_EXIT_KILLED);
	container_free(&again);

	dead = dead_child(&start);
	c.state.status = CONTAINER_RUNNING;
	c.state.pid = c.state.keeper = dead;
	c.state.pid_start = c.state.keeper_start = start;
	container_save_state(s, &c);
	CHECK("state: a dead monitor and keeper make it exited (137)",
	      start != 0 && container_load(s, c.id, &again) == 0 &&
	      again.state.status == CONTAINER_EXITED &&
	      again.state.exit_code == 137 && again.state.finished > 0);
	container_free(&again);
	CHECK("state: the death is recorded", container_load(s, c.id, &again) == 0 &&
	      again.state.status == CONTAINER_EXITED);
	container_free(&again);
	CHECK("proc: a dead pid is not alive", !proc_alive(dead, start));

	CHECK("remove: record gone", container_remove(s, &c) == 0 &&
	      access(c.dir, F_OK) != 0 &&
	      container_find(s, "stateful", &again) == STORE_NOT_FOUND);
	CHECK("remove: the state of a removed record is not written again",
	      container_save_state(s, &c) == STORE_NOT_FOUND && access(c.dir, F_OK) != 0);
	container_free(&c);
}

/*
 * A foreground --rm run: the record says running for a process with no
 * keeper; once that process is gone, the first reader removes the record
 * and its directory waits in spare/ for the next one.
 */
/* How many directories wait in containers/spare. */
static int spares(struct store *s)
{
	char root[3072], path[3200];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (container_root(s, root, sizeof(root)))
		return -1;
	snprintf(path, sizeof(path), "%s/spare", root);
	d = opendir(path);
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_rm_run(struct store *s)
{
	json_t *config = json_pack("{s:s, s:s, s:[], s:b}", "Image", "img", "Path",
				   "/bin/true", "Args", "AutoRemove", 1);
	struct container c, again;
	struct container_list l;
	uint64_t start;
	pid_t dead;
	size_t i;
	int found = 0, parked, waiter, status = -1;

	CHECK("rm run: created running for this process",
	      container_create_running(s, config, "fg-rm", getpid(), &c) == 0 &&
	      c.state.status == CONTAINER_RUNNING && c.state.pid == getpid() &&
	      c.state.keeper == 0 && c.state.pid_start == proc_start_time(getpid()));
	CHECK("rm run: a live process keeps it listed as running",
	      container_find(s, "fg-rm", &again) == 0 &&
	      again.state.status == CONTAINER_RUNNING);
	container_free(&again);
	waiter = container_exitcode_open(&c, O_RDONLY | O_CLOEXEC);
	CHECK("rm run: its exitcode file is there, empty",
	      waiter >= 0 && container_exitcode_read(waiter, &status) == -1);
	parked = spares(s);
	parked = spares(s);
	dead = dead_child(&start);
	c.state.pid = dead;
	c.state.pid_start = start;
	container_save_state(s, &c);
	CHECK("rm run: the status written into it",
	      container_exitcode_write(&c, 143) == 0);
	CHECK("rm run: its process gone, a reader removes the record",
	      start != 0 && container_load(s, c.id, &again) == STORE_NOT_FOUND &&
	      strstr(store_error(), "No such container") && access(c.dir, F_OK) != 0);
	CHECK("rm run: a waiter that opened it still reads the status",
	      container_exitcode_read(waiter, &status) == 0 && status == 143);
	close(waiter);
	container_list(s, &l);
	for (i = 0; i < l.n; i++)
		found += !strcmp(l.v[i].id, c.id);
	CHECK("rm run: and it is not listed", found == 0);
	container_list_free(&l);
	CHECK("rm run: its directory is parked for reuse", parked >= 0 &&
	      spares(s) == parked + 1);
	container_free(&c);
	CHECK("rm run: the next record takes a parked directory",
	      container_create(s, config, "reuser", &c) == 0 && spares(s) == parked &&
	      container_find(s, "reuser", &again) == 0 &&
	      !strcmp(container_name(&again), "reuser"));
	container_free(&again);
	container_remove(s, &c);
	container_free(&c);
	json_decref(config);
}

/* Eight processes create "racer" at once: exactly one wins. */
static void test_race(struct store *s)
{
	pid_t kids[8];
	int i, status, won = 0, lost = 0;

	for (i = 0; i < 8; i++) {
		kids[i] = fork();
		if (!kids[i]) {
			struct container c;
			_exit(create(s, "racer", &c) == 0 ? 0 : 3);
		}
	}
	for (i = 0; i < 8; i++) {
		waitpid(kids[i], &status, 0);
		won += WIFEXITED(status) && WEXITSTATUS(status) == 0;
		lost += WIFEXITED(status) && WEXITSTATUS(status) == 3;
	}
	CHECK("race: one of eight creates wins the name", won == 1 && lost == 7);
}

static void test_time(void)
{
	char buf[64];

	time_format_ns(1700000000123456789LL, buf, sizeof(buf));
	CHECK("time: RFC 3339 with nanoseconds", !strcmp(buf, "2023-11-14T22:13:20.123456789Z"));
	time_format_ns(0, buf, sizeof(buf));
	CHECK("time: never is Go's zero time", !strcmp(buf, "0001-01-01T00:00:00Z"));
}

int main(void)
{
	struct store s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (open_store(&s, "store")) {
		printf("FAIL: container: cannot open a store: %s\n", store_error());
		return 1;
	}
	test_names(&s);
	test_find(&s);
	test_ambiguous(&s);
	test_state(&s);
	test_rm_run(&s);
	test_race(&s);
	test_time();
	store_close(&s);
	return CHECK_DONE();
}
