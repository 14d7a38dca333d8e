/*
 * NAME
 *	decode - find and read the QR codes in a dossier's scans
 *
 * SYNOPSIS
 *	decode [options] < ids > ids
 *	decode [--jobs N] --image FILE...
 *
 * DESCRIPTION
 *	As a stage, decode reads dossier ids on stdin, one a line. For each
 *	dossier in HOME/spool that validate did not reject and that has no
 *	decode.xml yet, it decodes every attachment and commits
 *	HOME/spool/<id>/decode.xml: each QR code's bytes (exactly; zbar's
 *	charset guessing is off), bounding box and the pass that found it,
 *	or "unreadable", or "error" with what is wrong with the image. A
 *	verification-report's search stops at the first code that starts
 *	with --verify-url followed by "?" (our payload): usually in the top
 *	third of the page, before the rest of the PNG is decoded. Every id
 *	read is written to stdout, in input order, once its work is done;
 *	--jobs N workers decode dossiers side by side.
 *
 *	With --image, decode works outside any spool: it prints the text of
 *	every QR code in each FILE, one a line, in the order of the files;
 *	bytes that are not printable UTF-8 are written as \xHH and a
 *	backslash as \\.
 *
 *	--passes LIST sets the decoding strategy (default
 *	half,full,binhalf,bin,invhalf; see qrscan.c), for measurements.
 *	Attachments other than verification reports (and --image files)
 *	are gated: the passes run only where three finder patterns were
 *	found (qrgate.c); --no-gate runs them on every image.
 *
 * FILES
 *	HOME/spool/<id>/files/		the dossier's scans
 *	HOME/spool/<id>/validate.xml	read: rejected dossiers are skipped
 *	HOME/spool/<id>/decode.xml	written, through the commit routine
 *
 * EXIT STATUS
 *	Stage: 0 done; 75 a transient failure (disk full) left work for the
 *	next run; 64 usage; 78 configuration; 70 internal error.
 *	--image: 0 every file yielded a code; 1 some did not; 65 some file
 *	is not a readable PNG.
 *
 * SEE ALSO
 *	validate(1), check(1), zbarimg(1)
 */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"
#include "config.h"
#include "dossier.h"
#include "fsutil.h"
#include "log.h"
#include "qrscan.h"
#include "result.h"
#include "sandbox.h"
#include "scanresult.h"
#include "spool.h"
#include "workq.h"
#include "xmlsafe.h"

enum { OPT_IMAGE = 300, OPT_PASSES, OPT_NO_GATE };

struct decode_args {
	int image_mode;
	const char *passes;
	int no_gate;            /* --no-gate: the cascade on every image */
};

/* one unit of work: a file (--image) or a dossier id (stage) */
struct job {
	char id[ID_MAX + 8];
	int file;                       /* --image: index of the file */
	int failed;                     /* --image: unreadable PNG */
};

/*
 * The work queue (workq.h, ordered): jobs are taken in order by the
 * workers and emitted in order once done, without the queue's lock held.
 * The stage's reader blocks when a window of jobs is in flight, so
 * memory stays bounded however many ids arrive.
 */
struct queue {
	struct workq *wq;
	int stage;              /* ids (stage) or files (--image) */
	char **files;           /* --image: the files, their results, */
	struct scan_attachment *sas;
	int status;             /* and the exit status so far */
	const struct config *cfg;
	const struct decode_args *args;
	struct sandbox_limits lim;      /* the decoding workers' limits */
	char stop_prefix[1100];
	pthread_mutex_t error_lock;
	int fatal_errno;        /* a commit failed transiently: stop */
};

/* usage - the brief manual */
static void
usage(FILE *fp)
{
	fprintf(fp, "usage: decode [options] < ids > ids\n"
	    "       decode [--jobs N] --image FILE...\n"
	    "Decode the QR codes in each dossier's scans into "
	    "HOME/spool/<id>/decode.xml,\n"
	    "or print the codes in image files (--image).\n"
	    "  --image                    decode FILEs, print each code's text\n"
	    "  --passes LIST              decoding passes (measurements)\n"
	    "  --no-gate                  the whole cascade on every image\n"
	    "%s", config_common_help());
}

