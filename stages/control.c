/*
 * NAME
 *	control - make, inspect and repair a credpipe HOME
 *
 * SYNOPSIS
 *	control init [--group G] [options]
 *	control reprint BATCH | --label WAYBILL [options]
 *	control submit [options] [--shards N] [--max-running K] [--wait]
 *	control slurm-job STEP RUN-ID [options]
 *	control status|show|requeue|release ... [options]
 *	control --print-config [options]
 *	control command-line ARG... 3>ANSWER
 *	control record RUN-ID ELAPSED EXIT BATCHES STAGES IDS STARTED [options]
 *	control run-end STARTED BATCHES IDS TIMES PUBLISHED STAGE=STATUS...
 *	    [options]
 *
 * DESCRIPTION
 *	The operator's program behind `credpipe init` and the other verbs
 *	that are not the run itself. As Postfix keeps postfix-script small and
 *	puts queue inspection and repair in C (postqueue, postsuper), control
 *	shares the stages' own modules: the spool, the results, the registry.
 *
 *	init makes HOME in a missing or empty directory: inbox/, spool/,
 *	done/, quarantine/, keys/ with the signing key, out/ with its
 *	folders, the registry, a commented credpipe.conf listing every key
 *	with its default, and last the marker HOME/.credpipe. On an
 *	initialised HOME it does nothing and says so; a non-empty directory
 *	that is not a credpipe home is refused. --group G writes GROUP=G and
 *	gives the group its access (credpipe(1), ACCESS).
 *
 *	reprint BATCH rebuilds a courier batch's four files from the
 *	registry and the dossiers with manifest's own code (batch.h): the
 *	same waybills, numbers and order, so byte for byte the first build
 *	when nothing changed; the folder is swapped whole or not at all.
 *	reprint --label WAYBILL writes that parcel's label alone as
 *	OUT/courier/<batch>/label-<WAYBILL>.pdf. Both are recorded (table
 *	repairs, a run record) unless the files were already intact.
 *
 *	submit runs the night as Slurm jobs (submit.c, credpipe(1));
 *	slurm-job is one of those jobs as Slurm starts it.
 *
 *	--print-config prints the resolved options as KEY=value lines, the
 *	way every program sees them (command line > CREDPIPE_* > file).
 *
 *	command-line and run-end are credpipe's (pipeline.sh) own, so that
 *	the script stays a thin driver: command-line reads credpipe's
 *	command line with the options table every program shares and answers
 *	on descriptor 3 (cmd_command_line); run-end ends a run: its status
 *	from the stages' (a bug wins over "try again later"), its run record
 *	and its summary (cmd_run_end, cmd_record, which a submitted run's
 *	final job calls as record).
 *
 * EXIT STATUS
 *	0 done; 64 usage;
 *	75 try again later; 78 configuration (HOME not initialised or, for
 *	init, not empty and not a credpipe home; unknown
 *	key, bad value).
 *
 * SEE ALSO
 *	credpipe(1), credpipe-control(1)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "claim.h"
#include "config.h"
#include "fsutil.h"
#include "home.h"
#include "log.h"
#include "lookup.h"
#include "program.h"
#include "registry.h"
#include "result.h"
#include "spool.h"
#include "submit.h"
#include "text.h"
#include "timeutil.h"
#include "xmlsafe.h"

#ifndef CREDPIPE_VERSION
#define CREDPIPE_VERSION "0.0.0"
#endif

/* one line of status: sorted by KEY (oldest first) */
struct row {
	time_t when;
	char *text;
};

struct rows {
	struct row *v;
	size_t n, cap;
};

enum { OPT_GROUP = 256, OPT_PRINT_CONFIG, OPT_EXAMPLE_CONFIG, OPT_LABEL,
       OPT_SHARDS, OPT_MAX_RUNNING, OPT_WAIT };

struct control_args {
	const char *group;
	int print_config;
	int example_config;
	const char *label;          /* reprint --label WAYBILL */
	struct submit_request submit;   /* submit's --shards ... --wait */
};

/* usage - the brief manual */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: control init [--group G] [--home DIR]\n"
	    "       control reprint BATCH | --label WAYBILL [--home DIR]\n"
	    "       control submit [options] [--shards N] [--max-running K] "
	    "[--wait]\n"
	    "       control status|show|requeue|release ... [options]\n"
	    "       control --print-config [options]\n"
	    "       control command-line ARG... 3>ANSWER   (credpipe's)\n"
	    "       control run-end STARTED BATCHES IDS TIMES PUBLISHED "
	    "STAGE=STATUS...\n"
	    "Make a credpipe HOME, or print the configuration as every\n"
	    "program resolves it (KEY=value lines).\n"
	    "  --home DIR      state root ($CREDPIPE_HOME, else "
	    CONFIG_DEFAULT_HOME ")\n"
	    "  --group G       init: the group that drops and reads out/\n"
	    "  --label WAYBILL reprint: that parcel's label alone\n"
	    "  --config FILE   KEY=value file (default HOME/credpipe.conf)\n"
	    "Exit status: 0 done, 64 usage, 75 try later, 78 configuration.\n"
	    "See credpipe-control(1).\n");
}

/* on_option - the program's own options */
static int
on_option(int opt, const char *arg, void *ctx)
{
	struct control_args *a = ctx;

	if (opt == OPT_GROUP)
		a->group = arg;
	else if (opt == OPT_PRINT_CONFIG)
		a->print_config = 1;
	else if (opt == OPT_EXAMPLE_CONFIG)
		a->example_config = 1;
	else if (opt == OPT_LABEL)
		a->label = arg;
	else if (opt == OPT_SHARDS || opt == OPT_MAX_RUNNING) {
		char *end;
		long v;

		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno != 0 || *end != '\0' || v < 1 ||
		    v > SUBMIT_MAX_SHARDS) {
			log_warnx("--%s: %s: not a number from 1 to %d",
			    opt == OPT_SHARDS ? "shards" : "max-running", arg,
			    SUBMIT_MAX_SHARDS);
			return -1;
		}
		if (opt == OPT_SHARDS)
			a->submit.shards = (int)v;
		else
			a->submit.max_running = (int)v;
	} else if (opt == OPT_WAIT)
		a->submit.wait = 1;
	else
		return -1;
	return 0;
}

/* print_value - KEY=VALUE, refusing a value that would break the lines */
static int
print_value(const char *key, const char *value)
{
	if (strpbrk(value, "\n\r") != NULL) {
		log_warnx("%s: the value holds a line break", key);
		return -1;
	}
	printf("%s=%s\n", key, value);
	return 0;
}

/*
 * print_config - the resolved options as KEY=value lines, for people and
 * for credpipe's own script, so that both apply exactly the precedence
 * and checks of config_parse. NOW_* are derived forms of NOW.
 */
