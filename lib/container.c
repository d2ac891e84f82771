/*
 * Container records: creating, reading, finding and removing them (see
 * container.h for the layout).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "json_util.h"

static const char *const status_names[] = { "created", "running", "exited" };

const char *container_status_name(enum container_status st)
{
	return status_names[st];
}

const char *container_name(const struct container *c)
{
	const char *name = json_str(c->config, "Name");

	return name ? name : "";
}

void container_log_path(const struct container *c, char *buf, size_t n)
{
	snprintf(buf, n, "%s/log", c->dir);
}

int container_root(const struct store *s, char *buf, size_t n)
{
	/* Made once per process: every record read asks for it. */
	static char made[4096];
	int rc = store_path(s, buf, n, "containers");

	if (rc || !strcmp(made, buf))
		return rc;
	if (mkdir(buf, 0755) && errno != EEXIST)
		return store_fail_errno("cannot create %s", buf);
	snprintf(made, sizeof(made), "%s", buf);
	return 0;
}

static int is_id(const char *s)
{
	size_t i;

	for (i = 0; i < CONTAINER_ID_LEN; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return s[i] == '\0';
}

/* ---- state.json ---- */

static int parse_status(const char *s, enum container_status *st)
{
	size_t i;

	for (i = 0; s && i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (!strcmp(s, status_names[i])) {
			*st = (enum container_status)i;
			return 0;
		}
	return -1;
}

static int read_json(const char *dir, const char *name, json_t **out)
{
	char path[4096 + 64];
	json_error_t err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*out = json_load_file(path, 0, &err);
	if (*out && json_is_object(*out))
		return 0;
	json_decref(*out);
	*out = NULL;
	if (access(path, F_OK))
		return store_fail(STORE_NOT_FOUND, "%s: no such file", path);
	return store_fail(STORE_ERR, "%s:%d: %s", path, err.line, err.text);
}

static int read_state(struct container *c)
{
	struct container_state *st = &c->state;
	json_t *j;
	int rc = read_json(c->dir, "state.json", &j);

	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	if (parse_status(json_str(j, "Status"), &st->status))
		rc = store_fail(STORE_ERR, "%s/state.json: field Status: expected "
				"created, running or exited", c->dir);
	st->pid = (pid_t)json_integer_value(json_object_get(j, "Pid"));
	st->pid_start = (uint64_t)json_integer_value(json_object_get(j, "PidStart"));
	st->keeper = (pid_t)json_integer_value(json_object_get(j, "Keeper"));
	st->keeper_start = (uint64_t)json_integer_value(json_object_get(j, "KeeperStart"));
	st->exit_code = (int)json_integer_value(json_object_get(j, "ExitCode"));
	st->started = json_integer_value(json_object_get(j, "StartedAt"));
	st->finished = json_integer_value(json_object_get(j, "FinishedAt"));
	snprintf(st->error, sizeof(st->error), "%s",
		 json_str(j, "Error") ? json_str(j, "Error") : "");
	st->oom_killed = json_is_true(json_object_get(j, "OOMKilled"));
	json_decref(j);
	return rc;
}

/* staged: into a directory that is not a record yet (no rename needed). */
static int write_state(const struct container *c, int staged)
{
	const struct container_state *st = &c->state;
	json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:i, s:I, s:I, s:s, s:b}",
			      "Status", status_names[st->status],
			      "Pid", (json_int_t)st->pid,
			      "PidStart", (json_int_t)st->pid_start,
			      "Keeper", (json_int_t)st->keeper,
			      "KeeperStart", (json_int_t)st->keeper_start,
			      "ExitCode", st->exit_code,
			      "StartedAt", (json_int_t)st->started,
			      "FinishedAt", (json_int_t)st->finished,
			      "Error", st->error, "OOMKilled", st->oom_killed);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc = !text ? store_fail(STORE_ERR, "out of memory") :
		staged ? container_put_file(c->dir, "state.json", text, strlen(text), 0) :
		container_write_file(c->dir, "state.json", text, strlen(text), 0);

	free(text);
	json_decref(j);
	return rc;
}

int container_save_state(const struct store *s, struct container *c)
{
	int fd = container_lock(s, 1), rc;

	if (fd < 0)
		return STORE_ERR;
	rc = access(c->dir, F_OK) ? store_fail(STORE_NOT_FOUND,
					       "No such container: %s", c->id) :
		write_state(c, 0);
	container_unlock(fd);
	return rc;
}

static int auto_remove(const struct container *c)
{
	return json_is_true(json_object_get(c->config, "AutoRemove"));
}

/* With the lock held. */
static int remove_record(const struct store *s, const struct container *c)
{
	char root[3072];
	int rc = container_root(s, root, sizeof(root));

	return rc ? rc : container_dir_retire(root, c->dir);
}

/* Says running, but neither husk-vmm nor its keeper lives any more. */
static int orphaned(const struct container_state *st)
{
	return st->status == CONTAINER_RUNNING &&
	       !proc_alive(st->pid, st->pid_start) &&
	       !proc_alive(st->keeper, st->keeper_start);
}

