/*
 * test_common.c - the general helpers: commit routine, dates, config, ids.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "log.h"
#include "result.h"
#include "spool.h"
#include "text.h"
#include "timeutil.h"
#include "xmlsafe.h"
#include "unit.h"

static char tmpdir[] = "/tmp/credpipe-unit.XXXXXX";

/* test_commit - the commit routine, including its failure paths */
static void
test_commit(void)
{
	char path[4096], *buf;
	size_t len;
	struct commit c;
	struct stat st;

	snprintf(path, sizeof path, "%s/a.txt", tmpdir);
	CHECK(commit_file(path, "hello\n", 6, 0600) == 0, "commit_file writes");
	CHECK(fs_read_file(path, 100, &buf, &len) == 0 && len == 6 &&
	    strcmp(buf, "hello\n") == 0, "committed content reads back");
	free(buf);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "mode is exact");
	CHECK(commit_file(path, "bye\n", 4, 0640) == 0, "commit replaces");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640,
	    "mode 0640 despite umask");
	CHECK(commit_file_noreplace(path, "x", 1, 0600) == -1 &&
	    errno == EEXIST, "noreplace refuses an existing file");
	CHECK(fs_read_file(path, 100, &buf, &len) == 0 &&
	    strcmp(buf, "bye\n") == 0, "noreplace left the file alone");
	free(buf);

	/* an aborted commit leaves the old file and no temp */
	CHECK(commit_begin(&c, path, 0600) == 0, "commit_begin");
	commit_write(&c, "partial", 7);
	commit_abort(&c);
	CHECK(fs_read_file(path, 100, &buf, &len) == 0 &&
	    strcmp(buf, "bye\n") == 0, "abort keeps the old file");
	free(buf);
	CHECK(fs_sweep_temp(tmpdir) == 0, "abort left no temp file");

	/* failure paths: a missing directory, a write error */
	snprintf(path, sizeof path, "%s/missing/a.txt", tmpdir);
	CHECK(commit_file(path, "x", 1, 0600) == -1 && errno == ENOENT,
	    "commit into a missing directory fails with ENOENT");
	if (access("/dev/full", W_OK) == 0) {
		struct commit f;
		snprintf(path, sizeof path, "%s/full.txt", tmpdir);
		CHECK(commit_begin(&f, path, 0600) == 0, "begin for /dev/full");
		close(f.fd);
		f.fd = open("/dev/full", O_WRONLY);
		commit_write(&f, "x", 1);
		CHECK(commit_end(&f) == -1 && errno == ENOSPC,
		    "a failed write makes commit_end fail with ENOSPC");
		CHECK(!fs_exists(path), "nothing at the final name after ENOSPC");
	}

	/* a crashed writer's temp file is swept; a live one is kept */
	snprintf(path, sizeof path, "%s/.tmp-999999999-1", tmpdir);
	CHECK(commit_file(path, "x", 1, 0600) == 0, "fake crashed temp");
	CHECK(fs_sweep_temp(tmpdir) == 1 && !fs_exists(path),
	    "sweep removes a dead writer's temp file");
	/* a writer holds its temp file's lock while it lives */
	snprintf(path, sizeof path, "%s/.tmp-1-1", tmpdir);
	CHECK(commit_file(path, "x", 1, 0600) == 0, "fake temp of pid 1");
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	utimensat(AT_FDCWD, path, old, 0);
	int held = open(path, O_RDONLY);
	CHECK(held != -1 && flock(held, LOCK_EX) == 0, "lock it as a writer");
	CHECK(fs_sweep_temp(tmpdir) == 0 && fs_exists(path),
	    "sweep keeps a temp file whose writer holds the lock");
	close(held);
	CHECK(fs_sweep_temp(tmpdir) == 1 && !fs_exists(path),
	    "lock free and old: its writer died (even if the pid lives on)");
	snprintf(path, sizeof path, "%s/.tmp-1-2", tmpdir);
	CHECK(commit_file(path, "x", 1, 0600) == 0, "a fresh temp of pid 1");
	CHECK(fs_sweep_temp(tmpdir) == 0 && fs_exists(path),
	    "lock free but fresh and the pid lives: maybe not locked yet, kept");
	unlink(path);
	CHECK(errno_is_transient(ENOSPC) && exit_for_errno(ENOSPC) ==
	    EX_TEMPFAIL && exit_for_errno(EINVAL) == EX_SOFTWARE,
	    "retry-or-reject: ENOSPC retries, EINVAL is a bug");
}