static int
print_config(const struct config *cfg)
{
	static const char *const passed[] = { "VERIFY_URL", "TZ", "FONT",
	    "BATCH_SIZE", "SENDER_NAME", "SENDER_PHONE", "SENDER_ADDRESS",
	    "SENDER_POSTCODE", "LOG", NULL };
	char iso[48], stamp[32], number[32];
	time_t local = cfg->now + (time_t)cfg->tz * 60;
	struct tm tm;
	int bad = 0;

	gmtime_r(&local, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	time_format_iso(cfg->now, cfg->tz, iso, sizeof iso);
	bad |= print_value("HOME", cfg->home);
	bad |= print_value("INBOX", cfg->inbox);
	bad |= print_value("OUT", cfg->out);
	bad |= print_value("RECORDS", cfg->records);
	bad |= print_value("NOW", iso);
	printf("NOW_EPOCH=%lld\nNOW_STAMP=%s\nNOW_GIVEN=%d\n",
	    (long long)cfg->now, stamp, cfg->now_given);
	printf("SETTLE=%ld\nINCOMPLETE_AFTER=%ld\nJOBS=%d\nVERBOSITY=%d\n",
	    cfg->settle, cfg->incomplete_after / 3600, cfg->jobs,
	    cfg->verbosity);
	bad |= print_value("GROUP", cfg->group);
	snprintf(number, sizeof number, "%d", cfg->deadline_days);
	bad |= print_value("DEADLINE_DAYS", number);
	for (int i = 0; passed[i] != NULL; i++) {
		const char *v = config_get(cfg, passed[i]);

		if (v != NULL)
			bad |= print_value(passed[i], v);
	}
	if (fflush(stdout) == EOF)
		fatal("stdout");
	return bad ? EX_CONFIG : 0;
}

/*
 * show_text - S for a terminal or a log, whatever the locale: well-formed
 * UTF-8 as it is (so that 张伟 reads as 张伟 under LC_ALL=C, where the
 * shell's %q would print $'\345...'), control characters, backslash and
 * bytes that are not UTF-8 as \xHH, line breaks folded to " / ".
 */
static char *
show_text(const char *s, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 0, avail = strlen(s), len;

	while (avail > 0 && out + 8 < size) {
		if (*p == '\n') {
			/* one line: REASON and held texts may span several */
			while (avail > 0 && (*p == '\n' || *p == '\r'))
				p++, avail--;
			if (avail > 0 && out > 0)
				out += (size_t)snprintf(buf + out, size - out,
				    " / ");
			continue;
		}
		if (*p < 0x20 || *p == 0x7f || *p == '\\' ||
		    (*p >= 0x80 && utf8_decode(p, avail, &len) < 0)) {
			out += (size_t)snprintf(buf + out, size - out, "\\x%02X",
			    *p);
			p++, avail--;
			continue;
		}
		len = *p >= 0x80 ? len : 1;
		if (*p >= 0x80)
			utf8_decode(p, avail, &len);
		if (out + len + 1 >= size)
			break;
		memcpy(buf + out, p, len);
		out += len, p += len, avail -= len;
	}
	buf[out] = '\0';
	return buf;
}

/* age_text - "3d 4h", "5h 10m", "12m", "40s" of SECONDS */
static char *
age_text(long long seconds, char *buf, size_t size)
{
	if (seconds < 0)
		snprintf(buf, size, "future");
	else if (seconds >= 86400)
		snprintf(buf, size, "%lldd %lldh", seconds / 86400,
		    seconds % 86400 / 3600);
	else if (seconds >= 3600)
		snprintf(buf, size, "%lldh %lldm", seconds / 3600,
		    seconds % 3600 / 60);
	else if (seconds >= 60)
		snprintf(buf, size, "%lldm", seconds / 60);
	else
		snprintf(buf, size, "%llds", seconds);
	return buf;
}

/* rows_add - one formatted row, dated WHEN */
static void rows_add(struct rows *r, time_t when, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void
rows_add(struct rows *r, time_t when, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		fatal("status");
	va_end(ap);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		if ((r->v = realloc(r->v, r->cap * sizeof *r->v)) == NULL)
			fatal("status");
	}
	r->v[r->n].when = when;
	r->v[r->n++].text = text;
}

/* row_cmp - oldest first; equal times keep their order by text */
static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* rows_print - the rows oldest first, or EMPTY; then forget them */
static void
rows_print(struct rows *r, const char *empty)
{
	if (r->n == 0) {
		printf("  %s\n", empty);
		return;
	}
	qsort(r->v, r->n, sizeof *r->v, row_cmp);
	for (size_t i = 0; i < r->n; i++) {
		printf("%s\n", r->v[i].text);
		free(r->v[i].text);
	}
	free(r->v);
	memset(r, 0, sizeof *r);
}

/* deadline_flag - "OVERDUE" when WHEN is older than the deadline */
static const char *
deadline_flag(const struct config *cfg, time_t when)
{
	return cfg->now - when > (time_t)cfg->deadline_days * 86400 ?
	    "  OVERDUE" : "";
}

/* program_dir - the directory this program was started from */
static int
program_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL)
		return -1;
	*slash = '\0';
	return 0;
}

/*
 * read_inbox_list - the inbox as ingest judges it (ingest --list: one
 * "STATE TAB NEWEST TAB WHY TAB NAME" record per entry, NUL-ended),
 * claiming nothing: one judgement of the inbox rules, in ingest alone.
 */
static char *
read_inbox_list(const struct config *cfg, size_t *len)
{
	char dir[PATH_MAX], prog[PATH_MAX + 16], now[48], settle[32],
	    after[32], tz[16];
	char *buf = NULL;
	size_t cap = 0;
	int fds[2], status;
	pid_t pid;

	*len = 0;
	if (program_dir(dir, sizeof dir) == -1)
		return NULL;
	snprintf(prog, sizeof prog, "%s/ingest", dir);
	time_format_iso(cfg->now, cfg->tz, now, sizeof now);
	snprintf(settle, sizeof settle, "%ld", cfg->settle);
	snprintf(after, sizeof after, "%ld", cfg->incomplete_after / 3600);
	snprintf(tz, sizeof tz, "%+03d:%02d", cfg->tz / 60,
	    abs(cfg->tz) % 60);
	if (pipe(fds) == -1)
		return NULL;
	if ((pid = fork()) == -1)
		return NULL;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(prog, "ingest", "--list", "--home", cfg->home, "--inbox",
		    cfg->inbox, "--now", now, "--settle", settle,
		    "--incomplete-after", after, "--tz", tz, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n;

		if (cap - *len < 4096) {
			cap = cap ? cap * 2 : 65536;
			if ((buf = realloc(buf, cap + 1)) == NULL)
				fatal("status");
		}
		n = read(fds[0], buf + *len, cap - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (buf != NULL)
		buf[*len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warnx("%s --list failed", prog);
		free(buf);
		*len = 0;
		return NULL;
	}
	return buf;
}

/* status_inbox - every inbox entry, oldest first */
static void
status_inbox(const struct config *cfg)
{
	struct rows rows = { 0 };
	char shown[2048], why[1024], age[32];
	size_t len;
	char *list = read_inbox_list(cfg, &len), *p;

	show_text(cfg->inbox, shown, sizeof shown);
	printf("inbox: %s\n", shown);
	for (p = list; list != NULL && p < list + len; p += strlen(p) + 1) {
		char *state = p, *newest, *reason, *name;

		if ((newest = strchr(state, '\t')) == NULL ||
		    (reason = strchr(newest + 1, '\t')) == NULL ||
		    (name = strchr(reason + 1, '\t')) == NULL)
			continue;
		*newest++ = *reason++ = *name++ = '\0';
		time_t when = (time_t)strtoll(newest, NULL, 10);
		show_text(reason, why, sizeof why);
		show_text(name, shown, sizeof shown);
		rows_add(&rows, when, "  %-12s %-8s %s: %s%s", state,
		    age_text(cfg->now - when, age, sizeof age), why, shown,
		    deadline_flag(cfg, when));
	}
	free(list);
	rows_print(&rows, "(empty)");
}

/* claimed_at - when dossier DIR was claimed (its claim, else mtime) */
static time_t
claimed_at(const struct config *cfg, const char *dir, char *folder,
    size_t size)
{
	struct claim c;
	struct stat st;
	time_t t;
	char path[4096];

	folder[0] = '\0';
	if (claim_load(dir, &c) == 0) {
		snprintf(folder, size, "%s", c.folder);
		if (time_parse_iso(c.claimed, cfg->tz, &t) == 0)
			return t;
	}
	fs_path(path, sizeof path, "%s/claim", dir);
	return stat(path, &st) == 0 ? st.st_mtime : cfg->now;
}

/* status_spool - unfinished dossiers by the last stage they reached */
static void
status_spool(const struct config *cfg, struct rows *held)
{
	static const char *const stages[] = { "validate", "decode", "check",
	    "typeset", "manifest" };
	struct rows rows = { 0 };
	char dir[4096], path[4096], folder[1024], shown[2048], age[32];
	char **ids;
	size_t n;

	printf("spool (by the last stage reached):\n");
	if (spool_list(cfg, &ids, &n) == -1)
		n = 0, ids = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *last = "claimed";
		struct result r;

		fs_path(dir, sizeof dir, "%s/spool/%s", cfg->home, ids[i]);
		for (size_t s = 0; s < sizeof stages / sizeof *stages; s++)
			if (spool_has_state(dir, stages[s]))
				last = stages[s];
		time_t when = claimed_at(cfg, dir, folder, sizeof folder);
		spool_state_path(dir, last, path, sizeof path);
		if (strcmp(last, "claimed") != 0 && result_load(&r, path) == 0 &&
		    r.held[0] != '\0') {
			/* listed once, under held */
			rows_add(held, when, "  %-20s %s  %s%s", ids[i],
			    show_text(r.held, shown, sizeof shown),
			    age_text(cfg->now - when, age, sizeof age),
			    deadline_flag(cfg, when));
			continue;
		}
		show_text(folder, shown, sizeof shown);
		rows_add(&rows, when, "  %-20s %-12s %-8s %s%s", ids[i], last,
		    age_text(cfg->now - when, age, sizeof age), shown,
		    deadline_flag(cfg, when));
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	rows_print(&rows, "(empty)");
}

/* keep_xml - directory entries named *.xml */
static int
keep_xml(const char *dir, const char *name, void *ctx)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 4 && strcmp(name + len - 4, ".xml") == 0;
}

/*
 * status_held - dossiers held for an operator: those of the spool, and
 * published results that say so. A result is parsed only when it holds
 * the element at all, so that status stays quick beside many results.
 */
static void
status_held(const struct config *cfg, struct rows *held)
{
	char dir[4096], path[4096], shown[2048], age[32], id[64];
	char **names;
	size_t n;

	printf("held for an operator:\n");
	fs_path(dir, sizeof dir, "%s/results", cfg->out);
	if (fs_list(dir, keep_xml, NULL, &names, &n) == -1)
		n = 0, names = NULL;
	for (size_t i = 0; i < n; i++) {
		struct result r;
		struct stat st;
		char *text;
		size_t len;
		int is_held;

		fs_path(path, sizeof path, "%s/%s", dir, names[i]);
		if (fs_read_file(path, 4 * 1024 * 1024, &text, &len) == -1)
			continue;
		is_held = strstr(text, "<held>") != NULL;
		free(text);
		if (!is_held || result_load(&r, path) == -1 || r.held[0] == '\0')
			continue;
		snprintf(id, sizeof id, "%.*s", (int)strlen(names[i]) - 4,
		    names[i]);
		fs_path(path, sizeof path, "%s/spool/%s", cfg->home, id);
		if (fs_exists(path))
			continue;       /* already listed from the spool */
		fs_path(path, sizeof path, "%s/%s", dir, names[i]);
		time_t when = stat(path, &st) == 0 ? st.st_mtime : cfg->now;
		rows_add(held, when, "  %-20s %s  %s%s", id,
		    show_text(r.held, shown, sizeof shown),
		    age_text(cfg->now - when, age, sizeof age),
		    deadline_flag(cfg, when));
	}
	fs_list_free(names, n);
	rows_print(held, "(none)");
}

/* status_quarantine - every quarantined folder with its whole REASON */
static void
status_quarantine(const struct config *cfg)
{
	struct rows rows = { 0 };
	char dir[4096], path[4096], name[1024], why[2048], age[32];
	char **names;
	size_t n;

	printf("quarantine:\n");
	fs_path(dir, sizeof dir, "%s/quarantine", cfg->home);
	if (fs_list(dir, NULL, NULL, &names, &n) == -1)
		n = 0, names = NULL;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char *reason = NULL;
		size_t len;

		if (names[i][0] == '.')
			continue;
		fs_path(path, sizeof path, "%s/%s", dir, names[i]);
		if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode))
			continue;
		fs_path(path, sizeof path, "%s/%s/REASON", dir, names[i]);
		if (fs_read_file(path, 64 * 1024, &reason, &len) == -1)
			reason = NULL;
		rows_add(&rows, st.st_mtime, "  %s: %s  %s%s",
		    show_text(names[i], name, sizeof name),
		    reason ? show_text(reason, why, sizeof why) : "(no REASON)",
		    age_text(cfg->now - st.st_mtime, age, sizeof age),
		    deadline_flag(cfg, st.st_mtime));
		free(reason);
	}
	fs_list_free(names, n);
	rows_print(&rows, "(empty)");
}

