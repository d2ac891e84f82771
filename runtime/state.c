/* state: the runtime-spec state of a container, as JSON on stdout. */
#include <stdio.h>
#include <stdlib.h>

#include "runtime.h"

static int run(int argc, char **argv);

const struct rt_verb rt_verb_state = {
	.name = "state",
	.usage = "ID",
	.summary = "print a container's state (runtime-spec JSON)",
	.run = run,
};

static int run(int argc, char **argv)
{
	const struct rt_opt opts[] = { { NULL, 0, NULL, NULL } };
	struct rt_record r;
	json_t *state;
	char *text;
	int first, rc;

	rc = rt_parse("state", opts, argc, argv, &first);
	if (!rc)
		rc = rt_need_args("state", rt_verb_state.usage, argc, first, 1, 1);
	if (!rc)
		rc = rt_record_load(argv[first], &r);
	if (rc)
		return rc;
	state = rt_record_state(&r);
	text = json_dumps(state, JSON_INDENT(2));
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(state);
	rt_record_free(&r);
	return text ? 0 : rt_fail("out of memory");
}
