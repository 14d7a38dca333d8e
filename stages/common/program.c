/*
 * program.c - the opening every credpipe program shares.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "home.h"
#include "log.h"
#include "program.h"

static int home_optional;

/* program_home_optional - this run needs no initialised HOME */
void
program_home_optional(void)
{
	home_optional = 1;
}

#ifndef CREDPIPE_VERSION
#define CREDPIPE_VERSION "0.0.0"
#endif

/* program_start - umask, logging, options, --help, --version, operands */
int
program_start(struct config *cfg, int argc, char **argv,
    const struct option *extra, config_extra_fn fn, void *ctx,
    void (*usage)(FILE *), int max_operands, int *status)
{
	int argi;

	umask(077);
	log_init(argv[0], LOG_NORMAL);
	/* a next stage that ended first is EPIPE on a write: fatal_stdout */
	signal(SIGPIPE, SIG_IGN);
	argi = config_parse(cfg, argc, argv, extra, fn, ctx, status);
	if (argi == -1) {
		config_free(cfg);
		return -1;      /* config_parse said why */
	}
	*status = 0;
	if (cfg->help) {
		usage(stdout);
		config_free(cfg);
		return -1;
	}
	if (cfg->version) {
		printf("%s credpipe %s\n", log_program(), CREDPIPE_VERSION);
		config_free(cfg);
		return -1;
	}
	if (max_operands != PROGRAM_ANY_OPERANDS &&
	    argc - argi > max_operands) {
		usage(stderr);
		config_free(cfg);
		*status = EX_USAGE;
		return -1;
	}
	if (!home_optional && (*status = home_require(cfg)) != 0) {
		config_free(cfg);
		return -1;
	}
	return argi;
}

/* program_crash_point - SIGKILL here when CREDPIPE_TEST_CRASH names NAME */
void
program_crash_point(const char *name)
{
	const char *at = getenv("CREDPIPE_TEST_CRASH");

	if (at != NULL && strcmp(at, name) == 0)
		raise(SIGKILL);
}
