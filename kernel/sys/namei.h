/* Shared by the path-taking calls (namei.c, stat.c). */
#ifndef KERNEL_SYS_NAMEI_H
#define KERNEL_SYS_NAMEI_H

#include "fd.h"

/* The node upath names from dirfd (referenced in *out). With empty_ok, an
 * empty path names dirfd itself; then *fout (when asked) gets its file,
 * and *out stays NULL for a file without a node (the console). */
int lookup_at(long dirfd, const char *upath, int follow, int empty_ok,
	      struct vnode **out, struct file **fout);

#endif
