/*
 * claim.h - ingest's record of how a folder was claimed,
 * HOME/spool/<id>/claim (written by ingest through the commit routine).
 *
 * Format: "key=value" lines; values percent-encoded (bytes < 0x21, '%',
 * '=' and 0x7f as %XX), so that any folder name an operator can type
 * (spaces, quotes, newlines, Chinese) survives.
 *   folder=<original folder name in the inbox>
 *   claimed=<ISO 8601 time of the claim, --now>
 *   id-source=dossier|folder|generated
 *   incomplete=0|1      (claimed by --incomplete-after, files missing)
 *   refused=<code> TAB <file> TAB <sentence>   (any number, in order)
 *
 * A "refused" line names what ingest did not copy into the spool: a link,
 * a special file, a file with other names (hard links), a folder nested
 * too deeply, a file over its limit. Ingest commits the record with them
 * before the claim's commit point; validate turns each into a reason
 * (SPEC §3: unsafe-input, or bad-attachment for an oversized scan).
 */
#ifndef CREDPIPE_CLAIM_H
#define CREDPIPE_CLAIM_H

#include <stddef.h>

#define CLAIM_MAX_REFUSED 16

/* one thing ingest refused to copy, and why */
struct claim_refusal {
	char code[24];          /* a reason code of SPEC §3 */
	char file[80];          /* the entry, as shown ("" for the folder) */
	char text[320];         /* a sentence for the result and REASON */
};

struct claim {
	char folder[1024];
	char claimed[48];
	char id_source[16];
	int incomplete;
	int nrefused;
	struct claim_refusal refused[CLAIM_MAX_REFUSED];
};

/* claim_save - commit C as DOSSIER_DIR/claim */
int claim_save(const char *dossier_dir, const struct claim *c);
/* claim_load - read DOSSIER_DIR/claim; 0 or -1/errno */
int claim_load(const char *dossier_dir, struct claim *c);
/*
 * claim_refuse - add a refusal (printf-style sentence) to C; past
 * CLAIM_MAX_REFUSED the last one says that there are more.
 */
void claim_refuse(struct claim *c, const char *code, const char *file,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* claim_refused - C refused the entry FILE of the folder */
int claim_refused(const struct claim *c, const char *file);

#endif
