/*
 * qrscan.h - finding and reading QR codes in a gray image (zbar).
 *
 * One struct qrscan per worker thread: zbar image scanners are not shared
 * between threads. The scanner is recreated every QRSCAN_RECYCLE images
 * because a long-lived zbar scanner keeps growing (measured ~0.36 KB per
 * decoded code). Payload bytes are kept exactly: zbar runs with
 * ZBAR_CFG_BINARY on QR, so it never guesses a charset.
 */
#ifndef CREDPIPE_QRSCAN_H
#define CREDPIPE_QRSCAN_H

#include <stddef.h>

#include "image.h"
#include "scanresult.h"

#define QRSCAN_RECYCLE 64

struct qrscan;

/*
 * qrscan_options - what is wanted from one image. STOP_PREFIX (may be
 * NULL): stop as soon as a code starting with it is found (our report
 * payload). EXHAUSTIVE: run every pass even when an early one found a
 * code. GATED: run the cascade only when the finder-pattern gate
 * (qrgate.h) sees a candidate; a page without one is "unreadable" at
 * once (for attachments that need not carry a code). BUDGET: seconds
 * for the whole image, 0 for none; when spent between passes the image
 * is an "error": "decoding took longer than N s".
 */
struct qrscan_options {
	const char *stop_prefix;
	int exhaustive;
	int gated;
	double budget;
};

/* qrscan_stats - what the last image cost (qrscan_last) */
struct qrscan_stats {
	int gated;              /* the gate was asked */
	int candidates;         /* finder-pattern candidates it saw */
	int confirmed;          /* of those, confirmed */
	int triples;            /* three placed like one code's finders */
	int regions;            /* regions around candidates searched */
	int passes;             /* cascade passes run (over all regions) */
	int over_budget;        /* stopped by the time budget */
	double gate_ms;         /* CPU time the gate took */
	int scale;              /* read at 1/scale (JPEG DCT scaling), or 0 */
	int rows;               /* percent of the scaled rows decoded */
};

/* qrscan_new - a scanner for one worker; NULL on out of memory */
struct qrscan *qrscan_new(void);
/*
 * qrscan_set_passes - the pass order, e.g. "full,half,bin,binhalf,inv"
 * (qrscan.c describes each); for measurements. 0, or -1 for a bad list.
 */
int qrscan_set_passes(struct qrscan *qs, const char *list);
/* qrscan_free - release it */
void qrscan_free(struct qrscan *qs);
/*
 * qrscan_file - load PATH (image_reader, top of the page first) and find
 * its QR codes into SA (status "ok", "unreadable" or "error" + message).
 * 0, or -1 when the image could not be read (SA says why).
 */
int qrscan_file(struct qrscan *qs, const char *path,
    const struct qrscan_options *opt, struct scan_attachment *sa);
/* qrscan_fd - the same for the PNG open as FD (closed when done) */
int qrscan_fd(struct qrscan *qs, int fd, const struct qrscan_options *opt,
    struct scan_attachment *sa);
/* qrscan_image - find the QR codes of a loaded image into SA */
int qrscan_image(struct qrscan *qs, const struct image *img,
    const struct qrscan_options *opt, struct scan_attachment *sa);
/* qrscan_last - the cost of the last image scanned */
const struct qrscan_stats *qrscan_last(const struct qrscan *qs);

/*
 * scan_escape - BYTES as text for a person (scanresult.c): printable
 * UTF-8 kept,
 * a backslash as "\\", any other byte as "\xHH". Always NUL-terminated;
 * returns the length it would have needed (like snprintf).
 */
size_t scan_escape(const unsigned char *bytes, size_t len, char *out,
    size_t size);

#endif
