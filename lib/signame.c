/* Signal names and numbers (signame.h). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signame.h"
#include "store.h"

static const struct {
	const char *name;
	int sig;
} names[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "IOT", SIGIOT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "POLL", SIGPOLL }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
};

/* "RTMIN", "RTMIN+N", "RTMAX-N". */
static int realtime(const char *name, int *sig)
{
	int base, sign = 0;
	const char *rest;
	char *end;
	long n = 0;

	if (!strncasecmp(name, "RTMIN", 5)) {
		base = SIGRTMIN;
		rest = name + 5;
		sign = 1;
	} else if (!strncasecmp(name, "RTMAX", 5)) {
		base = SIGRTMAX;
		rest = name + 5;
		sign = -1;
	} else {
		return -1;
	}
	if (*rest) {
		if (*rest != (sign > 0 ? '+' : '-') || rest[1] < '0' || rest[1] > '9')
			return -1;
		n = strtol(rest + 1, &end, 10);
		if (*end)
			return -1;
	}
	*sig = base + sign * (int)n;
	return *sig >= SIGRTMIN && *sig <= SIGRTMAX ? 0 : -1;
}

int signame_parse(const char *s, int *sig)
{
	const char *name = strncasecmp(s, "SIG", 3) ? s : s + 3;
	char *end;
	long n;
	size_t i;

	n = strtol(s, &end, 10);
	if (end != s && !*end && s[0] >= '0' && s[0] <= '9') {
		if (n < 1 || n > SIGRTMAX)
			return store_fail(STORE_ERR, "invalid signal: %s", s);
		*sig = (int)n;
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(name, names[i].name)) {
			*sig = names[i].sig;
			return 0;
		}
	if (!realtime(name, sig))
		return 0;
	return store_fail(STORE_ERR, "invalid signal: %s", s);
}

const char *signame_name(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			return names[i].name;
	return NULL;
}
