/*
 * registry_issue.c - what the pipeline writes into the registry: reports
 * with their verification codes and paper numbers, extensions,
 * revocations, decisions, waybills and courier shipments.
 *
 * Each issuing function runs in a write transaction (the caller's, or its
 * own), which excludes every other writer on both backends (BEGIN
 * IMMEDIATE on SQLite, an advisory lock on PostgreSQL): it first looks for
 * what was issued to the dossier and returns that, and only then issues,
 * so that a rerun - of a crashed stage, or of a whole shard on another
 * machine - finds the first code, number and waybill instead of making a
 * second. The UNIQUE constraints of both schemas are the last line.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "registry.h"
#include "registry_backend.h"
#include "waybill.h"

/* new_code - a fresh verification code not yet in the registry */
static int
new_code(struct registry *reg, char code[CODE_LEN + 1])
{
	for (int attempt = 0; attempt < 100; attempt++) {
		struct reg_stmt *st;
		int rc;

		for (int i = 0; i < CODE_LEN; i++)
			code[i] = CODE_ALPHABET[randombytes_uniform(32)];
		code[CODE_LEN] = '\0';
		if ((st = reg_stmt_get(reg, S_CODE_EXISTS)) == NULL)
			return -1;
		reg_bind_text(reg, st, 1, code, 0);
		rc = reg_step_row(reg, st, "code lookup");
		reg_reset(reg, st);
		if (rc == 0)
			return 0;
		if (rc < 0)
			return -1;
	}
	log_warnx("%s: no unused verification code found", reg->path);
	reg->status = EX_SOFTWARE;
	return -1;
}

/* insert_report - insert one report row; -1 with the status set */
int
reg_insert_report(struct registry *reg, const char *code, const char *number,
    long long credential_id, const char *kind, const char *issued,
    const char *expires, const char *status, const char *reason,
    const char *revoked_on, const char *dossier_id)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_INSERT_REPORT);

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, code, 0);
	reg_bind_text(reg, st, 2, number, 1);
	reg_bind_int64(reg, st, 3, credential_id);
	reg_bind_text(reg, st, 4, kind, 0);
	reg_bind_text(reg, st, 5, issued, 0);
	reg_bind_text(reg, st, 6, expires, 1);
	reg_bind_text(reg, st, 7, status, 0);
	reg_bind_text(reg, st, 8, reason, 1);
	reg_bind_text(reg, st, 9, dossier_id, 1);
	reg_bind_text(reg, st, 10, revoked_on, 1);
	return reg_step_done(reg, st, "insert report");
}

/* issued_credential - the credential a new report of DOSSIER_ID is for */
static int
issued_credential(struct registry *reg, const char *dossier_id,
    const char *certno, long long *id)
{
	struct reg_stmt *st;
	int rc;

	if (certno != NULL && certno[0] != '\0') {
		if ((st = reg_stmt_get(reg, S_FIND_CRED)) == NULL)
			return -1;
		reg_bind_text(reg, st, 1, certno, 0);
		rc = reg_find_credential_row(reg, st, NULL, id);
	} else {
		if ((st = reg_stmt_get(reg, S_LINK_FIND)) == NULL)
			return -1;
		reg_bind_text(reg, st, 1, dossier_id, 0);
		rc = reg_step_row(reg, st, "find credential of dossier");
		if (rc == 1) {
			*id = reg_col_int64(reg, st, 0);
			reg_reset(reg, st);
		}
	}
	if (rc == 0) {
		log_warnx("%s: %s: no registered credential to issue a report "
		    "for", reg->path, dossier_id);
		reg->status = EX_DATAERR;
		return -1;
	}
	return rc;
}

/* registry_issue_online - a new online report for DOSSIER_ID */
int
registry_issue_online(struct registry *reg, const char *dossier_id,
    const char *certno, const char *issued, const char *expires,
    struct reg_report *out)
{
	char code[CODE_LEN + 1];
	long long cred;
	int own, rc;

