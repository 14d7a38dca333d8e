/*
 * config.c - options from the command line, CREDPIPE_* environment and
 * the config file, in that order of precedence (SPEC §1).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "timeutil.h"

extern char **environ;

#define OPT_BASE 1000

/* The shared options; each long name maps to KEY by upper-casing. */
static const struct option common_options[] = {
	{ "home",             required_argument, NULL, OPT_BASE + 0 },
	{ "inbox",            required_argument, NULL, OPT_BASE + 1 },
	{ "out",              required_argument, NULL, OPT_BASE + 2 },
	{ "records",          required_argument, NULL, OPT_BASE + 3 },
	{ "jobs",             required_argument, NULL, OPT_BASE + 4 },
	{ "now",              required_argument, NULL, OPT_BASE + 5 },
	{ "settle",           required_argument, NULL, OPT_BASE + 6 },
	{ "incomplete-after", required_argument, NULL, OPT_BASE + 7 },
	{ "verify-url",       required_argument, NULL, OPT_BASE + 8 },
	{ "tz",               required_argument, NULL, OPT_BASE + 9 },
	{ "font",             required_argument, NULL, OPT_BASE + 10 },
	{ "batch-size",       required_argument, NULL, OPT_BASE + 11 },
	{ "quiet",            no_argument,       NULL, OPT_BASE + 12 },
	{ "verbose",          no_argument,       NULL, OPT_BASE + 13 },
	{ "config",           required_argument, NULL, OPT_BASE + 14 },
	{ "help",             no_argument,       NULL, OPT_BASE + 15 },
	{ "version",          no_argument,       NULL, OPT_BASE + 16 },
	{ "workers",          required_argument, NULL, OPT_BASE + 17 },
	{ "worker-memory",    required_argument, NULL, OPT_BASE + 18 },
	{ "worker-time",      required_argument, NULL, OPT_BASE + 19 },
	{ "worker-user",      required_argument, NULL, OPT_BASE + 20 },
};
#define NCOMMON (sizeof common_options / sizeof common_options[0])

/*
 * Every key a configuration file may set, with its default as the
 * commented credpipe.conf of `credpipe init` shows it. A key not listed
 * here is a configuration error: a typo (SETLE=0) must not be ignored,
 * or the operator believes a setting that is not in force.
 */
static const struct config_key known_keys[] = {
	{ "HOME",             "/var/lib/credpipe", "root of the installation's state" },
	{ "INBOX",            "HOME/inbox",        "where operators drop dossier folders" },
	{ "OUT",              "HOME/out",          "results, PDFs, courier batches, run records" },
	{ "RECORDS",          "HOME/records.db",   "the registry: SQLite file, or postgresql:// URI" },
	{ "JOBS",             "number of CPUs",    "parallel workers" },
	{ "NOW",              "system clock",      "the clock, ISO 8601 (replays and tests only)" },
	{ "SETTLE",           "60",                "seconds a folder without READY must stay unchanged" },
	{ "INCOMPLETE_AFTER", "24",                "hours after which an incomplete folder is rejected" },
	{ "VERIFY_URL",       "https://verify.example.edu.cn/v", "base URL printed in report QR codes" },
	{ "TZ",               "+08:00",            "the office's time zone for calendar dates" },
	{ "FONT",             "found via fontconfig", "CJK TrueType font (.ttf/.ttc)" },
	{ "BATCH_SIZE",       "50",                "parcels per courier batch" },
	{ "QUIET",            "0",                 "1: print nothing but errors" },
	{ "VERBOSE",          "0",                 "1: one line per dossier" },
	{ "SENDER_NAME",      "",                  "sender printed on courier labels and dispatch lists" },
	{ "SENDER_PHONE",     "",                  "sender's phone" },
	{ "SENDER_ADDRESS",   "",                  "sender's address" },
	{ "SENDER_POSTCODE",  "",                  "sender's postcode" },
	{ "GROUP",            "",                  "group that may drop into inbox/ and read out/" },
	{ "LOG",              "stderr",            "stderr or syslog" },
	{ "DEADLINE_DAYS",    "7",                 "decision deadline status measures ages against" },
	{ "FOLDER_MAX_MB",    "64",                "MiB of files a dossier does not name, per folder" },
	{ "WORKERS",          "1",                 "0: parsers of untrusted content unlimited, in the stage (measurements)" },
	{ "WORKER_TIME",      "60",                "seconds a parser worker may take per item (wall clock and CPU)" },
	{ "WORKER_MEMORY",    "1024",              "megabytes of address space a parser worker may use" },
	{ "WORKER_USER",      "nobody",            "the parser workers' user when credpipe runs as root" },
	{ NULL, NULL, NULL },
};

