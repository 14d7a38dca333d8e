/*
 * scanresult.h - what the decode stage found in a dossier's scans,
 * committed as HOME/spool/<id>/decode.xml and read by the check stage.
 *
 * Payload bytes are kept exactly (zbar in binary mode); in the file they
 * are hex-encoded so that any byte survives.
 */
#ifndef CREDPIPE_SCANRESULT_H
#define CREDPIPE_SCANRESULT_H

#include <stddef.h>

#define SCAN_MAX_CODES 16
#define SCAN_MAX_ATTACHMENTS 32

struct scan_code {
	unsigned char *data;    /* malloc'd payload bytes (not NUL-terminated) */
	size_t len;
	int x, y, w, h;         /* bounding box in the full image, pixels */
	char pass[32];          /* which decoding pass found it */
};

struct scan_attachment {
	char file[72];
	char kind[32];
	char status[16];        /* "ok", "unreadable" (no code), "error" */
	char message[256];      /* for "error": what is wrong with the image */
	struct scan_code codes[SCAN_MAX_CODES];
	int ncodes;
};

struct scan_result {
	struct scan_attachment attachments[SCAN_MAX_ATTACHMENTS];
	int nattachments;
};

/* scan_result_save - commit SR to PATH; 0 or -1/errno */
int scan_result_save(const struct scan_result *sr, const char *path);
/* scan_result_load - read PATH; 0 or -1/errno */
int scan_result_load(struct scan_result *sr, const char *path);
/* scan_result_free - release the payload buffers */
void scan_result_free(struct scan_result *sr);

#endif
