/*
 * registry.c - the registry of issued records (SPEC §5): the connection,
 * transactions and the statements every backend runs.
 *
 * RECORDS names the database: a file path is a SQLite registry (the
 * embedded default, registry_sqlite.c), a postgresql:// URI or a libpq
 * keyword string ("host=... dbname=...") a PostgreSQL one
 * (registry_pg.c), which several machines can share. Both hold the same
 * tables under the same UNIQUE constraints, and the modules above
 * (registry_lookup.c, registry_issue.c, registry_io.c) run the same SQL
 * on either: what one backend guarantees, the other does too.
 *
 * Everything credpipe issues is keyed by the dossier id under a UNIQUE
 * constraint (reports.dossier_id, extensions.dossier_id, waybills.dossier,
 * shipments.dossier_id): an issuing function first looks for what was
 * issued to that dossier and returns it, and the constraint catches the
 * rest, so that a rerun after a crash never issues anything twice.
 *
 * Statements are prepared once per connection and reused for every
 * dossier. Every lookup the check stage makes hits an index: certificate
 * number (UNIQUE), holder id + institution + graduation year, report code
 * (UNIQUE), the paper report of a credential (UNIQUE partial index), the
 * decision of a dossier (PRIMARY KEY).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fsutil.h"
#include "log.h"
#include "registry.h"
#include "registry_backend.h"

#define REPORT_COLUMNS \
	"r.code, COALESCE(r.number,''), COALESCE(c.certificate_number,''), " \
	"r.kind, r.issued, COALESCE(r.expires,''), r.status, c.holder_id, " \
	"COALESCE(r.dossier_id,''), c.institution_code, c.graduation_year, " \
	"COALESCE(r.revoked_reason,''), r.id, COALESCE(r.revoked_on,'') " \
	"FROM reports r JOIN credentials c ON c.id = r.credential_id "
#define CREDENTIAL_COLUMNS \
	"c.id, COALESCE(c.certificate_number,''), c.status, c.source, " \
	"c.holder_name, c.holder_id, c.institution_code, " \
	"COALESCE(i.name,''), c.level, c.major, c.study_form, c.entry_date, " \
	"c.graduation_date FROM credentials c " \
	"LEFT JOIN institutions i ON i.code = c.institution_code "

const char *const registry_stmt_sql[S_COUNT] = {
	[S_FIND_CRED] = "SELECT " CREDENTIAL_COLUMNS
	    "WHERE c.certificate_number = ?1",
	[S_FIND_CRED_HOLDER] = "SELECT " CREDENTIAL_COLUMNS
	    "WHERE c.holder_id = ?1 AND c.institution_code = ?2 "
	    "AND c.graduation_year = ?3 ORDER BY c.id LIMIT 1",
	[S_FIND_CRED_NUMBERLESS] = "SELECT " CREDENTIAL_COLUMNS
	    "WHERE c.holder_id = ?1 AND c.institution_code = ?2 "
	    "AND c.graduation_year = ?3 AND c.certificate_number IS NULL",
	[S_FIND_REPORT] = "SELECT " REPORT_COLUMNS "WHERE r.code = ?1",
	[S_FIND_PAPER] = "SELECT " REPORT_COLUMNS
	    "WHERE r.credential_id = ?1 AND r.kind = 'paper'",
	[S_FIND_DOSSIER_REPORT] = "SELECT " REPORT_COLUMNS
	    "WHERE r.dossier_id = ?1",
	[S_CODE_EXISTS] = "SELECT 1 FROM reports WHERE code = ?1",
	[S_MAX_NUMBER] = "SELECT max(number) FROM reports "
	    "WHERE number BETWEEN ?1 AND ?2",
	[S_INSERT_REPORT] = "INSERT INTO reports (code, number, "
	    "credential_id, kind, issued, expires, status, revoked_reason, "
	    "dossier_id, revoked_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10)",
	[S_EXT_FIND] = "SELECT 1 FROM extensions WHERE dossier_id = ?1",
	[S_EXT_GET] = "SELECT old_expires, new_expires FROM extensions "
	    "WHERE dossier_id = ?1",
	[S_EXT_INSERT] = "INSERT INTO extensions (dossier_id, report_id, "
	    "old_expires, new_expires) VALUES (?1, ?2, ?3, ?4)",
	[S_SET_EXPIRES] = "UPDATE reports SET expires = ?1 WHERE id = ?2",
	[S_REVOKE] = "UPDATE reports SET status = 'revoked', "
	    "revoked_reason = ?2, revoked_on = ?3 "
	    "WHERE code = ?1 AND status <> 'revoked'",
	[S_DECISION_PUT] = "INSERT INTO decisions (dossier_id, kind, "
	    "outcome, decided) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (dossier_id) DO UPDATE SET kind = excluded.kind, "
	    "outcome = excluded.outcome, decided = excluded.decided "
	    "WHERE decisions.outcome IS DISTINCT FROM excluded.outcome "
	    "OR decisions.kind IS DISTINCT FROM excluded.kind",
	[S_DECISION_FIND] = "SELECT outcome FROM decisions "
	    "WHERE dossier_id = ?1",
	[S_LINK_PUT] = "INSERT INTO dossier_credentials (dossier_id, "
	    "credential_id) VALUES (?1, ?2) ON CONFLICT (dossier_id) "
	    "DO UPDATE SET credential_id = excluded.credential_id",
	[S_LINK_FIND] = "SELECT credential_id FROM dossier_credentials "
	    "WHERE dossier_id = ?1",
	[S_WAYBILL_FIND] = "SELECT waybill FROM waybills "
	    "WHERE dossier_id = ?1",
	[S_RANGES] = "SELECT id, prefix, suffix, format, width, next, last_n "
	    "FROM waybill_ranges WHERE courier = ?1 AND next <= last_n "
	    "ORDER BY id",
	[S_WAYBILL_INSERT] = "INSERT INTO waybills (waybill, dossier_id, "
	    "courier, range_id) VALUES (?1, ?2, ?3, ?4)",
	[S_RANGE_ADVANCE] = "UPDATE waybill_ranges SET next = ?1 "
	    "WHERE id = ?2",
	[S_WAYBILL_EXISTS] = "SELECT 1 FROM waybills WHERE waybill = ?1",
	[S_LEFT] = "SELECT COALESCE(sum(last_n - next + 1), 0) "
	    "FROM waybill_ranges WHERE courier = ?1 AND next <= last_n",
	[S_LEFT_ALL] = "SELECT COALESCE(sum(last_n - next + 1), 0) "
	    "FROM waybill_ranges WHERE next <= last_n",
	[S_SHIPMENT_FIND] = "SELECT s.batch, COALESCE(w.waybill, '') "
	    "FROM shipments s LEFT JOIN waybills w "
	    "ON w.dossier_id = s.dossier_id WHERE s.dossier_id = ?1",
	[S_NEXT_BATCH] = "SELECT COALESCE(max(n), 0) + 1 FROM shipments "
	    "WHERE date = ?1 AND courier = ?2",
	[S_SHIPMENT_PUT] = "INSERT INTO shipments (dossier_id, batch, date, "
	    "courier, n) VALUES (?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT (dossier_id) DO NOTHING",
	[S_INST_FIND] = "SELECT name FROM institutions WHERE code = ?1",
	[S_INST_INSERT] = "INSERT INTO institutions (code, name) "
	    "VALUES (?1, ?2)",
	[S_CRED_INSERT] = "INSERT INTO credentials (certificate_number, "
	    "status, source, holder_name, holder_id, institution_code, level, "
	    "major, study_form, entry_date, graduation_date, graduation_year) "
	    "VALUES (NULLIF(?1, ''), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
	    "?11, ?12)",
	[S_REPORT_NUMBER_FIND] = "SELECT code FROM reports WHERE number = ?1",
	[S_RANGE_FIND] = "SELECT courier, prefix, first, last, suffix, format "
	    "FROM waybill_ranges WHERE courier = ?1 AND prefix = ?2 "
	    "AND suffix = ?3 AND first_n = ?4",
	[S_RANGE_OVERLAP] = "SELECT courier, prefix, first, last, suffix, "
	    "format FROM waybill_ranges WHERE courier = ?1 AND prefix = ?2 "
	    "AND suffix = ?3 AND first_n <= ?5 AND last_n >= ?4",
	[S_RANGE_INSERT] = "INSERT INTO waybill_ranges (courier, prefix, "
	    "first, last, suffix, format, first_n, last_n, width, next) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?7)",
	[S_EACH_INST] = "SELECT code, name FROM institutions ORDER BY code",
	[S_EACH_CRED] = "SELECT " CREDENTIAL_COLUMNS
	    "ORDER BY c.certificate_number IS NULL, c.certificate_number, "
	    "c.holder_id, c.institution_code, c.graduation_year",
	[S_EACH_REPORT] = "SELECT " REPORT_COLUMNS "ORDER BY r.code",
	[S_EACH_RANGE] = "SELECT courier, prefix, first, last, suffix, format "
	    "FROM waybill_ranges ORDER BY courier, prefix, suffix, first_n",
	[S_EACH_REVOKED] = "SELECT " REPORT_COLUMNS
	    "WHERE r.status = 'revoked' ORDER BY r.code",
	[S_EACH_EXTENDED] = "SELECT " REPORT_COLUMNS
	    "WHERE r.status = 'valid' AND r.id IN "
	    "(SELECT report_id FROM extensions) ORDER BY r.code",
	[S_COUNT_RANGES] = "SELECT count(*) FROM waybill_ranges "
	    "WHERE courier = ?1",
	[S_EACH_RANGE_LEFT] = "SELECT courier, prefix || first || suffix, "
	    "prefix || last || suffix, CASE WHEN last_n >= next "
	    "THEN last_n - next + 1 ELSE 0 END FROM waybill_ranges "
	    "ORDER BY courier, first_n",
	[S_DOSSIER_OF_REPORT] = "SELECT dossier_id FROM reports "
	    "WHERE (code = ?1 OR number = ?1) AND dossier_id IS NOT NULL",
	[S_EACH_SHIPMENT] = "SELECT s.dossier_id, COALESCE(w.waybill, '') "
	    "FROM shipments s LEFT JOIN waybills w "
	    "ON w.dossier_id = s.dossier_id WHERE s.batch = ?1 "
	    "ORDER BY s.dossier_id",
	[S_SHIPMENT_OF_WAYBILL] = "SELECT w.dossier_id, COALESCE(s.batch, '') "
	    "FROM waybills w LEFT JOIN shipments s "
	    "ON s.dossier_id = w.dossier_id WHERE w.waybill = ?1",
};


/* registry_target_is_postgresql - RECORDS names a PostgreSQL database */
int
registry_target_is_postgresql(const char *target)
{
	static const char *const keywords[] = { "host=", "hostaddr=",
	    "dbname=", "service=", "port=", "user=", NULL };

	if (strncmp(target, "postgresql://", 13) == 0 ||
	    strncmp(target, "postgres://", 11) == 0)
		return 1;
	/* a libpq keyword string starts with one of its keywords */
	for (int i = 0; keywords[i] != NULL; i++)
		if (strncmp(target, keywords[i], strlen(keywords[i])) == 0)
			return 1;
	return 0;
}