/* test_tree_modes - new dirs get their exact mode; walks stay inside */
static void
test_tree_modes(void)
{
	char path[4096], file[4300], link[4200], outside[4200];
	struct stat st;
	size_t len;

	snprintf(path, sizeof path, "%s/out/courier/2026-11-28", tmpdir);
	CHECK(fs_mkdirs(path, 0750) == 0 && stat(path, &st) == 0 &&
	    (st.st_mode & 0777) == 0750, "fs_mkdirs: 0750 despite umask 077");
	snprintf(outside, sizeof outside, "%s/outside", tmpdir);
	mkdir(outside, 0755);
	snprintf(file, sizeof file, "%s/keep.txt", outside);
	commit_file(file, "x", 1, 0644);
	snprintf(path, sizeof path, "%s/tree", tmpdir);
	mkdir(path, 0755);
	snprintf(link, sizeof link, "%s/link", path);
	CHECK(symlink(outside, link) == 0, "a link to a folder in the tree");
	snprintf(link, sizeof link, "%s/sub", path);
	mkdir(link, 0755);
	snprintf(link, sizeof link, "%s/sub/a.png", path);
	commit_file(link, "x", 1, 0644);
	CHECK(fs_remove_tree(path) == 0 && !fs_exists(path),
	    "fs_remove_tree removes the tree");
	CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0644,
	    "... and nothing behind a link in it");

	/* deeper than FS_MAX_DEPTH: refused, no recursion, no crash */
	snprintf(path, sizeof path, "%s/deep", tmpdir);
	len = strlen(path);
	for (int i = 0; i < 2 * FS_MAX_DEPTH && len + 3 < sizeof path; i++) {
		mkdir(path, 0700);
		memcpy(path + len, "/d", 3);
		len += 2;
	}
	snprintf(path, sizeof path, "%s/deep", tmpdir);
	CHECK(fs_remove_tree(path) == -1 && errno == EMLINK,
	    "a tree deeper than FS_MAX_DEPTH is refused with EMLINK");
}

/* test_sweep - a killed writer's temp files leave the spool and out/ */
static void
test_sweep(void)
{
	char home[1024], path[4200];
	struct config cfg;

	memset(&cfg, 0, sizeof cfg);
	snprintf(home, sizeof home, "%s/sweephome", tmpdir);
	snprintf(cfg.home, sizeof cfg.home, "%s", home);
	snprintf(cfg.inbox, sizeof cfg.inbox, "%s/inbox", home);
	snprintf(cfg.out, sizeof cfg.out, "%s/out", home);
	CHECK(spool_init(&cfg) == 0, "spool_init");
	snprintf(path, sizeof path, "%s/spool/A20261127000123", home);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/spool/A20261127000123/.tmp-999999998-1",
	    home);
	commit_file(path, "partial", 7, 0600);
	snprintf(path, sizeof path, "%s/out/reports/.tmp-999999998-2", home);
	commit_file(path, "partial", 7, 0600);
	snprintf(path, sizeof path, "%s/out/results/.tmp-1-3", home);
	commit_file(path, "live", 4, 0600);
	CHECK(spool_sweep(&cfg) == 2, "spool_sweep removes the dead writer's two");
	CHECK(fs_exists(path), "... and keeps a live writer's (pid 1)");
	unlink(path);

	/* a name taken in quarantine/ is never renamed over */
	snprintf(path, sizeof path, "%s/quarantine/A20261127000123", home);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/quarantine/A20261127000123/first",
	    home);
	commit_file(path, "first", 5, 0600);
	CHECK(spool_finish(&cfg, "A20261127000123", SPOOL_QUARANTINE,
	    "test") == 0, "spool_finish beside an older dossier of the id");
	CHECK(fs_exists(path), "... the older one keeps its files");
	snprintf(path, sizeof path, "%s/quarantine/A20261127000123~2/REASON",
	    home);
	CHECK(fs_exists(path), "... the new one lies under the next name");
}

