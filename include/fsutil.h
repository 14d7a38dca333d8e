/*
 * fsutil.h - the one commit routine and the file helpers around it.
 *
 * Every file that must survive a crash is written through commit_*():
 * create a temp name exclusively (O_EXCL) in the target directory, write
 * (every write checked), fsync, rename over the final name, fsync the
 * directory. A reader therefore sees either the old file or the complete
 * new one, never a part. Temp names start with ".tmp-" so that recovery
 * (fs_sweep_temp) can remove leftovers of a crashed writer.
 */
#ifndef CREDPIPE_FSUTIL_H
#define CREDPIPE_FSUTIL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define FS_TEMP_PREFIX ".tmp-"

struct commit {
	int dirfd;          /* directory of the final name (owned) */
	int fd;             /* the temp file, -1 when closed */
	char dir[4096];     /* directory path, for messages */
	char name[256];     /* final name within dir */
	char temp[256];     /* temp name within dir */
	int failed;         /* a write failed: commit_end refuses */
	int saved_errno;
};

/* commit_begin - open an exclusive temp file beside PATH; 0 or -1/errno */
int commit_begin(struct commit *c, const char *path, mode_t mode);
/* commit_write - append bytes; a failure is remembered for commit_end */
int commit_write(struct commit *c, const void *buf, size_t len);
/* commit_printf - formatted append */
int commit_printf(struct commit *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* commit_end - fsync, rename into place, fsync the dir; 0 or -1/errno */
int commit_end(struct commit *c);
/* commit_abort - remove the temp file; the final name is untouched */
void commit_abort(struct commit *c);
/* commit_file - the whole routine for a buffer already in memory */
int commit_file(const char *path, const void *buf, size_t len, mode_t mode);
/* commit_file_noreplace - as commit_file, but EEXIST if PATH exists */
int commit_file_noreplace(const char *path, const void *buf, size_t len,
    mode_t mode);

/* fs_fsync_dir - fsync the directory at PATH */
int fs_fsync_dir(const char *path);
/* fs_fsync_parent - fsync the directory containing PATH */
int fs_fsync_parent(const char *path);
/* fs_mkdirs - mkdir -p; new dirs get exactly MODE, existing ones stay */
int fs_mkdirs(const char *path, mode_t mode);
/* fs_rename_durable - rename, then fsync both parent directories */
int fs_rename_durable(const char *from, const char *to);
/* fs_rename_noreplace - rename FROM to TO unless TO exists (EEXIST, or
 * ENOTEMPTY for a directory); both parents fsynced */
int fs_rename_noreplace(const char *from, const char *to);
/*
 * fs_read_file - read a regular file (never through a symlink) of at most
 * MAX bytes into a malloc'd, NUL-terminated buffer. -1 with errno: ELOOP
 * for a link, EFTYPE-like EINVAL for a non-regular file, EFBIG when larger.
 */
int fs_read_file(const char *path, size_t max, char **buf, size_t *len);
/* fs_exists - lstat succeeds */
int fs_exists(const char *path);
/* fs_is_dir - lstat says directory (links are not followed) */
int fs_is_dir(const char *path);
/*
 * Tree walks (fs_walk) go by descriptor and are bounded: at most
 * FS_MAX_DEPTH levels of folders, the top one counted (a dossier needs
 * one). A deeper tree is refused, never recursed into.
 */
#define FS_MAX_DEPTH 16
/* what fs_walk hands a visitor: one entry, reached by name in DIRFD */
struct fs_entry {
	int dirfd;              /* the directory that holds the entry */
	const char *name;       /* its name there */
	const char *path;       /* its path below the top, for messages */
	const struct stat *st;  /* fstatat, links not followed */
	int depth;              /* 1: an entry of the top directory */
};
#define FS_WALK_NEXT (-2)
/*
 * fs_visit_fn - called for every entry but "." and "..": return an open
 * descriptor of the directory E to walk into it (only when E->depth <
 * FS_MAX_DEPTH; fs_open_dir_at opens one safely), FS_WALK_NEXT to go on,
 * -1 (errno set) to stop the walk.
 */
typedef int (*fs_visit_fn)(const struct fs_entry *e, void *ctx);
/* fs_leave_fn - called after the entries of directory E (open as FD) */
typedef int (*fs_leave_fn)(const struct fs_entry *e, int fd, void *ctx);
/*
 * fs_walk - visit the tree below the open directory TOP depth first,
 * iteratively, by descriptor: VISIT for each entry, LEAVE (may be NULL)
 * after each directory walked into. 0, or -1/errno from a callback or
 * from reading (EMLINK for a walk deeper than FS_MAX_DEPTH).
 */
int fs_walk(int top, fs_visit_fn visit, fs_leave_fn leave, void *ctx);
/* fs_open_dir_at - open directory NAME in DIRFD, never through a link */
int fs_open_dir_at(int dirfd, const char *name);
/*
 * fs_remove_tree_at - remove NAME in DIRFD and everything below it, by
 * descriptor, links removed and never followed; a missing NAME is done.
 * 0, or -1/errno (EMLINK: deeper than FS_MAX_DEPTH; part may be gone).
 */
int fs_remove_tree_at(int dirfd, const char *name);
/* fs_remove_tree - fs_remove_tree_at on PATH (credpipe's own trees) */
int fs_remove_tree(const char *path);
/*
 * fs_rename_noreplace_at - renameat that fails with EEXIST rather than
 * replace TO; both directories fsynced. 0 or -1/errno.
 */
int fs_rename_noreplace_at(int fromdir, const char *from, int todir,
    const char *to);
/*
 * fs_read_at - fs_read_file of NAME in directory DIRFD (AT_FDCWD: a path)
 */
int fs_read_at(int dirfd, const char *name, size_t max, char **buf,
    size_t *len);
/*
 * fs_list - the names in directory PATH (not "." and "..") that KEEP
 * accepts (NULL: all), sorted in byte order, into a malloc'd array; free
 * it with fs_list_free. 0, or -1/errno (ENOENT when PATH is missing).
 */
typedef int (*fs_list_keep)(const char *dir, const char *name, void *ctx);
int fs_list(const char *path, fs_list_keep keep, void *ctx, char ***names,
    size_t *n);
/* fs_list_free - release what fs_list returned */
void fs_list_free(char **names, size_t n);
/*
 * fs_pid_alive - process PID runs: a killed process that is not yet
 * reaped (a zombie) keeps its pid but does not run, so kill(pid, 0)
 * alone would keep its leftovers forever where nothing reaps quickly.
 */
int fs_pid_alive(long pid);
/* fs_sweep_temp - remove FS_TEMP_PREFIX files left in DIR by a crash */
int fs_sweep_temp(const char *dir);
/* fs_path - snprintf into BUF, fatal on truncation (paths never truncate) */
char *fs_path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