/* new_scanner - this worker's scanner, with --passes applied */
static struct qrscan *
new_scanner(const struct decode_args *args)
{
	struct qrscan *qs = qrscan_new();

	if (qs == NULL)
		fatal("cannot create a QR scanner");
	if (args->passes != NULL && qrscan_set_passes(qs, args->passes) == -1)
		fatalx(EX_USAGE, "--passes %s: unknown pass", args->passes);
	return qs;
}

/* validated - validate.xml exists and did not reject the dossier */
static int
validated(const char *dir, const char *id)
{
	char path[4096];
	struct result r;

	spool_state_path(dir, "validate", path, sizeof path);
	if (result_load(&r, path) == -1) {
		if (errno == ENOENT)
			log_warnx("%s: not validated yet: not decoded", id);
		else
			log_warn("%s: %s", id, path);
		return 0;
	}
	return r.outcome != OUTCOME_REJECTED;
}

/* the fields of a decoding worker's answer (sandbox_put/get tags) */
enum { TAG_RC = 'R', TAG_STATUS = 'S', TAG_MESSAGE = 'M', TAG_DATA = 'D',
       TAG_X = 'x', TAG_Y = 'y', TAG_W = 'w', TAG_H = 'h', TAG_PASS = 'P',
       TAG_STATS = 'T' };

/* what a decoding worker is given */
struct scan_task {
	struct qrscan *qs;
	const struct qrscan_options *opt;
};

/*
 * scan_worker - in the worker: decode the PNG open as FD and put what was
 * found into OUT. An allocation that failed is the memory limit.
 */
static enum sandbox_end
scan_worker(void *arg, int fd, struct sandbox_msg *out)
{
	struct scan_task *t = arg;
	const struct qrscan_stats *st;
	struct scan_attachment sa;
	int rc, copy;

	program_crash_point("decode-worker");
	memset(&sa, 0, sizeof sa);
	if ((copy = dup(fd)) == -1)
		return SANDBOX_MEMORY;
	rc = qrscan_fd(t->qs, copy, t->opt, &sa);
	st = qrscan_last(t->qs);
	if (strcmp(sa.status, "error") == 0 &&
	    strstr(sa.message, "out of memory") != NULL) {
		for (int i = 0; i < sa.ncodes; i++)
			free(sa.codes[i].data);
		return SANDBOX_MEMORY;
	}
	sandbox_put_int(out, TAG_RC, rc);
	sandbox_put_str(out, TAG_STATUS, sa.status);
	sandbox_put_str(out, TAG_MESSAGE, sa.message);
	/* what the gate and the passes did, for --verbose */
	sandbox_put_int(out, TAG_STATS, st->candidates);
	sandbox_put_int(out, TAG_STATS, st->triples);
	sandbox_put_int(out, TAG_STATS, st->regions);
	sandbox_put_int(out, TAG_STATS, st->passes);
	sandbox_put_int(out, TAG_STATS, (long long)(st->gate_ms * 1000));
	sandbox_put_int(out, TAG_STATS, st->scale);
	sandbox_put_int(out, TAG_STATS, st->rows);
	for (int i = 0; i < sa.ncodes; i++) {
		const struct scan_code *sc = &sa.codes[i];

		sandbox_put(out, TAG_DATA, sc->data, sc->len);
		sandbox_put_int(out, TAG_X, sc->x);
		sandbox_put_int(out, TAG_Y, sc->y);
		sandbox_put_int(out, TAG_W, sc->w);
		sandbox_put_int(out, TAG_H, sc->h);
		sandbox_put_str(out, TAG_PASS, sc->pass);
		free(sc->data);
	}
	return SANDBOX_DONE;
}

/*
 * read_codes - the codes of a worker's answer M into SA; 0, or -1 when
 * the answer is malformed (a worker that misbehaved).
 */
