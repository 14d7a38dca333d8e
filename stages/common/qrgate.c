/*
 * qrgate.c - finder-pattern candidates: is a QR code on this page at all?
 *
 * Most scans of a night carry no code (ID cards, diplomas, photos), and
 * on those the decoding cascade used to run every pass to the end: 8x
 * the cost of reading the PNG. A QR code announces itself by three
 * finder patterns, concentric squares whose every line through the
 * centre crosses dark:light:dark:light:dark runs in the ratio 1:1:3:1:1,
 * whatever the rotation. Looking for those (as ZXing's finder does, but
 * only to say yes or no) costs a few milliseconds a page.
 *
 * Binarisation is local, on a grid of blocks: each block's mean, then
 * the darkest and lightest block mean among its 5x5 neighbours; the
 * threshold is their midpoint. Block means average scanner noise away
 * (8x8 pixels: the noise's sigma / 8), so a window of plain paper has no
 * contrast and nothing in it is dark, while uneven light, low contrast
 * and inverted pages keep their edges. Pixels are read averaged 2x2
 * (see dark()). Every other row is scanned for five alternating runs in
 * the ratio (either polarity: inverted codes have a light centre); each
 * hit is checked down its centre column and across the centre row found
 * there, its core along both diagonals (closed, and square), and hits
 * of one centre are counted. A candidate seen on QRGATE_MIN_HITS lines
 * is confirmed.
 *
 * One finder-like thing is not a code: a seal, a glyph, a photograph's
 * detail can be one. A page passes the gate only with three candidates
 * placed like one code's finder patterns (l_shape), and each such triple
 * gives a box where the code must be, so that the cascade runs there
 * and not over the page. Tolerances are wide on purpose: a false triple
 * costs one cascade over a small region, a missed one costs a code.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "qrgate.h"

/*
 * the smallest finder pattern looked for, in pixels across: modules of
 * 1.5 pixels (zbar reads none smaller; the bench's smallest are 2)
 */
#define QRGATE_MIN_TOTAL 11
/* block means closer than this (gray levels) are flat: nothing is dark */
#define QRGATE_MIN_CONTRAST 24

struct qrgate {
	uint16_t *sums;         /* column sums of a block row: 32 x 255 fit */
	size_t sums_size;
	unsigned char *grid;    /* the four block grids below, one buffer */
	size_t grid_size;
	unsigned char *mean, *lo, *hi, *thr;
};

/* ctx - one scan: the raster, its thresholds, the result */
struct ctx {
	const unsigned char *gray;
	unsigned w, h, block, bw;
	size_t stride;
	int scale;
	const unsigned char *thr;
	struct qrgate_result *res;
};

/* qrgate_new - scratch for one worker */
struct qrgate *
qrgate_new(void)
{
	return calloc(1, sizeof(struct qrgate));
}

/* qrgate_free - release it */
void
qrgate_free(struct qrgate *g)
{
	if (g == NULL)
		return;
	free(g->sums);
	free(g->grid);
	free(g);
}

/*
 * add32 - 32 pixels P into the column sums S: a fixed count and no
 * aliasing, which -O2 turns into a few vector adds
 */
static inline void
add32(uint16_t *restrict s, const unsigned char *restrict p)
{
	for (unsigned k = 0; k < 32; k++)
		s[k] += p[k];
}

/*
 * block_means - the mean of every BLOCK x BLOCK block into g->mean.
 * Rows are added into column sums first (add32: vector adds), then
 * the columns of a block row into blocks: of the gate's two passes
 * over the page's pixels, this one need not branch.
 */
static void
block_means(struct qrgate *g, const struct ctx *c, unsigned bh)
{
	for (unsigned by = 0; by < bh; by++) {
		unsigned y0 = by * c->block, y1 = y0 + c->block;

		if (y1 > c->h)
			y1 = c->h;
		memset(g->sums, 0, c->w * sizeof *g->sums);
		for (unsigned y = y0; y < y1; y++) {
			const unsigned char *p = c->gray + (size_t)y * c->stride;
			unsigned x = 0;

			for (; x + 32 <= c->w; x += 32)
				add32(g->sums + x, p + x);
			for (; x < c->w; x++)
				g->sums[x] += p[x];
		}
		for (unsigned bx = 0; bx < c->bw; bx++) {
			unsigned x0 = bx * c->block, x1 = x0 + c->block;
			uint32_t s = 0;

			if (x1 > c->w)
				x1 = c->w;
			for (unsigned x = x0; x < x1; x++)
				s += g->sums[x];
			g->mean[(size_t)by * c->bw + bx] =
			    (unsigned char)(s / ((x1 - x0) * (y1 - y0)));
		}
	}
}

