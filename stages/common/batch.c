/*
 * batch.c - a courier batch's four files, built the same way by manifest
 * (a new batch) and by `credpipe reprint` (a batch the registry holds).
 * See batch.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "config.h"
#include "dossier.h"
#include "fsutil.h"
#include "log.h"
#include "pdf.h"
#include "program.h"
#include "registry.h"
#include "report.h"
#include "spool.h"
#include "timeutil.h"

/* the four files of a batch, in the order they are written */
static const char *const batch_files[] = { "manifest.csv", "manifest.pdf",
    "labels.pdf", "reports.pdf" };
#define NBATCH_FILES (sizeof batch_files / sizeof *batch_files)

/* batch_press_init - BP for CFG and REG, with the sender block loaded */
void
batch_press_init(struct batch_press *bp, const struct config *cfg,
    struct registry *reg)
{
	static const struct { const char *key, *fallback; size_t off, size; }
	    keys[] = {
		{ "SENDER_NAME", "学历认证中心 Credential Certification Office",
		  offsetof(struct sender, name), sizeof bp->sender.name },
		{ "SENDER_PHONE", "", offsetof(struct sender, phone),
		  sizeof bp->sender.phone },
		{ "SENDER_ADDRESS", "", offsetof(struct sender, address),
		  sizeof bp->sender.address },
		{ "SENDER_POSTCODE", "", offsetof(struct sender, postcode),
		  sizeof bp->sender.postcode },
	};

	memset(bp, 0, sizeof *bp);
	bp->cfg = cfg;
	bp->reg = reg;
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		const char *v = config_get(cfg, keys[i].key);
		snprintf((char *)&bp->sender + keys[i].off, keys[i].size, "%s",
		    v ? v : keys[i].fallback);
	}
}

/* batch_press_close - release the font */
void
batch_press_close(struct batch_press *bp)
{
	if (bp->font != NULL)
		pdf_font_close(bp->font);
	bp->font = NULL;
}

/*
 * batch_press_font - the CJK font, once. The sender block is on every
 * label: a sender the font cannot show is a configuration error (78),
 * not a reason to hold every dossier.
 */
int
batch_press_font(struct batch_press *bp)
{
	const struct { const char *key, *text; } sender[] = {
		{ "SENDER_NAME", bp->sender.name },
		{ "SENDER_PHONE", bp->sender.phone },
		{ "SENDER_ADDRESS", bp->sender.address },
		{ "SENDER_POSTCODE", bp->sender.postcode },
	};
	char why[512];

	if (bp->font_failed)
		return -1;
	if (bp->font != NULL)
		return 0;
	bp->font = pdf_font_open(bp->cfg->font, why, sizeof why);
	if (bp->font == NULL) {
		log_warnx("font: %s; nothing is shipped", why);
		bp->font_failed = 1;
		return -1;
	}
	for (size_t i = 0; i < sizeof sender / sizeof *sender; i++)
		if (!pdf_font_covers(bp->font, sender[i].text, why,
		    sizeof why)) {
			log_warnx("%s: %s; nothing is shipped until the "
			    "configuration is corrected", sender[i].key, why);
			bp->font_failed = 1;
			return -1;
		}
	return 0;
}

/* batch_fill_parcel - P for dossier D with WAYBILL and report NUMBER */
void
batch_fill_parcel(struct parcel *p, const struct dossier *d,
    const char *waybill, const char *number)
{
	memset(p, 0, sizeof *p);
#define COPY(field, value) snprintf(p->field, sizeof p->field, "%s", value)
	COPY(dossier_id, d->id);
	COPY(courier, d->delivery.courier);
	COPY(waybill, waybill);
	COPY(report_number, number);
	COPY(recipient, d->delivery.recipient);
	COPY(phone, d->delivery.phone);
	COPY(province, d->delivery.province);
	COPY(city, d->delivery.city);
	COPY(district, d->delivery.district);
	COPY(address, d->delivery.address);
	COPY(postcode, d->delivery.postcode);
#undef COPY
}

/*
 * batch_created - 00:00 of the batch's day in TZ. The PDFs carry a
 * creation date; taking it from the batch rather than from the run's
 * clock is what lets a reprint match the first build byte for byte.
 */
time_t
batch_created(const struct batch *b, int tz)
{
	long days;

	if (date_parse_days(b->date, &days) == -1)
		return 0;
	return (time_t)days * 86400 - (time_t)tz * 60;
}