static int
read_codes(struct sandbox_msg *m, struct scan_attachment *sa)
{
	const unsigned char *data;
	size_t len;
	int tag, got;

	while ((got = sandbox_get(m, &tag, &data, &len)) == 1) {
		struct scan_code *sc;
		long long x, y, w, h;

		if (tag != TAG_DATA || sa->ncodes == SCAN_MAX_CODES ||
		    len > 65536)
			return -1;
		sc = &sa->codes[sa->ncodes];
		memset(sc, 0, sizeof *sc);
		if (sandbox_get_int(m, TAG_X, -(1 << 30), 1 << 30, &x) == -1 ||
		    sandbox_get_int(m, TAG_Y, -(1 << 30), 1 << 30, &y) == -1 ||
		    sandbox_get_int(m, TAG_W, 0, 1 << 30, &w) == -1 ||
		    sandbox_get_int(m, TAG_H, 0, 1 << 30, &h) == -1 ||
		    sandbox_get_str(m, TAG_PASS, sc->pass, sizeof sc->pass) ==
		    -1)
			return -1;
		if ((sc->data = malloc(len + 1)) == NULL)
			fatal("out of memory");
		memcpy(sc->data, data, len);
		sc->data[len] = '\0';
		sc->len = len;
		sc->x = (int)x;
		sc->y = (int)y;
		sc->w = (int)w;
		sc->h = (int)h;
		sa->ncodes++;
	}
	return got;
}

/*
 * read_answer - a worker's answer M into SA and ST; its qrscan status,
 * or -2 for a malformed answer
 */
static int
read_answer(struct sandbox_msg *m, struct scan_attachment *sa,
    struct qrscan_stats *st)
{
	long long rc, v[7];
	int i;

	if (sandbox_get_int(m, TAG_RC, -1, 0, &rc) == -1 ||
	    sandbox_get_str(m, TAG_STATUS, sa->status, sizeof sa->status) ==
	    -1 || sandbox_get_str(m, TAG_MESSAGE, sa->message,
	    sizeof sa->message) == -1)
		return -2;
	for (i = 0; i < 7; i++)
		if (sandbox_get_int(m, TAG_STATS, 0, 1LL << 40, &v[i]) == -1)
			return -2;
	st->candidates = (int)v[0];
	st->triples = (int)v[1];
	st->regions = (int)v[2];
	st->passes = (int)v[3];
	st->gate_ms = (double)v[4] / 1000;
	st->scale = (int)v[5];
	st->rows = (int)v[6];
	if (read_codes(m, sa) == -1 ||
	    (strcmp(sa->status, "ok") != 0 && strcmp(sa->status,
	    "unreadable") != 0 && strcmp(sa->status, "error") != 0)) {
		for (i = 0; i < sa->ncodes; i++)
			free(sa->codes[i].data);
		sa->ncodes = 0;
		return -2;
	}
	return (int)rc;
}

/*
 * scan_limited - decode PATH in a limited worker into SA; 0, or -1 when
 * the image is not usable (SA says why: not a PNG, or a limit of the
 * worker: "decoding took longer than N s", "... needs more than N MB").
 * The file is opened here, without following a link, so that a worker
 * running as another user needs no access to the spool.
 */
static int
scan_limited(const struct sandbox_limits *lim, struct qrscan *qs,
    const char *path, const struct qrscan_options *opt,
    struct scan_attachment *sa, struct qrscan_stats *st)
{
	struct scan_task task = { qs, opt };
	struct sandbox_msg reply;
	enum sandbox_end e;
	char how[64];
	int fd, rc = -1;

