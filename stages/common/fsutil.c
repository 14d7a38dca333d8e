/*
 * fsutil.c - the one commit routine, and the file helpers around it.
 *
 * Why the commit routine is crash safe: the data is written to a fresh
 * temp name (O_EXCL, so two writers never share one), fsynced, and only
 * then renamed over the final name. rename(2) within a directory is
 * atomic, so after a crash the final name holds either the previous
 * complete file or the new complete file. The directory is fsynced after
 * the rename so that the new name itself survives a power loss. A crash
 * before the rename leaves only a ".tmp-<pid>-..." file, which
 * fs_sweep_temp() removes once its writer is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"

/*
 * Temp names are pid + sequence. decode, check and typeset commit from
 * several threads at once: a plain increment is a data race, and two
 * threads could build the same name (O_EXCL would then only turn it into
 * a retry). An atomic counter gives every thread a name of its own.
 */
static atomic_ulong temp_sequence;

/* split_path - directory and base name of PATH */
static int
split_path(const char *path, char *dir, size_t dsize, char *base,
    size_t bsize)
{
	const char *slash = strrchr(path, '/');
	size_t dlen;

	if (slash == NULL) {
		if (snprintf(dir, dsize, ".") >= (int)dsize)
			return -1;
		slash = path - 1;
	} else {
		dlen = (size_t)(slash - path);
		if (dlen == 0)
			dlen = 1;       /* "/name" */
		if (dlen >= dsize)
			return -1;
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	if (snprintf(base, bsize, "%s", slash + 1) >= (int)bsize ||
	    base[0] == '\0')
		return -1;
	return 0;
}

/* commit_begin - open an exclusive temp file beside PATH */
int
commit_begin(struct commit *c, const char *path, mode_t mode)
{
	int tries;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->dirfd = -1;
	if (split_path(path, c->dir, sizeof c->dir, c->name,
	    sizeof c->name) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd == -1)
		return -1;
	for (tries = 0; tries < 100; tries++) {
		snprintf(c->temp, sizeof c->temp, "%s%ld-%lu",
		    FS_TEMP_PREFIX, (long)getpid(),
		    atomic_fetch_add(&temp_sequence, 1) + 1);
		c->fd = openat(c->dirfd, c->temp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (c->fd != -1) {
			/*
			 * The lock says "my writer lives" to fs_sweep_temp;
			 * the kernel drops it the moment the writer dies,
			 * even before its pid is reaped.
			 */
			flock(c->fd, LOCK_EX | LOCK_NB);
			/* the exact mode, whatever the umask: out/ is 0640 */
			if (fchmod(c->fd, mode) == -1) {
				c->failed = 1;
				c->saved_errno = errno;
			}
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	int err = errno;
	close(c->dirfd);
	c->dirfd = -1;
	errno = err;
	return -1;
}

/* commit_write - append bytes; a failure is remembered for commit_end */
int
commit_write(struct commit *c, const void *buf, size_t len)
{
	const char *p = buf;

	if (c->failed)
		return -1;
	while (len > 0) {
		ssize_t n = write(c->fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			c->failed = 1;
			c->saved_errno = errno;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* commit_printf - formatted append */
int
commit_printf(struct commit *c, const char *fmt, ...)
{
	char small[1024], *big = NULL;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		c->failed = 1;
		c->saved_errno = EINVAL;
		return -1;
	}
	if ((size_t)n < sizeof small)
		return commit_write(c, small, (size_t)n);
	big = malloc((size_t)n + 1);
	if (big == NULL) {
		c->failed = 1;
		c->saved_errno = ENOMEM;
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = commit_write(c, big, (size_t)n);
	free(big);
	return rc;
}

/* commit_finish - fsync and rename (or link, for no-replace) into place */
static int
commit_finish(struct commit *c, int noreplace)
{
	int err;

	if (c->failed) {
		err = c->saved_errno;
		commit_abort(c);
		errno = err;
		return -1;
	}
	if (fsync(c->fd) == -1 || close(c->fd) == -1) {
		c->fd = -1;
		goto fail;
	}
	c->fd = -1;
	if (noreplace) {
		if (renameat2(c->dirfd, c->temp, c->dirfd, c->name,
		    RENAME_NOREPLACE) == -1) {
			if (errno != EINVAL && errno != ENOSYS)
				goto fail;
			/* file system without RENAME_NOREPLACE: link() */
			if (linkat(c->dirfd, c->temp, c->dirfd, c->name, 0) == -1)
				goto fail;
			unlinkat(c->dirfd, c->temp, 0);
		}
	} else if (renameat(c->dirfd, c->temp, c->dirfd, c->name) == -1)
		goto fail;
	if (fsync(c->dirfd) == -1) {
		err = errno;
		close(c->dirfd);
		c->dirfd = -1;
		errno = err;
		return -1;
	}
	close(c->dirfd);
	c->dirfd = -1;
	return 0;
fail:
	err = errno;
	commit_abort(c);
	errno = err;
	return -1;
}

/* commit_end - fsync, rename into place, fsync the dir */
int
commit_end(struct commit *c)
{
	return commit_finish(c, 0);
}

/* commit_abort - remove the temp file; the final name is untouched */
void
commit_abort(struct commit *c)
{
	int err = errno;

	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->dirfd != -1) {
		unlinkat(c->dirfd, c->temp, 0);
		close(c->dirfd);
		c->dirfd = -1;
	}
	errno = err;
}

/* commit_file_mode - begin, write, finish */
static int
commit_file_mode(const char *path, const void *buf, size_t len, mode_t mode,
    int noreplace)
{
	struct commit c;

	if (commit_begin(&c, path, mode) == -1)
		return -1;
	commit_write(&c, buf, len);
	return commit_finish(&c, noreplace);
}

/* commit_file - the whole routine for a buffer already in memory */
int
commit_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	return commit_file_mode(path, buf, len, mode, 0);
}

/* commit_file_noreplace - as commit_file, but EEXIST if PATH exists */
int
commit_file_noreplace(const char *path, const void *buf, size_t len,
    mode_t mode)
{
	return commit_file_mode(path, buf, len, mode, 1);
}

/* fs_fsync_dir - fsync the directory at PATH */
int
fs_fsync_dir(const char *path)
{
	int fd, rc, err;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* fs_fsync_parent - fsync the directory containing PATH */
int
fs_fsync_parent(const char *path)
{
	char dir[4096], base[256];

	if (split_path(path, dir, sizeof dir, base, sizeof base) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return fs_fsync_dir(dir);
}

/* fs_mkdirs - mkdir -p; new dirs get exactly MODE, existing ones stay */
int
fs_mkdirs(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == 0)
			chmod(buf, mode);       /* exact, whatever the umask */
		else if (errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) == 0)
		return chmod(buf, mode);
	if (errno != EEXIST)
		return -1;
	if (!fs_is_dir(buf)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* fs_rename_durable - rename, then fsync both parent directories */
int
fs_rename_durable(const char *from, const char *to)
{
	if (rename(from, to) == -1)
		return -1;
	if (fs_fsync_parent(to) == -1)
		return -1;
	return fs_fsync_parent(from);
}

/* fs_read_file - read a regular file (never through a link), <= MAX bytes */
int
fs_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	struct stat st;
	char *data;
	size_t have = 0;
	int fd, err;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if ((unsigned long long)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	data = malloc((size_t)st.st_size + 1);
	if (data == NULL)
		goto fail;
	/* Read at most MAX + 1 bytes: a file growing under us is too big. */
	while (have <= (size_t)st.st_size) {
		ssize_t n = read(fd, data + have, (size_t)st.st_size + 1 - have);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err = errno;
			free(data);
			close(fd);
			errno = err;
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	if (have > (size_t)st.st_size) {
		free(data);
		errno = EFBIG;
		return -1;
	}
	data[have] = '\0';
	*buf = data;
	*len = have;
	return 0;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* fs_exists - lstat succeeds */
int
fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* fs_is_dir - lstat says directory (links are not followed) */
int
fs_is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* copy_regular - copy one regular file with its mode and mtime, fsynced */
static int
copy_regular(const char *from, const char *to, const struct stat *st)
{
	char buf[65536];
	int in, out, err;
	ssize_t n;

	in = open(from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in == -1)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    st->st_mode & 0777);
	if (out == -1)
		goto fail_in;
	for (;;) {
		n = read(in, buf, sizeof buf);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w == -1) {
				if (errno == EINTR)
					continue;
				goto fail;
			}
			off += w;
		}
	}
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	if (futimens(out, times) == -1 || fsync(out) == -1)
		goto fail;
	if (close(out) == -1) {
		out = -1;
		goto fail;
	}
	close(in);
	return 0;
fail:
	err = errno;
	if (out != -1)
		close(out);
	close(in);
	errno = err;
	return -1;
fail_in:
	err = errno;
	close(in);
	errno = err;
	return -1;
}

/* fs_copy_tree - copy a tree without following links, everything fsynced */
int
fs_copy_tree(const char *from, const char *to)
{
	struct stat st;
	struct dirent *de;
	DIR *dir;
	int rc = 0, err = 0;

	if (lstat(from, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (mkdir(to, 0700) == -1)
		return -1;
	dir = opendir(from);
	if (dir == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		char src[4096], dst[4096];
		struct stat est;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(src, sizeof src, "%s/%s", from,
		    de->d_name) >= sizeof src ||
		    (size_t)snprintf(dst, sizeof dst, "%s/%s", to,
		    de->d_name) >= sizeof dst) {
			err = ENAMETOOLONG;
			rc = -1;
			break;
		}
		if (lstat(src, &est) == -1) {
			err = errno;
			rc = -1;
			break;
		}
		if (S_ISREG(est.st_mode))
			rc = copy_regular(src, dst, &est);
		else if (S_ISDIR(est.st_mode))
			rc = fs_copy_tree(src, dst);
		else if (S_ISLNK(est.st_mode)) {
			char target[4096];
			ssize_t n = readlink(src, target, sizeof target - 1);
			if (n == -1)
				rc = -1;
			else {
				target[n] = '\0';
				rc = symlink(target, dst);
			}
		} else if (S_ISFIFO(est.st_mode))
			rc = mkfifo(dst, est.st_mode & 0777);
		else {
			errno = ENOTSUP;        /* devices, sockets */
			rc = -1;
		}
		if (rc == -1) {
			err = errno;
			break;
		}
	}
	closedir(dir);
	if (rc == 0) {
		struct timespec times[2] = { st.st_atim, st.st_mtim };
		utimensat(AT_FDCWD, to, times, AT_SYMLINK_NOFOLLOW);
		rc = fs_fsync_dir(to);
		if (rc == -1)
			err = errno;
	}
	if (rc == -1)
		errno = err;
	return rc;
}

/* compare_names - qsort strings in byte order */
static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* fs_list - the accepted names of a directory, in byte order */
int
fs_list(const char *path, fs_list_keep keep, void *ctx, char ***names,
    size_t *n)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;
	int err;

	*names = NULL;
	*n = 0;
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (keep != NULL && !keep(path, de->d_name, ctx))
			continue;
		if (*n == cap) {
			char **grown;

			cap = cap ? cap * 2 : 64;
			if ((grown = realloc(*names, cap * sizeof **names)) ==
			    NULL)
				goto fail;
			*names = grown;
		}
		if (((*names)[*n] = strdup(de->d_name)) == NULL)
			goto fail;
		(*n)++;
	}
	closedir(dir);
	if (*n > 1)     /* qsort(NULL, 0, ...) is undefined */
		qsort(*names, *n, sizeof **names, compare_names);
	return 0;
fail:
	err = errno;
	closedir(dir);
	fs_list_free(*names, *n);
	*names = NULL;
	*n = 0;
	errno = err;
	return -1;
}

/* fs_list_free - release what fs_list returned */
void
fs_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * each_entry - call FN(DIR/name, CTX) for every entry of directory DIR but
 * "." and ".."; at a failure stop (-1, errno kept), or with KEEP_GOING
 * visit the rest and return -1 at the end.
 */
static int
each_entry(const char *path, int (*fn)(const char *, void *), void *ctx,
    int keep_going)
{
	struct dirent *de;
	DIR *dir;
	int rc = 0, err = 0;

	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		char sub[4096];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path,
		    de->d_name) >= sizeof sub)
			errno = ENAMETOOLONG;
		else if (fn(sub, ctx) == 0)
			continue;
		rc = -1;
		err = errno;
		if (!keep_going)
			break;
	}
	closedir(dir);
	if (rc == -1)
		errno = err;
	return rc;
}

/* private_entry - each_entry callback of fs_private_tree */
static int
private_entry(const char *path, void *ctx)
{
	(void)ctx;
	return fs_private_tree(path);
}

/* fs_private_tree - chmod go-rwx through a tree, links never followed */
int
fs_private_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return -1;
	if (S_ISLNK(st.st_mode) || !(S_ISDIR(st.st_mode) ||
	    S_ISREG(st.st_mode)))
		return 0;
	if ((st.st_mode & 077) != 0 && chmod(path, st.st_mode & 0700) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	return each_entry(path, private_entry, NULL, 1);
}

/* remove_entry - each_entry callback of fs_remove_tree */
static int
remove_entry(const char *path, void *ctx)
{
	(void)ctx;
	return fs_remove_tree(path);
}

/* fs_remove_tree - remove a tree (only credpipe's own temp copies) */
int
fs_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if (each_entry(path, remove_entry, NULL, 0) == -1)
		return -1;
	return rmdir(path);
}

/* fs_pid_alive - PID runs (a zombie, killed but not yet reaped, does not) */
int
fs_pid_alive(long pid)
{
	char path[64], buf[512];
	const char *paren;
	ssize_t n;
	int fd;

	if (pid <= 0 || kill((pid_t)pid, 0) == -1)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return !(paren != NULL && (paren[2] == 'Z' || paren[2] == 'X'));
}

/*
 * temp_writer_gone - is the writer of temp file NAME (in DIR) gone? Its
 * flock is held while it lives. A free lock alone could be a writer
 * between its open and its flock, so the file must also be older than a
 * second or its pid be gone (a killed process keeps its pid, as a
 * zombie, until it is reaped, but not its locks).
 */
static int
temp_writer_gone(int dir, const char *name, long pid)
{
	struct stat st;
	int fd, locked;

	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return 0;
	locked = flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK;
	if (locked || fstat(fd, &st) == -1) {
		close(fd);
		return 0;
	}
	close(fd);
	if (!fs_pid_alive(pid))
		return 1;
	return time(NULL) - st.st_mtime >= 1;
}

/* fs_sweep_temp - remove temp files of writers that are gone */
int
fs_sweep_temp(const char *path)
{
	size_t plen = strlen(FS_TEMP_PREFIX);
	struct dirent *de;
	DIR *dir;
	int removed = 0;

	dir = opendir(path);
	if (dir == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(dir)) != NULL) {
		long pid;
		char *end;

		if (strncmp(de->d_name, FS_TEMP_PREFIX, plen) != 0)
			continue;
		pid = strtol(de->d_name + plen, &end, 10);
		if (end == de->d_name + plen || *end != '-')
			continue;
		if (pid == (long)getpid() ||
		    !temp_writer_gone(dirfd(dir), de->d_name, pid))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) == 0)
			removed++;
	}
	closedir(dir);
	return removed;
}

/* fs_path - snprintf into BUF, fatal on truncation */
char *
fs_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		fatalx(EX_SOFTWARE, "path too long: %.64s...", buf);
	return buf;
}