/* config_known_keys - the table above, ended by a NULL key */
const struct config_key *
config_known_keys(void)
{
	return known_keys;
}

/* edit_distance - Levenshtein distance of two short keys */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[129];

	if (la > 128 || lb > 128)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diagonal = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best;

			best = diagonal + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diagonal = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* config_key_known - KEY is in the table */
int
config_key_known(const char *key)
{
	for (const struct config_key *k = known_keys; k->key != NULL; k++)
		if (strcmp(k->key, key) == 0)
			return 1;
	return 0;
}

/* config_key_nearest - the known key closest to KEY */
const char *
config_key_nearest(const char *key)
{
	const char *best = known_keys[0].key;
	size_t best_distance = (size_t)-1;

	for (const struct config_key *k = known_keys; k->key != NULL; k++) {
		size_t d = edit_distance(key, k->key);

		if (d < best_distance) {
			best_distance = d;
			best = k->key;
		}
	}
	return best;
}

/*
 * Each shared option's help line, and which programs use it: a
 * program's --help lists only the options it reads.
 */
static const struct {
	const char *line;
	const char *programs;   /* " name name " or NULL: every program */
} option_help[] = {
	{ "  --home DIR                 state root ($CREDPIPE_HOME, else\n"
	  "                             " CONFIG_DEFAULT_HOME ")\n", NULL },
	{ "  --inbox DIR  --out DIR     inbox, outputs (HOME/inbox, HOME/out)\n",
	  NULL },
	{ "  --records FILE|URI         the registry (HOME/records.db)\n",
	  " ingest check typeset manifest records control " },
	{ "  --jobs N                   parallel workers (default: CPUs)\n",
	  " ingest decode check typeset control " },
	{ "  --now TIME                 the clock, ISO 8601 (replays, tests)\n",
	  NULL },
	{ "  --settle SECONDS           quiet time before claiming (60)\n",
	  " ingest control " },
	{ "  --incomplete-after HOURS   reject incomplete folders after (24)\n",
	  " ingest control " },
	{ "  --verify-url URL           base URL in report QR codes\n",
	  " decode check typeset manifest records " },
	{ "  --tz OFFSET                office time zone (+08:00)\n", NULL },
	{ "  --font FILE                CJK TrueType font (fontconfig)\n",
	  " typeset manifest " },
	{ "  --batch-size N             parcels per courier batch (50)\n",
	  " manifest " },
	{ "  --config FILE              KEY=value file (HOME/credpipe.conf)\n",
	  NULL },
	{ "  --worker-time S            seconds a parser worker may take (60)\n"
	  "  --worker-memory MB         memory a parser worker may use (1024)\n"
	  "  --worker-user NAME         workers' user when run as root (nobody)\n"
	  "  --workers 0|1              parsers in limited workers (1)\n",
	  " validate decode control " },
	{ "  --quiet | --verbose        what is printed\n", NULL },
	{ "  --help | --version\n", NULL },
};

/* config_common_help - the shared options this program uses, and its
 * man page, for --help texts */
