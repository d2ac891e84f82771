/*
 * The error numbers the filesystem layer returns, negated, with Linux's
 * values so that the system-call layer passes them to the program as they
 * are. (Spelled exactly as the C library spells them, so that a host test
 * that also includes <errno.h> sees identical definitions.)
 */
#ifndef KERNEL_FS_ERRNO_H
#define KERNEL_FS_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define EBADF 9
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EXDEV 18
#define ENODEV 19
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EFBIG 27
#define ENOSPC 28
#define ESPIPE 29
#define EROFS 30
#define EMLINK 31
#define ERANGE 34
#define ENAMETOOLONG 36
#define ENOSYS 38
#define ENOTEMPTY 39
#define ELOOP 40
#define EOVERFLOW 75
#define EOPNOTSUPP 95

#endif
