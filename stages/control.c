/*
 * NAME
 *	control - make, inspect and repair a credpipe HOME
 *
 * SYNOPSIS
 *	control init [--group G] [options]
 *	control --print-config [options]
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
 *	--print-config prints the resolved options as KEY=value lines, the
 *	way every program sees them (command line > CREDPIPE_* > file).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "home.h"
#include "log.h"
#include "program.h"
#include "timeutil.h"

enum { OPT_GROUP = 256, OPT_PRINT_CONFIG };

struct control_args {
	const char *group;
	int print_config;
};

/* usage - the brief manual */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: control init [--group G] [--home DIR]\n"
	    "       control --print-config [options]\n"
	    "Make a credpipe HOME, or print the configuration as every\n"
	    "program resolves it (KEY=value lines).\n"
	    "  --home DIR      state root ($CREDPIPE_HOME, else "
	    CONFIG_DEFAULT_HOME ")\n"
	    "  --group G       init: the group that drops and reads out/\n"
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

int
main(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
		{ NULL, 0, NULL, 0 } };
	struct control_args args = { "", 0 };
	struct config cfg;
	int status, argi, done;
	const char *verb;

	/* init makes the HOME every other verb requires: checked below */
	program_home_optional();
	argi = program_start(&cfg, argc, argv, extra, on_option, &args, usage,
	    PROGRAM_ANY_OPERANDS, &status);
	if (argi == -1)
		return status;
	verb = argi < argc ? argv[argi] : NULL;
	if (args.print_config && verb == NULL) {
		if ((status = home_require(&cfg)) == 0)
			status = print_config(&cfg);
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
