/*
 * log.h - the one logging interface and the exit-status contract.
 *
 * Diagnostics go to stderr as "TIME stage: severity: object: what failed:
 * why", the object being the dossier's id whenever a dossier is at hand
 * (log_set_dossier) (TIME in ISO 8601; "<N>" priority prefixes instead under the
 * journal; syslog(3) with LOG=syslog); stdout
 * carries data only. No personal data (id-numbers, phones) is ever logged.
 * Exit codes are sysexits.h values, one meaning each; exit_for_errno() is
 * the one place that decides "retry later" (75) or "bad data" (65) or "bug".
 */
#ifndef CREDPIPE_LOG_H
#define CREDPIPE_LOG_H

#include <stdarg.h>
#include <sysexits.h>

#define CP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CP_NORETURN __attribute__((noreturn))

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };

/* log_init - name the program in every message; set verbosity */
void log_init(const char *program, enum log_level level);
/* log_program - the name given to log_init */
const char *log_program(void);
/* log_level_get - current verbosity */
enum log_level log_level_get(void);
/* log_use_syslog - send every message through syslog(3) (LOG=syslog) */
void log_use_syslog(void);
/*
 * log_set_dossier - the dossier the calling thread works on now (NULL:
 * none). Until it changes, every message that thread logs carries the
 * id as its object, "TIME PROGRAM: SEVERITY: ID: message", unless the
 * message already begins with "ID:". Each stage sets it per dossier.
 */
void log_set_dossier(const char *id);

/* log_warn - message plus ": " strerror(errno) */
void log_warn(const char *fmt, ...) CP_PRINTF(1, 2);
/* log_warnx - message alone */
void log_warnx(const char *fmt, ...) CP_PRINTF(1, 2);
/* log_info - printed with --verbose only */
void log_info(const char *fmt, ...) CP_PRINTF(1, 2);
/* fatal - log_warn, then exit with exit_for_errno(errno) */
void fatal(const char *fmt, ...) CP_PRINTF(1, 2) CP_NORETURN;
/* fatal_stdout - stdout cannot be written: name it, exit_for_errno */
void fatal_stdout(void) CP_NORETURN;
/* fatalx - log_warnx, then exit with the given sysexits status */
void fatalx(int status, const char *fmt, ...) CP_PRINTF(2, 3) CP_NORETURN;

/*
 * exit_for_errno - the one "retry or reject" decision: a failure caused by
 * the machine's state (disk full, quota, read-only file system, no write
 * permission, out of memory, too many files, I/O error, busy) is
 * EX_TEMPFAIL, so the next run retries; anything else is EX_SOFTWARE (a
 * bug or an impossible state). registry_exit_for is its counterpart for
 * SQLite results.
 */
int exit_for_errno(int err);
/* exit_status_combine - CURRENT then NEXT: 70 wins, else the first failure */
int exit_status_combine(int current, int next);
/* errno_is_transient - true when exit_for_errno(err) is EX_TEMPFAIL */
int errno_is_transient(int err);

#endif
