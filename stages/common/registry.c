/*
 * registry.c - the SQLite registry of issued records (SPEC §5).
 *
 * One database file (HOME/records.db) in WAL mode, so that the check stage
 * reads while typeset and manifest write; a busy timeout instead of
 * failing at the first lock; the schema versioned with PRAGMA user_version
 * and migrated forward at open, in one transaction.
 *
 * Everything credpipe issues is keyed by the dossier id under a UNIQUE
 * constraint (reports.dossier_id, extensions.dossier_id, waybills.dossier,
 * shipments.dossier_id): an issuing function first looks for what was
 * issued to that dossier and returns it, and the constraint catches the
 * rest, so that a rerun after a crash never issues anything twice.
 *
 * Statements are prepared once per connection (SQLITE_PREPARE_PERSISTENT)
 * and reused for every dossier. Every lookup the check stage makes hits an
 * index: certificate number (UNIQUE), holder id + institution + graduation
 * year, report code (UNIQUE), the paper report of a credential (UNIQUE
 * partial index), the decision of a dossier (PRIMARY KEY).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>
#include <sqlite3.h>

#include "fsutil.h"
#include "log.h"
#include "registry.h"
#include "waybill.h"

#define BUSY_TIMEOUT_MS 10000
#define CODE_ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#define CODE_LEN 16

/*
 * The migrations: entry i brings user_version i to i + 1. Never edit one
 * that has shipped; append a new one.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE institutions ("
	"  code TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL);"
	"CREATE TABLE credentials ("
	"  id INTEGER PRIMARY KEY,"
	"  certificate_number TEXT UNIQUE,"         /* NULL: pre-2002, none */
	"  status TEXT NOT NULL CHECK (status IN ('valid','revoked')),"
	"  source TEXT NOT NULL CHECK (source IN ('registry','archive')),"
	"  holder_name TEXT NOT NULL,"
	"  holder_id TEXT NOT NULL,"                /* x upper-cased */
	"  institution_code TEXT NOT NULL,"
	"  level TEXT NOT NULL,"
	"  major TEXT NOT NULL,"
	"  study_form TEXT NOT NULL DEFAULT '',"
	"  entry_date TEXT NOT NULL,"
	"  graduation_date TEXT NOT NULL,"
	"  graduation_year INTEGER NOT NULL);"
	"CREATE INDEX credentials_holder ON credentials"
	"  (holder_id, institution_code, graduation_year);"
	"CREATE UNIQUE INDEX credentials_holder_numberless ON credentials"
	"  (holder_id, institution_code, graduation_year)"
	"  WHERE certificate_number IS NULL;"
	"CREATE TABLE reports ("
	"  id INTEGER PRIMARY KEY,"
	"  code TEXT NOT NULL UNIQUE,"
	"  number TEXT UNIQUE,"                     /* paper: P + year + seq */
	"  credential_id INTEGER NOT NULL REFERENCES credentials(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('online','paper')),"
	"  issued TEXT NOT NULL,"
	"  expires TEXT,"                           /* NULL for paper */
	"  status TEXT NOT NULL CHECK (status IN ('valid','revoked')),"
	"  revoked_reason TEXT,"
	"  dossier_id TEXT UNIQUE);"                /* NULL when imported */
	"CREATE UNIQUE INDEX reports_one_paper ON reports (credential_id)"
	"  WHERE kind = 'paper';"
	"CREATE INDEX reports_credential ON reports (credential_id);"
	"CREATE TABLE extensions ("
	"  dossier_id TEXT PRIMARY KEY,"
	"  report_id INTEGER NOT NULL REFERENCES reports(id),"
	"  old_expires TEXT NOT NULL,"
	"  new_expires TEXT NOT NULL);"
	"CREATE TABLE decisions ("
	"  dossier_id TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  decided TEXT NOT NULL);"
	"CREATE TABLE dossier_credentials ("
	"  dossier_id TEXT PRIMARY KEY,"
	"  credential_id INTEGER NOT NULL REFERENCES credentials(id));"
	"CREATE TABLE waybill_ranges ("
	"  id INTEGER PRIMARY KEY,"
	"  courier TEXT NOT NULL,"
	"  prefix TEXT NOT NULL,"
	"  first TEXT NOT NULL,"
	"  last TEXT NOT NULL,"
	"  suffix TEXT NOT NULL,"
	"  format TEXT NOT NULL CHECK (format IN ('s10','digits')),"
	"  first_n INTEGER NOT NULL,"
	"  last_n INTEGER NOT NULL,"
	"  width INTEGER NOT NULL,"
	"  next INTEGER NOT NULL,"
	"  UNIQUE (courier, prefix, suffix, first_n));"
	"CREATE TABLE waybills ("
	"  waybill TEXT PRIMARY KEY,"
	"  dossier_id TEXT NOT NULL UNIQUE,"
	"  courier TEXT NOT NULL,"
	"  range_id INTEGER NOT NULL REFERENCES waybill_ranges(id));"
	"CREATE TABLE shipments ("
	"  dossier_id TEXT PRIMARY KEY,"
	"  batch TEXT NOT NULL,"
	"  date TEXT NOT NULL,"
	"  courier TEXT NOT NULL,"
	"  n INTEGER NOT NULL);"
	"CREATE INDEX shipments_batch ON shipments (date, courier, n);",
	/* 1 -> 2: the date of a revocation, beside its reason (NULL for
	 * reports revoked before the date was kept) */
	"ALTER TABLE reports ADD COLUMN revoked_on TEXT;",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

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

/* The statements, prepared on first use and kept for the connection. */
enum stmt {
	S_FIND_CRED,
	S_FIND_CRED_HOLDER,
	S_FIND_CRED_NUMBERLESS,
	S_FIND_REPORT,
	S_FIND_PAPER,
	S_FIND_DOSSIER_REPORT,
	S_CODE_EXISTS,
	S_MAX_NUMBER,
	S_INSERT_REPORT,
	S_EXT_FIND,
	S_EXT_INSERT,
	S_EXT_GET,
	S_SET_EXPIRES,
	S_REVOKE,
	S_DECISION_PUT,
	S_DECISION_FIND,
	S_LINK_PUT,
	S_LINK_FIND,
	S_WAYBILL_FIND,
	S_RANGES,
	S_WAYBILL_INSERT,
	S_RANGE_ADVANCE,
	S_WAYBILL_EXISTS,
	S_LEFT,
	S_LEFT_ALL,
	S_SHIPMENT_FIND,
	S_NEXT_BATCH,
	S_SHIPMENT_PUT,
	S_INST_FIND,
	S_INST_INSERT,
	S_CRED_INSERT,
	S_REPORT_NUMBER_FIND,
	S_RANGE_FIND,
	S_RANGE_OVERLAP,
	S_RANGE_INSERT,
	S_EACH_INST,
	S_EACH_CRED,
	S_EACH_REPORT,
	S_EACH_RANGE,
	S_EACH_REVOKED,
	S_EACH_EXTENDED,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
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
	    "WHERE outcome IS NOT excluded.outcome OR kind IS NOT excluded.kind",
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
};