/* test_text - the one UTF-8 decoder, table-driven */
static void
test_text(void)
{
	static const struct { const char *name, *bytes; long cp; size_t len; }
	    t[] = {
		{ "ASCII", "A", 'A', 1 },
		{ "two bytes", "\xC3\xA9", 0xE9, 2 },
		{ "CJK", "\xE4\xB8\xAD", 0x4E2D, 3 },
		{ "outside the BMP", "\xF0\xA0\xAE\xB7", 0x20BB7, 4 },
		{ "overlong", "\xC0\xAF", -1, 1 },
		{ "overlong three", "\xE0\x80\xAF", -1, 3 },
		{ "surrogate", "\xED\xA0\x80", -1, 3 },
		{ "beyond U+10FFFF", "\xF4\x90\x80\x80", -1, 4 },
		{ "lone continuation", "\x80", -1, 1 },
		{ "truncated", "\xE4\xB8", -1, 2 },
		{ "GBK bytes", "\xD6\xD0", -1, 1 },
	};
	size_t len;

	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		long cp = utf8_decode((const unsigned char *)t[i].bytes,
		    strlen(t[i].bytes), &len);
		CHECK(cp == t[i].cp && len == t[i].len,
		    "utf8_decode %s: U+%lX, %zu bytes", t[i].name, cp, len);
	}
	CHECK(utf8_valid((const unsigned char *)"张伟 ZHANG", 10),
	    "utf8_valid on Chinese and ASCII");
	CHECK(!utf8_valid((const unsigned char *)"\xD5\xC5", 2),
	    "utf8_valid refuses GBK");
	CHECK(hex_digit('7') == 7 && hex_digit('b') == 11 &&
	    hex_digit('F') == 15 && hex_digit('g') == -1, "hex digits");
}

/* test_dates - calendar arithmetic and ISO 8601 */
static void
test_dates(void)
{
	static const struct { const char *s; int ok; } dates[] = {
		{ "2000-02-29", 1 }, { "1900-02-29", 0 }, { "2024-02-29", 1 },
		{ "2023-02-29", 0 }, { "2023-04-31", 0 }, { "2023-13-01", 0 },
		{ "2023-1-01", 0 }, { "2023-12-31", 1 }, { "0000-01-01", 0 },
	};
	char buf[64];
	time_t t;
	long days;
	int y, m, d, tz;

	for (size_t i = 0; i < sizeof dates / sizeof *dates; i++)
		CHECK((date_parse(dates[i].s, &y, &m, &d) == 0) == dates[i].ok,
		    "date %s is %s", dates[i].s, dates[i].ok ? "real" : "unreal");
	CHECK(date_days(1970, 1, 1) == 0 && date_days(2000, 3, 1) == 11017,
	    "day numbers");
	date_from_days(11017, &y, &m, &d);
	CHECK(y == 2000 && m == 3 && d == 1, "day numbers invert");
	CHECK(date_parse_days("2026-11-28", &days) == 0, "parse days");
	CHECK_STR(date_format(days + 90, buf, sizeof buf), "2027-02-26",
	    "2026-11-28 + 90 days");
	CHECK(tz_parse("+08:00", &tz) == 0 && tz == 480, "tz +08:00");
	CHECK(tz_parse("-0530", &tz) == 0 && tz == -330, "tz -0530");
	CHECK(tz_parse("8", &tz) == -1, "tz 8 is malformed");
	CHECK(time_parse_iso("2026-11-27T21:14:00+08:00", 0, &t) == 0 &&
	    t == 1795785240, "ISO time with offset");
	CHECK(time_parse_iso("2026-11-27T21:14:00", 480, &t) == 0 &&
	    t == 1795785240, "ISO time without offset is in --tz");
	CHECK(time_parse_iso("2026-11-27T13:14:00Z", 480, &t) == 0 &&
	    t == 1795785240, "ISO time in UTC");
	CHECK(time_parse_iso("2026-11-27T25:00:00Z", 0, &t) == -1,
	    "hour 25 is refused");
	CHECK_STR(time_format_iso(1795785240, 480, buf, sizeof buf),
	    "2026-11-27T21:14:00+08:00", "format in +08:00");
	CHECK(time_day(1795798800, 480) == date_days(2026, 11, 28),
	    "2026-11-27T17:00Z is the 28th in Beijing");
	CHECK(time_day(1795798800, 0) == date_days(2026, 11, 27),
	    "... and the 27th in UTC");
}