/*
 * thresholds - per block: midpoint of the darkest and lightest mean
 * among the 5x5 neighbours, or 0 (nothing dark) where they are flat.
 * Min and max are separable: across (into lo/hi), then down.
 */
static void
thresholds(struct qrgate *g, unsigned bw, unsigned bh)
{
	for (unsigned by = 0; by < bh; by++)
		for (unsigned bx = 0; bx < bw; bx++) {
			unsigned a = bx >= 2 ? bx - 2 : 0;
			unsigned b = bx + 2 < bw ? bx + 2 : bw - 1;
			unsigned char mn = 255, mx = 0;

			for (unsigned k = a; k <= b; k++) {
				unsigned char v = g->mean[(size_t)by * bw + k];

				mn = v < mn ? v : mn;
				mx = v > mx ? v : mx;
			}
			g->lo[(size_t)by * bw + bx] = mn;
			g->hi[(size_t)by * bw + bx] = mx;
		}
	for (unsigned by = 0; by < bh; by++) {
		unsigned a = by >= 2 ? by - 2 : 0;
		unsigned b = by + 2 < bh ? by + 2 : bh - 1;

		for (unsigned bx = 0; bx < bw; bx++) {
			unsigned char mn = 255, mx = 0;

			for (unsigned k = a; k <= b; k++) {
				unsigned char l = g->lo[(size_t)k * bw + bx];
				unsigned char h = g->hi[(size_t)k * bw + bx];

				mn = l < mn ? l : mn;
				mx = h > mx ? h : mx;
			}
			g->thr[(size_t)by * bw + bx] =
			    mx - mn < QRGATE_MIN_CONTRAST ? 0 :
			    (unsigned char)((mn + mx + 1) / 2);
		}
	}
}

/*
 * ratio_ok - five runs in the ratio 1:1:3:1:1, widely: each outer run
 * 0.4 to 1.75 modules, the centre 1.8 to 4.4 (blur moves the edges).
 */
static int
ratio_ok(const int r[5])
{
	int total = r[0] + r[1] + r[2] + r[3] + r[4];

	if (total < QRGATE_MIN_TOTAL)
		return 0;
	for (int i = 0; i < 5; i++) {
		if (i == 2)
			continue;
		if (70 * r[i] < 4 * total || 4 * r[i] > total)
			return 0;
	}
	return 70 * r[2] >= 18 * total && 70 * r[2] <= 44 * total;
}

/*
 * dark - is pixel (X, Y), averaged with its right and lower neighbours,
 * on the dark side of its block's threshold. The 2x2 average halves
 * scanner noise (single flipped pixels split the runs of a finder
 * pattern on noisy low-contrast scans) and keeps a module of 2 pixels
 * 2 pixels wide, which a 2x2 reduction of the page would not.
 */
static inline int
dark(const struct ctx *c, unsigned x, unsigned y)
{
	const unsigned char *a = c->gray + (size_t)y * c->stride;
	const unsigned char *b = y + 1 < c->h ? a + c->stride : a;
	unsigned x1 = x + 1 < c->w ? x + 1 : x;

	return (unsigned)(a[x] + a[x1] + b[x] + b[x1]) <
	    4U * c->thr[(size_t)(y / c->block) * c->bw + x / c->block];
}

/*
 * line_check - the runs through (X, Y) along (DX, DY) both ways, around
 * a centre of colour COLOR: 1 when they are in the ratio too and about
 * as long as the row's TOTAL; *OFF then the centre of the centre run,
 * in steps from (X, Y).
 */
static int
line_check(const struct ctx *c, int x, int y, int dx, int dy, int color,
    int total, int *off)
{
	int r[5] = { 0, 0, 0, 0, 0 }, limit = 2 * total, t, k;

#define INSIDE(k) (x + (k) * dx >= 0 && x + (k) * dx < (int)c->w && \
	y + (k) * dy >= 0 && y + (k) * dy < (int)c->h)
