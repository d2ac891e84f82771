/*
 * Signal names as engines and users write them: "TERM", "SIGTERM",
 * "sigterm", "15", "RTMIN+3"; what runc and docker accept.
 */
#ifndef HUSK_SIGNAME_H
#define HUSK_SIGNAME_H

/* 0 and *sig, or STORE_ERR with "invalid signal: s". */
int signame_parse(const char *s, int *sig);
/* "TERM" for SIGTERM; NULL for one without a name of its own. */
const char *signame_name(int sig);

#endif