/* print_range - one waybill range and the numbers it has left */
static int
print_range(void *ctx, const char *courier, const char *first,
    const char *last, long left)
{
	printf("    %s %s..%s: %ld left\n", courier, first, last, left);
	return 0;
}

/* status_waybills - numbers left per courier and per range */
static void
status_waybills(const struct config *cfg)
{
	static const char *const couriers[] = { "EMS", "SF" };
	struct registry *reg;
	int status, any = 0;

	printf("waybill numbers left:\n");
	if ((reg = registry_open(cfg->records, &status)) == NULL) {
		printf("  (registry unreadable)\n");
		return;
	}
	for (size_t i = 0; i < sizeof couriers / sizeof *couriers; i++) {
		long left = registry_waybills_left(reg, couriers[i]);
		long ranges = registry_count_ranges(reg, couriers[i]);

		if (ranges <= 0)
			continue;
		any = 1;
		printf("  %s %ld\n", couriers[i], left);
	}
	if (!any)
		printf("  no waybill range imported\n");
	else
		registry_each_range_left(reg, print_range, NULL);
	registry_close(reg);
}

/* stop_at_first - registry_each_credential: one is enough */
static int
stop_at_first(void *ctx, const struct reg_credential *c)
{
	*(int *)ctx = 1;
	return 1;
}

/* registry_empty - 1 when the registry holds no credential at all */
static int
registry_empty(const struct config *cfg)
{
	struct registry *reg;
	int status, any = 0;

	if ((reg = registry_open(cfg->records, &status)) == NULL)
		return 0;       /* check says why, in the run itself */
	registry_each_credential(reg, stop_at_first, &any);
	registry_close(reg);
	return !any;
}

/* inbox_waiting - folders left waiting in the inbox: settling, incomplete */
static void
inbox_waiting(const struct config *cfg, int *settling, int *incomplete)
{
	size_t len;
	char *list = read_inbox_list(cfg, &len), *p;

	*settling = *incomplete = 0;
	for (p = list; list != NULL && p < list + len; p += strlen(p) + 1) {
		if (strncmp(p, "settling\t", 9) == 0)
			(*settling)++;
		else if (strncmp(p, "incomplete\t", 11) == 0)
			(*incomplete)++;
	}
	free(list);
}

/* duplicates_since - folders quarantined as duplicates since STARTED */
static int
duplicates_since(const struct config *cfg, time_t started)
{
	char dir[4096], path[4096];
	char **names;
	size_t n;
	int count = 0;

	fs_path(dir, sizeof dir, "%s/quarantine", cfg->home);
	if (fs_list(dir, NULL, NULL, &names, &n) == -1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (strstr(names[i], ".duplicate") == NULL)
			continue;
		fs_path(path, sizeof path, "%s/%s", dir, names[i]);
		if (lstat(path, &st) == 0 && st.st_mtime >= started)
			count++;
	}
	fs_list_free(names, n);
	return count;
}

/* the counts of one run, for its record and its summary */
#define RUN_MAX_REASONS 64
struct run_counts {
	int outcome[5];         /* verified, not-verified, rejected, held, pending */
	char reason[RUN_MAX_REASONS][40];
	int reason_n[RUN_MAX_REASONS];
	int nreasons;
};

static const char *const run_outcomes[] = { "verified", "not-verified",
	"rejected", "held", "pending" };

/* count_reason - one more dossier with reason CODE */
static void
count_reason(struct run_counts *c, const char *code)
{
	int i;

	for (i = 0; i < c->nreasons; i++)
		if (strcmp(c->reason[i], code) == 0)
			break;
	if (i == c->nreasons) {
		if (i == RUN_MAX_REASONS)
			return;
		snprintf(c->reason[i], sizeof c->reason[i], "%s", code);
		c->reason_n[i] = 0;
		c->nreasons++;
	}
	c->reason_n[i]++;
}

/* reason_cmp - reasons in byte order, as the summary prints them */
static int
reason_index_cmp(const void *a, const void *b, void *ctx)
{
	const struct run_counts *c = ctx;

	return strcmp(c->reason[*(const int *)a], c->reason[*(const int *)b]);
}

/* plain_word - letters, digits, '-', '.', ':' only (ids, times, names) */
static int
plain_word(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' ||
		    *s == ':' || *s == '+' || *s == '_'))
			return 0;
	return 1;
}

