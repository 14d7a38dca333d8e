/*
 * test_qrrect.c - the homography behind the rect pass: known corners go
 * to known points (and the diagonals' crossing to the image's one),
 * a transform and its inverse compose to the identity, degenerate
 * quadrilaterals are refused; the bilinear warp; and a code drawn in
 * memory under strong perspective, small, that zbar alone misses and
 * the rect pass reads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>
#include <zbar.h>

#include "qrrect.h"
#include "scanresult.h"
#include "unit.h"

/* near - A and B within 1e-6 */
static int
near(double a, double b)
{
	return fabs(a - b) < 1e-6;
}

/* crossing - where the diagonals P0-P2 and P1-P3 of quad Q meet */
static void
crossing(const double q[8], double *x, double *y)
{
	double d1x = q[4] - q[0], d1y = q[5] - q[1];
	double d2x = q[6] - q[2], d2y = q[7] - q[3];
	double den = d1x * d2y - d1y * d2x;
	double t = ((q[2] - q[0]) * d2y - (q[3] - q[1]) * d2x) / den;

	*x = q[0] + t * d1x;
	*y = q[1] + t * d1y;
}

/* test_corners - corners map onto corners, the centre onto the crossing */
static void
test_corners(void)
{
	static const double square[8] = { 0, 0, 100, 0, 100, 100, 0, 100 };
	static const double quad[8] = { 10, 20, 110, 30, 150, 170, 5, 100 };
	struct qrrect_homography hm, back;
	double x, y, cx, cy;
	int ok = 1;

	CHECK(qrrect_homography(square, quad, &hm) == 0,
	    "a square onto a convex quadrilateral");
	for (int i = 0; i < 4; i++) {
		qrrect_map(&hm, square[2 * i], square[2 * i + 1], &x, &y);
		ok &= near(x, quad[2 * i]) && near(y, quad[2 * i + 1]);
	}
	CHECK(ok, "each corner lands on its corner");
	/* a homography keeps lines: the centre goes where the diagonals cross */
	qrrect_map(&hm, 50, 50, &x, &y);
	crossing(quad, &cx, &cy);
	CHECK(near(x, cx) && near(y, cy),
	    "the square's centre lands on the diagonals' crossing "
	    "(%.3f,%.3f vs %.3f,%.3f)", x, y, cx, cy);
	/* the midpoint of an edge does not (perspective, not affine) */
	qrrect_map(&hm, 100, 50, &x, &y);
	CHECK(!near(x, (quad[2] + quad[4]) / 2),
	    "an edge's midpoint is foreshortened");
	CHECK(qrrect_homography(quad, square, &back) == 0,
	    "and the quadrilateral back onto the square");
	ok = 1;
	for (double u = 0; u <= 100; u += 12.5)
		for (double v = 0; v <= 100; v += 12.5) {
			double px, py, qx, qy;

			qrrect_map(&hm, u, v, &px, &py);
			qrrect_map(&back, px, py, &qx, &qy);
			ok &= near(qx, u) && near(qy, v);
		}
	CHECK(ok, "there and back is the identity over the square");
}

/* test_degenerate - quadrilaterals no homography can come from */
static void
test_degenerate(void)
{
	static const double square[8] = { 0, 0, 100, 0, 100, 100, 0, 100 };
	static const struct {
		const char *name;
		double q[8];
	} bad[] = {
		{ "two corners together", { 0, 0, 100, 0, 100, 0, 0, 100 } },
		{ "three corners in a line", { 0, 0, 50, 0, 100, 0, 0, 100 } },
		{ "all in a line", { 0, 0, 10, 10, 20, 20, 30, 30 } },
		{ "crossed sides (a bow tie)", { 0, 0, 100, 100, 100, 0,
		    0, 100 } },
		{ "a dent (not convex)", { 0, 0, 100, 0, 30, 30, 0, 100 } },
		{ "a point", { 5, 5, 5, 5, 5, 5, 5, 5 } },
		{ "not a number", { 0, 0, NAN, 0, 100, 100, 0, 100 } },
	};
	struct qrrect_homography hm;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(qrrect_homography(square, bad[i].q, &hm) == -1,
		    "refused as target: %s", bad[i].name);
		CHECK(qrrect_homography(bad[i].q, square, &hm) == -1,
		    "refused as source: %s", bad[i].name);
	}
	/* the same square, traversed the other way round (a mirror): fine */
	{
		static const double mirror[8] = { 100, 0, 0, 0, 0, 100, 100,
		    100 };
		double x, y;

		CHECK(qrrect_homography(square, mirror, &hm) == 0,
		    "a mirrored square is no degenerate one");
		qrrect_map(&hm, 25, 75, &x, &y);
		CHECK(near(x, 75) && near(y, 75), "and mirrors (%g,%g)", x, y);
	}
}