	if (reg_tx_begin(reg, &own) == -1)
		return -1;
	rc = registry_find_dossier_report(reg, dossier_id, out);
	if (rc == 0) {
		if (issued_credential(reg, dossier_id, certno, &cred) == -1 ||
		    new_code(reg, code) == -1 ||
		    reg_insert_report(reg, code, NULL, cred, "online", issued,
		    expires, "valid", NULL, NULL, dossier_id) == -1 ||
		    registry_find_dossier_report(reg, dossier_id, out) != 1)
			rc = -1;
	}
	return reg_tx_end(reg, own, rc < 0 ? -1 : 0);
}

/* registry_issue_paper - the paper report for DOSSIER_ID */
int
registry_issue_paper(struct registry *reg, const char *dossier_id,
    const char *certno, const char *issued, struct reg_report *out)
{
	char code[CODE_LEN + 1], lo[32], hi[32], number[48];
	struct reg_report_row row;
	long long cred;
	struct reg_stmt *st;
	long seq = 1;
	int own, rc, year = atoi(issued) % 10000;

	if (reg_tx_begin(reg, &own) == -1)
		return -1;
	rc = registry_find_dossier_report(reg, dossier_id, out);
	if (rc != 0)
		return reg_tx_end(reg, own, rc < 0 ? -1 : 0);
	if (issued_credential(reg, dossier_id, certno, &cred) == -1)
		return reg_tx_end(reg, own, -1);
	rc = reg_find_report_by(reg, S_FIND_PAPER, NULL, cred, &row, NULL);
	if (rc != 0) {
		if (rc == 1) {
			log_warnx("%s: %s: the credential already has paper "
			    "report %s", reg->path, dossier_id,
			    row.report.number);
			reg->status = EX_DATAERR;
		}
		return reg_tx_end(reg, own, -1);
	}
	snprintf(lo, sizeof lo, "P%04d000000", year);
	snprintf(hi, sizeof hi, "P%04d999999", year);
	if ((st = reg_stmt_get(reg, S_MAX_NUMBER)) == NULL)
		return reg_tx_end(reg, own, -1);
	reg_bind_text(reg, st, 1, lo, 0);
	reg_bind_text(reg, st, 2, hi, 0);
	rc = reg_step_row(reg, st, "paper number");
	if (rc < 0)
		return reg_tx_end(reg, own, -1);
	if (rc == 1) {
		const char *max = reg->be->column_text(st, 0);
		if (max != NULL && strlen(max) == 11)
			seq = atol(max + 5) + 1;
		reg_reset(reg, st);
	}
	if (seq > 999999) {
		log_warnx("%s: paper report numbers of %d are used up",
		    reg->path, year);
		reg->status = EX_SOFTWARE;
		return reg_tx_end(reg, own, -1);
	}
	snprintf(number, sizeof number, "P%04d%06ld", year, seq);
	if (new_code(reg, code) == -1 ||
	    reg_insert_report(reg, code, number, cred, "paper", issued, NULL,
	    "valid", NULL, NULL, dossier_id) == -1 ||
	    registry_find_dossier_report(reg, dossier_id, out) != 1)
		return reg_tx_end(reg, own, -1);
	return reg_tx_end(reg, own, 0);
}

/* registry_extend - move report CODE's expiry for extension DOSSIER_ID */
int
registry_extend(struct registry *reg, const char *dossier_id,
    const char *code, const char *new_expires)
{
	struct reg_report_row row;
	long long report_id;
	struct reg_stmt *st;
	int own, rc;

	if (reg_tx_begin(reg, &own) == -1)
		return -1;
	if ((st = reg_stmt_get(reg, S_EXT_FIND)) == NULL)
		return reg_tx_end(reg, own, -1);
	reg_bind_text(reg, st, 1, dossier_id, 0);
	rc = reg_step_row(reg, st, "find extension");
	reg_reset(reg, st);
	if (rc != 0)            /* done before (1) or an error (-1) */
		return reg_tx_end(reg, own, rc < 0 ? -1 : 0);
	rc = reg_find_report_by(reg, S_FIND_REPORT, code, 0, &row, &report_id);
	if (rc == 0) {
		log_warnx("%s: %s: no report with that code to extend",
		    reg->path, dossier_id);
		reg->status = EX_DATAERR;
	}
	if (rc != 1)
		return reg_tx_end(reg, own, -1);
	if ((st = reg_stmt_get(reg, S_EXT_INSERT)) == NULL)
		return reg_tx_end(reg, own, -1);
	reg_bind_text(reg, st, 1, dossier_id, 0);
	reg_bind_int64(reg, st, 2, report_id);
	reg_bind_text(reg, st, 3, row.report.expires, 0);
	reg_bind_text(reg, st, 4, new_expires, 0);
	if (reg_step_done(reg, st, "insert extension") == -1)
		return reg_tx_end(reg, own, -1);
	if ((st = reg_stmt_get(reg, S_SET_EXPIRES)) == NULL)
		return reg_tx_end(reg, own, -1);
	reg_bind_text(reg, st, 1, new_expires, 0);
	reg_bind_int64(reg, st, 2, report_id);
	return reg_tx_end(reg, own, reg_step_done(reg, st, "extend report"));
}

