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
#include "xmlsafe.h"

#define PDF_MODE 0640
#define DEFAULT_VALIDITY 30
#define PLACEHOLDER_CODE "0000000000000000"

struct typeset {
	const struct config *cfg;
	struct pdf_font *font;
	struct signing_key key;
	pthread_mutex_t lock;           /* stdin, stdout, status */
	int status;                     /* worst exit status so far */
};

struct worker {
	struct typeset *ts;
	struct registry *reg;
	pthread_t thread;
};

/*
 * crash_point - tests kill the stage at NAME (CREDPIPE_TEST_CRASH=NAME)
 * to prove that a rerun recovers from a SIGKILL right there.
 */
static void
crash_point(const char *name)
{
	const char *at = getenv("CREDPIPE_TEST_CRASH");

	if (at != NULL && strcmp(at, name) == 0)
		raise(SIGKILL);
}

/* note_status - remember the worst outcome: 70 over 75 over 0 */
static void
note_status(struct typeset *ts, int status)
{
	pthread_mutex_lock(&ts->lock);
	if (status == EX_SOFTWARE || ts->status == 0)
		ts->status = status;
	pthread_mutex_unlock(&ts->lock);
}

/* registry_failure - the exit status of a failed registry call */
static int
registry_failure(struct worker *w, const char *id, const char *what)
{
	int st = registry_status(w->reg);

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

/* find_credential - by certificate number, else by holder (pre-2002) */
static int
find_credential(struct registry *reg, const struct dossier *d,
    const char *certno, struct reg_credential *cred)
{
	if (certno[0] != '\0')
		return registry_find_credential(reg, certno, cred);
	return registry_find_credential_by_holder(reg, d->applicant.id_number,
	    d->credential.institution_code,
	    atoi(d->credential.graduation_date), cred);
}

/* hold - commit R as held with WHY: nothing issued, the dossier waits */
static int
hold(struct worker *w, const char *dir, struct result *r, const char *why)
{
	char path[4096];

	snprintf(r->held, sizeof r->held, "held for an operator: %s", why);
	log_warnx("%s: %s", r->id, r->held);
	spool_state_path(dir, "typeset", path, sizeof path);
	if (result_save(r, path) == -1 || result_publish(w->ts->cfg, r) == -1) {
		log_warn("%s: cannot commit the held result", r->id);
		return exit_for_errno(errno);
	}
	return 0;
}

/* write_failure - exit status after report_write failed */
static int
write_failure(const char *id, enum pdf_status st, const char *why, int err)
{
	if (st == PDF_HELD)
		return 0;
	log_warnx("%s: PDF: %s", id, why);
	return exit_for_errno(err);
}

/*
 * issue_report - verified online-report, extension or paper-certification:
 * reserve in the registry, then write the PDF.
 *
 * The order is what makes it exactly once. The document is first laid
 * out with a placeholder code, so that a character the font cannot show
 * holds the dossier before anything is issued. Then the registry issues
 * (or, on a rerun, hands back) the code or number of THIS dossier: the
 * issue is keyed by the dossier id under a UNIQUE constraint, so a crash
 * anywhere after it and a rerun yield the same code. Only then is the
 * PDF committed (temp file, fsync, rename: a reader sees no PDF or the
 * whole one; a rerun replaces it whole), and after it the caller commits
 * typeset.xml, the stage's commit point.
 */
static int
issue_report(struct worker *w, const char *dir, const struct dossier *d,
    struct result *r, int *held)
{
	const struct config *cfg = w->ts->cfg;
	struct reg_credential cred;
	struct reg_report rep;
	struct report_fields *f;
	enum report_doc what;
	char issued[16], expires[16], why[512], path[4096], certno[64];
	long validity, day = today(cfg);
	enum pdf_status st;
	int rc, paper = strcmp(d->kind, "paper-certification") == 0;
	int extension = strcmp(d->kind, "extension") == 0;

	what = paper ? REPORT_PAPER : REPORT_ONLINE;
	memset(&rep, 0, sizeof rep);
	date_format(day, issued, sizeof issued);
	validity = atol(d->request.validity_days);
	if (validity <= 0)
		validity = DEFAULT_VALIDITY;
	if (extension) {
		rc = registry_find_report(w->reg, d->request.report_code, &rep);
		if (rc != 1)
			return rc < 0 ? registry_failure(w, d->id, "find report")
			    : (log_warnx("%s: report to extend not in the "
			    "registry", d->id), EX_SOFTWARE);
		snprintf(certno, sizeof certno, "%s", rep.certificate_number);
		if (r->report_expires[0])
			snprintf(expires, sizeof expires, "%s",
			    r->report_expires);
		else {
			long old;
			if (date_parse_days(rep.expires, &old) < 0 || old < day)
				old = day;
			date_format(old + validity, expires, sizeof expires);
		}
	} else {
		snprintf(certno, sizeof certno, "%s",
		    d->credential.certificate_number);
		date_format(day + validity, expires, sizeof expires);
	}
	rc = find_credential(w->reg, d, certno, &cred);
	if (rc != 1)
		return rc < 0 ? registry_failure(w, d->id, "find credential") :
		    (log_warnx("%s: credential not in the registry", d->id),
		    EX_SOFTWARE);
	if ((f = calloc(1, sizeof *f)) == NULL)
		return EX_TEMPFAIL;

	/* 1. lay out with a placeholder: hold before issuing anything */
	if (!extension) {
		snprintf(rep.code, sizeof rep.code, PLACEHOLDER_CODE);
		snprintf(rep.number, sizeof rep.number, paper ? "P0000000000"
		    : "");
		snprintf(rep.expires, sizeof rep.expires, "%s",
		    paper ? "" : expires);
	} else
		snprintf(rep.expires, sizeof rep.expires, "%s", expires);
	snprintf(rep.issued, sizeof rep.issued, "%s", issued);
	report_fields_fill(f, d, &cred, &rep, NULL, cfg->verify_url);
	snprintf(f->payload, sizeof f->payload, "%s", cfg->verify_url);
	if (!report_printable(w->ts->font, what, f, why, sizeof why)) {
		free(f);
		*held = 1;
		return hold(w, dir, r, why);
	}

	/* 2. the registry: issue, or find what this dossier was issued */
	if (paper)
		rc = registry_issue_paper(w->reg, d->id,
		    cred.certificate_number, issued, &rep);
	else if (extension)
		rc = registry_extend(w->reg, d->id, d->request.report_code,
		    expires) == 0 && registry_find_report(w->reg,
		    d->request.report_code, &rep) == 1 ? 0 : -1;
	else
		rc = registry_issue_online(w->reg, d->id,
		    cred.certificate_number, issued, expires, &rep);
	if (rc < 0) {
		free(f);
		return registry_failure(w, d->id, paper ? "issue paper report"
		    : extension ? "extend report" : "issue online report");
	}
	if (extension)
		snprintf(rep.issued, sizeof rep.issued, "%s", issued);
	crash_point("typeset-after-issue");

	/* 3. the PDF, committed whole */
	if (report_fields_fill(f, d, &cred, &rep, &w->ts->key,
	    cfg->verify_url) < 0) {
		free(f);
		log_warnx("%s: the QR payload does not fit", d->id);
		return EX_SOFTWARE;
	}
	fs_path(path, sizeof path, "%s/reports/%s.pdf", cfg->out, d->id);
	st = report_write(w->ts->font, what, f, path, PDF_MODE, cfg->now, why,
	    sizeof why);
	free(f);
	if (st == PDF_HELD) {
		*held = 1;
		return hold(w, dir, r, why);
	}
	if (st != PDF_OK)
		return write_failure(d->id, st, why, errno);
	crash_point("typeset-after-pdf");
	snprintf(r->report_code, sizeof r->report_code, "%s", rep.code);
	snprintf(r->report_number, sizeof r->report_number, "%s", rep.number);
	snprintf(r->report_issued, sizeof r->report_issued, "%.10s", rep.issued);
	snprintf(r->report_expires, sizeof r->report_expires, "%.10s",
	    paper ? "" : rep.expires);
	snprintf(r->report_file, sizeof r->report_file, "reports/%s.pdf",
	    d->id);
	return 0;
}

/* check_result - the verification result of a verified report-check */
static int
check_result(struct worker *w, const char *dir, const struct dossier *d,
    struct result *r, int *held)
{
	const struct config *cfg = w->ts->cfg;
	struct check_fields *f;
	struct check_entry *e;
	struct reg_report rep;
	struct reg_credential cred;
	char path[4096], why[512];
	enum pdf_status st;
	int i;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return EX_TEMPFAIL;
	snprintf(f->dossier_id, sizeof f->dossier_id, "%s", r->id);
	snprintf(f->holder_name, sizeof f->holder_name, "%s",
	    d->applicant.name);
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
	fs_path(path, sizeof path, "%s/reports/%s.pdf", cfg->out, r->id);
	st = report_write(w->ts->font, REPORT_CHECK, f, path, PDF_MODE,
	    cfg->now, why, sizeof why);
	snprintf(r->report_issued, sizeof r->report_issued, "%.10s", f->decided);
	free(f);
	if (st == PDF_HELD) {
		*held = 1;
		return hold(w, dir, r, why);
	}
	if (st != PDF_OK)
		return write_failure(r->id, st, why, errno);
	snprintf(r->report_file, sizeof r->report_file, "reports/%s.pdf",
	    r->id);
	return 0;
}

/* notice - the notice of a rejected or not verified dossier */
static int
notice(struct worker *w, const char *dir, const struct dossier *d,
    int have_dossier, struct result *r, int *held)
{
	const struct config *cfg = w->ts->cfg;
	struct notice_fields *f;
	char path[4096], why[512];
	enum pdf_status st;
	time_t t;
	int i;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return EX_TEMPFAIL;
	snprintf(f->dossier_id, sizeof f->dossier_id, "%s", r->id);
	snprintf(f->kind, sizeof f->kind, "%s", r->kind);
	snprintf(f->outcome, sizeof f->outcome, "%s", outcome_name(r->outcome));
	if (have_dossier) {
		snprintf(f->holder_name, sizeof f->holder_name, "%s",
		    d->applicant.name);
		snprintf(f->received, sizeof f->received, "%s", d->received);
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
	fs_path(path, sizeof path, "%s/notices/%s.pdf", cfg->out, r->id);
	st = report_write(w->ts->font, REPORT_NOTICE, f, path, PDF_MODE,
	    cfg->now, why, sizeof why);
	free(f);
	if (st == PDF_HELD) {
		*held = 1;
		return hold(w, dir, r, why);
	}
	if (st != PDF_OK)
		return write_failure(r->id, st, why, errno);
	snprintf(r->notice_file, sizeof r->notice_file, "notices/%s.pdf",
	    r->id);
	return 0;
}

/* stays_in_spool - a verified paper-certification waits for manifest */
static int
stays_in_spool(const struct result *r)
{
	return r->held[0] || (r->outcome == OUTCOME_VERIFIED &&
	    strcmp(r->kind, "paper-certification") == 0);
}

/*
 * finish_up - after typeset.xml: publish the result unless the published
 * one already carries this stage's part (manifest may have added its
 * <shipment> since), then move the dossier to done/ when it is finished.
 * Both steps are idempotent, so a rerun completes what a crash left.
 */
static int
finish_up(struct worker *w, const struct result *r, enum spool_place place)
{
	const struct config *cfg = w->ts->cfg;
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
	crash_point("typeset-after-publish");
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

/* typeset_one - everything for dossier ID; an exit status */
static int
typeset_one(struct worker *w, const char *id)
{
	const struct config *cfg = w->ts->cfg;
	struct result *r = NULL;
	struct dossier *d = NULL;
	enum spool_place place;
	char dir[4096], path[4096];
	int rc = 0, have_dossier, held = 0;

	place = spool_locate(cfg, id, dir, sizeof dir);
	if (place == SPOOL_NONE) {
		log_warnx("%s: no such dossier", id);
		return 0;
	}
	if ((r = calloc(1, sizeof *r)) == NULL ||
	    (d = calloc(1, sizeof *d)) == NULL) {
		rc = EX_TEMPFAIL;
		goto out;
	}
	spool_state_path(dir, "typeset", path, sizeof path);
	if (fs_exists(path)) {
		/* done before: complete what a crash may have left */
		if (result_load(r, path) == -1) {
			log_warn("%s: typeset.xml", id);
			rc = EX_SOFTWARE;
		} else
			rc = finish_up(w, r, place);
		goto out;
	}
	if (load_decision(dir, r) == -1) {
		log_warnx("%s: not decided yet (no check.xml): left for the "
		    "next run", id);
		goto out;
	}
	have_dossier = dossier_load(dir, d) == 0;
	if (r->outcome == OUTCOME_VERIFIED && !have_dossier) {
		log_warnx("%s: verified, but its dossier.xml cannot be read",
		    id);
		rc = EX_SOFTWARE;
		goto out;
	}
	if (r->outcome != OUTCOME_VERIFIED)
		rc = notice(w, dir, d, have_dossier, r, &held);
	else if (strcmp(d->kind, "report-check") == 0)
		rc = check_result(w, dir, d, r, &held);
	else if (strcmp(d->kind, "online-report") == 0 ||
	    strcmp(d->kind, "extension") == 0 ||
	    strcmp(d->kind, "paper-certification") == 0)
		rc = issue_report(w, dir, d, r, &held);
	else {
		log_warnx("%s: verified dossier of unknown kind", id);
		rc = EX_SOFTWARE;
	}
	if (rc != 0 || held)
		goto out;
	/* the stage's commit point: after the PDF, before publishing */
	if (result_save(r, path) == -1) {
		log_warn("%s: cannot commit typeset.xml", id);
		rc = exit_for_errno(errno);
		goto out;
	}
	crash_point("typeset-after-state");
	rc = finish_up(w, r, place);
	if (rc == 0)
		log_info("%s: %s", id, r->report_file[0] ? r->report_file :
		    r->notice_file);
out:
	free(r);
	free(d);
	return rc;
}

/* worker_main - take ids from stdin until it ends */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct typeset *ts = w->ts;
	char id[256];
	int got, rc;

	for (;;) {
		pthread_mutex_lock(&ts->lock);
		got = stage_read_id(id, sizeof id);
		pthread_mutex_unlock(&ts->lock);
		if (got != 1)
			break;
		if (!id_valid(id)) {
			log_warnx("ignoring a line that is not a dossier id");
			continue;
		}
		rc = typeset_one(w, id);
		if (rc != 0)
			note_status(ts, rc);
		pthread_mutex_lock(&ts->lock);
		stage_emit(id);
		pthread_mutex_unlock(&ts->lock);
	}
	return NULL;
}

/* run_typeset - open what the workers share, run them; exit status */
static int
run_typeset(struct typeset *ts)
{
	const struct config *cfg = ts->cfg;
	struct worker *workers;
	char why[512], dir[4096];
	int i, n = cfg->jobs > 0 ? cfg->jobs : 1, status;

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
		pdf_font_close(ts->font);
		return EX_CONFIG;
	}
	if ((workers = calloc((size_t)n, sizeof *workers)) == NULL)
		fatal("workers");
	for (i = 0; i < n; i++) {
		workers[i].ts = ts;
		workers[i].reg = registry_open(cfg->records, &status);
		if (workers[i].reg == NULL) {
			log_warnx("cannot open the registry %s", cfg->records);
			n = i;
			ts->status = status ? status : EX_TEMPFAIL;
			break;
		}
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&workers[i].thread, NULL, worker_main,
		    &workers[i]) != 0)
			fatal("pthread_create");
	for (i = 0; i < n; i++) {
		pthread_join(workers[i].thread, NULL);
		registry_close(workers[i].reg);
	}
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
	    "See typeset(1).\n\nOptions:\n%s", config_common_help());
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
	status = run_typeset(&ts);
	pthread_mutex_destroy(&ts.lock);
	config_free(&cfg);
	xml_cleanup();
	return status;
}
