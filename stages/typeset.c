/*
 * NAME
 *	typeset - issue reports, verification results and notices as PDFs
 *
 * SYNOPSIS
 *	typeset [--home DIR] [--out DIR] [--records FILE] [--jobs N]
 *	        [--now TIME] [--tz OFFSET] [--verify-url URL] [--font FILE]
 *	        [--verbose] < ids
 *
 * DESCRIPTION
 *	typeset is the fifth stage of credpipe (SPEC §6, §8). It reads
 *	dossier ids on stdin, one per line, and for each id that has no
 *	typeset.xml yet, by the decision of the check stage (check.xml, or
 *	validate.xml for a rejected dossier in quarantine):
 *
 *	verified online-report: issues a verification code in the registry
 *	(expiry = the date of --now in --tz + validity-days) and writes the
 *	online verification report OUT/reports/<id>.pdf;
 *	verified extension: moves the report's expiry in the registry (the
 *	same code) and writes a new report with the new expiry;
 *	verified paper-certification: issues the paper report number and
 *	writes the paper certification report; the dossier stays in the
 *	spool for manifest;
 *	verified report-check: writes the verification result
 *	OUT/reports/<id>.pdf;
 *	rejected / not verified: writes the notice OUT/notices/<id>.pdf.
 *
 *	It then commits typeset.xml, publishes OUT/results/<id>.xml with
 *	<report> or <notice>, and moves the dossier to HOME/done (not a
 *	verified paper-certification, not one in quarantine). Every id is
 *	written to stdout, also those it had nothing to do for.
 *
 *	A character the font cannot show, or outside the Basic Multilingual
 *	Plane, is never dropped: nothing is issued, the dossier is held for
 *	an operator (<held> in its result, typeset.xml committed, the dossier
 *	left where it is, listed by `credpipe status`).
 *
 *	Crash safety: registry issue (idempotent per dossier) -> PDF
 *	committed -> typeset.xml committed -> result published -> dossier
 *	moved. A rerun after kill -9 at any point redoes the unfinished
 *	steps: the registry hands back the same code, the PDF is replaced
 *	whole, so one code and one PDF per dossier.
 *
 *	--jobs render workers lay out and render; one issuer thread issues
 *	the codes of every dossier waiting in one registry transaction;
 *	4 x --jobs (16..64) committer threads commit and move, so that
 *	their fsyncs overlap with rendering. Ids go out as their dossiers
 *	finish, not necessarily in input order.
 *
 * FILES
 *	HOME/spool/<id>/check.xml, validate.xml   the decisions read
 *	HOME/spool/<id>/typeset.xml               this stage's commit point
 *	HOME/records.db                           the registry (--records)
 *	HOME/keys/signing.key                     signs the QR payloads
 *	OUT/reports/<id>.pdf, OUT/notices/<id>.pdf, OUT/results/<id>.xml
 *
 * EXIT STATUS
 *	0 every id handled (held ones included); 75 a transient failure
 *	(registry busy, disk full) left ids for the next run; 64 usage;
 *	78 configuration (no usable font, no signing key); 70 internal error.
 *
 * SEE ALSO
 *	credpipe(1), check(1), manifest(1), records(1), SPEC.md §6
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "program.h"
#include "config.h"
#include "dossier.h"
#include "fsutil.h"
#include "log.h"
#include "payload.h"
#include "pdf.h"
#include "registry.h"
#include "report.h"
#include "result.h"
#include "spool.h"
#include "timeutil.h"
#include "workq.h"
#include "xmlsafe.h"

#define PDF_MODE 0640
#define DEFAULT_VALIDITY 30
#define PLACEHOLDER_CODE "0000000000000000"

/*
 * Concurrency. Rendering a document is CPU work (~6 ms); everything else
 * a dossier costs is waiting for the disk: the registry transaction that
 * issues its code, then the commits of its PDF, typeset.xml and published
 * result and the move to done/, each ending in fsyncs. Done one after
 * the other on one thread, the CPU idles through the fsyncs. So a
 * dossier goes through three kinds of threads, handed on in queues:
 *
 *   render workers (--jobs)  decide what the dossier needs and lay it
 *                            out; a report to issue goes to the issuer,
 *                            anything else is rendered into memory;
 *                            an issued report comes back to be rendered;
 *   one issuer               issues the codes, paper numbers and
 *                            extensions of every dossier waiting, in one
 *                            registry transaction (one WAL fsync);
 *   committers (4 x --jobs,  commit the PDF, typeset.xml, publish the
 *   16..64)                  result, move the dossier to done/ and hand
 *                            the id to the emitter; their fsyncs overlap;
 *   one emitter              writes the ids to stdout (a workq): a slow
 *                            reader downstream stalls it alone.
 *
 * The order of one dossier's steps is the one the single-threaded stage
 * had, and it is what makes a crash harmless (see issue_prepare and
 * commit_job): issue committed -> PDF committed -> typeset.xml committed
 * -> result published -> dossier moved. Several dossiers share a registry
 * transaction only: each issue in it is keyed by its dossier id under a
 * UNIQUE constraint and returns what was issued before, so whatever part
 * of a group a crash let commit, the rerun finds it and issues nothing
 * twice; nothing of a group is rendered before its COMMIT returned. Ids
 * go out in the order their dossiers finish. At most INFLIGHT_MAX
 * dossiers are in the stage at once, and never one id twice.
 */