/* registry_find_extension - the expiries extension DOSSIER_ID moved */
int
registry_find_extension(struct registry *reg, const char *dossier_id,
    char *old_expires, char *new_expires, size_t size)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_EXT_GET);
	int rc;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, dossier_id, 0);
	rc = reg_step_row(reg, st, "find extension");
	if (rc == 1) {
		reg_col(reg, st, 0, old_expires, size);
		reg_col(reg, st, 1, new_expires, size);
		reg_reset(reg, st);
	}
	return rc;
}

/*
 * registry_revoke - mark report CODE revoked for REASON on date ON: 0, 1
 * if unknown, 2 if it was revoked already (then nothing changes: the
 * first reason and date are the story a relying party is told)
 */
int
registry_revoke(struct registry *reg, const char *code, const char *reason,
    const char *on)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_REVOKE);
	int rc;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, code, 0);
	reg_bind_text(reg, st, 2, reason ? reason : "", 1);
	reg_bind_text(reg, st, 3, on, 1);
	if (reg_step_done(reg, st, "revoke") == -1)
		return -1;
	if (reg->be->changes(reg, st) > 0)
		return 0;
	rc = reg_find_report_by(reg, S_FIND_REPORT, code, 0, NULL, NULL);
	return rc < 0 ? -1 : rc == 1 ? 2 : 1;
}

/* registry_record_decision - a dossier's outcome (kind, outcome, date) */
int
registry_record_decision(struct registry *reg, const char *dossier_id,
    const char *kind, const char *outcome, const char *decided)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_DECISION_PUT);

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, dossier_id, 0);
	reg_bind_text(reg, st, 2, kind, 0);
	reg_bind_text(reg, st, 3, outcome, 0);
	reg_bind_text(reg, st, 4, decided, 0);
	return reg_step_done(reg, st, "record decision");
}

/* registry_find_decision - its outcome into OUTCOME */
int
registry_find_decision(struct registry *reg, const char *dossier_id,
    char *outcome, size_t size)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_DECISION_FIND);
	int rc;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, dossier_id, 0);
	rc = reg_step_row(reg, st, "find decision");
	if (rc == 1) {
		reg_col(reg, st, 0, outcome, size);
		reg_reset(reg, st);
	}
	return rc;
}

/* registry_link_credential - DOSSIER_ID was checked against C */
int
registry_link_credential(struct registry *reg, const char *dossier_id,
    const struct reg_credential *c)
{
	long long id;
	struct reg_stmt *st;
	int rc = reg_credential_id_of(reg, c, &id);

	if (rc != 1)
		return rc;      /* 0: not registered, nothing to link */
	if ((st = reg_stmt_get(reg, S_LINK_PUT)) == NULL)
		return -1;
	reg_bind_text(reg, st, 1, dossier_id, 0);
	reg_bind_int64(reg, st, 2, id);
	return reg_step_done(reg, st, "link credential");
}

