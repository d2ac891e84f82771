/*
 * What a runtime for unikernels cannot do: the guest is one program in
 * its own VM, with no second process to exec, no cgroup to freeze or
 * resize, no process tree to checkpoint. Each says so, and fails.
 */
#include "runtime.h"

static int refuse(int argc, char **argv)
{
	(void)argc;
	return rt_fail("%s is not supported for unikernels: the guest is a single "
		       "program in its own virtual machine", argv[0]);
}

#define UNSUPPORTED(var, verb, what)                                      \
	const struct rt_verb var = {                                        \
		.name = verb, .usage = "ID", .summary = what, .run = refuse, \
	}

UNSUPPORTED(rt_verb_exec, "exec", "not supported: no second process in a unikernel");
UNSUPPORTED(rt_verb_pause, "pause", "not supported for unikernels");
UNSUPPORTED(rt_verb_resume, "resume", "not supported for unikernels");
UNSUPPORTED(rt_verb_update, "update", "not supported for unikernels");
UNSUPPORTED(rt_verb_checkpoint, "checkpoint", "not supported for unikernels");
UNSUPPORTED(rt_verb_restore, "restore", "not supported for unikernels");
UNSUPPORTED(rt_verb_events, "events", "not supported for unikernels");
UNSUPPORTED(rt_verb_ps, "ps", "not supported for unikernels");
