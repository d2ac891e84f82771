/*
 * Restartable sequences and membarrier on one vCPU. rseq: the CPU number
 * is always 0, and a thread preempted inside a registered critical section
 * restarts at its abort handler, as Linux guarantees. membarrier: with one
 * CPU every barrier is already complete when the call is made.
 */
#include "../lib.h"
#include "../sys/calls.h"
#include "../sys/syscall.h"
#include "thread.h"

#define EINVAL 22
#define EBUSY 16
#define EPERM 1
#define RSEQ_FLAG_UNREGISTER 1
#define RSEQ_CPU_UNREGISTERED ((uint32_t)-1)

struct rseq_area {
	uint32_t cpu_id_start, cpu_id;
	uint64_t rseq_cs;
	uint32_t flags;
};

struct rseq_cs {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
};

long sys_rseq(const struct syscall_args *a)
{
	uint64_t p = (uint64_t)a->a[0];
	uint32_t len = (uint32_t)a->a[1], sig = (uint32_t)a->a[3];
	struct rseq_area *r = (struct rseq_area *)p;

	if (a->a[2] & ~RSEQ_FLAG_UNREGISTER)
		return -EINVAL;
	if (a->a[2] & RSEQ_FLAG_UNREGISTER) {
		if (p != current->rseq || !p)
			return -EINVAL;
		if (sig != current->rseq_sig)
			return -EPERM;
		r->cpu_id = RSEQ_CPU_UNREGISTERED;
		current->rseq = 0;
		return 0;
	}
	if (current->rseq)
		return p == current->rseq && sig == current->rseq_sig ? -EBUSY : -EINVAL;
	if (len < 32 || (p & 31))
		return -EINVAL;
	if (!user_range_ok(p, len))
		return -EFAULT;
	r->cpu_id_start = 0;
	r->cpu_id = 0;
	current->rseq = p;
	current->rseq_sig = sig;
	return 0;
}

/* Before a preempted (or signalled) thread resumes at f->rip. */
void rseq_fixup(struct thread *t, struct husk_trap_frame *f)
{
	struct rseq_area *r = (struct rseq_area *)t->rseq;
	const struct rseq_cs *cs;

	if (!r || !r->rseq_cs)
		return;
	cs = (const struct rseq_cs *)r->rseq_cs;
	if (!user_range_ok((uint64_t)cs, sizeof(*cs)) ||
	    f->rip - cs->start_ip >= cs->post_commit_offset)
		return;
	if (!user_range_ok(cs->abort_ip - 4, 4) ||
	    *(const uint32_t *)(cs->abort_ip - 4) != t->rseq_sig)
		return; /* Linux kills such a thread; leave it be instead */
	r->rseq_cs = 0;
	f->rip = cs->abort_ip;
}

#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_SUPPORTED 0x1ff /* every command up to RSEQ's */

long sys_membarrier(const struct syscall_args *a)
{
	if (a->a[0] == MEMBARRIER_CMD_QUERY)
		return MEMBARRIER_SUPPORTED;
	if (a->a[0] & (a->a[0] - 1) || !(a->a[0] & MEMBARRIER_SUPPORTED))
		return -EINVAL;
	return 0;
}