/*
 * batch_reports - the batch's paper reports in manifest order, drawn by
 * typeset's own layout (report_paper_draw) from the same fields typeset
 * used: the dossier and the paper report issued in the registry.
 */
static int
batch_reports(struct batch_press *bp, struct pdf_doc *doc,
    const struct batch *b)
{
	if (!bp->key_loaded) {
		if (keys_load_signing(bp->cfg->home, &bp->key) == -1) {
			log_warn("%s/keys/signing.key", bp->cfg->home);
			return -1;
		}
		bp->key_loaded = 1;
	}
	for (size_t i = 0; i < b->nparcels; i++) {
		char dir[4096], why[512] = "not in the spool";
		struct report_fields f;

		if (spool_locate(bp->cfg, b->parcels[i].dossier_id, dir,
		    sizeof dir) == SPOOL_NONE ||
		    report_paper_fields(bp->reg, &bp->key, bp->cfg->verify_url,
		    b->parcels[i].dossier_id, dir, &f, why, sizeof why) == -1) {
			log_warnx("%s: cannot draw its report again: %s",
			    b->parcels[i].dossier_id, why);
			errno = EINVAL;
			return -1;
		}
		report_paper_draw(doc, &f);
	}
	return 0;
}

/* save_pdf - render DOC to PATH (0640); -1 held or failed */
static int
save_pdf(struct pdf_doc *doc, const char *path)
{
	enum pdf_status st = pdf_doc_save(doc, path, 0640);

	if (st == PDF_OK)
		return 0;
	log_warnx("%s: %s", path, pdf_doc_error(doc) ? pdf_doc_error(doc) :
	    "cannot write");
	errno = st == PDF_HELD ? EINVAL : errno;
	return -1;
}

/* batch_write_files - the four files of batch B into DIR */
int
batch_write_files(struct batch_press *bp, const char *dir,
    const struct batch *b)
{
	char path[4096], title[128];
	struct buffer csv = { 0 };
	struct pdf_info info = { 0 };
	struct pdf_doc *doc;
	int rc;

	if (batch_press_font(bp) == -1) {
		errno = EINVAL;
		return -1;
	}
	courier_csv(&csv, b->parcels, b->nparcels);
	rc = commit_file(fs_path(path, sizeof path, "%s/%s", dir,
	    batch_files[0]), csv.data, csv.len, 0640);
	buffer_free(&csv);
	if (rc == -1) {
		log_warn("%s", path);
		return -1;
	}
	snprintf(title, sizeof title, "%s", b->id);
	info.title = title;
	info.subject = "交寄清单 Dispatch list";
	info.created = batch_created(b, bp->cfg->tz);
	if ((doc = pdf_doc_new(bp->font, &info)) == NULL)
		return -1;
	rc = courier_dispatch_list(doc, b, &bp->sender) == -1 ? -1 :
	    save_pdf(doc, fs_path(path, sizeof path, "%s/%s", dir,
	    batch_files[1]));
	pdf_doc_free(doc);
	if (rc == -1)
		return -1;
	info.subject = "面单 Labels";
	if ((doc = pdf_doc_new(bp->font, &info)) == NULL)
		return -1;
	rc = courier_labels(doc, b, &bp->sender) == -1 ? -1 :
	    save_pdf(doc, fs_path(path, sizeof path, "%s/%s", dir,
	    batch_files[2]));
	pdf_doc_free(doc);
	if (rc == -1)
		return -1;
	info.subject = "认证报告 Certification reports";
	if ((doc = pdf_doc_new(bp->font, &info)) == NULL)
		return -1;
	rc = batch_reports(bp, doc, b) == -1 ? -1 :
	    save_pdf(doc, fs_path(path, sizeof path, "%s/%s", dir,
	    batch_files[3]));
	pdf_doc_free(doc);
	return rc;
}

/* same_file - whether files A and B hold the same bytes (1), not (0) */
static int
same_file(const char *a, const char *b)
{
	char *x, *y;
	size_t xlen, ylen;
	int same;

	if (fs_read_file(a, 256 << 20, &x, &xlen) == -1)
		return 0;
	if (fs_read_file(b, 256 << 20, &y, &ylen) == -1) {
		free(x);
		return 0;
	}
	same = xlen == ylen && memcmp(x, y, xlen) == 0;
	free(x);
	free(y);
	return same;
}

