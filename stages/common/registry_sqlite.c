/*
 * registry_sqlite.c - the SQLite backend of the registry: the embedded
 * default, one database file (HOME/records.db).
 *
 * WAL mode, so that the check stage reads while typeset and manifest
 * write; a busy timeout instead of failing at the first lock; BEGIN
 * IMMEDIATE, so that one writer at a time holds the database; the schema
 * versioned with PRAGMA user_version and migrated forward at open, in one
 * transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fsutil.h"
#include "log.h"
#include "registry.h"
#include "registry_backend.h"

#define BUSY_TIMEOUT_MS 10000

/* the connection: the database and the result of its last call */
struct sq_conn {
	sqlite3 *db;
	int last_rc;
};

/* db - the sqlite3 handle of REG (NULL before it is opened) */
static sqlite3 *
db(const struct registry *reg)
{
	const struct sq_conn *c = reg->conn;

	return c ? c->db : NULL;
}

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
 * fail_rc - log the database error of WHAT, remember its status; -1. A
 * "try again later" failure says so in a sentence naming the database,
 * so that the operator reading the log knows what to free or fix.
 */
static int
fail_rc(struct registry *reg, int rc, const char *what)
{
	sqlite3 *d = db(reg);
	int system_errno = d ? sqlite3_system_errno(d) : 0;

	reg->status = registry_exit_for(rc, system_errno);
	if (reg->status == EX_TEMPFAIL)
		log_warnx("%s: %s: %s%s%s: the registry cannot be used now "
		    "(disk full or read-only, or busy); nothing was lost, "
		    "the next run retries", reg->path, what,
		    d ? sqlite3_errmsg(d) : "cannot open",
		    system_errno ? ": " : "",
		    system_errno ? strerror(system_errno) : "");
	else
		log_warnx("%s: %s: %s", reg->path, what,
		    d ? sqlite3_errmsg(d) : "cannot open");
	return -1;
}

/* sq_fail - fail_rc with the connection's last result */
static int
sq_fail(struct registry *reg, const char *what)
{
	struct sq_conn *c = reg->conn;
	sqlite3 *d = db(reg);
	int rc = c && c->last_rc != SQLITE_OK ? c->last_rc :
	    d ? sqlite3_extended_errcode(d) : SQLITE_CANTOPEN;

	return fail_rc(reg, rc, what);
}

/* sq_exec - run SQL without results */
static int
sq_exec(struct registry *reg, const char *sql)
{
	struct sq_conn *c = reg->conn;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return fail_rc(reg, rc, sql);
	return 0;
}

/* sq_in_transaction - 1 inside a transaction */
static int
sq_in_transaction(struct registry *reg)
{
	return !sqlite3_get_autocommit(db(reg));
}

/* rollback_quietly - end a failed transaction; keep the failure's status */
static void
rollback_quietly(struct registry *reg)
{
	if (sq_in_transaction(reg))
		sqlite3_exec(db(reg), "ROLLBACK", NULL, NULL, NULL);
}

/* sq_begin - BEGIN IMMEDIATE: the write lock now, not at the first write */
static int
sq_begin(struct registry *reg)
{
	return sq_exec(reg, "BEGIN IMMEDIATE");
}

/* schema_version - PRAGMA user_version into *VERSION; 0 or -1 */
static int
schema_version(struct registry *reg, int *version)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db(reg), "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	return fail_rc(reg, rc, "user_version");
}

/* sq_schema_version - PRAGMA user_version (-1 error) */
static int
sq_schema_version(struct registry *reg)
{
	int version;

	return schema_version(reg, &version) == -1 ? -1 : version;
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
	if (sq_exec(reg, "BEGIN IMMEDIATE") == -1)
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
		if (sq_exec(reg, migrations[version]) == -1) {
			rollback_quietly(reg);
			return -1;
		}
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
	if (sq_exec(reg, sql) == -1 || sq_exec(reg, "COMMIT") == -1) {
		rollback_quietly(reg);
		return -1;
	}
	return 0;
}


