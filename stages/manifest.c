/*
 * NAME
 *	manifest - ship verified paper reports in courier batches
 *
 * SYNOPSIS
 *	manifest [--home DIR] [--out DIR] [--records FILE] [--now TIME]
 *	    [--tz OFFSET] [--batch-size N] [--font FILE] < ids
 *
 * DESCRIPTION
 *	The last stage (SPEC §7). It reads dossier ids on stdin and passes
 *	every one on to stdout. For each verified paper-certification
 *	dossier still in HOME/spool whose typeset.xml carries its report
 *	number, it assigns a waybill from the courier's imported ranges
 *	(registry: UNIQUE per dossier, so a rerun gets the same number).
 *	The waybill is the commit point of "this dossier will ship".
 *
 *	At end of input it sorts the parcels of each courier by (postcode,
 *	dossier id), cuts them into batches of at most --batch-size, numbered
 *	on from the day's last batch (EMS-3 after EMS-2; the day is --now's
 *	date in --tz), and writes each batch as
 *	OUT/courier/<date>/<courier>-<n>/{manifest.csv,manifest.pdf,
 *	labels.pdf,reports.pdf}, built by the library's batch_build, the
 *	same code `credpipe reprint` rebuilds a batch with. The PDFs are
 *	dated by the batch's day (00:00 in --tz), not by the run's clock,
 *	so that a reprint is byte for byte the first build.
 *
 *	Crash safety. A batch is built in OUT/courier/<date>/.tmp-<pid>-...,
 *	every file committed (fsynced), then the folder is renamed into
 *	place without replacing anything and the date folder fsynced: that
 *	rename is the commit point of the batch, so a batch folder is
 *	either absent or complete. Then the shipments go into the registry,
 *	each dossier's result is republished with <shipment> (saved as
 *	spool/<id>/manifest.xml first) and the dossier moves to HOME/done.
 *	A rerun after a crash:
 *	  - removes .tmp- batch folders whose process is gone;
 *	  - finds a committed folder the registry does not know yet (the
 *	    crash fell between the rename and the registry), reads its
 *	    manifest.csv back and records its shipments, so its dossiers are
 *	    never batched twice;
 *	  - finishes a dossier whose shipment is recorded but which is still
 *	    in the spool;
 *	  - batches a dossier that has a waybill but no shipment, with the
 *	    waybill it has.
 *
 *	Held dossiers (SPEC §6). Before a number is spent, each parcel's
 *	label is laid out (not rendered) with the font: a delivery field
 *	with a character the font cannot show (outside the Basic
 *	Multilingual Plane, a control character, no glyph) or a text that
 *	would not fit its box would make the whole batch fail to save. Such
 *	a dossier gets no waybill and joins no batch; its result is saved
 *	as spool/<id>/manifest.xml and republished with <held> naming the
 *	field and the code point (delivery/address: character U+20BB7 ...),
 *	which `credpipe status` lists; it stays in the spool and the others
 *	are batched normally. Every run checks it again, so once an operator
 *	has corrected the delivery block in HOME/spool/<id>/files/dossier.xml
 *	the next run ships it. A sender block (configuration) the font
 *	cannot show is a configuration error: nothing ships, exit 78.
 *
 *	When a courier's waybill ranges run out, no number is half
 *	assigned: the dossiers that got one are batched, the others stay in
 *	the spool, and manifest exits 75 saying how to go on.
 *
 *	Formula injection: manifest.csv is opened in spreadsheets, so a
 *	free-text field (recipient, province, city, district, address)
 *	starting with = + - @ TAB CR or ' is written with one leading ';
 *	an importer strips exactly one leading ' from those columns.
 *
 *	The sender block comes from the configuration keys SENDER_NAME
 *	(default: the office's name), SENDER_PHONE, SENDER_ADDRESS and
 *	SENDER_POSTCODE (default: unset); only the ones set are printed.
 *
 * FILES
 *	HOME/spool/<id>/typeset.xml	what manifest reads
 *	HOME/spool/<id>/manifest.xml	the result with its <shipment>,
 *					or with <held> while it waits
 *	OUT/results/<id>.xml		republished with <shipment>
 *	OUT/courier/<date>/<courier>-<n>/	the batches
 *
 * EXIT STATUS
 *	0 done (held dossiers included); 75 waybills ran out or a transient
 *	failure (rerun later, nothing is lost); 64 usage; 78 configuration
 *	(no usable font, a sender it cannot show); 70 internal error.
 *
 * SEE ALSO
 *	typeset(1), records(1), pipeline.sh(1)
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"
#include "batch.h"
#include "config.h"
#include "courier.h"
#include "dossier.h"
#include "fsutil.h"
#include "log.h"
#include "pdf.h"
#include "registry.h"
#include "payload.h"
#include "report.h"
#include "result.h"
#include "spool.h"
#include "timeutil.h"
#include "xmlsafe.h"

static const char *const couriers[] = { "EMS", "SF" };
#define NCOURIERS (sizeof couriers / sizeof *couriers)

struct manifest {
	struct config cfg;
	struct registry *reg;
	struct batch_press press;   /* font, sender, key: batch.h */
	char date[16];              /* today in --tz */
	struct parcel *parcels;
	size_t nparcels, cap;
	int exhausted[NCOURIERS];   /* that courier's ranges ran out */
	int status;                 /* exit status so far */
	int batches;                /* batches made */
};

