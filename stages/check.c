/*
 * NAME
 *	check - hold each dossier's claims and QR payloads against the registry
 *
 * SYNOPSIS
 *	check [--home DIR] [--records FILE] [--now TIME] [--tz OFFSET]
 *	      [--verify-url URL] < ids > ids
 *
 * DESCRIPTION
 *	A filter (SPEC §8): reads dossier ids on stdin, writes every id on
 *	stdout. For a dossier that validate let through it applies SPEC §4:
 *
 *	- online-report, paper-certification: the credential is found by
 *	  certificate number (pre-2002 without one: holder id-number +
 *	  institution code + graduation year); none is no-record; holder
 *	  name, id-number (x upper-cased), institution, level and
 *	  graduation date must equal the claim (record-mismatch, one reason
 *	  per field); a revoked credential is record-revoked; a second paper
 *	  report is already-certified; an archive credential asked for an
 *	  online report is wrong-channel (a rejection).
 *	- extension: the report code must exist (no-record), be the
 *	  applicant's (record-mismatch, id-number), not be revoked
 *	  (record-revoked), be an online report within 30 days of its expiry
 *	  or past it (extension-not-allowed); the new expiry, max(today,
 *	  expiry) + validity-days, goes into the result for typeset.
 *	- reconsideration-of: the referenced dossier must have been decided
 *	  not-verified or rejected (else reconsideration-not-allowed).
 *	- QR codes found by decode: each credpipe payload is checked offline
 *	  (signature against HOME/keys/trusted) and then against the registry
 *	  (unknown, revoked, expired at --now, naming another holder or
 *	  certificate); a verification-report without a readable code is
 *	  qr-unreadable, with only foreign codes qr-unknown. Every code is
 *	  listed with its status. An attachment decode could not read as an
 *	  image is bad-attachment (a rejection).
 *
 *	The result, HOME/spool/<id>/check.xml, is verified, not-verified or
 *	rejected with every reason; the decision is written to the registry
 *	(also for dossiers validate rejected, which pass through unchanged).
 *	A dossier that already has check.xml is passed on as it is. The
 *	dossier stays in the spool: typeset finishes it.
 *
 *	max(4 x --jobs, 32) threads (at most 64) judge dossiers and commit
 *	check.xml; one writer records decisions, many per transaction, and
 *	then passes the ids on (not necessarily in input order).
 *
 * FILES
 *	HOME/spool/<id>/{validate,decode,check}.xml, HOME/records.db,
 *	HOME/keys/trusted/
 *
 * EXIT STATUS
 *	0 every id was handled; 75 the registry was busy or the disk full
 *	for some dossier (the next run checks it); 64 usage; 78
 *	configuration; 70 internal error.
 *
 * SEE ALSO
 *	validate(1), decode(1), typeset(1), records(1), credpipe(1)
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "program.h"
#include "config.h"
#include "dossier.h"
#include "log.h"
#include "payload.h"
#include "registry.h"
#include "result.h"
#include "scanresult.h"
#include "spool.h"
#include "timeutil.h"
#include "workq.h"
#include "xmlsafe.h"

/*
 * Concurrency. Most of a dossier's time is the fsyncs of committing
 * check.xml; they overlap well, so WORKERS threads (each with its own
 * registry connection, reading only) judge dossiers and commit their
 * check.xml, and one writer thread records the decisions (and the
 * credential each dossier was checked against) in the registry, many
 * dossiers per transaction, and only then passes their ids on. A crash
 * between a check.xml and its registry transaction is repaired by the
 * rerun: a dossier whose check.xml exists but whose decision the registry
 * lacks is recorded again (relinking its credential).
 */
#define QUEUE_MAX 1024
#define WORKERS_MIN 32
#define WORKERS_MAX 64

/* the state shared by every thread, read-only once running */
struct checker {
	const struct config *cfg;
	struct trusted_keys keys;
	long today;                     /* calendar day of --now in --tz */
	char decided[40];               /* --now as ISO 8601 in --tz */
};

/* one worker thread's context */
struct worker {
	const struct checker *ck;
	struct registry *reg;           /* this thread's own connection */
};

/* reason codes that reject a dossier rather than fail a check */
static const char *const rejections[] = {
	"wrong-channel", "bad-attachment", "reconsideration-not-allowed",
};

