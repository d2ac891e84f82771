/*
 * Finding containers, signalling their husk-vmm, waiting for them. There
 * is no daemon to notify us, so waiting polls the record; the keeper
 * writes it as soon as husk-vmm ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "container_cli.h"
#include "signame.h"

#define POLL_MS 20

int ctr_find(struct store *s, const char *what, struct container *c)
{
	int rc = container_find(s, what, c);

	return rc ? cli_store_fail(rc == STORE_NOT_FOUND ? EXIT_NOT_FOUND : EXIT_HUSK) : 0;
}

/* Docker's names and numbers, as the OCI runtime reads them (one table). */
int ctr_parse_signal(const char *s, int *sig)
{
	return signame_parse(s, sig) ? cli_store_fail(EXIT_HUSK) : 0;
}

int ctr_signal(struct container *c, int sig, const char *what)
{
	const struct container_state *st = &c->state;

	if (st->status != CONTAINER_RUNNING || !proc_alive(st->pid, st->pid_start))
		return cli_fail(EXIT_NOT_FOUND, "Cannot kill container: %s: "
				"Container %s is not running", what, c->id);
	if (kill(st->pid, sig))
		return cli_fail(EXIT_HUSK, "Cannot kill container: %s: %s", what,
				strerror(errno));
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int auto_removed(const struct container *c)
{
	return json_is_true(json_object_get(c->config, "AutoRemove"));
}

int ctr_wait_exited(struct store *s, struct container *c, int64_t timeout_ms)
{
	int64_t waited = 0;
	int rc;

	for (;;) {
		struct container fresh;
		rc = container_load(s, c->id, &fresh);
		/* A --rm container's record goes as it ends. */
		if (rc == STORE_NOT_FOUND && auto_removed(c)) {
			c->state.status = CONTAINER_EXITED;
			return CTR_GONE;
		}
		if (rc)
			return cli_store_fail(rc == STORE_NOT_FOUND ? EXIT_NOT_FOUND :
					      EXIT_HUSK);
		container_free(c);
		*c = fresh;
		if (c->state.status != CONTAINER_RUNNING)
			return 0;
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return 1;
		sleep_ms(POLL_MS);
		waited += POLL_MS;
	}
}

/*
 * SIGTERM (husk-vmm hands it to the program), then SIGKILL after the
 * timeout; either way the keeper records the status.
 */
int ctr_stop(struct store *s, struct container *c, int timeout_s)
{
	int rc;

	if (c->state.status != CONTAINER_RUNNING)
		return 0;
	if (proc_alive(c->state.pid, c->state.pid_start))
		kill(c->state.pid, SIGTERM);
	rc = ctr_wait_exited(s, c, (int64_t)timeout_s * 1000);
	if (rc != 1)
		return rc == CTR_GONE ? 0 : rc;
	if (proc_alive(c->state.pid, c->state.pid_start))
		kill(c->state.pid, SIGKILL);
	rc = ctr_wait_exited(s, c, 10000);
	if (rc == 1)
		return cli_fail(EXIT_HUSK, "container %s did not stop", c->id);
	return rc == CTR_GONE ? 0 : rc;
}