/* courier_index - index of COURIER in couriers[], or -1 */
static int
courier_index(const char *courier)
{
	for (size_t i = 0; i < NCOURIERS; i++)
		if (strcmp(couriers[i], courier) == 0)
			return (int)i;
	return -1;
}

/* set_status - keep the most serious exit status (70 > 75 > 0) */
static void
set_status(struct manifest *m, int status)
{
	if (m->status == 0 || status == EX_SOFTWARE)
		m->status = status;
}

/* registry_failed - a registry call failed: remember its status */
static void
registry_failed(struct manifest *m, const char *what)
{
	int status = registry_status(m->reg);

	log_warnx("registry: %s failed (status %d)", what, status);
	set_status(m, status ? status : EX_SOFTWARE);
}

/*
 * finish_dossier - the last steps for a shipped dossier: its result with
 * <shipment> saved in the spool and published, then the move to done/.
 * Each step is idempotent, so a crash between them is resumed by a rerun.
 */
static int
finish_dossier(struct manifest *m, const char *id, const char *courier,
    const char *waybill, const char *batch)
{
	char dir[4096], path[4096];
	struct result r;

	if (spool_locate(&m->cfg, id, dir, sizeof dir) != SPOOL_ACTIVE)
		return 0;
	if (result_load(&r, spool_state_path(dir, "manifest", path,
	    sizeof path)) == -1 && result_load(&r, spool_state_path(dir,
	    "typeset", path, sizeof path)) == -1) {
		log_warn("%s: typeset.xml", id);
		return -1;
	}
	snprintf(r.ship_courier, sizeof r.ship_courier, "%s", courier);
	snprintf(r.ship_waybill, sizeof r.ship_waybill, "%s", waybill);
	snprintf(r.ship_batch, sizeof r.ship_batch, "%s", batch);
	r.held[0] = '\0';          /* held by an earlier run, fixed since */
	if (result_save(&r, spool_state_path(dir, "manifest", path,
	    sizeof path)) == -1 || result_publish(&m->cfg, &r) == -1 ||
	    spool_finish(&m->cfg, id, SPOOL_DONE, NULL) == -1) {
		log_warn("%s: finishing the shipped dossier", id);
		return -1;
	}
	return 0;
}

/* batch_courier - "EMS" of a batch id "2026-11-28/EMS-1" */
static void
batch_courier(const char *batch, char *courier, size_t size)
{
	const char *slash = strchr(batch, '/');
	const char *s = slash ? slash + 1 : batch;
	size_t len = strcspn(s, "-");

	snprintf(courier, size, "%.*s", (int)len, s);
}

struct recovered {
	struct manifest *m;
	const char *batch;
	int failed;
};

/* recover_record - one record of an unrecorded batch's manifest.csv */
static int
recover_record(char **fields, int nfields, void *ctx)
{
	struct recovered *rc = ctx;
	const char *id = fields[nfields - 1];

	if (!id_valid(id) || registry_record_shipment(rc->m->reg, id,
	    rc->batch) == -1) {
		rc->failed = 1;
		return 1;
	}
	return 0;
}

/* finish_record - finish a recovered batch's dossier */
static int
finish_record(char **fields, int nfields, void *ctx)
{
	struct recovered *rc = ctx;
	char courier[8];

	batch_courier(rc->batch, courier, sizeof courier);
	if (finish_dossier(rc->m, fields[nfields - 1], courier, fields[0],
	    rc->batch) == -1)
		rc->failed = 1;
	return 0;
}

/*
 * recover_batch - DIR is a committed batch folder that the registry does
 * not know: the crash fell between its rename and the registry. Its
 * manifest.csv (committed before the rename) lists its dossiers.
 */