/*
 * Nobody is left to record the exit: husk-vmm was killed with its keeper,
 * or it was a foreground --rm run, which became husk-vmm and has no
 * keeper at all. A --rm container is then removed, as its keeper would
 * have done; any other is exited with 137. Decided again under the lock
 * from a fresh state.json: another reader may have been first, or a
 * start may have replaced the state since we read it. STORE_NOT_FOUND
 * once the record is gone.
 */
static int notice_death(const struct store *s, struct container *c)
{
	struct container_state *st = &c->state;
	int fd, rc;

	if (!orphaned(st))
		return 0;
	fd = container_lock(s, 1);
	if (fd < 0)
		return 0; /* left as it is: the next reader tries again */
	rc = read_state(c);
	if (!rc && orphaned(st) && auto_remove(c)) {
		rc = remove_record(s, c);
		if (!rc)
			rc = store_fail(STORE_NOT_FOUND, "No such container: %s", c->id);
	} else if (!rc && orphaned(st)) {
		st->status = CONTAINER_EXITED;
		st->exit_code = CONTAINER_EXIT_KILLED;
		st->finished = time_now_ns();
		rc = write_state(c, 0);
	} else if (rc == STORE_NOT_FOUND) {
		rc = store_fail(STORE_NOT_FOUND, "No such container: %s", c->id);
	}
	container_unlock(fd);
	return rc == STORE_NOT_FOUND ? rc : 0;
}

/*
 * A record directory without both its files is one whose `husk rm` was
 * killed while emptying it (records appear whole: container_dir.c).
 * Nobody would ever remove it, so the reader that meets it does, under
 * the lock, if it is still so then.
 */
static void finish_removal(const struct store *s, const char *root,
			   const char *dir)
{
	int fd;

	if (!container_dir_incomplete(dir))
		return;
	fd = container_lock(s, 1);
	if (fd < 0)
		return; /* the next reader tries again */
	if (container_dir_incomplete(dir))
		container_dir_retire(root, dir);
	container_unlock(fd);
}

/* ---- reading ---- */

void container_free(struct container *c)
{
	json_decref(c->config);
	c->config = NULL;
}

int container_load(const struct store *s, const char *id, struct container *c)
{
	char root[3072];
	int rc;

	memset(c, 0, sizeof(*c));
	rc = container_root(s, root, sizeof(root));
	if (rc)
		return rc;
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->dir, sizeof(c->dir), "%s/%s", root, id);
	rc = read_json(c->dir, "config.json", &c->config);
	if (!rc)
		rc = read_state(c);
	if (rc == STORE_NOT_FOUND)
		finish_removal(s, root, c->dir);
	if (!rc)
		rc = notice_death(s, c);
	if (rc)
		container_free(c);
	return rc;
}

static int newest_first(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	json_int_t cx = json_integer_value(json_object_get(x->config, "Created"));
	json_int_t cy = json_integer_value(json_object_get(y->config, "Created"));

	if (cx != cy)
		return cx < cy ? 1 : -1;
	return strcmp(x->id, y->id);
}

static int list_add(const struct store *s, struct container_list *l,
		    const char *id)
{
	struct container *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	int rc;

	if (!v)
		return store_fail(STORE_ERR, "out of memory");
	l->v = v;
	rc = container_load(s, id, &v[l->n]);
	if (rc == STORE_NOT_FOUND)
		return 0; /* removed while we looked */
	if (!rc)
		l->n++;
	return rc;
}

int container_list(const struct store *s, struct container_list *l)
{
	char root[3072];
	struct dirent *e;
	DIR *d;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = container_root(s, root, sizeof(root));
	if (rc)
		return rc;
	d = opendir(root);
	if (!d)
		return store_fail_errno("cannot read %s", root);
	while (!rc && (e = readdir(d)))
		if (is_id(e->d_name))
			rc = list_add(s, l, e->d_name);
	closedir(d);
	if (rc)
		container_list_free(l);
	else if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), newest_first);
	return rc;
}

void container_list_free(struct container_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		container_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Docker's order: full ID, then name, then a unique ID prefix. */
static struct container *match(struct container_list *l, const char *what)
{
	struct container *found = NULL;
	size_t i, n = strlen(what);

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].id, what))
			return &l->v[i];
	for (i = 0; i < l->n; i++)
		if (!strcmp(container_name(&l->v[i]), what[0] == '/' ? what + 1 : what))
			return &l->v[i];
	for (i = 0; n && i < l->n; i++)
		if (!strncmp(l->v[i].id, what, n)) {
			if (found) {
				store_fail(STORE_ERR, "multiple IDs found with "
					   "provided prefix: %s", what);
				return NULL;
			}
			found = &l->v[i];
		}
	if (!found)
		store_fail(STORE_NOT_FOUND, "No such container: %s", what);
	return found;
}