#define COMMITTERS_MIN 16
#define COMMITTERS_MAX 64
#define ISSUE_GROUP_MAX 64

enum job_step {
	STEP_PREPARE,           /* render worker: decide, lay out, render */
	STEP_ISSUE,             /* issuer: the registry issues its code */
	STEP_RENDER,            /* render worker: the report, code issued */
	STEP_COMMIT,            /* committer: PDF, typeset.xml, publish, move */
	STEP_FINISH,            /* committer: typeset.xml exists: finish_up */
	STEP_EMIT,              /* committer: nothing more: pass the id on */
};

/* one dossier on its way through the stage */
struct job {
	struct job *next;               /* in its queue */
	struct job *inflight_next;      /* in the stage's list of jobs */
	enum job_step step;
	char id[256];
	char dir[4096];
	enum spool_place place;
	int rc;                         /* exit status of what failed */
	struct result *r;
	struct dossier *d;
	/* a report to issue (issue_prepare .. issue_render) */
	struct report_fields *fields;
	struct reg_credential cred;
	struct reg_report rep;
	enum report_doc what;
	int paper, extension;
	char issued[16], expires[16];
	char first_issued[16], previous_expires[16];    /* extension */
	/* the rendered PDF, waiting for its commit */
	unsigned char *pdf;
	size_t pdf_len;
	char pdf_path[4096];
	int crash_after_pdf;            /* an issued report: test crash point */
};

struct queue {
	struct job *head, *tail;
	int n;
	pthread_cond_t *ready;          /* signalled when a job arrives */
};

struct typeset {
	const struct config *cfg;
	struct pdf_font *font;
	struct signing_key key;
	pthread_mutex_t lock;           /* everything below */
	struct queue prepare, render;   /* for the render workers */
	struct queue issue;             /* for the issuer */
	struct queue commit;            /* for the committers */
	pthread_cond_t to_render, to_issue, to_commit;
	pthread_cond_t room;            /* the reader waits for it */
	struct job *inflight;           /* every job in the stage */
	int ninflight, inflight_max;
	int eof;                        /* stdin ended: no new jobs */
	int status;                     /* worst exit status so far */
	struct workq *out;              /* finished ids -> the emitter */
};

struct worker {
	struct typeset *ts;
	struct registry *reg;           /* NULL for committers */
	pthread_t thread;
};

/* note_status - remember the worst outcome: 70 over 75 over 0 (locked) */
static void
note_status(struct typeset *ts, int status)
{
	if (status == EX_SOFTWARE || ts->status == 0)
		ts->status = status;
}

/* registry_failure - the exit status of a failed registry call */
static int
registry_failure(struct registry *reg, const char *id, const char *what)
{
	int st = registry_status(reg);

	log_warnx("%s: registry: %s failed%s", id, what,
	    st == EX_TEMPFAIL ? " (busy or disk full: retried next run)" : "");
	return st == EX_TEMPFAIL ? EX_TEMPFAIL : EX_SOFTWARE;
}

/* today - the calendar date of --now in --tz */
static long
today(const struct config *cfg)
{
	return time_day(cfg->now, cfg->tz);
}

/* hold - commit R as held with WHY: nothing issued, the dossier waits */
static int
hold(struct typeset *ts, const char *dir, struct result *r, const char *why)
{
	char path[4096];

	snprintf(r->held, sizeof r->held, "held for an operator: %s", why);
	log_warnx("%s: %s", r->id, r->held);
	spool_state_path(dir, "typeset", path, sizeof path);
	if (result_save(r, path) == -1 || result_publish(ts->cfg, r) == -1) {
		log_warn("%s: cannot commit the held result", r->id);
		return exit_for_errno(errno);
	}
	return 0;
}

/*
 * render_into - render document WHAT of FIELDS into J, its PDF to commit
 * as OUT/SUBDIR/<id>.pdf, and name that file ("SUBDIR/<id>.pdf") in the
 * result's FILE: the next step is the commit. A document that cannot show
 * a character holds the dossier; a failure passes the id on.
 */
static void
render_into(struct typeset *ts, struct job *j, enum report_doc what,
    const void *fields, const char *subdir, char *file, size_t fsize)
{
	char why[512], path[4096];
	enum pdf_status st;

	st = report_render(ts->font, what, fields, ts->cfg->now, &j->pdf,
	    &j->pdf_len, why, sizeof why);
	if (st == PDF_HELD) {
		j->rc = hold(ts, j->dir, j->r, why);
		j->step = STEP_EMIT;
		return;
	}
	if (st != PDF_OK) {
		log_warnx("%s: PDF: %s", j->id, why);
		j->rc = exit_for_errno(errno);
		j->step = STEP_EMIT;
		return;
	}
	fs_path(path, sizeof path, "%s/%s/%s.pdf", ts->cfg->out, subdir,
	    j->r->id);
	snprintf(j->pdf_path, sizeof j->pdf_path, "%s", path);
	snprintf(file, fsize, "%s/%s.pdf", subdir, j->r->id);
	j->step = STEP_COMMIT;
}

/* extension_fields - what an extended report's face adds, onto F */
static void
extension_fields(const struct job *j, struct report_fields *f)
{
	if (!j->extension)
		return;
	snprintf(f->first_issued, sizeof f->first_issued, "%s",
	    j->first_issued);
	snprintf(f->previous_expires, sizeof f->previous_expires, "%s",
	    j->previous_expires);
}

