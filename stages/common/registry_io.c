/*
 * registry_io.c - records import and export (SPEC §5): one record at a
 * time in, every record in export order out; and the operator's repairs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "registry.h"
#include "registry_backend.h"

/* ---- import (records import) ---- */

/* registry_put_institution - import one institution */
int
registry_put_institution(struct registry *reg, const char *code,
    const char *name, char *old_name, size_t size)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_INST_FIND);
	int rc;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, code, 0);
	rc = reg_step_row(reg, st, "find institution");
	if (rc < 0)
		return -1;
	if (rc == 1) {
		reg_col(reg, st, 0, old_name, size);
		reg_reset(reg, st);
		return strcmp(old_name, name) == 0 ? REG_PUT_SAME :
		    REG_PUT_CONFLICT;
	}
	if ((st = reg_stmt_get(reg, S_INST_INSERT)) == NULL)
		return -1;
	reg_bind_text(reg, st, 1, code, 0);
	reg_bind_text(reg, st, 2, name, 0);
	return reg_step_done(reg, st, "insert institution") == -1 ? -1 :
	    REG_PUT_NEW;
}

/* credential_same - the stored fields equal (institution name aside) */
static int
credential_same(const struct reg_credential *a, const struct reg_credential *b)
{
	return strcmp(a->certificate_number, b->certificate_number) == 0 &&
	    strcmp(a->status, b->status) == 0 &&
	    strcmp(a->source, b->source) == 0 &&
	    strcmp(a->holder_name, b->holder_name) == 0 &&
	    strcmp(a->holder_id, b->holder_id) == 0 &&
	    strcmp(a->institution_code, b->institution_code) == 0 &&
	    strcmp(a->level, b->level) == 0 &&
	    strcmp(a->major, b->major) == 0 &&
	    strcmp(a->study_form, b->study_form) == 0 &&
	    strcmp(a->entry_date, b->entry_date) == 0 &&
	    strcmp(a->graduation_date, b->graduation_date) == 0;
}

/* registry_put_credential - import one credential */
int
registry_put_credential(struct registry *reg, const struct reg_credential *c,
    struct reg_credential *old)
{
	struct reg_credential norm = *c;
	struct reg_stmt *st;
	int rc;

	holder_id_normalise(norm.holder_id);
	if (norm.certificate_number[0] != '\0') {
		rc = registry_find_credential(reg, norm.certificate_number,
		    old);
	} else {
		long long id;

		if ((st = reg_stmt_get(reg, S_FIND_CRED_NUMBERLESS)) == NULL)
			return -1;
		reg_bind_text(reg, st, 1, norm.holder_id, 0);
		reg_bind_text(reg, st, 2, norm.institution_code, 0);
		reg_bind_int64(reg, st, 3, atoi(norm.graduation_date));
		rc = reg_find_credential_row(reg, st, old, &id);
	}
	if (rc < 0)
		return -1;
	if (rc == 1)
		return credential_same(&norm, old) ? REG_PUT_SAME :
		    REG_PUT_CONFLICT;
	if ((st = reg_stmt_get(reg, S_CRED_INSERT)) == NULL)
		return -1;
	reg_bind_text(reg, st, 1, norm.certificate_number, 0);
	reg_bind_text(reg, st, 2, norm.status, 0);
	reg_bind_text(reg, st, 3, norm.source, 0);
	reg_bind_text(reg, st, 4, norm.holder_name, 0);
	reg_bind_text(reg, st, 5, norm.holder_id, 0);
	reg_bind_text(reg, st, 6, norm.institution_code, 0);
	reg_bind_text(reg, st, 7, norm.level, 0);
	reg_bind_text(reg, st, 8, norm.major, 0);
	reg_bind_text(reg, st, 9, norm.study_form, 0);
	reg_bind_text(reg, st, 10, norm.entry_date, 0);
	reg_bind_text(reg, st, 11, norm.graduation_date, 0);
	reg_bind_int64(reg, st, 12, atoi(norm.graduation_date));
	return reg_step_done(reg, st, "insert credential") == -1 ? -1 :
	    REG_PUT_NEW;
}

/* report_same - every imported field equal */
static int
report_same(const struct reg_report_row *a, const struct reg_report_row *b)
{
	const struct reg_report *x = &a->report, *y = &b->report;

	return strcmp(x->code, y->code) == 0 &&
	    strcmp(x->number, y->number) == 0 &&
	    strcmp(x->certificate_number, y->certificate_number) == 0 &&
	    strcmp(x->kind, y->kind) == 0 &&
	    strcmp(x->issued, y->issued) == 0 &&
	    strcmp(x->expires, y->expires) == 0 &&
	    strcmp(x->status, y->status) == 0 &&
	    strcmp(x->dossier_id, y->dossier_id) == 0 &&
	    strcmp(a->revoked_reason, b->revoked_reason) == 0 &&
	    strcmp(a->revoked_on, b->revoked_on) == 0 &&
	    (x->certificate_number[0] != '\0' ||
	    (strcmp(x->holder_id, y->holder_id) == 0 &&
	    strcmp(a->institution_code, b->institution_code) == 0 &&
	    a->graduation_year == b->graduation_year));
}