/* same_batch - whether folders A and B hold the same four files */
static int
same_batch(const char *a, const char *b)
{
	char pa[4096], pb[4096];

	for (size_t i = 0; i < NBATCH_FILES; i++)
		if (!same_file(fs_path(pa, sizeof pa, "%s/%s", a,
		    batch_files[i]), fs_path(pb, sizeof pb, "%s/%s", b,
		    batch_files[i])))
			return 0;
	return 1;
}

/*
 * put_in_place - TEMP (complete, fsynced) becomes FINAL. A new batch is
 * renamed without replacing anything. A reprint swaps the two folders in
 * one rename (RENAME_EXCHANGE), so FINAL is at every moment either the
 * old batch or the new one, never a mix; the old one, now under the temp
 * name, is then removed (a crash before that leaves a .tmp-<pid>- folder
 * that manifest's recovery removes).
 */
static enum batch_built
put_in_place(const char *daydir, const char *temp, const char *final,
    int replace)
{
	if (replace && fs_is_dir(final)) {
		if (same_batch(temp, final)) {
			fs_remove_tree(temp);
			return BATCH_SAME;
		}
		if (renameat2(AT_FDCWD, temp, AT_FDCWD, final,
		    RENAME_EXCHANGE) == -1 || fs_fsync_dir(daydir) == -1) {
			log_warn("%s: replacing the batch", final);
			fs_remove_tree(temp);
			return BATCH_FAILED;
		}
		if (fs_remove_tree(temp) == -1)
			log_warn("%s: the replaced batch", temp);
		return BATCH_REPLACED;
	}
	/* the commit point: never over an existing batch */
	if (renameat2(AT_FDCWD, temp, AT_FDCWD, final, RENAME_NOREPLACE)
	    == -1 || fs_fsync_dir(daydir) == -1) {
		int err = errno;
		log_warn("%s: committing the batch", final);
		fs_remove_tree(temp);
		errno = err;
		return BATCH_FAILED;
	}
	return BATCH_NEW;
}

/* batch_build - B's folder, built aside and renamed into place */
enum batch_built
batch_build(struct batch_press *bp, const struct batch *b, int replace)
{
	char daydir[4096], temp[4096], final[4096];
	/* with GROUP, out/ is setgid: its folders keep the bit (and so
	 * pass the group on) for the mailroom to read the batch */
	mode_t dir_mode = bp->cfg->group[0] != '\0' ? 02750 : 0750;

	fs_path(daydir, sizeof daydir, "%s/courier/%s", bp->cfg->out, b->date);
	if (fs_mkdirs(daydir, dir_mode) == -1 || fs_fsync_parent(daydir) == -1) {
		log_warn("%s", daydir);
		return BATCH_FAILED;
	}
	fs_path(temp, sizeof temp, "%s/%s%ld-%s-%d", daydir, FS_TEMP_PREFIX,
	    (long)getpid(), b->courier, b->number);
	fs_path(final, sizeof final, "%s/%s-%d", daydir, b->courier,
	    b->number);
	if (fs_exists(temp))
		fs_remove_tree(temp);
	if (mkdir(temp, 0750) == -1) {
		log_warn("%s", temp);
		return BATCH_FAILED;
	}
	chmod(temp, dir_mode);
	if (batch_write_files(bp, temp, b) == -1 || fs_fsync_dir(temp) == -1) {
		int err = errno;
		fs_remove_tree(temp);
		errno = err;
		return BATCH_FAILED;
	}
	program_crash_point("before-rename");
	return put_in_place(daydir, temp, final, replace);
}

struct loading {
	struct batch_press *bp;
	struct parcel *parcels;
	size_t n, cap;
	char *why;
	size_t size;
};