#define DARK(k) dark(c, (unsigned)(x + (k) * dx), (unsigned)(y + (k) * dy))
	if (!INSIDE(0) || DARK(0) != color)
		return 0;
	/* backwards: centre, gap, ring */
	for (k = 0; INSIDE(k) && DARK(k) == color && r[2] < limit; k--)
		r[2]++;
	for (; INSIDE(k) && DARK(k) != color && r[1] < limit; k--)
		r[1]++;
	for (; INSIDE(k) && DARK(k) == color && r[0] < limit; k--)
		r[0]++;
	*off = -r[2] + 1;               /* first step of the centre run */
	for (k = 1; INSIDE(k) && DARK(k) == color && r[2] < 2 * limit; k++)
		r[2]++;
	for (; INSIDE(k) && DARK(k) != color && r[3] < limit; k++)
		r[3]++;
	for (; INSIDE(k) && DARK(k) == color && r[4] < limit; k++)
		r[4]++;
#undef DARK
#undef INSIDE
	if (r[0] == 0 || r[4] == 0 || !ratio_ok(r))
		return 0;
	t = r[0] + r[1] + r[2] + r[3] + r[4];
	*off += r[2] / 2;
	return 5 * abs(t - total) < 2 * total;
}

/*
 * diag_span - the run of COLOR through (X, Y) along (DX, DY), both ways,
 * in steps; -1 when it goes on past LIMIT steps either way or reaches
 * the edge: the core is not closed there.
 */
static int
diag_span(const struct ctx *c, int x, int y, int dx, int dy, int color,
    int limit)
{
	int n = 1;

	for (int s = -1; s <= 1; s += 2) {
		int k;

		for (k = 1; k <= limit; k++) {
			int px = x + s * k * dx, py = y + s * k * dy;

			if (px < 0 || py < 0 || px >= (int)c->w ||
			    py >= (int)c->h)
				return -1;
			if (dark(c, (unsigned)px, (unsigned)py) != color)
				break;
		}
		if (k > limit)
			return -1;
		n += k - 1;
	}
	return n;
}

/*
 * core_ok - the core of a finder candidate centred at (X, Y), TOTAL
 * pixels across its row, along both diagonals. A finder's core is a
 * solid square of 3 modules: whatever the rotation, both diagonals
 * cross it in 2.1 to 3 modules' worth of steps, and they cross it
 * equally (a square looks the same 90 degrees on); within 2x, because
 * a sheet photographed at 45 to 62 degrees of tilt (bench/photo.sh's
 * persp class) squashes its finders, up to 1.7x. Only the core is
 * asked for: a whole 1:1:3:1:1 along the diagonals lost rotated and
 * blurred codes of the bench (a blur rounds the rings' corners off
 * first). What this turns away is the light gap between the radial
 * dashes of a round seal, the false candidates of every diploma:
 * across and down it crosses dash, gap, dash like a finder, but one
 * diagonal runs along the gap far out of any core, and the other
 * crosses a narrow wedge.
 */
static int
core_ok(const struct ctx *c, int x, int y, int color, int total)
{
	/* 2.5 modules each way: 1.5 on a sharp scan, more when blurred */
	int limit = (5 * total + 13) / 14;
	int a = diag_span(c, x, y, 1, 1, color, limit);
	int b = diag_span(c, x, y, 1, -1, color, limit);
	int mn = a < b ? a : b, mx = a < b ? b : a;

	/* within 2x of each other, and a step for rounding */
	return mn > 0 && mx <= 2 * mn + 1;
}

/*
 * confirm - a row hit at (X, Y) seen as a finder pattern's centre: the
 * column through it (which also finds the true centre row) and the row
 * through that centre must cross 1:1:3:1:1 too, about as long, and the
 * core must be closed along the diagonals (core_ok). A glyph
 * like 回 passes the first look on the row through its inner box's
 * edge, but not the row through its (hollow) centre.
 */
static int
confirm(const struct ctx *c, int *x, int *y, int color, int total)
{
	int off;

	if (!line_check(c, *x, *y, 0, 1, color, total, &off))
		return 0;
	*y += off;
	if (!line_check(c, *x, *y, 1, 0, color, total, &off))
		return 0;
	*x += off;
	return core_ok(c, *x, *y, color, total);
}