/* registry_put_report - import one report */
int
registry_put_report(struct registry *reg, const struct reg_report_row *r,
    struct reg_report_row *old, char *why, size_t wsize)
{
	struct reg_report_row norm = *r;
	struct reg_credential key;
	long long cred;
	struct reg_stmt *st;
	int rc;

	why[0] = '\0';
	holder_id_normalise(norm.report.holder_id);
	rc = reg_find_report_by(reg, S_FIND_REPORT, norm.report.code, 0, old,
	    NULL);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return report_same(&norm, old) ? REG_PUT_SAME :
		    REG_PUT_CONFLICT;
	memset(old, 0, sizeof *old);
	memset(&key, 0, sizeof key);
	snprintf(key.certificate_number, sizeof key.certificate_number, "%s",
	    norm.report.certificate_number);
	snprintf(key.holder_id, sizeof key.holder_id, "%s",
	    norm.report.holder_id);
	snprintf(key.institution_code, sizeof key.institution_code, "%s",
	    norm.institution_code);
	snprintf(key.graduation_date, sizeof key.graduation_date, "%04d",
	    norm.graduation_year);
	if ((rc = reg_credential_id_of(reg, &key, &cred)) < 0)
		return -1;
	if (rc == 0) {
		snprintf(why, wsize, "its credential is not registered");
		return REG_PUT_CONFLICT;
	}
	if (norm.report.number[0] != '\0') {
		if ((st = reg_stmt_get(reg, S_REPORT_NUMBER_FIND)) == NULL)
			return -1;
		reg_bind_text(reg, st, 1, norm.report.number, 0);
		rc = reg_step_row(reg, st, "find report number");
		if (rc < 0)
			return -1;
		if (rc == 1) {
			char code[32];
			reg_col(reg, st, 0, code, sizeof code);
			reg_reset(reg, st);
			snprintf(why, wsize, "report number %s is already "
			    "report %s", norm.report.number, code);
			return REG_PUT_CONFLICT;
		}
	}
	if (strcmp(norm.report.kind, "paper") == 0) {
		rc = reg_find_report_by(reg, S_FIND_PAPER, NULL, cred, old, NULL);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			snprintf(why, wsize, "the credential already has "
			    "paper report %s", old->report.code);
			return REG_PUT_CONFLICT;
		}
	}
	if (norm.report.dossier_id[0] != '\0' &&
	    (rc = reg_find_report_by(reg, S_FIND_DOSSIER_REPORT,
	    norm.report.dossier_id, 0, old, NULL)) != 0) {
		if (rc < 0)
			return -1;
		snprintf(why, wsize, "dossier %s already has report %s",
		    norm.report.dossier_id, old->report.code);
		return REG_PUT_CONFLICT;
	}
	if (reg_insert_report(reg, norm.report.code, norm.report.number, cred,
	    norm.report.kind, norm.report.issued, norm.report.expires,
	    norm.report.status, norm.revoked_reason, norm.revoked_on,
	    norm.report.dossier_id) == -1)
		return -1;
	return REG_PUT_NEW;
}

/* read_range - a waybill range row into W */
static void
read_range(struct registry *reg, struct reg_stmt *st,
    struct reg_waybill_range *w)
{
	memset(w, 0, sizeof *w);
	reg_col(reg, st, 0, w->courier, sizeof w->courier);
	reg_col(reg, st, 1, w->prefix, sizeof w->prefix);
	reg_col(reg, st, 2, w->first, sizeof w->first);
	reg_col(reg, st, 3, w->last, sizeof w->last);
	reg_col(reg, st, 4, w->suffix, sizeof w->suffix);
	reg_col(reg, st, 5, w->format, sizeof w->format);
}

