/*
 * home.c - a credpipe HOME: made once by `credpipe init`, required by
 * every other command.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "fsutil.h"
#include "home.h"
#include "log.h"
#include "payload.h"
#include "registry.h"
#include "spool.h"

/* home_initialised - HOME holds the marker of `credpipe init` */
int
home_initialised(const char *home)
{
	char path[4096];
	struct stat st;

	fs_path(path, sizeof path, "%s/%s", home, HOME_MARKER);
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* home_require - 0 for an initialised HOME, else EX_CONFIG after a word */
int
home_require(const struct config *cfg)
{
	if (home_initialised(cfg->home))
		return 0;
	log_warnx("%s: not a credpipe home: run credpipe init --home %s",
	    cfg->home, cfg->home);
	return EX_CONFIG;
}

/*
 * init_leftover - names init itself makes: a directory holding only these
 * is one whose init was interrupted (it writes the marker last), so init
 * may go on there. lost+found is what an empty fresh file system holds.
 */
static int
init_leftover(const char *name)
{
	static const char *const names[] = { "inbox", "out", "spool", "done",
	    "quarantine", "keys", "records.db", "records.db-wal",
	    "records.db-shm", "records.db-journal", "credpipe.conf", "lock",
	    "lost+found", NULL };

	if (strncmp(name, FS_TEMP_PREFIX, strlen(FS_TEMP_PREFIX)) == 0)
		return 1;
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* home_empty - 1 when HOME holds nothing but init's own leftovers */
static int
home_empty(const char *home, const char **stranger)
{
	static char first[256];
	char **names;
	size_t n;
	int empty = 1;

	if (fs_list(home, NULL, NULL, &names, &n) == -1)
		return -1;
	for (size_t i = 0; i < n && empty; i++)
		if (!init_leftover(names[i])) {
			snprintf(first, sizeof first, "%s", names[i]);
			*stranger = first;
			empty = 0;
		}
	fs_list_free(names, n);
	return empty;
}

/* home_config_text - the commented credpipe.conf, malloc'd; NULL on ENOMEM */
char *
home_config_text(const char *group)
{
	const struct config_key *k;
	char *text = NULL;
	size_t len;
	FILE *fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return NULL;
	fprintf(fp,
	    "# credpipe.conf - KEY=value lines; CREDPIPE_KEY in the environment\n"
	    "# and --key on the command line override them (credpipe(1)).\n"
	    "# Every key is listed with its default; an unknown key is an\n"
	    "# error, so a typo never passes unnoticed.\n");
	for (k = config_known_keys(); k->key != NULL; k++) {
		if (strcmp(k->key, "HOME") == 0 || strcmp(k->key, "NOW") == 0)
			continue;       /* set where the file is found / tests */
		fprintf(fp, "\n# %s\n", k->meaning);
		if (strcmp(k->key, "GROUP") == 0 && group[0] != '\0')
			fprintf(fp, "GROUP=%s\n", group);
		else
			fprintf(fp, "#%s=%s\n", k->key, k->fallback);
	}
	if (fclose(fp) == EOF) {
		free(text);
		return NULL;
	}
	return text;
}

/* write_config - HOME/credpipe.conf: every key, commented, with its default */
static int
write_config(const struct config *cfg, const char *group)
{
	char path[4096], *text;
	int rc;

	fs_path(path, sizeof path, "%s/credpipe.conf", cfg->home);
	if (fs_exists(path))
		return 0;       /* an interrupted init wrote it, or the operator */
	if ((text = home_config_text(group)) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	rc = commit_file(path, text, strlen(text), 0600);
	if (rc == -1)
		log_warn("%s", path);
	free(text);
	return rc;
}

/* apply_mode - chmod, and chgrp to GID when GID is not -1 */
static int
apply_mode(const char *path, mode_t mode, gid_t gid)
{
	if (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) == -1) {
		log_warn("%s: chgrp", path);
		return -1;
	}
	if (chmod(path, mode) == -1) {
		log_warn("%s: chmod", path);
		return -1;
	}
	return 0;
}

/* home_apply_modes - private HOME, or the GROUP access rule */
int
home_apply_modes(const struct config *cfg)
{
	static const char *const out_dirs[] = { "", "/results", "/reports",
	    "/notices", "/courier", "/runs", "/publish" };
	gid_t gid = (gid_t)-1;
	char path[4096];

	if (cfg->group[0] != '\0') {
		struct group *gr = getgrnam(cfg->group);

		if (gr == NULL) {
			log_warnx("GROUP: %s: no such group", cfg->group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (gid == (gid_t)-1)
		return apply_mode(cfg->home, 0700, gid);
	/*
	 * The group passes through HOME (x only would do, but operators
	 * find r easier to reason about), writes into inbox/ (setgid, so
	 * dropped folders belong to the group and ingest can claim them),
	 * and reads out/. spool/, keys/, quarantine/, done/ and the
	 * registry keep mode 0700/0600: personal data and signing keys.
	 */
	if (apply_mode(cfg->home, 0750, gid) == -1 ||
	    apply_mode(cfg->inbox, 02770, gid) == -1)
		return -1;
	for (size_t i = 0; i < sizeof out_dirs / sizeof *out_dirs; i++) {
		fs_path(path, sizeof path, "%s%s", cfg->out, out_dirs[i]);
		if (apply_mode(path, 02750, gid) == -1)
			return -1;
	}
	fs_path(path, sizeof path, "%s/credpipe.conf", cfg->home);
	return apply_mode(path, 0640, gid);
}

/* home_init - make HOME, or leave an initialised one alone */
int
home_init(const struct config *cfg, const char *group, int *done)
{
	struct signing_key key;
	struct registry *reg;
	const char *stranger = NULL;
	struct config local = *cfg;
	char path[4096];
	int status, empty;

	*done = 0;
	if (home_initialised(cfg->home)) {
		log_warnx("%s: already a credpipe home: nothing done",
		    cfg->home);
		return 0;
	}
	if (fs_exists(cfg->home) && !fs_is_dir(cfg->home)) {
		log_warnx("%s: exists and is not a directory", cfg->home);
		return EX_CONFIG;
	}
	if (fs_is_dir(cfg->home)) {
		if ((empty = home_empty(cfg->home, &stranger)) == -1) {
			log_warn("%s", cfg->home);
			return exit_for_errno(errno);
		}
		if (!empty) {
			log_warnx("%s: not empty (%s) and not a credpipe home: "
			    "refused; init needs a missing or empty directory",
			    cfg->home, stranger);
			return EX_CONFIG;
		}
	}
	snprintf(local.group, sizeof local.group, "%s", group);
	if (spool_init(&local) == -1) {
		log_warn("%s", cfg->home);
		return exit_for_errno(errno);
	}
	if (keys_load_signing(cfg->home, &key) == -1) {
		log_warnx("%s/keys: cannot make the signing key", cfg->home);
		return EX_SOFTWARE;
	}
	sodium_memzero(&key, sizeof key);
	if ((reg = registry_open(cfg->records, &status)) == NULL) {
		log_warnx("%s: cannot create the registry", cfg->records);
		return status ? status : EX_SOFTWARE;
	}
	registry_close(reg);
	if (write_config(cfg, group) == -1 || home_apply_modes(&local) == -1)
		return exit_for_errno(errno);
	/* the marker last: until it exists, HOME is not one */
	fs_path(path, sizeof path, "%s/%s", cfg->home, HOME_MARKER);
	if (commit_file(path, "credpipe home 1\n", 16, 0600) == -1) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	*done = 1;
	return 0;
}