/* is_rejection - CODE makes the outcome rejected */
static int
is_rejection(const char *code)
{
	for (size_t i = 0; i < sizeof rejections / sizeof rejections[0]; i++)
		if (strcmp(code, rejections[i]) == 0)
			return 1;
	return 0;
}

/* add_reason - a reason, once per (code, field) */
static void
add_reason(struct result *r, const char *code, const char *field,
    const char *text)
{
	for (int i = 0; i < r->nreasons; i++)
		if (strcmp(r->reasons[i].code, code) == 0 &&
		    strcmp(r->reasons[i].field, field ? field : "") == 0)
			return;
	if (result_add_reason(r, code, field, "%s", text) == -1)
		log_warnx("%s: too many reasons: %s dropped", r->id, code);
}

/* add_qr - list one code with its status */
static void
add_qr(struct result *r, const char *file, const char *status,
    const char *code)
{
	struct result_qr *q;

	if (r->nqrs == RESULT_MAX_QR) {
		log_warnx("%s: too many QR codes: %s not listed", r->id, file);
		return;
	}
	q = &r->qrs[r->nqrs++];
	snprintf(q->attachment, sizeof q->attachment, "%s", file);
	snprintf(q->status, sizeof q->status, "%s", status);
	snprintf(q->code, sizeof q->code, "%s", code ? code : "");
}

/* same_id - id-numbers equal with x upper-cased */
static int
same_id(const char *a, const char *b)
{
	char x[32], y[32];

	snprintf(x, sizeof x, "%s", a);
	snprintf(y, sizeof y, "%s", b);
	return strcmp(holder_id_normalise(x), holder_id_normalise(y)) == 0;
}

/* db_failed - remember a registry failure; -1 */
static int
db_failed(struct worker *w, int *status)
{
	*status = registry_status(w->reg) ? registry_status(w->reg) :
	    EX_SOFTWARE;
	return -1;
}

/*
 * check_credential - online-report and paper-certification: the claimed
 * credential against the registry; the credential found into FOUND
 * (certificate_number and holder_id "" when none). 0, or -1 on a registry
 * failure.
 */
static int
check_credential(struct worker *w, const struct dossier *d,
    struct result *r, struct reg_credential *found, int *status)
{
	struct reg_credential c;
	struct reg_report paper;
	char applicant[32];
	int rc;

	snprintf(applicant, sizeof applicant, "%s", d->applicant.id_number);
	holder_id_normalise(applicant);
	rc = registry_find_claimed_credential(w->reg,
	    d->credential.certificate_number, applicant,
	    d->credential.institution_code, d->credential.graduation_date, &c);
	if (rc < 0)
		return db_failed(w, status);
	if (rc == 0) {
		add_reason(r, "no-record", NULL, "No registered credential "
		    "matches the claim.");
		return 0;
	}
	if (strcmp(c.holder_name, d->applicant.name) != 0)
		add_reason(r, "record-mismatch", "name", "The holder's name "
		    "differs from the registered record.");
	if (!same_id(c.holder_id, applicant))
		add_reason(r, "record-mismatch", "id-number", "The holder's "
		    "id-number differs from the registered record.");
	if (strcmp(c.institution_code, d->credential.institution_code) != 0)
		add_reason(r, "record-mismatch", "institution", "The "
		    "institution differs from the registered record.");
	if (strcmp(c.level, d->credential.level) != 0)
		add_reason(r, "record-mismatch", "level", "The level differs "
		    "from the registered record.");
	if (strcmp(c.graduation_date, d->credential.graduation_date) != 0)
		add_reason(r, "record-mismatch", "graduation-date", "The "
		    "graduation date differs from the registered record.");
	if (strcmp(c.status, "revoked") == 0)
		add_reason(r, "record-revoked", NULL, "The registered "
		    "credential has been revoked.");
	if (dossier_kind_of(d->kind) == DOSSIER_ONLINE_REPORT &&
	    strcmp(c.source, "registry") != 0)
		add_reason(r, "wrong-channel", NULL, "The credential is an "
		    "archive record: apply for a paper certification.");
	if (dossier_kind_of(d->kind) == DOSSIER_PAPER_CERTIFICATION) {
		rc = registry_find_paper_report_of(w->reg, &c, &paper);
		if (rc < 0)
			return db_failed(w, status);
		if (rc == 1 && strcmp(paper.dossier_id, d->id) != 0)
			add_reason(r, "already-certified", NULL, "A paper "
			    "certification report was already issued for "
			    "this credential.");
	}
	*found = c;
	return 0;
}

