/*
 * spool.c - the dossier's directories, and moving it between them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "spool.h"

/* id_valid - [A-Z][0-9A-Z]{5,39} */
int
id_valid(const char *id)
{
	size_t len = strlen(id);

	if (len < 6 || len > ID_MAX || id[0] < 'A' || id[0] > 'Z')
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!((id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9')))
			return 0;
	return 1;
}

/* is_alnum - ASCII letter or digit */
static int
is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

/* attachment_name_valid - [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
int
attachment_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len > 64 || !is_alnum(name[0]))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!is_alnum(name[i]) && name[i] != '.' && name[i] != '_' &&
		    name[i] != '-')
			return 0;
	return 1;
}

/* spool_init - create HOME's directories */
int
spool_init(const struct config *cfg)
{
	static const char *private_dirs[] = { "spool", "done", "quarantine",
	                                      "keys" };
	static const char *out_dirs[] = { "results", "reports", "notices",
	                                  "courier", "runs", "publish" };
	char path[4096];

	if (fs_mkdirs(cfg->home, 0700) == -1)
		return -1;
	for (size_t i = 0; i < sizeof private_dirs / sizeof *private_dirs;
	    i++)
		if (fs_mkdirs(fs_path(path, sizeof path, "%s/%s", cfg->home,
		    private_dirs[i]), 0700) == -1)
			return -1;
	if (fs_mkdirs(cfg->inbox, 0700) == -1)
		return -1;
	/* with GROUP, out/ keeps the setgid bit credpipe init gave it */
	mode_t out_mode = cfg->group[0] != '\0' ? 02750 : 0750;

	if (fs_mkdirs(cfg->out, 0750) == -1)
		return -1;
	chmod(cfg->out, out_mode);
	for (size_t i = 0; i < sizeof out_dirs / sizeof *out_dirs; i++) {
		fs_path(path, sizeof path, "%s/%s", cfg->out, out_dirs[i]);
		if (fs_mkdirs(path, 0750) == -1)
			return -1;
		chmod(path, out_mode);
	}
	return 0;
}

/* sweep_count - fs_sweep_temp, errors only logged: sweeping is cleanup */
static int
sweep_count(const char *dir)
{
	int n = fs_sweep_temp(dir);

	if (n == -1) {
		log_warn("%s: cannot sweep temp files", dir);
		return 0;
	}
	return n;
}

/* spool_locate - find dossier ID; its directory into DIR */
enum spool_place
spool_locate(const struct config *cfg, const char *id, char *dir,
    size_t size)
{
	static const struct { const char *name; enum spool_place place; }
	    places[] = { { "spool", SPOOL_ACTIVE }, { "done", SPOOL_DONE },
	                 { "quarantine", SPOOL_QUARANTINE } };

	if (!id_valid(id))
		return SPOOL_NONE;
	for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
		fs_path(dir, size, "%s/%s/%s", cfg->home, places[i].name, id);
		if (fs_is_dir(dir)) {
			/*
			 * A stage killed mid-commit left a temp file here;
			 * the stage now about to work on this dossier sweeps
			 * it, so none travels on with the dossier (writers
			 * that live hold their temp's lock: kept).
			 */
			sweep_count(dir);
			return places[i].place;
		}
	}
	dir[0] = '\0';
	return SPOOL_NONE;
}

/* spool_state_path - DIR/STAGE.xml (or DIR/claim for stage "claim") */
char *
spool_state_path(const char *dir, const char *stage, char *buf, size_t size)
{
	if (strcmp(stage, "claim") == 0)
		return fs_path(buf, size, "%s/claim", dir);
	return fs_path(buf, size, "%s/%s.xml", dir, stage);
}

/* spool_has_state - that stage's result file exists in DIR */
int
spool_has_state(const char *dir, const char *stage)
{
	char path[4096];

	return fs_exists(spool_state_path(dir, stage, path, sizeof path));
}

/* spool_files_path - DIR/files/NAME (NAME may be NULL: the folder) */
char *
spool_files_path(const char *dir, const char *name, char *buf, size_t size)
{
	if (name == NULL)
		return fs_path(buf, size, "%s/files", dir);
	return fs_path(buf, size, "%s/files/%s", dir, name);
}

/* write_reason - commit REASON as DIR/REASON */
static int
write_reason(const char *dir, const char *reason)
{
	char path[4096];
	size_t len = strlen(reason);
	int rc;

	fs_path(path, sizeof path, "%s/REASON", dir);
	if (len > 0 && reason[len - 1] == '\n')
		return commit_file(path, reason, len, 0600);
	char *buf = malloc(len + 2);
	if (buf == NULL)
		return -1;
	memcpy(buf, reason, len);
	buf[len] = '\n';
	rc = commit_file(path, buf, len + 1, 0600);
	free(buf);
	return rc;
}

/* spool_finish - move HOME/spool/ID to done/ or quarantine/ */
int
spool_finish(const struct config *cfg, const char *id, enum spool_place to,
    const char *reason)
{
	char from[4096], dest[4096];

	if (!id_valid(id)) {
		errno = EINVAL;
		return -1;
	}
	fs_path(from, sizeof from, "%s/spool/%s", cfg->home, id);
	fs_path(dest, sizeof dest, "%s/%s/%s", cfg->home,
	    to == SPOOL_DONE ? "done" : "quarantine", id);
	if (!fs_is_dir(from))
		return fs_is_dir(dest) ? 0 : (errno = ENOENT, -1);
	if (to == SPOOL_QUARANTINE && write_reason(from,
	    reason ? reason : "quarantined") == -1)
		return -1;
	/*
	 * An older dossier of the same id may lie there: keep both, under
	 * the first free name. Each try is one rename that never replaces,
	 * so neither a name taken meanwhile nor the last name tried is ever
	 * renamed over.
	 */
	for (int n = 1; n < 10000; n++) {
		if (n > 1)
			fs_path(dest, sizeof dest, "%s/%s/%s~%d", cfg->home,
			    to == SPOOL_DONE ? "done" : "quarantine", id, n);
		if (fs_rename_noreplace(from, dest) == 0)
			return 0;
		if (errno != EEXIST && errno != ENOTEMPTY)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* quarantine_dir - move SRC to HOME/quarantine/<BASE>[~n] with REASON */
int
quarantine_dir(const struct config *cfg, const char *src, const char *base,
    const char *reason, char *name_out, size_t size)
{
	char dest[4096], name[512];

	if (write_reason(src, reason) == -1)
		return -1;
	/* as in spool_finish: never renamed over a name, the last included */
	for (int n = 1; n < 100000; n++) {
		if (n == 1)
			snprintf(name, sizeof name, "%s", base);
		else
			snprintf(name, sizeof name, "%s~%d", base, n);
		fs_path(dest, sizeof dest, "%s/quarantine/%s", cfg->home, name);
		if (fs_rename_noreplace(src, dest) == 0) {
			if (name_out != NULL)
				snprintf(name_out, size, "%s", name);
			return 0;
		}
		if (errno != EEXIST && errno != ENOTEMPTY)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* spool_sweep - remove temp files of writers killed mid-commit */
int
spool_sweep(const struct config *cfg)
{
	static const char *out_dirs[] = { "results", "reports", "notices",
	                                   "runs" };
	static const char *home_dirs[] = { "keys", "keys/trusted" };
	char path[4096];
	struct dirent *de;
	DIR *dir;
	int removed = 0;

	for (size_t i = 0; i < sizeof home_dirs / sizeof *home_dirs; i++)
		removed += sweep_count(fs_path(path, sizeof path, "%s/%s",
		    cfg->home, home_dirs[i]));

	fs_path(path, sizeof path, "%s/spool", cfg->home);
	removed += sweep_count(path);
	if ((dir = opendir(path)) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			char sub[4096];

			if (!id_valid(de->d_name))
				continue;
			fs_path(sub, sizeof sub, "%s/%s", path, de->d_name);
			if (fs_is_dir(sub))
				removed += sweep_count(sub);
		}
		closedir(dir);
	}
	for (size_t i = 0; i < sizeof out_dirs / sizeof *out_dirs; i++)
		removed += sweep_count(fs_path(path, sizeof path, "%s/%s",
		    cfg->out, out_dirs[i]));
	return removed;
}

/* the filter of list_ids: an id-named directory WANTED accepts */
struct id_filter {
	int (*wanted)(const char *dir);
};

/* keep_id_dir - fs_list filter: NAME is a dossier directory wanted */
static int
keep_id_dir(const char *dir, const char *name, void *ctx)
{
	const struct id_filter *f = ctx;
	char sub[4096];

	if (!id_valid(name))
		return 0;
	fs_path(sub, sizeof sub, "%s/%s", dir, name);
	return fs_is_dir(sub) && (f->wanted == NULL || f->wanted(sub));
}

/*
 * list_ids - sorted ids of the directories HOME/<place>/<id> for which
 * WANTED(dir) is true (NULL: all).
 */
static int
list_ids(const struct config *cfg, const char *place,
    int (*wanted)(const char *dir), char ***ids, size_t *n)
{
	struct id_filter f = { wanted };
	char path[4096];

	fs_path(path, sizeof path, "%s/%s", cfg->home, place);
	if (fs_list(path, keep_id_dir, &f, ids, n) == -1)
		return errno == ENOENT ? 0 : -1;
	return 0;
}

/* spool_list - ids of HOME/spool/<id>, sorted */
int
spool_list(const struct config *cfg, char ***ids, size_t *n)
{
	return list_ids(cfg, "spool", NULL, ids, n);
}

/* notice_pending - a rejected dossier whose typeset has not finished */
static int
notice_pending(const char *dir)
{
	return !spool_has_state(dir, "typeset") &&
	    (spool_has_state(dir, "validate") || spool_has_state(dir, "check"));
}

/* spool_list_notice_pending - quarantined ids still owed their notice */
int
spool_list_notice_pending(const struct config *cfg, char ***ids, size_t *n)
{
	return list_ids(cfg, "quarantine", notice_pending, ids, n);
}

/* stage_read_id - read the next id line from stdin; 1, 0 at EOF */
int
stage_read_id(char *id, size_t size)
{
	while (fgets(id, (int)size, stdin) != NULL) {
		size_t len = strcspn(id, "\r\n");

		if (id[len] == '\0' && !feof(stdin)) {
			/* an over-long line: skip the rest of it */
			int ch;
			while ((ch = getchar()) != EOF && ch != '\n')
				;
			log_warnx("ignoring an over-long input line");
			continue;
		}
		id[len] = '\0';
		if (id[0] == '\0')
			continue;
		return 1;
	}
	return 0;
}

/* stage_emit - write ID and a newline to stdout, flushed */
void
stage_emit(const char *id)
{
	if (printf("%s\n", id) < 0 || fflush(stdout) == EOF)
		fatal_stdout();
}