/* add_hit - count a confirmed line through (X, Y) */
static void
add_hit(const struct ctx *c, int x, int y, int module, int inverted)
{
	struct qrgate_result *res = c->res;

	for (int i = 0; i < res->ncandidates; i++) {
		struct qrgate_candidate *k = &res->c[i];
		int near = 2 * (k->module > module ? k->module : module) + 2;

		if (k->inverted == inverted && abs(k->x - x) <= near &&
		    abs(k->y - y) <= near) {
			k->hits++;
			return;
		}
	}
	if (res->ncandidates == QRGATE_MAX_CANDIDATES)
		return;
	res->c[res->ncandidates++] = (struct qrgate_candidate){ x, y,
	    module > 0 ? module : 1, 1, inverted };
}

/*
 * scan_row - runs across row Y; every five that look like a finder
 * pattern are checked down the centre column.
 */
static void
scan_row(const struct ctx *c, unsigned y)
{
	const unsigned char *p = c->gray + (size_t)y * c->stride;
	const unsigned char *q = y + 1 < c->h ? p + c->stride : p;
	const unsigned char *t = c->thr + (size_t)(y / c->block) * c->bw;
	int prev[4] = { 0, 0, 0, 0 }, nprev = 0, run = 0;
	int color = dark(c, 0, y);
	unsigned x = 0, col = (unsigned)p[0] + q[0];

	for (unsigned bx = 0; bx < c->bw; bx++) {
		unsigned end = x + c->block;
		unsigned thr4 = 4U * t[bx];

		if (end > c->w)
			end = c->w;
		if (thr4 == 0 && color == 0) {
			/*
			 * a flat block inside a light run: nothing in it is
			 * dark, so the run goes on through it, its pixels
			 * unread (margins, paper between lines, the smooth
			 * parts of a photograph)
			 */
			run += (int)(end - x);
			x = end;
			if (x < c->w)
				col = (unsigned)p[x] + q[x];
			continue;
		}
		for (; x < end; x++) {
			/* the 2x2 average of dark(), column sums carried */
			unsigned next = x + 1 < c->w ?
			    (unsigned)p[x + 1] + q[x + 1] : col;
			int d = col + next < thr4;

			col = next;

			if (d == color) {
				run++;
				continue;
			}
			if (nprev == 4) {
				int r[5] = { prev[0], prev[1], prev[2],
				             prev[3], run };
				int total = r[0] + r[1] + r[2] + r[3] + r[4];
				int cx = (int)x - (r[4] + r[3]) -
				    (r[2] + 1) / 2, cy = (int)y;

				if (ratio_ok(r) &&
				    confirm(c, &cx, &cy, color, total))
					add_hit(c, cx * c->scale,
					    cy * c->scale,
					    (total * c->scale + 3) / 7,
					    !color);
			}
			memmove(prev, prev + 1, 3 * sizeof *prev);
			prev[3] = run;
			if (nprev < 4)
				nprev++;
			color = d;
			run = 1;
		}
	}
}

/*
 * l_shape - candidates A, B, C could be the three finder patterns of one
 * code: the same polarity, module sizes within 1.5x, two sides of at
 * least 13 modules (version 1 has 14) and at most 180, about equal and
 * about at a right angle. About, widely: squared lengths within 3x and
 * Pythagoras within 45% (equal sides at 63 to 117 degrees), because a
 * phone photographing a sheet at 45 to 62 degrees of tilt shortens one
 * side and skews the angle (bench/photo.sh's persp class: 1.3x the
 * side, 115 degrees). Tighter bounds (1.5x, 15%) once kept the false
 * triples of diplomas' seals down; core_ok turns their candidates away
 * now, and on bench/night.sh's pages without a code the wide bounds
 * find no triple either.
 */
static int
l_shape(const struct qrgate_candidate *a, const struct qrgate_candidate *b,
    const struct qrgate_candidate *c)
{
	const struct qrgate_candidate *k[3] = { a, b, c };
	long long d[3], t;
	int mn = a->module, mx = a->module;

	if (a->inverted != b->inverted || a->inverted != c->inverted)
		return 0;
	for (int i = 1; i < 3; i++) {
		mn = k[i]->module < mn ? k[i]->module : mn;
		mx = k[i]->module > mx ? k[i]->module : mx;
	}
	if (2 * mx > 3 * mn)
		return 0;
	for (int i = 0; i < 3; i++) {
		long long dx = k[i]->x - k[(i + 1) % 3]->x;
		long long dy = k[i]->y - k[(i + 1) % 3]->y;

		d[i] = dx * dx + dy * dy;
	}
	/* sort: d[0] <= d[1] <= d[2], the hypotenuse last */
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++)
			if (d[j] > d[j + 1])
				t = d[j], d[j] = d[j + 1], d[j + 1] = t;
	if (d[0] < 169LL * mn * mn || d[1] > 32400LL * mx * mx ||
	    d[1] > 3 * d[0])
		return 0;
	t = d[0] + d[1];
	return 20 * d[2] >= 11 * t && 20 * d[2] <= 29 * t;
}

