/*
 * execve: replace the program. Everything that can fail with an error the
 * old program can still receive (the path, the file, its ELF headers and
 * interpreter, the argument sizes) is checked first; then the old address
 * space goes, close-on-exec descriptors close, and the new program starts
 * as the launcher starts the first one. A failure after that point ends
 * the VM with 127, as Linux kills a process that cannot finish an exec.
 */
#include "../console.h"
#include "../exec/exec.h"
#include "../fs/vfs.h"
#include "../lib.h"
#include "../mm.h"
#include "../mm/vma.h"
#include "../vm.h"
#include "calls.h"
#include "signal.h"
#include "../sched/thread.h"
#include "fd.h"
#include "procfs.h"

#define E2BIG 7
#define ARGS_MAX (256 * 1024) /* bytes of argv and envp strings */
#define ARGV_MAX 4096         /* pointers, each of argv and envp */

struct strings {
	char *arena;
	size_t used;
	char *v[ARGV_MAX + 1];
	int n;
};

/* Copies a NULL-terminated array of user strings into s. */
static int copy_vector(const char *const *u, struct strings *s)
{
	s->n = 0;
	for (; u; u++) {
		const char *p;
		if (!user_range_ok((uint64_t)u, 8))
			return -EFAULT;
		p = *u;
		if (!p)
			break;
		if (s->n == ARGV_MAX)
			return -E2BIG;
		s->v[s->n++] = s->arena + s->used;
		for (;; p++) {
			if (!user_range_ok((uint64_t)p, 1))
				return -EFAULT;
			if (s->used == ARGS_MAX)
				return -E2BIG;
			if (!(s->arena[s->used++] = *p))
				break;
		}
	}
	s->v[s->n] = 0;
	return 0;
}

static void release(uint64_t pa)
{
	pmem_free(pa, 1);
}

/* Every mapping of the old program, pages returned. */
static void drop_address_space(void)
{
	const struct vma *v;

	while ((v = vma_at(0))) {
		uint64_t start = v->start, end = v->end;
		vm_unmap(start, end - start, release);
		vma_remove(start, end);
	}
}

static void close_on_exec(void)
{
	for (int fd = fd_next_open(0); fd >= 0; fd = fd_next_open(fd + 1))
		if (fd_cloexec(fd))
			fd_close(fd);
}

long sys_execve(const struct syscall_args *a)
{
	static struct strings args, env;
	static char path[4096];
	const char *upath;
	char err[240];
	struct exec_start s;
	int rc = user_path((const char *)a->a[0], 0, &upath);

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s", upath);
	if (!args.arena) {
		args.arena = heap_alloc(ARGS_MAX);
		env.arena = heap_alloc(ARGS_MAX);
		if (!args.arena || !env.arena)
			return -ENOMEM;
	}
	args.used = env.used = 0;
	rc = copy_vector((const char *const *)a->a[1], &args);
	if (!rc)
		rc = copy_vector((const char *const *)a->a[2], &env);
	if (!rc)
		rc = exec_check(path, err, sizeof(err));
	if (rc)
		return rc;
	/* The point of no return. The other threads go (as on Linux), and
	 * handlers, which were in the old program, become SIG_DFL. */
	thread_kill_others();
	thread_exec_reset(current);
	signal_exec_reset();
	drop_address_space();
	close_on_exec();
	rc = exec_load(path, args.v, env.v, &s, err, sizeof(err));
	if (rc) {
		kprintf("husk: execve: %s\n", err);
		husk_exit(127);
	}
	sys_brk_init(s.brk);
	sys_set_exe(path);
	procfs_set_start(args.n, args.v, s.sp, s.brk);
	exec_jump(&s);
}
