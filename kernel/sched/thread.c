/* Creating, finding and ending threads. */
#include <husk/x86.h>
#include "../console.h"
#include "../lib.h"
#include "../mm.h"
#include "../sys/calls.h"
#include "../sys/syscall.h"
#include "futex.h"
#include "thread.h"

static struct thread first;
static int next_tid = 2;

void sched_init(void)
{
	fpu_init();
	first.tid = 1;
	first.state = T_RUNNABLE;
	first.kstack_top = (uint64_t)husk_syscall_stack_top;
	first.fpu = fpu_alloc(&first.fpu_block);
	if (!first.fpu)
		panic("out of memory for the first thread's FPU state");
	first.altstack_flags = 2; /* SS_DISABLE */
	current = thread_list = &first;
}

struct thread *thread_create(const struct husk_trap_frame *frame,
			     uint64_t fs_base)
{
	struct thread *t = heap_alloc(sizeof(*t)), **p;
	struct husk_trap_frame *f;
	uint64_t *sp;

	/* Out of memory is the program's to handle (clone fails), not a
	 * panic: a server creating threads must not take the guest down. */
	if (!t)
		return 0;
	memset(t, 0, sizeof(*t));
	t->kstack = heap_alloc(KSTACK_SIZE);
	t->fpu = t->kstack ? fpu_alloc(&t->fpu_block) : 0;
	if (!t->fpu) {
		heap_free(t->kstack);
		heap_free(t);
		return 0;
	}
	t->tid = next_tid++;
	t->kstack_top = ALIGN_DOWN((uint64_t)t->kstack + KSTACK_SIZE, 16);
	/* Its first switch pops six registers and returns to thread_entry,
	 * with the stack at the frame to resume. */
	f = (struct husk_trap_frame *)ALIGN_DOWN(t->kstack_top - sizeof(*f), 16);
	*f = *frame;
	f->busy = 0;
	sp = (uint64_t *)f;
	*--sp = (uint64_t)thread_entry;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->ksp = (uint64_t)sp;
	fpu_save(t->fpu); /* a new thread starts with its creator's state */
	t->fs_base = fs_base;
	t->gs_base = current->gs_base;
	t->sigmask = current->sigmask;
	t->altstack_flags = 2; /* SS_DISABLE: not inherited by threads */
	t->state = T_RUNNABLE;
	for (p = &thread_list; *p; p = &(*p)->next)
		;
	*p = t;
	sched_thread_added();
	return t;
}

void thread_free(struct thread *t)
{
	heap_free(t->fpu_block);
	if (t == &first)
		return;
	heap_free(t->kstack);
	heap_free(t);
}

struct thread *thread_find(int tid)
{
	for (struct thread *t = thread_list; t; t = t->next)
		if (t->tid == tid && t->state != T_DEAD)
			return t;
	return 0;
}

int thread_count(void)
{
	int n = 0;

	for (struct thread *t = thread_list; t; t = t->next)
		n += t->state != T_DEAD;
	return n;
}

/* exit(2) of one thread: its clear_child_tid word is zeroed and woken
 * (pthread_join waits on it); the last thread's exit ends the program. */
/* execve: what pointed into the old program is forgotten. */
void thread_exec_reset(struct thread *t)
{
	t->clear_child_tid = 0;
	t->robust_list = 0;
	t->rseq = 0;
	t->unmap_at_exit[0] = t->unmap_at_exit[1] = 0;
}

int thread_defer_unmap(const struct syscall_args *a, uint64_t addr,
		       uint64_t len)
{
	if (a->user_rsp < addr || a->user_rsp - addr >= len)
		return 0;
	current->unmap_at_exit[0] = addr;
	current->unmap_at_exit[1] = len;
	return 1;
}

void thread_exit(int status)
{
	uint64_t ctid = current->clear_child_tid;
	struct syscall_args un = { .nr = 11 };

	if (thread_count() == 1)
		husk_exit(status);
	if (ctid && user_range_ok(ctid, 4)) {
		*(volatile uint32_t *)ctid = 0;
		futex_wake(ctid, 1, ~0u);
	}
	if (current->unmap_at_exit[1]) {
		un.a[0] = (long)current->unmap_at_exit[0];
		un.a[1] = (long)current->unmap_at_exit[1];
		sys_munmap(&un); /* user_rsp 0: not deferred again */
	}
	sched_exit_current();
}