/* check_extension - the report to extend, and its new expiry */
static int
check_extension(struct worker *w, const struct dossier *d,
    struct result *r, int *status)
{
	struct reg_report rep;
	long expiry, days, newday;
	char buf[16];
	int rc = registry_find_report(w->reg, d->request.report_code, &rep);

	if (rc < 0)
		return db_failed(w, status);
	if (rc == 0) {
		add_reason(r, "no-record", NULL, "No report with this "
		    "verification code was issued.");
		return 0;
	}
	if (!same_id(rep.holder_id, d->applicant.id_number))
		add_reason(r, "record-mismatch", "id-number", "The report "
		    "belongs to another holder.");
	if (strcmp(rep.status, "revoked") == 0)
		add_reason(r, "record-revoked", NULL, "The report has been "
		    "revoked.");
	if (strcmp(rep.kind, "online") != 0 ||
	    date_parse_days(rep.expires, &expiry) == -1) {
		add_reason(r, "extension-not-allowed", NULL, "Only online "
		    "reports can be extended.");
		return 0;
	}
	if (w->ck->today < expiry - 30) {
		add_reason(r, "extension-not-allowed", NULL, "A report can be "
		    "extended from 30 days before its expiry.");
		return 0;
	}
	days = strtol(d->request.validity_days, NULL, 10);
	if (days < 30 || days > 180)
		days = 30;
	newday = (w->ck->today > expiry ? w->ck->today : expiry) + days;
	snprintf(r->report_code, sizeof r->report_code, "%s", rep.code);
	snprintf(r->report_expires, sizeof r->report_expires, "%s",
	    date_format(newday, buf, sizeof buf));
	return 0;
}

/* check_reconsideration - the referenced dossier was turned down */
static int
check_reconsideration(struct worker *w, const struct dossier *d,
    struct result *r, int *status)
{
	char outcome[32] = "";
	int rc = 0;

	if (strcmp(d->reconsideration_of, d->id) != 0) {
		rc = registry_find_decision(w->reg, d->reconsideration_of,
		    outcome, sizeof outcome);
		if (rc < 0)
			return db_failed(w, status);
	}
	/* the result names the decision this dossier asks to replace */
	snprintf(r->reconsideration_of, sizeof r->reconsideration_of, "%s",
	    d->reconsideration_of);
	if (rc == 1)
		snprintf(r->reconsideration_outcome,
		    sizeof r->reconsideration_outcome, "%.15s", outcome);
	if (rc == 0 || (strcmp(outcome, "not-verified") != 0 &&
	    strcmp(outcome, "rejected") != 0))
		add_reason(r, "reconsideration-not-allowed", NULL, "Only a "
		    "dossier decided not verified or rejected can be "
		    "reconsidered.");
	return 0;
}

/*
 * check_payload - one credpipe payload against the registry: its QR
 * status, and the reason when it is not valid. -1 on a registry failure.
 */
static int
check_payload(struct worker *w, const struct dossier *d,
    const struct payload *p, struct result *r, const char *file,
    int *status)
{
	struct reg_report rep;
	long expiry;
	int rc = registry_find_report(w->reg, p->code, &rep);

	if (rc < 0)
		return db_failed(w, status);
	if (rc == 0) {
		add_qr(r, file, "unknown", p->code);
		add_reason(r, "qr-unknown", NULL, "A scanned report's code was "
		    "never issued.");
	} else if (strcmp(rep.status, "revoked") == 0) {
		add_qr(r, file, "revoked", p->code);
		add_reason(r, "qr-revoked", NULL, "A scanned report has been "
		    "revoked.");
	} else if (rep.expires[0] != '\0' &&
	    (date_parse_days(rep.expires, &expiry) == -1 ||
	    expiry < w->ck->today)) {
		add_qr(r, file, "expired", p->code);
		add_reason(r, "qr-expired", NULL, "A scanned report has "
		    "expired.");
	} else if (!same_id(rep.holder_id, d->applicant.id_number) ||
	    (d->has_credential &&
	    d->credential.certificate_number[0] != '\0' &&
	    strcmp(rep.certificate_number,
	    d->credential.certificate_number) != 0)) {
		add_qr(r, file, "mismatch", p->code);
		add_reason(r, "qr-mismatch", NULL, "A scanned report names "
		    "another holder or certificate.");
	} else {
		add_qr(r, file, "valid", p->code);
	}
	return 0;
}

