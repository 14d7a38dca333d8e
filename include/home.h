/*
 * home.h - a credpipe HOME: made once by `credpipe init`, required by
 * every other command.
 *
 * HOME is initialised when it holds the marker file HOME/.credpipe,
 * written last by home_init. A program that finds no marker refuses to
 * run (78) and creates nothing, so that a mistyped --home never becomes
 * a second, empty installation.
 */
#ifndef CREDPIPE_HOME_H
#define CREDPIPE_HOME_H

#include "config.h"

#define HOME_MARKER ".credpipe"

/* home_initialised - HOME holds the marker of `credpipe init` */
int home_initialised(const char *home);
/*
 * home_require - 0 when CFG's HOME was initialised; otherwise say so
 * ("not a credpipe home: run credpipe init --home H") and return
 * EX_CONFIG.
 */
int home_require(const struct config *cfg);
/*
 * home_init - make CFG's HOME in a missing or empty directory: the
 * directories, the signing key, the registry, a commented credpipe.conf
 * listing every key with its default (GROUP set to GROUP when not ""),
 * then the marker. An initialised HOME is left as it is (*done = 0,
 * returns 0); a non-empty directory that is not a credpipe home is
 * refused (EX_CONFIG). Returns 0 or a sysexits status, after saying
 * why.
 */
int home_init(const struct config *cfg, const char *group, int *done);
/* home_config_text - the commented credpipe.conf init writes (malloc'd) */
char *home_config_text(const char *group);
/*
 * home_apply_modes - the modes of SPEC's access rule: everything private
 * to HOME's owner, or with GROUP (config) HOME 0750, out/ readable by the
 * group (directories setgid 2750), inbox/ writable by it (2770). 0 or -1.
 */
int home_apply_modes(const struct config *cfg);

#endif