/* sq_open - open (creating and migrating) the database file PATH */
static int
sq_open(struct registry *reg, const char *path)
{
	struct sq_conn *c;
	char dir[4096], *slash;
	int rc;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		reg->status = EX_TEMPFAIL;
		return -1;
	}
	reg->conn = c;
	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (fs_mkdirs(dir, 0700) == -1) {
			log_warn("%s", dir);
			reg->status = exit_for_errno(errno);
			return -1;
		}
	}
	rc = sqlite3_open_v2(path, &c->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK)
		return fail_rc(reg, rc, "open");
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(c->db, 1);
	/*
	 * WAL: readers never block the writer. synchronous FULL: a
	 * committed issue survives power loss, so that the report PDF made
	 * after it never names a code the registry forgot.
	 */
	if (sq_exec(reg, "PRAGMA journal_mode = WAL") == -1 ||
	    sq_exec(reg, "PRAGMA synchronous = FULL") == -1 ||
	    sq_exec(reg, "PRAGMA foreign_keys = ON") == -1 ||
	    migrate(reg) == -1)
		return -1;
	return 0;
}

/* sq_close - close the database */
static void
sq_close(struct registry *reg)
{
	struct sq_conn *c = reg->conn;

	if (c == NULL)
		return;
	sqlite3_close(c->db);
	free(c);
	reg->conn = NULL;
}

/* sq_prepare - a statement of SQL; NULL (not logged) */
static struct reg_stmt *
sq_prepare(struct registry *reg, const char *sql, int flags)
{
	struct sq_conn *c = reg->conn;
	sqlite3_stmt *st = NULL;

	c->last_rc = sqlite3_prepare_v3(c->db, sql, -1,
	    flags & REG_PREPARE_PERSISTENT ? SQLITE_PREPARE_PERSISTENT : 0,
	    &st, NULL);
	if (c->last_rc != SQLITE_OK)
		return NULL;
	return (struct reg_stmt *)st;
}

/* sq_finalize - free a statement */
static void
sq_finalize(struct reg_stmt *st)
{
	sqlite3_finalize((sqlite3_stmt *)st);
}

/* sq_reset - reset and clear the bindings */
static void
sq_reset(struct reg_stmt *st)
{
	sqlite3_reset((sqlite3_stmt *)st);
	sqlite3_clear_bindings((sqlite3_stmt *)st);
}

/* sq_bind_text - parameter I is S (copied), or NULL */
static void
sq_bind_text(struct reg_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null((sqlite3_stmt *)st, i);
	else
		sqlite3_bind_text((sqlite3_stmt *)st, i, s, -1,
		    SQLITE_TRANSIENT);
}

/* sq_bind_int64 - parameter I is V */
static void
sq_bind_int64(struct reg_stmt *st, int i, long long v)
{
	sqlite3_bind_int64((sqlite3_stmt *)st, i, v);
}

/* sq_step - 1 row, 0 done, -1 error (logged) */
static int
sq_step(struct registry *reg, struct reg_stmt *st, const char *what)
{
	struct sq_conn *c = reg->conn;
	int rc = sqlite3_step((sqlite3_stmt *)st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	c->last_rc = rc;
	sqlite3_reset((sqlite3_stmt *)st);
	return fail_rc(reg, rc, what);
}

/* sq_column_text - column I, NULL for NULL */
static const char *
sq_column_text(struct reg_stmt *st, int i)
{
	return (const char *)sqlite3_column_text((sqlite3_stmt *)st, i);
}

/* sq_column_int64 - integer column I */
static long long
sq_column_int64(struct reg_stmt *st, int i)
{
	return sqlite3_column_int64((sqlite3_stmt *)st, i);
}

/* sq_changes - rows the last statement changed */
static long
sq_changes(struct registry *reg, struct reg_stmt *st)
{
	return (long)sqlite3_changes(db(reg));
}

const struct reg_backend registry_sqlite_backend = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.begin = sq_begin,
	.in_transaction = sq_in_transaction,
	.schema_version = sq_schema_version,
	.prepare = sq_prepare,
	.fail = sq_fail,
	.finalize = sq_finalize,
	.reset = sq_reset,
	.bind_text = sq_bind_text,
	.bind_int64 = sq_bind_int64,
	.step = sq_step,
	.column_text = sq_column_text,
	.column_int64 = sq_column_int64,
	.changes = sq_changes,
	.repairs_ddl = "CREATE TABLE IF NOT EXISTS repairs ("
	    "  id INTEGER PRIMARY KEY,"
	    "  dossier_id TEXT NOT NULL,"
	    "  verb TEXT NOT NULL,"
	    "  at TEXT NOT NULL)",
};
