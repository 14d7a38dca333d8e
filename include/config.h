/*
 * config.h - options of every program (SPEC §1).
 *
 * Each option is a KEY: set on the command line as --key value (key in
 * lower case, '_' as '-'), in the environment as CREDPIPE_KEY, or in the
 * config file as KEY=value (file: --config, else $CREDPIPE_HOME/credpipe.conf
 * if present). Command line wins over environment over file over default.
 * A file may set only the keys of config_known_keys(); every other key is
 * a configuration error. Keys a program does not resolve (SENDER_NAME,
 * ...) are kept and can be read with config_get().
 */
#ifndef CREDPIPE_CONFIG_H
#define CREDPIPE_CONFIG_H

#include <getopt.h>
#include <time.h>

#define CONFIG_MAX_ENTRIES 64
/* HOME when neither --home nor CREDPIPE_HOME names one */
#define CONFIG_DEFAULT_HOME "/var/lib/credpipe"

/* one key a configuration file may set */
struct config_key {
	const char *key;
	const char *fallback;   /* the default, as a person reads it */
	const char *meaning;
};
#define CONFIG_WORKER_MEMORY_MB 1024UL
#define CONFIG_WORKER_TIME 60

struct config_entry {
	char *key;          /* upper case, '_' separated */
	char *value;
	int source;         /* CONFIG_FROM_* */
};

enum { CONFIG_FROM_DEFAULT, CONFIG_FROM_FILE, CONFIG_FROM_ENV,
       CONFIG_FROM_ARGS };

struct config {
	/* resolved values, valid after config_parse() returned >= 0 */
	char home[4096];
	char inbox[4096];
	char out[4096];
	char records[4096];
	char font[4096];        /* "" = find with fontconfig */
	char verify_url[1024];
	int jobs;
	time_t now;
	int now_given;          /* --now was set (else the system clock) */
	long settle;            /* seconds */
	long incomplete_after;  /* seconds */
	int tz;                 /* minutes east of UTC */
	int batch_size;
	int verbosity;          /* enum log_level */
	char group[256];        /* GROUP: "" = HOME private to its owner */
	int log_syslog;         /* LOG=syslog */
	int deadline_days;      /* DEADLINE_DAYS */
	/* parsers of untrusted content in workers (sandbox.h) */
	int workers;                    /* WORKERS: 1 (default) or 0 */
	unsigned long worker_memory_mb; /* WORKER_MEMORY: MB per worker */
	unsigned worker_time;           /* WORKER_TIME: seconds per item */
	char worker_user[64];           /* WORKER_USER: when run as root */
	int help;               /* --help was given */
	int version;            /* --version was given */

	struct config_entry entries[CONFIG_MAX_ENTRIES];
	int nentries;
};

/*
 * config_extra_fn - called for a program's own options (those in EXTRA of
 * config_parse); return 0, or -1 for a usage error.
 */
typedef int (*config_extra_fn)(int opt, const char *arg, void *ctx);

/*
 * config_parse - read defaults, file, environment and ARGV (getopt_long,
 * options may stand anywhere). EXTRA (may be NULL) lists the program's own
 * options, terminated by a zero entry; their `val` must be >= 256.
 * Returns optind (the first operand; getopt has moved operands to the end),
 * or -1 after printing why: usage error (EX_USAGE) or configuration error
 * (EX_CONFIG), told apart by *status.
 */
int config_parse(struct config *cfg, int argc, char **argv,
    const struct option *extra, config_extra_fn fn, void *ctx, int *status);
/*
 * config_first_operand - the index of the first operand of ARGV as it was
 * given, before config_parse (getopt_long) moves the operands to the end:
 * the first word that is neither an option (of the shared ones and EXTRA)
 * nor an option's value; the word after "--"; ARGC when there is none.
 * A front end finds its command word with it, and so knows which words
 * belong to the command alone (credpipe records ...).
 */
int config_first_operand(int argc, char **argv, const struct option *extra);
/* config_get - value of KEY from any source, or NULL */
const char *config_get(const struct config *cfg, const char *key);
/* config_free - release the entry strings */
void config_free(struct config *cfg);
/* config_common_help - the shared options, for --help texts */
const char *config_common_help(void);
/* config_known_keys - every key a file may set, ended by a NULL key */
const struct config_key *config_known_keys(void);
/* config_key_known - KEY (upper case) may be set in a file */
int config_key_known(const char *key);
/* config_key_nearest - the known key closest to KEY, for messages */
const char *config_key_nearest(const char *key);

#endif