	memset(st, 0, sizeof *st);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		snprintf(sa->status, sizeof sa->status, "error");
		if (errno == ELOOP)
			snprintf(sa->message, sizeof sa->message,
			    "is a symbolic link, not a file");
		else
			snprintf(sa->message, sizeof sa->message,
			    "cannot open: %s", strerror(errno));
		return -1;
	}
	e = sandbox_run(lim, fd, scan_worker, &task, &reply);
	close(fd);
	if (e == SANDBOX_DONE && (rc = read_answer(&reply, sa, st)) == -2)
		e = SANDBOX_CRASHED;
	sandbox_msg_free(&reply);
	if (e == SANDBOX_DONE)
		return rc;
	snprintf(sa->status, sizeof sa->status, "error");
	snprintf(sa->message, sizeof sa->message, "decoding %s",
	    sandbox_describe(lim, e, how, sizeof how));
	return -1;
}

/*
 * decode_dossier - decode.xml for dossier ID, unless it exists or the
 * dossier is not ours to decode. 0, or -1 with errno when the commit
 * failed (the caller decides: retry later or bug).
 */
static int
decode_dossier(struct queue *q, struct qrscan *qs, const char *id)
{
	char dir[4096], path[4096];
	struct dossier *d;
	struct scan_result *sr;
	int rc = 0;

	if (spool_locate(q->cfg, id, dir, sizeof dir) != SPOOL_ACTIVE) {
		log_info("%s: not in the spool: passed on", id);
		return 0;
	}
	if (spool_has_state(dir, "decode") || !validated(dir, id))
		return 0;
	d = calloc(1, sizeof *d);
	sr = calloc(1, sizeof *sr);
	if (d == NULL || sr == NULL)
		fatal("out of memory");
	if (dossier_load(dir, d) == -1) {
		log_warnx("%s: dossier.xml unreadable: not decoded", id);
		free(d);
		free(sr);
		return 0;
	}
	for (int i = 0; i < d->nattachments && i < SCAN_MAX_ATTACHMENTS; i++) {
		struct scan_attachment *sa = &sr->attachments[i];
		struct qrscan_stats st;
		struct qrscan_options opt = { NULL, 0, !q->args->no_gate,
		    q->lim.time_s };

		snprintf(sa->file, sizeof sa->file, "%s", d->attachments[i].file);
		snprintf(sa->kind, sizeof sa->kind, "%s", d->attachments[i].kind);
		sr->nattachments++;
		/* SPEC 4: a report must yield a code: the whole cascade */
		if (strcmp(sa->kind, "verification-report") == 0) {
			opt.stop_prefix = q->stop_prefix;
			opt.gated = 0;
		}
		if (!attachment_name_valid(sa->file)) {
			snprintf(sa->status, sizeof sa->status, "error");
			snprintf(sa->message, sizeof sa->message,
			    "unsafe file name");
			continue;
		}
		spool_files_path(dir, sa->file, path, sizeof path);
		if (scan_limited(&q->lim, qs, path, &opt, sa, &st) == -1)
			log_warnx("%s: %s: %s", id, sa->file, sa->message);
	}
	spool_state_path(dir, "decode", path, sizeof path);
	if (scan_result_save(sr, path) == -1) {
		log_warn("%s: %s", id, path);
		rc = -1;
	}
	scan_result_free(sr);
	free(sr);
	free(d);
	return rc;
}

/* print_codes - every code of SA, escaped, one a line */
static void
print_codes(const struct scan_attachment *sa)
{
	for (int i = 0; i < sa->ncodes; i++) {
		const struct scan_code *sc = &sa->codes[i];
		size_t need = scan_escape(sc->data, sc->len, NULL, 0) + 1;
		char *text = malloc(need);

		if (text == NULL)
			fatal("out of memory");
		scan_escape(sc->data, sc->len, text, need);
		printf("%s\n", text);
		free(text);
	}
}

/*
 * emit_job - a finished job, in input order (workq's emitter): the stage
 * passes the id on; --image prints the file's codes or why it failed.
 */
static void
emit_job(void *ctx, void *elem)
{
	struct queue *q = ctx;
	struct job *j = elem;
	struct scan_attachment *sa;

	if (q->stage) {
		stage_emit(j->id);
		return;
	}
	sa = &q->sas[j->file];
	if (j->failed) {
		log_warnx("%s: %s", q->files[j->file], sa->message);
		q->status = EX_DATAERR;
	} else if (sa->ncodes == 0 && q->status == 0) {
		q->status = 1;
	}
	print_codes(sa);
	for (int k = 0; k < sa->ncodes; k++)
		free(sa->codes[k].data);
}

