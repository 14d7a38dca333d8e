/*
 * log.c - the one logging interface and the retry-or-reject decision.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *program_name = "credpipe";
static enum log_level current_level = LOG_NORMAL;

/* log_init - name the program in every message; set verbosity */
void
log_init(const char *program, enum log_level level)
{
	const char *slash = strrchr(program, '/');

	program_name = slash ? slash + 1 : program;
	current_level = level;
}

/* log_program - the name given to log_init */
const char *
log_program(void)
{
	return program_name;
}

/* log_level_get - current verbosity */
enum log_level
log_level_get(void)
{
	return current_level;
}

/* log_emit - "program: message[: strerror]" as one write */
static void CP_PRINTF(3, 0)
log_emit(int with_errno, int err, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	n = snprintf(line, sizeof line, "%s: ", program_name);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	if (with_errno) {
		size_t used = strlen(line);
		snprintf(line + used, sizeof line - used, ": %s",
		    strerror(err));
	}
	fprintf(stderr, "%s\n", line);
}

/* log_warn - message plus ": " strerror(errno) */
void
log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(1, err, fmt, ap);
	va_end(ap);
	errno = err;
}

/* log_warnx - message alone */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(0, 0, fmt, ap);
	va_end(ap);
}

/* log_info - printed with --verbose only */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (current_level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	log_emit(0, 0, fmt, ap);
	va_end(ap);
}

/* fatal - log_warn, then exit with exit_for_errno(errno) */
void
fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(1, err, fmt, ap);
	va_end(ap);
	exit(exit_for_errno(err));
}

/* fatalx - log_warnx, then exit with the given sysexits status */
void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(0, 0, fmt, ap);
	va_end(ap);
	exit(status);
}

/* errno_is_transient - true when exit_for_errno(err) is EX_TEMPFAIL */
int
errno_is_transient(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
	case ENOMEM:
	case EMFILE:
	case ENFILE:
	case EIO:
	case EAGAIN:
	case EBUSY:
	case EINTR:
	case ETIMEDOUT:
	case EROFS:
		return 1;
	default:
		return 0;
	}
}

/* exit_for_errno - the one "retry or reject" decision */
int
exit_for_errno(int err)
{
	return errno_is_transient(err) ? EX_TEMPFAIL : EX_SOFTWARE;
}
