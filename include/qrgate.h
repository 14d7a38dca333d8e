/*
 * qrgate.h - does a page carry a QR code at all? Finder-pattern
 * candidates (1:1:3:1:1 runs across and down) found in a few
 * milliseconds, so that the decoding cascade runs only where a code can
 * be.
 *
 * The input is any gray raster with its scale (page pixels per raster
 * pixel): the PNG reader gives the page itself, a JPEG or PDF decoder can
 * give a reduced rendering. qrscan.c says when the gate is trusted.
 */
#ifndef CREDPIPE_QRGATE_H
#define CREDPIPE_QRGATE_H

#include <stddef.h>

#define QRGATE_MAX_CANDIDATES 64
#define QRGATE_MAX_BOXES 8

/* one finder-pattern candidate, in page pixels */
struct qrgate_candidate {
	int x, y;               /* centre */
	int module;             /* estimated module size, at least 1 */
	int hits;               /* lines that confirmed it */
	int inverted;           /* light modules on dark ground */
};

struct qrgate_result {
	struct qrgate_candidate c[QRGATE_MAX_CANDIDATES];
	int ncandidates;        /* distinct centres (confirmed or not) */
	int nconfirmed;         /* of those, hit by QRGATE_MIN_HITS lines */
	int ntriples;           /* three candidates placed like one code's */
	/*
	 * where the codes can be: each triple's code (its fourth corner
	 * completed) with a quiet zone, overlapping ones merged; in page
	 * pixels, x1 and y1 excluded
	 */
	struct qrgate_box { int x0, y0, x1, y1; } box[QRGATE_MAX_BOXES];
	int nboxes;
};

/* a candidate seen on at least this many lines counts as confirmed */
#define QRGATE_MIN_HITS 2

struct qrgate;

/* qrgate_new - scratch for one worker; NULL on out of memory */
struct qrgate *qrgate_new(void);
/* qrgate_free - release it */
void qrgate_free(struct qrgate *g);
/*
 * qrgate_scan - look for finder patterns in GRAY (W x H, rows STRIDE
 * bytes apart, SCALE page pixels a raster pixel) into RES (cleared
 * first, confirmed candidates first). 0, or -1 on out of memory.
 */
int qrgate_scan(struct qrgate *g, const unsigned char *gray, unsigned w,
    unsigned h, size_t stride, int scale, struct qrgate_result *res);

#endif
