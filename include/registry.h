/*
 * registry.h - the registry of issued records (SPEC §5): a SQLite file, or
 * a PostgreSQL database several machines share (RECORDS=postgresql://...).
 *
 * Holds what institutions and archives registered (credentials,
 * institutions, reports issued elsewhere, waybill ranges) and everything
 * credpipe issues (verification codes, paper report numbers, waybills,
 * courier batches, each dossier's decision), each under a UNIQUE
 * constraint keyed by the dossier id, so that a rerun after a crash finds
 * what was issued instead of issuing it again.
 *
 * Return convention: 1 found / 0 not found for lookups; 0 ok for actions;
 * -1 on error with a sysexits status in *registry_status (EX_TEMPFAIL when
 * the database is busy, unreachable or the disk full: retry later).
 * One struct registry per thread.
 */
#ifndef CREDPIPE_REGISTRY_H
#define CREDPIPE_REGISTRY_H

#include <stddef.h>

struct registry;

struct reg_credential {
	char certificate_number[64];
	char status[16];                /* valid | revoked */
	char source[16];                /* registry | archive */
	char holder_name[256];
	char holder_id[32];
	char institution_code[16];
	char institution_name[256];     /* from <institution code name> */
	char level[32];
	char major[256];
	char study_form[32];            /* "" when the record has none */
	char entry_date[16];
	char graduation_date[16];
};

struct reg_report {
	char code[20];                  /* 16 Crockford base32 characters */
	char number[20];                /* paper: P + year + 6 digits */
	char certificate_number[64];
	char kind[16];                  /* online | paper */
	char issued[16];                /* YYYY-MM-DD */
	char expires[16];               /* "" for paper */
	char status[16];                /* valid | revoked */
	char holder_id[32];             /* of the credential, for checks */
	char dossier_id[48];            /* "" when imported */
};

/*
 * registry_open - open the registry TARGET, creating and migrating its
 * schema: a SQLite file path, or a PostgreSQL postgresql:// URI or libpq
 * keyword string (registry_target_is_postgresql). On PostgreSQL the
 * migration holds an advisory lock, so that workers opening at once never
 * run DDL side by side; a site migrates once before them all the same
 * (`records migrate`).
 */
struct registry *registry_open(const char *target, int *status);
/* registry_target_is_postgresql - 1 when TARGET names a PostgreSQL
 * database: postgresql:// or postgres:// URI, or libpq keywords */
int registry_target_is_postgresql(const char *target);
/* registry_backend_name - "sqlite" or "postgresql" */
const char *registry_backend_name(const struct registry *reg);
/* registry_schema_version - the schema version REG is at (-1 error) */
int registry_schema_version(struct registry *reg);
/* registry_close - finalize statements, close */
void registry_close(struct registry *reg);
/*
 * registry_exit_for - the one "retry or reject" decision for the
 * registry (exit_for_errno's counterpart): SQLite result RC whose system
 * call failed with SYSTEM_ERRNO (0 if none) to a sysexits status: busy,
 * locked, full, read-only, I/O error, or a file that cannot be opened
 * because of the disk (full, read-only, no access) is EX_TEMPFAIL.
 */
int registry_exit_for(int rc, int system_errno);
/*
 * registry_pg_exit_for - the same decision for PostgreSQL's SQLSTATE
 * (NULL: the connection failed before the server said anything, and
 * MESSAGE is libpq's): a server unreachable, refusing connections, out of
 * connections, shutting down, a serialization failure, a deadlock, a lock
 * timeout or a full disk is EX_TEMPFAIL; authentication and a database or
 * option that does not exist are EX_CONFIG; a broken constraint EX_DATAERR.
 */
int registry_pg_exit_for(const char *sqlstate, const char *message);
/* registry_status - sysexits status of the last failure */
int registry_status(const struct registry *reg);
/* registry_begin / registry_commit / registry_rollback - transactions
 * (one writer at a time: BEGIN IMMEDIATE on SQLite, readers go on under
 * WAL; an advisory transaction lock on PostgreSQL, readers go on too) */
int registry_begin(struct registry *reg);
int registry_commit(struct registry *reg);
int registry_rollback(struct registry *reg);

/* registry_find_credential - by certificate number */
int registry_find_credential(struct registry *reg, const char *certno,
    struct reg_credential *out);
/* registry_find_credential_by_holder - pre-2002 without a number */
int registry_find_credential_by_holder(struct registry *reg,
    const char *holder_id, const char *institution_code, int year,
    struct reg_credential *out);
