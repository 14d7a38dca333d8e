/*
 * test_registry.c - the registry: lookups, issuing exactly once, import
 * conflicts, waybills and batches (SPEC §5, §6, §7), on SQLite and, when
 * CREDPIPE_TEST_PG_URI names a PostgreSQL server (tests/run.sh with
 * CREDPIPE_TEST_RECORDS=pg), the same checks on PostgreSQL, plus what
 * only a shared server can show: two processes issuing paper reports at
 * once get gapless, distinct numbers, and processes opening a new
 * registry at once all migrate it without a failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <sysexits.h>

#include "fsutil.h"
#include "registry.h"
#include "waybill.h"
#include "unit.h"

static char dir[] = "/tmp/credpipe-registry.XXXXXX";

/* credential - a registered credential for the tests */
static struct reg_credential
credential(const char *certno, const char *holder_id, const char *grad)
{
	struct reg_credential c;

	memset(&c, 0, sizeof c);
	snprintf(c.certificate_number, sizeof c.certificate_number, "%s",
	    certno);
	snprintf(c.status, sizeof c.status, "valid");
	snprintf(c.source, sizeof c.source, "%s",
	    strcmp(grad, "2002") < 0 ? "archive" : "registry");
	snprintf(c.holder_name, sizeof c.holder_name, "张伟");
	snprintf(c.holder_id, sizeof c.holder_id, "%s", holder_id);
	snprintf(c.institution_code, sizeof c.institution_code, "10001");
	snprintf(c.level, sizeof c.level, "undergraduate");
	snprintf(c.major, sizeof c.major, "计算机科学与技术");
	snprintf(c.entry_date, sizeof c.entry_date, "2015-09-01");
	snprintf(c.graduation_date, sizeof c.graduation_date, "%s", grad);
	return c;
}

/* test_import - institutions and credentials, same and conflicting */
static void
test_import(struct registry *reg)
{
	struct reg_credential c, old, found;
	char name[256];

	CHECK(registry_put_institution(reg, "10001", "北京大学", name,
	    sizeof name) == REG_PUT_NEW, "new institution");
	CHECK(registry_put_institution(reg, "10001", "北京大学", name,
	    sizeof name) == REG_PUT_SAME, "same institution again");
	CHECK(registry_put_institution(reg, "10001", "清华大学", name,
	    sizeof name) == REG_PUT_CONFLICT && strcmp(name, "北京大学") == 0,
	    "conflicting institution reports the stored name");

	c = credential("100011201905000123", "11010819970315031x",
	    "2019-07-01");
	CHECK(registry_put_credential(reg, &c, &old) == REG_PUT_NEW,
	    "new credential");
	CHECK(registry_put_credential(reg, &c, &old) == REG_PUT_SAME,
	    "same credential again (x and X are the same)");
	snprintf(c.major, sizeof c.major, "数学");
	CHECK(registry_put_credential(reg, &c, &old) == REG_PUT_CONFLICT &&
	    strcmp(old.major, "计算机科学与技术") == 0,
	    "conflicting credential reports the stored version");
	CHECK(registry_find_credential(reg, "100011201905000123", &found) == 1
	    && strcmp(found.holder_id, "11010819970315031X") == 0 &&
	    strcmp(found.institution_name, "北京大学") == 0,
	    "find by certificate number (id-number stored with X)");
	CHECK(registry_find_credential(reg, "100011201905000124", &found) == 0,
	    "unknown certificate number");

	c = credential("", "110108197003150318", "1995-07-01");
	CHECK(registry_put_credential(reg, &c, &old) == REG_PUT_NEW,
	    "numberless pre-2002 credential");
	CHECK(registry_put_credential(reg, &c, &old) == REG_PUT_SAME,
	    "numberless credential again");
	CHECK(registry_find_credential_by_holder(reg, "110108197003150318",
	    "10001", 1995, &found) == 1 && found.certificate_number[0] == '\0',
	    "find by holder + institution + year");
	CHECK(registry_find_credential_by_holder(reg, "110108197003150318",
	    "10001", 1996, &found) == 0, "another year is not found");
}