/* test_warp - the identity copies, a 2x enlargement interpolates */
static void
test_warp(void)
{
	unsigned char img[4 * 4], out[8 * 8];
	struct qrrect_homography id = { { 1, 0, 0, 0, 1, 0, 0, 0, 1 } };
	struct qrrect_homography half = { { 0.5, 0, 0, 0, 0.5, 0, 0, 0, 1 } };

	for (int i = 0; i < 16; i++)
		img[i] = (unsigned char)(i * 16);
	qrrect_warp(img, 4, 4, &id, out, 4, 4);
	CHECK(memcmp(img, out, 16) == 0, "the identity warp copies");
	qrrect_warp(img, 4, 4, &half, out, 8, 8);
	/* view pixel (3,0) centre 3.5 -> page 1.75 -> sample 1.25 */
	CHECK(out[3] == 20 && out[8 * 3 + 3] == 100,
	    "x2: bilinear between pixels (%d, %d)", out[3], out[8 * 3 + 3]);
	qrrect_warp(img, 4, 4, &id, out, 8, 8);
	CHECK(out[7] == 255 && out[8 * 7] == 255,
	    "outside the page is white");
}

/* scanner - zbar for QR codes, as qrscan.c sets it up */
static zbar_image_scanner_t *
scanner(void)
{
	zbar_image_scanner_t *s = zbar_image_scanner_create();

	zbar_image_scanner_set_config(s, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(s, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	zbar_image_scanner_set_config(s, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
	return s;
}

/* zbar_reads - zbar alone finds TEXT in GRAY */
static int
zbar_reads(zbar_image_scanner_t *s, const unsigned char *gray, unsigned w,
    unsigned h, const char *text)
{
	zbar_image_t *zi = zbar_image_create();
	int found = 0;

	zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(zi, w, h);
	zbar_image_set_data(zi, gray, (unsigned long)w * h, NULL);
	if (zbar_scan_image(s, zi) > 0)
		for (const zbar_symbol_t *sym = zbar_image_first_symbol(zi);
		    sym != NULL; sym = zbar_symbol_next(sym))
			found |= strcmp(zbar_symbol_get_data(sym), text) == 0;
	zbar_image_destroy(zi);
	return found;
}

/* blur - GRAY (W x H) smoothed once with a 3x3 cross kernel, in place */
static void
blur(unsigned char *gray, unsigned w, unsigned h)
{
	for (size_t i = w + 1; i + w + 1 < (size_t)w * h; i++)
		gray[i] = (unsigned char)((gray[i - 1] + 2 * gray[i] +
		    gray[i + 1] + gray[i - w] + gray[i + w] + 3) / 6);
}

/*
 * test_perspective - TEXT's code (version 3) drawn flat, then
 * photographed: tilted (one side 90 pixels, the other 80), 2.2 pixels a
 * module, out of focus, on a gray table
 */
static void
test_perspective(void)
{
	const char *text = "https://verify.example.edu.cn/v?c=rect";
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	unsigned fw = (unsigned)(qr->width + 8) * 8, W = 400, H = 300;
	unsigned char *flat = malloc((size_t)fw * fw), *photo = malloc(W * H);
	/* the code's quiet-zone corners, flat and in the photograph */
	double flat_q[8] = { 0, 0, fw, 0, fw, fw, 0, fw };
	double photo_q[8] = { 150, 110, 230, 100, 235, 185, 145, 180 };
	struct qrrect_homography hm;
	zbar_image_scanner_t *s = scanner();
	struct scan_attachment sa;
	int n;

	memset(flat, 235, (size_t)fw * fw);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				for (int k = 0; k < 8; k++)
					memset(flat + (size_t)((y + 4) * 8 + k) *
					    fw + (x + 4) * 8, 30, 8);
	/* the photograph pixel -> flat code pixel transform */
	CHECK(qrrect_homography(photo_q, flat_q, &hm) == 0,
	    "the camera's transform");
	qrrect_warp(flat, fw, fw, &hm, photo, W, H);
	for (size_t i = 0; i < (size_t)W * H; i++)
		if (photo[i] == 255)
			photo[i] = 140;         /* the table */
	blur(photo, W, H);
	blur(photo, W, H);
	CHECK(!zbar_reads(s, photo, W, H, text),
	    "zbar alone does not read the small tilted code");
	memset(&sa, 0, sizeof sa);
	n = qrrect_scan(s, 0, QRRECT_RECTIFY, photo, W, H, 1, "rect", &sa);
	CHECK(n == 1 && sa.ncodes == 1 && sa.codes[0].len == strlen(text) &&
	    memcmp(sa.codes[0].data, text, strlen(text)) == 0,
	    "the rect pass reads it (%d codes)", n);
	CHECK(sa.ncodes == 1 && sa.codes[0].x >= 145 && sa.codes[0].y >= 100 &&
	    sa.codes[0].x + sa.codes[0].w <= 235 &&
	    sa.codes[0].y + sa.codes[0].h <= 185 && sa.codes[0].w > 50,
	    "its box is the code's, in the photograph (%d,%d %dx%d)",
	    sa.ncodes ? sa.codes[0].x : -1, sa.ncodes ? sa.codes[0].y : -1,
	    sa.ncodes ? sa.codes[0].w : -1, sa.ncodes ? sa.codes[0].h : -1);
	for (int i = 0; i < sa.ncodes; i++)
		free(sa.codes[i].data);
	zbar_image_scanner_destroy(s);
	QRcode_free(qr);
	free(flat);
	free(photo);
}

int
main(void)
{
	test_corners();
	test_degenerate();
	test_warp();
	test_perspective();
	return unit_done();
}
