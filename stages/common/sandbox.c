/*
 * sandbox.c - parsers of untrusted content in limited worker processes.
 *
 * One worker per item, forked from the stage: a fork costs well under a
 * millisecond against the ~100 ms a page takes to decode (bench/decode.sh
 * measures both ways), it needs no protocol for a long-lived helper, and
 * every item starts from a clean process, so that a limit applies to one
 * item and a leak or a corrupted heap dies with it. What a fresh process
 * costs beyond the fork is memory touched for the first time (perf: page
 * faults were 9 % of decode's CPU with workers, 3 % without), so the big
 * buffers come in huge pages (image_pixels_alloc), a JPEG or PDF is the
 * file mapped rather than a copy (image.c), and what every worker would
 * load the same way is loaded before the fork (decode.c's converters).
 *
 * In the worker, before the content is touched:
 *   - every descriptor but the content (as 0), the answer pipe (as 1) and
 *     stderr is closed: descriptors of the stage (the registry, other
 *     workers' pipes) are out of reach;
 *   - RLIMIT_CORE 0, RLIMIT_CPU the time limit (SIGXCPU ends it),
 *     RLIMIT_AS the address space the worker starts with (it shares the
 *     stage's mappings) plus the memory limit;
 *   - as root: setgroups, setgid, setuid to the configured user, then
 *     verified (ids read back, setuid(0) must fail), and no_new_privs;
 *   - PR_SET_PDEATHSIG: a stage killed takes its workers with it.
 * The stage waits for the answer with poll() until the wall-clock limit,
 * then SIGKILLs the worker: a parser stuck in a loop that does not burn
 * CPU (or burns it across the CPU limit's granularity) still ends.
 *
 * The worker exits with _exit(): nothing of the stage's stdio buffers is
 * flushed from the child, and the stage's atexit handlers do not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/* the worker's exit statuses besides 0 (answered) */
#define EXIT_MEMORY 3
#define EXIT_CONFINE 4          /* limits or user could not be applied */
#define EXIT_ANSWER 5           /* the answer was too long or not sent */

