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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "dossier.h"
#include "log.h"
#include "payload.h"
#include "registry.h"
#include "result.h"
#include "scanresult.h"
#include "spool.h"
#include "timeutil.h"
#include "xmlsafe.h"

/* the state check keeps across dossiers */
struct checker {
	const struct config *cfg;
	struct registry *reg;
	struct trusted_keys keys;
	long today;                     /* calendar day of --now in --tz */
	char decided[40];               /* --now as ISO 8601 in --tz */
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
db_failed(struct checker *ck, int *status)
{
	*status = registry_status(ck->reg) ? registry_status(ck->reg) :
	    EX_SOFTWARE;
	return -1;
}

/*
 * check_credential - online-report and paper-certification: the claimed
 * credential against the registry. Links the dossier to the credential
 * found (for typeset's paper report). 0, or -1 on a registry failure.
 */
static int
check_credential(struct checker *ck, const struct dossier *d,
    struct result *r, int *status)
{
	struct reg_credential c;
	struct reg_report paper;
	char applicant[32];
	int rc;

	snprintf(applicant, sizeof applicant, "%s", d->applicant.id_number);
	holder_id_normalise(applicant);
	if (d->credential.certificate_number[0] != '\0')
		rc = registry_find_credential(ck->reg,
		    d->credential.certificate_number, &c);
	else
		rc = registry_find_credential_by_holder(ck->reg, applicant,
		    d->credential.institution_code,
		    atoi(d->credential.graduation_date), &c);
	if (rc < 0)
		return db_failed(ck, status);
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
	if (strcmp(d->kind, "online-report") == 0 &&
	    strcmp(c.source, "registry") != 0)
		add_reason(r, "wrong-channel", NULL, "The credential is an "
		    "archive record: apply for a paper certification.");
	if (strcmp(d->kind, "paper-certification") == 0) {
		rc = registry_find_paper_report_of(ck->reg, &c, &paper);
		if (rc < 0)
			return db_failed(ck, status);
		if (rc == 1 && strcmp(paper.dossier_id, d->id) != 0)
			add_reason(r, "already-certified", NULL, "A paper "
			    "certification report was already issued for "
			    "this credential.");
	}
	if (registry_link_credential(ck->reg, d->id, &c) < 0)
		return db_failed(ck, status);
	return 0;
}

/* check_extension - the report to extend, and its new expiry */
static int
check_extension(struct checker *ck, const struct dossier *d,
    struct result *r, int *status)
{
	struct reg_report rep;
	long expiry, days, newday;
	char buf[16];
	int rc = registry_find_report(ck->reg, d->request.report_code, &rep);

	if (rc < 0)
		return db_failed(ck, status);
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
	if (ck->today < expiry - 30) {
		add_reason(r, "extension-not-allowed", NULL, "A report can be "
		    "extended from 30 days before its expiry.");
		return 0;
	}
	days = strtol(d->request.validity_days, NULL, 10);
	if (days < 30 || days > 180)
		days = 30;
	newday = (ck->today > expiry ? ck->today : expiry) + days;
	snprintf(r->report_code, sizeof r->report_code, "%s", rep.code);
	snprintf(r->report_expires, sizeof r->report_expires, "%s",
	    date_format(newday, buf, sizeof buf));
	return 0;
}

/* check_reconsideration - the referenced dossier was turned down */
static int
check_reconsideration(struct checker *ck, const struct dossier *d,
    struct result *r, int *status)
{
	char outcome[32] = "";
	int rc = 0;