/* worker - take jobs in order until the queue ends */
static void *
worker(void *arg)
{
	struct queue *q = arg;
	struct qrscan *qs = new_scanner(q->args);
	struct job j;
	size_t seq;

	while (workq_pop(q->wq, &j, 1, &seq) == 1) {
		if (q->stage) {
			int failed;

			log_set_dossier(id_valid(j.id) ? j.id : NULL);
			failed = decode_dossier(q, qs, j.id) == -1;
			log_set_dossier(NULL);
			if (failed) {
				/* its id is not emitted: the next run */
				pthread_mutex_lock(&q->error_lock);
				if (q->fatal_errno == 0)
					q->fatal_errno = errno ? errno : EIO;
				pthread_mutex_unlock(&q->error_lock);
				workq_abort(q->wq);
				break;
			}
		} else {
			struct qrscan_options opt = { NULL, 0,
			    !q->args->no_gate, q->lim.time_s };

			struct qrscan_stats st;
			char scaled[64] = "";

			if (scan_limited(&q->lim, qs, q->files[j.file], &opt,
			    &q->sas[j.file], &st) == -1)
				j.failed = 1;
			if (st.scale > 1)
				snprintf(scaled, sizeof scaled, ", read at 1/%d "
				    "(%d%% of its rows decoded)", st.scale,
				    st.rows);
			log_info("%s: %d finder candidates, %d code-like "
			    "triples (%.1f ms), %d regions, %d passes%s",
			    q->files[j.file], st.candidates, st.triples,
			    st.gate_ms, st.regions, st.passes, scaled);
		}
		workq_finish(q->wq, seq, &j);
	}
	qrscan_free(qs);
	return NULL;
}

/* start_workers - N threads on Q */
static pthread_t *
start_workers(struct queue *q, int n)
{
	pthread_t *t = calloc((size_t)n, sizeof *t);

	if (t == NULL)
		fatal("out of memory");
	for (int i = 0; i < n; i++) {
		errno = pthread_create(&t[i], NULL, worker, q);
		if (errno != 0)
			fatal("cannot start a worker");
	}
	return t;
}

/* join_workers - wait for the N threads */
static void
join_workers(pthread_t *t, int n)
{
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
}

/* decode_images - the --image mode; the exit status */
static int
decode_images(const struct config *cfg, const struct decode_args *args,
    char **files, int nfiles)
{
	struct queue q;
	pthread_t *t;
	int jobs = cfg->jobs < nfiles ? cfg->jobs : nfiles;

	if (jobs < 1)
		jobs = 1;
	memset(&q, 0, sizeof q);
	if ((q.sas = calloc((size_t)nfiles, sizeof *q.sas)) == NULL)
		fatal("out of memory");
	q.files = files;
	q.cfg = cfg;
	q.args = args;
	pthread_mutex_init(&q.error_lock, NULL);
	if (sandbox_limits_init(&q.lim, cfg) == -1) {
		free(q.sas);
		return EX_CONFIG;
	}
	q.wq = workq_new(sizeof(struct job), (size_t)jobs * 4, emit_job, &q);
	t = start_workers(&q, jobs);
	for (int i = 0; i < nfiles; i++) {
		struct job j;

		memset(&j, 0, sizeof j);
		j.file = i;
		workq_push(q.wq, &j);
	}
	workq_close(q.wq);
	join_workers(t, jobs);
	if (fflush(stdout) == EOF)
		fatal_stdout();
	workq_free(q.wq);
	pthread_mutex_destroy(&q.error_lock);
	free(q.sas);
	return q.status;
}

