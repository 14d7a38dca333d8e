/*
 * registry_backend.h - what the registry's modules share inside the
 * library (never included by a stage): the connection, the statements
 * every backend prepares, and the backend interface.
 *
 * The registry is split along its seams: registry.c (connection,
 * transactions, the statements' SQL), registry_lookup.c (what check and
 * typeset look up), registry_issue.c (what the pipeline issues: codes,
 * paper numbers, extensions, decisions, waybills, shipments),
 * registry_io.c (records import and export, repairs), and one file per
 * database: registry_sqlite.c and registry_pg.c.
 *
 * The modules above the backends speak one small statement interface
 * modelled on SQLite's (prepare, bind, step, column) and one SQL dialect:
 * the common subset of SQLite and PostgreSQL, with ?N parameters, which
 * the PostgreSQL backend rewrites to $N. What the two databases do
 * differently - schema and migrations, how a writer excludes others, how
 * an error maps to an exit status - lives in the backend.
 */
#ifndef CREDPIPE_REGISTRY_BACKEND_H
#define CREDPIPE_REGISTRY_BACKEND_H

#include <stddef.h>

#include "registry.h"

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
	S_COUNT_RANGES,
	S_EACH_RANGE_LEFT,
	S_DOSSIER_OF_REPORT,
	S_EACH_SHIPMENT,
	S_SHIPMENT_OF_WAYBILL,
	S_COUNT
};

/* kept for the connection's life (else run once and finalized) */
#define REG_PREPARE_PERSISTENT 1
/* a walk over many rows, read one at a time (the export walks) */
#define REG_PREPARE_STREAM 2

/* one prepared statement of a backend (sqlite3_stmt, or libpq's) */
struct reg_stmt;

/*
 * A backend. Every function that can fail returns -1 (or NULL) with
 * reg->status set and, unless said otherwise, the failure logged.
 */
struct reg_backend {
	const char *name;               /* "sqlite" | "postgresql" */
	/* open - connect to TARGET and bring the schema up to date */
	int (*open)(struct registry *reg, const char *target);
	/* close - finalize what open made (REG->conn may be NULL) */
	void (*close)(struct registry *reg);
	/* exec - run SQL, no results wanted */
	int (*exec)(struct registry *reg, const char *sql);
	/* begin - a write transaction that excludes every other writer */
	int (*begin)(struct registry *reg);
	/* in_transaction - 1 inside a transaction (failed ones too) */
	int (*in_transaction)(struct registry *reg);
	/* schema_version - the version the schema is at; -1 */
	int (*schema_version)(struct registry *reg);
	/* prepare - SQL (common dialect) with REG_PREPARE_* FLAGS; NULL on
	 * failure, NOT logged */
	struct reg_stmt *(*prepare)(struct registry *reg, const char *sql,
	    int flags);
	/* fail - log and remember the last failure of the connection */
	int (*fail)(struct registry *reg, const char *what);
	void (*finalize)(struct reg_stmt *st);
	/* reset - forget the last run's rows and the bindings */
	void (*reset)(struct reg_stmt *st);
	/* bind_text - parameter I (from 1) is S, copied; NULL: SQL NULL */
	void (*bind_text)(struct reg_stmt *st, int i, const char *s);
	void (*bind_int64)(struct reg_stmt *st, int i, long long v);
	/* step - run (first call) or advance: 1 row, 0 no more, -1 error
	 * (logged with WHAT) */
	int (*step)(struct registry *reg, struct reg_stmt *st,
	    const char *what);
	/* column_text - column I of the current row; NULL for SQL NULL */
	const char *(*column_text)(struct reg_stmt *st, int i);
	long long (*column_int64)(struct reg_stmt *st, int i);
	/* changes - rows the last INSERT/UPDATE/DELETE changed */
	long (*changes)(struct registry *reg, struct reg_stmt *st);
	/*
	 * repairs_ddl - SQL that makes the repairs table on first use, or
	 * NULL when the schema has it (SQLite registries made before the
	 * table must work unmigrated; PostgreSQL's schema is newer)
	 */
	const char *repairs_ddl;
};

extern const struct reg_backend registry_sqlite_backend;
extern const struct reg_backend registry_pg_backend;

struct registry {
	const struct reg_backend *be;
	void *conn;                     /* sqlite3 *, or struct pg_conn */
	struct reg_stmt *stmts[S_COUNT];
	int status;
	char path[4096];                /* for messages: never a password */
};

/* the SQL of each statement, in the common dialect */
extern const char *const registry_stmt_sql[S_COUNT];

#define CODE_ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#define CODE_LEN 16

/* reg_stmt_get - statement ID, prepared on first use, reset otherwise */
struct reg_stmt *reg_stmt_get(struct registry *reg, enum stmt id);
/* reg_bind_text - bind S to parameter I; NULL when NULL_IF_EMPTY and "" */
void reg_bind_text(struct registry *reg, struct reg_stmt *st, int i,
    const char *s, int null_if_empty);
void reg_bind_int64(struct registry *reg, struct reg_stmt *st, int i,
    long long v);
/* reg_col - copy text column I into BUF ("" for NULL) */
void reg_col(struct registry *reg, struct reg_stmt *st, int i, char *buf,
    size_t size);
long long reg_col_int64(struct registry *reg, struct reg_stmt *st, int i);
/* reg_step_done - run a statement that returns no row; 0 or -1 */
int reg_step_done(struct registry *reg, struct reg_stmt *st,
    const char *what);
/* reg_step_row - 1 row (left for reading), 0 none, -1 error */
int reg_step_row(struct registry *reg, struct reg_stmt *st,
    const char *what);
/* reg_reset - done with a statement's rows */
void reg_reset(struct registry *reg, struct reg_stmt *st);
/* reg_exec - run SQL without results */
int reg_exec(struct registry *reg, const char *sql);
/* reg_tx_begin / reg_tx_end - our own transaction unless the caller's */
int reg_tx_begin(struct registry *reg, int *own);
int reg_tx_end(struct registry *reg, int own, int rc);

/* shared row readers (registry_lookup.c) */
long long reg_read_credential(struct registry *reg, struct reg_stmt *st,
    struct reg_credential *out);
long long reg_read_report(struct registry *reg, struct reg_stmt *st,
    struct reg_report_row *out);
int reg_find_credential_row(struct registry *reg, struct reg_stmt *st,
    struct reg_credential *out, long long *id);
int reg_credential_id_of(struct registry *reg,
    const struct reg_credential *c, long long *id);
int reg_find_report_by(struct registry *reg, enum stmt id, const char *text,
    long long num, struct reg_report_row *out, long long *rowid);
/* reg_insert_report - one report row (registry_issue.c) */
int reg_insert_report(struct registry *reg, const char *code,
    const char *number, long long credential_id, const char *kind,
    const char *issued, const char *expires, const char *status,
    const char *reason, const char *revoked_on, const char *dossier_id);

#endif
