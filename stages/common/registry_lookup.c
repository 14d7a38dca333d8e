/*
 * registry_lookup.c - what the stages look up in the registry: credentials
 * (by certificate number, or by holder for pre-2002 credentials without
 * one) and reports (by code, by credential, by dossier). Each lookup is one
 * indexed statement, the same on every backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "registry.h"
#include "registry_backend.h"

/* read_credential - a CREDENTIAL_COLUMNS row into OUT; its rowid back */
long long
reg_read_credential(struct registry *reg, struct reg_stmt *st,
    struct reg_credential *out)
{
	memset(out, 0, sizeof *out);
	reg_col(reg, st, 1, out->certificate_number, sizeof out->certificate_number);
	reg_col(reg, st, 2, out->status, sizeof out->status);
	reg_col(reg, st, 3, out->source, sizeof out->source);
	reg_col(reg, st, 4, out->holder_name, sizeof out->holder_name);
	reg_col(reg, st, 5, out->holder_id, sizeof out->holder_id);
	reg_col(reg, st, 6, out->institution_code, sizeof out->institution_code);
	reg_col(reg, st, 7, out->institution_name, sizeof out->institution_name);
	reg_col(reg, st, 8, out->level, sizeof out->level);
	reg_col(reg, st, 9, out->major, sizeof out->major);
	reg_col(reg, st, 10, out->study_form, sizeof out->study_form);
	reg_col(reg, st, 11, out->entry_date, sizeof out->entry_date);
	reg_col(reg, st, 12, out->graduation_date, sizeof out->graduation_date);
	return reg_col_int64(reg, st, 0);
}

/* read_report - a REPORT_COLUMNS row into OUT; its rowid back */
long long
reg_read_report(struct registry *reg, struct reg_stmt *st,
    struct reg_report_row *out)
{
	struct reg_report *r = &out->report;

	memset(out, 0, sizeof *out);
	reg_col(reg, st, 0, r->code, sizeof r->code);
	reg_col(reg, st, 1, r->number, sizeof r->number);
	reg_col(reg, st, 2, r->certificate_number, sizeof r->certificate_number);
	reg_col(reg, st, 3, r->kind, sizeof r->kind);
	reg_col(reg, st, 4, r->issued, sizeof r->issued);
	reg_col(reg, st, 5, r->expires, sizeof r->expires);
	reg_col(reg, st, 6, r->status, sizeof r->status);
	reg_col(reg, st, 7, r->holder_id, sizeof r->holder_id);
	reg_col(reg, st, 8, r->dossier_id, sizeof r->dossier_id);
	reg_col(reg, st, 9, out->institution_code, sizeof out->institution_code);
	out->graduation_year = reg_col_int64(reg, st, 10);
	reg_col(reg, st, 11, out->revoked_reason, sizeof out->revoked_reason);
	reg_col(reg, st, 13, out->revoked_on, sizeof out->revoked_on);
	return reg_col_int64(reg, st, 12);
}

/* find_credential_row - run ST (bound) for one credential; rowid in *ID */
int
reg_find_credential_row(struct registry *reg, struct reg_stmt *st,
    struct reg_credential *out, long long *id)
{
	struct reg_credential tmp;
	int rc = reg_step_row(reg, st, "find credential");

	if (rc == 1) {
		long long rowid = reg_read_credential(reg, st, out ? out : &tmp);
		if (id != NULL)
			*id = rowid;
		reg_reset(reg, st);
	}
	return rc;
}

/* registry_find_credential - by certificate number */
int
registry_find_credential(struct registry *reg, const char *certno,
    struct reg_credential *out)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_FIND_CRED);

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, certno, 0);
	return reg_find_credential_row(reg, st, out, NULL);
}

/* registry_find_credential_by_holder - pre-2002 without a number */
int
registry_find_credential_by_holder(struct registry *reg,
    const char *holder_id, const char *institution_code, int year,
    struct reg_credential *out)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_FIND_CRED_HOLDER);
	char id[32];

	if (st == NULL)
		return -1;
	snprintf(id, sizeof id, "%s", holder_id);
	holder_id_normalise(id);
	reg_bind_text(reg, st, 1, id, 0);
	reg_bind_text(reg, st, 2, institution_code, 0);
	reg_bind_int64(reg, st, 3, year);
	return reg_find_credential_row(reg, st, out, NULL);
}

/* registry_find_claimed_credential - by number, else by holder */
int
registry_find_claimed_credential(struct registry *reg, const char *certno,
    const char *holder_id, const char *institution_code,
    const char *graduation_date, struct reg_credential *out)
{
	if (certno[0] != '\0')
		return registry_find_credential(reg, certno, out);
	return registry_find_credential_by_holder(reg, holder_id,
	    institution_code, atoi(graduation_date), out);
}

