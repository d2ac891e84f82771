/*
 * kill: a signal to the container's process, the monitor (or the init
 * still waiting for start). husk-vmm hands TERM, INT, HUP, QUIT, USR1 and
 * USR2 to the guest program and ends the VM on KILL; the QEMU fallback
 * ends the VM on all of them. Without a SIGNAL, the image's stop signal
 * (its annotation) or SIGTERM. --all signals the init's process group:
 * the monitor and, on the QEMU fallback, QEMU itself.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "runtime.h"
#include "signame.h"
#include "store.h"

static int run(int argc, char **argv);

const struct rt_verb rt_verb_kill = {
	.name = "kill",
	.usage = "[--all] ID [SIGNAL]",
	.summary = "send a signal (default: the stop signal, else TERM) to a container",
	.run = run,
};

static int send_signal(const char *id, const char *signame, int all)
{
	struct rt_record r;
	enum rt_status st;
	int sig = SIGTERM, rc = rt_record_load(id, &r);

	if (rc)
		return rc;
	if (json_integer_value(json_object_get(r.doc, "stopSignal")))
		sig = (int)json_integer_value(json_object_get(r.doc, "stopSignal"));
	if (signame && signame_parse(signame, &sig))
		rc = rt_fail_lib();
	st = rt_record_status(&r);
	if (!rc && st != RT_CREATED && st != RT_RUNNING)
		rc = rt_fail("container not running");
	if (!rc && kill(all ? -r.pid : r.pid, sig) && !(all && errno == ESRCH))
		rc = rt_fail("cannot signal container %s: %s", id, strerror(errno));
	rt_record_free(&r);
	return rc;
}

static int run(int argc, char **argv)
{
	int all = 0, first, rc;
	const struct rt_opt opts[] = {
		{ "all", 'a', NULL, &all },
		{ NULL, 0, NULL, NULL },
	};

	rc = rt_parse("kill", opts, argc, argv, &first);
	if (!rc)
		rc = rt_need_args("kill", rt_verb_kill.usage, argc, first, 1, 2);
	return rc ? rc : send_signal(argv[first], argc - first > 1 ?
				     argv[first + 1] : NULL, all);
}