/* overlap - boxes A and B share a pixel */
static int
overlap(const struct qrgate_box *a, const struct qrgate_box *b)
{
	return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 &&
	    b->y0 < a->y1;
}

/* unite - A becomes the bounding box of A and B */
static void
unite(struct qrgate_box *a, const struct qrgate_box *b)
{
	a->x0 = b->x0 < a->x0 ? b->x0 : a->x0;
	a->y0 = b->y0 < a->y0 ? b->y0 : a->y0;
	a->x1 = b->x1 > a->x1 ? b->x1 : a->x1;
	a->y1 = b->y1 > a->y1 ? b->y1 : a->y1;
}

/*
 * add_box - the code of finder patterns A, B, C: the corner between the
 * two others is the one off the longest side, the fourth corner
 * completes the square, and a margin takes in the finder patterns'
 * halves and the quiet zone: 10 modules, or 1.25 times the square's
 * side when that is more, because a triple can be false and inside the
 * code (data modules look like a finder pattern now and then) while the
 * true corner is lost to blur, shadow or a phone's tilt: the box must
 * still hold the code (with a margin of one side, one persp photograph
 * of bench/photo.sh was cut short of its quiet zone and not read).
 * Merged into RES->box with every
 * box it overlaps; past QRGATE_MAX_BOXES into the last one.
 */
static void
add_box(struct qrgate_result *res, const struct qrgate_candidate *a,
    const struct qrgate_candidate *b, const struct qrgate_candidate *c,
    int w, int h)
{
	const struct qrgate_candidate *k[3] = { a, b, c };
	long long best = -1;
	int corner = 0, m = a->module, xs[4], ys[4], side;
	struct qrgate_box nb;

	for (int i = 0; i < 3; i++) {
		const struct qrgate_candidate *p = k[(i + 1) % 3];
		const struct qrgate_candidate *q = k[(i + 2) % 3];
		long long d = (long long)(p->x - q->x) * (p->x - q->x) +
		    (long long)(p->y - q->y) * (p->y - q->y);

		if (d > best)
			best = d, corner = i;
		m = k[i]->module > m ? k[i]->module : m;
	}
	for (int i = 0; i < 3; i++)
		xs[i] = k[i]->x, ys[i] = k[i]->y;
	xs[3] = k[(corner + 1) % 3]->x + k[(corner + 2) % 3]->x - k[corner]->x;
	ys[3] = k[(corner + 1) % 3]->y + k[(corner + 2) % 3]->y - k[corner]->y;
	nb.x0 = nb.x1 = xs[0];
	nb.y0 = nb.y1 = ys[0];
	for (int i = 1; i < 4; i++) {
		nb.x0 = xs[i] < nb.x0 ? xs[i] : nb.x0;
		nb.x1 = xs[i] > nb.x1 ? xs[i] : nb.x1;
		nb.y0 = ys[i] < nb.y0 ? ys[i] : nb.y0;
		nb.y1 = ys[i] > nb.y1 ? ys[i] : nb.y1;
	}
	/* the margin: 10 modules, or 1.25 sides when that is more */
	side = (int)sqrt((double)best / 2);
	m = 10 * m > side * 5 / 4 ? 10 * m : side * 5 / 4;
	nb.x0 = nb.x0 - m < 0 ? 0 : nb.x0 - m;
	nb.y0 = nb.y0 - m < 0 ? 0 : nb.y0 - m;
	nb.x1 = nb.x1 + m + 1 > w ? w : nb.x1 + m + 1;
	nb.y1 = nb.y1 + m + 1 > h ? h : nb.y1 + m + 1;
	for (int i = 0; i < res->nboxes; i++)
		if (overlap(&res->box[i], &nb)) {
			unite(&nb, &res->box[i]);
			res->box[i] = res->box[--res->nboxes];
			i = -1;         /* the grown box may meet others */
		}
	if (res->nboxes == QRGATE_MAX_BOXES)
		unite(&res->box[QRGATE_MAX_BOXES - 1], &nb);
	else
		res->box[res->nboxes++] = nb;
}

