/*
 * File-descriptor and file-system calls, one deterministic line per check
 * ("ok N what" / "not ok N what"); exits 0 only when every check passed.
 * Plain POSIX/Linux: runs the same on the host (the reference) and on husk.
 *   fsops            run the checks (in /tmp)
 *   fsops cat FILE   copy FILE (up to 64 KiB) to stdout, then "cat: N bytes"
 *   fsops head FILE N  the first N bytes of FILE as hex-free byte count and sum
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int n, failed;

static void check(int ok, const char *what)
{
	n++;
	if (!ok)
		failed++;
	printf("%s %d %s\n", ok ? "ok" : "not ok", n, what);
}

#define ERR(call, e) ((call) == -1 && errno == (e))

static int writefile(const char *p, const char *s)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, s, strlen(s));
	close(fd);
	return w == (ssize_t)strlen(s) ? 0 : -1;
}

static int readfile(const char *p, char *buf, size_t len)
{
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = 0;
	return (int)r;
}

static int do_cat(const char *path, long limit)
{
	static char buf[65536];
	long total = 0;
	unsigned long sum = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("cat: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (total < limit) {
		size_t want = sizeof(buf);
		if ((long)want > limit - total)
			want = (size_t)(limit - total);
		ssize_t r = read(fd, buf, want);
		if (r < 0) {
			printf("cat: read: %s\n", strerror(errno));
			return 1;
		}
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			sum += (unsigned char)buf[i];
		if (limit == 65536)
			fwrite(buf, 1, (size_t)r, stdout);
		total += r;
	}
	close(fd);
	printf("%scat: %ld bytes sum %lu\n", limit == 65536 && total ? "\n" : "", total, sum);
	return 0;
}

int main(int argc, char **argv)
{
	char buf[4096], b2[256];
	struct stat st, st2;
	int fd, fd2, r;

	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "cat"))
		return do_cat(argv[2], 65536);
	if (argc == 4 && !strcmp(argv[1], "head"))
		return do_cat(argv[2], atol(argv[3]));

	/* Work in a fresh directory under /tmp. */
	mkdir("/tmp/fsops", 0755);
	check(chdir("/tmp/fsops") == 0, "chdir /tmp/fsops");
	check(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/fsops"), "getcwd");
	umask(022);
	check(umask(022) == 022, "umask");

	/* open, write, read, lseek */
	fd = open("a", O_RDWR | O_CREAT | O_TRUNC, 0666);
	check(fd >= 3, "open creates");
	check(write(fd, "hello world", 11) == 11, "write");
	check(lseek(fd, 0, SEEK_CUR) == 11, "lseek cur");
	check(lseek(fd, 0, SEEK_SET) == 0, "lseek set");
	memset(buf, 0, sizeof(buf));
	check(read(fd, buf, 5) == 5 && !memcmp(buf, "hello", 5), "read");
	check(lseek(fd, -5, SEEK_END) == 6, "lseek end");
	check(read(fd, buf, 100) == 5 && !memcmp(buf, "world", 5), "read to end");
	check(read(fd, buf, 100) == 0, "read at eof");
	check(ERR(lseek(fd, -100, SEEK_CUR), EINVAL), "lseek negative EINVAL");
	check(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 11 &&
		      (st.st_mode & 0777) == 0644, "fstat size and umask");
	check(lseek(fd, 20, SEEK_SET) == 20 && write(fd, "!", 1) == 1, "write past end");
	check(pread(fd, buf, 4, 16) == 4 && !memcmp(buf, "\0\0\0\0", 4), "hole reads zeros");
	check(fstat(fd, &st) == 0 && st.st_size == 21, "size after hole");

	/* pread/pwrite do not move the offset */
	check(pwrite(fd, "HELLO", 5, 0) == 5 && lseek(fd, 0, SEEK_CUR) == 21, "pwrite keeps offset");
	check(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "HELLO", 5), "pread");
	check(ERR(pread(fd, buf, 5, -1), EINVAL), "pread negative EINVAL");

	/* readv/writev/preadv/pwritev */
	{
		struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
		char x[3], y[3];
		struct iovec rv[2] = { { x, 2 }, { y, 3 } };
		check(lseek(fd, 0, SEEK_SET) == 0 && writev(fd, iov, 2) == 5, "writev");
		check(lseek(fd, 0, SEEK_SET) == 0 && readv(fd, rv, 2) == 5 &&
			      !memcmp(x, "ab", 2) && !memcmp(y, "cde", 3), "readv");
		check(pwritev(fd, iov, 2, 10) == 5, "pwritev");
		check(preadv(fd, rv, 2, 10) == 5 && !memcmp(y, "cde", 3), "preadv");
	}

	/* dup, offsets shared, fcntl */
	fd2 = dup(fd);
	check(fd2 > fd, "dup");
	check(lseek(fd, 3, SEEK_SET) == 3 && lseek(fd2, 0, SEEK_CUR) == 3, "dup shares offset");
	check(dup2(fd, 50) == 50 && fcntl(50, F_GETFD) == 0, "dup2");
	check(dup2(50, 50) == 50, "dup2 same fd");
	check(ERR(dup3(50, 50, 0), EINVAL), "dup3 same fd EINVAL");
	check(dup3(fd, 51, O_CLOEXEC) == 51 && fcntl(51, F_GETFD) == FD_CLOEXEC, "dup3 cloexec");
	check(fcntl(fd, F_GETFD) == 0, "cloexec is per fd");
	check(fcntl(fd, F_DUPFD, 60) == 60, "F_DUPFD");
	check(fcntl(fd, F_DUPFD_CLOEXEC, 60) == 61 && fcntl(61, F_GETFD) == FD_CLOEXEC,
	      "F_DUPFD_CLOEXEC");
	check(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "F_SETFD");
	check((fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK)) == O_RDWR, "F_GETFL");
	check(fcntl(fd, F_SETFL, O_NONBLOCK) == 0 &&
		      (fcntl(fd2, F_GETFL) & O_NONBLOCK), "F_SETFL shared by dup");
	{
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		check(fcntl(fd, F_SETLK, &fl) == 0, "F_SETLK accepted");
		check(fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK, "F_GETLK unlocked");
	}
	check(close(50) == 0 && close(51) == 0 && close(60) == 0 && close(61) == 0, "close");
	check(ERR(close(50), EBADF), "close twice EBADF");
	check(ERR(read(999, buf, 1), EBADF), "read bad fd EBADF");
	check(ERR(fcntl(999, F_GETFD), EBADF), "fcntl bad fd EBADF");
	close(fd2);
	close(fd);

	/* access modes */
	fd = open("a", O_RDONLY);
	check(ERR(write(fd, "x", 1), EBADF), "write on O_RDONLY EBADF");
	check(ERR(ftruncate(fd, 0), EINVAL), "ftruncate on O_RDONLY EINVAL");
	{
		int nb = 1, avail = -1;
		check(ioctl(fd, FIONREAD, &avail) == 0 && avail == 21, "FIONREAD");
		check(ioctl(fd, FIONBIO, &nb) == 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK), "FIONBIO");
		struct winsize ws;
		check(ERR(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY), "TIOCGWINSZ ENOTTY on file");
		check(!isatty(fd), "isatty false on file");
	}
	close(fd);
	fd = open("a", O_WRONLY);
	check(ERR(read(fd, buf, 1), EBADF), "read on O_WRONLY EBADF");
	close(fd);

	/* O_APPEND, O_EXCL, O_TRUNC, creat */
	fd = open("a", O_WRONLY | O_APPEND);
	check(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "Z", 1) == 1 &&
		      fstat(fd, &st) == 0 && st.st_size == 22, "O_APPEND writes at end");
	close(fd);
	check(ERR(open("a", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST), "O_EXCL EEXIST");
	fd = open("a", O_RDWR | O_TRUNC);
	check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC");
	close(fd);
	fd = creat("c", 0600);
	check(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600, "creat");
	close(fd);
	check(ERR(open("nope", O_RDONLY), ENOENT), "open missing ENOENT");
	check(ERR(open("", O_RDONLY), ENOENT), "open empty ENOENT");
	check(ERR(open("a/x", O_RDONLY), ENOTDIR), "open through file ENOTDIR");
	check(ERR(open(".", O_WRONLY), EISDIR), "open dir for writing EISDIR");
	check(ERR(open("a", O_RDONLY | O_DIRECTORY), ENOTDIR), "O_DIRECTORY on file ENOTDIR");

	/* truncate, ftruncate, fallocate, fsync */
	check(writefile("t", "0123456789") == 0 && truncate("t", 4) == 0 &&
		      stat("t", &st) == 0 && st.st_size == 4, "truncate shrinks");
	fd = open("t", O_RDWR);
	check(ftruncate(fd, 8) == 0 && pread(fd, buf, 8, 0) == 8 &&
		      !memcmp(buf, "0123\0\0\0\0", 8), "ftruncate grows with zeros");
	check(fallocate(fd, 0, 0, 100) == 0 && fstat(fd, &st) == 0 && st.st_size == 100,
	      "fallocate extends");
	check(fsync(fd) == 0 && fdatasync(fd) == 0, "fsync fdatasync");
	close(fd);
	sync();

	/* stat family */
	check(stat("t", &st) == 0 && st.st_nlink == 1 && st.st_blksize > 0, "stat");
	check(ERR(stat("missing", &st), ENOENT), "stat missing ENOENT");
	check(symlink("t", "lnk") == 0, "symlink");
	check(lstat("lnk", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 1, "lstat symlink");
	check(stat("lnk", &st2) == 0 && S_ISREG(st2.st_mode) && st2.st_size == 100, "stat follows");
	check(fstatat(AT_FDCWD, "lnk", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode),
	      "fstatat AT_SYMLINK_NOFOLLOW");
	fd = open("t", O_RDONLY);
	check(fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 && st.st_ino == st2.st_ino,
	      "fstatat AT_EMPTY_PATH");
	check(ERR(fstatat(fd, "x", &st, 0), ENOTDIR), "fstatat relative to file ENOTDIR");
	close(fd);
#ifdef STATX_BASIC_STATS
	{
		struct statx sx;
		check(statx(AT_FDCWD, "t", 0, STATX_BASIC_STATS, &sx) == 0 && sx.stx_size == 100 &&
			      S_ISREG(sx.stx_mode) && (sx.stx_mask & STATX_SIZE), "statx");
	}
#else
	check(1, "statx (no header)");
#endif
	check(readlink("lnk", b2, sizeof(b2)) == 1 && b2[0] == 't', "readlink");
	check(ERR(readlink("t", b2, sizeof(b2)), EINVAL), "readlink non-link EINVAL");
	check(readlinkat(AT_FDCWD, "lnk", b2, sizeof(b2)) == 1, "readlinkat");
	check(access("t", R_OK | W_OK) == 0, "access R_OK|W_OK");
	check(ERR(access("t", X_OK), EACCES), "access X_OK without x EACCES");
	check(faccessat(AT_FDCWD, "t", F_OK, 0) == 0, "faccessat");
	check(ERR(access("missing", F_OK), ENOENT), "access missing ENOENT");

	/* chmod, chown, utimensat */
	check(chmod("t", 0751) == 0 && stat("t", &st) == 0 && (st.st_mode & 07777) == 0751, "chmod");
	fd = open("t", O_RDONLY);
	check(fchmod(fd, 0640) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0640, "fchmod");
	check(fchmodat(AT_FDCWD, "t", 0600, 0) == 0, "fchmodat");
	check(chown("t", 1234, 5678) == 0 && stat("t", &st) == 0 && st.st_uid == 1234 &&
		      st.st_gid == 5678, "chown recorded");
	check(fchown(fd, 0, 0) == 0 && fstat(fd, &st) == 0 && st.st_uid == 0, "fchown");
	check(lchown("lnk", 7, 7) == 0 && lstat("lnk", &st) == 0 && st.st_uid == 7, "lchown");
	check(fchownat(AT_FDCWD, "t", -1, 9, 0) == 0 && stat("t", &st) == 0 && st.st_gid == 9 &&
		      st.st_uid == 0, "fchownat keeps -1");
	{
		struct timespec ts[2] = { { 1000, 5 }, { 2000, UTIME_OMIT } };
		check(utimensat(AT_FDCWD, "t", ts, 0) == 0 && stat("t", &st) == 0 &&
			      st.st_atim.tv_sec == 1000 && st.st_atim.tv_nsec == 5 &&
			      st.st_mtim.tv_sec != 2000, "utimensat UTIME_OMIT");
		struct timespec ts2[2] = { { 0, UTIME_NOW }, { 3000, 0 } };
		check(futimens(fd, ts2) == 0 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 3000 &&
			      st.st_atim.tv_sec > 1000, "futimens UTIME_NOW");
		struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
		check(ERR(utimensat(AT_FDCWD, "t", bad, 0), EINVAL), "utimensat bad nsec EINVAL");
	}
	close(fd);

	/* directories */
	check(mkdir("d", 0777) == 0 && stat("d", &st) == 0 && S_ISDIR(st.st_mode) &&
		      (st.st_mode & 0777) == 0755, "mkdir with umask");
	check(ERR(mkdir("d", 0755), EEXIST), "mkdir existing EEXIST");
	check(mkdirat(AT_FDCWD, "d/e", 0755) == 0, "mkdirat");
	check(ERR(rmdir("d"), ENOTEMPTY), "rmdir non-empty ENOTEMPTY");
	check(writefile("d/f1", "1") == 0 && writefile("d/f2", "22") == 0, "files in dir");
	{
		DIR *dp = opendir("d");
		struct dirent *de;
		int seen = 0, count = 0;
		while (dp && (de = readdir(dp))) {
			count++;
			if (!strcmp(de->d_name, "f1") && de->d_type == DT_REG)
				seen |= 1;
			if (!strcmp(de->d_name, "e") && de->d_type == DT_DIR)
				seen |= 2;
			if (!strcmp(de->d_name, ".."))
				seen |= 4;
		}
		check(dp && count == 5 && seen == 7, "getdents64 lists entries");
		if (dp) {
			rewinddir(dp);
			count = 0;
			while (readdir(dp))
				count++;
			closedir(dp);
		}
		check(count == 5, "rewinddir");
	}
	fd = open("d", O_RDONLY | O_DIRECTORY);
	check(fd >= 0 && ERR(read(fd, buf, 1), EISDIR), "read dir EISDIR");
	check(fchdir(fd) == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/fsops/d"), "fchdir");
	check(chdir("..") == 0, "chdir ..");
	fd2 = openat(fd, "f2", O_RDONLY);
	check(fd2 >= 0 && read(fd2, buf, 10) == 2, "openat relative to dirfd");
	close(fd2);
	check(ERR(unlinkat(fd, "e", 0), EISDIR), "unlinkat dir without AT_REMOVEDIR EISDIR");
	check(unlinkat(fd, "e", AT_REMOVEDIR) == 0, "unlinkat AT_REMOVEDIR");
	close(fd);
	check(ERR(rmdir("t"), ENOTDIR), "rmdir file ENOTDIR");
	check(ERR(unlink("d"), EISDIR), "unlink dir EISDIR");

	/* rename and links */
	check(writefile("r1", "one") == 0 && writefile("r2", "two") == 0, "rename setup");
	check(rename("r1", "r2") == 0 && readfile("r2", b2, sizeof(b2)) == 3 &&
		      !strcmp(b2, "one") && ERR(access("r1", F_OK), ENOENT), "rename over file");
	check(ERR(rename("r2", "d"), EISDIR), "rename file over dir EISDIR");
	check(renameat(AT_FDCWD, "r2", AT_FDCWD, "d/r3") == 0, "renameat into dir");
	check(writefile("r4", "four") == 0 &&
		      ERR(syscall(SYS_renameat2, AT_FDCWD, "r4", AT_FDCWD, "d/r3", 1), EEXIST),
	      "renameat2 RENAME_NOREPLACE EEXIST");
	check(link("r4", "r5") == 0 && stat("r4", &st) == 0 && st.st_nlink == 2, "link");
	check(linkat(AT_FDCWD, "r5", AT_FDCWD, "r6", 0) == 0, "linkat");
	check(unlink("r4") == 0 && stat("r5", &st) == 0 && st.st_nlink == 2, "unlink one name");
	check(symlinkat("r5", AT_FDCWD, "l2") == 0 && readfile("l2", b2, sizeof(b2)) == 4,
	      "symlinkat and follow");
	fd = open("r5", O_RDONLY);
	check(unlink("r5") == 0 && unlink("r6") == 0 && read(fd, b2, 4) == 4 &&
		      !memcmp(b2, "four", 4), "unlinked open file keeps data");
	check(ERR(open("l2", O_RDONLY), ENOENT), "dangling symlink ENOENT");
	close(fd);
	check(ERR(open("l2", O_RDONLY | O_NOFOLLOW), ELOOP), "O_NOFOLLOW ELOOP");

	/* copy_file_range, sendfile */
	check(writefile("src", "copy me please") == 0, "copy setup");
	fd = open("src", O_RDONLY);
	fd2 = open("dst", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	{
		off_t off = 5;
		check(copy_file_range(fd, &off, fd2, NULL, 9, 0) == 9 && off == 14 &&
			      lseek(fd, 0, SEEK_CUR) == 0, "copy_file_range");
		check(readfile("dst", b2, sizeof(b2)) == 9 && !strcmp(b2, "me please"),
		      "copy_file_range data");
		off = 0;
		check(sendfile(fd2, fd, &off, 4) == 4 && off == 4 &&
			      readfile("dst", b2, sizeof(b2)) == 13 && !strcmp(b2, "me pleasecopy"),
		      "sendfile file to file");
	}
	close(fd2);
	close(fd);

	/* statfs */
	{
		struct statfs sf;
		check(statfs("/tmp", &sf) == 0 && sf.f_bsize > 0, "statfs");
		fd = open("src", O_RDONLY);
		check(fstatfs(fd, &sf) == 0, "fstatfs");
		close(fd);
	}

	/* /dev and /proc */
	fd = open("/dev/null", O_RDWR);
	check(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, buf, 10) == 0, "/dev/null");
	check(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is a char device");
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 1, 64);
	check(fd >= 0 && read(fd, buf, 64) == 64 && !buf[0] && !buf[63], "/dev/zero");
	close(fd);
	fd = open("/dev/full", O_WRONLY);
	check(fd >= 0 && ERR(write(fd, "x", 1), ENOSPC), "/dev/full ENOSPC");
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	check(fd >= 0 && read(fd, buf, 32) == 32, "/dev/urandom");
	close(fd);
	check(readlink("/proc/self/exe", b2, sizeof(b2)) > 0, "/proc/self/exe");
	fd = open("src", O_RDONLY);
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
	r = (int)readlink(buf, b2, sizeof(b2) - 1);
	if (r > 0)
		b2[r] = 0;
	check(r > 0 && !strcmp(b2, "/tmp/fsops/src"), "/proc/self/fd/N names the file");
	close(fd);
	check(readfile("/proc/self/cmdline", b2, sizeof(b2)) > 0 && strstr(b2, "fsops"),
	      "/proc/self/cmdline");
	check(readfile("/proc/meminfo", buf, sizeof(buf)) > 0 && !strncmp(buf, "MemTotal:", 9),
	      "/proc/meminfo");
	check(readfile("/proc/self/maps", buf, sizeof(buf)) > 0 && strstr(buf, "[stack]"),
	      "/proc/self/maps has the stack");
	{
		DIR *dp = opendir("/proc/self/fd");
		int found = 0;
		struct dirent *de;
		while (dp && (de = readdir(dp)))
			if (!strcmp(de->d_name, "1"))
				found = 1;
		if (dp)
			closedir(dp);
		check(found, "/proc/self/fd lists fd 1");
	}
	check(access("/etc/hostname", R_OK) == 0, "/etc/hostname exists");
	check(fstat(1, &st) == 0, "fstat stdout");

	/* close_range, O_CLOEXEC */
	fd = open("src", O_RDONLY | O_CLOEXEC);
	check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC");
	check(syscall(SYS_close_range, fd, fd, 4 /* CLOSE_RANGE_CLOEXEC */) == 0, "close_range cloexec");
	check(syscall(SYS_close_range, fd, ~0U, 0) == 0 && ERR(close(fd), EBADF), "close_range");

	/* clean up */
	unlink("src"); unlink("dst"); unlink("l2"); unlink("r4"); unlink("lnk"); unlink("t");
	unlink("c"); unlink("a"); unlink("d/f1"); unlink("d/f2"); unlink("d/r3"); rmdir("d");
	chdir("/");
	check(rmdir("/tmp/fsops") == 0, "cleanup");

	printf("fsops: %d checks, %d failed\n", n, failed);
	return failed ? 1 : 0;
}