	if (strcmp(d->reconsideration_of, d->id) != 0) {
		rc = registry_find_decision(ck->reg, d->reconsideration_of,
		    outcome, sizeof outcome);
		if (rc < 0)
			return db_failed(ck, status);
	}
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
check_payload(struct checker *ck, const struct dossier *d,
    const struct payload *p, struct result *r, const char *file,
    int *status)
{
	struct reg_report rep;
	long expiry;
	int rc = registry_find_report(ck->reg, p->code, &rep);

	if (rc < 0)
		return db_failed(ck, status);
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
	    expiry < ck->today)) {
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
check_codes(struct checker *ck, const struct dossier *d,
    const struct scan_result *sr, struct result *r, int *status)
{
	for (int i = 0; i < d->nattachments; i++) {
		const struct attachment *a = &d->attachments[i];
		const struct scan_attachment *sa = find_scan(sr, a->file);
		int report = strcmp(a->kind, "verification-report") == 0;
		int ours = 0;

		if (sa != NULL && strcmp(sa->status, "error") == 0) {
			add_reason(r, "bad-attachment", NULL, "An attachment "
			    "is not a readable image.");
			continue;
		}
		for (int k = 0; sa != NULL && k < sa->ncodes; k++) {
			struct payload p;
			enum payload_status ps = payload_check(&ck->keys,
			    ck->cfg->verify_url, sa->codes[k].data,
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
			if (check_payload(ck, d, &p, r, a->file, status) < 0)
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
judge(struct checker *ck, const struct dossier *d,
    const struct scan_result *sr, struct result *r, int *status)
{
	if (d->reconsideration_of[0] != '\0' &&
	    check_reconsideration(ck, d, r, status) < 0)
		return -1;
	if ((strcmp(d->kind, "online-report") == 0 ||
	    strcmp(d->kind, "paper-certification") == 0) &&
	    check_credential(ck, d, r, status) < 0)
		return -1;
	if (strcmp(d->kind, "extension") == 0 &&
	    check_extension(ck, d, r, status) < 0)
		return -1;
	if (check_codes(ck, d, sr, r, status) < 0)
		return -1;
	decide(r);
	return 0;
}

/* record - the decision into the registry */
static int
record(struct checker *ck, const struct result *r, int *status)
{
	if (registry_record_decision(ck->reg, r->id, r->kind,
	    outcome_name(r->outcome), r->decided[0] ? r->decided :
	    ck->decided) == -1)
		return db_failed(ck, status);
	return 0;
}

/* check_new - check a dossier that has no check.xml yet; its status */
static int
check_new(struct checker *ck, const char *id, const char *dir,
    struct result *r)
{
	struct scan_result sr;
	struct dossier d;
	char path[4096];
	int status = 0;

	if (dossier_load(dir, &d) == -1) {
		log_warnx("%s: dossier.xml cannot be read: not checked", id);
		return 0;
	}
	memset(&sr, 0, sizeof sr);
	spool_state_path(dir, "decode", path, sizeof path);
	if (scan_result_load(&sr, path) == -1) {
		if (errno == ENOENT) {
			log_warnx("%s: not decoded yet: not checked", id);
			return 0;
		}
		log_warn("%s: %s", id, path);
		return errno_is_transient(errno) ? EX_TEMPFAIL : 0;
	}
	snprintf(r->decided, sizeof r->decided, "%s", ck->decided);
	/*
	 * The registry first (the credential link and the decision, one
	 * transaction), then check.xml, the commit point: a crash between
	 * them leaves no check.xml, and the rerun records the same again.
	 */
	if (registry_begin(ck->reg) == -1) {
		scan_result_free(&sr);
		return db_failed(ck, &status), status;
	}
	if (judge(ck, &d, &sr, r, &status) == -1 ||
	    record(ck, r, &status) == -1 || registry_commit(ck->reg) == -1) {
		if (status == 0)
			status = registry_status(ck->reg);
		registry_rollback(ck->reg);
		scan_result_free(&sr);
		log_warnx("%s: registry failure: not checked", id);
		return status ? status : EX_SOFTWARE;
	}
	scan_result_free(&sr);
	spool_state_path(dir, "check", path, sizeof path);
	if (result_save(r, path) == -1) {
		log_warn("%s: %s", id, path);
		return exit_for_errno(errno);
	}
	return 0;
}

/* check_one - one dossier id; 0 or the sysexits status of a failure */
static int
check_one(struct checker *ck, const char *id)
{
	enum spool_place place;
	struct result r;
	char dir[4096], path[4096];
	int status = 0;

	if (!id_valid(id)) {
		log_warnx("ignoring a malformed id");
		return 0;
	}
	place = spool_locate(ck->cfg, id, dir, sizeof dir);
	if (place == SPOOL_NONE) {
		log_warnx("%s: not in the spool", id);
		return 0;
	}
	spool_state_path(dir, "check", path, sizeof path);
	if (result_load(&r, path) == 0) {
		/* done before; make sure the registry knows (crash window) */
		if (r.outcome != OUTCOME_PENDING)
			record(ck, &r, &status);
		return status;
	}
	spool_state_path(dir, "validate", path, sizeof path);
	if (result_load(&r, path) == -1) {
		log_warnx("%s: not validated: not checked", id);
		return 0;
	}
	if (place == SPOOL_QUARANTINE || r.outcome == OUTCOME_REJECTED) {
		record(ck, &r, &status);
		return status;
	}
	if (place != SPOOL_ACTIVE)
		return 0;
	return check_new(ck, id, dir, &r);
}

/* checker_open - registry, trusted keys, --now; 0 or an exit status */
static int
checker_open(struct checker *ck, const struct config *cfg)
{
	int status;

	memset(ck, 0, sizeof *ck);
	ck->cfg = cfg;
	if ((ck->reg = registry_open(cfg->records, &status)) == NULL) {
		log_warnx("%s: cannot open the registry", cfg->records);
		return status;
	}
	if (keys_load_trusted(cfg->home, &ck->keys) == -1) {
		registry_close(ck->reg);
		return EX_CONFIG;
	}
	if (ck->keys.n == 0)
		log_info("no trusted keys in %s/keys/trusted: every credpipe "
		    "payload is bad-signature", cfg->home);
	ck->today = time_day(cfg->now, cfg->tz);
	time_format_iso(cfg->now, cfg->tz, ck->decided, sizeof ck->decided);
	return 0;
}

/* checker_close - release the registry */
static void
checker_close(struct checker *ck)
{
	registry_close(ck->reg);
}

/* usage - the brief manual */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: check [options] < ids > ids\n"
	    "Check each dossier id on stdin against the registry (SPEC §4)\n"
	    "and write check.xml; every id goes on to stdout.\n"
	    "See check(1).\n\n%s", config_common_help());
}

int
main(int argc, char **argv)
{
	struct checker ck;
	struct config cfg;
	char id[256];
	int status, argi, worst = 0;

	umask(077);
	log_init(argv[0], LOG_NORMAL);
	argi = config_parse(&cfg, argc, argv, NULL, NULL, NULL, &status);
	if (argi == -1)
		return status;
	if (cfg.help) {
		usage(stdout);
		return 0;
	}
	if (cfg.version) {
		printf("check credpipe %s\n", CREDPIPE_VERSION);
		return 0;
	}
	if (argi < argc) {
		usage(stderr);
		return EX_USAGE;
	}
	xml_init();
	xml_lock_down();
	if (spool_init(&cfg) == -1)
		fatal("%s", cfg.home);
	if ((status = checker_open(&ck, &cfg)) != 0)
		return status;
	while (stage_read_id(id, sizeof id)) {
		status = check_one(&ck, id);
		if (status != 0 && worst != EX_TEMPFAIL)
			worst = status;
		stage_emit(id);
	}
	checker_close(&ck);
	config_free(&cfg);
	xml_cleanup();
	return worst;
}
