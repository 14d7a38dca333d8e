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
 * fs_copy_tree - copy directory FROM to TO (which must not exist): regular
 * files byte for byte with their mtimes, symlinks as symlinks (never
 * followed), subdirectories recursively; every file and directory fsynced.
 */
int fs_copy_tree(const char *from, const char *to);
/*
 * fs_private_tree - take group and other permissions away from every
 * directory and regular file of a tree (links are never followed): a
 * claimed dossier is personal data, private under HOME whatever modes
 * the operator's folder had.
 */
int fs_private_tree(const char *path);
/* fs_remove_tree - remove a tree (only credpipe's own temp copies) */
int fs_remove_tree(const char *path);
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