/*
 * issue_prepare - verified online-report, extension or paper-certification,
 * before anything is issued: the dates, the credential, and the document
 * laid out with a placeholder code, so that a character the font cannot
 * show holds the dossier before anything is issued.
 *
 * The order is what makes it exactly once. After this the issuer has the
 * registry issue (or, on a rerun, hand back) the code or number of THIS
 * dossier: the issue is keyed by the dossier id under a UNIQUE
 * constraint, so a crash anywhere after it and a rerun yield the same
 * code. Only after the issuer's COMMIT is the PDF rendered with it and
 * committed (temp file, fsync, rename: a reader sees no PDF or the whole
 * one; a rerun replaces it whole), and after it typeset.xml, the stage's
 * commit point (commit_job).
 */
static void
issue_prepare(struct worker *w, struct job *j)
{
	const struct config *cfg = w->ts->cfg;
	const struct dossier *d = j->d;
	struct report_fields *f;
	char why[512], certno[64];
	long validity, day = today(cfg);
	int rc;

	j->paper = dossier_kind_of(d->kind) == DOSSIER_PAPER_CERTIFICATION;
	j->extension = dossier_kind_of(d->kind) == DOSSIER_EXTENSION;
	j->what = j->paper ? REPORT_PAPER : REPORT_ONLINE;
	j->step = STEP_EMIT;
	memset(&j->rep, 0, sizeof j->rep);
	date_format(day, j->issued, sizeof j->issued);
	validity = atol(d->request.validity_days);
	if (validity <= 0)
		validity = DEFAULT_VALIDITY;
	if (j->extension) {
		rc = registry_find_report(w->reg, d->request.report_code,
		    &j->rep);
		if (rc != 1) {
			if (rc < 0)
				j->rc = registry_failure(w->reg, d->id,
				    "find report");
			else {
				log_warnx("%s: report to extend not in the "
				    "registry", d->id);
				j->rc = EX_SOFTWARE;
			}
			return;
		}
		snprintf(certno, sizeof certno, "%s",
		    j->rep.certificate_number);
		/* the face of an extended report: its first issue and the
		 * expiry it replaces (on a rerun the registry has moved the
		 * expiry already; the extension row keeps the old one) */
		snprintf(j->first_issued, sizeof j->first_issued, "%s",
		    j->rep.issued);
		rc = registry_find_extension(w->reg, d->id,
		    j->previous_expires, j->expires, sizeof j->expires);
		if (rc < 0) {
			j->rc = registry_failure(w->reg, d->id,
			    "find extension");
			return;
		}
		if (rc == 0)
			snprintf(j->previous_expires,
			    sizeof j->previous_expires, "%s", j->rep.expires);
		if (j->r->report_expires[0])
			snprintf(j->expires, sizeof j->expires, "%s",
			    j->r->report_expires);
		else {
			long old;
			if (date_parse_days(j->rep.expires, &old) < 0 ||
			    old < day)
				old = day;
			date_format(old + validity, j->expires,
			    sizeof j->expires);
		}
	} else {
		snprintf(certno, sizeof certno, "%s",
		    d->credential.certificate_number);
		date_format(day + validity, j->expires, sizeof j->expires);
	}
	rc = registry_find_claimed_credential(w->reg, certno,
	    d->applicant.id_number, d->credential.institution_code,
	    d->credential.graduation_date, &j->cred);
	if (rc != 1) {
		if (rc < 0)
			j->rc = registry_failure(w->reg, d->id,
			    "find credential");
		else {
			log_warnx("%s: credential not in the registry", d->id);
			j->rc = EX_SOFTWARE;
		}
		return;
	}
	if ((f = j->fields = calloc(1, sizeof *f)) == NULL) {
		j->rc = EX_TEMPFAIL;
		return;
	}
	if (!j->extension) {
		snprintf(j->rep.code, sizeof j->rep.code, PLACEHOLDER_CODE);
		snprintf(j->rep.number, sizeof j->rep.number, j->paper ?
		    "P0000000000" : "");
		snprintf(j->rep.expires, sizeof j->rep.expires, "%s",
		    j->paper ? "" : j->expires);
	} else
		snprintf(j->rep.expires, sizeof j->rep.expires, "%s",
		    j->expires);
	snprintf(j->rep.issued, sizeof j->rep.issued, "%s", j->issued);
	report_fields_fill(f, d, &j->cred, &j->rep, NULL, cfg->verify_url);
	extension_fields(j, f);
	snprintf(f->payload, sizeof f->payload, "%s", cfg->verify_url);
	if (!report_printable(w->ts->font, j->what, f, why, sizeof why)) {
		j->rc = hold(w->ts, j->dir, j->r, why);
		return;
	}
	j->step = STEP_ISSUE;
}

/*
 * issue_one - the registry part of J, inside the issuer's transaction:
 * issue, or find what this dossier was issued. 0 or -1 (J->rc set).
 */
