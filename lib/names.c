/*
 * Generated container names, in Docker's adjective_surname style with
 * word lists of our own: the surnames are people who shaped operating
 * systems, virtual machines and the tools around them.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "container.h"

static const char *const adjectives[] = {
	"agile", "amber", "ardent", "brave", "brisk", "calm", "candid",
	"clever", "cosmic", "crisp", "dapper", "deft", "eager", "earnest",
	"fearless", "fleet", "frank", "gentle", "glad", "hardy", "honest",
	"humble", "jolly", "keen", "kind", "lively", "lucid", "mellow",
	"nimble", "patient", "placid", "plucky", "quiet", "rapid", "serene",
	"shrewd", "steady", "sunny", "swift", "tidy", "upbeat", "vivid",
	"wary", "witty", "zesty",
};

static const char *const surnames[] = {
	"allen", "backus", "barton", "bellard", "bosack", "cerf", "codd",
	"corbato", "cutler", "dijkstra", "engelbart", "feinler", "goldberg",
	"hamilton", "hansen", "hopper", "joy", "kahn", "kay", "kernighan",
	"kildall", "knuth", "lamport", "liskov", "lovelace", "mccarthy",
	"metcalfe", "milner", "moler", "naur", "neumann", "ousterhout",
	"perlman", "popek", "ritchie", "rosenblum", "saltzer", "shannon",
	"sutherland", "tanenbaum", "thompson", "torvalds", "turing", "wirth",
	"wilkes",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void names_generate(uint32_t seed, char *buf, size_t n)
{
	snprintf(buf, n, "%s_%s", adjectives[seed % COUNT(adjectives)],
		 surnames[(seed / COUNT(adjectives)) % COUNT(surnames)]);
}

int names_valid(const char *name)
{
	const char *p;

	if (!isalnum((unsigned char)name[0]) || !name[1])
		return 0;
	for (p = name + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return 0;
	return 1;
}