const char *
config_common_help(void)
{
	static char text[2048];
	char me[64];
	size_t used = 0;

	snprintf(me, sizeof me, " %s ", log_program());
	for (size_t i = 0; i < sizeof option_help / sizeof *option_help; i++)
		if (option_help[i].programs == NULL ||
		    strstr(option_help[i].programs, me) != NULL)
			used += (size_t)snprintf(text + used, sizeof text - used,
			    "%s", option_help[i].line);
	snprintf(text + used, sizeof text - used,
	    "Manual: man credpipe-%s (credpipe-%s(1)).\n", log_program(),
	    log_program());
	return text;
}

/* key_normalise - "incomplete-after" -> "INCOMPLETE_AFTER" */
static void
key_normalise(char *key)
{
	for (char *p = key; *p; p++)
		*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
}

/* config_set - store KEY=VALUE unless a stronger source set it */
static int
config_set(struct config *cfg, const char *key, const char *value,
    int source)
{
	char norm[128];
	int i;

	if (snprintf(norm, sizeof norm, "%s", key) >= (int)sizeof norm)
		return 0;
	key_normalise(norm);
	for (i = 0; i < cfg->nentries; i++)
		if (strcmp(cfg->entries[i].key, norm) == 0)
			break;
	if (i < cfg->nentries) {
		if (cfg->entries[i].source > source)
			return 0;
		free(cfg->entries[i].value);
	} else {
		if (cfg->nentries == CONFIG_MAX_ENTRIES)
			return -1;
		cfg->entries[i].key = strdup(norm);
		cfg->nentries++;
	}
	cfg->entries[i].value = strdup(value);
	cfg->entries[i].source = source;
	if (cfg->entries[i].key == NULL || cfg->entries[i].value == NULL)
		fatal("config");
	return 0;
}

/* config_entry_find - the entry for KEY, or NULL */
static const struct config_entry *
config_entry_find(const struct config *cfg, const char *key)
{
	for (int i = 0; i < cfg->nentries; i++)
		if (strcmp(cfg->entries[i].key, key) == 0)
			return &cfg->entries[i];
	return NULL;
}

/* config_get - value of KEY from any source, or NULL */
const char *
config_get(const struct config *cfg, const char *key)
{
	const struct config_entry *e = config_entry_find(cfg, key);

	return e ? e->value : NULL;
}

/* config_read_file - KEY=value lines; '#' comments; 0 or -1 */
static int
config_read_file(struct config *cfg, const char *path, int must_exist)
{
	char line[4096];
	int lineno = 0;
	FILE *fp;

	fp = fopen(path, "r");
	if (fp == NULL) {
		if (!must_exist && errno == ENOENT)
			return 0;
		log_warn("%s", path);
		return -1;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		char *p = line, *eq, *end;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		eq = strchr(p, '=');
		if (eq == NULL) {
			log_warnx("%s:%d: expected KEY=value", path, lineno);
			fclose(fp);
			return -1;
		}
		*eq = '\0';
		for (end = eq; end > p && isspace((unsigned char)end[-1]);)
			*--end = '\0';
		char *value = eq + 1;
		while (isspace((unsigned char)*value))
			value++;
		if (strncmp(p, "CREDPIPE_", 9) == 0)
			p += 9;
		char norm[128];
		if (strlen(p) >= sizeof norm) {
			log_warnx("%s:%d: unknown key %.32s...", path, lineno,
			    p);
			fclose(fp);
			return -1;
		}
		memcpy(norm, p, strlen(p) + 1);
		key_normalise(norm);
		if (!config_key_known(norm)) {
			log_warnx("%s:%d: unknown key %s (did you mean %s?)",
			    path, lineno, norm, config_key_nearest(norm));
			fclose(fp);
			return -1;
		}
		config_set(cfg, p, value, CONFIG_FROM_FILE);
	}
	fclose(fp);
	return 0;
}