/* find_scan - decode's record of attachment FILE, or NULL */
static const struct scan_attachment *
find_scan(const struct scan_result *sr, const char *file)
{
	for (int i = 0; i < sr->nattachments; i++)
		if (strcmp(sr->attachments[i].file, file) == 0)
			return &sr->attachments[i];
	return NULL;
}

/* check_codes - every decoded QR code of the dossier's attachments */
static int
check_codes(struct worker *w, const struct dossier *d,
    const struct scan_result *sr, struct result *r, int *status)
{
	for (int i = 0; i < d->nattachments; i++) {
		const struct attachment *a = &d->attachments[i];
		const struct scan_attachment *sa = find_scan(sr, a->file);
		int report = strcmp(a->kind, "verification-report") == 0;
		int ours = 0;

		if (sa != NULL && strcmp(sa->status, "error") == 0) {
			char text[400];

			/* a decoding worker's limit is named (sandbox.c) */
			if (strncmp(sa->message, "decoding ", 9) == 0)
				snprintf(text, sizeof text, "The %s attachment "
				    "%s is not a usable image: %.200s.",
				    a->kind, a->file, sa->message);
			else
				snprintf(text, sizeof text, "An attachment is "
				    "not a readable image.");
			add_reason(r, "bad-attachment", NULL, text);
			continue;
		}
		for (int k = 0; sa != NULL && k < sa->ncodes; k++) {
			struct payload p;
			enum payload_status ps = payload_check(&w->ck->keys,
			    w->ck->cfg->verify_url, sa->codes[k].data,
			    sa->codes[k].len, &p);

			if (ps == PAYLOAD_FOREIGN) {
				add_qr(r, a->file, "foreign", NULL);
				continue;
			}
			ours++;
			if (ps == PAYLOAD_BAD_SIGNATURE) {
				add_qr(r, a->file, "bad-signature",
				    strlen(p.code) == 16 ? p.code : NULL);
				add_reason(r, "qr-bad-signature", NULL, "A "
				    "scanned report's signature does not "
				    "verify.");
				continue;
			}
			if (check_payload(w, d, &p, r, a->file, status) < 0)
				return -1;
		}
		if (!report)
			continue;
		if (sa == NULL || sa->ncodes == 0) {
			add_qr(r, a->file, "unreadable", NULL);
			add_reason(r, "qr-unreadable", NULL, "No QR code could "
			    "be read from a scanned report.");
		} else if (ours == 0) {
			add_reason(r, "qr-unknown", NULL, "A scanned report "
			    "carries no credpipe verification code.");
		}
	}
	return 0;
}

/* decide - the outcome from the reasons; rejections stand alone */
static void
decide(struct result *r)
{
	int rejected = 0, n = 0;

	for (int i = 0; i < r->nreasons; i++)
		rejected |= is_rejection(r->reasons[i].code);
	if (rejected) {
		for (int i = 0; i < r->nreasons; i++)
			if (is_rejection(r->reasons[i].code))
				r->reasons[n++] = r->reasons[i];
		r->nreasons = n;
		r->outcome = OUTCOME_REJECTED;
	} else {
		r->outcome = r->nreasons ? OUTCOME_NOT_VERIFIED :
		    OUTCOME_VERIFIED;
	}
	if (r->outcome != OUTCOME_VERIFIED) {
		r->report_code[0] = '\0';
		r->report_expires[0] = '\0';
	}
}

/* judge - apply SPEC §4 to a loaded dossier; -1 on a registry failure */
static int
judge(struct worker *w, const struct dossier *d,
    const struct scan_result *sr, struct result *r,
    struct reg_credential *found, int *status)
{
	enum dossier_kind kind = dossier_kind_of(d->kind);