struct registry {
	sqlite3 *db;
	sqlite3_stmt *stmts[S_COUNT];
	int status;
	char path[4096];
};

/*
 * registry_exit_for - the registry's counterpart of exit_for_errno: the
 * sysexits status for SQLite result code RC, whose system call (if any)
 * failed with SYSTEM_ERRNO. The machine's state - the database busy or
 * locked, the disk full, the file or its file system read-only, an I/O
 * error, no memory - is EX_TEMPFAIL: nothing was written, the next run
 * retries and a cron monitor must not page anyone for a bug. A file that
 * cannot be opened for such a reason is the same; one that cannot be
 * opened for another (a directory, a missing parent) is a wrong
 * --records, EX_CONFIG. A damaged database or a broken constraint is
 * bad data; anything else a bug.
 */
int
registry_exit_for(int rc, int system_errno)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_NOMEM:
	case SQLITE_PROTOCOL:
	case SQLITE_READONLY:
		return EX_TEMPFAIL;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return system_errno == 0 || errno_is_transient(system_errno) ?
		    EX_TEMPFAIL : EX_CONFIG;
	case SQLITE_CONSTRAINT:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return EX_DATAERR;
	default:
		return EX_SOFTWARE;
	}
}

/*
 * fail - log the database error of WHAT, remember its status; -1. A
 * "try again later" failure says so in a sentence naming the database,
 * so that the operator reading the log knows what to free or fix.
 */
static int
fail(struct registry *reg, int rc, const char *what)
{
	int system_errno = reg->db ? sqlite3_system_errno(reg->db) : 0;

	reg->status = registry_exit_for(rc, system_errno);
	if (reg->status == EX_TEMPFAIL)
		log_warnx("%s: %s: %s%s%s: the registry cannot be used now "
		    "(disk full or read-only, or busy); nothing was lost, "
		    "the next run retries", reg->path, what,
		    reg->db ? sqlite3_errmsg(reg->db) : "cannot open",
		    system_errno ? ": " : "",
		    system_errno ? strerror(system_errno) : "");
	else
		log_warnx("%s: %s: %s", reg->path, what,
		    reg->db ? sqlite3_errmsg(reg->db) : "cannot open");
	return -1;
}

/* rollback_quietly - end a failed transaction; keep the failure's status */
static void
rollback_quietly(struct registry *reg)
{
	if (!sqlite3_get_autocommit(reg->db))
		sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
}