static int
issue_one(struct registry *reg, struct job *j)
{
	const struct dossier *d = j->d;
	int rc;

	if (j->paper)
		rc = registry_issue_paper(reg, d->id,
		    j->cred.certificate_number, j->issued, &j->rep);
	else if (j->extension)
		rc = registry_extend(reg, d->id, d->request.report_code,
		    j->expires) == 0 && registry_find_report(reg,
		    d->request.report_code, &j->rep) == 1 ? 0 : -1;
	else
		rc = registry_issue_online(reg, d->id,
		    j->cred.certificate_number, j->issued, j->expires,
		    &j->rep);
	if (rc < 0) {
		j->rc = registry_failure(reg, d->id, j->paper ?
		    "issue paper report" : j->extension ? "extend report" :
		    "issue online report");
		return -1;
	}
	if (j->extension)
		snprintf(j->rep.issued, sizeof j->rep.issued, "%s", j->issued);
	return 0;
}

/* issue_render - the report with the code the registry issued */
static void
issue_render(struct worker *w, struct job *j)
{
	const struct config *cfg = w->ts->cfg;
	struct result *r = j->r;

	if (report_fields_fill(j->fields, j->d, &j->cred, &j->rep,
	    &w->ts->key, cfg->verify_url) < 0) {
		log_warnx("%s: the QR payload does not fit", j->id);
		j->rc = EX_SOFTWARE;
		j->step = STEP_EMIT;
		return;
	}
	extension_fields(j, j->fields);
	render_into(w->ts, j, j->what, j->fields, "reports", r->report_file,
	    sizeof r->report_file);
	if (j->step != STEP_COMMIT)
		return;
	j->crash_after_pdf = 1;
	snprintf(r->report_code, sizeof r->report_code, "%s", j->rep.code);
	snprintf(r->report_number, sizeof r->report_number, "%s",
	    j->rep.number);
	snprintf(r->report_issued, sizeof r->report_issued, "%.10s",
	    j->rep.issued);
	snprintf(r->report_expires, sizeof r->report_expires, "%.10s",
	    j->paper ? "" : j->rep.expires);
	if (j->extension) {
		snprintf(r->report_first_issued, sizeof r->report_first_issued,
		    "%.10s", j->first_issued);
		snprintf(r->report_previous_expires,
		    sizeof r->report_previous_expires, "%.10s",
		    j->previous_expires);
	}
}

/* check_result - the verification result of a verified report-check */
static void
check_result(struct worker *w, struct job *j)
{
	const struct config *cfg = w->ts->cfg;
	struct result *r = j->r;
	struct check_fields *f;
	struct check_entry *e;
	struct reg_report rep;
	struct reg_credential cred;
	int i;

	j->step = STEP_EMIT;
	if ((f = calloc(1, sizeof *f)) == NULL) {
		j->rc = EX_TEMPFAIL;
		return;
	}
	snprintf(f->dossier_id, sizeof f->dossier_id, "%s", r->id);
	snprintf(f->holder_name, sizeof f->holder_name, "%s",
	    j->d->applicant.name);
	date_format(today(cfg), f->decided, sizeof f->decided);
	for (i = 0; i < r->nqrs && f->nentries < REPORT_MAX_ENTRIES; i++) {
		e = &f->entries[f->nentries++];
		snprintf(e->attachment, sizeof e->attachment, "%s",
		    r->qrs[i].attachment);
		snprintf(e->status, sizeof e->status, "%s", r->qrs[i].status);
		snprintf(e->code, sizeof e->code, "%s", r->qrs[i].code);
		if (e->code[0] == '\0' ||
		    registry_find_report(w->reg, e->code, &rep) != 1)
			continue;
		snprintf(e->certificate_number, sizeof e->certificate_number,
		    "%s", rep.certificate_number);
		snprintf(e->kind, sizeof e->kind, "%s", rep.kind);
		snprintf(e->issued, sizeof e->issued, "%s", rep.issued);
		snprintf(e->expires, sizeof e->expires, "%s", rep.expires);
		if (rep.certificate_number[0] && registry_find_credential(w->reg,
		    rep.certificate_number, &cred) == 1) {
			snprintf(e->holder_name, sizeof e->holder_name, "%s",
			    cred.holder_name);
			snprintf(e->institution, sizeof e->institution, "%s",
			    cred.institution_name);
			snprintf(e->level, sizeof e->level, "%s", cred.level);
			snprintf(e->graduation_date, sizeof e->graduation_date,
			    "%s", cred.graduation_date);
		}
	}
	snprintf(r->report_issued, sizeof r->report_issued, "%.10s",
	    f->decided);
	render_into(w->ts, j, REPORT_CHECK, f, "reports", r->report_file,
	    sizeof r->report_file);
	free(f);
}

/* notice - the notice of a rejected or not verified dossier */
static void
notice(struct worker *w, struct job *j, int have_dossier)
{
	const struct config *cfg = w->ts->cfg;
	struct result *r = j->r;
	struct notice_fields *f;
	time_t t;
	int i;

	j->step = STEP_EMIT;
	if ((f = calloc(1, sizeof *f)) == NULL) {
		j->rc = EX_TEMPFAIL;
		return;
	}
	snprintf(f->dossier_id, sizeof f->dossier_id, "%s", r->id);
	snprintf(f->kind, sizeof f->kind, "%s", r->kind);
	snprintf(f->outcome, sizeof f->outcome, "%s", outcome_name(r->outcome));
	if (have_dossier) {
		snprintf(f->holder_name, sizeof f->holder_name, "%s",
		    j->d->applicant.name);
		snprintf(f->received, sizeof f->received, "%s",
		    j->d->received);
	}
	if (r->decided[0] && time_parse_iso(r->decided, cfg->tz, &t) == 0)
		date_format(time_day(t, cfg->tz), f->decided, sizeof f->decided);
	else
		date_format(today(cfg), f->decided, sizeof f->decided);
	for (i = 0; i < r->nreasons && i < REPORT_MAX_REASONS; i++) {
		snprintf(f->reasons[i].code, sizeof f->reasons[i].code, "%s",
		    r->reasons[i].code);
		snprintf(f->reasons[i].field, sizeof f->reasons[i].field, "%s",
		    r->reasons[i].field);
		snprintf(f->reasons[i].text, sizeof f->reasons[i].text, "%s",
		    r->reasons[i].text);
	}
	f->nreasons = i;
	render_into(w->ts, j, REPORT_NOTICE, f, "notices", r->notice_file,
	    sizeof r->notice_file);
	free(f);
}