	if (d->reconsideration_of[0] != '\0' &&
	    check_reconsideration(w, d, r, status) < 0)
		return -1;
	if ((kind == DOSSIER_ONLINE_REPORT ||
	    kind == DOSSIER_PAPER_CERTIFICATION) &&
	    check_credential(w, d, r, found, status) < 0)
		return -1;
	if (kind == DOSSIER_EXTENSION &&
	    check_extension(w, d, r, status) < 0)
		return -1;
	if (check_codes(w, d, sr, r, status) < 0)
		return -1;
	decide(r);
	return 0;
}

/* a dossier on its way to the writer */
struct item {
	char id[48];
	int record;                     /* write its decision */
	char kind[32];
	char outcome[16];
	char decided[40];
	int has_credential;             /* link it to CREDENTIAL */
	struct reg_credential credential;
	int status;                     /* a failure's exit status, or 0 */
};

/* set_decision - what the writer records for IT, from result R */
static void
set_decision(struct item *it, const struct result *r, const char *decided)
{
	it->record = 1;
	snprintf(it->kind, sizeof it->kind, "%s", r->kind);
	snprintf(it->outcome, sizeof it->outcome, "%s",
	    outcome_name(r->outcome));
	snprintf(it->decided, sizeof it->decided, "%s",
	    r->decided[0] ? r->decided : decided);
}

/* set_credential - link IT to credential C if one was found */
static void
set_credential(struct item *it, const struct reg_credential *c)
{
	if (c->holder_id[0] == '\0')
		return;
	it->has_credential = 1;
	it->credential = *c;
}

/*
 * check_new - judge a dossier that has no check.xml yet and commit its
 * check.xml; the decision goes into IT for the writer.
 */
static void
check_new(struct worker *w, const char *dir, struct result *r,
    struct item *it)
{
	struct reg_credential found;
	struct scan_result sr;
	struct dossier d;
	char path[4096];

	if (dossier_load(dir, &d) == -1) {
		log_warnx("%s: dossier.xml cannot be read: not checked", it->id);
		return;
	}
	memset(&sr, 0, sizeof sr);
	spool_state_path(dir, "decode", path, sizeof path);
	if (scan_result_load(&sr, path) == -1) {
		if (errno == ENOENT) {
			log_warnx("%s: not decoded yet: not checked", it->id);
		} else {
			log_warn("%s: %s", it->id, path);
			if (errno_is_transient(errno))
				it->status = EX_TEMPFAIL;
		}
		return;
	}
	memset(&found, 0, sizeof found);
	snprintf(r->decided, sizeof r->decided, "%s", w->ck->decided);
	if (judge(w, &d, &sr, r, &found, &it->status) == -1) {
		scan_result_free(&sr);
		log_warnx("%s: registry failure: not checked", it->id);
		return;
	}
	scan_result_free(&sr);
	/* a requeued dossier: the decision names the one it replaces */
	if (result_note_superseded(r, w->ck->cfg, dir) == -1)
		log_warnx("%s: an earlier decision set aside cannot be read",
		    it->id);
	spool_state_path(dir, "check", path, sizeof path);
	if (result_save(r, path) == -1) {
		log_warn("%s: %s", it->id, path);
		it->status = exit_for_errno(errno);
		return;
	}
	set_decision(it, r, w->ck->decided);
	set_credential(it, &found);
}

/*
 * check_done_before - check.xml exists: make sure the registry has its
 * decision (a crash may have come between check.xml and the registry),
 * relinking the credential of a verified claim.
 */
static void
check_done_before(struct worker *w, const char *dir, const struct result *r,
    struct item *it)
{
	struct reg_credential found;
	struct result scratch;
	struct dossier d;
	char outcome[32];
	int rc;

	if (r->outcome == OUTCOME_PENDING)
		return;
	rc = registry_find_decision(w->reg, it->id, outcome, sizeof outcome);
	if (rc < 0) {
		it->status = registry_status(w->reg);
		return;
	}
	if (rc == 1 && strcmp(outcome, outcome_name(r->outcome)) == 0)
		return;
	set_decision(it, r, w->ck->decided);
	if (r->outcome != OUTCOME_VERIFIED || dossier_load(dir, &d) == -1 ||
	    !d.has_credential)
		return;
	memset(&found, 0, sizeof found);
	result_init(&scratch, it->id);
	if (check_credential(w, &d, &scratch, &found, &it->status) == 0)
		set_credential(it, &found);
}

