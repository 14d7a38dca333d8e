/*
 * batch.h - building a courier batch's four files (SPEC §7), once, for
 * both programs that do it: manifest, which makes a new batch, and
 * `credpipe reprint`, which rebuilds one the registry already holds.
 *
 * A batch is fully determined by the registry (its shipments, waybills
 * and paper reports), the dossiers' delivery blocks, the sender keys of
 * the configuration, the font and the signing key; its documents are
 * dated by the batch's own day, not by the clock of the run that built
 * it. So a rebuild with nothing changed is byte for byte the first one,
 * and a reprint never needs a new waybill or report number.
 */
#ifndef CREDPIPE_BATCH_H
#define CREDPIPE_BATCH_H

#include <stddef.h>
#include <time.h>

#include "courier.h"
#include "payload.h"

struct config;
struct dossier;
struct registry;
struct pdf_font;

/* what building a batch's files needs, opened once per program */
struct batch_press {
	const struct config *cfg;
	struct registry *reg;
	struct pdf_font *font;
	int font_failed;            /* no font, or a sender it cannot show */
	struct sender sender;
	struct signing_key key;     /* for the reports' QR payloads */
	int key_loaded;
};

/* batch_press_init - BP for CFG and the open registry REG; sender loaded */
void batch_press_init(struct batch_press *bp, const struct config *cfg,
    struct registry *reg);
/* batch_press_close - release the font */
void batch_press_close(struct batch_press *bp);
/*
 * batch_press_font - the CJK font, opened once. A sender block the font
 * cannot show is on every label: a configuration error. 0, or -1 (said;
 * the caller's exit status is 78).
 */
int batch_press_font(struct batch_press *bp);

/* batch_fill_parcel - P for dossier D with WAYBILL and report NUMBER */
void batch_fill_parcel(struct parcel *p, const struct dossier *d,
    const char *waybill, const char *number);

/* batch_created - the date inside a batch's PDFs: 00:00 of its day in TZ */
time_t batch_created(const struct batch *b, int tz);

/*
 * batch_write_files - manifest.csv, manifest.pdf, labels.pdf and
 * reports.pdf of B into DIR, each committed (commit_file). 0 or -1.
 */
int batch_write_files(struct batch_press *bp, const char *dir,
    const struct batch *b);

/* what batch_build did */
enum batch_built {
	BATCH_FAILED = -1,
	BATCH_NEW = 0,              /* the folder was made */
	BATCH_SAME = 1,             /* it exists with the same four files */
	BATCH_REPLACED = 2          /* it existed and was replaced whole */
};

/*
 * batch_build - the folder OUT/courier/<date>/<courier>-<n>/ of B, built
 * under a temp name, every file committed, then renamed into place: that
 * rename is the commit point, so a batch folder is either absent or
 * complete. Without REPLACE an existing folder is never touched
 * (BATCH_FAILED, EEXIST). With REPLACE (reprint) an existing folder whose
 * four files equal the new ones is left alone; one that differs (a file
 * lost or damaged) is swapped with the new one in one rename
 * (RENAME_EXCHANGE) and the old one removed.
 */
enum batch_built batch_build(struct batch_press *bp, const struct batch *b,
    int replace);

/*
 * batch_load - batch BATCH_ID ("2026-11-28/EMS-1") as the registry holds
 * it: its parcels, rebuilt from each dossier's delivery block, waybill
 * and report number, in manifest order, into B (B->parcels is
 * malloc'ed: free it). 1 loaded, 0 no such batch, -1 failed (WHY says).
 */
int batch_load(struct batch_press *bp, const char *batch_id, struct batch *b,
    char *why, size_t size);

/*
 * batch_label - the label of parcel I of B alone (the page labels.pdf
 * has for it), rendered into *BUF (*LEN bytes; free it). 0 or -1.
 */
int batch_label(struct batch_press *bp, const struct batch *b, size_t i,
    unsigned char **buf, size_t *len);

#endif