/* decode_stage - the filter: ids in, ids out; the exit status */
static int
decode_stage(const struct config *cfg, const struct decode_args *args)
{
	struct queue q;
	pthread_t *t;
	char id[ID_MAX + 8];
	int jobs = cfg->jobs < 1 ? 1 : cfg->jobs;

	memset(&q, 0, sizeof q);
	q.stage = 1;
	q.cfg = cfg;
	q.args = args;
	pthread_mutex_init(&q.error_lock, NULL);
	if (sandbox_limits_init(&q.lim, cfg) == -1)
		return EX_CONFIG;
	snprintf(q.stop_prefix, sizeof q.stop_prefix, "%s?", cfg->verify_url);
	q.wq = workq_new(sizeof(struct job), (size_t)jobs * 4, emit_job, &q);
	t = start_workers(&q, jobs);
	while (stage_read_id(id, sizeof id)) {
		struct job j;

		memset(&j, 0, sizeof j);
		snprintf(j.id, sizeof j.id, "%s", id);
		if (workq_push(q.wq, &j) == -1)
			break;          /* aborted: a commit failed */
	}
	workq_close(q.wq);
	join_workers(t, jobs);
	workq_free(q.wq);
	pthread_mutex_destroy(&q.error_lock);
	if (q.fatal_errno) {
		log_warnx("stopped: %s", strerror(q.fatal_errno));
		return exit_for_errno(q.fatal_errno);
	}
	return 0;
}

/*
 * zbar passes the bytes of every code it reads through iconv (its
 * qrdectxt.c opens converters from ISO8859-1, SJIS and BIG5 to UTF-8),
 * and each of those is a module that iconv_open loads: gconv's cache
 * file mapped and a dlopen each. In a worker forked for one file that was
 * done again for every file that held a code (strace: three dlopens a
 * worker). Opened here, before the first worker is forked, and kept open
 * until the end, the modules are in every worker's memory from the fork
 * on; zbar's own iconv_open then finds them loaded. Without the modules
 * (an iconv_open that fails) nothing changes: zbar's fails the same way.
 */
static iconv_t converters[3];

/* converters_open - load zbar's text converters once, in the stage */
static void
converters_open(void)
{
	static const char *const from[] = { "ISO8859-1", "SJIS", "BIG5" };

	for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
		converters[i] = iconv_open("UTF-8", from[i]);
}

/* converters_close - release them */
static void
converters_close(void)
{
	for (size_t i = 0; i < sizeof converters / sizeof converters[0]; i++)
		if (converters[i] != (iconv_t)-1 && converters[i] != NULL)
			iconv_close(converters[i]);
}

/* extra_option - decode's own options */
static int
extra_option(int opt, const char *arg, void *ctx)
{
	struct decode_args *args = ctx;

	if (opt == OPT_IMAGE) {
		args->image_mode = 1;
		program_home_optional();        /* works outside any HOME */
	} else if (opt == OPT_PASSES)
		args->passes = arg;
	else if (opt == OPT_NO_GATE)
		args->no_gate = 1;
	else
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "image", no_argument, NULL, OPT_IMAGE },
		{ "passes", required_argument, NULL, OPT_PASSES },
		{ "no-gate", no_argument, NULL, OPT_NO_GATE },
		{ NULL, 0, NULL, 0 } };
	struct decode_args args = { 0, NULL, 0 };
	struct config cfg;
	int status, argi;

	argi = program_start(&cfg, argc, argv, extra, extra_option, &args,
	    usage, PROGRAM_ANY_OPERANDS, &status);
	if (argi == -1)
		return status;
	if (args.passes != NULL) {
		struct qrscan *probe = new_scanner(&args);
		qrscan_free(probe);
	}
	if (args.image_mode != (argi < argc)) {
		usage(stderr);
		return EX_USAGE;
	}
	xml_init();
	xml_lock_down();
	converters_open();
	if (args.image_mode)
		status = decode_images(&cfg, &args, argv + argi, argc - argi);
	else
		status = decode_stage(&cfg, &args);
	converters_close();
	config_free(&cfg);
	xml_cleanup();
	return status;
}
