/*
 * A thread of the program. All of them share the address space, the file
 * table and the library OS; each has its own registers, FPU/SIMD state, TLS
 * base, signal mask and a library-OS stack on which its system calls run
 * (and on which it sleeps while another thread runs).
 */
#ifndef KERNEL_SCHED_THREAD_H
#define KERNEL_SCHED_THREAD_H

#include <stdint.h>
#include <husk/image.h>
#include "sched.h"
#include "../sys/signal.h"

#define KSTACK_SIZE 32768

enum thread_state { T_RUNNABLE, T_BLOCKED, T_DEAD };

struct thread {
	int tid;
	enum thread_state state;
	uint64_t ksp;          /* saved library-OS stack pointer (switch.S) */
	uint64_t kstack_top;   /* where its system calls start */
	void *kstack;          /* heap block, NULL for the first thread */
	uint8_t *fpu;          /* xsave/fxsave area, 64-byte aligned */
	void *fpu_block;
	uint64_t fs_base, gs_base;
	uint64_t clear_child_tid; /* set_tid_address, CLONE_CHILD_CLEARTID */
	uint64_t robust_list;
	uint64_t sigmask;      /* blocked signals */
	uint64_t sigpending;   /* sent to this thread */
	struct ksiginfo siginfo[NSIG]; /* with each pending signal */
	uint64_t saved_mask;   /* sigsuspend's caller's mask, to restore */
	int has_saved_mask;
	uint64_t sigwait;      /* sigtimedwait: these wake it even blocked */
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;    /* SS_DISABLE when none */
	/* Waiting: on wq (or on nothing), until deadline (0: none). */
	struct waitq *wq;
	struct thread *wnext;
	uint64_t deadline;
	int wake_reason;       /* 0, -ETIMEDOUT, -EINTR */
	struct thread *next;   /* all threads, in creation order */
	uint64_t rseq;         /* registered struct rseq, 0: none */
	uint32_t rseq_sig;
	uint64_t unmap_at_exit[2]; /* its own stack, unmapped by itself */
	/* The socket call in progress gives up here (SO_RCVTIMEO,
	 * SO_SNDTIMEO; monotonic ns, 0: never). */
	uint64_t sock_deadline;
};

extern struct thread *current;
extern struct thread *thread_list;
extern volatile int need_resched; /* a timer tick asked for a switch */

/* The first thread (tid 1), running on the boot stack. */
void sched_init(void);
/* A new thread that resumes in ring 3 at frame (copied), runnable; NULL
 * when memory is out. */
struct thread *thread_create(const struct husk_trap_frame *frame,
			     uint64_t fs_base);
struct thread *thread_find(int tid);
int thread_count(void);
/* The calling thread ends (exit(2)); the last one ends the VM. */
void thread_exit(int status) __attribute__((noreturn));
/* execve: every thread but the caller ends at once, unseen. */
void thread_kill_others(void);
void thread_exec_reset(struct thread *t);

/* Called where a switch is safe: the end of a system call. */
void sched_preempt_point(void);
/* From the trap handler: f (the global frame, a program context) is
 * saved on the current thread's stack and another thread runs. */
void sched_preempt(struct husk_trap_frame *f) __attribute__((noreturn));
/* Signal timers (kernel/sys/timers.c): the earliest expiry (0: none), and
 * firing those due; sched_timers_changed after arming one. */
uint64_t timers_next(void);
void timers_expire(uint64_t now);
void sched_timers_changed(void);
/* A tick that could not switch: retry soon. */
void sched_retry_soon(void);
/* The timer interrupt. */
void sched_tick(void);
/* Every interrupt: cancels a halt that has not begun yet. */
void sched_interrupted(void);

/* Blocks the calling thread (on no queue) until sched_unblock or the
 * deadline: 0, -ETIMEDOUT or -EINTR (as sched_wait). */
int sched_block(uint64_t deadline);
void sched_unblock(struct thread *t, int reason);
/* The calling thread is dead: run another, never return. */
void sched_exit_current(void) __attribute__((noreturn));
void sched_thread_added(void);
/* Sets the FS or GS base in the CPU (wrfsbase, else ring 0's wrmsr). */
void sched_set_base(uint32_t msr, uint64_t v);
void thread_free(struct thread *t);

/* munmap of the range holding the caller's own stack (musl's exit of a
 * detached thread): done when the thread exits, because the way back from
 * the call still uses that stack. 1 when deferred. */
struct syscall_args;
int thread_defer_unmap(const struct syscall_args *a, uint64_t addr,
		       uint64_t len);

/* rseq.c: a thread resuming inside its rseq critical section restarts. */
void rseq_fixup(struct thread *t, struct husk_trap_frame *f);

/* switch.S */
void sched_switch(uint64_t *save_ksp, uint64_t ksp);
void thread_entry(void);   /* first return of a new thread's sched_switch */

/* fpu.c: the program's FPU/SIMD state of a thread. */
void fpu_init(void);
/* A zeroed state area (64-byte aligned) and the block to free; NULL when
 * memory is out. */
void *fpu_alloc(void **block);
void fpu_save(uint8_t *area);
void fpu_restore(const uint8_t *area);

#endif