/*
 * take_in - grow every box over the candidates near it (within half its
 * size), with 10 modules around each: the true corner of a code whose
 * box came from a false triple inside it. Boxes that meet are merged.
 */
static void
take_in(struct qrgate_result *res, int w, int h)
{
	for (int b = 0; b < res->nboxes; b++) {
		struct qrgate_box *bx = &res->box[b];
		int rx = (bx->x1 - bx->x0) / 2, ry = (bx->y1 - bx->y0) / 2;

		for (int i = 0; i < res->ncandidates; i++) {
			const struct qrgate_candidate *k = &res->c[i];
			struct qrgate_box kb;

			if (k->x < bx->x0 - rx || k->x >= bx->x1 + rx ||
			    k->y < bx->y0 - ry || k->y >= bx->y1 + ry)
				continue;
			kb.x0 = k->x - 10 * k->module < 0 ? 0 :
			    k->x - 10 * k->module;
			kb.y0 = k->y - 10 * k->module < 0 ? 0 :
			    k->y - 10 * k->module;
			kb.x1 = k->x + 10 * k->module + 1 > w ? w :
			    k->x + 10 * k->module + 1;
			kb.y1 = k->y + 10 * k->module + 1 > h ? h :
			    k->y + 10 * k->module + 1;
			unite(bx, &kb);
		}
	}
	for (int a = 0; a < res->nboxes; a++)
		for (int b = a + 1; b < res->nboxes; b++)
			if (overlap(&res->box[a], &res->box[b])) {
				unite(&res->box[a], &res->box[b]);
				res->box[b] = res->box[--res->nboxes];
				b = a;  /* the grown box may meet others */
			}
}

/* by_hits - confirmed candidates first, then by hits */
static int
by_hits(const void *a, const void *b)
{
	const struct qrgate_candidate *x = a, *y = b;

	return (y->hits > x->hits) - (y->hits < x->hits);
}

/* qrgate_scan - finder-pattern candidates of GRAY into RES */
int
qrgate_scan(struct qrgate *g, const unsigned char *gray, unsigned w,
    unsigned h, size_t stride, int scale, struct qrgate_result *res)
{
	struct ctx c;
	unsigned bh;
	size_t cells;

	memset(res, 0, sizeof *res);
	if (w < 21 || h < 21)
		return 0;
	c.gray = gray;
	c.w = w;
	c.h = h;
	c.stride = stride;
	c.scale = scale > 0 ? scale : 1;
	/* blocks of 8 pixels up to 1,600 across, then w / 200 (300 dpi: 12) */
	c.block = w / 200 < 8 ? 8 : w / 200 > 32 ? 32 : w / 200;
	c.bw = (w + c.block - 1) / c.block;
	bh = (h + c.block - 1) / c.block;
	cells = (size_t)c.bw * bh;
	if (image_scratch(&g->sums, &g->sums_size,
	    w * sizeof *g->sums) == -1 ||
	    image_scratch(&g->grid, &g->grid_size, 4 * cells) == -1)
		return -1;
	g->mean = g->grid;
	g->lo = g->grid + cells;
	g->hi = g->grid + 2 * cells;
	g->thr = g->grid + 3 * cells;
	c.thr = g->thr;
	c.res = res;
	block_means(g, &c, bh);
	thresholds(g, c.bw, bh);
	/* every other row: a finder's centre is 3 modules, 6+ rows, tall */
	for (unsigned y = 0; y < h; y += 2)
		scan_row(&c, y);
	qsort(res->c, (size_t)res->ncandidates, sizeof *res->c, by_hits);
	for (int i = 0; i < res->ncandidates; i++)
		if (res->c[i].hits >= QRGATE_MIN_HITS)
			res->nconfirmed++;
	/* a confirmed corner and two others: blur and uneven light can
	 * leave one finder pattern seen on a single line */
	for (int i = 0; i < res->nconfirmed; i++)
		for (int j = i + 1; j < res->ncandidates; j++)
			for (int k = j + 1; k < res->ncandidates; k++)
				if (l_shape(&res->c[i], &res->c[j],
				    &res->c[k])) {
					res->ntriples++;
					add_box(res, &res->c[i], &res->c[j],
					    &res->c[k], (int)w * c.scale,
					    (int)h * c.scale);
				}
	take_in(res, (int)w * c.scale, (int)h * c.scale);

	return 0;
}