/* registry_assign_waybill - the waybill of DOSSIER_ID for COURIER */
int
registry_assign_waybill(struct registry *reg, const char *dossier_id,
    const char *courier, char *waybill, size_t size)
{
	struct reg_stmt *st;
	int own, rc;

	if (reg_tx_begin(reg, &own) == -1)
		return -1;
	if ((st = reg_stmt_get(reg, S_WAYBILL_FIND)) == NULL)
		return reg_tx_end(reg, own, -1);
	reg_bind_text(reg, st, 1, dossier_id, 0);
	rc = reg_step_row(reg, st, "find waybill");
	if (rc != 0) {
		if (rc == 1) {
			reg_col(reg, st, 0, waybill, size);
			reg_reset(reg, st);
		}
		return reg_tx_end(reg, own, rc < 0 ? -1 : 0);
	}
	/*
	 * Walk the courier's ranges in import order; a number some other
	 * (overlapping) range already gave out is skipped, so that every
	 * waybill is used once.
	 */
	for (;;) {
		long long range, next, last;
		char prefix[8], suffix[8], format[8], number[64];
		int width, taken;

		if ((st = reg_stmt_get(reg, S_RANGES)) == NULL)
			return reg_tx_end(reg, own, -1);
		reg_bind_text(reg, st, 1, courier, 0);
		rc = reg_step_row(reg, st, "waybill ranges");
		if (rc < 0)
			return reg_tx_end(reg, own, -1);
		if (rc == 0) {
			log_warnx("%s: no %s waybill numbers left: import a "
			    "new range", reg->path, courier);
			reg->status = EX_TEMPFAIL;
			return reg_tx_end(reg, own, -1);
		}
		range = reg_col_int64(reg, st, 0);
		reg_col(reg, st, 1, prefix, sizeof prefix);
		reg_col(reg, st, 2, suffix, sizeof suffix);
		reg_col(reg, st, 3, format, sizeof format);
		width = reg_col_int64(reg, st, 4);
		next = reg_col_int64(reg, st, 5);
		last = reg_col_int64(reg, st, 6);
		reg_reset(reg, st);
		(void)last;
		if ((st = reg_stmt_get(reg, S_RANGE_ADVANCE)) == NULL)
			return reg_tx_end(reg, own, -1);
		reg_bind_int64(reg, st, 1, next + 1);
		reg_bind_int64(reg, st, 2, range);
		if (reg_step_done(reg, st, "advance range") == -1)
			return reg_tx_end(reg, own, -1);
		if (waybill_format(number, sizeof number, format, prefix,
		    (unsigned long)next, width, suffix) == -1)
			continue;       /* cannot be written: skip it */
		if ((st = reg_stmt_get(reg, S_WAYBILL_EXISTS)) == NULL)
			return reg_tx_end(reg, own, -1);
		reg_bind_text(reg, st, 1, number, 0);
		taken = reg_step_row(reg, st, "waybill lookup");
		reg_reset(reg, st);
		if (taken < 0)
			return reg_tx_end(reg, own, -1);
		if (taken)
			continue;
		if ((st = reg_stmt_get(reg, S_WAYBILL_INSERT)) == NULL)
			return reg_tx_end(reg, own, -1);
		reg_bind_text(reg, st, 1, number, 0);
		reg_bind_text(reg, st, 2, dossier_id, 0);
		reg_bind_text(reg, st, 3, courier, 0);
		reg_bind_int64(reg, st, 4, range);
		if (reg_step_done(reg, st, "assign waybill") == -1)
			return reg_tx_end(reg, own, -1);
		if ((size_t)snprintf(waybill, size, "%s", number) >= size) {
			reg->status = EX_SOFTWARE;
			return reg_tx_end(reg, own, -1);
		}
		return reg_tx_end(reg, own, 0);
	}
}

/* registry_waybills_left - numbers left in COURIER's ranges (-1 error) */
long
registry_waybills_left(struct registry *reg, const char *courier)
{
	int all = courier == NULL || courier[0] == '\0';
	struct reg_stmt *st = reg_stmt_get(reg, all ? S_LEFT_ALL : S_LEFT);
	long left;

	if (st == NULL)
		return -1;
	if (!all)
		reg_bind_text(reg, st, 1, courier, 0);
	if (reg_step_row(reg, st, "waybills left") != 1)
		return -1;
	left = (long)reg_col_int64(reg, st, 0);
	reg_reset(reg, st);
	return left;
}