/* check_one - one dossier id into IT */
static void
check_one(struct worker *w, struct item *it)
{
	enum spool_place place;
	struct result r;
	char dir[4096], path[4096];

	if (!id_valid(it->id)) {
		log_warnx("ignoring a malformed id");
		return;
	}
	place = spool_locate(w->ck->cfg, it->id, dir, sizeof dir);
	if (place == SPOOL_NONE) {
		log_warnx("%s: not in the spool", it->id);
		return;
	}
	spool_state_path(dir, "check", path, sizeof path);
	if (result_load(&r, path) == 0) {
		check_done_before(w, dir, &r, it);
		return;
	}
	spool_state_path(dir, "validate", path, sizeof path);
	if (result_load(&r, path) == -1) {
		log_warnx("%s: not validated: not checked", it->id);
		return;
	}
	if (place == SPOOL_QUARANTINE || r.outcome == OUTCOME_REJECTED) {
		if (r.outcome == OUTCOME_PENDING)
			r.outcome = OUTCOME_REJECTED;
		set_decision(it, &r, w->ck->decided);
		return;
	}
	if (place == SPOOL_ACTIVE)
		check_new(w, dir, &r, it);
}

/* the threads and their queues */
struct pool {
	struct checker ck;
	struct workq *ids;              /* char[48]: main -> workers */
	struct workq *done;             /* struct item: workers -> writer */
	struct worker *workers;
	int nworkers;
	struct registry *writer_reg;
	int status;                     /* the writer's worst status */
};

/* worker_main - judge ids until the input closes */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *pool = (struct pool *)((char *)w->ck -
	    offsetof(struct pool, ck));
	struct item *it = malloc(sizeof *it);

	if (it == NULL)
		fatal("worker");
	for (;;) {
		memset(it, 0, sizeof *it);
		if (workq_pop(pool->ids, it->id, 1, NULL) == 0)
			break;
		log_set_dossier(id_valid(it->id) ? it->id : NULL);
		check_one(w, it);
		log_set_dossier(NULL);
		workq_push(pool->done, it);
	}
	free(it);
	return NULL;
}

/*
 * write_batch - record the decisions of ITEMS in one transaction (one
 * fsync for all), then pass their ids on. On a registry failure the ids
 * still go on and the status is EX_TEMPFAIL-like: the rerun records them.
 */
static void
write_batch(struct pool *pool, struct item *items, size_t n)
{
	struct registry *reg = pool->writer_reg;
	int failed = 0;

	if (registry_begin(reg) == -1)
		failed = 1;
	for (size_t i = 0; i < n && !failed; i++) {
		struct item *it = &items[i];
		if (it->has_credential && registry_link_credential(reg,
		    it->id, &it->credential) < 0)
			failed = 1;
		else if (it->record && registry_record_decision(reg, it->id,
		    it->kind, it->outcome, it->decided) == -1)
			failed = 1;
	}
	if (!failed && registry_commit(reg) == -1)
		failed = 1;
	if (failed) {
		int st = registry_status(reg) ? registry_status(reg) :
		    EX_SOFTWARE;
		registry_rollback(reg);
		log_warnx("decisions of %zu dossier(s) not recorded: the next "
		    "run records them", n);
		pool->status = exit_status_combine(pool->status, st);
	}
	for (size_t i = 0; i < n; i++) {
		pool->status = exit_status_combine(pool->status,
		    items[i].status);
		stage_emit(items[i].id);
	}
}

/* writer_main - record decisions in batches until the workers are done */
static void *
writer_main(void *arg)
{
	struct pool *pool = arg;
	struct item *items = calloc(QUEUE_MAX, sizeof *items);
	size_t n;

	if (items == NULL)
		fatal("writer");
	while ((n = workq_pop(pool->done, items, QUEUE_MAX, NULL)) > 0)
		write_batch(pool, items, n);
	free(items);
	return NULL;
}

