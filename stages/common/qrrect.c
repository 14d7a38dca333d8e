/*
 * qrrect.c - a code's quadrilateral made square before zbar, from the
 * finder patterns the gate found.
 *
 * zbar finds a QR code by its finder patterns along scan lines, and
 * gives up when they are under about 3 pixels a module or so
 * foreshortened that their runs no longer look alike across and down.
 * The finder gate (qrgate.c) looks for the same 1:1:3:1:1 runs with
 * wider tolerances and down to 1.5 pixels a module, and gives each
 * candidate's centre and module size. Three candidates placed like one
 * code's finder patterns (triples(), looser than the gate's own test,
 * which keeps flat scans cheap: here a false triple only costs a small
 * zbar call) fix the code's position, size and tilt: the corner
 * between the two others is the top left, the fourth corner completes
 * the parallelogram. Two views are made of each triple:
 *
 *   rect   the quadrilateral of the four finder centres mapped by a
 *          homography onto an upright square, QRRECT_MODULE pixels a
 *          module, with a quiet zone of QRRECT_QUIET modules (bilinear)
 *   upbox  the triple's region only, scaled x2 or x3 (bilinear): zbar's
 *          own detector then sees 4 or more pixels a module, on a crop a
 *          fraction of the page's size
 *
 * The parallelogram is exact for an affine view (a code far from the
 * camera); under strong perspective the fourth corner is off by up to a
 * few modules, which zbar's own sampling grid absorbs: it locates the
 * finder patterns again in the view and follows the alignment pattern.
 * bench/photo.sh measures what each pass reads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zbar.h>

#include "qrgate.h"
#include "qrrect.h"
#include "qrzxing.h"
#include "scanresult.h"

/* modules of quiet zone around the code in a rectified view */
#define QRRECT_QUIET 5
/* the largest view made (pixels): a bound on one zbar call */
#define QRRECT_MAX_VIEW (1200UL * 1200)
/* the largest page looked at twice its size for finder patterns */
#define QRRECT_MAX_DOUBLE (2600UL * 2000)