/* load_parcel - one shipment of the batch, rebuilt from its dossier */
static int
load_parcel(void *ctx, const char *id, const char *waybill)
{
	struct loading *l = ctx;
	struct reg_report rep;
	struct dossier *d;
	char dir[4096];
	int rc = 1;         /* stops the walk; WHY says why */

	if (l->n == l->cap) {
		struct parcel *grown;

		l->cap = l->cap ? l->cap * 2 : 64;
		if ((grown = realloc(l->parcels, l->cap * sizeof *grown)) ==
		    NULL)
			fatal("batch_load");
		l->parcels = grown;
	}
	if ((d = calloc(1, sizeof *d)) == NULL)
		fatal("batch_load");
	if (spool_locate(l->bp->cfg, id, dir, sizeof dir) == SPOOL_NONE)
		snprintf(l->why, l->size, "%s: no such dossier in HOME", id);
	else if (dossier_load(dir, d) < 0 || !d->has_delivery)
		snprintf(l->why, l->size, "%s: no delivery block in its "
		    "dossier.xml", id);
	else if (registry_find_dossier_report(l->bp->reg, id, &rep) != 1 ||
	    rep.number[0] == '\0')
		snprintf(l->why, l->size, "%s: no paper report in the "
		    "registry", id);
	else if (waybill[0] == '\0')
		snprintf(l->why, l->size, "%s: no waybill in the registry", id);
	else {
		batch_fill_parcel(&l->parcels[l->n++], d, waybill, rep.number);
		rc = 0;
	}
	free(d);
	return rc;
}

/* parse_batch_id - "YYYY-MM-DD/COURIER-n" into B's date, courier, number */
static int
parse_batch_id(const char *id, struct batch *b)
{
	const char *slash = strchr(id, '/'), *dash;
	char *end;
	long n;
	int y, mo, d;

	if (slash == NULL || slash - id != 10 ||
	    (dash = strrchr(slash, '-')) == NULL || dash - slash - 1 < 1 ||
	    (size_t)(dash - slash - 1) >= sizeof b->courier)
		return -1;
	n = strtol(dash + 1, &end, 10);
	if (end == dash + 1 || *end != '\0' || n < 1 || n > 1000000)
		return -1;
	memset(b, 0, sizeof *b);
	memcpy(b->date, id, 10);
	if (date_parse(b->date, &y, &mo, &d) == -1)
		return -1;
	memcpy(b->courier, slash + 1, (size_t)(dash - slash - 1));
	b->number = (int)n;
	snprintf(b->id, sizeof b->id, "%s/%s-%d", b->date, b->courier,
	    b->number);
	return strcmp(b->id, id) == 0 ? 0 : -1;
}

/* batch_load - batch BATCH_ID from the registry and the dossiers */
int
batch_load(struct batch_press *bp, const char *batch_id, struct batch *b,
    char *why, size_t size)
{
	struct loading l = { bp, NULL, 0, 0, why, size };
	int rc;

	if (parse_batch_id(batch_id, b) == -1) {
		snprintf(why, size, "not a batch id (DATE/COURIER-N, as "
		    "2026-11-28/EMS-1)");
		return 0;
	}
	rc = registry_each_shipment(bp->reg, b->id, load_parcel, &l);
	if (rc != 0) {
		if (rc == -1)
			snprintf(why, size, "the registry cannot be read");
		free(l.parcels);
		return -1;
	}
	if (l.n == 0) {
		snprintf(why, size, "no such batch in the registry");
		free(l.parcels);
		return 0;
	}
	/* the order manifest wrote: a batch is a run of the sorted parcels,
	 * and (postcode, dossier id) orders them completely */
	courier_sort(l.parcels, l.n);
	b->parcels = l.parcels;
	b->nparcels = l.n;
	return 1;
}

/* batch_label - the label of parcel I of B alone, rendered into *BUF */
int
batch_label(struct batch_press *bp, const struct batch *b, size_t i,
    unsigned char **buf, size_t *len)
{
	char title[128];
	struct pdf_info info = { 0 };
	struct pdf_doc *doc;
	int rc = -1;

	if (batch_press_font(bp) == -1)
		return -1;
	snprintf(title, sizeof title, "%s %s", b->id, b->parcels[i].waybill);
	info.title = title;
	info.subject = "面单 Label";
	info.created = batch_created(b, bp->cfg->tz);
	if ((doc = pdf_doc_new(bp->font, &info)) == NULL)
		return -1;
	if (courier_label(doc, b, i, &bp->sender) == 0 &&
	    pdf_doc_render(doc, buf, len) == PDF_OK)
		rc = 0;
	else
		log_warnx("%s: %s: cannot lay out its label: %s", b->id,
		    b->parcels[i].waybill, pdf_doc_error(doc) ?
		    pdf_doc_error(doc) : "out of memory");
	pdf_doc_free(doc);
	return rc;
}