/* credential_id_of - the rowid of credential C (by number or holder) */
int
reg_credential_id_of(struct registry *reg, const struct reg_credential *c,
    long long *id)
{
	struct reg_stmt *st;
	char holder[32];

	if (c->certificate_number[0] != '\0') {
		if ((st = reg_stmt_get(reg, S_FIND_CRED)) == NULL)
			return -1;
		reg_bind_text(reg, st, 1, c->certificate_number, 0);
		return reg_find_credential_row(reg, st, NULL, id);
	}
	if ((st = reg_stmt_get(reg, S_FIND_CRED_NUMBERLESS)) == NULL)
		return -1;
	snprintf(holder, sizeof holder, "%s", c->holder_id);
	holder_id_normalise(holder);
	reg_bind_text(reg, st, 1, holder, 0);
	reg_bind_text(reg, st, 2, c->institution_code, 0);
	reg_bind_int64(reg, st, 3, atoi(c->graduation_date));
	return reg_find_credential_row(reg, st, NULL, id);
}

/* find_report_by - run report statement ID with ARG bound (text or int) */
int
reg_find_report_by(struct registry *reg, enum stmt id, const char *text,
    long long num, struct reg_report_row *out, long long *rowid)
{
	struct reg_stmt *st = reg_stmt_get(reg, id);
	struct reg_report_row tmp;
	int rc;

	if (st == NULL)
		return -1;
	if (text != NULL)
		reg_bind_text(reg, st, 1, text, 0);
	else
		reg_bind_int64(reg, st, 1, num);
	rc = reg_step_row(reg, st, "find report");
	if (rc == 1) {
		long long r = reg_read_report(reg, st, out ? out : &tmp);
		if (rowid != NULL)
			*rowid = r;
		reg_reset(reg, st);
	}
	return rc;
}

/* report_out - copy the report part of ROW into OUT (may be NULL) */
static int
report_out(int rc, const struct reg_report_row *row, struct reg_report *out)
{
	if (rc == 1 && out != NULL)
		*out = row->report;
	return rc;
}

/* registry_find_report - by verification code */
int
registry_find_report(struct registry *reg, const char *code,
    struct reg_report *out)
{
	struct reg_report_row row;

	return report_out(reg_find_report_by(reg, S_FIND_REPORT, code, 0, &row,
	    NULL), &row, out);
}

/* registry_find_report_row - by verification code, with the extras */
int
registry_find_report_row(struct registry *reg, const char *code,
    struct reg_report_row *out)
{
	return reg_find_report_by(reg, S_FIND_REPORT, code, 0, out, NULL);
}

/* registry_find_paper_report - the paper report of a credential */
int
registry_find_paper_report(struct registry *reg, const char *certno,
    struct reg_report *out)
{
	struct reg_credential c;

	memset(&c, 0, sizeof c);
	snprintf(c.certificate_number, sizeof c.certificate_number, "%s",
	    certno);
	if (certno[0] == '\0')
		return 0;
	return registry_find_paper_report_of(reg, &c, out);
}

/* registry_find_paper_report_of - the paper report of credential C */
int
registry_find_paper_report_of(struct registry *reg,
    const struct reg_credential *c, struct reg_report *out)
{
	struct reg_report_row row;
	long long id;
	int rc = reg_credential_id_of(reg, c, &id);

	if (rc != 1)
		return rc;
	return report_out(reg_find_report_by(reg, S_FIND_PAPER, NULL, id, &row,
	    NULL), &row, out);
}

/* registry_find_dossier_report - the report issued for DOSSIER_ID */
int
registry_find_dossier_report(struct registry *reg, const char *dossier_id,
    struct reg_report *out)
{
	struct reg_report_row row;

	return report_out(reg_find_report_by(reg, S_FIND_DOSSIER_REPORT,
	    dossier_id, 0, &row, NULL), &row, out);
}


/*
 * registry_find_report_number - the report with paper report NUMBER,
 * issued here or imported (P2001000123): found by its number, then read
 * as registry_find_report reads it
 */
int
registry_find_report_number(struct registry *reg, const char *number,
    struct reg_report *out)
{
	struct reg_stmt *st = reg_stmt_get(reg, S_REPORT_NUMBER_FIND);
	char code[32];
	int rc;

	if (st == NULL)
		return -1;
	reg_bind_text(reg, st, 1, number, 0);
	rc = reg_step_row(reg, st, "find report number");
	if (rc != 1)
		return rc;
	reg_col(reg, st, 0, code, sizeof code);
	reg_reset(reg, st);
	return registry_find_report(reg, code, out);
}
