/* The path the program was started with: /proc/self/exe (procfs.c). */
#include "../lib.h"
#include "calls.h"

#define PATH_MAX 4096

static char exe[PATH_MAX];

void sys_set_exe(const char *path)
{
	snprintf(exe, sizeof(exe), "%s", path);
}

const char *sys_exe(void)
{
	return exe;
}