/*
 * registry_find_claimed_credential - the credential a claim names (SPEC
 * §4): by CERTNO when it has one, else (pre-2002 without a number) by
 * HOLDER_ID + INSTITUTION_CODE + the year of GRADUATION_DATE
 */
int registry_find_claimed_credential(struct registry *reg,
    const char *certno, const char *holder_id, const char *institution_code,
    const char *graduation_date, struct reg_credential *out);
/* registry_find_report - by verification code */
int registry_find_report(struct registry *reg, const char *code,
    struct reg_report *out);
/* registry_find_paper_report - the paper report of a credential */
int registry_find_paper_report(struct registry *reg, const char *certno,
    struct reg_report *out);
/* registry_find_dossier_report - the report issued for DOSSIER_ID */
int registry_find_dossier_report(struct registry *reg,
    const char *dossier_id, struct reg_report *out);

/*
 * registry_issue_online - a new online report for DOSSIER_ID: a fresh
 * verification code from libsodium's CSPRNG, unique in the registry.
 * Idempotent: a second call for the same dossier returns the first report.
 */
int registry_issue_online(struct registry *reg, const char *dossier_id,
    const char *certno, const char *issued, const char *expires,
    struct reg_report *out);
/*
 * registry_issue_paper - the paper report for DOSSIER_ID: number
 * P + issue year + next 6-digit sequence of that year, and a code.
 * Idempotent per dossier; at most one per credential (-1, EX_DATAERR).
 */
int registry_issue_paper(struct registry *reg, const char *dossier_id,
    const char *certno, const char *issued, struct reg_report *out);
/*
 * registry_extend - move report CODE's expiry to NEW_EXPIRES for
 * extension dossier DOSSIER_ID; idempotent per dossier.
 */
int registry_extend(struct registry *reg, const char *dossier_id,
    const char *code, const char *new_expires);
/*
 * registry_find_extension - the expiry extension DOSSIER_ID moved and the
 * one it set (each SIZE bytes): 1, 0 when it extended nothing (yet), -1
 */
int registry_find_extension(struct registry *reg, const char *dossier_id,
    char *old_expires, char *new_expires, size_t size);
/*
 * registry_revoke - mark report CODE revoked for REASON ("" or NULL: none
 * given) on date ON (YYYY-MM-DD); 0, 1 if unknown, 2 if already revoked
 * (nothing changed: the first reason and date stay)
 */
int registry_revoke(struct registry *reg, const char *code,
    const char *reason, const char *on);

/* registry_record_decision - a dossier's outcome (kind, outcome, date) */
int registry_record_decision(struct registry *reg, const char *dossier_id,
    const char *kind, const char *outcome, const char *decided);
/* registry_find_decision - its outcome into OUTCOME ("rejected", ...) */
int registry_find_decision(struct registry *reg, const char *dossier_id,
    char *outcome, size_t size);

/*
 * registry_assign_waybill - the waybill of DOSSIER_ID for COURIER: the one
 * already assigned, else the next unused number of that courier's ranges
 * (UPU S10 or digits, SPEC §5, §7). No number left: -1, EX_TEMPFAIL,
 * nothing assigned.
 */
int registry_assign_waybill(struct registry *reg, const char *dossier_id,
    const char *courier, char *waybill, size_t size);
/* registry_waybills_left - numbers left in COURIER's ranges (-1 error) */
long registry_waybills_left(struct registry *reg, const char *courier);
/* registry_count_ranges - how many waybill ranges COURIER has (-1 error) */
long registry_count_ranges(struct registry *reg, const char *courier);
/* registry_each_range_left - FN for every waybill range (courier, first
 * and last number as written, numbers left); FN's non-zero return stops */
int registry_each_range_left(struct registry *reg,
    int (*fn)(void *ctx, const char *courier, const char *first,
    const char *last, long left), void *ctx);
/* registry_record_repair - an operator's repair VERB of DOSSIER_ID at AT */
int registry_record_repair(struct registry *reg, const char *dossier_id,
    const char *verb, const char *at);
/* registry_each_repair - FN(verb, at) for every repair of DOSSIER_ID */
int registry_each_repair(struct registry *reg, const char *dossier_id,
    int (*fn)(void *ctx, const char *verb, const char *at), void *ctx);
/* registry_dossier_of_report - the dossier report CODE or NUMBER KEY was
 * issued for, into ID; 1 found, 0 not, -1 error */
int registry_dossier_of_report(struct registry *reg, const char *key,
    char *id, size_t size);