/* parse_long - a whole decimal number within [lo, hi] */
static int
parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* bad_value - report KEY's bad value; the status depends on its source */
static int
bad_value(const struct config_entry *e, const char *why, int *status)
{
	log_warnx("%s: bad value \"%.64s\": %s", e->key, e->value, why);
	*status = e->source == CONFIG_FROM_ARGS ? EX_USAGE : EX_CONFIG;
	return -1;
}

/* copy_path - VALUE or DEFAULT into a fixed buffer */
static int
copy_value(char *dst, size_t size, const char *value, int *status)
{
	if (snprintf(dst, size, "%s", value) >= (int)size) {
		log_warnx("value too long: %.64s...", value);
		*status = EX_CONFIG;
		return -1;
	}
	return 0;
}

/* config_resolve - typed values from the entries */
static int
config_resolve(struct config *cfg, int *status)
{
	const struct config_entry *e;
	const char *v;
	long n;

	v = config_get(cfg, "HOME");
	if (copy_value(cfg->home, sizeof cfg->home,
	    v ? v : CONFIG_DEFAULT_HOME, status) == -1)
		return -1;
	v = config_get(cfg, "INBOX");
	if (v ? copy_value(cfg->inbox, sizeof cfg->inbox, v, status) :
	    (snprintf(cfg->inbox, sizeof cfg->inbox, "%s/inbox",
	    cfg->home) >= (int)sizeof cfg->inbox))
		return -1;
	v = config_get(cfg, "OUT");
	if (v ? copy_value(cfg->out, sizeof cfg->out, v, status) :
	    (snprintf(cfg->out, sizeof cfg->out, "%s/out",
	    cfg->home) >= (int)sizeof cfg->out))
		return -1;
	v = config_get(cfg, "RECORDS");
	if (v ? copy_value(cfg->records, sizeof cfg->records, v, status) :
	    (snprintf(cfg->records, sizeof cfg->records, "%s/records.db",
	    cfg->home) >= (int)sizeof cfg->records))
		return -1;
	v = config_get(cfg, "FONT");
	if (copy_value(cfg->font, sizeof cfg->font, v ? v : "", status) == -1)
		return -1;
	/*
	 * A font named but unreadable is the installation's fault, not the
	 * dossier's: say so now (78) rather than hold every dossier.
	 */
	if (cfg->font[0] != '\0') {
		FILE *font = fopen(cfg->font, "rb");

		if (font == NULL) {
			log_warn("FONT: %s", cfg->font);
			*status = EX_CONFIG;
			return -1;
		}
		fclose(font);
	}
	v = config_get(cfg, "GROUP");
	if (copy_value(cfg->group, sizeof cfg->group, v ? v : "",
	    status) == -1)
		return -1;
	cfg->log_syslog = 0;
	if ((e = config_entry_find(cfg, "LOG")) != NULL) {
		if (strcmp(e->value, "syslog") == 0)
			cfg->log_syslog = 1;
		else if (strcmp(e->value, "stderr") != 0 && e->value[0] != '\0')
			return bad_value(e, "expected stderr or syslog", status);
	}
	cfg->deadline_days = 7;
	if ((e = config_entry_find(cfg, "DEADLINE_DAYS")) != NULL) {
		if (parse_long(e->value, 1, 3650, &n) == -1)
			return bad_value(e, "expected days, 1..3650", status);
		cfg->deadline_days = (int)n;
	}
	v = config_get(cfg, "VERIFY_URL");
	if (copy_value(cfg->verify_url, sizeof cfg->verify_url,
	    v ? v : "https://verify.example.edu.cn/v", status) == -1)
		return -1;

	cfg->tz = 8 * 60;
	if ((e = config_entry_find(cfg, "TZ")) != NULL &&
	    tz_parse(e->value, &cfg->tz) == -1)
		return bad_value(e, "expected an offset like +08:00", status);

	n = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->jobs = n > 0 ? (int)n : 1;
	if ((e = config_entry_find(cfg, "JOBS")) != NULL) {
		if (parse_long(e->value, 1, 256, &n) == -1)
			return bad_value(e, "expected 1..256", status);
		cfg->jobs = (int)n;
	}
	cfg->now = time(NULL);
	cfg->now_given = 0;
	if ((e = config_entry_find(cfg, "NOW")) != NULL) {
		if (time_parse_iso(e->value, cfg->tz, &cfg->now) == -1)
			return bad_value(e, "expected ISO 8601 time", status);
		cfg->now_given = 1;
	}
	cfg->settle = 60;
	if ((e = config_entry_find(cfg, "SETTLE")) != NULL) {
		if (parse_long(e->value, 0, 86400L * 365, &cfg->settle) == -1)
			return bad_value(e, "expected seconds", status);
	}
	cfg->incomplete_after = 24 * 3600L;
	if ((e = config_entry_find(cfg, "INCOMPLETE_AFTER")) != NULL) {
		if (parse_long(e->value, 0, 24L * 3650, &n) == -1)
			return bad_value(e, "expected hours", status);
		cfg->incomplete_after = n * 3600L;
	}
	cfg->batch_size = 50;
	if ((e = config_entry_find(cfg, "BATCH_SIZE")) != NULL) {
		if (parse_long(e->value, 1, 100000, &n) == -1)
			return bad_value(e, "expected 1..100000", status);
		cfg->batch_size = (int)n;
	}
	/*
	 * Worker limits (sandbox.c). The defaults leave room for the largest
	 * legal page, 50 megapixels, interlaced RGBA, with every decoding
	 * pass (README: "Limits of the workers" has the measurements).
	 */
	cfg->workers = 1;
	if ((e = config_entry_find(cfg, "WORKERS")) != NULL) {
		if (parse_long(e->value, 0, 1, &n) == -1)
			return bad_value(e, "expected 0 or 1", status);
		cfg->workers = (int)n;
	}
	cfg->worker_memory_mb = CONFIG_WORKER_MEMORY_MB;
	if ((e = config_entry_find(cfg, "WORKER_MEMORY")) != NULL) {
		if (parse_long(e->value, 16, 1024L * 1024, &n) == -1)
			return bad_value(e, "expected megabytes, 16..1048576",
			    status);
		cfg->worker_memory_mb = (unsigned long)n;
	}
	cfg->worker_time = CONFIG_WORKER_TIME;
	if ((e = config_entry_find(cfg, "WORKER_TIME")) != NULL) {
		if (parse_long(e->value, 1, 86400, &n) == -1)
			return bad_value(e, "expected seconds, 1..86400", status);
		cfg->worker_time = (unsigned)n;
	}
	v = config_get(cfg, "WORKER_USER");
	if (v != NULL && (*v == '\0' || strlen(v) >= sizeof cfg->worker_user))
		return bad_value(config_entry_find(cfg, "WORKER_USER"),
		    "expected a user name", status);
	snprintf(cfg->worker_user, sizeof cfg->worker_user, "%s",
	    v ? v : "nobody");

	cfg->verbosity = LOG_NORMAL;
	if ((v = config_get(cfg, "QUIET")) != NULL && strcmp(v, "0") != 0 &&
	    *v != '\0')
		cfg->verbosity = LOG_QUIET;
	if ((v = config_get(cfg, "VERBOSE")) != NULL && strcmp(v, "0") != 0 &&
	    *v != '\0')
		cfg->verbosity = LOG_VERBOSE;
	return 0;
}

