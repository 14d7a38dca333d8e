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
 */
#ifndef CREDPIPE_CLAIM_H
#define CREDPIPE_CLAIM_H

#include <stddef.h>

struct claim {
	char folder[1024];
	char claimed[48];
	char id_source[16];
	int incomplete;
};

/* claim_save - commit C as DOSSIER_DIR/claim */
int claim_save(const char *dossier_dir, const struct claim *c);
/* claim_load - read DOSSIER_DIR/claim; 0 or -1/errno */
int claim_load(const char *dossier_dir, struct claim *c);

#endif
