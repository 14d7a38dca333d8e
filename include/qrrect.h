/*
 * qrrect.h - finder-pattern triples rectified (or their regions enlarged)
 * before zbar: two photo passes of qrscan.c's cascade.
 *
 * zbar's QR finder wants about 3 pixels a module and a code not far from
 * square; a phone photograph gives 1.5-3 pixel modules and codes tilted
 * 45-60 degrees. The finder gate (qrgate.h) already finds the finder
 * patterns themselves, with their module size: three of them placed
 * like one code's give the code's quadrilateral, and a homography maps
 * it onto an upright square of QRRECT_MODULE pixels a module.
 */
#ifndef CREDPIPE_QRRECT_H
#define CREDPIPE_QRRECT_H

#include <zbar.h>

#include "scanresult.h"

/* pixels a module in the rectified view (zbar needs 3 or more) */
#define QRRECT_MODULE 5
/* finder triples tried on one view, best placed first */
#define QRRECT_MAX_TRIPLES 12

/* a plane projective transform: (x, y) -> (m0 x + m1 y + m2, m3 x + m4 y
 * + m5) / (m6 x + m7 y + m8) */
struct qrrect_homography {
	double m[9];
};

/*
 * qrrect_homography - the homography taking the quadrilateral FROM
 * (x0, y0, ..., x3, y3, corners in order around it) onto TO, into HM.
 * 0, or -1 when either quadrilateral is degenerate: two corners
 * together, three in a line, crossed sides or a dent (not convex), or
 * a transform that would send part of FROM to infinity.
 */
int qrrect_homography(const double from[8], const double to[8],
    struct qrrect_homography *hm);
/* qrrect_map - (X, Y) through HM into (*OX, *OY) */
void qrrect_map(const struct qrrect_homography *hm, double x, double y,
    double *ox, double *oy);
/*
 * qrrect_warp - the OW x OH view OUT sampled (bilinear) from GRAY (W x
 * H, rows W bytes apart) through VIEW_TO_PAGE, which takes a view
 * pixel's centre to page coordinates; outside the page is white.
 */
void qrrect_warp(const unsigned char *gray, unsigned w, unsigned h,
    const struct qrrect_homography *view_to_page, unsigned char *out,
    unsigned ow, unsigned oh);

enum qrrect_mode {
	QRRECT_RECTIFY,         /* each triple's quadrilateral made square */
	QRRECT_ENLARGE          /* each triple's region scaled x2 or x3 */
};

/*
 * qrrect_scan - find finder triples in GRAY (W x H, SCALE page pixels a
 * pixel) and hand each one's view (MODE) to zbar's SCANNER, and to
 * zxing-cpp too when ZXING; codes not yet in SA are added to it as
 * found by PASS, boxes in page pixels. The number of codes added, or -1
 * out of memory.
 */
int qrrect_scan(zbar_image_scanner_t *scanner, int zxing,
    enum qrrect_mode mode, const unsigned char *gray, unsigned w,
    unsigned h, int scale, const char *pass, struct scan_attachment *sa);

#endif