/* cross - the z of (B - A) x (C - A) */
static double
cross(const double *a, const double *b, const double *c)
{
	return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

/*
 * quad_ok - Q (four corners in order around it) is a proper convex
 * quadrilateral: every turn the same way and each corner's triangle
 * at least a thousandth of the quadrilateral's bounding square, so that
 * two corners together or three in a line are refused
 */
static int
quad_ok(const double q[8])
{
	double span = 0, min_area;
	int sign = 0;

	for (int i = 0; i < 4; i++) {
		for (int k = 0; k < 2; k++) {
			double d = fabs(q[2 * i + k] - q[2 * ((i + 2) % 4) + k]);

			span = d > span ? d : span;
		}
		if (!isfinite(q[2 * i]) || !isfinite(q[2 * i + 1]))
			return 0;
	}
	min_area = span * span / 1000;
	if (span <= 0)
		return 0;
	for (int i = 0; i < 4; i++) {
		double c = cross(q + 2 * i, q + 2 * ((i + 1) % 4),
		    q + 2 * ((i + 3) % 4));

		if (fabs(c) < min_area)
			return 0;
		if (sign == 0)
			sign = c > 0 ? 1 : -1;
		else if ((c > 0 ? 1 : -1) != sign)
			return 0;
	}
	return 1;
}

/*
 * solve8 - A (8 x 9, augmented) solved in place by Gaussian elimination
 * with partial pivoting into X; 0, or -1 when singular
 */
static int
solve8(double a[8][9], double x[8])
{
	for (int col = 0; col < 8; col++) {
		int piv = col;

		for (int r = col + 1; r < 8; r++)
			if (fabs(a[r][col]) > fabs(a[piv][col]))
				piv = r;
		if (fabs(a[piv][col]) < 1e-12)
			return -1;
		if (piv != col)
			for (int k = 0; k < 9; k++) {
				double t = a[col][k];

				a[col][k] = a[piv][k];
				a[piv][k] = t;
			}
		for (int r = col + 1; r < 8; r++) {
			double f = a[r][col] / a[col][col];

			for (int k = col; k < 9; k++)
				a[r][k] -= f * a[col][k];
		}
	}
	for (int r = 7; r >= 0; r--) {
		double s = a[r][8];

		for (int k = r + 1; k < 8; k++)
			s -= a[r][k] * x[k];
		x[r] = s / a[r][r];
	}
	return 0;
}

/* qrrect_homography - the homography taking quadrilateral FROM onto TO */
int
qrrect_homography(const double from[8], const double to[8],
    struct qrrect_homography *hm)
{
	double a[8][9], x[8], w[4];

	if (!quad_ok(from) || !quad_ok(to))
		return -1;
	/* u (m6 x + m7 y + 1) = m0 x + m1 y + m2, and likewise v */
	for (int i = 0; i < 4; i++) {
		double fx = from[2 * i], fy = from[2 * i + 1];
		double u = to[2 * i], v = to[2 * i + 1];
		double ru[9] = { fx, fy, 1, 0, 0, 0, -fx * u, -fy * u, u };
		double rv[9] = { 0, 0, 0, fx, fy, 1, -fx * v, -fy * v, v };

		memcpy(a[2 * i], ru, sizeof ru);
		memcpy(a[2 * i + 1], rv, sizeof rv);
	}
	if (solve8(a, x) == -1)
		return -1;
	memcpy(hm->m, x, sizeof x);
	hm->m[8] = 1;
	/*
	 * the line sent to infinity must not cross FROM: the denominator
	 * has one sign over its corners, made positive (the transform is
	 * the same up to a factor) so that qrrect_warp can tell the side
	 * of the page's plane the view looks at
	 */
	for (int i = 0; i < 4; i++)
		w[i] = hm->m[6] * from[2 * i] + hm->m[7] * from[2 * i + 1] + 1;
	for (int i = 1; i < 4; i++)
		if (!(w[i] * w[0] > 0))
			return -1;
	if (w[0] < 0)
		for (int i = 0; i < 9; i++)
			hm->m[i] = -hm->m[i];
	return 0;
}

/* qrrect_map - (X, Y) through HM */
void
qrrect_map(const struct qrrect_homography *hm, double x, double y,
    double *ox, double *oy)
{
	const double *m = hm->m;
	double w = m[6] * x + m[7] * y + m[8];

	*ox = (m[0] * x + m[1] * y + m[2]) / w;
	*oy = (m[3] * x + m[4] * y + m[5]) / w;
}

/* qrrect_warp - OUT sampled bilinear from GRAY through VIEW_TO_PAGE */
void
qrrect_warp(const unsigned char *gray, unsigned w, unsigned h,
    const struct qrrect_homography *view_to_page, unsigned char *out,
    unsigned ow, unsigned oh)
{
	const double *m = view_to_page->m;

	for (unsigned y = 0; y < oh; y++) {
		double vy = y + 0.5;
		/* numerators and denominator are linear along the row */
		double nx = m[0] * 0.5 + m[1] * vy + m[2];
		double ny = m[3] * 0.5 + m[4] * vy + m[5];
		double d = m[6] * 0.5 + m[7] * vy + m[8];
		unsigned char *o = out + (size_t)y * ow;

		for (unsigned x = 0; x < ow; x++, nx += m[0], ny += m[3],
		    d += m[6]) {
			double px, py, fx, fy;
			int x0, y0, x1, y1;

			if (d <= 0) {
				o[x] = 255;
				continue;
			}
			px = nx / d - 0.5;
			py = ny / d - 0.5;
			if (!(px > -1 && py > -1 && px < w && py < h)) {
				o[x] = 255;
				continue;
			}
			x0 = (int)floor(px);
			y0 = (int)floor(py);
			fx = px - x0;
			fy = py - y0;
			x1 = x0 + 1 < (int)w ? x0 + 1 : (int)w - 1;
			y1 = y0 + 1 < (int)h ? y0 + 1 : (int)h - 1;
			x0 = x0 < 0 ? 0 : x0;
			y0 = y0 < 0 ? 0 : y0;
			{
				const unsigned char *r0 = gray + (size_t)y0 * w;
				const unsigned char *r1 = gray + (size_t)y1 * w;
				double top = r0[x0] + (r0[x1] - r0[x0]) * fx;
				double bot = r1[x0] + (r1[x1] - r1[x0]) * fx;

				o[x] = (unsigned char)(top + (bot - top) * fy +
				    0.5);
			}
		}
	}
}

/* one triple: finder centres A (top left), B, C, and its quality */
struct triple {
	double a[2], b[2], c[2];
	double module;          /* mean module size, pixels */
	int confirmed;          /* of the three, confirmed by the gate */
	double badness;         /* off a square: side ratio and angle */
};

/*
 * triple_of - candidates P, Q, R as one code's finder patterns into T:
 * same polarity, module sizes within 2x, the corner between the two
 * others at 45-135 degrees, sides within 2.5x of each other and 9 to
 * 180 modules long. Wider than the gate's l_shape: a code tilted 60
 * degrees away from the camera halves one side and bends the angle.
 * 1 when they qualify.
 */
static int
triple_of(const struct qrgate_candidate *p, const struct qrgate_candidate *q,
    const struct qrgate_candidate *r, double unit, struct triple *t)
{
	const struct qrgate_candidate *k[3] = { p, q, r };
	double best = -1, m, ab, ac, cosine;
	int corner = 0, mn = p->module, mx = p->module;

	if (p->inverted != q->inverted || p->inverted != r->inverted)
		return 0;
	for (int i = 0; i < 3; i++) {
		const struct qrgate_candidate *u = k[(i + 1) % 3];
		const struct qrgate_candidate *v = k[(i + 2) % 3];
		double d = hypot(u->x - v->x, u->y - v->y);

		if (d > best)
			best = d, corner = i;
		mn = k[i]->module < mn ? k[i]->module : mn;
		mx = k[i]->module > mx ? k[i]->module : mx;
	}
	if (mx > 2 * mn + 1)
		return 0;
	m = unit * (p->module + q->module + r->module) / 3.0;
	t->a[0] = unit * k[corner]->x, t->a[1] = unit * k[corner]->y;
	t->b[0] = unit * k[(corner + 1) % 3]->x;
	t->b[1] = unit * k[(corner + 1) % 3]->y;
	t->c[0] = unit * k[(corner + 2) % 3]->x;
	t->c[1] = unit * k[(corner + 2) % 3]->y;
	/* B along the code's top, C down its left side (y grows down) */
	if (cross(t->a, t->b, t->c) < 0) {
		double s0 = t->b[0], s1 = t->b[1];

		t->b[0] = t->c[0], t->b[1] = t->c[1];
		t->c[0] = s0, t->c[1] = s1;
	}
	ab = hypot(t->b[0] - t->a[0], t->b[1] - t->a[1]);
	ac = hypot(t->c[0] - t->a[0], t->c[1] - t->a[1]);
	if (ab < 9 * m || ac < 9 * m || ab > 180 * m || ac > 180 * m ||
	    ab > 2.5 * ac || ac > 2.5 * ab)
		return 0;
	cosine = ((t->b[0] - t->a[0]) * (t->c[0] - t->a[0]) +
	    (t->b[1] - t->a[1]) * (t->c[1] - t->a[1])) / (ab * ac);
	if (fabs(cosine) > 0.71)
		return 0;
	t->module = m;
	t->confirmed = (p->hits >= QRGATE_MIN_HITS) +
	    (q->hits >= QRGATE_MIN_HITS) + (r->hits >= QRGATE_MIN_HITS);
	t->badness = fabs(log(ab / ac)) + fabs(cosine);
	return 1;
}

/* by_quality - more confirmed finders first, then nearer a square */
static int
by_quality(const void *x, const void *y)
{
	const struct triple *s = x, *t = y;

	if (s->confirmed != t->confirmed)
		return t->confirmed - s->confirmed;
	return (s->badness > t->badness) - (s->badness < t->badness);
}

/*
 * triples - the best QRRECT_MAX_TRIPLES triples of RES (candidates in
 * UNIT pixels) into T (at least one confirmed finder each); their number
 */
static int
triples(const struct qrgate_result *res, double unit, struct triple *t)
{
	struct triple all[4 * QRRECT_MAX_TRIPLES];
	int n = 0, keep = 4 * QRRECT_MAX_TRIPLES, worst = 0;

	for (int i = 0; i < res->ncandidates; i++)
		for (int j = i + 1; j < res->ncandidates; j++)
			for (int k = j + 1; k < res->ncandidates; k++) {
				struct triple one;

				if (!triple_of(&res->c[i], &res->c[j],
				    &res->c[k], unit, &one) ||
				    one.confirmed == 0)
					continue;
				if (n < keep) {
					all[n++] = one;
					continue;
				}
				/* full: the worst kept makes way for a better */
				for (int q = 0; q < n; q++)
					if (by_quality(&all[q], &all[worst]) > 0)
						worst = q;
				if (by_quality(&one, &all[worst]) < 0)
					all[worst] = one;
			}
	qsort(all, (size_t)n, sizeof *all, by_quality);
	n = n < QRRECT_MAX_TRIPLES ? n : QRRECT_MAX_TRIPLES;
	memcpy(t, all, (size_t)n * sizeof *t);
	return n;
}

/*
 * add_bytes - DATA (LEN bytes) into SA unless there already, its box
 * the page bounding box of the NPTS view points PTS through HM
 */
static int
add_bytes(struct scan_attachment *sa, const void *data, size_t len,
    const int *pts, int npts, const struct qrrect_homography *hm, int scale,
    const char *pass)
{
	struct scan_code *sc;
	double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;

	for (int i = 0; i < sa->ncodes; i++)
		if (sa->codes[i].len == len &&
		    memcmp(sa->codes[i].data, data, len) == 0)
			return 0;
	if (sa->ncodes == SCAN_MAX_CODES)
		return 0;
	sc = &sa->codes[sa->ncodes];
	memset(sc, 0, sizeof *sc);
	if ((sc->data = malloc(len + 1)) == NULL)
		return -1;
	memcpy(sc->data, data, len);
	sc->data[len] = '\0';
	sc->len = len;
	for (int i = 0; i < npts; i++) {
		double px, py;

		qrrect_map(hm, pts[2 * i] + 0.5, pts[2 * i + 1] + 0.5, &px, &py);
		x0 = px < x0 ? px : x0;
		y0 = py < y0 ? py : y0;
		x1 = px > x1 ? px : x1;
		y1 = py > y1 ? py : y1;
	}
	if (npts > 0) {
		sc->x = (int)floor(x0) * scale;
		sc->y = (int)floor(y0) * scale;
		sc->w = ((int)ceil(x1) - (int)floor(x0)) * scale;
		sc->h = ((int)ceil(y1) - (int)floor(y0)) * scale;
	}
	snprintf(sc->pass, sizeof sc->pass, "%s", pass);
	sa->ncodes++;
	return 1;
}

/* read_view - zbar (and zxing-cpp) on VIEW; codes added or -1 */
static int
read_view(zbar_image_scanner_t *scanner, int zxing,
    const unsigned char *view, unsigned w, unsigned h,
    const struct qrrect_homography *hm, int scale, const char *pass,
    struct scan_attachment *sa)
{
	zbar_image_t *zi;
	const zbar_symbol_t *sym;
	int added = 0, rc;

	if ((zi = zbar_image_create()) == NULL)
		return -1;
	zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(zi, w, h);
	zbar_image_set_data(zi, view, (unsigned long)w * h, NULL);
	if (zbar_scan_image(scanner, zi) > 0)
		for (sym = zbar_image_first_symbol(zi); sym != NULL;
		    sym = zbar_symbol_next(sym)) {
			int pts[8], n = 0;

			if (zbar_symbol_get_type(sym) != ZBAR_QRCODE)
				continue;
			for (unsigned i = 0; i < zbar_symbol_get_loc_size(sym) &&
			    n < 4; i++, n++) {
				pts[2 * n] = zbar_symbol_get_loc_x(sym, i);
				pts[2 * n + 1] = zbar_symbol_get_loc_y(sym, i);
			}
			if ((rc = add_bytes(sa, zbar_symbol_get_data(sym),
			    zbar_symbol_get_data_length(sym), pts, n, hm, scale,
			    pass)) == -1) {
				zbar_image_destroy(zi);
				return -1;
			}
			added += rc;
		}
	zbar_image_destroy(zi);
	if (zxing && added == 0) {
		struct qrzxing_code codes[SCAN_MAX_CODES];
		int n = qrzxing_read(view, w, h, codes, SCAN_MAX_CODES);

		if (n == -1)
			return -1;
		for (int i = 0; i < n; i++) {
			int pts[4] = { codes[i].x0, codes[i].y0, codes[i].x1,
			    codes[i].y1 };

			if ((rc = add_bytes(sa, codes[i].data, codes[i].len,
			    pts, 2, hm, scale, pass)) == -1)
				added = -1;
			else if (added >= 0)
				added += rc;
			free(codes[i].data);
		}
	}
	return added;
}

/*
 * rectify - T's quadrilateral (the finder centres and the completed
 * corner) onto an upright square in VIEW (*VW x *VH, malloc'd), its
 * view-to-page transform into HM; 0, 1 when T gives no view, -1
 */
static int
rectify(const struct triple *t, unsigned char **view, unsigned *vw,
    unsigned *vh, struct qrrect_homography *hm)
{
	double ab = hypot(t->b[0] - t->a[0], t->b[1] - t->a[1]);
	double ac = hypot(t->c[0] - t->a[0], t->c[1] - t->a[1]);
	/* modules from centre to centre, the code 7 more across */
	double span = (ab + ac) / 2 / t->module, lo, hi, side;
	double page[8], square[8];

	lo = (QRRECT_QUIET + 3.5) * QRRECT_MODULE;
	hi = lo + span * QRRECT_MODULE;
	side = hi + lo;
	page[0] = t->a[0], page[1] = t->a[1];
	page[2] = t->b[0], page[3] = t->b[1];
	page[4] = t->b[0] + t->c[0] - t->a[0];
	page[5] = t->b[1] + t->c[1] - t->a[1];
	page[6] = t->c[0], page[7] = t->c[1];
	square[0] = lo, square[1] = lo;
	square[2] = hi, square[3] = lo;
	square[4] = hi, square[5] = hi;
	square[6] = lo, square[7] = hi;
	*vw = *vh = (unsigned)ceil(side);
	if ((unsigned long)*vw * *vh > QRRECT_MAX_VIEW ||
	    qrrect_homography(square, page, hm) == -1)
		return 1;
	if ((*view = malloc((size_t)*vw * *vh)) == NULL)
		return -1;
	return 0;
}

/*
 * enlarge - T's region (its finder centres and the completed corner, 7
 * modules around) scaled so that a module is 4 pixels or more (x2, x3),
 * into VIEW as rectify(); 1 when the modules are large enough already
 */
static int
enlarge(const struct triple *t, unsigned w, unsigned h, unsigned char **view,
    unsigned *vw, unsigned *vh, struct qrrect_homography *hm)
{
	double xs[4] = { t->a[0], t->b[0], t->c[0], t->b[0] + t->c[0] - t->a[0] };
	double ys[4] = { t->a[1], t->b[1], t->c[1], t->b[1] + t->c[1] - t->a[1] };
	double x0 = xs[0], x1 = xs[0], y0 = ys[0], y1 = ys[0];
	double margin = 7 * t->module;
	int f = t->module < 2.5 ? 3 : 2;

	if (t->module >= 4)
		return 1;
	for (int i = 1; i < 4; i++) {
		x0 = xs[i] < x0 ? xs[i] : x0;
		x1 = xs[i] > x1 ? xs[i] : x1;
		y0 = ys[i] < y0 ? ys[i] : y0;
		y1 = ys[i] > y1 ? ys[i] : y1;
	}
	x0 = floor(x0 - margin < 0 ? 0 : x0 - margin);
	y0 = floor(y0 - margin < 0 ? 0 : y0 - margin);
	x1 = ceil(x1 + margin > w ? w : x1 + margin);
	y1 = ceil(y1 + margin > h ? h : y1 + margin);
	if (x1 - x0 < 21 || y1 - y0 < 21)
		return 1;
	*vw = (unsigned)(x1 - x0) * (unsigned)f;
	*vh = (unsigned)(y1 - y0) * (unsigned)f;
	if ((unsigned long)*vw * *vh > QRRECT_MAX_VIEW)
		return 1;
	memset(hm, 0, sizeof *hm);
	hm->m[0] = hm->m[4] = 1.0 / f;
	hm->m[2] = x0;
	hm->m[5] = y0;
	hm->m[8] = 1;
	if ((*view = malloc((size_t)*vw * *vh)) == NULL)
		return -1;
	return 0;
}

/*
 * seen - the view of T was made already from a triple within two
 * modules of it (one code's finders are often found twice over)
 */
static int
seen(const struct triple *done, int ndone, const struct triple *t)
{
	for (int i = 0; i < ndone; i++) {
		double near = 2 * t->module;

		if (hypot(done[i].a[0] - t->a[0], done[i].a[1] - t->a[1]) < near &&
		    hypot(done[i].b[0] - t->b[0], done[i].b[1] - t->b[1]) < near &&
		    hypot(done[i].c[0] - t->c[0], done[i].c[1] - t->c[1]) < near)
			return 1;
	}
	return 0;
}

/* qrrect_scan - each finder triple's view (MODE) to zbar */
int
qrrect_scan(zbar_image_scanner_t *scanner, int zxing,
    enum qrrect_mode mode, const unsigned char *gray, unsigned w,
    unsigned h, int scale, const char *pass, struct scan_attachment *sa)
{
	struct qrgate *gate;
	struct qrgate_result res;
	struct triple t[QRRECT_MAX_TRIPLES];
	int n, found = 0, ndone = 0;

	if ((gate = qrgate_new()) == NULL)
		return -1;
	if (qrgate_scan(gate, gray, w, h, w, 1, &res) == -1) {
		qrgate_free(gate);
		return -1;
	}
	n = triples(&res, 1, t);
	if (n == 0 && (unsigned long)w * h * 4 <= QRRECT_MAX_DOUBLE) {
		/* finders of 2-3 pixel modules, blurred: look again at x2 */
		struct qrrect_homography x2 = { { 0.5, 0, 0, 0, 0.5, 0, 0, 0,
		    1 } };
		unsigned char *big = malloc((size_t)w * h * 4);

		if (big == NULL) {
			qrgate_free(gate);
			return -1;
		}
		qrrect_warp(gray, w, h, &x2, big, 2 * w, 2 * h);
		if (qrgate_scan(gate, big, 2 * w, 2 * h, 2 * w, 1, &res) == -1) {
			free(big);
			qrgate_free(gate);
			return -1;
		}
		free(big);
		n = triples(&res, 0.5, t);
	}
	qrgate_free(gate);
	for (int i = 0; i < n; i++) {
		struct qrrect_homography hm;
		unsigned char *view = NULL;
		unsigned vw, vh;
		int rc;

		if (seen(t, ndone, &t[i]))
			continue;
		t[ndone++] = t[i];
		rc = mode == QRRECT_RECTIFY ?
		    rectify(&t[i], &view, &vw, &vh, &hm) :
		    enlarge(&t[i], w, h, &view, &vw, &vh, &hm);
		if (rc == -1)
			return -1;
		if (rc == 1)
			continue;
		qrrect_warp(gray, w, h, &hm, view, vw, vh);
		rc = read_view(scanner, zxing, view, vw, vh, &hm, scale, pass,
		    sa);
		free(view);
		if (rc == -1)
			return -1;
		found += rc;
	}
	return found;
}