/* sandbox_limits_init - the limits from CFG; 0 or -1 */
int
sandbox_limits_init(struct sandbox_limits *lim, const struct config *cfg)
{
	struct passwd *pw;

	memset(lim, 0, sizeof *lim);
	lim->enabled = cfg->workers;
	lim->memory_mb = cfg->worker_memory_mb;
	lim->time_s = cfg->worker_time;
	snprintf(lim->user, sizeof lim->user, "%s", cfg->worker_user);
	lim->uid = geteuid();
	lim->gid = getegid();
	if (geteuid() != 0 || !lim->enabled)
		return 0;
	errno = 0;
	if ((pw = getpwnam(lim->user)) == NULL) {
		log_warnx("WORKER_USER: no user \"%.64s\"%s%s", lim->user,
		    errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		log_warnx("WORKER_USER: \"%.64s\" is root or in group root; "
		    "workers must not be", lim->user);
		return -1;
	}
	lim->uid = pw->pw_uid;
	lim->gid = pw->pw_gid;
	return 0;
}

/* msg_reserve - room for N more bytes in M; 0 or -1 (overflow set) */
static int
msg_reserve(struct sandbox_msg *m, size_t n)
{
	unsigned char *p;
	size_t size;

	if (m->overflow || n > SANDBOX_REPLY_MAX - m->len) {
		m->overflow = 1;
		return -1;
	}
	if (m->len + n <= m->size)
		return 0;
	size = m->size ? m->size : 4096;
	while (size < m->len + n)
		size *= 2;
	if (size > SANDBOX_REPLY_MAX)
		size = SANDBOX_REPLY_MAX;
	if ((p = realloc(m->buf, size)) == NULL) {
		m->overflow = 1;
		return -1;
	}
	m->buf = p;
	m->size = size;
	return 0;
}

/* sandbox_put - one field: tag, length (4 bytes, big-endian), bytes */
void
sandbox_put(struct sandbox_msg *m, int tag, const void *data, size_t len)
{
	unsigned char *p;

	if (len > UINT32_MAX || msg_reserve(m, 5 + len) == -1)
		return;
	p = m->buf + m->len;
	p[0] = (unsigned char)tag;
	p[1] = (unsigned char)(len >> 24);
	p[2] = (unsigned char)(len >> 16);
	p[3] = (unsigned char)(len >> 8);
	p[4] = (unsigned char)len;
	if (len > 0)
		memcpy(p + 5, data, len);
	m->len += 5 + len;
}

/* sandbox_put_str - a string field (without its NUL) */
void
sandbox_put_str(struct sandbox_msg *m, int tag, const char *s)
{
	sandbox_put(m, tag, s, strlen(s));
}

/* sandbox_put_int - a number as decimal text */
void
sandbox_put_int(struct sandbox_msg *m, int tag, long long v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", v);
	sandbox_put_str(m, tag, buf);
}

/* sandbox_get - the next field; 1, 0 at the end, -1 malformed */
int
sandbox_get(struct sandbox_msg *m, int *tag, const unsigned char **data,
    size_t *len)
{
	const unsigned char *p;
	size_t n;

	if (m->pos == m->len)
		return 0;
	if (m->len - m->pos < 5)
		return -1;
	p = m->buf + m->pos;
	n = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
	if (n > m->len - m->pos - 5)
		return -1;
	*tag = p[0];
	*data = p + 5;
	*len = n;
	m->pos += 5 + n;
	return 1;
}

/* sandbox_peek - the tag of the next field; 0 at the end */
int
sandbox_peek(const struct sandbox_msg *m)
{
	return m->pos < m->len ? m->buf[m->pos] : 0;
}

/* sandbox_get_str - the next field, tagged TAG, as a string; 0 or -1 */
int
sandbox_get_str(struct sandbox_msg *m, int tag, char *buf, size_t size)
{
	const unsigned char *data;
	size_t len;
	int t;

	if (sandbox_get(m, &t, &data, &len) != 1 || t != tag || len >= size ||
	    memchr(data, '\0', len) != NULL)
		return -1;
	memcpy(buf, data, len);
	buf[len] = '\0';
	return 0;
}

/* sandbox_get_int - the next field, tagged TAG, a number in [LO, HI] */
int
sandbox_get_int(struct sandbox_msg *m, int tag, long long lo, long long hi,
    long long *v)
{
	char buf[32], *end;

	if (sandbox_get_str(m, tag, buf, sizeof buf) == -1 || buf[0] == '\0')
		return -1;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	if (errno || *end != '\0' || *v < lo || *v > hi)
		return -1;
	return 0;
}

/* sandbox_msg_free - release the buffer */
void
sandbox_msg_free(struct sandbox_msg *m)
{
	free(m->buf);
	memset(m, 0, sizeof *m);
}

/* sandbox_describe - the sentence for how a worker ended */
char *
sandbox_describe(const struct sandbox_limits *lim, enum sandbox_end e,
    char *buf, size_t size)
{
	switch (e) {
	case SANDBOX_TIMEOUT:
		snprintf(buf, size, "took longer than %u s", lim->time_s);
		break;
	case SANDBOX_MEMORY:
		snprintf(buf, size, "needs more than %lu MB", lim->memory_mb);
		break;
	case SANDBOX_CRASHED:
		snprintf(buf, size, "crashed");
		break;
	case SANDBOX_DONE:
		snprintf(buf, size, "was read");
		break;
	}
	return buf;
}

/* address_space - the bytes mapped by this process now, or 0 */
static unsigned long
address_space(void)
{
	char buf[128];
	unsigned long pages = 0;
	ssize_t n;
	int fd;

	if ((fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%lu", &pages) != 1)
		return 0;
	return pages * (unsigned long)sysconf(_SC_PAGESIZE);
}

/* set_limit - both the soft and the hard limit of RESOURCE; 0 or -1 */
static int
set_limit(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { soft, hard };

	return setrlimit(resource, &rl);
}

/*
 * drop_user - become LIM's user for good (as root only); 0 or -1. The
 * supplementary groups go first (they need root), then the group, then
 * the user; each is read back, and getting root back must fail.
 */
static int
drop_user(const struct sandbox_limits *lim)
{
	gid_t gid = lim->gid;

	if (geteuid() != 0)
		return 0;
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(lim->uid, lim->uid, lim->uid) == -1)
		return -1;
	if (getuid() != lim->uid || geteuid() != lim->uid ||
	    getgid() != gid || getegid() != gid)
		return -1;
	if (setuid(0) != -1 || seteuid(0) != -1)
		return -1;
	return 0;
}

/* write_all - LEN bytes of BUF to FD; 0 or -1 */
static int
write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * worker_main - the child of PARENT: confine, work, answer; never
 * returns
 */
static void
worker_main(const struct sandbox_limits *lim, pid_t parent, int fd,
    int answer, sandbox_fn fn, void *arg)
{
	struct sandbox_msg out;
	unsigned long base;
	enum sandbox_end e;

	signal(SIGPIPE, SIG_DFL);
	/* content as 0, the answer as 1, stderr kept, nothing else */
	if (fd != -1 && fd != 0 && dup2(fd, 0) == -1)
		_exit(EXIT_CONFINE);
	if (fd == -1)
		close(0);
	if (dup2(answer, 1) == -1)
		_exit(EXIT_CONFINE);
	if (close_range(3, ~0U, 0) == -1)
		_exit(EXIT_CONFINE);
	base = address_space();
	if (set_limit(RLIMIT_CORE, 0, 0) == -1 ||
	    set_limit(RLIMIT_CPU, lim->time_s, lim->time_s + 1) == -1 ||
	    (base > 0 && set_limit(RLIMIT_AS, base + lim->memory_mb * 1048576UL,
	    base + lim->memory_mb * 1048576UL) == -1))
		_exit(EXIT_CONFINE);
	if (drop_user(lim) == -1 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ==
	    -1)
		_exit(EXIT_CONFINE);
	/*
	 * The worker dies with the stage. Linux clears the parent-death
	 * signal when the credentials change, so it is asked for only now,
	 * after drop_user: asked before, a root stage killed by an operator
	 * left its workers running as the worker user, a hung one for ever.
	 * A stage that died before this line has made PARENT's child an
	 * orphan already.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(EXIT_CONFINE);
	if (getenv("CREDPIPE_TEST_WORKER_ID") != NULL) {
		/* test hook: say who the worker runs as, on stderr */
		char who[64];
		int n = snprintf(who, sizeof who, "worker uid=%u gid=%u\n",
		    (unsigned)geteuid(), (unsigned)getegid());

		if (write(2, who, (size_t)n) < 0)
			_exit(EXIT_CONFINE);
	}
	memset(&out, 0, sizeof out);
	e = fn(arg, fd == -1 ? -1 : 0, &out);
	if (e == SANDBOX_MEMORY)
		_exit(EXIT_MEMORY);
	if (out.overflow || write_all(1, out.buf, out.len) == -1)
		_exit(EXIT_ANSWER);
	_exit(0);
}

/* now_ms - a monotonic clock in milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * read_answer - the worker's answer from FD until EOF or DEADLINE (ms);
 * 0 at EOF, 1 on timeout, -1 when the answer is too long or unreadable.
 */
static int
read_answer(int fd, long long deadline, struct sandbox_msg *reply)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return 1;
		r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			return 1;
		if (msg_reserve(reply, 4096) == -1)
			return -1;
		n = read(fd, reply->buf + reply->len, reply->size - reply->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return 0;
		reply->len += (size_t)n;
	}
}