/* registry_open - open (creating and migrating) the registry at TARGET */
struct registry *
registry_open(const char *target, int *status)
{
	struct registry *reg;

	*status = 0;
	if (sodium_init() < 0) {
		log_warnx("libsodium failed to initialise");
		*status = EX_SOFTWARE;
		return NULL;
	}
	if ((reg = calloc(1, sizeof *reg)) == NULL) {
		*status = EX_TEMPFAIL;
		return NULL;
	}
	reg->be = registry_target_is_postgresql(target) ?
	    &registry_pg_backend : &registry_sqlite_backend;
	snprintf(reg->path, sizeof reg->path, "%s", target);
	if (reg->be->open(reg, target) == -1) {
		*status = reg->status ? reg->status : EX_SOFTWARE;
		registry_close(reg);
		return NULL;
	}
	return reg;
}

/* registry_backend_name - "sqlite" or "postgresql" */
const char *
registry_backend_name(const struct registry *reg)
{
	return reg->be->name;
}

/* registry_schema_version - the schema version of REG (-1 error) */
int
registry_schema_version(struct registry *reg)
{
	return reg->be->schema_version(reg);
}

/* registry_close - finalize statements, close */
void
registry_close(struct registry *reg)
{
	if (reg == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		if (reg->stmts[i] != NULL)
			reg->be->finalize(reg->stmts[i]);
	reg->be->close(reg);
	free(reg);
}

/* registry_status - sysexits status of the last failure */
int
registry_status(const struct registry *reg)
{
	return reg->status;
}

/* registry_begin - a write transaction: one writer at a time */
int
registry_begin(struct registry *reg)
{
	return reg->be->begin(reg);
}

/* registry_commit - COMMIT; a failed commit leaves no transaction open */
int
registry_commit(struct registry *reg)
{
	if (reg_exec(reg, "COMMIT") == -1) {
		int saved = reg->status;

		if (reg->be->in_transaction(reg))
			reg->be->exec(reg, "ROLLBACK");
		reg->status = saved;
		return -1;
	}
	return 0;
}

/* registry_rollback - ROLLBACK (a no-op outside a transaction) */
int
registry_rollback(struct registry *reg)
{
	if (!reg->be->in_transaction(reg))
		return 0;
	return reg_exec(reg, "ROLLBACK");
}

/* reg_tx_begin - open a transaction unless the caller has one; *OWN says */
int
reg_tx_begin(struct registry *reg, int *own)
{
	*own = !reg->be->in_transaction(reg);
	return *own ? registry_begin(reg) : 0;
}

/* reg_tx_end - commit (RC 0) or roll back our own transaction; RC back */
int
reg_tx_end(struct registry *reg, int own, int rc)
{
	if (!own)
		return rc;
	if (rc < 0) {
		int saved = reg->status;
		registry_rollback(reg);
		reg->status = saved;
		return rc;
	}
	return registry_commit(reg) == -1 ? -1 : rc;
}

/* reg_exec - run SQL without results */
int
reg_exec(struct registry *reg, const char *sql)
{
	return reg->be->exec(reg, sql);
}

/* reg_stmt_get - statement ID, prepared on first use, reset otherwise */
struct reg_stmt *
reg_stmt_get(struct registry *reg, enum stmt id)
{
	struct reg_stmt *st = reg->stmts[id];

	if (st == NULL) {
		int flags = REG_PREPARE_PERSISTENT;

		switch (id) {
		case S_EACH_INST: case S_EACH_CRED: case S_EACH_REPORT:
		case S_EACH_RANGE: case S_EACH_REVOKED: case S_EACH_EXTENDED:
			flags |= REG_PREPARE_STREAM;
			break;
		default:
			break;
		}
		st = reg->be->prepare(reg, registry_stmt_sql[id], flags);
		if (st == NULL) {
			reg->be->fail(reg, "prepare");
			return NULL;
		}
		reg->stmts[id] = st;
	} else {
		reg->be->reset(st);
	}
	return st;
}

/* reg_bind_text - bind S (NULL when NULL_IF_EMPTY and S is "") */
void
reg_bind_text(struct registry *reg, struct reg_stmt *st, int i,
    const char *s, int null_if_empty)
{
	if (s != NULL && null_if_empty && s[0] == '\0')
		s = NULL;
	reg->be->bind_text(st, i, s);
}

/* reg_bind_int64 - bind integer V to parameter I */
void
reg_bind_int64(struct registry *reg, struct reg_stmt *st, int i,
    long long v)
{
	reg->be->bind_int64(st, i, v);
}

/* reg_col - copy text column I of ST into BUF */
void
reg_col(struct registry *reg, struct reg_stmt *st, int i, char *buf,
    size_t size)
{
	const char *t = reg->be->column_text(st, i);

	snprintf(buf, size, "%s", t ? t : "");
}

/* reg_col_int64 - integer column I of ST (0 for NULL) */
long long
reg_col_int64(struct registry *reg, struct reg_stmt *st, int i)
{
	return reg->be->column_int64(st, i);
}

/* reg_step_done - run a statement that returns no row; 0 or -1 */
int
reg_step_done(struct registry *reg, struct reg_stmt *st, const char *what)
{
	int rc = reg->be->step(reg, st, what);

	reg->be->reset(st);
	if (rc == 1) {
		log_warnx("%s: %s: a row where none was expected", reg->path,
		    what);
		reg->status = EX_SOFTWARE;
		return -1;
	}
	return rc;
}

/* reg_step_row - 1 row (left for reading), 0 none, -1 error */
int
reg_step_row(struct registry *reg, struct reg_stmt *st, const char *what)
{
	int rc = reg->be->step(reg, st, what);

	if (rc != 1)
		reg->be->reset(st);
	return rc;
}

/* reg_reset - done with the rows of ST */
void
reg_reset(struct registry *reg, struct reg_stmt *st)
{
	reg->be->reset(st);
}

/* holder_id_normalise - upper-case the x check character in place */
char *
holder_id_normalise(char *id)
{
	for (char *p = id; *p; p++)
		if (*p == 'x')
			*p = 'X';
	return id;
}