/* config_parse - defaults, file, environment and ARGV */
int
config_parse(struct config *cfg, int argc, char **argv,
    const struct option *extra, config_extra_fn fn, void *ctx, int *status)
{
	struct option opts[NCOMMON + 64];
	const char *config_file = NULL;
	size_t nopts = 0, nextra = 0;
	int c;

	memset(cfg, 0, sizeof *cfg);
	*status = 0;
	for (size_t i = 0; i < NCOMMON; i++)
		opts[nopts++] = common_options[i];
	if (extra != NULL)
		for (; extra[nextra].name != NULL && nextra < 63; nextra++)
			opts[nopts++] = extra[nextra];
	memset(&opts[nopts], 0, sizeof opts[nopts]);

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h' || c == OPT_BASE + 15) {
			cfg->help = 1;
			continue;
		}
		if (c == OPT_BASE + 16) {
			cfg->version = 1;
			continue;
		}
		if (c == OPT_BASE + 14) {
			config_file = optarg;
			continue;
		}
		if (c >= OPT_BASE && c < OPT_BASE + (int)NCOMMON) {
			const char *name = common_options[c - OPT_BASE].name;
			config_set(cfg, name, optarg ? optarg : "1",
			    CONFIG_FROM_ARGS);
			continue;
		}
		if (c != '?' && fn != NULL && fn(c, optarg, ctx) == 0)
			continue;
		*status = EX_USAGE;
		return -1;
	}
	if (cfg->help || cfg->version)
		return optind;

	for (char **ep = environ; *ep != NULL; ep++) {
		char key[128];
		const char *eq;

		if (strncmp(*ep, "CREDPIPE_", 9) != 0)
			continue;
		eq = strchr(*ep, '=');
		if (eq == NULL || (size_t)(eq - *ep - 9) >= sizeof key)
			continue;
		memcpy(key, *ep + 9, (size_t)(eq - *ep - 9));
		key[eq - *ep - 9] = '\0';
		config_set(cfg, key, eq + 1, CONFIG_FROM_ENV);
	}
	if (config_file != NULL) {
		if (config_read_file(cfg, config_file, 1) == -1) {
			*status = EX_CONFIG;
			return -1;
		}
	} else {
		const char *home = config_get(cfg, "HOME");
		char path[4096];

		if (home == NULL)
			home = CONFIG_DEFAULT_HOME;
		if (snprintf(path, sizeof path,
		    "%s/credpipe.conf", home) < (int)sizeof path &&
		    config_read_file(cfg, path, 0) == -1) {
			*status = EX_CONFIG;
			return -1;
		}
	}
	if (config_resolve(cfg, status) == -1) {
		if (*status == 0)
			*status = EX_CONFIG;
		return -1;
	}
	log_init(log_program(), (enum log_level)cfg->verbosity);
	if (cfg->log_syslog)
		log_use_syslog();
	return optind;
}