/* pool_open - trusted keys, --now, one registry connection per thread */
static int
pool_open(struct pool *pool, const struct config *cfg)
{
	int status;

	memset(pool, 0, sizeof *pool);
	pool->ck.cfg = cfg;
	if (keys_load_trusted(cfg->home, &pool->ck.keys) == -1)
		return EX_CONFIG;
	if (pool->ck.keys.n == 0)
		log_info("no trusted keys in %s/keys/trusted: every credpipe "
		    "payload is bad-signature", cfg->home);
	pool->ck.today = time_day(cfg->now, cfg->tz);
	time_format_iso(cfg->now, cfg->tz, pool->ck.decided,
	    sizeof pool->ck.decided);
	/* I/O-bound (fsyncs): more threads than CPUs */
	pool->nworkers = cfg->jobs * 4;
	if (pool->nworkers < WORKERS_MIN)
		pool->nworkers = WORKERS_MIN;
	if (pool->nworkers > WORKERS_MAX)
		pool->nworkers = WORKERS_MAX;
	if ((pool->workers = calloc((size_t)pool->nworkers,
	    sizeof *pool->workers)) == NULL)
		fatal("workers");
	if ((pool->writer_reg = registry_open(cfg->records, &status)) == NULL)
		return status;
	for (int i = 0; i < pool->nworkers; i++) {
		pool->workers[i].ck = &pool->ck;
		if ((pool->workers[i].reg = registry_open(cfg->records,
		    &status)) == NULL)
			return status;
	}
	pool->ids = workq_new(48, QUEUE_MAX, NULL, NULL);
	pool->done = workq_new(sizeof(struct item), QUEUE_MAX, NULL, NULL);
	return 0;
}

/* pool_run - read ids, let the threads work; the exit status */
static int
pool_run(struct pool *pool)
{
	pthread_t *threads, writer;
	char id[256], slot[48];

	if ((threads = calloc((size_t)pool->nworkers, sizeof *threads)) ==
	    NULL)
		fatal("threads");
	for (int i = 0; i < pool->nworkers; i++)
		if (pthread_create(&threads[i], NULL, worker_main,
		    &pool->workers[i]) != 0)
			fatalx(EX_TEMPFAIL, "cannot start a worker thread");
	if (pthread_create(&writer, NULL, writer_main, pool) != 0)
		fatalx(EX_TEMPFAIL, "cannot start the writer thread");
	while (stage_read_id(id, sizeof id)) {
		if (strlen(id) >= sizeof slot) {
			log_warnx("ignoring an over-long id");
			continue;
		}
		memset(slot, 0, sizeof slot);
		memcpy(slot, id, strlen(id));
		workq_push(pool->ids, slot);
	}
	workq_close(pool->ids);
	for (int i = 0; i < pool->nworkers; i++)
		pthread_join(threads[i], NULL);
	workq_close(pool->done);
	pthread_join(writer, NULL);
	free(threads);
	return pool->status;
}

/* pool_close - release everything */
static void
pool_close(struct pool *pool)
{
	for (int i = 0; pool->workers != NULL && i < pool->nworkers; i++)
		registry_close(pool->workers[i].reg);
	free(pool->workers);
	registry_close(pool->writer_reg);
	workq_free(pool->ids);
	workq_free(pool->done);
}

/* usage - the brief manual */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: check [options] < ids > ids\n"
	    "Check each dossier id on stdin against the registry\n"
	    "and write check.xml; every id goes on to stdout.\n"
	    "See credpipe-check(1).\n\n%s", config_common_help());
}

int
main(int argc, char **argv)
{
	static struct pool pool;
	struct config cfg;
	int status, argi;

	argi = program_start(&cfg, argc, argv, NULL, NULL, NULL, usage, 0,
	    &status);
	if (argi == -1)
		return status;
	xml_init();
	xml_lock_down();
	if (spool_init(&cfg) == -1)
		fatal("%s", cfg.home);
	if ((status = pool_open(&pool, &cfg)) != 0) {
		log_warnx("%s: cannot open the registry", cfg.records);
		pool_close(&pool);
		config_free(&cfg);
		xml_cleanup();
		return status;
	}
	status = pool_run(&pool);
	pool_close(&pool);
	config_free(&cfg);
	xml_cleanup();
	return status;
}