/* stays_in_spool - a verified paper-certification waits for manifest */
static int
stays_in_spool(const struct result *r)
{
	return r->held[0] || (r->outcome == OUTCOME_VERIFIED &&
	    dossier_kind_of(r->kind) == DOSSIER_PAPER_CERTIFICATION);
}

/*
 * finish_up - after typeset.xml: publish the result unless the published
 * one already carries this stage's part (manifest may have added its
 * <shipment> since), then move the dossier to done/ when it is finished.
 * Both steps are idempotent, so a rerun completes what a crash left.
 */
static int
finish_up(const struct config *cfg, const struct result *r,
    enum spool_place place)
{
	struct result *pub;
	char path[4096];
	int publish = 1;

	if ((pub = calloc(1, sizeof *pub)) == NULL)
		return EX_TEMPFAIL;
	result_published_path(cfg, r->id, path, sizeof path);
	if (fs_exists(path) && result_load(pub, path) == 0 &&
	    (pub->report_file[0] || pub->notice_file[0] || pub->held[0]))
		publish = 0;
	free(pub);
	if (publish && result_publish(cfg, r) == -1) {
		log_warn("%s: cannot publish the result", r->id);
		return exit_for_errno(errno);
	}
	program_crash_point("typeset-after-publish");
	if (place == SPOOL_ACTIVE && !stays_in_spool(r) &&
	    spool_finish(cfg, r->id, SPOOL_DONE, NULL) == -1) {
		log_warn("%s: cannot move to done", r->id);
		return exit_for_errno(errno);
	}
	return 0;
}

/* load_decision - check.xml, else a rejected validate.xml; 0 or -1 */
static int
load_decision(const char *dir, struct result *r)
{
	char path[4096];

	if (spool_has_state(dir, "check") &&
	    result_load(r, spool_state_path(dir, "check", path,
	    sizeof path)) == 0 && r->outcome != OUTCOME_PENDING)
		return 0;
	if (spool_has_state(dir, "validate") &&
	    result_load(r, spool_state_path(dir, "validate", path,
	    sizeof path)) == 0 && r->outcome == OUTCOME_REJECTED)
		return 0;
	return -1;
}

/*
 * prepare - the first step of dossier J on a render worker: find it,
 * decide what it needs, and either render its document or send it to the
 * issuer; J->step says where it goes next.
 */
static void
prepare(struct worker *w, struct job *j)
{
	const struct config *cfg = w->ts->cfg;
	struct result *r = j->r;
	char path[4096];
	int have_dossier;

	j->step = STEP_EMIT;
	j->place = spool_locate(cfg, j->id, j->dir, sizeof j->dir);
	if (j->place == SPOOL_NONE) {
		log_warnx("%s: no such dossier", j->id);
		return;
	}
	spool_state_path(j->dir, "typeset", path, sizeof path);
	if (fs_exists(path)) {
		/* done before: complete what a crash may have left */
		if (result_load(r, path) == -1) {
			log_warn("%s: typeset.xml", j->id);
			j->rc = EX_SOFTWARE;
		} else
			j->step = STEP_FINISH;
		return;
	}
	if (load_decision(j->dir, r) == -1) {
		log_warnx("%s: not decided yet (no check.xml): left for the "
		    "next run", j->id);
		return;
	}
	have_dossier = dossier_load(j->dir, j->d) == 0;
	if (r->outcome == OUTCOME_VERIFIED && !have_dossier) {
		log_warnx("%s: verified, but its dossier.xml cannot be read",
		    j->id);
		j->rc = EX_SOFTWARE;
		return;
	}
	if (r->outcome != OUTCOME_VERIFIED) {
		notice(w, j, have_dossier);
		return;
	}
	switch (dossier_kind_of(j->d->kind)) {
	case DOSSIER_REPORT_CHECK:
		check_result(w, j);
		break;
	case DOSSIER_ONLINE_REPORT:
	case DOSSIER_EXTENSION:
	case DOSSIER_PAPER_CERTIFICATION:
		issue_prepare(w, j);
		break;
	case DOSSIER_UNKNOWN:
		log_warnx("%s: verified dossier of unknown kind", j->id);
		j->rc = EX_SOFTWARE;
		break;
	}
}