/* stmt - the prepared statement ID, reset and with cleared bindings */
static sqlite3_stmt *
stmt(struct registry *reg, enum stmt id)
{
	sqlite3_stmt *st = reg->stmts[id];
	int rc;

	if (st == NULL) {
		rc = sqlite3_prepare_v3(reg->db, stmt_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &reg->stmts[id], NULL);
		if (rc != SQLITE_OK) {
			fail(reg, rc, "prepare");
			return NULL;
		}
		st = reg->stmts[id];
	} else {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return st;
}

/* bind_text - bind S (NULL when null_if_empty and S is "") */
static void
bind_text(sqlite3_stmt *st, int i, const char *s, int null_if_empty)
{
	if (s == NULL || (null_if_empty && s[0] == '\0'))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* col - copy text column I of ST into BUF */
static void
col(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

/* step_done - run a statement that returns no row; 0 or -1 */
static int
step_done(struct registry *reg, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail(reg, rc, what);
	return 0;
}

/* step_row - 1 row (left unreset for reading), 0 none, -1 error */
static int
step_row(struct registry *reg, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return fail(reg, rc, what);
}

/* exec - run SQL without results */
static int
exec(struct registry *reg, const char *sql)
{
	int rc = sqlite3_exec(reg->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return fail(reg, rc, sql);
	return 0;
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

/* schema_version - PRAGMA user_version into *VERSION; 0 or -1 */
static int
schema_version(struct registry *reg, int *version)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(reg->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	return fail(reg, rc, "user_version");
}

/* migrate - bring the schema to the newest version, in one transaction */
static int
migrate(struct registry *reg)
{
	int version;
	char sql[64];

	/*
	 * Up to date (every open but the first): nothing to write, so no
	 * write lock is taken - opening must not fail on a full disk or
	 * wait for another writer when there is nothing to migrate.
	 */
	if (schema_version(reg, &version) == -1)
		return -1;
	if (version == NMIGRATIONS)
		return 0;
	if (exec(reg, "BEGIN IMMEDIATE") == -1)
		return -1;
	if (schema_version(reg, &version) == -1) {
		rollback_quietly(reg);
		return -1;
	}
	if (version > NMIGRATIONS) {
		rollback_quietly(reg);
		log_warnx("%s: schema version %d is newer than this program "
		    "(%d)", reg->path, version, NMIGRATIONS);
		reg->status = EX_CONFIG;
		return -1;
	}
	for (; version < NMIGRATIONS; version++) {
		if (exec(reg, migrations[version]) == -1) {
			rollback_quietly(reg);
			return -1;
		}
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
	if (exec(reg, sql) == -1 || exec(reg, "COMMIT") == -1) {
		rollback_quietly(reg);
		return -1;
	}
	return 0;
}

/* registry_open - open (creating and migrating) the database at PATH */
struct registry *
registry_open(const char *path, int *status)
{
	struct registry *reg;
	char dir[4096], *slash;
	int rc;

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
	snprintf(reg->path, sizeof reg->path, "%s", path);
	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (fs_mkdirs(dir, 0700) == -1) {
			log_warn("%s", dir);
			*status = exit_for_errno(errno);
			free(reg);
			return NULL;
		}
	}
	rc = sqlite3_open_v2(path, &reg->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		fail(reg, rc, "open");
		goto bad;
	}
	sqlite3_busy_timeout(reg->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(reg->db, 1);
	/*
	 * WAL: readers never block the writer. synchronous FULL: a
	 * committed issue survives power loss, so that the report PDF made
	 * after it never names a code the registry forgot.
	 */
	if (exec(reg, "PRAGMA journal_mode = WAL") == -1 ||
	    exec(reg, "PRAGMA synchronous = FULL") == -1 ||
	    exec(reg, "PRAGMA foreign_keys = ON") == -1 ||
	    migrate(reg) == -1)
		goto bad;
	return reg;
bad:
	*status = reg->status ? reg->status : EX_SOFTWARE;
	registry_close(reg);
	return NULL;
}

/* registry_close - finalize statements, close */
void
registry_close(struct registry *reg)
{
	if (reg == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(reg->stmts[i]);
	sqlite3_close(reg->db);
	free(reg);
}

/* registry_status - sysexits status of the last failure */
int
registry_status(const struct registry *reg)
{
	return reg->status;
}

/* registry_begin - BEGIN IMMEDIATE */
int
registry_begin(struct registry *reg)
{
	return exec(reg, "BEGIN IMMEDIATE");
}

/* registry_commit - COMMIT */
int
registry_commit(struct registry *reg)
{
	if (exec(reg, "COMMIT") == -1) {
		if (!sqlite3_get_autocommit(reg->db))
			sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* registry_rollback - ROLLBACK (a no-op outside a transaction) */
int
registry_rollback(struct registry *reg)
{
	if (sqlite3_get_autocommit(reg->db))
		return 0;
	return exec(reg, "ROLLBACK");
}

/* tx_begin - open a transaction unless the caller has one; *OWN says */
static int
tx_begin(struct registry *reg, int *own)
{
	*own = sqlite3_get_autocommit(reg->db);
	return *own ? registry_begin(reg) : 0;
}

/* tx_end - commit (RC 0) or roll back our own transaction; RC back */
static int
tx_end(struct registry *reg, int own, int rc)
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

/* read_credential - a CREDENTIAL_COLUMNS row into OUT; its rowid back */
static sqlite3_int64
read_credential(sqlite3_stmt *st, struct reg_credential *out)
{
	memset(out, 0, sizeof *out);
	col(st, 1, out->certificate_number, sizeof out->certificate_number);
	col(st, 2, out->status, sizeof out->status);
	col(st, 3, out->source, sizeof out->source);
	col(st, 4, out->holder_name, sizeof out->holder_name);
	col(st, 5, out->holder_id, sizeof out->holder_id);
	col(st, 6, out->institution_code, sizeof out->institution_code);
	col(st, 7, out->institution_name, sizeof out->institution_name);
	col(st, 8, out->level, sizeof out->level);
	col(st, 9, out->major, sizeof out->major);
	col(st, 10, out->study_form, sizeof out->study_form);
	col(st, 11, out->entry_date, sizeof out->entry_date);
	col(st, 12, out->graduation_date, sizeof out->graduation_date);
	return sqlite3_column_int64(st, 0);
}

/* read_report - a REPORT_COLUMNS row into OUT; its rowid back */
static sqlite3_int64
read_report(sqlite3_stmt *st, struct reg_report_row *out)
{
	struct reg_report *r = &out->report;

	memset(out, 0, sizeof *out);
	col(st, 0, r->code, sizeof r->code);
	col(st, 1, r->number, sizeof r->number);
	col(st, 2, r->certificate_number, sizeof r->certificate_number);
	col(st, 3, r->kind, sizeof r->kind);
	col(st, 4, r->issued, sizeof r->issued);
	col(st, 5, r->expires, sizeof r->expires);
	col(st, 6, r->status, sizeof r->status);
	col(st, 7, r->holder_id, sizeof r->holder_id);
	col(st, 8, r->dossier_id, sizeof r->dossier_id);
	col(st, 9, out->institution_code, sizeof out->institution_code);
	out->graduation_year = sqlite3_column_int(st, 10);
	col(st, 11, out->revoked_reason, sizeof out->revoked_reason);
	col(st, 13, out->revoked_on, sizeof out->revoked_on);
	return sqlite3_column_int64(st, 12);
}

/* find_credential_row - run ST (bound) for one credential; rowid in *ID */
static int
find_credential_row(struct registry *reg, sqlite3_stmt *st,
    struct reg_credential *out, sqlite3_int64 *id)
{
	struct reg_credential tmp;
	int rc = step_row(reg, st, "find credential");

	if (rc == 1) {
		sqlite3_int64 rowid = read_credential(st, out ? out : &tmp);
		if (id != NULL)
			*id = rowid;
		sqlite3_reset(st);
	}
	return rc;
}

/* registry_find_credential - by certificate number */
int
registry_find_credential(struct registry *reg, const char *certno,
    struct reg_credential *out)
{
	sqlite3_stmt *st = stmt(reg, S_FIND_CRED);

	if (st == NULL)
		return -1;
	bind_text(st, 1, certno, 0);
	return find_credential_row(reg, st, out, NULL);
}

/* registry_find_credential_by_holder - pre-2002 without a number */
int
registry_find_credential_by_holder(struct registry *reg,
    const char *holder_id, const char *institution_code, int year,
    struct reg_credential *out)
{
	sqlite3_stmt *st = stmt(reg, S_FIND_CRED_HOLDER);
	char id[32];

	if (st == NULL)
		return -1;
	snprintf(id, sizeof id, "%s", holder_id);
	holder_id_normalise(id);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	bind_text(st, 2, institution_code, 0);
	sqlite3_bind_int(st, 3, year);
	return find_credential_row(reg, st, out, NULL);
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
static int
credential_id_of(struct registry *reg, const struct reg_credential *c,
    sqlite3_int64 *id)
{
	sqlite3_stmt *st;
	char holder[32];

	if (c->certificate_number[0] != '\0') {
		if ((st = stmt(reg, S_FIND_CRED)) == NULL)
			return -1;
		bind_text(st, 1, c->certificate_number, 0);
		return find_credential_row(reg, st, NULL, id);
	}
	if ((st = stmt(reg, S_FIND_CRED_NUMBERLESS)) == NULL)
		return -1;
	snprintf(holder, sizeof holder, "%s", c->holder_id);
	holder_id_normalise(holder);
	sqlite3_bind_text(st, 1, holder, -1, SQLITE_TRANSIENT);
	bind_text(st, 2, c->institution_code, 0);
	sqlite3_bind_int(st, 3, atoi(c->graduation_date));
	return find_credential_row(reg, st, NULL, id);
}

/* find_report_by - run report statement ID with ARG bound (text or int) */
static int
find_report_by(struct registry *reg, enum stmt id, const char *text,
    sqlite3_int64 num, struct reg_report_row *out, sqlite3_int64 *rowid)
{
	sqlite3_stmt *st = stmt(reg, id);
	struct reg_report_row tmp;
	int rc;

	if (st == NULL)
		return -1;
	if (text != NULL)
		bind_text(st, 1, text, 0);
	else
		sqlite3_bind_int64(st, 1, num);
	rc = step_row(reg, st, "find report");
	if (rc == 1) {
		sqlite3_int64 r = read_report(st, out ? out : &tmp);
		if (rowid != NULL)
			*rowid = r;
		sqlite3_reset(st);
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

	return report_out(find_report_by(reg, S_FIND_REPORT, code, 0, &row,
	    NULL), &row, out);
}

/* registry_find_report_row - by verification code, with the extras */
int
registry_find_report_row(struct registry *reg, const char *code,
    struct reg_report_row *out)
{
	return find_report_by(reg, S_FIND_REPORT, code, 0, out, NULL);
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
	sqlite3_int64 id;
	int rc = credential_id_of(reg, c, &id);

	if (rc != 1)
		return rc;
	return report_out(find_report_by(reg, S_FIND_PAPER, NULL, id, &row,
	    NULL), &row, out);
}

/* registry_find_dossier_report - the report issued for DOSSIER_ID */
int
registry_find_dossier_report(struct registry *reg, const char *dossier_id,
    struct reg_report *out)
{
	struct reg_report_row row;

	return report_out(find_report_by(reg, S_FIND_DOSSIER_REPORT,
	    dossier_id, 0, &row, NULL), &row, out);
}

/* new_code - a fresh verification code not yet in the registry */
static int
new_code(struct registry *reg, char code[CODE_LEN + 1])
{
	for (int attempt = 0; attempt < 100; attempt++) {
		sqlite3_stmt *st;
		int rc;

		for (int i = 0; i < CODE_LEN; i++)
			code[i] = CODE_ALPHABET[randombytes_uniform(32)];
		code[CODE_LEN] = '\0';
		if ((st = stmt(reg, S_CODE_EXISTS)) == NULL)
			return -1;
		bind_text(st, 1, code, 0);
		rc = step_row(reg, st, "code lookup");
		sqlite3_reset(st);
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
static int
insert_report(struct registry *reg, const char *code, const char *number,
    sqlite3_int64 credential_id, const char *kind, const char *issued,
    const char *expires, const char *status, const char *reason,
    const char *revoked_on, const char *dossier_id)
{
	sqlite3_stmt *st = stmt(reg, S_INSERT_REPORT);

	if (st == NULL)
		return -1;
	bind_text(st, 1, code, 0);
	bind_text(st, 2, number, 1);
	sqlite3_bind_int64(st, 3, credential_id);
	bind_text(st, 4, kind, 0);
	bind_text(st, 5, issued, 0);
	bind_text(st, 6, expires, 1);
	bind_text(st, 7, status, 0);
	bind_text(st, 8, reason, 1);
	bind_text(st, 9, dossier_id, 1);
	bind_text(st, 10, revoked_on, 1);
	return step_done(reg, st, "insert report");
}

/* issued_credential - the credential a new report of DOSSIER_ID is for */
static int
issued_credential(struct registry *reg, const char *dossier_id,
    const char *certno, sqlite3_int64 *id)
{
	sqlite3_stmt *st;
	int rc;

	if (certno != NULL && certno[0] != '\0') {
		if ((st = stmt(reg, S_FIND_CRED)) == NULL)
			return -1;
		bind_text(st, 1, certno, 0);
		rc = find_credential_row(reg, st, NULL, id);
	} else {
		if ((st = stmt(reg, S_LINK_FIND)) == NULL)
			return -1;
		bind_text(st, 1, dossier_id, 0);
		rc = step_row(reg, st, "find credential of dossier");
		if (rc == 1) {
			*id = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
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
	sqlite3_int64 cred;
	int own, rc;

	if (tx_begin(reg, &own) == -1)
		return -1;
	rc = registry_find_dossier_report(reg, dossier_id, out);
	if (rc == 0) {
		if (issued_credential(reg, dossier_id, certno, &cred) == -1 ||
		    new_code(reg, code) == -1 ||
		    insert_report(reg, code, NULL, cred, "online", issued,
		    expires, "valid", NULL, NULL, dossier_id) == -1 ||
		    registry_find_dossier_report(reg, dossier_id, out) != 1)
			rc = -1;
	}
	return tx_end(reg, own, rc < 0 ? -1 : 0);
}

/* registry_issue_paper - the paper report for DOSSIER_ID */
int
registry_issue_paper(struct registry *reg, const char *dossier_id,
    const char *certno, const char *issued, struct reg_report *out)
{
	char code[CODE_LEN + 1], lo[32], hi[32], number[48];
	struct reg_report_row row;
	sqlite3_int64 cred;
	sqlite3_stmt *st;
	long seq = 1;
	int own, rc, year = atoi(issued) % 10000;

	if (tx_begin(reg, &own) == -1)
		return -1;
	rc = registry_find_dossier_report(reg, dossier_id, out);
	if (rc != 0)
		return tx_end(reg, own, rc < 0 ? -1 : 0);
	if (issued_credential(reg, dossier_id, certno, &cred) == -1)
		return tx_end(reg, own, -1);
	rc = find_report_by(reg, S_FIND_PAPER, NULL, cred, &row, NULL);
	if (rc != 0) {
		if (rc == 1) {
			log_warnx("%s: %s: the credential already has paper "
			    "report %s", reg->path, dossier_id,
			    row.report.number);
			reg->status = EX_DATAERR;
		}
		return tx_end(reg, own, -1);
	}
	snprintf(lo, sizeof lo, "P%04d000000", year);
	snprintf(hi, sizeof hi, "P%04d999999", year);
	if ((st = stmt(reg, S_MAX_NUMBER)) == NULL)
		return tx_end(reg, own, -1);
	bind_text(st, 1, lo, 0);
	bind_text(st, 2, hi, 0);
	rc = step_row(reg, st, "paper number");
	if (rc < 0)
		return tx_end(reg, own, -1);
	if (rc == 1) {
		const unsigned char *max = sqlite3_column_text(st, 0);
		if (max != NULL && strlen((const char *)max) == 11)
			seq = atol((const char *)max + 5) + 1;
		sqlite3_reset(st);
	}
	if (seq > 999999) {
		log_warnx("%s: paper report numbers of %d are used up",
		    reg->path, year);
		reg->status = EX_SOFTWARE;
		return tx_end(reg, own, -1);
	}
	snprintf(number, sizeof number, "P%04d%06ld", year, seq);
	if (new_code(reg, code) == -1 ||
	    insert_report(reg, code, number, cred, "paper", issued, NULL,
	    "valid", NULL, NULL, dossier_id) == -1 ||
	    registry_find_dossier_report(reg, dossier_id, out) != 1)
		return tx_end(reg, own, -1);
	return tx_end(reg, own, 0);
}

/* registry_extend - move report CODE's expiry for extension DOSSIER_ID */
int
registry_extend(struct registry *reg, const char *dossier_id,
    const char *code, const char *new_expires)
{
	struct reg_report_row row;
	sqlite3_int64 report_id;
	sqlite3_stmt *st;
	int own, rc;

	if (tx_begin(reg, &own) == -1)
		return -1;
	if ((st = stmt(reg, S_EXT_FIND)) == NULL)
		return tx_end(reg, own, -1);
	bind_text(st, 1, dossier_id, 0);
	rc = step_row(reg, st, "find extension");
	sqlite3_reset(st);
	if (rc != 0)            /* done before (1) or an error (-1) */
		return tx_end(reg, own, rc < 0 ? -1 : 0);
	rc = find_report_by(reg, S_FIND_REPORT, code, 0, &row, &report_id);
	if (rc == 0) {
		log_warnx("%s: %s: no report with that code to extend",
		    reg->path, dossier_id);
		reg->status = EX_DATAERR;
	}
	if (rc != 1)
		return tx_end(reg, own, -1);
	if ((st = stmt(reg, S_EXT_INSERT)) == NULL)
		return tx_end(reg, own, -1);
	bind_text(st, 1, dossier_id, 0);
	sqlite3_bind_int64(st, 2, report_id);
	bind_text(st, 3, row.report.expires, 0);
	bind_text(st, 4, new_expires, 0);
	if (step_done(reg, st, "insert extension") == -1)
		return tx_end(reg, own, -1);
	if ((st = stmt(reg, S_SET_EXPIRES)) == NULL)
		return tx_end(reg, own, -1);
	bind_text(st, 1, new_expires, 0);
	sqlite3_bind_int64(st, 2, report_id);
	return tx_end(reg, own, step_done(reg, st, "extend report"));
}

/* registry_find_extension - the expiries extension DOSSIER_ID moved */
int
registry_find_extension(struct registry *reg, const char *dossier_id,
    char *old_expires, char *new_expires, size_t size)
{
	sqlite3_stmt *st = stmt(reg, S_EXT_GET);
	int rc;

	if (st == NULL)
		return -1;
	bind_text(st, 1, dossier_id, 0);
	rc = step_row(reg, st, "find extension");
	if (rc == 1) {
		col(st, 0, old_expires, size);
		col(st, 1, new_expires, size);
		sqlite3_reset(st);
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
	sqlite3_stmt *st = stmt(reg, S_REVOKE);
	int rc;

	if (st == NULL)
		return -1;
	bind_text(st, 1, code, 0);
	bind_text(st, 2, reason ? reason : "", 1);
	bind_text(st, 3, on, 1);
	if (step_done(reg, st, "revoke") == -1)
		return -1;
	if (sqlite3_changes(reg->db) > 0)
		return 0;
	rc = find_report_by(reg, S_FIND_REPORT, code, 0, NULL, NULL);
	return rc < 0 ? -1 : rc == 1 ? 2 : 1;
}

/* registry_record_decision - a dossier's outcome (kind, outcome, date) */
int
registry_record_decision(struct registry *reg, const char *dossier_id,
    const char *kind, const char *outcome, const char *decided)
{
	sqlite3_stmt *st = stmt(reg, S_DECISION_PUT);

	if (st == NULL)
		return -1;
	bind_text(st, 1, dossier_id, 0);
	bind_text(st, 2, kind, 0);
	bind_text(st, 3, outcome, 0);
	bind_text(st, 4, decided, 0);
	return step_done(reg, st, "record decision");
}

/* registry_find_decision - its outcome into OUTCOME */
int
registry_find_decision(struct registry *reg, const char *dossier_id,
    char *outcome, size_t size)
{
	sqlite3_stmt *st = stmt(reg, S_DECISION_FIND);
	int rc;

	if (st == NULL)
		return -1;
	bind_text(st, 1, dossier_id, 0);
	rc = step_row(reg, st, "find decision");
	if (rc == 1) {
		col(st, 0, outcome, size);
		sqlite3_reset(st);
	}
	return rc;
}

/* registry_link_credential - DOSSIER_ID was checked against C */
int
registry_link_credential(struct registry *reg, const char *dossier_id,
    const struct reg_credential *c)
{
	sqlite3_int64 id;
	sqlite3_stmt *st;
	int rc = credential_id_of(reg, c, &id);

	if (rc != 1)
		return rc;      /* 0: not registered, nothing to link */
	if ((st = stmt(reg, S_LINK_PUT)) == NULL)
		return -1;
	bind_text(st, 1, dossier_id, 0);
	sqlite3_bind_int64(st, 2, id);
	return step_done(reg, st, "link credential");
}

/* registry_assign_waybill - the waybill of DOSSIER_ID for COURIER */
int
registry_assign_waybill(struct registry *reg, const char *dossier_id,
    const char *courier, char *waybill, size_t size)
{
	sqlite3_stmt *st;
	int own, rc;

	if (tx_begin(reg, &own) == -1)
		return -1;
	if ((st = stmt(reg, S_WAYBILL_FIND)) == NULL)
		return tx_end(reg, own, -1);
	bind_text(st, 1, dossier_id, 0);
	rc = step_row(reg, st, "find waybill");
	if (rc != 0) {
		if (rc == 1) {
			col(st, 0, waybill, size);
			sqlite3_reset(st);
		}
		return tx_end(reg, own, rc < 0 ? -1 : 0);
	}
	/*
	 * Walk the courier's ranges in import order; a number some other
	 * (overlapping) range already gave out is skipped, so that every
	 * waybill is used once.
	 */
	for (;;) {
		sqlite3_int64 range, next, last;
		char prefix[8], suffix[8], format[8], number[64];
		int width, taken;

		if ((st = stmt(reg, S_RANGES)) == NULL)
			return tx_end(reg, own, -1);
		bind_text(st, 1, courier, 0);
		rc = step_row(reg, st, "waybill ranges");
		if (rc < 0)
			return tx_end(reg, own, -1);
		if (rc == 0) {
			log_warnx("%s: no %s waybill numbers left: import a "
			    "new range", reg->path, courier);
			reg->status = EX_TEMPFAIL;
			return tx_end(reg, own, -1);
		}
		range = sqlite3_column_int64(st, 0);
		col(st, 1, prefix, sizeof prefix);
		col(st, 2, suffix, sizeof suffix);
		col(st, 3, format, sizeof format);
		width = sqlite3_column_int(st, 4);
		next = sqlite3_column_int64(st, 5);
		last = sqlite3_column_int64(st, 6);
		sqlite3_reset(st);
		(void)last;
		if ((st = stmt(reg, S_RANGE_ADVANCE)) == NULL)
			return tx_end(reg, own, -1);
		sqlite3_bind_int64(st, 1, next + 1);
		sqlite3_bind_int64(st, 2, range);
		if (step_done(reg, st, "advance range") == -1)
			return tx_end(reg, own, -1);
		if (waybill_format(number, sizeof number, format, prefix,
		    (unsigned long)next, width, suffix) == -1)
			continue;       /* cannot be written: skip it */
		if ((st = stmt(reg, S_WAYBILL_EXISTS)) == NULL)
			return tx_end(reg, own, -1);
		bind_text(st, 1, number, 0);
		taken = step_row(reg, st, "waybill lookup");
		sqlite3_reset(st);
		if (taken < 0)
			return tx_end(reg, own, -1);
		if (taken)
			continue;
		if ((st = stmt(reg, S_WAYBILL_INSERT)) == NULL)
			return tx_end(reg, own, -1);
		bind_text(st, 1, number, 0);
		bind_text(st, 2, dossier_id, 0);
		bind_text(st, 3, courier, 0);
		sqlite3_bind_int64(st, 4, range);
		if (step_done(reg, st, "assign waybill") == -1)
			return tx_end(reg, own, -1);
		if ((size_t)snprintf(waybill, size, "%s", number) >= size) {
			reg->status = EX_SOFTWARE;
			return tx_end(reg, own, -1);
		}
		return tx_end(reg, own, 0);
	}
}

/* registry_waybills_left - numbers left in COURIER's ranges (-1 error) */
long
registry_waybills_left(struct registry *reg, const char *courier)
{
	int all = courier == NULL || courier[0] == '\0';
	sqlite3_stmt *st = stmt(reg, all ? S_LEFT_ALL : S_LEFT);
	long left;

	if (st == NULL)
		return -1;
	if (!all)
		bind_text(st, 1, courier, 0);
	if (step_row(reg, st, "waybills left") != 1)
		return -1;
	left = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return left;
}

/* registry_find_shipment - batch id and waybill of a dossier */
int
registry_find_shipment(struct registry *reg, const char *dossier_id,
    char *waybill, size_t wsize, char *batch, size_t bsize)
{
	sqlite3_stmt *st = stmt(reg, S_SHIPMENT_FIND);
	int rc;

	if (st == NULL)
		return -1;
	bind_text(st, 1, dossier_id, 0);
	rc = step_row(reg, st, "find shipment");
	if (rc == 1) {
		col(st, 0, batch, bsize);
		col(st, 1, waybill, wsize);
		sqlite3_reset(st);
	}
	return rc;
}

/* registry_next_batch - the next batch number n of DATE and COURIER */
int
registry_next_batch(struct registry *reg, const char *date,
    const char *courier)
{
	sqlite3_stmt *st = stmt(reg, S_NEXT_BATCH);
	int n;

	if (st == NULL)
		return -1;
	bind_text(st, 1, date, 0);
	bind_text(st, 2, courier, 0);
	if (step_row(reg, st, "next batch") != 1)
		return -1;
	n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

/* registry_record_shipment - DOSSIER_ID went into BATCH ("DATE/COURIER-n") */
int
registry_record_shipment(struct registry *reg, const char *dossier_id,
    const char *batch)
{
	char date[16], courier[16];
	const char *slash = strchr(batch, '/'), *dash;
	sqlite3_stmt *st;
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
	if ((st = stmt(reg, S_SHIPMENT_PUT)) == NULL)
		return -1;
	bind_text(st, 1, dossier_id, 0);
	bind_text(st, 2, batch, 0);
	sqlite3_bind_text(st, 3, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, courier, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, n);
	return step_done(reg, st, "record shipment");
}

/*
 * registry_each_shipment - FN(dossier id, waybill) for every dossier of
 * BATCH ("2026-11-28/EMS-1"), by dossier id: what reprint rebuilds the
 * batch from. Returns FN's non-zero return, 0, or -1.
 */
int
registry_each_shipment(struct registry *reg, const char *batch,
    int (*fn)(void *ctx, const char *dossier_id, const char *waybill),
    void *ctx)
{
	sqlite3_stmt *st;
	int rc = 0, step;

	if (sqlite3_prepare_v2(reg->db, "SELECT s.dossier_id, "
	    "COALESCE(w.waybill, '') FROM shipments s LEFT JOIN waybills w "
	    "ON w.dossier_id = s.dossier_id WHERE s.batch = ?1 "
	    "ORDER BY s.dossier_id", -1, &st, NULL) != SQLITE_OK) {
		fail(reg, sqlite3_errcode(reg->db), "shipments of a batch");
		return -1;
	}
	sqlite3_bind_text(st, 1, batch, -1, SQLITE_STATIC);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	if (rc == 0 && step != SQLITE_DONE) {
		fail(reg, step, "shipments of a batch");
		rc = -1;
	}
	sqlite3_finalize(st);
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
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(reg->db, "SELECT w.dossier_id, "
	    "COALESCE(s.batch, '') FROM waybills w LEFT JOIN shipments s "
	    "ON s.dossier_id = w.dossier_id WHERE w.waybill = ?1", -1, &st,
	    NULL) != SQLITE_OK) {
		fail(reg, sqlite3_errcode(reg->db), "find waybill");
		return -1;
	}
	sqlite3_bind_text(st, 1, waybill, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col(st, 0, dossier_id, size);
		col(st, 1, batch, size);
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		fail(reg, rc, "find waybill");
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
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
	char code[32];
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(reg->db, "SELECT code FROM reports "
	    "WHERE number = ?1", -1, &st, NULL) != SQLITE_OK) {
		fail(reg, sqlite3_errcode(reg->db), "find report number");
		return -1;
	}
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col(st, 0, code, sizeof code);
	else if (rc != SQLITE_DONE)
		fail(reg, rc, "find report number");
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	return registry_find_report(reg, code, out);
}

/* ---- import (records import) ---- */

/* registry_put_institution - import one institution */
int
registry_put_institution(struct registry *reg, const char *code,
    const char *name, char *old_name, size_t size)
{
	sqlite3_stmt *st = stmt(reg, S_INST_FIND);
	int rc;

	if (st == NULL)
		return -1;
	bind_text(st, 1, code, 0);
	rc = step_row(reg, st, "find institution");
	if (rc < 0)
		return -1;
	if (rc == 1) {
		col(st, 0, old_name, size);
		sqlite3_reset(st);
		return strcmp(old_name, name) == 0 ? REG_PUT_SAME :
		    REG_PUT_CONFLICT;
	}
	if ((st = stmt(reg, S_INST_INSERT)) == NULL)
		return -1;
	bind_text(st, 1, code, 0);
	bind_text(st, 2, name, 0);
	return step_done(reg, st, "insert institution") == -1 ? -1 :
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
	sqlite3_stmt *st;
	int rc;

	holder_id_normalise(norm.holder_id);
	if (norm.certificate_number[0] != '\0') {
		rc = registry_find_credential(reg, norm.certificate_number,
		    old);
	} else {
		sqlite3_int64 id;

		if ((st = stmt(reg, S_FIND_CRED_NUMBERLESS)) == NULL)
			return -1;
		bind_text(st, 1, norm.holder_id, 0);
		bind_text(st, 2, norm.institution_code, 0);
		sqlite3_bind_int(st, 3, atoi(norm.graduation_date));
		rc = find_credential_row(reg, st, old, &id);
	}
	if (rc < 0)
		return -1;
	if (rc == 1)
		return credential_same(&norm, old) ? REG_PUT_SAME :
		    REG_PUT_CONFLICT;
	if ((st = stmt(reg, S_CRED_INSERT)) == NULL)
		return -1;
	bind_text(st, 1, norm.certificate_number, 0);
	bind_text(st, 2, norm.status, 0);
	bind_text(st, 3, norm.source, 0);
	bind_text(st, 4, norm.holder_name, 0);
	sqlite3_bind_text(st, 5, norm.holder_id, -1, SQLITE_TRANSIENT);
	bind_text(st, 6, norm.institution_code, 0);
	bind_text(st, 7, norm.level, 0);
	bind_text(st, 8, norm.major, 0);
	bind_text(st, 9, norm.study_form, 0);
	bind_text(st, 10, norm.entry_date, 0);
	bind_text(st, 11, norm.graduation_date, 0);
	sqlite3_bind_int(st, 12, atoi(norm.graduation_date));
	return step_done(reg, st, "insert credential") == -1 ? -1 :
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
	sqlite3_int64 cred;
	sqlite3_stmt *st;
	int rc;

	why[0] = '\0';
	holder_id_normalise(norm.report.holder_id);
	rc = find_report_by(reg, S_FIND_REPORT, norm.report.code, 0, old,
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
	if ((rc = credential_id_of(reg, &key, &cred)) < 0)
		return -1;
	if (rc == 0) {
		snprintf(why, wsize, "its credential is not registered");
		return REG_PUT_CONFLICT;
	}
	if (norm.report.number[0] != '\0') {
		if ((st = stmt(reg, S_REPORT_NUMBER_FIND)) == NULL)
			return -1;
		bind_text(st, 1, norm.report.number, 0);
		rc = step_row(reg, st, "find report number");
		if (rc < 0)
			return -1;
		if (rc == 1) {
			char code[32];
			col(st, 0, code, sizeof code);
			sqlite3_reset(st);
			snprintf(why, wsize, "report number %s is already "
			    "report %s", norm.report.number, code);
			return REG_PUT_CONFLICT;
		}
	}
	if (strcmp(norm.report.kind, "paper") == 0) {
		rc = find_report_by(reg, S_FIND_PAPER, NULL, cred, old, NULL);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			snprintf(why, wsize, "the credential already has "
			    "paper report %s", old->report.code);
			return REG_PUT_CONFLICT;
		}
	}
	if (norm.report.dossier_id[0] != '\0' &&
	    (rc = find_report_by(reg, S_FIND_DOSSIER_REPORT,
	    norm.report.dossier_id, 0, old, NULL)) != 0) {
		if (rc < 0)
			return -1;
		snprintf(why, wsize, "dossier %s already has report %s",
		    norm.report.dossier_id, old->report.code);
		return REG_PUT_CONFLICT;
	}
	if (insert_report(reg, norm.report.code, norm.report.number, cred,
	    norm.report.kind, norm.report.issued, norm.report.expires,
	    norm.report.status, norm.revoked_reason, norm.revoked_on,
	    norm.report.dossier_id) == -1)
		return -1;
	return REG_PUT_NEW;
}

/* read_range - a waybill range row into W */
static void
read_range(sqlite3_stmt *st, struct reg_waybill_range *w)
{
	memset(w, 0, sizeof *w);
	col(st, 0, w->courier, sizeof w->courier);
	col(st, 1, w->prefix, sizeof w->prefix);
	col(st, 2, w->first, sizeof w->first);
	col(st, 3, w->last, sizeof w->last);
	col(st, 4, w->suffix, sizeof w->suffix);
	col(st, 5, w->format, sizeof w->format);
}

/* registry_put_waybill_range - import one waybill range */
int
registry_put_waybill_range(struct registry *reg,
    const struct reg_waybill_range *w, struct reg_waybill_range *old)
{
	const char *format = w->format[0] ? w->format : "s10";
	long long first = atoll(w->first), last = atoll(w->last);
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(reg, S_RANGE_FIND)) == NULL)
		return -1;
	bind_text(st, 1, w->courier, 0);
	bind_text(st, 2, w->prefix, 0);
	bind_text(st, 3, w->suffix, 0);
	sqlite3_bind_int64(st, 4, first);
	rc = step_row(reg, st, "find waybill range");
	if (rc < 0)
		return -1;
	if (rc == 1) {
		read_range(st, old);
		sqlite3_reset(st);
		return strcmp(old->first, w->first) == 0 &&
		    strcmp(old->last, w->last) == 0 &&
		    strcmp(old->format, format) == 0 ? REG_PUT_SAME :
		    REG_PUT_CONFLICT;
	}
	if ((st = stmt(reg, S_RANGE_OVERLAP)) == NULL)
		return -1;
	bind_text(st, 1, w->courier, 0);
	bind_text(st, 2, w->prefix, 0);
	bind_text(st, 3, w->suffix, 0);
	sqlite3_bind_int64(st, 4, first);
	sqlite3_bind_int64(st, 5, last);
	rc = step_row(reg, st, "find overlapping range");
	if (rc < 0)
		return -1;
	if (rc == 1) {
		read_range(st, old);
		sqlite3_reset(st);
		return REG_PUT_CONFLICT;
	}
	if ((st = stmt(reg, S_RANGE_INSERT)) == NULL)
		return -1;
	bind_text(st, 1, w->courier, 0);
	bind_text(st, 2, w->prefix, 0);
	bind_text(st, 3, w->first, 0);
	bind_text(st, 4, w->last, 0);
	bind_text(st, 5, w->suffix, 0);
	bind_text(st, 6, format, 0);
	sqlite3_bind_int64(st, 7, first);
	sqlite3_bind_int64(st, 8, last);
	sqlite3_bind_int(st, 9, (int)strlen(w->last));
	return step_done(reg, st, "insert waybill range") == -1 ? -1 :
	    REG_PUT_NEW;
}

/* ---- export (records export) ---- */

/* each_row - step ST, calling ROW_FN for each row; see registry_each_* */
static int
each_row(struct registry *reg, sqlite3_stmt *st,
    int (*row_fn)(sqlite3_stmt *st, void *fn, void *ctx), void *fn,
    void *ctx)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int stop = row_fn(st, fn, ctx);
		if (stop != 0) {
			sqlite3_reset(st);
			return stop;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(reg, rc, "export");
}

struct fnbox_inst { int (*fn)(void *, const char *, const char *); };
struct fnbox_cred { int (*fn)(void *, const struct reg_credential *); };
struct fnbox_report { int (*fn)(void *, const struct reg_report_row *); };
struct fnbox_range { int (*fn)(void *, const struct reg_waybill_range *); };

/* row_inst - one institution row */
static int
row_inst(sqlite3_stmt *st, void *fn, void *ctx)
{
	return ((struct fnbox_inst *)fn)->fn(ctx,
	    (const char *)sqlite3_column_text(st, 0),
	    (const char *)sqlite3_column_text(st, 1));
}

/* row_cred - one credential row */
static int
row_cred(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct reg_credential c;

	read_credential(st, &c);
	return ((struct fnbox_cred *)fn)->fn(ctx, &c);
}

/* row_report - one report row */
static int
row_report(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct reg_report_row r;

	read_report(st, &r);
	return ((struct fnbox_report *)fn)->fn(ctx, &r);
}

/* row_range - one waybill range row */
static int
row_range(sqlite3_stmt *st, void *fn, void *ctx)
{
	struct reg_waybill_range w;

	read_range(st, &w);
	return ((struct fnbox_range *)fn)->fn(ctx, &w);
}

/* registry_each_institution - every institution, by code */
int
registry_each_institution(struct registry *reg,
    int (*fn)(void *ctx, const char *code, const char *name), void *ctx)
{
	struct fnbox_inst box = { fn };
	sqlite3_stmt *st = stmt(reg, S_EACH_INST);

	return st == NULL ? -1 : each_row(reg, st, row_inst, &box, ctx);
}

/* registry_each_credential - every credential, by certificate number */
int
registry_each_credential(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_credential *c), void *ctx)
{
	struct fnbox_cred box = { fn };
	sqlite3_stmt *st = stmt(reg, S_EACH_CRED);

	return st == NULL ? -1 : each_row(reg, st, row_cred, &box, ctx);
}

/* registry_each_report - every report, by code */
int
registry_each_report(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_report_row *r), void *ctx)
{
	struct fnbox_report box = { fn };
	sqlite3_stmt *st = stmt(reg, S_EACH_REPORT);

	return st == NULL ? -1 : each_row(reg, st, row_report, &box, ctx);
}

/* registry_each_revoked - every revoked report, by code */
int
registry_each_revoked(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_report_row *r), void *ctx)
{
	struct fnbox_report box = { fn };
	sqlite3_stmt *st = stmt(reg, S_EACH_REVOKED);

	return st == NULL ? -1 : each_row(reg, st, row_report, &box, ctx);
}

/* registry_each_extended - every valid report an extension moved, by code */
int
registry_each_extended(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_report_row *r), void *ctx)
{
	struct fnbox_report box = { fn };
	sqlite3_stmt *st = stmt(reg, S_EACH_EXTENDED);

	return st == NULL ? -1 : each_row(reg, st, row_report, &box, ctx);
}

/* registry_each_waybill_range - every waybill range */
int
registry_each_waybill_range(struct registry *reg,
    int (*fn)(void *ctx, const struct reg_waybill_range *w), void *ctx)
{
	struct fnbox_range box = { fn };
	sqlite3_stmt *st = stmt(reg, S_EACH_RANGE);

	return st == NULL ? -1 : each_row(reg, st, row_range, &box, ctx);
}

/* registry_count_ranges - how many waybill ranges COURIER has (-1 error) */
long
registry_count_ranges(struct registry *reg, const char *courier)
{
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_prepare_v2(reg->db, "SELECT count(*) FROM waybill_ranges "
	    "WHERE courier = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, courier, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* registry_each_range_left - every waybill range, with the numbers left */
int
registry_each_range_left(struct registry *reg,
    int (*fn)(void *ctx, const char *courier, const char *first,
    const char *last, long left), void *ctx)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(reg->db, "SELECT courier, "
	    "prefix || first || suffix, prefix || last || suffix, "
	    "max(last_n - next + 1, 0) FROM waybill_ranges "
	    "ORDER BY courier, first_n", -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (;;) {
		int step = sqlite3_step(st);

		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			rc = -1;
			break;
		}
		rc = fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (long)sqlite3_column_int64(st, 3));
		if (rc != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * registry_record_repair - an operator's repair (requeue, release) of
 * DOSSIER_ID at AT, kept beside the decisions. The table is made on first
 * use, so that registries made before it need no migration.
 */
int
registry_record_repair(struct registry *reg, const char *dossier_id,
    const char *verb, const char *at)
{
	sqlite3_stmt *st;
	int rc;

	if (exec(reg, "CREATE TABLE IF NOT EXISTS repairs ("
	    "  id INTEGER PRIMARY KEY,"
	    "  dossier_id TEXT NOT NULL,"
	    "  verb TEXT NOT NULL,"
	    "  at TEXT NOT NULL)") == -1)
		return -1;
	if (sqlite3_prepare_v2(reg->db, "INSERT INTO repairs (dossier_id, "
	    "verb, at) VALUES (?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK) {
		fail(reg, sqlite3_errcode(reg->db), "record repair");
		return -1;
	}
	sqlite3_bind_text(st, 1, dossier_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, verb, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(reg, rc, "record repair");
		return -1;
	}
	return 0;
}

/* registry_each_repair - FN(verb, at) for every repair of DOSSIER_ID */
int
registry_each_repair(struct registry *reg, const char *dossier_id,
    int (*fn)(void *ctx, const char *verb, const char *at), void *ctx)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(reg->db, "SELECT verb, at FROM repairs "
	    "WHERE dossier_id = ?1 ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return 0;       /* no repair was ever recorded */
	sqlite3_bind_text(st, 1, dossier_id, -1, SQLITE_STATIC);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return rc;
}

/* registry_dossier_of_report - the dossier a report CODE or NUMBER was
 * issued for into ID: 1 found, 0 not (or imported), -1 error */
int
registry_dossier_of_report(struct registry *reg, const char *key, char *id,
    size_t size)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(reg->db, "SELECT dossier_id FROM reports "
	    "WHERE (code = ?1 OR number = ?1) AND dossier_id IS NOT NULL",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(id, size, "%s", (const char *)sqlite3_column_text(st, 0));
		rc = 1;
	}
	sqlite3_finalize(st);
	return rc;
}