static int
recover_batch(struct manifest *m, const char *dir, const char *batch)
{
	char path[4096], *buf;
	size_t len;
	int line;
	struct recovered rc = { m, batch, 0 };

	if (fs_read_file(fs_path(path, sizeof path, "%s/manifest.csv", dir),
	    64 << 20, &buf, &len) == -1) {
		log_warn("%s", path);
		return -1;
	}
	log_warnx("%s: batch committed before a crash; recording its "
	    "shipments", batch);
	if (registry_begin(m->reg) == -1) {
		free(buf);
		return -1;
	}
	if (courier_csv_parse(buf, len, recover_record, &rc, &line) == -1 ||
	    rc.failed) {
		registry_rollback(m->reg);
		log_warnx("%s: line %d: cannot read back the batch", path,
		    line);
		free(buf);
		return -1;
	}
	if (registry_commit(m->reg) == -1) {
		free(buf);
		return -1;
	}
	courier_csv_parse(buf, len, finish_record, &rc, &line);
	free(buf);
	return rc.failed ? -1 : 0;
}

/* temp_batch_dead - a .tmp-<pid>-... folder whose process is gone */
static int
temp_batch_dead(const char *name)
{
	size_t plen = strlen(FS_TEMP_PREFIX);
	char *end;
	long pid;

	if (strncmp(name, FS_TEMP_PREFIX, plen) != 0)
		return 0;
	pid = strtol(name + plen, &end, 10);
	if (end == name + plen || *end != '-')
		return 0;
	return pid != (long)getpid() && !fs_pid_alive(pid);
}

/*
 * recover_date - in OUT/courier/DATE: remove dead writers' temp folders;
 * record every committed batch folder beyond the registry's numbering.
 */
static int
recover_date(struct manifest *m, const char *date)
{
	char dir[4096], path[4096];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	fs_path(dir, sizeof dir, "%s/courier/%s", m->cfg.out, date);
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (!temp_batch_dead(de->d_name))
			continue;
		fs_path(path, sizeof path, "%s/%s", dir, de->d_name);
		log_info("%s: removing a crashed run's partial batch", path);
		if (fs_remove_tree(path) == -1)
			log_warn("%s", path);
	}
	closedir(d);
	for (size_t c = 0; c < NCOURIERS; c++) {
		for (;;) {
			char batch[512];
			int n = registry_next_batch(m->reg, date, couriers[c]);

			if (n < 1) {
				registry_failed(m, "next batch");
				return -1;
			}
			fs_path(path, sizeof path, "%s/%s-%d", dir,
			    couriers[c], n);
			if (!fs_is_dir(path))
				break;
			snprintf(batch, sizeof batch, "%s/%s-%d", date,
			    couriers[c], n);
			if (recover_batch(m, path, batch) == -1) {
				rc = -1;
				break;
			}
		}
	}
	return rc;
}

/* is_date_name - "YYYY-MM-DD" */
static int
is_date_name(const char *s)
{
	int y, mo, d;

	return strlen(s) == 10 && date_parse(s, &y, &mo, &d) == 0;
}

/* recover - at start: every day's folder under OUT/courier */
static int
recover(struct manifest *m)
{
	char dir[4096];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(fs_path(dir, sizeof dir, "%s/courier",
	    m->cfg.out))) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL)
		if (is_date_name(de->d_name) &&
		    recover_date(m, de->d_name) == -1)
			rc = -1;
	closedir(d);
	return rc;
}

/* add_parcel - append P (its waybill now set) to this run's parcels */
static void
add_parcel(struct manifest *m, const struct parcel *p)
{
	if (m->nparcels == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		struct parcel *grown = realloc(m->parcels,
		    m->cap * sizeof *m->parcels);
		if (grown == NULL)
			fatal("add_parcel");
		m->parcels = grown;
	}
	m->parcels[m->nparcels++] = *p;
}

static int open_font(struct manifest *);

/*
 * hold_dossier - SPEC §6: the parcel's label or dispatch row would lose a
 * character (or a text would not fit), so the batch could not be saved.
 * Nothing is issued for it: no waybill, no batch. Its result says why
 * (<held>, which `credpipe status` lists), committed as
 * spool/<id>/manifest.xml and published; the dossier stays in the spool.
 * Every run checks a waiting dossier again, so once an operator has
 * corrected its delivery block the next run ships it. A rerun that finds
 * the same message already committed writes nothing.
 */