/* wait_child - waitpid PID through EINTR; its status, or -1 */
static int
wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return status;
}

/* sandbox_run - FN in a worker process under LIM */
enum sandbox_end
sandbox_run(const struct sandbox_limits *lim, int fd, sandbox_fn fn,
    void *arg, struct sandbox_msg *reply)
{
	long long deadline;
	int pipefd[2], got, status;
	pid_t pid, parent;

	memset(reply, 0, sizeof *reply);
	if (!lim->enabled) {
		enum sandbox_end e = fn(arg, fd, reply);

		return reply->overflow && e == SANDBOX_DONE ? SANDBOX_CRASHED :
		    e;
	}
	if (pipe2(pipefd, O_CLOEXEC) == -1)
		fatal("cannot make a pipe for a worker");
	deadline = now_ms() + (long long)lim->time_s * 1000;
	parent = getpid();
	if ((pid = fork()) == -1)
		fatal("cannot start a worker");
	if (pid == 0) {
		close(pipefd[0]);
		worker_main(lim, parent, fd, pipefd[1], fn, arg);
	}
	close(pipefd[1]);
	got = read_answer(pipefd[0], deadline, reply);
	close(pipefd[0]);
	if (got != 0)
		kill(pid, SIGKILL);
	if ((status = wait_child(pid)) == -1)
		fatal("waiting for a worker");
	if (got == 1 || (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU ||
	    (WTERMSIG(status) == SIGKILL && now_ms() >= deadline))))
		return SANDBOX_TIMEOUT;
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_MEMORY)
		return SANDBOX_MEMORY;
	/*
	 * A worker that could not be confined says nothing about the item:
	 * judging it would be wrong, so the stage stops (78) and the next
	 * run, once the configuration is fixed, does the work.
	 */
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CONFINE)
		fatalx(EX_CONFIG, "a worker could not be confined (limits, "
		    "or the user %.64s)", lim->user);
	if (got == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return SANDBOX_CRASHED;
	return SANDBOX_DONE;
}