/* test_ids - dossier ids and attachment names */
static void
test_ids(void)
{
	static const struct { const char *s; int id, att; } t[] = {
		{ "A20261127000123", 1, 1 }, { "a20261127", 0, 1 },
		{ "A2026", 0, 1 }, { "A12345", 1, 1 },
		{ "A1234567890123456789012345678901234567890", 0, 1 },
		{ "../etc", 0, 0 }, { "id.png", 0, 1 }, { ".hidden", 0, 0 },
		{ "a b.png", 0, 0 }, { "A/B12345", 0, 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		CHECK(id_valid(t[i].s) == t[i].id, "id \"%s\" %s", t[i].s,
		    t[i].id ? "valid" : "invalid");
		CHECK(attachment_name_valid(t[i].s) == t[i].att,
		    "file name \"%s\" %s", t[i].s, t[i].att ? "valid" : "invalid");
	}
}

/* test_config - command line > environment > file > default */
static void
test_config(void)
{
	char conf[4096];
	struct config cfg;
	int status, rc;
	FILE *fp;

	snprintf(conf, sizeof conf, "%s/credpipe.conf", tmpdir);
	fp = fopen(conf, "w");
	fprintf(fp, "# comment\nJOBS=3\nSETTLE = 5\nBATCH_SIZE=7\n"
	    "SENDER_NAME=Office\nverify-url=https://file\n");
	fclose(fp);
	setenv("CREDPIPE_SETTLE", "6", 1);
	setenv("CREDPIPE_BATCH_SIZE", "8", 1);
	char *argv[] = { "t", "--config", conf, "--batch-size", "9",
	                 "--tz", "+00:00", "extra", NULL };
	rc = config_parse(&cfg, 8, argv, NULL, NULL, NULL, &status);
	CHECK(rc == 7 && strcmp(argv[rc], "extra") == 0, "operands follow");
	CHECK(cfg.jobs == 3, "file value when nothing else");
	CHECK(cfg.settle == 6, "environment beats file");
	CHECK(cfg.batch_size == 9, "command line beats environment");
	CHECK(cfg.tz == 0, "--tz parsed");
	CHECK(cfg.incomplete_after == 24 * 3600, "default incomplete-after");
	CHECK_STR(cfg.verify_url, "https://file", "lower-case key in file");
	CHECK_STR(config_get(&cfg, "SENDER_NAME"), "Office",
	    "unknown keys are kept");
	config_free(&cfg);

	char *bad[] = { "t", "--jobs", "many", NULL };
	unsetenv("CREDPIPE_SETTLE");
	CHECK(config_parse(&cfg, 3, bad, NULL, NULL, NULL, &status) == -1 &&
	    status == EX_USAGE, "bad --jobs is a usage error");
	config_free(&cfg);
	setenv("CREDPIPE_JOBS", "many", 1);
	char *plain[] = { "t", NULL };
	CHECK(config_parse(&cfg, 1, plain, NULL, NULL, NULL, &status) == -1 &&
	    status == EX_CONFIG, "bad CREDPIPE_JOBS is a configuration error");
	config_free(&cfg);
	unsetenv("CREDPIPE_JOBS");
	unsetenv("CREDPIPE_BATCH_SIZE");
}

/* test_first_operand - a front end's command word, table-driven */
static void
test_first_operand(void)
{
	static const struct option extra[] = {
		{ "group", required_argument, NULL, 256 },
		{ NULL, 0, NULL, 0 } };
	static const struct {
		const char *words;      /* space-separated, after argv[0] */
		int want;
	} cases[] = {
		{ "run --home H", 1 },
		{ "--home H run", 3 },
		{ "--home=H run", 2 },
		{ "--quiet --now T status", 4 },
		{ "--hom H records import", 3 },   /* a prefix, as getopt_long */
		{ "--group G init", 3 },           /* EXTRA's value */
		{ "-h run", 2 },
		{ "-- --home", 2 },                /* after --, an operand */
		{ "--home H", 3 },                 /* none: argc */
		{ "- x", 1 },                      /* "-" is an operand */
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char buf[256], *argv[16] = { "credpipe" }, *save = NULL;
		int argc = 1;

		snprintf(buf, sizeof buf, "%s", cases[i].words);
		for (char *w = strtok_r(buf, " ", &save); w != NULL && argc < 15;
		    w = strtok_r(NULL, " ", &save))
			argv[argc++] = w;
		argv[argc] = NULL;
		CHECK(config_first_operand(argc, argv, extra) == cases[i].want,
		    "first operand of \"%s\" is word %d", cases[i].words,
		    cases[i].want);
	}
}

/* test_result - a result survives save and load */
static void
test_result(void)
{
	struct result r, back;
	char path[4096];

	result_init(&r, "A20261127000123");
	snprintf(r.kind, sizeof r.kind, "online-report");
	r.outcome = OUTCOME_NOT_VERIFIED;
	snprintf(r.folder, sizeof r.folder, "odd \"name\"\n<&>");
	result_add_reason(&r, "record-mismatch", "graduation-date",
	    "graduation date differs: <%s>", "x&y");
	snprintf(r.qrs[0].attachment, sizeof r.qrs[0].attachment, "r.png");
	snprintf(r.qrs[0].status, sizeof r.qrs[0].status, "foreign");
	r.nqrs = 1;
	snprintf(path, sizeof path, "%s/result.xml", tmpdir);
	CHECK(result_save(&r, path) == 0, "result saved");
	CHECK(result_load(&back, path) == 0, "result loaded");
	CHECK_STR(back.folder, r.folder, "folder name with quotes, newline");
	CHECK(back.outcome == OUTCOME_NOT_VERIFIED, "outcome");
	CHECK_STR(back.reasons[0].text, r.reasons[0].text, "reason text");
	CHECK_STR(back.reasons[0].field, "graduation-date", "reason field");
	CHECK(back.nqrs == 1 && strcmp(back.qrs[0].status, "foreign") == 0,
	    "qr element");

	/* a folder name in another encoding: visible, and still XML */
	snprintf(r.folder, sizeof r.folder, "bad\xFF\xFEutf8 \xE4\xB8\xAD\x01");
	CHECK(result_save(&r, path) == 0 && result_load(&back, path) == 0,
	    "a result naming a non-UTF-8 folder stays well-formed");
	CHECK_STR(back.folder, "bad\\xFF\\xFEutf8 \xE4\xB8\xAD\\x01",
	    "invalid bytes and controls shown as \\xHH, UTF-8 kept");
}

/* test_xml - unsafe documents are refused before anything expands */
static void
test_xml(void)
{
	static const struct { const char *name, *doc; enum xml_status want; }
	    t[] = {
		{ "plain", "<a>x</a>", XML_OK },
		{ "unclosed", "<a>", XML_MALFORMED },
		{ "doctype", "<!DOCTYPE a><a/>", XML_UNSAFE },
		{ "xxe", "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		  "<a>&x;</a>", XML_UNSAFE },
		{ "laughs", "<!DOCTYPE a [<!ENTITY l \"ha\"><!ENTITY m "
		  "\"&l;&l;&l;&l;&l;&l;&l;&l;\">]><a>&m;</a>", XML_UNSAFE },
		{ "undeclared entity", "<a>&x;</a>", XML_MALFORMED },
		{ "broken doctype", "<!DOCTYPE a [<!ENTITY x \"y\"><a>", XML_UNSAFE },
		{ "doctype with a PI and a comment (no leak)",
		  "<!DOCTYPE a [<?pi x?><!-- c -->]><a/>", XML_UNSAFE },
		{ "xinclude", "<a xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
		  "<xi:include href=\"/etc/passwd\" parse=\"text\"/></a>",
		  XML_UNSAFE },
		{ "predefined entities", "<a>&lt;&amp;&#x4E2D;</a>", XML_OK },
	};
	struct xml_error err;
	xmlDocPtr doc;

	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		enum xml_status st = xml_parse_memory(t[i].doc, strlen(t[i].doc),
		    XML_MAX_BYTES, "t", &doc, &err);
		CHECK(st == t[i].want, "xml %s: status %d (want %d) %s",
		    t[i].name, st, t[i].want, err.message);
		xmlFreeDoc(doc);
	}
}

/* test_exit_status - the one "retry or reject" rule and how it combines */
static void
test_exit_status(void)
{
	static const struct { int err, want; const char *name; } t[] = {
		{ ENOSPC, EX_TEMPFAIL, "ENOSPC (disk full)" },
		{ EDQUOT, EX_TEMPFAIL, "EDQUOT (quota)" },
		{ EROFS, EX_TEMPFAIL, "EROFS (read-only file system)" },
		{ EACCES, EX_TEMPFAIL, "EACCES (no write permission)" },
		{ EIO, EX_TEMPFAIL, "EIO" },
		{ ENOMEM, EX_TEMPFAIL, "ENOMEM" },
		{ EPIPE, EX_TEMPFAIL, "EPIPE (the next stage ended)" },
		{ EINVAL, EX_SOFTWARE, "EINVAL: a bug" },
		{ ENOENT, EX_SOFTWARE, "ENOENT: a bug" },
		{ EBADF, EX_SOFTWARE, "EBADF: a bug" },
	};
	static const struct { int a, b, want; } c[] = {
		{ 0, 0, 0 }, { 0, EX_TEMPFAIL, EX_TEMPFAIL },
		{ EX_TEMPFAIL, 0, EX_TEMPFAIL },
		{ EX_TEMPFAIL, EX_SOFTWARE, EX_SOFTWARE },
		{ EX_SOFTWARE, EX_TEMPFAIL, EX_SOFTWARE },
		{ EX_DATAERR, EX_TEMPFAIL, EX_DATAERR },
		{ EX_TEMPFAIL, EX_DATAERR, EX_TEMPFAIL },
		{ EX_CONFIG, EX_SOFTWARE, EX_SOFTWARE },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		CHECK(exit_for_errno(t[i].err) == t[i].want,
		    "exit_for_errno: %s -> %d", t[i].name, t[i].want);
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		CHECK(exit_status_combine(c[i].a, c[i].b) == c[i].want,
		    "exit_status_combine(%d, %d) = %d", c[i].a, c[i].b,
		    c[i].want);
}

int
main(void)
{
	umask(077);
	log_init("test_common", LOG_QUIET);
	xml_init();
	xml_lock_down();
	if (mkdtemp(tmpdir) == NULL)
		return 70;
	test_commit();
	test_tree_modes();
	test_sweep();
	test_text();
	test_dates();
	test_ids();
	test_config();
	test_first_operand();
	test_result();
	test_xml();
	test_exit_status();
	fs_remove_tree(tmpdir);
	xml_cleanup();
	return unit_done();
}