int container_find(const struct store *s, const char *what, struct container *c)
{
	struct container_list l;
	struct container *m;
	int rc;

	if (is_id(what) && !container_load(s, what, c))
		return 0;
	rc = container_list(s, &l);
	if (rc)
		return rc;
	m = match(&l, what);
	if (m) {
		*c = *m;
		m->config = NULL;
	} else {
		rc = strstr(store_error(), "multiple IDs") ? STORE_ERR : STORE_NOT_FOUND;
	}
	container_list_free(&l);
	return rc;
}

/* ---- creating and removing ---- */

static int new_id(char *id)
{
	unsigned char raw[CONTAINER_ID_LEN / 2];
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return store_fail_errno("cannot get random bytes for an ID");
	for (i = 0; i < sizeof(raw); i++)
		sprintf(id + 2 * i, "%02x", raw[i]);
	return 0;
}

static const char *owner_of(const struct container_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(container_name(&l->v[i]), name))
			return l->v[i].id;
	return NULL;
}

/* A generated name nobody uses; a digit is added after many collisions. */
static int pick_name(const struct container_list *l, char *buf, size_t n)
{
	uint32_t seed;
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			return store_fail_errno("cannot get random bytes for a name");
		names_generate(seed, buf, n);
		if (tries >= 20)
			snprintf(buf + strlen(buf), n - strlen(buf), "%d", tries % 10);
		if (!owner_of(l, buf))
			return 0;
	}
	return store_fail(STORE_ERR, "cannot find a free container name");
}

static int claim_name(const struct store *s, const char *name, char *buf,
		      size_t n)
{
	struct container_list l;
	const char *owner;
	int rc = container_list(s, &l);

	if (rc)
		return rc;
	if (!name) {
		rc = pick_name(&l, buf, n);
	} else if ((owner = owner_of(&l, name))) {
		rc = store_fail(STORE_ERR, "Conflict. The container name \"/%s\" "
				"is already in use by container \"%s\". You have to "
				"remove (or rename) that container to be able to "
				"reuse that name.", name, owner);
	} else {
		snprintf(buf, n, "%s", name);
	}
	container_list_free(&l);
	return rc;
}

/* The files written out of sight, then the directory renamed into place. */
static int write_record(const char *root, struct container *c, int sync)
{
	char *text = json_dumps(c->config, JSON_INDENT(1) | JSON_SORT_KEYS);
	char final[sizeof(c->dir)];
	int rc;

	if (!text)
		return store_fail(STORE_ERR, "out of memory");
	snprintf(final, sizeof(final), "%s", c->dir);
	rc = container_dir_begin(root, c->dir, sizeof(c->dir));
	if (!rc)
		rc = container_put_file(c->dir, "config.json", text, strlen(text),
					sync);
	if (!rc)
		rc = write_state(c, 1);
	if (!rc)
		rc = container_put_file(c->dir, "exitcode", "", 0, 0);
	if (!rc)
		rc = container_dir_publish(c->dir, final, sync);
	snprintf(c->dir, sizeof(c->dir), "%s", final);
	free(text);
	return rc;
}

static int create(const struct store *s, json_t *config, const char *name,
		  const struct container_state *st, struct container *c)
{
	char root[3072], chosen[256];
	int fd, rc;

	memset(c, 0, sizeof(*c));
	c->state = *st;
	if (name && !names_valid(name))
		return store_fail(STORE_ERR, "Invalid container name (%s), only "
				  "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
	rc = container_root(s, root, sizeof(root));
	if (!rc)
		rc = new_id(c->id);
	if (rc)
		return rc;
	snprintf(c->dir, sizeof(c->dir), "%s/%s", root, c->id);
	fd = container_lock(s, 1);
	if (fd < 0)
		return STORE_ERR;
	rc = claim_name(s, name, chosen, sizeof(chosen));
	if (!rc) {
		json_object_set_new(config, "Id", json_string(c->id));
		json_object_set_new(config, "Name", json_string(chosen));
		json_object_set_new(config, "Created", json_integer(time_now_ns()));
		c->config = json_incref(config);
		rc = write_record(root, c, !auto_remove(c));
	}
	container_unlock(fd);
	if (rc)
		container_free(c);
	return rc;
}

int container_create(const struct store *s, json_t *config, const char *name,
		     struct container *c)
{
	const struct container_state created = { .status = CONTAINER_CREATED };

	return create(s, config, name, &created, c);
}

int container_create_running(const struct store *s, json_t *config,
			     const char *name, pid_t pid, struct container *c)
{
	const struct container_state running = {
		.status = CONTAINER_RUNNING,
		.pid = pid,
		.pid_start = proc_start_time(pid),
		.started = time_now_ns(),
	};

	return create(s, config, name, &running, c);
}

int container_remove(const struct store *s, struct container *c)
{
	int fd = container_lock(s, 1), rc;

	if (fd < 0)
		return STORE_ERR;
	rc = remove_record(s, c);
	container_unlock(fd);
	return rc;
}
