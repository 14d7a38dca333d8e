/*
 * program.h - the opening every credpipe program shares.
 */
#ifndef CREDPIPE_PROGRAM_H
#define CREDPIPE_PROGRAM_H

#include <stdio.h>
#include "config.h"

#define PROGRAM_ANY_OPERANDS (-1)

/*
 * program_start - umask 077 (every file under HOME is private; out/ files
 * get their exact mode from the commit routine), name the program in
 * messages, parse the options (config_parse, with the program's EXTRA
 * options handled by FN), answer --help with USAGE(stdout) and --version.
 * More than MAX_OPERANDS operands (PROGRAM_ANY_OPERANDS: no limit) is a
 * usage error: USAGE(stderr), status 64. A HOME that `credpipe init` did
 * not make is a configuration error (78) unless program_home_optional()
 * was called first (or by FN, for an option that works without HOME).
 * Returns the index of the first operand, or -1 when main must return
 * *STATUS at once (0 after --help or --version).
 */
int program_start(struct config *cfg, int argc, char **argv,
    const struct option *extra, config_extra_fn fn, void *ctx,
    void (*usage)(FILE *), int max_operands, int *status);

/* program_home_optional - this run needs no initialised HOME */
void program_home_optional(void);

/*
 * program_crash_point - tests prove recovery by having a stage SIGKILL
 * itself at a named point (CREDPIPE_TEST_CRASH=NAME); otherwise nothing.
 */
void program_crash_point(const char *name);

#endif