/* registry_find_shipment - batch id ("2026-11-28/EMS-1") of a dossier */
int registry_find_shipment(struct registry *reg, const char *dossier_id,
    char *waybill, size_t wsize, char *batch, size_t bsize);
/* registry_next_batch - the next batch number n of DATE and COURIER */
int registry_next_batch(struct registry *reg, const char *date,
    const char *courier);
/* registry_record_shipment - DOSSIER_ID went into BATCH */
int registry_record_shipment(struct registry *reg, const char *dossier_id,
    const char *batch);

/* registry_find_report_number - by paper report number (P2026000002) */
int registry_find_report_number(struct registry *reg, const char *number,
    struct reg_report *out);
/* registry_each_shipment - FN(dossier id, waybill) for each dossier of
 * BATCH, by dossier id; FN's non-zero return stops (and is returned) */
int registry_each_shipment(struct registry *reg, const char *batch,
    int (*fn)(void *ctx, const char *dossier_id, const char *waybill),
    void *ctx);
/* registry_shipment_of_waybill - WAYBILL's dossier and batch ("" not
 * shipped), each SIZE bytes: 1, 0 unknown, -1 error */
int registry_shipment_of_waybill(struct registry *reg, const char *waybill,
    char *dossier_id, char *batch, size_t size);

/*
 * Additions for the records tool (import/export) and stage check.
 */

/* what registry_put_* found: a new record, the same one, or another one */
enum reg_put { REG_PUT_NEW = 0, REG_PUT_SAME = 1, REG_PUT_CONFLICT = 2 };

/* a report with what export needs beside struct reg_report */
struct reg_report_row {
	struct reg_report report;
	char institution_code[16];      /* of the credential (numberless) */
	int graduation_year;            /* of the credential (numberless) */
	char revoked_reason[256];
	char revoked_on[16];            /* YYYY-MM-DD; "" unknown or valid */
};

struct reg_waybill_range {
	char courier[8];                /* EMS | SF */
	char prefix[8];
	char first[24];                 /* as written */
	char last[24];                  /* as written (its width: digits) */
	char suffix[8];
	char format[8];                 /* s10 | digits */
};

/* holder_id_normalise - upper-case the x check character in place */
char *holder_id_normalise(char *id);

/*
 * registry_put_institution / _credential / _report / _waybill_range -
 * import one record: REG_PUT_NEW (inserted), REG_PUT_SAME (identical one
 * stored: nothing changed) or REG_PUT_CONFLICT (another version stored:
 * into OLD, or WHY for a clash that is not a stored version); -1 error.
 * A report of a credential without a certificate number names it by
 * R->holder_id, INSTITUTION_CODE and YEAR.
 */
int registry_put_institution(struct registry *reg, const char *code,
    const char *name, char *old_name, size_t size);
int registry_put_credential(struct registry *reg,
    const struct reg_credential *c, struct reg_credential *old);
int registry_put_report(struct registry *reg, const struct reg_report_row *r,
    struct reg_report_row *old, char *why, size_t wsize);
int registry_put_waybill_range(struct registry *reg,
    const struct reg_waybill_range *w, struct reg_waybill_range *old);

/* registry_each_* - call FN for every record in export order; FN's
 * non-zero return stops and is returned; -1 on a database error */
int registry_each_institution(struct registry *reg,
    int (*fn)(void *ctx, const char *code, const char *name), void *ctx);
int registry_each_credential(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_credential *c), void *ctx);
int registry_each_report(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_report_row *r), void *ctx);
int registry_each_waybill_range(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_waybill_range *w), void *ctx);
/* registry_each_revoked / _extended - the reports a status list names:
 * every revoked one, every valid one an extension moved; by code */
int registry_each_revoked(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_report_row *r), void *ctx);
int registry_each_extended(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_report_row *r), void *ctx);

/*
 * registry_link_credential - remember that DOSSIER_ID was checked against
 * credential C (check calls it), so that a paper report for a credential
 * without a certificate number (registry_issue_paper with CERTNO "") finds
 * its credential.
 */
int registry_link_credential(struct registry *reg, const char *dossier_id,
    const struct reg_credential *c);
/* registry_find_paper_report_of - the paper report of credential C
 * (by number, or by holder + institution + year when it has none) */
int registry_find_paper_report_of(struct registry *reg,
    const struct reg_credential *c, struct reg_report *out);
/* registry_find_report_row - as registry_find_report, with the extras */
int registry_find_report_row(struct registry *reg, const char *code,
    struct reg_report_row *out);

#endif
