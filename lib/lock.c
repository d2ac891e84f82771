/*
 * The store lock: flock(2) on $HUSK_HOME/lock. Readers share it, writers
 * hold it alone. flock locks belong to the open file, so they vanish with
 * a killed process and never outlive it.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/file.h>

#include "store.h"

static int lock_op(enum store_lock_mode mode)
{
	switch (mode) {
	case STORE_SHARED: return LOCK_SH;
	case STORE_EXCLUSIVE: return LOCK_EX;
	default: return LOCK_UN;
	}
}

int store_lock(struct store *s, enum store_lock_mode mode)
{
	int op = lock_op(mode);

	if (s->lock_mode == mode)
		return 0;
	/* Converting is not atomic in flock; dropping first makes it explicit. */
	if (s->lock_mode != STORE_UNLOCKED && flock(s->lock_fd, LOCK_UN))
		return store_fail_errno("%s/lock: cannot unlock", s->root);
	s->lock_mode = STORE_UNLOCKED;
	if (op == LOCK_UN)
		return 0;
	while (flock(s->lock_fd, op)) {
		if (errno != EINTR)
			return store_fail_errno("%s/lock: cannot lock the store",
						s->root);
	}
	s->lock_mode = mode;
	return 0;
}