/* registry_find_shipment - batch id and waybill of a dossier */
int
registry_find_shipment(struct registry *reg, const char *dossier_id,
    char *waybill, size_t wsize, char *batch, size_t bsize)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_SHIPMENT_FIND);
	int rc;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, dossier_id, 0);
	rc = reg_step_row(reg, st, "find shipment");
	if (rc == 1) {
		reg_col(reg, st, 0, batch, bsize);
		reg_col(reg, st, 1, waybill, wsize);
		reg_reset(reg, st);
	}
	return rc;
}

/* registry_next_batch - the next batch number n of DATE and COURIER */
int
registry_next_batch(struct registry *reg, const char *date,
    const char *courier)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_NEXT_BATCH);
	int n;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, date, 0);
	reg_bind_text(reg, st, 2, courier, 0);
	if (reg_step_row(reg, st, "next batch") != 1)
		return -1;
	n = reg_col_int64(reg, st, 0);
	reg_reset(reg, st);
	return n;
}

/* registry_record_shipment - DOSSIER_ID went into BATCH ("DATE/COURIER-n") */
int
registry_record_shipment(struct registry *reg, const char *dossier_id,
    const char *batch)
{
	char date[16], courier[16];
	const char *slash = strchr(batch, '/'), *dash;
	struct reg_stmt *st;
	long n;

	if (slash == NULL || (size_t)(slash - batch) >= sizeof date ||
	    (dash = strrchr(slash, '-')) == NULL ||
	    (size_t)(dash - slash - 1) >= sizeof courier ||
	    (n = strtol(dash + 1, NULL, 10)) < 1 || n > INT_MAX) {
		log_warnx("%s: malformed batch id \"%s\"", reg->path, batch);
		reg->status = EX_SOFTWARE;
		return -1;
	}
	memcpy(date, batch, (size_t)(slash - batch));
	date[slash - batch] = '\0';
	memcpy(courier, slash + 1, (size_t)(dash - slash - 1));
	courier[dash - slash - 1] = '\0';
	if ((st = reg_stmt_get(reg, S_SHIPMENT_PUT)) == NULL)
		return -1;
	reg_bind_text(reg, st, 1, dossier_id, 0);
	reg_bind_text(reg, st, 2, batch, 0);
	reg_bind_text(reg, st, 3, date, 0);
	reg_bind_text(reg, st, 4, courier, 0);
	reg_bind_int64(reg, st, 5, n);
	return reg_step_done(reg, st, "record shipment");
}


/*
 * registry_each_shipment - FN(dossier id, waybill) for every dossier of
 * BATCH ("2026-11-28/EMS-1"), by dossier id: what reprint rebuilds the
 * batch from. Returns FN's non-zero return, 0, or -1. The rows are read
 * whole before FN runs (not streamed), so FN may query the registry.
 */
int
registry_each_shipment(struct registry *reg, const char *batch,
    int (*fn)(void *ctx, const char *dossier_id, const char *waybill),
    void *ctx)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_EACH_SHIPMENT);
	int rc;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, batch, 0);
	while ((rc = reg->be->step(reg, st, "shipments of a batch")) == 1) {
		rc = fn(ctx, reg->be->column_text(st, 0),
		    reg->be->column_text(st, 1));
		if (rc != 0)
			break;
	}
	reg_reset(reg, st);
	return rc;
}

/*
 * registry_shipment_of_waybill - the dossier WAYBILL was assigned to and
 * the batch it shipped in (each SIZE bytes; batch "" when not shipped
 * yet): 1, 0 unknown waybill, -1 error
 */
int
registry_shipment_of_waybill(struct registry *reg, const char *waybill,
    char *dossier_id, char *batch, size_t size)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_SHIPMENT_OF_WAYBILL);
	int rc;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, waybill, 0);
	rc = reg_step_row(reg, st, "find waybill");
	if (rc == 1) {
		reg_col(reg, st, 0, dossier_id, size);
		reg_col(reg, st, 1, batch, size);
		reg_reset(reg, st);
	}
	return rc;
}