/* registry_put_waybill_range - import one waybill range */
int
registry_put_waybill_range(struct registry *reg,
    const struct reg_waybill_range *w, struct reg_waybill_range *old)
{
	const char *format = w->format[0] ? w->format : "s10";
	long long first = atoll(w->first), last = atoll(w->last);
	struct reg_stmt *st;
	int rc;

	if ((st = reg_stmt_get(reg, S_RANGE_FIND)) == NULL)
		return -1;
	reg_bind_text(reg, st, 1, w->courier, 0);
	reg_bind_text(reg, st, 2, w->prefix, 0);
	reg_bind_text(reg, st, 3, w->suffix, 0);
	reg_bind_int64(reg, st, 4, first);
	rc = reg_step_row(reg, st, "find waybill range");
	if (rc < 0)
		return -1;
	if (rc == 1) {
		read_range(reg, st, old);
		reg_reset(reg, st);
		return strcmp(old->first, w->first) == 0 &&
		    strcmp(old->last, w->last) == 0 &&
		    strcmp(old->format, format) == 0 ? REG_PUT_SAME :
		    REG_PUT_CONFLICT;
	}
	if ((st = reg_stmt_get(reg, S_RANGE_OVERLAP)) == NULL)
		return -1;
	reg_bind_text(reg, st, 1, w->courier, 0);
	reg_bind_text(reg, st, 2, w->prefix, 0);
	reg_bind_text(reg, st, 3, w->suffix, 0);
	reg_bind_int64(reg, st, 4, first);
	reg_bind_int64(reg, st, 5, last);
	rc = reg_step_row(reg, st, "find overlapping range");
	if (rc < 0)
		return -1;
	if (rc == 1) {
		read_range(reg, st, old);
		reg_reset(reg, st);
		return REG_PUT_CONFLICT;
	}
	if ((st = reg_stmt_get(reg, S_RANGE_INSERT)) == NULL)
		return -1;
	reg_bind_text(reg, st, 1, w->courier, 0);
	reg_bind_text(reg, st, 2, w->prefix, 0);
	reg_bind_text(reg, st, 3, w->first, 0);
	reg_bind_text(reg, st, 4, w->last, 0);
	reg_bind_text(reg, st, 5, w->suffix, 0);
	reg_bind_text(reg, st, 6, format, 0);
	reg_bind_int64(reg, st, 7, first);
	reg_bind_int64(reg, st, 8, last);
	reg_bind_int64(reg, st, 9, (int)strlen(w->last));
	return reg_step_done(reg, st, "insert waybill range") == -1 ? -1 :
	    REG_PUT_NEW;
}

/* ---- export (records export) ---- */

/* each_row - step ST, calling ROW_FN for each row; see registry_each_* */
static int
each_row(struct registry *reg, struct reg_stmt *st,
    int (*row_fn)(struct registry *reg, struct reg_stmt *st, void *fn,
    void *ctx), void *fn, void *ctx)
{
	int rc;

	while ((rc = reg->be->step(reg, st, "export")) == 1) {
		int stop = row_fn(reg, st, fn, ctx);
		if (stop != 0) {
			reg_reset(reg, st);
			return stop;
		}
	}
	reg_reset(reg, st);
	return rc;
}

struct fnbox_inst { int (*fn)(void *, const char *, const char *); };
struct fnbox_cred { int (*fn)(void *, const struct reg_credential *); };
struct fnbox_report { int (*fn)(void *, const struct reg_report_row *); };
struct fnbox_range { int (*fn)(void *, const struct reg_waybill_range *); };

/* row_inst - one institution row */
static int
row_inst(struct registry *reg, struct reg_stmt *st, void *fn, void *ctx)
{
	return ((struct fnbox_inst *)fn)->fn(ctx,
	    reg->be->column_text(st, 0), reg->be->column_text(st, 1));
}

/* row_cred - one credential row */
static int
row_cred(struct registry *reg, struct reg_stmt *st, void *fn, void *ctx)
{
	struct reg_credential c;

	reg_read_credential(reg, st, &c);
	return ((struct fnbox_cred *)fn)->fn(ctx, &c);
}

/* row_report - one report row */
static int
row_report(struct registry *reg, struct reg_stmt *st, void *fn, void *ctx)
{
	struct reg_report_row r;

	reg_read_report(reg, st, &r);
	return ((struct fnbox_report *)fn)->fn(ctx, &r);
}

/* row_range - one waybill range row */
static int
row_range(struct registry *reg, struct reg_stmt *st, void *fn, void *ctx)
{
	struct reg_waybill_range w;

	read_range(reg, st, &w);
	return ((struct fnbox_range *)fn)->fn(ctx, &w);
}

/* registry_each_institution - every institution, by code */
int
registry_each_institution(struct registry *reg,
    int (*fn)(void *ctx, const char *code, const char *name), void *ctx)
{
	struct fnbox_inst box = { fn };
	struct reg_stmt *st = reg_stmt_get(reg, S_EACH_INST);

	return st == NULL ? -1 : each_row(reg, st, row_inst, &box, ctx);
}

/* registry_each_credential - every credential, by certificate number */
int
registry_each_credential(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_credential *c), void *ctx)
{
	struct fnbox_cred box = { fn };
	struct reg_stmt *st = reg_stmt_get(reg, S_EACH_CRED);

	return st == NULL ? -1 : each_row(reg, st, row_cred, &box, ctx);
}

