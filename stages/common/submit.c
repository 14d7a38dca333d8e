/*
 * submit.c - the run as Slurm jobs (credpipe submit, SPEC §1).
 *
 * One night's work, cut across machines by the site's batch scheduler:
 *
 *	submitting host   ingest (claims the inbox, as `run` does), then
 *	                  sbatch four times and return
 *	setup job         the registry migrated once, the ids cut in shards
 *	array job         task i: validate | decode | check | typeset over
 *	                  shard i (--array=0-(N-1)%K: K bounds the registry
 *	                  connections at once)
 *	final job         afterok: manifest once (courier batches are cut
 *	                  across every dossier of the day), the status
 *	                  list, the run record
 *	failure job       afternotok: the run record naming the failed shards
 *
 * HOME/submit/<run-id>/ holds what the jobs hand each other: the ids
 * (ids, shard-NNNN), each task's output and exit (shard-NNNN.out,
 * .exit), the job ids (jobs) and at last the run's status (exit). Every
 * one is written through the commit routine and named by its shard
 * number, never found by listing a directory: on a shared file system a
 * listing can lag, and the registry, not the spool, decides what was
 * issued.
 *
 * Exactly once under Slurm's at-least-once: a task may run twice (a
 * requeue after a node failure, or after it was killed having
 * committed), and a dossier may sit in two tasks (two runs submitted over
 * one spool). Each stage skips a dossier whose result file exists, and
 * everything issued is keyed by the dossier id under a UNIQUE index in
 * the registry (registry.c), so a second attempt finds the code, number
 * and waybill the first one committed and writes the same PDF again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "log.h"
#include "registry.h"
#include "submit.h"
#include "timeutil.h"

/* the stages a shard task chains, in order (SPEC §8) */
static const char *const shard_stages[] = { "validate", "decode", "check",
    "typeset" };
#define SHARD_STAGES (sizeof shard_stages / sizeof shard_stages[0])
/* longest id list a run dir file may hold (10^6 ids of <= 41 bytes) */
#define IDS_MAX ((size_t)64 << 20)
/* how often --wait looks at the run, and asks Slurm about its jobs */
#define WAIT_POLL_US 500000
#define WAIT_ASK_EVERY 10
/* how long the failure job gives a requeue to show before it judges */
#define REARM_SETTLE_S 3

/* what a submitted run's jobs file says */
struct submitted {
	char setup[32], shards[32], final[32], failure[32];
	int nshards, max_running;
};

/* program_path - BUF = the directory of this program + "/" + NAME */
static int
program_path(char *buf, size_t size, const char *name)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(buf, size, "%s/%s", self, name) >= size)
		return -1;
	return 0;
}

/* run_dir - HOME/submit/RUN_ID into BUF */
static char *
run_dir(const struct config *cfg, const char *run_id, char *buf, size_t size)
{
	return fs_path(buf, size, "%s/submit/%s", cfg->home, run_id);
}

/* run_id_valid - a run id names a directory: digits, 'T' and '-' only */
static int
run_id_valid(const char *id)
{
	if (*id == '\0' || strlen(id) > 40)
		return 0;
	for (; *id; id++)
		if (!((*id >= '0' && *id <= '9') || *id == '-' || *id == 'T'))
			return 0;
	return 1;
}

/*
 * spawn - start ARGV[0] (a path, or a command found on PATH) with stdin
 * IN and stdout OUT (-1: inherited); the child's other descriptors are
 * closed on exec by their owners (O_CLOEXEC). -1 when fork fails.
 */
static pid_t
spawn(char *const *argv, int in, int out)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if ((in >= 0 && in != STDIN_FILENO && dup2(in, STDIN_FILENO) == -1) ||
	    (out >= 0 && out != STDOUT_FILENO &&
	    dup2(out, STDOUT_FILENO) == -1))
		_exit(EX_OSERR);
	execvp(argv[0], argv);
	log_warn("%s", argv[0]);
	_exit(errno == ENOENT ? 127 : EX_OSERR);
}

/* wait_for - PID's exit status, 128 + N for a death by signal N */
static int
wait_for(pid_t pid)
{
	int ws;

	while (waitpid(pid, &ws, 0) == -1)
		if (errno != EINTR)
			return EX_OSERR;
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	return 128 + WTERMSIG(ws);
}

/*
 * capture - run ARGV, its stdout into BUF (NUL-ended, cut at SIZE - 1);
 * its exit status, or -1 when it could not be started
 */