static void
hold_dossier(struct manifest *m, const char *dir, struct result *r,
    const char *why)
{
	char path[4096], pub[4096];
	struct result *old;

	snprintf(r->held, sizeof r->held, "held for an operator: %.420s; "
	    "correct the delivery block, the next run ships it", why);
	log_warnx("%s: %s", r->id, r->held);
	spool_state_path(dir, "manifest", path, sizeof path);
	if ((old = malloc(sizeof *old)) == NULL)
		fatal("hold_dossier");
	if (result_load(old, path) == 0 && strcmp(old->held, r->held) == 0 &&
	    fs_exists(result_published_path(&m->cfg, r->id, pub,
	    sizeof pub))) {
		free(old);
		return;
	}
	free(old);
	if (result_save(r, path) == -1 || result_publish(&m->cfg, r) == -1) {
		log_warn("%s: cannot commit the held result", r->id);
		set_status(m, exit_for_errno(errno));
	}
}

/*
 * take_dossier - the work for one id: a verified paper report waiting in
 * the spool gets its waybill and joins the parcels of this run.
 */
static void
take_dossier(struct manifest *m, const char *id)
{
	char dir[4096], path[4096], waybill[24], batch[40], why[512];
	struct dossier d;
	struct parcel p;
	struct result r;
	int c, found;

	if (spool_locate(&m->cfg, id, dir, sizeof dir) != SPOOL_ACTIVE ||
	    !spool_has_state(dir, "typeset"))
		return;
	if (result_load(&r, spool_state_path(dir, "typeset", path,
	    sizeof path)) == -1) {
		log_warn("%s: typeset.xml", id);
		set_status(m, exit_for_errno(errno));
		return;
	}
	if (dossier_kind_of(r.kind) != DOSSIER_PAPER_CERTIFICATION ||
	    r.outcome != OUTCOME_VERIFIED || r.report_number[0] == '\0' ||
	    r.held[0] != '\0')
		return;
	found = registry_find_shipment(m->reg, id, waybill, sizeof waybill,
	    batch, sizeof batch);
	if (found == -1) {
		registry_failed(m, "find shipment");
		return;
	}
	if (dossier_load(dir, &d) == -1 || !d.has_delivery ||
	    (c = courier_index(d.delivery.courier)) == -1) {
		log_warnx("%s: no usable delivery block; left in the spool",
		    id);
		return;
	}
	if (found == 1 && batch[0] != '\0') {
		/* shipped before a crash: only the last steps are missing */
		if (finish_dossier(m, id, d.delivery.courier, waybill,
		    batch) == -1)
			set_status(m, EX_TEMPFAIL);
		return;
	}
	/* before any number is spent: can its label be printed at all? */
	batch_fill_parcel(&p, &d, "", r.report_number);
	if (open_font(m) == -1)
		return;
	switch (courier_parcel_printable(m->press.font, &p, &m->press.sender, why,
	    sizeof why)) {
	case 1:
		break;
	case 0:
		hold_dossier(m, dir, &r, why);
		return;
	default:
		log_warnx("%s: cannot lay out its label; left in the spool",
		    id);
		set_status(m, EX_SOFTWARE);
		return;
	}
	if (m->exhausted[c])
		return;
	if (registry_assign_waybill(m->reg, id, d.delivery.courier, waybill,
	    sizeof waybill) == -1) {
		if (registry_status(m->reg) == EX_TEMPFAIL &&
		    registry_waybills_left(m->reg, d.delivery.courier) == 0) {
			log_warnx("%s: no %s waybill number left: import a new "
			    "waybill-range (records import); this and later "
			    "%s dossiers stay in the spool for the next run",
			    id, d.delivery.courier, d.delivery.courier);
			m->exhausted[c] = 1;
			set_status(m, EX_TEMPFAIL);
		} else {
			registry_failed(m, "assign waybill");
		}
		return;
	}
	snprintf(p.waybill, sizeof p.waybill, "%s", waybill);
	add_parcel(m, &p);
}

/*
 * make_batch - build batch B and commit it (batch_build: a folder under
 * a temp name renamed into place), then record, republish and finish
 * its dossiers (see the manual).
 */
static int
make_batch(struct manifest *m, const struct batch *b)
{
	if (batch_build(&m->press, b, 0) == BATCH_FAILED)
		return -1;
	program_crash_point("after-rename");
	if (registry_begin(m->reg) == -1) {
		registry_failed(m, "begin");
		return -1;
	}
	for (size_t i = 0; i < b->nparcels; i++)
		if (registry_record_shipment(m->reg, b->parcels[i].dossier_id,
		    b->id) == -1) {
			registry_failed(m, "record shipment");
			registry_rollback(m->reg);
			return -1;
		}
	if (registry_commit(m->reg) == -1) {
		registry_failed(m, "commit");
		return -1;
	}
	program_crash_point("after-registry");
	for (size_t i = 0; i < b->nparcels; i++) {
		log_set_dossier(b->parcels[i].dossier_id);
		if (finish_dossier(m, b->parcels[i].dossier_id, b->courier,
		    b->parcels[i].waybill, b->id) == -1)
			set_status(m, EX_TEMPFAIL);
		log_set_dossier(NULL);
		program_crash_point("after-finish");
	}
	m->batches++;
	log_info("%s: %zu parcels", b->id, b->nparcels);
	return 0;
}