/*
 * commit_job - the durable part of a dossier, on a committer, in the
 * order that makes a crash at any instant harmless:
 *
 *   1. the PDF (commit_file: temp, fsync, rename, fsync out/reports).
 *      Before it, a crash leaves at most a temp file (swept at start)
 *      and, for a report, a code the registry holds for this dossier:
 *      the rerun gets the same code back and renders the same PDF.
 *   2. typeset.xml, the stage's commit point. Before it, a rerun redoes
 *      everything (same code, the PDF replaced whole by identical
 *      bytes); after it, a rerun only finishes up. It is committed only
 *      once the PDF is durable, so it never names a PDF a power loss
 *      took away.
 *   3. the published result, then the move to done/ (finish_up, both
 *      idempotent and redone by a rerun from typeset.xml).
 *
 * What each fsync of a dossier protects (8, plus its share of the
 * issuer's one WAL fdatasync per group):
 *   - the registry COMMIT: no PDF names a code the registry could forget;
 *   - the PDF file and out/reports: the bytes and the name must be on
 *     disk before typeset.xml is, since a rerun that finds typeset.xml
 *     never writes the PDF again;
 *   - typeset.xml and spool/<id>: before the dossier moves to done/
 *     (no rerun looks there) and before its id goes on to manifest;
 *   - the published result and out/results: before the move to done/,
 *     for the same reason: one complete result per dossier;
 *   - done/ and spool/ after the move (inside spool_finish): these
 *     protect nothing a rerun cannot repair (a lost rename leaves the
 *     dossier in spool/ with its typeset.xml; ingest hands it on again
 *     and finish_up moves it), but they belong to the shared routine.
 * The fsyncs of different dossiers overlap on the committer threads.
 */
static void
commit_job(struct typeset *ts, struct job *j)
{
	char path[4096];

	if (commit_file(j->pdf_path, j->pdf, j->pdf_len, PDF_MODE) < 0) {
		log_warn("%s: PDF: %s", j->id, j->pdf_path);
		j->rc = exit_for_errno(errno);
		return;
	}
	if (j->crash_after_pdf)
		program_crash_point("typeset-after-pdf");
	spool_state_path(j->dir, "typeset", path, sizeof path);
	if (result_save(j->r, path) == -1) {
		log_warn("%s: cannot commit typeset.xml", j->id);
		j->rc = exit_for_errno(errno);
		return;
	}
	program_crash_point("typeset-after-state");
	j->rc = finish_up(ts->cfg, j->r, j->place);
	if (j->rc == 0)
		log_info("%s: %s", j->id, j->r->report_file[0] ?
		    j->r->report_file : j->r->notice_file);
}

/* queue_put - append J to Q and wake one taker (locked) */
static void
queue_put(struct queue *q, struct job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->n++;
	pthread_cond_signal(q->ready);
}

/* queue_take - the first job of Q, or NULL (locked) */
static struct job *
queue_take(struct queue *q)
{
	struct job *j = q->head;

	if (j != NULL) {
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->n--;
		j->next = NULL;
	}
	return j;
}

/* stage_done - stdin ended and every dossier left the stage (locked) */
static int
stage_done(const struct typeset *ts)
{
	return ts->eof && ts->ninflight == 0;
}

/* route - hand J to the queue of its next step (locked) */
static void
route(struct typeset *ts, struct job *j)
{
	switch (j->step) {
	case STEP_PREPARE:
		queue_put(&ts->prepare, j);
		break;
	case STEP_ISSUE:
		queue_put(&ts->issue, j);
		break;
	case STEP_RENDER:
		queue_put(&ts->render, j);
		break;
	case STEP_COMMIT:
	case STEP_FINISH:
	case STEP_EMIT:
		queue_put(&ts->commit, j);
		break;
	}
}

/* wake_all - every thread looks again (the stage may be done) (locked) */
static void
wake_all(struct typeset *ts)
{
	pthread_cond_broadcast(&ts->to_render);
	pthread_cond_broadcast(&ts->to_issue);
	pthread_cond_broadcast(&ts->to_commit);
	pthread_cond_broadcast(&ts->room);
}

/* job_free - everything J holds */
static void
job_free(struct job *j)
{
	free(j->r);
	free(j->d);
	free(j->fields);
	free(j->pdf);
	free(j);
}

/*
 * job_leave - J is finished and its id handed to the emitter: forget it
 * (locked). The id is written to stdout by the emitter thread, never
 * under this lock: a slow reader downstream would stall every thread.
 */
static void
job_leave(struct typeset *ts, struct job *j)
{
	struct job **p;

	if (j->rc != 0)
		note_status(ts, j->rc);
	for (p = &ts->inflight; *p != NULL; p = &(*p)->inflight_next)
		if (*p == j) {
			*p = j->inflight_next;
			break;
		}
	ts->ninflight--;
	job_free(j);
	pthread_cond_broadcast(&ts->room);
	if (stage_done(ts))
		wake_all(ts);
}

/* render_main - a render worker: issued reports first, then new ids */
static void *
render_main(void *arg)
{
	struct worker *w = arg;
	struct typeset *ts = w->ts;
	struct job *j;

	pthread_mutex_lock(&ts->lock);
	for (;;) {
		if ((j = queue_take(&ts->render)) == NULL)
			j = queue_take(&ts->prepare);
		if (j == NULL) {
			if (stage_done(ts))
				break;
			pthread_cond_wait(&ts->to_render, &ts->lock);
			continue;
		}
		pthread_mutex_unlock(&ts->lock);
		log_set_dossier(j->id);
		if (j->step == STEP_RENDER)
			issue_render(w, j);
		else
			prepare(w, j);
		log_set_dossier(NULL);
		pthread_mutex_lock(&ts->lock);
		route(ts, j);
	}
	pthread_mutex_unlock(&ts->lock);
	return NULL;
}