/* test_issue - codes and numbers, each issued once per dossier */
static void
test_issue(struct registry *reg)
{
	struct reg_report a, b, p1, p2, found;
	struct reg_report_row row;
	struct reg_credential c;

	CHECK(registry_issue_online(reg, "A20261127000001",
	    "100011201905000123", "2026-11-28", "2027-02-26", &a) == 0,
	    "issue an online report");
	CHECK(strlen(a.code) == 16 && strspn(a.code,
	    "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == 16,
	    "code: 16 Crockford base32 characters");
	CHECK(registry_issue_online(reg, "A20261127000001",
	    "100011201905000123", "2026-11-28", "2027-02-26", &b) == 0 &&
	    strcmp(a.code, b.code) == 0, "a rerun finds the same report");
	CHECK(registry_find_report(reg, a.code, &found) == 1 &&
	    strcmp(found.expires, "2027-02-26") == 0 &&
	    strcmp(found.holder_id, "11010819970315031X") == 0,
	    "find the report by code, with its holder");
	CHECK(registry_issue_online(reg, "A20261127000002",
	    "100011201905000123", "2026-11-28", "2027-02-26", &b) == 0 &&
	    strcmp(a.code, b.code) != 0, "another dossier gets another code");

	/* the numberless credential gets a paper report through the link */
	c = credential("", "110108197003150318", "1995-07-01");
	CHECK(registry_link_credential(reg, "A20261127000003", &c) == 0,
	    "link the dossier to its credential");
	CHECK(registry_issue_paper(reg, "A20261127000003", "", "2026-11-28",
	    &p1) == 0 && strcmp(p1.number, "P2026000001") == 0,
	    "first paper report number of 2026 is P2026000001");
	CHECK(registry_issue_paper(reg, "A20261127000003", "", "2026-11-28",
	    &p2) == 0 && strcmp(p1.code, p2.code) == 0 &&
	    strcmp(p2.number, "P2026000001") == 0, "a rerun finds it");
	CHECK(registry_link_credential(reg, "A20261127000004", &c) == 0 &&
	    registry_issue_paper(reg, "A20261127000004", "", "2026-11-28",
	    &p2) == -1 && registry_status(reg) == EX_DATAERR,
	    "a second paper report for the credential is refused");
	CHECK(registry_find_paper_report_of(reg, &c, &found) == 1 &&
	    strcmp(found.number, "P2026000001") == 0,
	    "the credential's paper report is found");
	CHECK(registry_find_dossier_report(reg, "A20261127000003", &found) == 1,
	    "find by dossier");

	CHECK(registry_extend(reg, "E1", a.code, "2027-05-27") == 0 &&
	    registry_find_report(reg, a.code, &found) == 1 &&
	    strcmp(found.expires, "2027-05-27") == 0, "extension moves expiry");
	CHECK(registry_extend(reg, "E1", a.code, "2099-01-01") == 0 &&
	    registry_find_report(reg, a.code, &found) == 1 &&
	    strcmp(found.expires, "2027-05-27") == 0,
	    "a rerun of the same extension changes nothing");
	CHECK(registry_revoke(reg, a.code, "test", "2026-11-28") == 0 &&
	    registry_find_report(reg, a.code, &found) == 1 &&
	    strcmp(found.status, "revoked") == 0, "revoke");
	CHECK(registry_revoke(reg, "0000000000000000", NULL,
	    "2026-11-28") == 1, "revoking an unknown code says so");
	CHECK(registry_revoke(reg, a.code, "", "2026-12-01") == 2 &&
	    registry_find_report_row(reg, a.code, &row) == 1 &&
	    strcmp(row.revoked_reason, "test") == 0 &&
	    strcmp(row.revoked_on, "2026-11-28") == 0,
	    "a second revoke says so and keeps the first reason and date");
}

/* count_repair - FN for registry_each_repair: count them in CTX */
static int
count_repair(void *ctx, const char *verb, const char *at)
{
	(void)verb;
	(void)at;
	(*(int *)ctx)++;
	return 0;
}

/* test_decisions - recorded outcomes, and repairs */
static void
test_decisions(struct registry *reg)
{
	char outcome[32];
	int repairs = 0;

	CHECK(registry_record_decision(reg, "A1", "online-report", "rejected",
	    "2026-11-28T10:00:00+08:00") == 0, "record a decision");
	CHECK(registry_record_decision(reg, "A1", "online-report", "rejected",
	    "2026-11-29T10:00:00+08:00") == 0, "record it again");
	CHECK(registry_find_decision(reg, "A1", outcome, sizeof outcome) == 1 &&
	    strcmp(outcome, "rejected") == 0, "find the decision");
	CHECK(registry_find_decision(reg, "A2", outcome, sizeof outcome) == 0,
	    "no decision for an unknown dossier");
	CHECK(registry_each_repair(reg, "A1", count_repair, &repairs) == 0 &&
	    repairs == 0, "no repair before one is recorded");
	CHECK(registry_record_repair(reg, "A1", "requeue",
	    "2026-11-29T09:00:00+08:00") == 0 &&
	    registry_record_repair(reg, "A1", "release",
	    "2026-11-29T10:00:00+08:00") == 0 &&
	    registry_each_repair(reg, "A1", count_repair, &repairs) == 0 &&
	    repairs == 2, "two repairs recorded and read back");
}

/* test_waybills - ranges, S10 and digits, each number once */
static void
test_waybills(struct registry *reg)
{
	struct reg_waybill_range w = { "EMS", "EA", "10000000", "10000001",
	    "CN", "s10" }, d = { "SF", "", "1", "000000000003", "", "digits" },
	    old;
	char wb[32], wb2[32], batch[40];

	CHECK(registry_put_waybill_range(reg, &w, &old) == REG_PUT_NEW,
	    "import an EMS range");
	CHECK(registry_put_waybill_range(reg, &w, &old) == REG_PUT_SAME,
	    "the same range again");
	CHECK(registry_put_waybill_range(reg, &d, &old) == REG_PUT_NEW,
	    "import an SF digits range");
	CHECK(registry_waybills_left(reg, "EMS") == 2, "2 EMS numbers left");
	CHECK(registry_assign_waybill(reg, "D1", "EMS", wb, sizeof wb) == 0 &&
	    strcmp(wb, "EA100000003CN") == 0 && s10_valid(wb),
	    "first EMS waybill");
	CHECK(registry_assign_waybill(reg, "D1", "EMS", wb2, sizeof wb2) == 0
	    && strcmp(wb, wb2) == 0, "a rerun finds the same waybill");
	CHECK(registry_assign_waybill(reg, "D2", "EMS", wb, sizeof wb) == 0 &&
	    strcmp(wb, "EA100000017CN") == 0, "second EMS waybill");
	CHECK(registry_assign_waybill(reg, "D3", "EMS", wb, sizeof wb) == -1 &&
	    registry_status(reg) == EX_TEMPFAIL, "range used up: EX_TEMPFAIL");
	CHECK(registry_waybills_left(reg, "EMS") == 0, "0 EMS numbers left");
	CHECK(registry_assign_waybill(reg, "D4", "SF", wb, sizeof wb) == 0 &&
	    strcmp(wb, "000000000001") == 0, "SF digits waybill");
	CHECK(registry_next_batch(reg, "2026-11-28", "EMS") == 1,
	    "first batch of the day is 1");
	CHECK(registry_record_shipment(reg, "D1", "2026-11-28/EMS-1") == 0 &&
	    registry_next_batch(reg, "2026-11-28", "EMS") == 2,
	    "after EMS-1 comes EMS-2");
	CHECK(registry_find_shipment(reg, "D1", wb, sizeof wb, batch,
	    sizeof batch) == 1 && strcmp(batch, "2026-11-28/EMS-1") == 0 &&
	    strcmp(wb, "EA100000003CN") == 0, "find the shipment");
}

/* test_schema - WAL, version, and reopening */
static void
test_schema(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int version = -1;
	char mode[16] = "";

	CHECK(sqlite3_open(path, &db) == SQLITE_OK, "open with sqlite3");
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		snprintf(mode, sizeof mode, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	CHECK(version == 2, "schema version 2 (revocation dates)");
	CHECK_STR(mode, "wal", "WAL mode");
}

/* test_exit_for - the registry's "retry or reject" table */
static void
test_exit_for(void)
{
	static const struct { int rc, sys; int want; const char *name; } t[] = {
		{ SQLITE_BUSY, 0, EX_TEMPFAIL, "busy" },
		{ SQLITE_LOCKED, 0, EX_TEMPFAIL, "locked" },
		{ SQLITE_FULL, ENOSPC, EX_TEMPFAIL, "full" },
		{ SQLITE_IOERR_WRITE, ENOSPC, EX_TEMPFAIL, "I/O error" },
		{ SQLITE_READONLY, 0, EX_TEMPFAIL, "read-only" },
		{ SQLITE_READONLY_DBMOVED, 0, EX_TEMPFAIL, "read-only (extended)" },
		{ SQLITE_CANTOPEN, EROFS, EX_TEMPFAIL, "cannot open: EROFS" },
		{ SQLITE_CANTOPEN, ENOSPC, EX_TEMPFAIL, "cannot open: ENOSPC" },
		{ SQLITE_CANTOPEN, EDQUOT, EX_TEMPFAIL, "cannot open: EDQUOT" },
		{ SQLITE_CANTOPEN, EACCES, EX_TEMPFAIL, "cannot open: EACCES" },
		{ SQLITE_CANTOPEN, EISDIR, EX_CONFIG, "cannot open: a directory" },
		{ SQLITE_CANTOPEN, ENOTDIR, EX_CONFIG, "cannot open: ENOTDIR" },
		{ SQLITE_CONSTRAINT_UNIQUE, 0, EX_DATAERR, "constraint" },
		{ SQLITE_CORRUPT, 0, EX_DATAERR, "corrupt" },
		{ SQLITE_ERROR, 0, EX_SOFTWARE, "SQL error: a bug" },
		{ SQLITE_MISUSE, 0, EX_SOFTWARE, "misuse: a bug" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		CHECK(registry_exit_for(t[i].rc, t[i].sys) == t[i].want,
		    "registry_exit_for: %s -> %d", t[i].name, t[i].want);
}

/* test_pg_exit_for - PostgreSQL's SQLSTATEs to "retry or reject" */
static void
test_pg_exit_for(void)
{
	static const struct { const char *state, *msg; int want;
	    const char *name; } t[] = {
		{ NULL, "connection to server at \"127.0.0.1\", port 1 failed: "
		    "Connection refused", EX_TEMPFAIL, "connection refused" },
		{ NULL, "FATAL:  sorry, too many clients already", EX_TEMPFAIL,
		    "too many connections" },
		{ NULL, "FATAL:  password authentication failed for user \"x\"",
		    EX_CONFIG, "wrong password" },
		{ NULL, "FATAL:  database \"nope\" does not exist", EX_CONFIG,
		    "no such database" },
		{ "53300", "too many clients", EX_TEMPFAIL, "53300" },
		{ "40001", "could not serialize access", EX_TEMPFAIL,
		    "serialization failure" },
		{ "40P01", "deadlock detected", EX_TEMPFAIL, "deadlock" },
		{ "55P03", "lock timeout", EX_TEMPFAIL, "lock not available" },
		{ "25P02", "current transaction is aborted", EX_TEMPFAIL,
		    "a statement after another's failure" },
		{ "57P01", "terminating connection", EX_TEMPFAIL, "shutdown" },
		{ "08006", "connection failure", EX_TEMPFAIL, "connection lost" },
		{ "53100", "disk full", EX_TEMPFAIL, "disk full" },
		{ "28P01", "password authentication failed", EX_CONFIG, "28P01" },
		{ "3D000", "database does not exist", EX_CONFIG, "3D000" },
		{ "23505", "duplicate key", EX_DATAERR, "unique violation" },
		{ "42601", "syntax error", EX_SOFTWARE, "syntax error: a bug" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		CHECK(registry_pg_exit_for(t[i].state, t[i].msg) == t[i].want,
		    "registry_pg_exit_for: %s -> %d", t[i].name, t[i].want);
	CHECK(registry_target_is_postgresql("postgresql://db.example/x") &&
	    registry_target_is_postgresql("host=db dbname=credpipe") &&
	    !registry_target_is_postgresql("/var/lib/credpipe/records.db") &&
	    !registry_target_is_postgresql("records.db"),
	    "RECORDS: a URI or libpq keywords is PostgreSQL, a path SQLite");
}

/* pg_sql - run SQL on the server at URI; 0 ok */
static int
pg_sql(const char *uri, const char *sql)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *r;
	int ok;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "%s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "%s", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* pg_schema - a fresh schema NAME on URI's server; TARGET names it */
static int
pg_schema(const char *uri, const char *name, char *target, size_t size)
{
	char sql[256];

	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; "
	    "CREATE SCHEMA %s", name, name);
	snprintf(target, size, "%s%soptions=-csearch_path%%3D%s", uri,
	    strchr(uri, '?') ? "&" : "?", name);
	return pg_sql(uri, sql);
}

/* issue_many - child: paper reports for dossiers P<TAG>-0..N-1 */
static int
issue_many(const char *target, char tag, int n)
{
	struct registry *reg;
	struct reg_report r;
	char id[32], certno[32];
	int status;

	if ((reg = registry_open(target, &status)) == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "P%c-%d", tag, i);
		snprintf(certno, sizeof certno, "C%c%05d", tag, i);
		if (registry_issue_paper(reg, id, certno, "2026-11-28", &r) ==
		    -1) {
			registry_close(reg);
			return 1;
		}
	}
	registry_close(reg);
	return 0;
}

/* count_numbers - FN for registry_each_report: paper numbers into CTX */
static int
count_numbers(void *ctx, const struct reg_report_row *r)
{
	char (*numbers)[24] = ctx;
	int seq;

	if (strcmp(r->report.kind, "paper") != 0 ||
	    strncmp(r->report.number, "P2026", 5) != 0)
		return 0;
	seq = atoi(r->report.number + 5);
	if (seq >= 1 && seq < 1000)
		snprintf(numbers[seq], sizeof numbers[seq], "%s",
		    r->report.number);
	return 0;
}

/*
 * test_pg_concurrent - two processes issue 100 paper reports each at
 * once: 200 numbers, none twice, none skipped (the writers' lock); and
 * four processes open one new registry at once: all migrate it.
 */
static void
test_pg_concurrent(const char *uri)
{
	static char numbers[1000][24];
	struct reg_credential c, old;
	struct registry *reg;
	char target[4096];
	pid_t pid[4];
	int status, bad = 0, gaps = 0, n = 0;

	if (pg_schema(uri, "cppg_unit_conc", target, sizeof target) == -1 ||
	    (reg = registry_open(target, &status)) == NULL) {
		CHECK(0, "PostgreSQL: a schema for the concurrency test");
		return;
	}
	for (int i = 0; i < 200; i++) {
		char certno[32];

		snprintf(certno, sizeof certno, "C%c%05d", i < 100 ? 'a' : 'b',
		    i % 100);
		c = credential(certno, "110108197003150318", "1995-07-01");
		if (registry_put_credential(reg, &c, &old) != REG_PUT_NEW)
			bad++;
	}
	CHECK(bad == 0, "PostgreSQL: 200 credentials for two writers");
	for (int k = 0; k < 2; k++) {
		if ((pid[k] = fork()) == 0)
			_exit(issue_many(target, k ? 'b' : 'a', 100));
	}
	for (int k = 0; k < 2; k++) {
		if (waitpid(pid[k], &status, 0) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bad++;
	}
	CHECK(bad == 0, "PostgreSQL: two processes issue 100 paper reports "
	    "each at once");
	memset(numbers, 0, sizeof numbers);
	registry_each_report(reg, count_numbers, numbers);
	for (int i = 1; i <= 200; i++) {
		if (numbers[i][0] != '\0')
			n++;
		else
			gaps++;
	}
	CHECK(n == 200 && gaps == 0 && numbers[201][0] == '\0',
	    "PostgreSQL: paper numbers P2026000001-P2026000200, none twice, "
	    "no gap (%d numbers, %d gaps)", n, gaps);
	registry_close(reg);

	/* four workers opening a registry nobody migrated yet */
	bad = 0;
	if (pg_schema(uri, "cppg_unit_migrate", target, sizeof target) == -1)
		bad++;
	for (int k = 0; k < 4 && !bad; k++) {
		if ((pid[k] = fork()) == 0) {
			reg = registry_open(target, &status);
			registry_close(reg);
			_exit(reg ? 0 : 1);
		}
	}
	for (int k = 0; k < 4 && !bad; k++) {
		if (waitpid(pid[k], &status, 0) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bad++;
	}
	CHECK(bad == 0, "PostgreSQL: four processes open a new registry at "
	    "once, all migrate it without a failure");
	pg_sql(uri, "DROP SCHEMA cppg_unit_conc CASCADE; "
	    "DROP SCHEMA cppg_unit_migrate CASCADE");
}

/*
 * test_pg_failed_commit - a statement failing inside a transaction (a
 * report of no known kind: the CHECK constraint) makes its COMMIT fail
 * on PostgreSQL, which rolls the whole transaction back; a commit that
 * reported success would make a stage believe the rest was issued.
 */
static void
test_pg_failed_commit(const char *target)
{
	struct reg_report_row bad, old;
	struct registry *reg;
	char why[128], name[64];
	int status;

	if ((reg = registry_open(target, &status)) == NULL) {
		CHECK(0, "PostgreSQL: reopen for the failed commit");
		return;
	}
	memset(&bad, 0, sizeof bad);
	snprintf(bad.report.code, sizeof bad.report.code, "ZZZZZZZZZZZZZZZZ");
	snprintf(bad.report.certificate_number,
	    sizeof bad.report.certificate_number, "100011201905000123");
	snprintf(bad.report.kind, sizeof bad.report.kind, "bogus");
	snprintf(bad.report.issued, sizeof bad.report.issued, "2026-11-28");
	snprintf(bad.report.status, sizeof bad.report.status, "valid");
	CHECK(registry_begin(reg) == 0 &&
	    registry_put_report(reg, &bad, &old, why, sizeof why) == -1 &&
	    registry_commit(reg) == -1,
	    "PostgreSQL: COMMIT after a failed statement fails");
	CHECK(registry_put_institution(reg, "99999", "x", name,
	    sizeof name) == REG_PUT_NEW,
	    "PostgreSQL: and the connection is usable after it");
	registry_close(reg);
}

/* test_pg - the same checks as on SQLite, on a PostgreSQL schema */
static void
test_pg(void)
{
	const char *uri = getenv("CREDPIPE_TEST_PG_URI");
	char target[4096];
	struct registry *reg;
	int status;

	if (uri == NULL || uri[0] == '\0') {
		printf("# PostgreSQL: CREDPIPE_TEST_PG_URI unset, its checks "
		    "skipped (CREDPIPE_TEST_RECORDS=pg bash tests/run.sh)\n");
		return;
	}
	if (pg_schema(uri, "cppg_unit", target, sizeof target) == -1) {
		CHECK(0, "PostgreSQL: a schema for the tests");
		return;
	}
	reg = registry_open(target, &status);
	CHECK(reg != NULL && strcmp(registry_backend_name(reg),
	    "postgresql") == 0 && registry_schema_version(reg) == 1,
	    "PostgreSQL: open creates the schema (version 1)");
	if (reg == NULL)
		return;
	test_import(reg);
	test_issue(reg);
	test_decisions(reg);
	test_waybills(reg);
	registry_close(reg);
	reg = registry_open(target, &status);
	CHECK(reg != NULL && registry_waybills_left(reg, "SF") == 2,
	    "PostgreSQL: reopened: the state is kept");
	registry_close(reg);
	test_pg_failed_commit(target);
	reg = registry_open("postgresql://127.0.0.1:1/none?connect_timeout=5",
	    &status);
	CHECK(reg == NULL && status == EX_TEMPFAIL,
	    "PostgreSQL: a server that refuses the connection: 75");
	reg = registry_open("postgresql://x/y?nosuchoption=1", &status);
	CHECK(reg == NULL && status == EX_CONFIG,
	    "PostgreSQL: a malformed URI: 78");
	test_pg_concurrent(uri);
	pg_sql(uri, "DROP SCHEMA cppg_unit CASCADE");
}

int
main(void)
{
	char path[4096];
	struct registry *reg;
	int status;

	umask(077);
	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof path, "%s/sub/records.db", dir);
	reg = registry_open(path, &status);
	CHECK(reg != NULL, "open creates the database and its directory");
	if (reg == NULL)
		return unit_done();
	test_import(reg);
	test_issue(reg);
	test_decisions(reg);
	test_waybills(reg);
	registry_close(reg);
	reg = registry_open(path, &status);
	CHECK(reg != NULL && registry_waybills_left(reg, "SF") == 2,
	    "reopened: the state is kept");
	registry_close(reg);
	test_schema(path);
	test_exit_for();
	test_pg_exit_for();
	fs_remove_tree(dir);
	test_pg();
	return unit_done();
}
