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

/* fs_rename_noreplace - rename FROM to TO unless TO exists; both fsynced */
int
fs_rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == -1) {
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		/* no RENAME_NOREPLACE here: the check and the rename race */
		if (fs_exists(to)) {
			errno = EEXIST;
			return -1;
		}
		if (rename(from, to) == -1)
			return -1;
	}
	if (fs_fsync_parent(to) == -1)
		return -1;
	return fs_fsync_parent(from);
}

/* fs_read_fd - read open regular file FD (at most MAX bytes), FD closed */
static int
fs_read_fd(int fd, size_t max, char **buf, size_t *len)
{
	struct stat st;
	char *data;
	size_t have = 0;
	int err;

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

/* fs_read_at - read regular file NAME in DIRFD (never a link), <= MAX */
int
fs_read_at(int dirfd, const char *name, size_t max, char **buf, size_t *len)
{
	int fd;

	*buf = NULL;
	*len = 0;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	return fs_read_fd(fd, max, buf, len);
}

/* fs_read_file - read a regular file (never through a link), <= MAX bytes */
int
fs_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	return fs_read_at(AT_FDCWD, path, max, buf, len);
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
 * Tree walks. Every walk of credpipe goes through fs_walk: it holds one
 * open directory per level and reaches each entry by its name in the
 * directory above (fstatat, openat with O_NOFOLLOW), never by a path from
 * the top, so a folder somebody renames or swaps for a link while we walk
 * can only make an open fail or hand us another inode of theirs; it can
 * never lead the walk out of the tree. The levels are kept on the heap, at
 * most FS_MAX_DEPTH of them: a tree of any depth costs a fixed amount of
 * memory and no stack, and a deeper one is refused instead of crashing.
 */

/* one open directory of a walk */
struct walk_level {
	DIR *dir;                       /* this directory, being read */
	struct fs_entry entry;          /* its entry in the level above */
	char name[256];
	size_t pathlen;                 /* length of its path from the top */
	struct stat st;
};

/* fs_open_dir_at - open directory NAME in DIRFD, never through a link */
int
fs_open_dir_at(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
}

/* walk_leave - pop LEVEL: the leave callback, then close it */
static int
walk_leave(struct walk_level *level, fs_leave_fn leave, void *ctx)
{
	int rc = 0, err = 0;

	if (leave != NULL && (rc = leave(&level->entry, dirfd(level->dir),
	    ctx)) == -1)
		err = errno;
	closedir(level->dir);
	level->dir = NULL;
	if (rc == -1)
		errno = err;
	return rc;
}

/* fs_walk - visit every entry below directory TOP (see fsutil.h) */
int
fs_walk(int top, fs_visit_fn visit, fs_leave_fn leave, void *ctx)
{
	struct walk_level *levels;
	char path[4096];
	int depth = 0, rc = 0, err = 0, fd;

	levels = calloc(FS_MAX_DEPTH + 1, sizeof *levels);
	if (levels == NULL)
		return -1;
	/* the top is read through its own descriptor: a dup, it stays ours */
	if ((fd = fcntl(top, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (levels[0].dir = fdopendir(fd)) == NULL) {
		err = errno;
		if (fd != -1)
			close(fd);
		free(levels);
		errno = err;
		return -1;
	}
	rewinddir(levels[0].dir);
	path[0] = '\0';
	while (depth >= 0) {
		struct walk_level *here = &levels[depth];
		struct fs_entry e;
		struct dirent *de;
		struct stat st;

		errno = 0;
		if ((de = readdir(here->dir)) == NULL) {
			if (errno != 0) {
				rc = -1;
				err = errno;
				break;
			}
			if (depth > 0 && walk_leave(here, leave, ctx) == -1) {
				rc = -1;
				err = errno;
				break;
			}
			if (depth == 0)
				break;
			depth--;
			path[levels[depth + 1].pathlen] = '\0';
			path[levels[depth].pathlen] = '\0';
			continue;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(here->dir), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)    /* gone meanwhile */
				continue;
			rc = -1;
			err = errno;
			break;
		}
		if (here->pathlen + strlen(de->d_name) + 2 > sizeof path) {
			rc = -1;
			err = ENAMETOOLONG;
			break;
		}
		snprintf(path + here->pathlen, sizeof path - here->pathlen, "%s%s",
		    here->pathlen > 0 ? "/" : "", de->d_name);
		e.dirfd = dirfd(here->dir);
		e.name = de->d_name;
		e.path = path;
		e.st = &st;
		e.depth = depth + 1;
		fd = visit(&e, ctx);
		if (fd == -1) {
			rc = -1;
			err = errno;
			break;
		}
		if (fd < 0) {                   /* FS_WALK_NEXT */
			path[here->pathlen] = '\0';
			continue;
		}
		if (depth + 1 > FS_MAX_DEPTH - 1) {
			/* a visitor must check e->depth; refuse, never grow */
			close(fd);
			rc = -1;
			err = EMLINK;
			break;
		}
		struct walk_level *down = &levels[depth + 1];
		if ((down->dir = fdopendir(fd)) == NULL) {
			rc = -1;
			err = errno;
			close(fd);
			break;
		}
		snprintf(down->name, sizeof down->name, "%s", de->d_name);
		down->st = st;
		down->pathlen = strlen(path);
		down->entry = e;
		down->entry.name = down->name;
		down->entry.st = &down->st;
		/* the parent's fd stays valid: the level above stays open */
		depth++;
	}
	/* on a failure, close what is still open (no leave callbacks) */
	for (int i = depth; i >= 0; i--)
		if (levels[i].dir != NULL)
			closedir(levels[i].dir);
	free(levels);
	if (rc == -1)
		errno = err;
	return rc;
}

/* remove_visit - fs_walk visitor of fs_remove_tree_at: files go now */
static int
remove_visit(const struct fs_entry *e, void *ctx)
{
	(void)ctx;
	if (!S_ISDIR(e->st->st_mode)) {
		if (unlinkat(e->dirfd, e->name, 0) == -1 && errno != ENOENT)
			return -1;
		return FS_WALK_NEXT;
	}
	if (e->depth >= FS_MAX_DEPTH) {
		errno = EMLINK;
		return -1;
	}
	return fs_open_dir_at(e->dirfd, e->name);
}

/* remove_leave - fs_walk leave callback: the emptied directory goes */
static int
remove_leave(const struct fs_entry *e, int fd, void *ctx)
{
	(void)fd;
	(void)ctx;
	if (unlinkat(e->dirfd, e->name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

/* fs_remove_tree_at - remove NAME in DIRFD and all below it, by descriptor */
int
fs_remove_tree_at(int dirfd, const char *name)
{
	struct stat st;
	int fd, rc, err;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0);
	if ((fd = fs_open_dir_at(dirfd, name)) == -1)
		return -1;
	rc = fs_walk(fd, remove_visit, remove_leave, NULL);
	err = errno;
	close(fd);
	if (rc == -1) {
		errno = err;
		return -1;
	}
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

/* fs_remove_tree - remove a tree (only credpipe's own temp copies) */
int
fs_remove_tree(const char *path)
{
	char dir[4096], base[256];
	int fd, rc, err;

	if (split_path(path, dir, sizeof dir, base, sizeof base) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	rc = fs_remove_tree_at(fd, base);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* fs_rename_noreplace_at - renameat that never replaces; both dirs fsynced */
int
fs_rename_noreplace_at(int fromdir, const char *from, int todir,
    const char *to)
{
	struct stat st;

	if (renameat2(fromdir, from, todir, to, RENAME_NOREPLACE) == -1) {
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		/* no RENAME_NOREPLACE here: the check and the rename race */
		if (fstatat(todir, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			errno = EEXIST;
			return -1;
		}
		if (renameat(fromdir, from, todir, to) == -1)
			return -1;
	}
	if (fsync(todir) == -1)
		return -1;
	return fromdir == todir ? 0 : fsync(fromdir);
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
 * flock is held while it lives: a lock we cannot take (for whatever
 * reason) means keep the file. A free lock alone could be a writer
 * between its open and its flock, so the file must also be a whole
 * second old, measured in nanoseconds (not two whole-second stamps, which
 * differ by one a nanosecond after the writer's open), or its pid be gone
 * (a killed process keeps its pid, as a zombie, until it is reaped, but
 * not its locks). On 1 the lock is still held, in *LOCKED: the caller
 * unlinks while holding it and then closes.
 */
static int
temp_writer_gone(int dir, const char *name, long pid, int *locked)
{
	struct timespec now;
	struct stat st;
	int fd;

	*locked = -1;
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode) ||
	    clock_gettime(CLOCK_REALTIME, &now) == -1) {
		close(fd);
		return 0;
	}
	if (fs_pid_alive(pid)) {
		long long age_ns = (long long)(now.tv_sec - st.st_mtim.tv_sec) *
		    1000000000LL + (now.tv_nsec - st.st_mtim.tv_nsec);
		if (age_ns < 1000000000LL) {
			close(fd);
			return 0;
		}
	}
	*locked = fd;
	return 1;
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
		int locked;

		if (strncmp(de->d_name, FS_TEMP_PREFIX, plen) != 0)
			continue;
		pid = strtol(de->d_name + plen, &end, 10);
		if (end == de->d_name + plen || *end != '-')
			continue;
		if (pid == (long)getpid() ||
		    !temp_writer_gone(dirfd(dir), de->d_name, pid, &locked))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) == 0)
			removed++;
		close(locked);
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