/* run_id_at - OUT/runs/<stamp of WHEN>-<n>: the first free number */
static void
run_id_at(const struct config *cfg, time_t when, char *id, size_t size)
{
	time_t local = when + (time_t)cfg->tz * 60;
	char stamp[32], path[4096];
	struct tm tm;

	gmtime_r(&local, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	for (int n = 1;; n++) {
		snprintf(id, size, "%s-%d", stamp, n);
		fs_path(path, sizeof path, "%s/runs/%s.xml", cfg->out, id);
		if (!fs_exists(path))
			return;
	}
}

/*
 * run_status_of - the run's status from its stages' (CODES, in chain
 * order): 0 when all are 0; 70 when any failed other than with 75 (a bug
 * must never hide behind another stage's "try again later", or a cron
 * monitor would retry a crash forever); else 75. A stage killed by
 * SIGPIPE (141, as the shell reports it) only met a later stage that
 * stopped reading: when a later stage failed, that one's status tells why
 * (a full disk is 75, not 70); when none did, a stage that stopped
 * reading early is a bug.
 */
static int
run_status_of(const int *codes, int n)
{
	int result = 0;

	for (int i = 0; i < n; i++) {
		int code = codes[i];

		for (int j = i + 1; code == 141 && j < n; j++)
			if (codes[j] != 0)
				code = 0;
		if (code == EX_TEMPFAIL && result != EX_SOFTWARE)
			result = EX_TEMPFAIL;
		else if (code != 0 && code != EX_TEMPFAIL)
			result = EX_SOFTWARE;
	}
	return result;
}

/* real_now - the wall clock with its fraction of a second */
static double
real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * cmd_record - the run record out/runs/RUN-ID.xml and the run's summary.
 * The script that ran the chain knows the stages' exit statuses and end
 * times (STAGES: "name exit ended" lines) and the ids that came out of
 * the last stage (IDS); everything about the dossiers is read here, from
 * their published results, with the result module every stage uses.
 * Each dossier counts once per reason, however often the reason occurs.
 */
static int
cmd_record(const struct config *cfg, char **arg)
{
	const char *run_id = arg[0], *elapsed = arg[1], *exit_text = arg[2],
	    *batches = arg[3], *stages_path = arg[4], *ids_path = arg[5];
	time_t started = (time_t)strtoll(arg[6], NULL, 10);
	struct run_counts counts;
	char line[512], path[4096], iso[48], **ids = NULL, (*outc)[16] = NULL;
	size_t nids = 0, cap = 0;
	int settling, incomplete, duplicates, order[RUN_MAX_REASONS], n = 0;
	int empty_registry, status = 0;
	struct commit c;
	FILE *fp;

	if (!plain_word(run_id) || !plain_word(elapsed) ||
	    !plain_word(exit_text) || !plain_word(batches)) {
		log_warnx("record: bad arguments");
		return EX_USAGE;
	}
	memset(&counts, 0, sizeof counts);
	if ((fp = fopen(ids_path, "r")) == NULL) {
		log_warn("%s", ids_path);
		return EX_SOFTWARE;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		struct result r;
		int o = 4, dup = 0;

		line[strcspn(line, "\n")] = '\0';
		if (!id_valid(line))
			continue;
		for (size_t i = 0; i < nids && !dup; i++)
			dup = strcmp(ids[i], line) == 0;
		if (dup)
			continue;
		if (nids == cap) {
			cap = cap ? cap * 2 : 64;
			ids = realloc(ids, cap * sizeof *ids);
			outc = realloc(outc, cap * sizeof *outc);
			if (ids == NULL || outc == NULL)
				fatal("record");
		}
		if ((ids[nids] = strdup(line)) == NULL)
			fatal("record");
		result_published_path(cfg, line, path, sizeof path);
		if (result_load(&r, path) == 0) {
			o = r.held[0] ? 3 : r.outcome == OUTCOME_VERIFIED ? 0 :
			    r.outcome == OUTCOME_NOT_VERIFIED ? 1 :
			    r.outcome == OUTCOME_REJECTED ? 2 : 4;
			for (int i = 0; i < r.nreasons; i++) {
				int seen = 0;

				for (int j = 0; j < i && !seen; j++)
					seen = strcmp(r.reasons[j].code,
					    r.reasons[i].code) == 0;
				if (!seen)
					count_reason(&counts, r.reasons[i].code);
			}
			if (cfg->verbosity == LOG_VERBOSE) {
				printf("%s %s", line, run_outcomes[o]);
				for (int i = 0; i < r.nreasons; i++)
					printf(" %s", r.reasons[i].code);
				printf("\n");
			}
		} else if (cfg->verbosity == LOG_VERBOSE)
			printf("%s pending\n", line);
		snprintf(outc[nids], sizeof outc[nids], "%s", run_outcomes[o]);
		counts.outcome[o]++;
		nids++;
	}
	fclose(fp);
	for (int i = 0; i < counts.nreasons; i++)
		order[i] = i;
	qsort_r(order, (size_t)counts.nreasons, sizeof *order,
	    reason_index_cmp, &counts);
	inbox_waiting(cfg, &settling, &incomplete);
	duplicates = duplicates_since(cfg, started);
	empty_registry = registry_empty(cfg);

	/* the record, through the commit routine: readable by the group */
	fs_path(path, sizeof path, "%s/runs", cfg->out);
	if (fs_mkdirs(path, 0750) == -1)
		return exit_for_errno(errno);
	fs_path(path, sizeof path, "%s/runs/%s.xml", cfg->out, run_id);
	time_format_iso(cfg->now, cfg->tz, iso, sizeof iso);
	if (commit_begin(&c, path, 0640) == -1) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	commit_printf(&c, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<run xmlns=\"urn:credpipe:run:1\" id=\"%s\" started=\"%s\""
	    " elapsed=\"%s\" exit=\"%s\">\n", run_id, iso, elapsed,
	    exit_text);
	if ((fp = fopen(stages_path, "r")) != NULL) {
		char name[64], code[16], ended[32];

		while (fgets(line, sizeof line, fp) != NULL) {
			ended[0] = '\0';
			if (sscanf(line, "%63s %15s %31s", name, code, ended) < 2 ||
			    !plain_word(name) || !plain_word(code) ||
			    (ended[0] && !plain_word(ended)))
				continue;
			commit_printf(&c, "  <stage name=\"%s\" exit=\"%s\" "
			    "ended=\"%s\"/>\n", name, code, ended);
		}
		fclose(fp);
	}
	for (int o = 0; o < 5; o++)
		if (counts.outcome[o])
			commit_printf(&c, "  <count outcome=\"%s\" n=\"%d\"/>\n",
			    run_outcomes[o], counts.outcome[o]);
	for (int i = 0; i < counts.nreasons; i++)
		commit_printf(&c, "  <count reason=\"%s\" n=\"%d\"/>\n",
		    counts.reason[order[i]], counts.reason_n[order[i]]);
	commit_printf(&c, "  <batches n=\"%s\"/>\n", batches);
	commit_printf(&c, "  <inbox settling=\"%d\" incomplete=\"%d\" "
	    "duplicates=\"%d\"/>\n", settling, incomplete, duplicates);
	if (empty_registry)
		commit_printf(&c, "  <warning>the registry holds no "
		    "credentials</warning>\n");
	for (size_t i = 0; i < nids; i++)
		commit_printf(&c, "  <dossier id=\"%s\" outcome=\"%s\"/>\n",
		    ids[i], outc[i]);
	commit_printf(&c, "</run>\n");
	if (commit_end(&c) == -1) {
		log_warn("%s: cannot write the run record", path);
		status = exit_for_errno(errno);
	}

	if (empty_registry)
		log_warnx("the registry %s holds no credentials: "
		    "every claim is checked as not-verified no-record "
		    "(credpipe records import FILE)", cfg->records);
	if (cfg->verbosity != LOG_QUIET || strcmp(exit_text, "0") != 0 ||
	    status != 0) {
		for (int o = 0; o < 5; o++)
			n += counts.outcome[o];
		printf("dossiers: %d (", n);
		for (int o = 0; o < 5; o++)
			printf("%s%s %d", o ? ", " : "", run_outcomes[o],
			    counts.outcome[o]);
		printf(")\nreasons: ");
		for (int i = 0; i < counts.nreasons; i++)
			printf("%s%s %d", i ? ", " : "", counts.reason[order[i]],
			    counts.reason_n[order[i]]);
		printf("%s\n", counts.nreasons ? "" : "none");
		printf("duplicates: %d\n", duplicates);
		printf("still in the inbox: %d settling, %d incomplete\n",
		    settling, incomplete);
		printf("batches: %s\nelapsed: %s s\n", batches, elapsed);
	}
	for (size_t i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	free(outc);
	if (fflush(stdout) == EOF)
		fatal("stdout");
	return status;
}

/*
 * cmd_run_end - the end of a run of pipeline.sh: its status, its run
 * record and summary (cmd_record), then the stages' statuses when the
 * run failed. The script knows when it started (STARTED, epoch seconds
 * with a fraction), the batches the run made, the ids that came out of
 * the last stage (IDS), when each stage ended (TIMES: "index epoch"
 * lines), how publishing the status list went (PUBLISH: an exit status,
 * or "none" without a records program) and each stage's exit status
 * (PAIRS, "name=status", in chain order). Returns the run's status.
 */
static int
cmd_run_end(const struct config *cfg, char **arg, int narg)
{
	const char *ids_path = arg[2], *times_path = arg[3], *publish = arg[4];
	char **pairs = arg + 5;
	int npairs = narg - 5, codes[16], exit_status, status;
	double started = strtod(arg[0], NULL), ended[16];
	long batches = strtol(arg[1], NULL, 10);
	char run_id[64], elapsed[32], exit_text[16], batches_text[32],
	    started_text[32], stages_path[4096], line[128];
	char *record_args[7];
	FILE *fp;

	if (started <= 0 || npairs < 1 || npairs > 16) {
		log_warnx("run-end: bad arguments");
		return EX_SOFTWARE;
	}
	for (int i = 0; i < npairs; i++) {
		const char *eq = strchr(pairs[i], '=');

		ended[i] = -1;
		if (eq == NULL || eq == pairs[i]) {
			log_warnx("run-end: %s: not NAME=STATUS", pairs[i]);
			return EX_SOFTWARE;
		}
		codes[i] = atoi(eq + 1);
	}
	snprintf(elapsed, sizeof elapsed, "%.2f", real_now() - started);
	/* (on a full disk the script's line is lost: the record lacks it) */
	if ((fp = fopen(times_path, "r")) != NULL) {
		int index;
		double at;

		while (fgets(line, sizeof line, fp) != NULL)
			if (sscanf(line, "%d %lf", &index, &at) == 2 &&
			    index >= 0 && index < npairs)
				ended[index] = at - started;
		fclose(fp);
	}
	exit_status = run_status_of(codes, npairs);
	/*
	 * The signed status list relying parties verify against offline
	 * (verify(1)) was published after the chain; a failure leaves the
	 * last one in place, and the next run publishes it.
	 */
	if (strcmp(publish, "none") != 0 && strcmp(publish, "0") != 0) {
		log_warnx("%s/publish/status.xml: cannot publish the status list",
		    cfg->out);
		if (exit_status == 0)
			exit_status = EX_TEMPFAIL;
	}
	/* the run's own start when no --now replays a time */
	run_id_at(cfg, cfg->now_given ? cfg->now : (time_t)started, run_id,
	    sizeof run_id);
	snprintf(exit_text, sizeof exit_text, "%d", exit_status);
	snprintf(batches_text, sizeof batches_text, "%ld",
	    batches < 0 ? 0 : batches);
	snprintf(started_text, sizeof started_text, "%lld",
	    (long long)started);
	/* cmd_record's "name exit ended" lines, beside the ids */
	fs_path(stages_path, sizeof stages_path, "%s-stages", ids_path);
	if ((fp = fopen(stages_path, "w")) != NULL) {
		for (int i = 0; i < npairs; i++) {
			fprintf(fp, "%.*s %d", (int)strcspn(pairs[i], "="),
			    pairs[i], codes[i]);
			if (ended[i] >= 0)
				fprintf(fp, " %.2f", ended[i]);
			fprintf(fp, "\n");
		}
		fclose(fp);     /* a line lost on a full disk: said below */
	}
	record_args[0] = run_id;
	record_args[1] = elapsed;
	record_args[2] = exit_text;
	record_args[3] = batches_text;
	record_args[4] = stages_path;
	record_args[5] = (char *)ids_path;
	record_args[6] = started_text;
	status = cmd_record(cfg, record_args);
	unlink(stages_path);
	if (status != 0) {
		log_warnx("%s/runs/%s.xml: cannot write the run record (disk "
		    "full or read-only?); the dossiers' own results are kept",
		    cfg->out, run_id);
		if (exit_status == 0)
			exit_status = EX_TEMPFAIL;
	}
	if (exit_status != 0) {
		printf("status: %d (stages:", exit_status);
		for (int i = 0; i < npairs; i++)
			printf(" %s", pairs[i]);
		printf(")\n");
		if (fflush(stdout) == EOF)
			fatal("stdout");
	}
	return exit_status;
}

/* new_run_id - OUT/runs/<stamp>-<n>: the first free sequence number */
static void
new_run_id(const struct config *cfg, char *id, size_t size)
{
	run_id_at(cfg, cfg->now, id, size);
}

/*
 * record_repair - an operator's repair in the registry (table repairs)
 * and as a run record of its own, so that `show` and the run records
 * tell every hand that touched the dossier.
 */
static int
record_repair(const struct config *cfg, const char *id, const char *verb,
    const char *outcome)
{
	struct registry *reg;
	char iso[48], run_id[64], path[4096];
	struct commit c;
	int status;

	time_format_iso(cfg->now, cfg->tz, iso, sizeof iso);
	if ((reg = registry_open(cfg->records, &status)) == NULL)
		return status;
	if (registry_record_repair(reg, id, verb, iso) == -1) {
		status = registry_status(reg);
		registry_close(reg);
		return status ? status : EX_SOFTWARE;
	}
	registry_close(reg);
	new_run_id(cfg, run_id, sizeof run_id);
	fs_path(path, sizeof path, "%s/runs/%s.xml", cfg->out, run_id);
	if (commit_begin(&c, path, 0640) == -1)
		return exit_for_errno(errno);
	commit_printf(&c, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<run xmlns=\"urn:credpipe:run:1\" id=\"%s\" started=\"%s\" "
	    "elapsed=\"0\" exit=\"0\" repair=\"%s\">\n"
	    "  <dossier id=\"%s\" outcome=\"%s\"/>\n</run>\n", run_id, iso,
	    verb, id, outcome);
	if (commit_end(&c) == -1)
		return exit_for_errno(errno);
	return 0;
}

/*
 * supersede - move the decision files of dossier DIR (STAGES' results,
 * REASON, the published result, the notice or report PDF) aside into
 * DIR/superseded/<n>/, kept for the record; the stages then decide again
 * from the first missing result, under the dossier's own id.
 */
static int
supersede(const struct config *cfg, const char *id, const char *dir,
    const char *const *stages)
{
	char aside[4096], from[4096], to[4096];
	int n;

	for (n = 1;; n++) {
		fs_path(aside, sizeof aside, "%s/superseded/%d", dir, n);
		if (!fs_exists(aside))
			break;
	}
	if (fs_mkdirs(aside, 0700) == -1)
		return -1;
	for (int i = 0; stages[i] != NULL; i++) {
		fs_path(from, sizeof from, "%s/%s", dir, stages[i]);
		fs_path(to, sizeof to, "%s/%s", aside, stages[i]);
		if (fs_exists(from) && fs_rename_durable(from, to) == -1)
			return -1;
	}
	/*
	 * The published result goes aside too: typeset publishes only over
	 * a result without a notice, report or hold, so the new decision
	 * would otherwise never replace the old one.
	 */
	result_published_path(cfg, id, from, sizeof from);
	fs_path(to, sizeof to, "%s/result.xml", aside);
	if (fs_exists(from) && fs_rename_durable(from, to) == -1)
		return -1;
	fs_path(from, sizeof from, "%s/notices/%s.pdf", cfg->out, id);
	fs_path(to, sizeof to, "%s/notices/%s.superseded-%d.pdf", cfg->out,
	    id, n);
	if (fs_exists(from) && fs_rename_durable(from, to) == -1)
		return -1;
	return n;
}

/* published_outcome - the published result of ID into R; 0 or -1 */
static int
published(const struct config *cfg, const char *id, struct result *r)
{
	char path[4096];

	result_published_path(cfg, id, path, sizeof path);
	return result_load(r, path);
}

/*
 * cmd_requeue - a decided not-verified dossier (or one check rejected)
 * back to check after the registry was fixed, with its own files and id.
 * A verified dossier keeps its report: refused.
 */
static int
cmd_requeue(const struct config *cfg, const char *id)
{
	static const char *const stages[] = { "check.xml", "typeset.xml",
	    "manifest.xml", "REASON", NULL };
	enum spool_place place;
	char dir[4096], to[4096];
	struct result r;
	int n, status;

	if (!id_valid(id)) {
		log_warnx("requeue: not a dossier id");
		return EX_USAGE;
	}
	place = spool_locate(cfg, id, dir, sizeof dir);
	if (place == SPOOL_NONE) {
		log_warnx("%s: no such dossier", id);
		return EX_DATAERR;
	}
	if (place == SPOOL_ACTIVE) {
		if (!spool_has_state(dir, "check") &&
		    spool_has_state(dir, "decode")) {
			printf("%s: already requeued: check decides it at the "
			    "next run\n", id);
			return 0;
		}
		log_warnx("%s: not decided yet: nothing to requeue", id);
		return EX_DATAERR;
	}
	if (published(cfg, id, &r) == -1) {
		log_warnx("%s: no published result: nothing to requeue", id);
		return EX_DATAERR;
	}
	if (r.outcome == OUTCOME_VERIFIED) {
		log_warnx("%s: verified: refused (its report stands)", id);
		return EX_DATAERR;
	}
	if (!spool_has_state(dir, "check") || !spool_has_state(dir, "decode")) {
		log_warnx("%s: %s before check: requeue cannot help (drop a "
		    "corrected dossier instead)", id, outcome_name(r.outcome));
		return EX_DATAERR;
	}
	if ((n = supersede(cfg, id, dir, stages)) == -1) {
		log_warn("%s: cannot set the old decision aside", id);
		return exit_for_errno(errno);
	}
	fs_path(to, sizeof to, "%s/spool/%s", cfg->home, id);
	if (fs_rename_durable(dir, to) == -1) {
		log_warn("%s: cannot move it back to the spool", id);
		return exit_for_errno(errno);
	}
	if ((status = record_repair(cfg, id, "requeue", "requeued")) != 0)
		return status;
	printf("%s: requeued (the %s decision kept as superseded/%d): check "
	    "decides it again at the next run\n", id, outcome_name(r.outcome),
	    n);
	return 0;
}

/* cmd_release - a held dossier tried again from typeset */
static int
cmd_release(const struct config *cfg, const char *id)
{
	static const char *const stages[] = { "typeset.xml", "manifest.xml",
	    NULL };
	enum spool_place place;
	char dir[4096], path[4096];
	struct result r;
	int n, held = 0, status;

	if (!id_valid(id)) {
		log_warnx("release: not a dossier id");
		return EX_USAGE;
	}
	place = spool_locate(cfg, id, dir, sizeof dir);
	if (place != SPOOL_ACTIVE) {
		log_warnx("%s: %s: not held", id, place == SPOOL_NONE ?
		    "no such dossier" : "finished");
		return EX_DATAERR;
	}
	for (int i = 0; stages[i] != NULL; i++) {
		fs_path(path, sizeof path, "%s/%s", dir, stages[i]);
		if (fs_exists(path) && result_load(&r, path) == 0 && r.held[0])
			held = 1;
	}
	if (!held) {
		if (spool_has_state(dir, "check") &&
		    !spool_has_state(dir, "typeset")) {
			printf("%s: not held: typeset takes it at the next run\n",
			    id);
			return 0;
		}
		log_warnx("%s: not held", id);
		return EX_DATAERR;
	}
	if ((n = supersede(cfg, id, dir, stages)) == -1) {
		log_warn("%s: cannot set the hold aside", id);
		return exit_for_errno(errno);
	}
	if ((status = record_repair(cfg, id, "release", "released")) != 0)
		return status;
	printf("%s: released (the hold kept as superseded/%d): typeset tries "
	    "it again at the next run\n", id, n);
	return 0;
}

/*
 * record_reprint - a reprint in the registry (a repairs row "VERB" for
 * each of the N parcels' dossiers, one transaction) and as a run record
 * naming them, as record_repair does for requeue and release.
 */
static int
record_reprint(const struct config *cfg, struct registry *reg,
    const char *verb, const struct parcel *parcels, size_t n)
{
	char iso[48], run_id[64], path[4096];
	struct commit c;
	int status;

	time_format_iso(cfg->now, cfg->tz, iso, sizeof iso);
	if (registry_begin(reg) == -1)
		goto failed;
	for (size_t i = 0; i < n; i++)
		if (registry_record_repair(reg, parcels[i].dossier_id, verb,
		    iso) == -1) {
			registry_rollback(reg);
			goto failed;
		}
	if (registry_commit(reg) == -1)
		goto failed;
	new_run_id(cfg, run_id, sizeof run_id);
	fs_path(path, sizeof path, "%s/runs/%s.xml", cfg->out, run_id);
	if (commit_begin(&c, path, 0640) == -1)
		return exit_for_errno(errno);
	commit_printf(&c, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<run xmlns=\"urn:credpipe:run:1\" id=\"%s\" started=\"%s\" "
	    "elapsed=\"0\" exit=\"0\" repair=\"reprint\">\n", run_id, iso);
	for (size_t i = 0; i < n; i++)
		commit_printf(&c, "  <dossier id=\"%s\" outcome=\"reprinted\" "
		    "waybill=\"%s\"/>\n", parcels[i].dossier_id,
		    parcels[i].waybill);
	commit_printf(&c, "</run>\n");
	if (commit_end(&c) == -1)
		return exit_for_errno(errno);
	return 0;
failed:
	status = registry_status(reg);
	return status ? status : EX_SOFTWARE;
}

/*
 * run_lock - the run's lock HOME/lock, as `run` takes it: a reprint
 * reads dossiers a run may be moving from the spool to done/ and batch
 * folders a run's manifest may be recovering, so it waits for no run and
 * runs beside none. The open descriptor (closed at exit), or -1 with
 * *STATUS 75.
 */
static int
run_lock(const struct config *cfg, int *status)
{
	char path[4096];
	int fd;

	fs_path(path, sizeof path, "%s/lock", cfg->home);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", path);
		*status = EX_TEMPFAIL;
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_warnx("another run holds %s; try again later", path);
		close(fd);
		*status = EX_TEMPFAIL;
		return -1;
	}
	return fd;
}

/* reprint_open - the run's lock, the registry and the press; NULL with
 * *STATUS set */
static struct registry *
reprint_open(const struct config *cfg, struct batch_press *bp, int *status)
{
	struct registry *reg;

	if (run_lock(cfg, status) == -1)
		return NULL;
	if ((reg = registry_open(cfg->records, status)) == NULL) {
		*status = *status ? *status : EX_SOFTWARE;
		return NULL;
	}
	batch_press_init(bp, cfg, reg);
	return reg;
}

/* reprint_load - batch ID for reprint; 0, or the exit status (said) */
static int
reprint_load(struct batch_press *bp, const char *id, struct batch *b)
{
	char why[512], shown[256];
	int rc = batch_load(bp, id, b, why, sizeof why);

	if (rc == 1)
		return 0;
	log_warnx("reprint: %s: %s", show_text(id, shown, sizeof shown), why);
	if (rc == 0 || registry_status(bp->reg) == 0)
		return EX_DATAERR;
	return registry_status(bp->reg);
}

/* build_failed - the exit status of a batch that could not be rebuilt */
static int
build_failed(const struct batch_press *bp, int err)
{
	return bp->font_failed ? EX_CONFIG : errno_is_transient(err) ?
	    EX_TEMPFAIL : EX_SOFTWARE;
}

/*
 * cmd_reprint - rebuild courier batch ID's four files from the registry
 * and the dossiers: the same waybills, report numbers and order, so the
 * files are byte for byte the first ones when nothing changed. The
 * folder is replaced whole or not at all (batch_build). A batch whose
 * files are intact is left alone and nothing is recorded: idempotent.
 */
static int
cmd_reprint(const struct config *cfg, const char *id)
{
	struct batch_press bp;
	struct registry *reg;
	struct batch b;
	enum batch_built built;
	char verb[96];
	int status;

	if ((reg = reprint_open(cfg, &bp, &status)) == NULL)
		return status;
	if ((status = reprint_load(&bp, id, &b)) != 0)
		goto out;
	built = batch_build(&bp, &b, 1);
	if (built == BATCH_FAILED) {
		log_warnx("reprint: %s: not rebuilt; the batch folder is as "
		    "it was", b.id);
		status = build_failed(&bp, errno);
	} else if (built == BATCH_SAME) {
		printf("%s: intact (its files are as built): nothing "
		    "rewritten\n", b.id);
	} else {
		snprintf(verb, sizeof verb, "reprint %s", b.id);
		status = record_reprint(cfg, reg, verb, b.parcels, b.nparcels);
		if (status == 0)
			printf("%s: reprinted, %zu parcels with their own "
			    "waybills: %s/courier/%s\n", b.id, b.nparcels,
			    cfg->out, b.id);
	}
	free((void *)b.parcels);
out:
	batch_press_close(&bp);
	registry_close(reg);
	return status;
}

/*
 * cmd_reprint_label - the label of the parcel with WAYBILL alone, as
 * OUT/courier/<date>/<courier>-<n>/label-<WAYBILL>.pdf beside its batch
 * (rebuilt first when its folder is gone, so that a folder is never
 * there with only a label in it). The same page labels.pdf has for it.
 */
static int
cmd_reprint_label(const struct config *cfg, const char *waybill)
{
	char dossier[64], batch_id[64], dir[4096], path[4096], shown[256];
	struct batch_press bp;
	struct registry *reg;
	struct batch b = { 0 };
	unsigned char *pdf = NULL;
	size_t len, i;
	char *old;
	size_t oldlen;
	int status, rc, same = 0;

	if ((reg = reprint_open(cfg, &bp, &status)) == NULL)
		return status;
	rc = registry_shipment_of_waybill(reg, waybill, dossier, batch_id,
	    sizeof batch_id);
	if (rc != 1 || batch_id[0] == '\0') {
		show_text(waybill, shown, sizeof shown);
		if (rc == -1)
			status = registry_status(reg) ? registry_status(reg) :
			    EX_SOFTWARE;
		else
			status = EX_DATAERR;
		log_warnx("reprint: %s: %s", shown, rc == -1 ? "the registry "
		    "cannot be read" : rc == 0 ? "no such waybill in the "
		    "registry" : "not in a batch yet: the next run ships it");
		goto out;
	}
	if ((status = reprint_load(&bp, batch_id, &b)) != 0)
		goto out;
	for (i = 0; i < b.nparcels; i++)
		if (strcmp(b.parcels[i].waybill, waybill) == 0)
			break;
	fs_path(dir, sizeof dir, "%s/courier/%s", cfg->out, b.id);
	if (i == b.nparcels) {
		log_warnx("reprint: %s: not among batch %s's parcels", waybill,
		    b.id);
		status = EX_SOFTWARE;
	} else if (!fs_is_dir(dir) && batch_build(&bp, &b, 1) ==
	    BATCH_FAILED) {
		log_warnx("reprint: %s: its batch folder is gone and cannot "
		    "be rebuilt", b.id);
		status = build_failed(&bp, errno);
	} else if (batch_label(&bp, &b, i, &pdf, &len) == -1) {
		status = build_failed(&bp, errno);
	} else {
		fs_path(path, sizeof path, "%s/label-%s.pdf", dir, waybill);
		if (fs_read_file(path, 64 << 20, &old, &oldlen) == 0) {
			same = oldlen == len && memcmp(old, pdf, len) == 0;
			free(old);
		}
		if (same) {
			printf("%s: intact: nothing rewritten\n", path);
		} else if (commit_file(path, pdf, len, 0640) == -1) {
			log_warn("%s", path);
			status = exit_for_errno(errno);
		} else {
			char verb[96];

			snprintf(verb, sizeof verb, "reprint label %s", waybill);
			status = record_reprint(cfg, reg, verb, &b.parcels[i],
			    1);
			if (status == 0)
				printf("%s: the label of %s (%s)\n", path,
				    waybill, b.parcels[i].dossier_id);
		}
	}
	free(pdf);
	free((void *)b.parcels);
out:
	batch_press_close(&bp);
	registry_close(reg);
	return status;
}

/* print_repair - one repair of show */
static int
print_repair(void *ctx, const char *verb, const char *at)
{
	printf("  %s %s\n", at, verb);
	return 0;
}

/*
 * resolve_id - the dossier an operator names: its id, or the code of its
 * report as printed (grouped, any case), or its paper report number
 * (lookup_key, shared with `records show`).
 */
static int
resolve_id(const struct config *cfg, const char *arg, char *id, size_t size)
{
	struct registry *reg;
	struct lookup l;
	int status, rc;

	if ((reg = registry_open(cfg->records, &status)) == NULL)
		return -1;
	rc = lookup_key(cfg, reg, arg, &l);
	registry_close(reg);
	if (rc == 1 && l.dossier_id[0] == '\0')
		rc = 0;         /* a report imported from elsewhere */
	if (rc == 1)
		snprintf(id, size, "%s", l.dossier_id);
	return rc;
}

/* cmd_show - one dossier's whole story */
static int
cmd_show(const struct config *cfg, const char *arg)
{
	static const char *const places[] = { "nowhere", "spool", "done",
	    "quarantine" };
	static const char *const stages[] = { "claim", "validate", "decode",
	    "check", "typeset", "manifest" };
	char id[64], dir[4096], path[4096], shown[2048], outcome[32];
	struct registry *reg;
	struct result r;
	struct claim c;
	char **names;
	size_t n;
	int status;

	if (resolve_id(cfg, arg, id, sizeof id) != 1) {
		show_text(arg, shown, sizeof shown);
		log_warnx("%s: no dossier, report code or number", shown);
		return EX_DATAERR;
	}
	enum spool_place place = spool_locate(cfg, id, dir, sizeof dir);
	printf("dossier: %s\nlies in: %s (%s)\n", id, places[place],
	    place == SPOOL_NONE ? "-" : dir);
	if (place != SPOOL_NONE && claim_load(dir, &c) == 0)
		printf("folder: %s\nclaimed: %s\n",
		    show_text(c.folder, shown, sizeof shown), c.claimed);
	printf("stage files:");
	for (size_t i = 0; place != SPOOL_NONE && i < 6; i++)
		if (spool_has_state(dir, stages[i]))
			printf(" %s", stages[i]);
	printf("\n");
	if (published(cfg, id, &r) == 0) {
		printf("result: %s", r.held[0] ? "held" : outcome_name(r.outcome));
		for (int i = 0; i < r.nreasons; i++)
			printf(" %s", r.reasons[i].code);
		printf("\n");
		if (r.decided[0])
			printf("decided: %s\n", r.decided);
		if (r.held[0])
			printf("held: %s\n", show_text(r.held, shown, sizeof shown));
		if (r.report_code[0])
			printf("code: %.4s %.4s %.4s %.4s\n", r.report_code,
			    r.report_code + 4, r.report_code + 8,
			    r.report_code + 12);
		if (r.report_number[0])
			printf("report number: %s\n", r.report_number);
		if (r.report_file[0])
			printf("report: %s\n", r.report_file);
		if (r.notice_file[0])
			printf("notice: %s\n", r.notice_file);
		if (r.ship_waybill[0])
			printf("shipment: %s %s in batch %s\n", r.ship_courier,
			    r.ship_waybill, r.ship_batch);
	} else
		printf("result: none published\n");
	if ((reg = registry_open(cfg->records, &status)) != NULL) {
		if (registry_find_decision(reg, id, outcome, sizeof outcome) == 1)
			printf("registry decision: %s\n", outcome);
		printf("repairs:\n");
		registry_each_repair(reg, id, print_repair, NULL);
		registry_close(reg);
	}
	printf("runs:\n");
	fs_path(path, sizeof path, "%s/runs", cfg->out);
	if (fs_list(path, keep_xml, NULL, &names, &n) == 0) {
		char needle[96];

		snprintf(needle, sizeof needle, "<dossier id=\"%s\"", id);
		for (size_t i = 0; i < n; i++) {
			char *text, file[4096];
			size_t len;

			fs_path(file, sizeof file, "%s/%s", path, names[i]);
			if (fs_read_file(file, 64 * 1024 * 1024, &text, &len) == 0) {
				if (strstr(text, needle) != NULL)
					printf("  %.*s\n", (int)strlen(names[i]) - 4,
					    names[i]);
				free(text);
			}
		}
		fs_list_free(names, n);
	}
	return 0;
}

/* cmd_status - what waits where, oldest first, against the deadline */
static int
cmd_status(const struct config *cfg)
{
	struct rows held = { 0 };

	printf("ages against the decision deadline of %d days "
	    "(OVERDUE past it)\n", cfg->deadline_days);
	status_inbox(cfg);
	status_spool(cfg, &held);
	status_held(cfg, &held);
	status_quarantine(cfg);
	status_waybills(cfg);
	submit_status(cfg);
	if (fflush(stdout) == EOF)
		fatal("stdout");
	return 0;
}

/*
 * stage_options - the options before operand ARGI (getopt has moved every
 * option there), less submit's own: what each stage of a submitted run
 * gets, NULL-ended. ARGV itself is reused.
 */
static char **
stage_options(char **argv, int argi)
{
	static const char *const own[] = { "--shards", "--max-running",
	    "--wait", "--group", NULL };
	char **v = calloc((size_t)argi + 1, sizeof *v);
	int n = 0;

	if (v == NULL)
		fatal("options");
	for (int i = 1; i < argi; i++) {
		int skip = 0;

		for (int k = 0; own[k] != NULL && !skip; k++) {
			size_t len = strlen(own[k]);

			if (strncmp(argv[i], own[k], len) == 0 &&
			    argv[i][len] == '=')
				skip = 1;
			else if (strcmp(argv[i], own[k]) == 0)
				skip = strcmp(own[k], "--wait") == 0 ? 1 : 2;
		}
		if (skip == 2)
			i++;
		else if (skip == 0)
			v[n++] = argv[i];
	}
	v[n] = NULL;
	return v;
}

/* index_of - the index of the very string WORD in ARGV (by address) */
static int
index_of(char **argv, int argc, const char *word)
{
	for (int i = 0; i < argc; i++)
		if (argv[i] == word)
			return i;
	return argc;
}

/*
 * credpipe_usage - the brief manual of credpipe itself, whose command
 * line is read here (cmd_command_line)
 */
static void
credpipe_usage(FILE *fp)
{
	fputs(
"usage: credpipe run      [options]   one batch run (what cron calls)\n"
"       credpipe drop     DIR...      hand dossier folders to the inbox atomically\n"
"       credpipe status   [options]   what waits where, oldest first\n"
"       credpipe init --home H [--group G]   make a new HOME\n"
"       credpipe show     ID|CODE|NUMBER  one dossier's whole story\n"
"       credpipe requeue  ID          a not-verified dossier back to check\n"
"       credpipe release  ID          a held dossier tried again\n"
"       credpipe reprint  BATCH | --label WAYBILL  a courier batch's files again\n"
"       credpipe records  SUBCOMMAND  import/export/query the registry\n"
"       credpipe verify   FILE...     is this report genuine and still valid? (offline)\n"
"       credpipe submit   [options] [--shards N] [--max-running K] [--wait]\n"
"                                     the run as Slurm jobs (scale-out)\n"
"       credpipe demo                 the whole pipeline on samples/\n"
"       credpipe --help | --version\n"
"\n"
"Options (also CREDPIPE_KEY in the environment, KEY=value in the config file):\n"
"  --home DIR                 state root ($CREDPIPE_HOME, else " CONFIG_DEFAULT_HOME ")\n"
"  --inbox DIR  --out DIR  --records FILE\n"
"  --jobs N                   parallel workers (default: CPUs)\n"
"  --now TIME                 the clock, ISO 8601 (replays, tests)\n"
"  --settle SECONDS           quiet time before claiming (60)\n"
"  --incomplete-after HOURS   reject incomplete folders after (24)\n"
"  --verify-url URL  --tz OFFSET  --font FILE  --batch-size N\n"
"  --config FILE              KEY=value file (default HOME/credpipe.conf)\n"
"  --quiet | --verbose        what a run prints\n"
"\n"
"Exit status: 0 done, 75 locked or try again later, 64 usage,\n"
"78 configuration, 70 internal error. See credpipe(1).\n", fp);
}

/*
 * answer_run_or_drop - the checks of run's and drop's command lines that
 * come before any configuration is read (64), then the HOME they need
 * (78): drop's folders must be folders, not links to one, so that what
 * lands in the inbox is what the operator named.
 */
static int
answer_run_or_drop(const struct config *cfg, const char *command,
    char **operands, int n, const char *group)
{
	char shown[2048];
	struct stat st;

	if (strcmp(command, "run") == 0) {
		if (group[0] != '\0') {
			log_warnx("--group belongs to init");
			return EX_USAGE;
		}
		if (n > 0) {
			log_warnx("run takes no operands (see --help)");
			return EX_USAGE;
		}
	} else if (n == 0) {
		log_warnx("drop: which folders? (see --help)");
		return EX_USAGE;
	}
	for (int i = 0; i < n; i++)
		if (lstat(operands[i], &st) == -1 || !S_ISDIR(st.st_mode)) {
			log_warnx("drop: %s: not a folder",
			    show_text(operands[i], shown, sizeof shown));
			return EX_USAGE;
		}
	return home_require(cfg);
}

/*
 * cmd_command_line - credpipe's command line ARGV (ARGV[0] the name the
 * user typed), read for pipeline.sh with the options table every program
 * shares, so that the script keeps no second table that could disagree:
 * --help and --version are answered on stdout; a bad option or value is
 * refused (64, 78) under credpipe's name. The answer goes to file
 * descriptor 3, stdout staying the user's: "COMMAND=N", N the index of
 * the command word in ARGV; for run and drop, which the script carries
 * out itself, the configuration as --print-config prints it and
 * "OPERANDS=I J..." the indexes of drop's folders. The words after
 * `records`, `verify`, `reprint` and `submit` are their own and are not
 * read here.
 */
static int
cmd_command_line(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "group", required_argument, NULL, OPT_GROUP },
		{ NULL, 0, NULL, 0 } };
	struct control_args args = { "", 0, 0, NULL, { 0, 0, 0 } };
	struct config cfg;
	char **words;
	int at, parsed, argi, status, n;
	const char *command;

	log_init(argv[0], LOG_NORMAL);
	at = config_first_operand(argc, argv, extra);
	command = at < argc ? argv[at] : "";
	parsed = strcmp(command, "records") == 0 ||
	    strcmp(command, "verify") == 0 ||
	    strcmp(command, "reprint") == 0 ||
	    strcmp(command, "submit") == 0 ? at : argc;
	/* getopt_long reorders its array: the indexes are ARGV's */
	if ((words = calloc((size_t)argc + 1, sizeof *words)) == NULL)
		fatal("command line");
	memcpy(words, argv, (size_t)parsed * sizeof *words);
	if ((argi = config_parse(&cfg, parsed, words, extra, on_option, &args,
	    &status)) == -1) {
		config_free(&cfg);
		free(words);
		return status;
	}
	if (parsed == argc)
		at = argi < argc ? index_of(argv, argc, words[argi]) : argc;
	status = 0;
	if (cfg.help)
		credpipe_usage(stdout);
	else if (cfg.version)
		printf("credpipe %s\n", CREDPIPE_VERSION);
	else if (at == argc) {
		credpipe_usage(stderr);
		status = EX_USAGE;
	} else if (dup2(3, STDOUT_FILENO) == -1) {
		log_warn("command-line: the answer's descriptor 3");
		status = EX_USAGE;
	} else {
		printf("COMMAND=%d\n", at);
		n = parsed == argc ? argc - argi - 1 : 0;
		if (strcmp(argv[at], "run") == 0 ||
		    strcmp(argv[at], "drop") == 0) {
			if ((status = answer_run_or_drop(&cfg, argv[at],
			    words + argi + 1, n, args.group)) == 0 &&
			    (status = print_config(&cfg)) == 0) {
				printf("OPERANDS=");
				for (int i = 0; i < n; i++)
					printf("%s%d", i ? " " : "",
					    index_of(argv, argc, words[argi + 1 + i]));
				printf("\n");
			}
		}
	}
	if (fflush(stdout) == EOF)
		fatal("stdout");
	config_free(&cfg);
	free(words);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
		{ "example-config", no_argument, NULL, OPT_EXAMPLE_CONFIG },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "shards", required_argument, NULL, OPT_SHARDS },
		{ "max-running", required_argument, NULL, OPT_MAX_RUNNING },
		{ "wait", no_argument, NULL, OPT_WAIT },
		{ NULL, 0, NULL, 0 } };
	struct control_args args = { "", 0, 0, NULL, { 0, 0, 0 } };
	struct config cfg;
	int status, argi, done;
	const char *verb;

	/* credpipe's own command line, not control's (cmd_command_line) */
	if (argc >= 2 && strcmp(argv[1], "command-line") == 0) {
		argv[1] = argv[0];
		return cmd_command_line(argc - 1, argv + 1);
	}
	/* init makes the HOME every other verb requires: checked below */
	program_home_optional();
	argi = program_start(&cfg, argc, argv, extra, on_option, &args, usage,
	    PROGRAM_ANY_OPERANDS, &status);
	if (argi == -1)
		return status;
	verb = argi < argc ? argv[argi] : NULL;
	if (args.example_config && verb == NULL) {
		char *text = home_config_text("");

		if (text == NULL || fputs(text, stdout) == EOF ||
		    fflush(stdout) == EOF)
			fatal("example config");
		free(text);
	} else if (args.print_config && verb == NULL) {
		if ((status = home_require(&cfg)) == 0)
			status = print_config(&cfg);
	} else if (verb != NULL && strcmp(verb, "status") == 0 &&
	    argc - argi == 1 && !args.print_config) {
		if ((status = home_require(&cfg)) == 0)
			status = cmd_status(&cfg);
	} else if (verb != NULL && strcmp(verb, "submit") == 0 &&
	    argc - argi == 1) {
		char **stage_args = stage_options(argv, argi);

		if ((status = home_require(&cfg)) == 0)
			status = submit_run(&cfg, stage_args, &args.submit);
		free(stage_args);
	} else if (verb != NULL && strcmp(verb, "slurm-job") == 0 &&
	    argc - argi == 3) {
		char **stage_args = stage_options(argv, argi);

		if ((status = home_require(&cfg)) == 0)
			status = submit_job(&cfg, argv[argi + 1],
			    argv[argi + 2], stage_args);
		free(stage_args);
	} else if (verb != NULL && strcmp(verb, "record") == 0 &&
	    argc - argi == 8) {
		if ((status = home_require(&cfg)) == 0)
			status = cmd_record(&cfg, argv + argi + 1);
	} else if (verb != NULL && strcmp(verb, "run-end") == 0 &&
	    argc - argi >= 7) {
		if ((status = home_require(&cfg)) == 0)
			status = cmd_run_end(&cfg, argv + argi + 1,
			    argc - argi - 1);
	} else if (verb != NULL && argc - argi == 2 &&
	    (strcmp(verb, "requeue") == 0 || strcmp(verb, "release") == 0 ||
	    strcmp(verb, "show") == 0)) {
		if ((status = home_require(&cfg)) == 0)
			status = strcmp(verb, "show") == 0 ?
			    cmd_show(&cfg, argv[argi + 1]) :
			    strcmp(verb, "requeue") == 0 ?
			    cmd_requeue(&cfg, argv[argi + 1]) :
			    cmd_release(&cfg, argv[argi + 1]);
	} else if (verb != NULL && strcmp(verb, "reprint") == 0 &&
	    argc - argi == (args.label != NULL ? 1 : 2)) {
		if ((status = home_require(&cfg)) == 0)
			status = args.label != NULL ?
			    cmd_reprint_label(&cfg, args.label) :
			    cmd_reprint(&cfg, argv[argi + 1]);
	} else if (verb != NULL && strcmp(verb, "init") == 0 &&
	    argc - argi == 1 && !args.print_config) {
		status = home_init(&cfg, args.group[0] != '\0' ? args.group :
		    cfg.group, &done);
		if (status == 0 && done)
			printf("%s: a new credpipe home\n", cfg.home);
	} else {
		usage(stderr);
		status = EX_USAGE;
	}
	config_free(&cfg);
	return status;
}