/* open_font - the font, once (batch_press_font); 78 when unusable */
static int
open_font(struct manifest *m)
{
	if (batch_press_font(&m->press) == -1) {
		set_status(m, EX_CONFIG);
		return -1;
	}
	return 0;
}

/*
 * make_batches - at end of input: per courier, in (postcode, id) order,
 * cut into batches numbered on from the day's last one.
 */
static void
make_batches(struct manifest *m)
{
	size_t start = 0, size = (size_t)(m->cfg.batch_size > 0 ?
	    m->cfg.batch_size : 50);

	program_crash_point("after-waybills");
	if (m->nparcels == 0 || open_font(m) == -1)
		return;
	courier_sort(m->parcels, m->nparcels);
	while (start < m->nparcels) {
		size_t end = start;

		while (end < m->nparcels && strcmp(m->parcels[end].courier,
		    m->parcels[start].courier) == 0)
			end++;
		for (size_t first = start; first < end; first += size) {
			struct batch b;
			int n = registry_next_batch(m->reg, m->date,
			    m->parcels[start].courier);

			if (n < 1) {
				registry_failed(m, "next batch");
				return;
			}
			memset(&b, 0, sizeof b);
			snprintf(b.date, sizeof b.date, "%s", m->date);
			snprintf(b.courier, sizeof b.courier, "%s",
			    m->parcels[start].courier);
			b.number = n;
			snprintf(b.id, sizeof b.id, "%s/%s-%d", m->date,
			    b.courier, n);
			b.parcels = &m->parcels[first];
			b.nparcels = end - first < size ? end - first : size;
			if (make_batch(m, &b) == -1) {
				log_warnx("%s: batch not made; its dossiers "
				    "keep their waybills and stay in the "
				    "spool", b.id);
				set_status(m, errno_is_transient(errno) ?
				    EX_TEMPFAIL : EX_SOFTWARE);
				return;
			}
		}
		start = end;
	}
}

/* manifest_run - the stage: recover, take every id, batch at the end */
static int
manifest_run(struct manifest *m)
{
	char id[256];
	int status;

	if (spool_init(&m->cfg) == -1)
		fatal("%s", m->cfg.home);
	m->reg = registry_open(m->cfg.records, &status);
	if (m->reg == NULL)
		fatalx(status ? status : EX_SOFTWARE, "%s: cannot open the "
		    "registry", m->cfg.records);
	date_format(time_day(m->cfg.now, m->cfg.tz), m->date, sizeof m->date);
	batch_press_init(&m->press, &m->cfg, m->reg);
	if (recover(m) == -1)
		set_status(m, EX_TEMPFAIL);
	while (stage_read_id(id, sizeof id) == 1) {
		log_set_dossier(id_valid(id) ? id : NULL);
		take_dossier(m, id);
		log_set_dossier(NULL);
		stage_emit(id);
	}
	make_batches(m);
	if (log_level_get() >= LOG_VERBOSE)
		log_info("%zu parcels, %d batches", m->nparcels, m->batches);
	registry_close(m->reg);
	batch_press_close(&m->press);
	free(m->parcels);
	return m->status;
}

static const char usage[] =
    "usage: manifest [options] < ids\n"
    "Ships verified paper reports in courier batches under\n"
    "OUT/courier/<date>/<courier>-<n>/ (manifest.csv, manifest.pdf,\n"
    "labels.pdf, reports.pdf); passes every id on. A parcel whose label\n"
    "cannot show a character is held for an operator. Sender from the\n"
    "keys SENDER_NAME, SENDER_PHONE, SENDER_ADDRESS, SENDER_POSTCODE\n"
    "(config file or CREDPIPE_SENDER_*; unset ones are not printed).\n";

/* print_usage - the brief manual, then the shared options */
static void
print_usage(FILE *fp)
{
	fprintf(fp, "%s%s", usage, config_common_help());
}

int
main(int argc, char **argv)
{
	static struct manifest m;
	int status, optind_after;

	optind_after = program_start(&m.cfg, argc, argv, NULL, NULL, NULL,
	    print_usage, 0, &status);
	if (optind_after < 0)
		return status;
	xml_init();
	status = manifest_run(&m);
	xml_cleanup();
	config_free(&m.cfg);
	return status;
}