/*
 * issue_group - one registry transaction for the N jobs of GROUP. Each
 * issue is idempotent per dossier id, so sharing the transaction changes
 * nothing a rerun sees: the whole group, or (where SQLite itself rolled
 * a failed transaction back and the rest went on in their own) any part
 * of it is committed, and a rerun finds exactly that. A job goes on to
 * be rendered only when COMMIT returned: no PDF ever names a code that
 * is not durable in the registry (synchronous FULL).
 */
static void
issue_group(struct worker *w, struct job **group, int n)
{
	int i, began, issued = 0;

	began = registry_begin(w->reg) == 0;
	for (i = 0; i < n; i++) {
		int ok = 0;

		log_set_dossier(group[i]->id);
		if (!began)
			group[i]->rc = registry_failure(w->reg, group[i]->id,
			    "begin transaction");
		else
			ok = issue_one(w->reg, group[i]) == 0;
		log_set_dossier(NULL);
		group[i]->step = ok ? STEP_RENDER : STEP_EMIT;
		issued += ok;
	}
	if (!began)
		return;
	if (registry_commit(w->reg) == -1) {
		for (i = 0; i < n; i++)
			if (group[i]->step == STEP_RENDER) {
				group[i]->rc = registry_failure(w->reg,
				    group[i]->id, "commit");
				group[i]->step = STEP_EMIT;
			}
		return;
	}
	if (issued > 0)
		program_crash_point("typeset-after-issue");
}

/* issuer_main - the issuer: every waiting issue in one transaction */
static void *
issuer_main(void *arg)
{
	struct worker *w = arg;
	struct typeset *ts = w->ts;
	struct job *group[ISSUE_GROUP_MAX];
	int i, n;

	pthread_mutex_lock(&ts->lock);
	for (;;) {
		for (n = 0; n < ISSUE_GROUP_MAX; n++)
			if ((group[n] = queue_take(&ts->issue)) == NULL)
				break;
		if (n == 0) {
			if (stage_done(ts))
				break;
			pthread_cond_wait(&ts->to_issue, &ts->lock);
			continue;
		}
		pthread_mutex_unlock(&ts->lock);
		issue_group(w, group, n);
		pthread_mutex_lock(&ts->lock);
		for (i = 0; i < n; i++)
			route(ts, group[i]);
	}
	pthread_mutex_unlock(&ts->lock);
	return NULL;
}

/* committer_main - a committer: the durable steps, then the id goes on */
static void *
committer_main(void *arg)
{
	struct worker *w = arg;
	struct typeset *ts = w->ts;
	struct job *j;

	pthread_mutex_lock(&ts->lock);
	for (;;) {
		if ((j = queue_take(&ts->commit)) == NULL) {
			if (stage_done(ts))
				break;
			pthread_cond_wait(&ts->to_commit, &ts->lock);
			continue;
		}
		pthread_mutex_unlock(&ts->lock);
		log_set_dossier(j->id);
		if (j->step == STEP_COMMIT)
			commit_job(ts, j);
		else if (j->step == STEP_FINISH)
			j->rc = finish_up(ts->cfg, j->r, j->place);
		log_set_dossier(NULL);
		workq_push(ts->out, j->id);     /* may wait: not locked */
		pthread_mutex_lock(&ts->lock);
		job_leave(ts, j);
	}
	pthread_mutex_unlock(&ts->lock);
	return NULL;
}

/*
 * emitter_main - the emitter: write finished ids to stdout as they come.
 * Only this thread waits for the reader of stdout; the committers wait
 * only when the queue of finished ids is full.
 */
static void *
emitter_main(void *arg)
{
	struct typeset *ts = arg;
	char ids[16][256];
	size_t n;

	while ((n = workq_pop(ts->out, ids, 16, NULL)) > 0)
		for (size_t i = 0; i < n; i++)
			stage_emit(ids[i]);
	return NULL;
}

/* in_flight - a job for ID is in the stage (locked) */
static int
in_flight(const struct typeset *ts, const char *id)
{
	const struct job *j;

	for (j = ts->inflight; j != NULL; j = j->inflight_next)
		if (strcmp(j->id, id) == 0)
			return 1;
	return 0;
}

/*
 * read_ids - the reader: each id on stdin becomes a job for the render
 * workers, at most INFLIGHT_MAX at once, and an id already in the stage
 * waits until it left (its rerun then finds typeset.xml).
 */
static void
read_ids(struct typeset *ts)
{
	char id[256];
	struct job *j;

	while (stage_read_id(id, sizeof id) == 1) {
		if (!id_valid(id)) {
			log_warnx("ignoring a line that is not a dossier id");
			continue;
		}
		if ((j = calloc(1, sizeof *j)) == NULL ||
		    (j->r = calloc(1, sizeof *j->r)) == NULL ||
		    (j->d = calloc(1, sizeof *j->d)) == NULL)
			fatal("%s: out of memory", id);
		snprintf(j->id, sizeof j->id, "%s", id);
		j->step = STEP_PREPARE;
		pthread_mutex_lock(&ts->lock);
		while (ts->ninflight >= ts->inflight_max || in_flight(ts, id))
			pthread_cond_wait(&ts->room, &ts->lock);
		j->inflight_next = ts->inflight;
		ts->inflight = j;
		ts->ninflight++;
		route(ts, j);
		pthread_mutex_unlock(&ts->lock);
	}
	pthread_mutex_lock(&ts->lock);
	ts->eof = 1;
	if (stage_done(ts))
		wake_all(ts);
	pthread_mutex_unlock(&ts->lock);
}

