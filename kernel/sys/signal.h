/*
 * Signals: the tables (signal.c), sending and waiting (signal.c), and
 * delivery to handlers (sigframe.c). A signal is taken when the thread
 * returns to the program: at the end of a system call, or when a trap
 * (an interrupt, a preemption, a fault) resumes program code.
 */
#ifndef KERNEL_SYS_SIGNAL_H
#define KERNEL_SYS_SIGNAL_H

#include <stdint.h>
#include <husk/image.h>

#define NSIG 64
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGSYS 31

#define SIG_BIT(s) (1ULL << ((s) - 1))
#define SIG_UNBLOCKABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))

/* si_code values */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TIMER (-2)
#define SI_TKILL (-6)

/* What travels with a pending signal (the rest of siginfo is zero). */
struct ksiginfo {
	int32_t code;
	int32_t pid;       /* sender (SI_USER, SI_TKILL) */
	uint64_t addr;     /* faults: si_addr; timers: si_value */
	int32_t timerid, overrun;
	int32_t errno_, trapno;
};

struct thread;
struct syscall_args;

/* Sends sig to the calling thread (SIGPIPE from a write to a closed pipe):
 * taken when the current system call returns. */
void signal_raise(int sig);
/* Sends sig to thread t, or to the process when t is NULL. */
void signal_send(struct thread *t, int sig, const struct ksiginfo *info);
/* The calling thread's blocked mask: returns the old one. ppoll and
 * pselect6 swap in theirs for the wait, then restore it. */
uint64_t signal_swap_mask(uint64_t mask);
/* Signals t would take now (pending and not blocked). */
uint64_t signal_deliverable(const struct thread *t);
/* Takes the lowest of mask's pending signals of the calling thread (its
 * own first, then the process's): the number, or 0. */
int signal_dequeue(uint64_t mask, struct ksiginfo *info);
/* Pending signals of the calling thread and of the process. */
uint64_t signal_pending_mask(void);

/* A signal became pending: signalfd readers and pollers look again.
 * (signalfd.c) */
void signalfd_notify(void);

/* execve: handlers become SIG_DFL (ignored stay ignored), no alternate
 * stack; the mask and pending signals stay. */
void signal_exec_reset(void);

/* The action table (sigframe.c reads it). */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};
extern struct k_sigaction sig_actions[NSIG + 1];
#define SIG_DFL 0
#define SIG_IGN 1
#define SA_NOCLDSTOP 1
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000u
#define SA_RESTORER 0x04000000

/* sigframe.c */
/* At the end of a system call: a deliverable signal runs its handler
 * (does not return) or its default action; returns when there is none. */
void signal_at_syscall_return(const struct syscall_args *a, long ret);
/* Before f (program code) resumes after a trap: sets f up to run a
 * handler when a signal is deliverable. */
void signal_at_trap_return(struct husk_trap_frame *f);
/* A fault in program code: 1 when f now runs the program's handler, 0
 * when the signal's default action applies (the caller reports). */
int signal_fault(struct husk_trap_frame *f, int sig, int code, uint64_t addr);
/* Ends the program as the default action of sig does (no report). */
void signal_terminate(int sig) __attribute__((noreturn));
const char *signal_name(int sig);

#endif