static int
capture(char *const *argv, char *buf, size_t size)
{
	int fds[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if ((pid = spawn(argv, -1, fds[1])) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	close(fds[1]);
	for (;;) {
		char drain[512];

		if (len + 1 < size)
			n = read(fds[0], buf + len, size - 1 - len);
		else
			n = read(fds[0], drain, sizeof drain);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < size)
			len += (size_t)n;
	}
	buf[len] = '\0';
	close(fds[0]);
	status = wait_for(pid);
	return status;
}

/* args_append - V[*N] = S, keeping V NULL-ended (room checked by caller) */
static void
args_append(char **v, size_t *n, size_t cap, const char *s)
{
	if (*n + 1 >= cap)
		fatalx(EX_SOFTWARE, "submit: too many arguments");
	v[(*n)++] = (char *)s;
	v[*n] = NULL;
}

/* plan_value - the number after KEY in DIR/plan, or FALLBACK */
static long
plan_value(const char *dir, const char *key, long fallback)
{
	char path[PATH_MAX], *text, *at;
	size_t len, klen = strlen(key);
	long v = fallback;

	fs_path(path, sizeof path, "%s/plan", dir);
	if (fs_read_file(path, 4096, &text, &len) == -1)
		return fallback;
	for (at = text; at != NULL && *at; at = strchr(at, '\n')) {
		if (*at == '\n')
			at++;
		if (strncmp(at, key, klen) == 0 && at[klen] == ' ') {
			v = strtol(at + klen + 1, NULL, 10);
			break;
		}
	}
	free(text);
	return v;
}

/*
 * chain_status - the status of a chain of filters from theirs, as `run`
 * judges it: 0 when all are 0; 70 when any failed other than with 75 (a
 * bug never hides behind "try again later"); else 75. A stage killed by
 * SIGPIPE (141) only met a later stage that stopped reading: when a
 * later one failed, that one's status says why.
 */
static int
chain_status(const int *st, size_t n)
{
	int result = 0;

	for (size_t i = 0; i < n; i++) {
		int s = st[i];

		if (s == 128 + SIGPIPE)
			for (size_t j = i + 1; j < n; j++)
				if (st[j] != 0) {
					s = 0;
					break;
				}
		result = exit_status_combine(result, s == 0 || s == EX_TEMPFAIL ?
		    s : EX_SOFTWARE);
	}
	return result;
}

/* write_text - commit PATH with the formatted text; 0 or a status */
static int
write_text(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int
write_text(const char *path, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof text)
		fatalx(EX_SOFTWARE, "%s: text too long", path);
	if (commit_file(path, text, (size_t)n, 0600) == -1) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	return 0;
}

/* read_number - the first integer in file PATH, or FALLBACK */
static long
read_number(const char *path, long fallback)
{
	char *text;
	size_t len;
	long v;

	if (fs_read_file(path, 4096, &text, &len) == -1)
		return fallback;
	if (sscanf(text, "%ld", &v) != 1)
		v = fallback;
	free(text);
	return v;
}

/* read_submitted - RUN_DIR/jobs into S; 0, or -1 when absent or bad */
static int
read_submitted(const char *dir, struct submitted *s)
{
	char path[PATH_MAX], *text;
	size_t len;
	int n;

	memset(s, 0, sizeof *s);
	fs_path(path, sizeof path, "%s/jobs", dir);
	if (fs_read_file(path, 4096, &text, &len) == -1)
		return -1;
	n = sscanf(text, "setup %31s shards %31s final %31s failure %31s "
	    "shard-count %d max-running %d", s->setup, s->shards, s->final,
	    s->failure, &s->nshards, &s->max_running);
	free(text);
	return n == 6 && s->nshards > 0 ? 0 : -1;
}

/* job_id_of - the job id at the start of sbatch --parsable's answer */
static int
job_id_of(const char *answer, char *id, size_t size)
{
	size_t n = strspn(answer, "0123456789");

	if (n == 0 || n >= size)
		return -1;
	memcpy(id, answer, n);
	id[n] = '\0';
	return 0;
}

/*
 * slurm_jobs_alive - how many of the jobs IDS (comma-separated) Slurm
 * still holds pending or running; -1 when Slurm cannot say. squeue
 * answers an error for jobs it has forgotten (MinJobAge after their
 * end): asked with --states=all, a job it knows is listed whatever its
 * state, so an empty answer means ended.
 */
static int
slurm_jobs_alive(const char *ids)
{
	char *argv[] = { "squeue", "--noheader", "--states=all", "--jobs",
	    (char *)ids, "--format=%T", NULL };
	char out[8192];
	int n = 0;

	if (capture(argv, out, sizeof out) != 0)
		return out[0] == '\0' ? 0 : -1;
	/* every state but the final ones: a requeued job passes through
	 * several (REQUEUED, REQUEUE_FED, REQUEUE_HOLD, ...) */
	for (char *line = strtok(out, "\n"); line != NULL;
	    line = strtok(NULL, "\n"))
		if (strcmp(line, "COMPLETED") != 0 &&
		    strcmp(line, "CANCELLED") != 0 &&
		    strcmp(line, "FAILED") != 0 &&
		    strcmp(line, "TIMEOUT") != 0 &&
		    strcmp(line, "NODE_FAIL") != 0 &&
		    strcmp(line, "PREEMPTED") != 0 &&
		    strcmp(line, "BOOT_FAIL") != 0 &&
		    strcmp(line, "DEADLINE") != 0 &&
		    strcmp(line, "OUT_OF_MEMORY") != 0)
			n++;
	return n;
}

/* --- the submitting host ------------------------------------------------ */

/*
 * new_run - make HOME/submit/<stamp>-<n>: the first n for which neither
 * that directory nor a run record OUT/runs/<stamp>-<n>.xml exists (a run
 * and a submitted run share the run ids). mkdir is the claim.
 */
static int
new_run(const struct config *cfg, char *id, size_t size, char *dir,
    size_t dsize)
{
	char stamp[32], path[PATH_MAX];
	time_t local = cfg->now + (time_t)cfg->tz * 60;
	struct tm tm;

	gmtime_r(&local, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	fs_path(path, sizeof path, "%s/submit", cfg->home);
	if (fs_mkdirs(path, 0700) == -1) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	for (int n = 1; n < 100000; n++) {
		snprintf(id, size, "%s-%d", stamp, n);
		fs_path(path, sizeof path, "%s/runs/%s.xml", cfg->out, id);
		if (fs_exists(path))
			continue;
		run_dir(cfg, id, dir, dsize);
		if (mkdir(dir, 0700) == 0)
			return fs_fsync_parent(dir) == -1 ?
			    exit_for_errno(errno) : 0;
		if (errno != EEXIST) {
			log_warn("%s", dir);
			return exit_for_errno(errno);
		}
	}
	log_warnx("%s/submit: no free run id", cfg->home);
	return EX_SOFTWARE;
}

/*
 * previous_still_going - the last submitted run has not ended: no exit
 * file yet, and Slurm still holds its final or failure job. Two runs
 * over one spool would be correct (exactly once), but would only race
 * for the same dossiers; a cron line that fires again is told 75.
 */
static int
previous_still_going(const struct config *cfg, char *last, size_t size)
{
	char path[PATH_MAX], dir[PATH_MAX], ids[80], *text;
	struct submitted s;
	size_t len;
	int alive;

	fs_path(path, sizeof path, "%s/submit/last", cfg->home);
	if (fs_read_file(path, 256, &text, &len) == -1)
		return 0;
	text[strcspn(text, "\n")] = '\0';
	snprintf(last, size, "%s", text);
	free(text);
	if (!run_id_valid(last))
		return 0;
	run_dir(cfg, last, dir, sizeof dir);
	fs_path(path, sizeof path, "%s/exit", dir);
	if (fs_exists(path) || read_submitted(dir, &s) == -1)
		return 0;
	snprintf(ids, sizeof ids, "%s,%s", s.final, s.failure);
	alive = slurm_jobs_alive(ids);
	return alive != 0;      /* Slurm cannot say: assume it is going */
}

/* count_lines - lines of file PATH; -1 when unreadable */
static long
count_lines(const char *path)
{
	char *text;
	size_t len;
	long n = 0;

	if (fs_read_file(path, IDS_MAX, &text, &len) == -1)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	free(text);
	return n;
}

/* count_batches - courier batch folders OUT/courier/<day>/<batch> */
static long
count_batches(const struct config *cfg)
{
	char path[PATH_MAX];
	char *argv[] = { "find", path, "-mindepth", "2", "-maxdepth", "2",
	    "-type", "d", NULL };
	char out[65536];
	long n = 0;

	fs_path(path, sizeof path, "%s/courier", cfg->out);
	if (!fs_is_dir(path) || capture(argv, out, sizeof out) != 0)
		return 0;
	for (char *p = out; *p; p++)
		if (*p == '\n')
			n++;
	return n;
}

/*
 * run_ingest - ingest with the run's options, its ids committed to
 * DIR/ids. A failed ingest stops the submission: what it claimed stays
 * in the spool, and the next run (ingest resumes unfinished dossiers)
 * takes it.
 */
static int
run_ingest(char *const *stage_args, const char *dir, long *count)
{
	char prog[PATH_MAX], path[PATH_MAX];
	char *argv[128];
	size_t n = 0;
	struct commit c;
	int status, null_fd;
	pid_t pid;

	if (program_path(prog, sizeof prog, "ingest") == -1)
		fatalx(EX_SOFTWARE, "cannot find the stage programs");
	args_append(argv, &n, 128, prog);
	for (size_t i = 0; stage_args[i] != NULL; i++)
		args_append(argv, &n, 128, stage_args[i]);
	fs_path(path, sizeof path, "%s/ids", dir);
	if (commit_begin(&c, path, 0600) == -1) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	if ((null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	pid = spawn(argv, null_fd, c.fd);
	close(null_fd);
	if (pid == -1) {
		commit_abort(&c);
		log_warn("fork");
		return EX_TEMPFAIL;
	}
	status = wait_for(pid);
	if (status != 0) {
		commit_abort(&c);
		log_warnx("ingest failed (exit %d): nothing submitted; what it "
		    "claimed waits in the spool for the next run", status);
		return status > 127 ? EX_SOFTWARE : status;
	}
	if (commit_end(&c) == -1) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	*count = count_lines(path);
	return 0;
}

/* write_job_script - DIR/job.sh: this program, given the job's arguments */
static int
write_job_script(const char *dir)
{
	char prog[PATH_MAX], path[PATH_MAX];
	struct commit c;

	if (program_path(prog, sizeof prog, "control") == -1)
		fatalx(EX_SOFTWARE, "cannot find the control program");
	fs_path(path, sizeof path, "%s/job.sh", dir);
	if (commit_begin(&c, path, 0700) == -1) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	/* the program's path between single quotes, each quote as '\'' */
	commit_printf(&c, "#!/bin/sh\n# credpipe submit: one job of a "
	    "submitted run (credpipe(1), SUBMIT)\nexec '");
	for (const char *p = prog; *p; p++)
		if (*p == '\'')
			commit_printf(&c, "'\\''");
		else
			commit_write(&c, p, 1);
	commit_printf(&c, "' slurm-job \"$@\"\n");
	if (commit_end(&c) == -1) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	return 0;
}

/*
 * sbatch - submit one job of the run: STEP's name, output file, the
 * sbatch options in OPTS (NULL-ended), then job.sh STEP RUN_ID and the
 * stage options. The job id into ID; 0, or 75 (the scheduler did not
 * take it), 78 (no sbatch).
 */
static int
sbatch(const char *dir, const char *run_id, const char *step,
    const char *output, char *const *opts, char *const *stage_args,
    char *id, size_t size)
{
	char name[64], out_opt[PATH_MAX + 16], script[PATH_MAX], answer[256];
	char *argv[160];
	size_t n = 0;
	int status;

	snprintf(name, sizeof name, "--job-name=credpipe-%s", step);
	snprintf(out_opt, sizeof out_opt, "--output=%s/%s", dir, output);
	fs_path(script, sizeof script, "%s/job.sh", dir);
	args_append(argv, &n, 160, "sbatch");
	args_append(argv, &n, 160, "--parsable");
	args_append(argv, &n, 160, name);
	args_append(argv, &n, 160, out_opt);
	args_append(argv, &n, 160, "--open-mode=append");
	for (size_t i = 0; opts[i] != NULL; i++)
		args_append(argv, &n, 160, opts[i]);
	args_append(argv, &n, 160, script);
	args_append(argv, &n, 160, step);
	args_append(argv, &n, 160, run_id);
	for (size_t i = 0; stage_args[i] != NULL; i++)
		args_append(argv, &n, 160, stage_args[i]);
	status = capture(argv, answer, sizeof answer);
	if (status == 127) {
		log_warnx("sbatch: not found: submit needs Slurm's commands "
		    "(slurm-client) and a cluster (SLURM_CONF)");
		return EX_CONFIG;
	}
	if (status != 0 || job_id_of(answer, id, size) == -1) {
		log_warnx("sbatch refused the %s job (exit %d): is the "
		    "cluster SLURM_CONF names up?", step, status);
		return EX_TEMPFAIL;
	}
	return 0;
}

/* scancel_ids - cancel the jobs already submitted when a later one failed */
static void
scancel_ids(char ids[][32], int n)
{
	char *argv[8];
	size_t k = 0;

	argv[k++] = "scancel";
	for (int i = 0; i < n && k + 1 < sizeof argv / sizeof argv[0]; i++)
		if (ids[i][0] != '\0')
			argv[k++] = ids[i];
	argv[k] = NULL;
	if (k > 1) {
		pid_t pid = spawn(argv, -1, -1);

		if (pid != -1)
			wait_for(pid);
	}
}

/*
 * submit_wait - until the final or the failure job has written the run's
 * status; that status, and the run's summary on stdout. When both jobs
 * have left Slurm without a word (cancelled by hand), 70.
 */
static int
submit_wait(const char *dir, const struct submitted *s)
{
	char path[PATH_MAX], ids[80], *text;
	size_t len;
	int gone = 0;

	snprintf(ids, sizeof ids, "%s,%s", s->final, s->failure);
	fs_path(path, sizeof path, "%s/exit", dir);
	for (long round = 0;; round++) {
		long status = read_number(path, -1);

		if (status >= 0) {
			fs_path(path, sizeof path, "%s/summary", dir);
			if (fs_read_file(path, 1 << 20, &text, &len) == 0) {
				fwrite(text, 1, len, stdout);
				free(text);
			}
			return (int)status;
		}
		if (round % WAIT_ASK_EVERY == WAIT_ASK_EVERY - 1) {
			struct submitted now;

			/* the failure job may have submitted both again */
			if (read_submitted(dir, &now) == 0)
				snprintf(ids, sizeof ids, "%s,%s", now.final,
				    now.failure);
			/* twice gone in a row: a lagging file has had time */
			gone = slurm_jobs_alive(ids) == 0 ? gone + 1 : 0;
			if (gone >= 2 && read_number(path, -1) < 0) {
				log_warnx("the final and failure jobs (%s) "
				    "ended without the run's status "
				    "(cancelled?)", ids);
				return EX_SOFTWARE;
			}
		}
		usleep(WAIT_POLL_US);
	}
}

int
submit_run(const struct config *cfg, char *const *stage_args,
    const struct submit_request *rq)
{
	char path[PATH_MAX], dir[PATH_MAX], run_id[64], last[64];
	char ids[4][32] = { "", "", "", "" }, dep[64], array[64], cpus[32];
	struct submitted s;
	long count = 0;
	int lock_fd, status, nshards, jobs = cfg->jobs > 0 ? cfg->jobs : 1;

	if (previous_still_going(cfg, last, sizeof last)) {
		log_warnx("the run submitted as %s has not ended (credpipe "
		    "status); try again later", last);
		return EX_TEMPFAIL;
	}
	/* the run's lock, as `run` takes it, for ingest and the sbatch calls */
	fs_path(path, sizeof path, "%s/lock", cfg->home);
	if ((lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", path);
		return EX_TEMPFAIL;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) == -1) {
		log_warnx("another run holds %s; try again later", path);
		close(lock_fd);
		return EX_TEMPFAIL;
	}
	if ((status = new_run(cfg, run_id, sizeof run_id, dir,
	    sizeof dir)) != 0 ||
	    (status = run_ingest(stage_args, dir, &count)) != 0)
		goto out;
	if (count < 0) {
		status = EX_SOFTWARE;
		goto out;
	}
	/* N shards of about SUBMIT_SHARD_DOSSIERS, never an empty one */
	nshards = rq->shards > 0 ? rq->shards :
	    (int)((count + SUBMIT_SHARD_DOSSIERS - 1) / SUBMIT_SHARD_DOSSIERS);
	if (nshards > count)
		nshards = (int)count;
	if (nshards > SUBMIT_MAX_SHARDS)
		nshards = SUBMIT_MAX_SHARDS;
	if (nshards < 1)
		nshards = 1;
	fs_path(path, sizeof path, "%s/plan", dir);
	if ((status = write_text(path, "shards %d\nstarted %lld\n"
	    "batches-before %ld\n", nshards, (long long)time(NULL),
	    count_batches(cfg))) != 0 ||
	    (status = write_job_script(dir)) != 0)
		goto out;

	{
		char *setup_opts[] = { "--ntasks=1", "--cpus-per-task=1",
		    "--requeue", NULL };
		char *array_opts[] = { array, dep, "--kill-on-invalid-dep=yes",
		    "--ntasks=1", cpus, "--requeue", NULL };
		char *final_opts[] = { dep, "--kill-on-invalid-dep=yes",
		    "--ntasks=1", "--cpus-per-task=1", "--requeue", NULL };

		if ((status = sbatch(dir, run_id, "setup", "setup.log",
		    setup_opts, stage_args, ids[0], sizeof ids[0])) != 0)
			goto cancel;
		if (rq->max_running > 0)
			snprintf(array, sizeof array, "--array=0-%d%%%d",
			    nshards - 1, rq->max_running);
		else
			snprintf(array, sizeof array, "--array=0-%d",
			    nshards - 1);
		snprintf(dep, sizeof dep, "--dependency=afterok:%s", ids[0]);
		snprintf(cpus, sizeof cpus, "--cpus-per-task=%d", jobs);
		if ((status = sbatch(dir, run_id, "shard", "shard-%a.log",
		    array_opts, stage_args, ids[1], sizeof ids[1])) != 0)
			goto cancel;
		snprintf(dep, sizeof dep, "--dependency=afterok:%s", ids[1]);
		if ((status = sbatch(dir, run_id, "final", "final.log",
		    final_opts, stage_args, ids[2], sizeof ids[2])) != 0)
			goto cancel;
		snprintf(dep, sizeof dep, "--dependency=afternotok:%s", ids[1]);
		if ((status = sbatch(dir, run_id, "failed", "failed.log",
		    final_opts, stage_args, ids[3], sizeof ids[3])) != 0)
			goto cancel;
	}
	fs_path(path, sizeof path, "%s/jobs", dir);
	if ((status = write_text(path, "setup %s\nshards %s\nfinal %s\n"
	    "failure %s\nshard-count %d\nmax-running %d\n", ids[0], ids[1],
	    ids[2], ids[3], nshards, rq->max_running)) != 0)
		goto cancel;
	fs_path(path, sizeof path, "%s/submit/last", cfg->home);
	if ((status = write_text(path, "%s\n", run_id)) != 0)
		goto cancel;
	printf("run %s: %ld dossier(s) in %d shard(s)\n", run_id, count,
	    nshards);
	printf("setup job %s\nshard jobs %s_[0-%d%s%.0d]\nfinal job %s\n"
	    "failure job %s\n", ids[0], ids[1], nshards - 1,
	    rq->max_running > 0 ? "%" : "", rq->max_running, ids[2], ids[3]);
	if (fflush(stdout) == EOF)
		fatal_stdout();
	close(lock_fd);
	if (!rq->wait)
		return 0;
	if (read_submitted(dir, &s) == -1)
		return EX_SOFTWARE;
	return submit_wait(dir, &s);
cancel:
	scancel_ids(ids, 4);
	log_warnx("run %s: nothing left queued; the claimed dossiers wait in "
	    "the spool for the next run", run_id);
out:
	close(lock_fd);
	return status;
}

/* --- the jobs ---------------------------------------------------------- */

/*
 * job_setup - the registry opened (and so migrated) once, before any
 * task connects: two first connections creating the schema at once would
 * fail. Then shard i gets the ids [i*count/N, (i+1)*count/N) of the
 * night's list, in its order.
 */
static int
job_setup(const struct config *cfg, const char *dir)
{
	char path[PATH_MAX], *text;
	struct registry *reg;
	size_t len, at = 0;
	long count = 0, nshards, line = 0;
	int status;

	fs_path(path, sizeof path, "%s/setup.exit", dir);
	if ((reg = registry_open(cfg->records, &status)) == NULL) {
		log_warnx("%s: cannot open the registry", cfg->records);
		status = status ? status : EX_TEMPFAIL;
		write_text(path, "%d\n", status);
		return status;
	}
	registry_close(reg);
	fs_path(path, sizeof path, "%s/plan", dir);
	nshards = -1;
	if (fs_read_file(path, 4096, &text, &len) == 0) {
		if (sscanf(text, "shards %ld", &nshards) != 1)
			nshards = -1;
		free(text);
	}
	fs_path(path, sizeof path, "%s/ids", dir);
	if (nshards < 1 || fs_read_file(path, IDS_MAX, &text, &len) == -1) {
		log_warnx("%s: no plan or no ids", dir);
		return EX_SOFTWARE;
	}
	for (size_t i = 0; i < len; i++)
		count += text[i] == '\n';
	for (long k = 0; k < nshards; k++) {
		long end = (k + 1) * count / nshards;
		size_t from = at;
		char shard[PATH_MAX];

		while (line < end && at < len) {
			at += strcspn(text + at, "\n");
			if (at < len)
				at++;
			line++;
		}
		fs_path(shard, sizeof shard, "%s/shard-%04ld", dir, k);
		if (commit_file(shard, text + from, at - from, 0600) == -1) {
			log_warn("%s", shard);
			free(text);
			return exit_for_errno(errno);
		}
	}
	free(text);
	fs_path(path, sizeof path, "%s/setup.exit", dir);
	return write_text(path, "0\n");
}

/* shard_index - the task's shard from SLURM_ARRAY_TASK_ID; -1 if none */
static long
shard_index(const char *dir)
{
	const char *s = getenv("SLURM_ARRAY_TASK_ID");
	char *end;
	long i;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	i = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || i < 0 ||
	    i >= plan_value(dir, "shards", 0))
		return -1;
	return i;
}

/*
 * job_shard - validate | decode | check | typeset over the shard's ids;
 * what comes out of typeset is committed to shard-NNNN.out, the chain's
 * status to shard-NNNN.exit. A second attempt (requeue) runs the same
 * ids again: every stage skips what it finished, and the registry hands
 * back what was issued.
 */
static int
job_shard(const struct config *cfg, const char *dir, char *const *stage_args)
{
	char path[PATH_MAX], out_path[PATH_MAX], host[256] = "";
	char progs[SHARD_STAGES][PATH_MAX];
	const char *restarts = getenv("SLURM_RESTART_COUNT"), *fault;
	char *argv[SHARD_STAGES][128];
	int st[SHARD_STAGES], in, status;
	pid_t pids[SHARD_STAGES];
	struct commit c;
	long i;

	if ((i = shard_index(dir)) < 0) {
		log_warnx("%s: not an array task of this run "
		    "(SLURM_ARRAY_TASK_ID)", dir);
		return EX_USAGE;
	}
	gethostname(host, sizeof host - 1);
	/* a second attempt: the first one's status no longer holds */
	fs_path(path, sizeof path, "%s/shard-%04ld.exit", dir, i);
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	fs_path(path, sizeof path, "%s/shard-%04ld.started", dir, i);
	if ((status = write_text(path, "attempt %d host %s at %lld\n",
	    restarts ? atoi(restarts) + 1 : 1, host,
	    (long long)time(NULL))) != 0)
		return status;
	/*
	 * The fault the cluster tests inject: shard I's typeset is killed
	 * (SIGKILL) right after it committed its first PDF, before it
	 * recorded the dossier as typeset (program_crash_point).
	 */
	if ((fault = getenv("CREDPIPE_TEST_FAIL_SHARD")) != NULL &&
	    *fault != '\0' && strtol(fault, NULL, 10) == i &&
	    setenv("CREDPIPE_TEST_CRASH", "typeset-after-pdf", 1) == -1)
		fatal("setenv");
	fs_path(path, sizeof path, "%s/shard-%04ld", dir, i);
	if ((in = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return EX_SOFTWARE;
	}
	fs_path(out_path, sizeof out_path, "%s/shard-%04ld.out", dir, i);
	if (commit_begin(&c, out_path, 0600) == -1) {
		log_warn("%s", out_path);
		close(in);
		return exit_for_errno(errno);
	}
	for (size_t k = 0; k < SHARD_STAGES; k++) {
		size_t n = 0;

		if (program_path(progs[k], sizeof progs[k],
		    shard_stages[k]) == -1)
			fatalx(EX_SOFTWARE, "cannot find the stage programs");
		args_append(argv[k], &n, 128, progs[k]);
		for (size_t a = 0; stage_args[a] != NULL; a++)
			args_append(argv[k], &n, 128, stage_args[a]);
	}
	/* the chain: each stage's stdout the next one's stdin */
	for (size_t k = 0; k < SHARD_STAGES; k++) {
		int fds[2] = { -1, -1 }, out;

		if (k + 1 < SHARD_STAGES) {
			if (pipe2(fds, O_CLOEXEC) == -1)
				fatal("pipe");
			out = fds[1];
		} else
			out = c.fd;
		if ((pids[k] = spawn(argv[k], in, out)) == -1)
			fatal("fork");
		close(in);
		if (fds[1] != -1)
			close(fds[1]);
		in = fds[0];
	}
	for (size_t k = 0; k < SHARD_STAGES; k++)
		st[k] = wait_for(pids[k]);
	status = chain_status(st, SHARD_STAGES);
	if (commit_end(&c) == -1) {
		log_warn("%s", out_path);
		status = exit_status_combine(status, exit_for_errno(errno));
	}
	if (status != 0)
		log_warnx("shard %ld: validate %d, decode %d, check %d, "
		    "typeset %d", i, st[0], st[1], st[2], st[3]);
	fs_path(path, sizeof path, "%s/shard-%04ld.exit", dir, i);
	return exit_status_combine(status, write_text(path, "%d %lld\n",
	    status, (long long)time(NULL)));
}

/*
 * write_stages - the run record's stage lines: each shard's exit (or
 * "unfinished") and the seconds after the submission it ended; the
 * final job adds manifest's. The worst status of the shards.
 */
static int
write_stages(const char *dir, long nshards, long started, FILE *fp,
    char *failed, size_t fsize)
{
	int worst = 0;
	size_t flen = 0;

	failed[0] = '\0';
	for (long i = 0; i < nshards; i++) {
		char path[PATH_MAX], *text;
		size_t len;
		long status = -1, ended = 0;

		fs_path(path, sizeof path, "%s/shard-%04ld.exit", dir, i);
		if (fs_read_file(path, 4096, &text, &len) == 0) {
			if (sscanf(text, "%ld %ld", &status, &ended) < 1)
				status = -1;
			free(text);
		}
		if (status < 0) {
			fprintf(fp, "shard-%04ld unfinished\n", i);
			worst = exit_status_combine(worst, EX_SOFTWARE);
		} else {
			fprintf(fp, "shard-%04ld %ld %ld\n", i, status,
			    ended > started ? ended - started : 0);
			worst = exit_status_combine(worst, (int)status);
		}
		if (status != 0 && flen + 16 < fsize)
			flen += (size_t)snprintf(failed + flen, fsize - flen,
			    "%s%ld", flen ? " " : "", i);
	}
	return worst;
}

/*
 * run_record - control record with the run's stage lines and ids: the
 * run record and the summary (into DIR/summary), exactly as `run`
 * writes them
 */
static int
run_record(const struct config *cfg, const char *dir, const char *run_id,
    char *const *stage_args, const char *stages_path, int run_status,
    long started, long batches)
{
	char prog[PATH_MAX], ids[PATH_MAX], elapsed[32], status_text[16],
	    batches_text[32], started_text[32], path[PATH_MAX];
	char *argv[160];
	size_t n = 0;
	struct commit c;
	pid_t pid;
	int status;

	if (program_path(prog, sizeof prog, "control") == -1)
		fatalx(EX_SOFTWARE, "cannot find the control program");
	fs_path(ids, sizeof ids, "%s/ids", dir);
	snprintf(elapsed, sizeof elapsed, "%ld",
	    (long)time(NULL) - started);
	snprintf(status_text, sizeof status_text, "%d", run_status);
	snprintf(batches_text, sizeof batches_text, "%ld", batches);
	snprintf(started_text, sizeof started_text, "%ld", started);
	args_append(argv, &n, 160, prog);
	for (size_t i = 0; stage_args[i] != NULL; i++)
		args_append(argv, &n, 160, stage_args[i]);
	args_append(argv, &n, 160, "record");
	args_append(argv, &n, 160, (char *)run_id);
	args_append(argv, &n, 160, elapsed);
	args_append(argv, &n, 160, status_text);
	args_append(argv, &n, 160, batches_text);
	args_append(argv, &n, 160, (char *)stages_path);
	args_append(argv, &n, 160, ids);
	args_append(argv, &n, 160, started_text);
	fs_path(path, sizeof path, "%s/summary", dir);
	if (commit_begin(&c, path, 0600) == -1) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	if ((pid = spawn(argv, -1, c.fd)) == -1) {
		commit_abort(&c);
		return EX_TEMPFAIL;
	}
	status = wait_for(pid);
	if (commit_end(&c) == -1) {
		log_warn("%s", path);
		return exit_for_errno(errno);
	}
	return status;
}

/*
 * rearm - the failure job found tasks of the array that Slurm will still
 * run: a task requeued (scontrol requeue, a node that failed) after the
 * others had ended leaves the array "ended, not all ok" for a moment, so
 * Slurm starts this job and cancels the final one. The run is not over:
 * the final and failure jobs are submitted again on the same array, the
 * jobs file names them, and this job ends without a run record. 1 when
 * it did so; 0 when no task is left to run (or Slurm cannot say).
 */
static int
rearm(const char *dir, const char *run_id, char *const *stage_args)
{
	char final_id[32] = "", failure_id[32] = "", dep[64], path[PATH_MAX];
	char *opts[] = { dep, "--kill-on-invalid-dep=yes", "--ntasks=1",
	    "--cpus-per-task=1", "--requeue", NULL };
	struct submitted s;

	if (read_submitted(dir, &s) == -1)
		return 0;
	/* a requeue takes Slurm a moment: look again before judging */
	if (slurm_jobs_alive(s.shards) <= 0) {
		sleep(REARM_SETTLE_S);
		if (slurm_jobs_alive(s.shards) <= 0)
			return 0;
	}
	snprintf(dep, sizeof dep, "--dependency=afterok:%s", s.shards);
	if (sbatch(dir, run_id, "final", "final.log", opts, stage_args,
	    final_id, sizeof final_id) != 0)
		return 0;
	snprintf(dep, sizeof dep, "--dependency=afternotok:%s", s.shards);
	if (sbatch(dir, run_id, "failed", "failed.log", opts, stage_args,
	    failure_id, sizeof failure_id) != 0) {
		char ids[1][32];

		snprintf(ids[0], sizeof ids[0], "%s", final_id);
		scancel_ids(ids, 1);
		return 0;
	}
	fs_path(path, sizeof path, "%s/jobs", dir);
	if (write_text(path, "setup %s\nshards %s\nfinal %s\nfailure %s\n"
	    "shard-count %d\nmax-running %d\n", s.setup, s.shards, final_id,
	    failure_id, s.nshards, s.max_running) != 0)
		return 0;
	log_warnx("run %s: tasks of %s were requeued and will run again: "
	    "final job %s and failure job %s submitted again", run_id,
	    s.shards, final_id, failure_id);
	return 1;
}

/*
 * job_final - every shard succeeded: manifest once over everything the
 * shards typeset (in shard order), the signed status list, the run
 * record; the run's status to DIR/exit. Holds HOME/lock like a run, so
 * that no local run cuts courier batches at the same time.
 */
static int
job_final(const struct config *cfg, const char *dir, const char *run_id,
    char *const *stage_args, int failed_job)
{
	char path[PATH_MAX], stages_path[PATH_MAX], prog[PATH_MAX];
	char failed[4096];
	long nshards = plan_value(dir, "shards", 0);
	long started = plan_value(dir, "started", (long)time(NULL));
	long before = plan_value(dir, "batches-before", 0), batches;
	int status, lock_fd, mstatus = 0, pstatus = 0;
	FILE *fp;

	if (failed_job && rearm(dir, run_id, stage_args))
		return 0;

	fs_path(path, sizeof path, "%s/lock", cfg->home);
	if ((lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    flock(lock_fd, LOCK_EX) == -1) {
		log_warn("%s", path);
		return EX_TEMPFAIL;
	}
	fs_path(stages_path, sizeof stages_path, "%s/stages", dir);
	if ((fp = fopen(stages_path, "w")) == NULL) {
		log_warn("%s", stages_path);
		close(lock_fd);
		return exit_for_errno(errno);
	}
	status = write_stages(dir, nshards, started, fp, failed,
	    sizeof failed);
	if (failed_job) {
		long setup = -1;

		fs_path(path, sizeof path, "%s/setup.exit", dir);
		setup = read_number(path, -1);
		if (setup != 0) {
			/* no shard ran: the setup job's status is the run's */
			fprintf(fp, "setup %s\n", setup < 0 ? "unfinished" :
			    setup == EX_TEMPFAIL ? "75" : "70");
			log_warnx("run %s: the setup job failed (%s/setup.log)",
			    run_id, dir);
			status = setup == EX_TEMPFAIL ? EX_TEMPFAIL :
			    EX_SOFTWARE;
		}
		if (status == 0)
			status = EX_SOFTWARE;
		log_warnx("run %s: shard(s) failed: %s; the final job was "
		    "not run; their dossiers wait in the spool for the next "
		    "run", run_id, failed[0] ? failed : "none recorded");
	} else {
		char typeset_ids[PATH_MAX], final_ids[PATH_MAX];
		char *argv[128];
		size_t n = 0;
		struct commit in, out;
		pid_t pid;
		int in_fd;

		/* the shards' output, in shard order: manifest's input */
		fs_path(typeset_ids, sizeof typeset_ids, "%s/typeset.ids", dir);
		if (commit_begin(&in, typeset_ids, 0600) == -1)
			fatal("%s", typeset_ids);
		for (long i = 0; i < nshards; i++) {
			char shard[PATH_MAX], *text;
			size_t len;

			fs_path(shard, sizeof shard, "%s/shard-%04ld.out", dir,
			    i);
			if (fs_read_file(shard, IDS_MAX, &text, &len) == 0) {
				commit_write(&in, text, len);
				free(text);
			}
		}
		if (commit_end(&in) == -1)
			fatal("%s", typeset_ids);
		if (program_path(prog, sizeof prog, "manifest") == -1)
			fatalx(EX_SOFTWARE, "cannot find the stage programs");
		args_append(argv, &n, 128, prog);
		for (size_t i = 0; stage_args[i] != NULL; i++)
			args_append(argv, &n, 128, stage_args[i]);
		fs_path(final_ids, sizeof final_ids, "%s/final.ids", dir);
		if (commit_begin(&out, final_ids, 0600) == -1)
			fatal("%s", final_ids);
		if ((in_fd = open(typeset_ids, O_RDONLY | O_CLOEXEC)) == -1)
			fatal("%s", typeset_ids);
		if ((pid = spawn(argv, in_fd, out.fd)) == -1)
			fatal("fork");
		close(in_fd);
		mstatus = wait_for(pid);
		if (commit_end(&out) == -1)
			mstatus = exit_status_combine(mstatus,
			    exit_for_errno(errno));
		fprintf(fp, "manifest %d %ld\n", mstatus,
		    (long)time(NULL) - started);
		status = chain_status(&mstatus, 1);
		/* the status list relying parties verify against (verify(1)) */
		if (program_path(prog, sizeof prog, "records") == -1)
			fatalx(EX_SOFTWARE, "cannot find the stage programs");
		n = 0;
		args_append(argv, &n, 128, prog);
		for (size_t i = 0; stage_args[i] != NULL; i++)
			args_append(argv, &n, 128, stage_args[i]);
		args_append(argv, &n, 128, "publish");
		if ((pid = spawn(argv, -1, STDERR_FILENO)) == -1 ||
		    (pstatus = wait_for(pid)) != 0) {
			log_warnx("%s/publish/status.xml: cannot publish the "
			    "status list", cfg->out);
			if (status == 0)
				status = EX_TEMPFAIL;
		}
	}
	if (fclose(fp) == EOF) {
		log_warn("%s", stages_path);
		status = exit_status_combine(status, EX_TEMPFAIL);
	}
	batches = count_batches(cfg) - before;
	if (run_record(cfg, dir, run_id, stage_args, stages_path, status,
	    started, batches < 0 ? 0 : batches) != 0) {
		log_warnx("%s/runs/%s.xml: cannot write the run record",
		    cfg->out, run_id);
		if (status == 0)
			status = EX_TEMPFAIL;
	}
	fs_path(path, sizeof path, "%s/exit", dir);
	if (write_text(path, "%d\n", status) != 0)
		status = exit_status_combine(status, EX_TEMPFAIL);
	close(lock_fd);
	/* the failure job did its work: Slurm shows the run's fate elsewhere */
	return failed_job ? 0 : status;
}

int
submit_job(const struct config *cfg, const char *step, const char *run_id,
    char *const *stage_args)
{
	char dir[PATH_MAX];

	if (!run_id_valid(run_id)) {
		log_warnx("%s: not a run id", run_id);
		return EX_USAGE;
	}
	run_dir(cfg, run_id, dir, sizeof dir);
	if (!fs_is_dir(dir)) {
		log_warnx("%s: no such submitted run", dir);
		return EX_CONFIG;
	}
	if (strcmp(step, "setup") == 0)
		return job_setup(cfg, dir);
	if (strcmp(step, "shard") == 0)
		return job_shard(cfg, dir, stage_args);
	if (strcmp(step, "final") == 0)
		return job_final(cfg, dir, run_id, stage_args, 0);
	if (strcmp(step, "failed") == 0)
		return job_final(cfg, dir, run_id, stage_args, 1);
	log_warnx("%s: not a job of a submitted run", step);
	return EX_USAGE;
}

/* --- status ------------------------------------------------------------ */

/*
 * slurm_task_states - Slurm's state of each pending or running task of
 * array job ARRAY into STATE[i] (left "" for the others)
 */
static void
slurm_task_states(const char *array, char (*state)[16], long n)
{
	char *argv[] = { "squeue", "--noheader", "--array", "--jobs",
	    (char *)array, "--format=%K %T", NULL };
	char out[65536], *line, *save;

	if (capture(argv, out, sizeof out) != 0)
		return;
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		long i;
		char st[16];

		if (sscanf(line, "%ld %15s", &i, st) == 2 && i >= 0 && i < n)
			snprintf(state[i], sizeof state[i], "%s", st);
	}
}

void
submit_status(const struct config *cfg)
{
	char path[PATH_MAX], dir[PATH_MAX], run_id[64], (*state)[16];
	struct submitted s;
	char *text;
	size_t len;
	long status;

	fs_path(path, sizeof path, "%s/submit/last", cfg->home);
	if (fs_read_file(path, 256, &text, &len) == -1)
		return;
	text[strcspn(text, "\n")] = '\0';
	snprintf(run_id, sizeof run_id, "%s", text);
	free(text);
	if (!run_id_valid(run_id))
		return;
	run_dir(cfg, run_id, dir, sizeof dir);
	if (read_submitted(dir, &s) == -1)
		return;
	fs_path(path, sizeof path, "%s/exit", dir);
	status = read_number(path, -1);
	printf("\nsubmitted run %s (Slurm): %s\n", run_id, status < 0 ?
	    "not ended" : status == 0 ? "ended, exit 0" : "ended, failed");
	if (status > 0)
		printf("  exit status %ld (out/runs/%s.xml names the failed "
		    "shards)\n", status, run_id);
	printf("  setup job %s, shard jobs %s_[0-%d], final job %s, failure "
	    "job %s\n", s.setup, s.shards, s.nshards - 1, s.final, s.failure);
	if ((state = calloc((size_t)s.nshards, sizeof *state)) == NULL)
		fatal("status");
	if (status < 0)
		slurm_task_states(s.shards, state, s.nshards);
	for (long i = 0; i < s.nshards; i++) {
		long st = -1, attempt = 0, n;

		fs_path(path, sizeof path, "%s/shard-%04ld", dir, i);
		n = count_lines(path);
		fs_path(path, sizeof path, "%s/shard-%04ld.exit", dir, i);
		st = read_number(path, -1);
		fs_path(path, sizeof path, "%s/shard-%04ld.started", dir, i);
		if (fs_read_file(path, 4096, &text, &len) == 0) {
			if (sscanf(text, "attempt %ld", &attempt) != 1)
				attempt = 0;
			free(text);
		}
		printf("  shard %ld (job %s_%ld): ", i, s.shards, i);
		if (state[i][0] != '\0') {
			/* Slurm's word while it holds the task */
			for (char *p = state[i]; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ?
				    *p - 'A' + 'a' : *p);
			printf("%s", state[i]);
		} else if (st == 0)
			printf("done");
		else if (st > 0)
			printf("failed, exit %ld", st);
		else if (attempt > 0)
			printf("%s", status < 0 ? "running" : "unfinished");
		else
			printf("%s", status < 0 ? "pending" : "not run");
		if (n >= 0)
			printf(", %ld dossier(s)", n);
		if (attempt > 1)
			printf(", attempt %ld", attempt);
		printf("\n");
	}
	free(state);
}
