/*
 * log.c - the one logging interface and the retry-or-reject decision.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *program_name = "credpipe";
static enum log_level current_level = LOG_NORMAL;
static int to_syslog;           /* LOG=syslog */
/* the dossier this thread works on: the stages' workers are threads */
static _Thread_local char current_dossier[48];

/* log_set_dossier - the dossier this thread works on now (NULL: none) */
void
log_set_dossier(const char *id)
{
	snprintf(current_dossier, sizeof current_dossier, "%s",
	    id != NULL ? id : "");
}

/*
 * with_dossier - MESSAGE as it is logged: "ID: MESSAGE" when this thread
 * works on dossier ID and the message does not already begin with it
 * (most messages about a dossier do: their format stays as it was)
 */
static const char *
with_dossier(const char *message, char *buf, size_t size)
{
	size_t len = strlen(current_dossier);

	if (len == 0 || (strncmp(message, current_dossier, len) == 0 &&
	    message[len] == ':'))
		return message;
	snprintf(buf, size, "%s: %s", current_dossier, message);
	return buf;
}

/* log_use_syslog - send every message through syslog(3) (LOG=syslog) */
void
log_use_syslog(void)
{
	if (!to_syslog)
		openlog(program_name, LOG_PID, LOG_DAEMON);
	to_syslog = 1;
}

/*
 * under_journal - stderr is the journal's stream (systemd sets
 * JOURNAL_STREAM to its "device:inode"); then each line carries its
 * priority as a "<N>" prefix and no time, which the journal keeps.
 */
static int
under_journal(void)
{
	static int known, answer;
	unsigned long long dev, ino;
	const char *js;
	struct stat st;

	if (known)
		return answer;
	known = 1;
	js = getenv("JOURNAL_STREAM");
	if (js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		answer = 1;
	return answer;
}

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

/*
 * log_emit - one line per message, written at once: "TIME PROGRAM:
 * SEVERITY: message[: strerror]", TIME in ISO 8601 (UTC), so that a
 * line in a cron mail or a log file says when and who without context;
 * messages about a dossier begin with its id (with_dossier). Under the journal, "<N>"
 * priority prefixes instead of the time; with LOG=syslog, syslog(3).
 */
static void CP_PRINTF(4, 0)
log_emit(int priority, int with_errno, int err, const char *fmt, va_list ap)
{
	const char *severity = priority <= LOG_ERR ? "error" :
	    priority == LOG_WARNING ? "warning" : "info";
	char text[2048], buf[2112], stamp[32];
	const char *message;
	struct tm tm;
	time_t now;

	vsnprintf(text, sizeof text, fmt, ap);
	if (with_errno) {
		size_t used = strlen(text);
		snprintf(text + used, sizeof text - used, ": %s",
		    strerror(err));
	}
	message = with_dossier(text, buf, sizeof buf);
	if (to_syslog) {
		syslog(priority, "%s: %s", severity, message);
		return;
	}
	if (under_journal()) {
		fprintf(stderr, "<%d>%s: %s: %s\n", priority, program_name,
		    severity, message);
		return;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s: %s: %s\n", stamp, program_name, severity,
	    message);
}

/* log_warn - message plus ": " strerror(errno) */
void
log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, 1, err, fmt, ap);
	va_end(ap);
	errno = err;
}

/* log_warnx - message alone */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, 0, 0, fmt, ap);
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
	log_emit(LOG_INFO, 0, 0, fmt, ap);
	va_end(ap);
}

/* fatal - log_warn, then exit with exit_for_errno(errno) */
void
fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, 1, err, fmt, ap);
	va_end(ap);
	exit(exit_for_errno(err));
}

/*
 * fatal_stdout - stdout (the ids for the next stage) cannot be written:
 * say what it is and exit with exit_for_errno. Under pipeline.sh the last
 * stage's stdout is a file in HOME/spool, so a full disk shows up here
 * too; a pipe whose reader stopped (EPIPE: SIGPIPE is ignored, see
 * program_start) means the next stage ended first, and its own status
 * says why. Either way the spool keeps every dossier's state and the
 * next run passes the ids on: nothing is lost.
 */
void
fatal_stdout(void)
{
	int err = errno;
	char target[1024];
	ssize_t n;

	if ((n = readlink("/proc/self/fd/1", target, sizeof target - 1)) > 0)
		target[n] = '\0';
	else
		snprintf(target, sizeof target, "unknown");
	if (err == EPIPE)
		log_warnx("stdout: the next stage stopped reading; the ids "
		    "it did not get go on in the next run");
	else
		log_warnx("stdout (%s): cannot pass the ids on: %s", target,
		    strerror(err));
	exit(exit_for_errno(err));
}

/* fatalx - log_warnx, then exit with the given sysexits status */
void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, 0, 0, fmt, ap);
	va_end(ap);
	exit(status);
}

/*
 * errno_is_transient - true when exit_for_errno(err) is EX_TEMPFAIL.
 *
 * Every stage writes only under HOME (and reads only what it or an
 * earlier stage wrote there), so a disk that is full (ENOSPC), a quota
 * spent (EDQUOT), a file system remounted read-only (EROFS) or a file
 * the service user may no longer write (EACCES: an operator's chmod) is
 * a state of the machine, not a bug: nothing was committed, and once the
 * operator has made room or fixed the mode the next run finishes the
 * work. A cron monitor must see 75 for these and 70 only for what a
 * person must debug.
 */
int
errno_is_transient(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
	case EACCES:
	case ENOMEM:
	case EMFILE:
	case ENFILE:
	case EIO:
	case EAGAIN:
	case EBUSY:
	case EINTR:
	case ETIMEDOUT:
	case EROFS:
	case EPIPE:     /* the next stage stopped: its ids go on next run */
		return 1;
	default:
		return 0;
	}
}

/*
 * exit_status_combine - the status of a run of several steps that ended
 * with CURRENT so far and now NEXT: a bug (EX_SOFTWARE) wins over
 * everything, "try again later" must never hide it; otherwise the first
 * failure stays. pipeline.sh applies the same rule to the stages.
 */
int
exit_status_combine(int current, int next)
{
	if (current == EX_SOFTWARE || next == EX_SOFTWARE)
		return EX_SOFTWARE;
	return current != 0 ? current : next;
}

/* exit_for_errno - the one "retry or reject" decision */
int
exit_for_errno(int err)
{
	return errno_is_transient(err) ? EX_TEMPFAIL : EX_SOFTWARE;
}