/* registry_each_report - every report, by code */
int
registry_each_report(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_report_row *r), void *ctx)
{
	struct fnbox_report box = { fn };
	struct reg_stmt *st = reg_stmt_get(reg, S_EACH_REPORT);

	return st == NULL ? -1 : each_row(reg, st, row_report, &box, ctx);
}

/* registry_each_revoked - every revoked report, by code */
int
registry_each_revoked(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_report_row *r), void *ctx)
{
	struct fnbox_report box = { fn };
	struct reg_stmt *st = reg_stmt_get(reg, S_EACH_REVOKED);

	return st == NULL ? -1 : each_row(reg, st, row_report, &box, ctx);
}

/* registry_each_extended - every valid report an extension moved, by code */
int
registry_each_extended(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_report_row *r), void *ctx)
{
	struct fnbox_report box = { fn };
	struct reg_stmt *st = reg_stmt_get(reg, S_EACH_EXTENDED);

	return st == NULL ? -1 : each_row(reg, st, row_report, &box, ctx);
}

/* registry_each_waybill_range - every waybill range */
int
registry_each_waybill_range(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_waybill_range *w), void *ctx)
{
	struct fnbox_range box = { fn };
	struct reg_stmt *st = reg_stmt_get(reg, S_EACH_RANGE);

	return st == NULL ? -1 : each_row(reg, st, row_range, &box, ctx);
}

/* registry_count_ranges - how many waybill ranges COURIER has (-1 error) */
long
registry_count_ranges(struct registry *reg, const char *courier)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_COUNT_RANGES);
	long n;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, courier, 0);
	if (reg_step_row(reg, st, "count waybill ranges") != 1)
		return -1;
	n = (long)reg_col_int64(reg, st, 0);
	reg_reset(reg, st);
	return n;
}

/* registry_each_range_left - every waybill range, with the numbers left */
int
registry_each_range_left(struct registry *reg,
    int (*fn)(void *ctx, const char *courier, const char *first,
    const char *last, long left), void *ctx)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_EACH_RANGE_LEFT);
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = reg->be->step(reg, st, "waybill ranges")) == 1) {
		rc = fn(ctx, reg->be->column_text(st, 0),
		    reg->be->column_text(st, 1), reg->be->column_text(st, 2),
		    (long)reg_col_int64(reg, st, 3));
		if (rc != 0)
			break;
	}
	reg_reset(reg, st);
	return rc;
}

/*
 * registry_record_repair - an operator's repair (requeue, release) of
 * DOSSIER_ID at AT, kept beside the decisions. On SQLite the table is
 * made on first use, so that registries made before it need no
 * migration; PostgreSQL's schema has it.
 */
int
registry_record_repair(struct registry *reg, const char *dossier_id,
    const char *verb, const char *at)
{
	struct reg_stmt *st;
	int rc;

	if (reg->be->repairs_ddl != NULL &&
	    reg_exec(reg, reg->be->repairs_ddl) == -1)
		return -1;
	if ((st = reg->be->prepare(reg, "INSERT INTO repairs (dossier_id, "
	    "verb, at) VALUES (?1, ?2, ?3)", 0)) == NULL)
		return reg->be->fail(reg, "record repair");
	reg->be->bind_text(st, 1, dossier_id);
	reg->be->bind_text(st, 2, verb);
	reg->be->bind_text(st, 3, at);
	rc = reg->be->step(reg, st, "record repair");
	reg->be->finalize(st);
	return rc < 0 ? -1 : 0;
}

/* registry_each_repair - FN(verb, at) for every repair of DOSSIER_ID */
int
registry_each_repair(struct registry *reg, const char *dossier_id,
    int (*fn)(void *ctx, const char *verb, const char *at), void *ctx)
{
	struct reg_stmt *st;
	int rc = 0;

	/* SQLite: no table when no repair was ever recorded */
	if ((st = reg->be->prepare(reg, "SELECT verb, at FROM repairs "
	    "WHERE dossier_id = ?1 ORDER BY id", 0)) == NULL)
		return 0;
	reg->be->bind_text(st, 1, dossier_id);
	while (rc == 0 && reg->be->step(reg, st, "repairs") == 1)
		rc = fn(ctx, reg->be->column_text(st, 0),
		    reg->be->column_text(st, 1));
	reg->be->finalize(st);
	return rc;
}

/* registry_dossier_of_report - the dossier a report CODE or NUMBER was
 * issued for into ID: 1 found, 0 not (or imported), -1 error */
int
registry_dossier_of_report(struct registry *reg, const char *key, char *id,
    size_t size)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_DOSSIER_OF_REPORT);
	int rc;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, key, 0);
	rc = reg_step_row(reg, st, "dossier of report");
	if (rc == 1) {
		reg_col(reg, st, 0, id, size);
		reg_reset(reg, st);
	}
	return rc;
}