/* pass_on - without a registry: every id goes on, untouched */
static void
pass_on(void)
{
	char id[256];

	while (stage_read_id(id, sizeof id) == 1)
		if (id_valid(id))
			stage_emit(id);
}

/* run_typeset - open what the threads share, run them; exit status */
static int
run_typeset(struct typeset *ts)
{
	const struct config *cfg = ts->cfg;
	struct worker *workers;
	pthread_t emitter;
	char why[512], dir[4096];
	int i, nrender, ncommit, n, status = 0;

	if (spool_init(cfg) == -1) {
		log_warn("cannot create the directories under %s", cfg->home);
		return exit_for_errno(errno);
	}
	/* a commit killed mid-way leaves a temp file: never a partial PDF */
	fs_sweep_temp(fs_path(dir, sizeof dir, "%s/reports", cfg->out));
	fs_sweep_temp(fs_path(dir, sizeof dir, "%s/notices", cfg->out));
	if ((ts->font = pdf_font_open(cfg->font, why, sizeof why)) == NULL) {
		log_warnx("font: %s", why);
		return EX_CONFIG;
	}
	if (keys_load_signing(cfg->home, &ts->key) == -1) {
		/*
		 * keys_load_signing named the file. A key that cannot be
		 * written (keys/trusted/<id>.pub on a full or read-only disk)
		 * is "try again later"; one that cannot be read as a key is
		 * the operator's to fix.
		 */
		int err = errno;

		pdf_font_close(ts->font);
		return errno_is_transient(err) ? EX_TEMPFAIL : EX_CONFIG;
	}
	nrender = cfg->jobs > 0 ? cfg->jobs : 1;
	ncommit = 4 * nrender;
	if (ncommit < COMMITTERS_MIN)
		ncommit = COMMITTERS_MIN;
	if (ncommit > COMMITTERS_MAX)
		ncommit = COMMITTERS_MAX;
	ts->inflight_max = 2 * ncommit + 4 * nrender;
	/* workers[0] is the issuer, then render workers, then committers */
	n = 1 + nrender + ncommit;
	if ((workers = calloc((size_t)n, sizeof *workers)) == NULL)
		fatal("workers");
	for (i = 0; i < n; i++) {
		workers[i].ts = ts;
		if (i > nrender)
			continue;
		workers[i].reg = registry_open(cfg->records, &status);
		if (workers[i].reg == NULL) {
			log_warnx("cannot open the registry %s", cfg->records);
			while (--i >= 0)
				registry_close(workers[i].reg);
			free(workers);
			pdf_font_close(ts->font);
			pass_on();
			return status ? status : EX_TEMPFAIL;
		}
	}
	ts->out = workq_new(sizeof ((struct job *)0)->id,
	    (size_t)ts->inflight_max, NULL, NULL);
	if (pthread_create(&emitter, NULL, emitter_main, ts) != 0)
		fatal("pthread_create");
	for (i = 0; i < n; i++)
		if (pthread_create(&workers[i].thread, NULL, i == 0 ?
		    issuer_main : i <= nrender ? render_main : committer_main,
		    &workers[i]) != 0)
			fatal("pthread_create");
	read_ids(ts);
	for (i = 0; i < n; i++) {
		pthread_join(workers[i].thread, NULL);
		registry_close(workers[i].reg);
	}
	workq_close(ts->out);
	pthread_join(emitter, NULL);
	workq_free(ts->out);
	free(workers);
	pdf_font_close(ts->font);
	return ts->status;
}

/* usage - the brief manual */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: typeset [options] < ids\n"
	    "Issue the report PDF of each verified dossier (codes and paper\n"
	    "report numbers into the registry) and the notice of each\n"
	    "rejected or not verified one; write every id to stdout.\n"
	    "See credpipe-typeset(1).\n\nOptions:\n%s", config_common_help());
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct typeset ts;
	int status, argi;

	argi = program_start(&cfg, argc, argv, NULL, NULL, NULL, usage, 0,
	    &status);
	if (argi == -1)
		return status;
	xml_init();
	xml_lock_down();
	memset(&ts, 0, sizeof ts);
	ts.cfg = &cfg;
	pthread_mutex_init(&ts.lock, NULL);
	pthread_cond_init(&ts.to_render, NULL);
	pthread_cond_init(&ts.to_issue, NULL);
	pthread_cond_init(&ts.to_commit, NULL);
	pthread_cond_init(&ts.room, NULL);
	ts.prepare.ready = ts.render.ready = &ts.to_render;
	ts.issue.ready = &ts.to_issue;
	ts.commit.ready = &ts.to_commit;
	status = run_typeset(&ts);
	pthread_cond_destroy(&ts.room);
	pthread_cond_destroy(&ts.to_commit);
	pthread_cond_destroy(&ts.to_issue);
	pthread_cond_destroy(&ts.to_render);
	pthread_mutex_destroy(&ts.lock);
	config_free(&cfg);
	xml_cleanup();
	return status;
}