/* config_free - release the entry strings */
void
config_free(struct config *cfg)
{
	for (int i = 0; i < cfg->nentries; i++) {
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
	}
	cfg->nentries = 0;
}

/*
 * option_wants_value - the long option NAME (without "--"; an unambiguous
 * prefix counts, as for getopt_long) takes its value in the next word
 */
static int
option_wants_value(const char *name, const struct option *extra)
{
	const struct option *found = NULL;
	size_t len = strlen(name);
	int matches = 0;

	for (size_t i = 0; i < NCOMMON + 64; i++) {
		const struct option *o = i < NCOMMON ? &common_options[i] :
		    extra != NULL ? &extra[i - NCOMMON] : NULL;

		if (o == NULL || o->name == NULL)
			break;
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (o->name[len] == '\0')
			return o->has_arg == required_argument;
		found = o;
		matches++;
	}
	return matches == 1 && found->has_arg == required_argument;
}

/* config_first_operand - index of ARGV's first operand, as it was given */
int
config_first_operand(int argc, char **argv, const struct option *extra)
{
	for (int i = 1; i < argc; i++) {
		const char *word = argv[i];

		if (strcmp(word, "--") == 0)
			return i + 1;
		if (word[0] != '-' || word[1] == '\0')
			return i;
		if (word[1] == '-' && strchr(word, '=') == NULL &&
		    option_wants_value(word + 2, extra))
			i++;
	}
	return argc;
}
