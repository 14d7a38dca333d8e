/*
 * NAME
 *	qrpage - render a scanned-looking A4 page with a QR code, as PNG
 *
 * SYNOPSIS
 *	qrpage -o FILE [--text TEXT] [--dpi 150|200|300] [--module PX]
 *	    [--rotate DEG] [--blur R] [--noise SIGMA] [--light]
 *	    [--contrast F] [--invert] [--pos tl|tr|bl|br|center] [--seed N]
 *	    [--jpeg-ish] [--kind text|idcard|diploma|photo] [--paper]
 *
 * DESCRIPTION
 *	A test and benchmark tool. It draws a white A4 page at --dpi
 *	(default 200) with gray "text lines" and, when --text is given, a QR
 *	code of TEXT's bytes (libqrencode, level M, 4-module quiet zone,
 *	--module pixels a module, default about 0.7 mm) at --pos (default
 *	tr, where reports carry theirs). Then it degrades the page the way
 *	scanners and phones do, in this order: rotation of the code by DEG
 *	degrees (anti-aliased), uneven lighting (--light), low contrast
 *	(--contrast F: ink darkness times F, 0 < F <= 1), a box blur of
 *	radius R (three passes: nearly Gaussian), JPEG-like 8x8 block
 *	quantisation (--jpeg-ish), Gaussian noise of SIGMA gray levels, and
 *	inversion of the whole page (--invert). Without --text the page has
 *	no code. The same options and --seed give the same bytes.
 *
 *	--kind draws what a night's uploads look like instead of the plain
 *	text page: idcard (the two sides of an identity card on a flatbed:
 *	guilloche ground, a portrait photograph, glyph text, machine-readable
 *	lines), diploma (a framed page of glyph text with a guilloche ground,
 *	a photograph, a round seal and a signature), photo (a photograph
 *	filling the page). Glyphs are strokes, boxes and nested boxes, as in
 *	Latin and CJK print (a nested box crosses 1:1:1:1:1 like a QR finder
 *	pattern nearly does). --paper adds the slow texture of paper.
 *
 * EXIT STATUS
 *	0 written; 64 usage; 70 the text does not fit a QR code, or a write
 *	failed.
 *
 * SEE ALSO
 *	decode(1)
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <png.h>
#include <qrencode.h>
#include "rng.h"

#define A4_WIDTH_MM 210.0
#define A4_HEIGHT_MM 297.0
#define MARGIN_MM 15.0
#define QUIET_MODULES 4

struct page_options {
	const char *out;
	const char *text;
	int dpi;
	int module;             /* pixels per module; 0 = about 0.7 mm */
	double rotate;          /* degrees */
	int blur;               /* box radius, pixels */
	double noise;           /* sigma, gray levels */
	int light;
	double contrast;
	int invert;
	const char *pos;
	unsigned long seed;
	int jpegish;
	const char *kind;       /* NULL or "text": the plain text page */
	int paper;
};

struct page {
	int width, height;
	float *px;              /* 0 = black, 255 = white */
};

/* rng_gauss - standard normal (Box-Muller) */
static double
rng_gauss(void)
{
	double u = rng_uniform(), v = rng_uniform();

	if (u < 1e-12)
		u = 1e-12;
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* fill_rect - paint a rectangle with VALUE (clipped) */
static void
fill_rect(struct page *p, int x0, int y0, int w, int h, float value)
{
	for (int y = y0 < 0 ? 0 : y0; y < y0 + h && y < p->height; y++)
		for (int x = x0 < 0 ? 0 : x0; x < x0 + w && x < p->width; x++)
			p->px[(size_t)y * p->width + x] = value;
}

/*
 * draw_text_lines - gray word-like blocks in lines across the page,
 * leaving out the box AVOID (x, y, w, h) where the code goes.
 */
static void
draw_text_lines(struct page *p, int dpi, const int avoid[4])
{
	double mm = dpi / 25.4;
	int margin = (int)(MARGIN_MM * mm), line = (int)(7 * mm);
	int xh = (int)(2.6 * mm);

	for (int y = margin + (int)(40 * mm); y < p->height - margin;
	    y += line) {
		int x = margin;

		if (rng_uniform() < 0.15)
			continue;       /* paragraph break */
		while (x < p->width - margin) {
			int word = (int)((4 + rng_uniform() * 18) * mm);

			if (x + word > p->width - margin)
				break;
			if (!(x + word > avoid[0] && x < avoid[0] + avoid[2] &&
			    y + xh > avoid[1] && y < avoid[1] + avoid[3]))
				fill_rect(p, x, y, word, xh,
				    (float)(60 + rng_uniform() * 60));
			x += word + (int)(2 * mm);
		}
	}
	/* a title line near the top */
	fill_rect(p, margin + (int)(50 * mm), margin + (int)(12 * mm),
	    (int)(80 * mm), (int)(5 * mm), 40);
}

/* blend - paint VALUE over pixel (X, Y) with coverage A (clipped) */
static void
blend(struct page *p, int x, int y, float value, float a)
{
	float *px;

	if (x < 0 || y < 0 || x >= p->width || y >= p->height)
		return;
	px = &p->px[(size_t)y * p->width + x];
	*px = *px * (1 - a) + value * a;
}

/*
 * draw_glyph - one character of SIZE pixels at (X, Y): vertical and
 * horizontal strokes, a box (口), a box with a bar (日) or nested boxes
 * (回), chosen at random, in ink INK, strokes STROKE pixels wide.
 */
static void
draw_glyph(struct page *p, int x, int y, int size, int stroke, float ink)
{
	int kind = (int)(rng_uniform() * 7), s3 = size / 3;

	switch (kind) {
	case 0:         /* l */
		fill_rect(p, x + size / 2, y, stroke, size, ink);
		break;
	case 1:         /* n */
		fill_rect(p, x, y + s3, stroke, size - s3, ink);
		fill_rect(p, x, y + s3, size - stroke, stroke, ink);
		fill_rect(p, x + size - 2 * stroke, y + s3, stroke, size - s3,
		    ink);
		break;
	case 2:         /* 口 */
	case 3:         /* 日 */
	case 4:         /* 回 */
		fill_rect(p, x, y, size, stroke, ink);
		fill_rect(p, x, y + size - stroke, size, stroke, ink);
		fill_rect(p, x, y, stroke, size, ink);
		fill_rect(p, x + size - stroke, y, stroke, size, ink);
		if (kind == 3)
			fill_rect(p, x, y + size / 2, size, stroke, ink);
		if (kind == 4) {
			int in = size / 3, w = size - 2 * in;

			fill_rect(p, x + in, y + in, w, stroke, ink);
			fill_rect(p, x + in, y + in + w - stroke, w, stroke,
			    ink);
			fill_rect(p, x + in, y + in, stroke, w, ink);
			fill_rect(p, x + in + w - stroke, y + in, stroke, w,
			    ink);
		}
		break;
	case 5:         /* 十 */
		fill_rect(p, x, y + size / 2, size, stroke, ink);
		fill_rect(p, x + size / 2, y, stroke, size, ink);
		break;
	default:        /* e */
		fill_rect(p, x, y + s3, size, stroke, ink);
		fill_rect(p, x, y + size / 2, size, stroke, ink);
		fill_rect(p, x, y + s3, stroke, size - s3, ink);
		fill_rect(p, x, y + size - stroke, size, stroke, ink);
		break;
	}
}

/* draw_glyph_text - lines of glyph words in the box (X, Y, W, H) */
static void
draw_glyph_text(struct page *p, int x0, int y0, int w, int h, int size,
    double mm)
{
	int stroke = (int)(0.3 * mm) > 1 ? (int)(0.3 * mm) : 1;

	for (int y = y0; y + size < y0 + h; y += size * 2) {
		int x = x0 + (int)(rng_uniform() * 4 * mm);

		if (rng_uniform() < 0.1)
			continue;
		while (x + size < x0 + w) {
			int n = 1 + (int)(rng_uniform() * 7);

			for (int i = 0; i < n && x + size < x0 + w; i++) {
				draw_glyph(p, x, y, size, stroke,
				    (float)(20 + rng_uniform() * 40));
				x += size + size / 5;
			}
			x += size;
		}
	}
}

/*
 * draw_photo - a photograph in the box (X, Y, W, H): a shaded ground, a
 * lit oval (a face) with darker blobs, fine grain.
 */
static void
draw_photo(struct page *p, int x0, int y0, int w, int h)
{
	double gx = rng_uniform() - 0.5, gy = rng_uniform() - 0.5;
	double base = 90 + rng_uniform() * 90;
	struct { double x, y, r, v; } blob[12];

	for (int i = 0; i < 12; i++) {
		blob[i].x = 0.2 + 0.6 * rng_uniform();
		blob[i].y = 0.15 + 0.7 * rng_uniform();
		blob[i].r = 0.03 + 0.12 * rng_uniform();
		blob[i].v = -80 + 120 * rng_uniform();
	}
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double u = (double)x / w, v = (double)y / h;
			double val = base + 80 * (gx * u + gy * v);
			double fx = (u - 0.5) / 0.3, fy = (v - 0.45) / 0.38;
			double face = fx * fx + fy * fy;

			if (face < 1)
				val = val * 0.3 + 200 * 0.7 - 40 * face;
			for (int i = 0; i < 12; i++) {
				double dx = u - blob[i].x, dy = v - blob[i].y;
				double d2 = (dx * dx + dy * dy) /
				    (blob[i].r * blob[i].r);

				if (d2 < 4)
					val += blob[i].v * exp(-d2);
			}
			val += rng_gauss() * 6;
			blend(p, x0 + x, y0 + y, (float)val, 1);
		}
}

/* draw_guilloche - fine wavy lines over the box (X, Y, W, H) */
static void
draw_guilloche(struct page *p, int x0, int y0, int w, int h, double mm)
{
	double f1 = 2 + rng_uniform() * 3, f2 = 5 + rng_uniform() * 5;
	int lines = (int)(h / (1.2 * mm));

	for (int k = 0; k < lines; k++)
		for (int x = 0; x < w; x++) {
			double t = (double)x / w * 2 * M_PI;
			double yy = (k + 0.5) * h / lines + 1.5 * mm *
			    (sin(f1 * t + k * 0.7) + 0.5 * sin(f2 * t - k));

			blend(p, x0 + x, y0 + (int)yy, 170, 0.6f);
		}
}

/* draw_seal - a round seal of radius R at (CX, CY): rings, dashes, a star */
static void
draw_seal(struct page *p, int cx, int cy, int r, double mm)
{
	int ring = (int)(0.6 * mm) > 1 ? (int)(0.6 * mm) : 1;

	for (int y = -r; y <= r; y++)
		for (int x = -r; x <= r; x++) {
			double d = sqrt((double)x * x + (double)y * y);
			double a = atan2(y, x);

			if (d > r)
				continue;
			/* a five-pointed star: radius swinging with angle */
			double star = r * 0.3 * (0.45 + 0.55 *
			    fabs(cos(2.5 * (a + M_PI / 2))));

			if (d > r - ring || (d > r - 3 * ring &&
			    d < r - 2 * ring) ||
			    (d > r * 0.55 && d < r * 0.8 &&
			    sin(a * 40) > 0.3) || d < star)
				blend(p, cx + x, cy + y, 110, 0.8f);
		}
}

/* draw_card - one side of an ID card, W x H at (X, Y) */
static void
draw_card(struct page *p, int x0, int y0, int w, int h, double mm, int front)
{
	int border = (int)(0.4 * mm);

	fill_rect(p, x0, y0, w, h, 232);
	draw_guilloche(p, x0, y0, w, h, mm);
	fill_rect(p, x0, y0, w, border, 150);
	fill_rect(p, x0, y0 + h - border, w, border, 150);
	fill_rect(p, x0, y0, border, h, 150);
	fill_rect(p, x0 + w - border, y0, border, h, 150);
	if (front) {
		draw_photo(p, x0 + w - (int)(30 * mm), y0 + (int)(8 * mm),
		    (int)(25 * mm), (int)(32 * mm));
		draw_glyph_text(p, x0 + (int)(5 * mm), y0 + (int)(8 * mm),
		    w - (int)(40 * mm), h - (int)(12 * mm), (int)(2.8 * mm),
		    mm);
	} else {
		draw_seal(p, x0 + (int)(14 * mm), y0 + (int)(14 * mm),
		    (int)(9 * mm), mm);
		draw_glyph_text(p, x0 + (int)(28 * mm), y0 + (int)(6 * mm),
		    w - (int)(32 * mm), (int)(30 * mm), (int)(3 * mm), mm);
		/* machine-readable lines: dense, regular glyphs */
		draw_glyph_text(p, x0 + (int)(4 * mm), y0 + h - (int)(14 * mm),
		    w - (int)(8 * mm), (int)(12 * mm), (int)(2.4 * mm), mm);
	}
}

/* draw_kind - the page of O->kind (idcard, diploma, photo) */
static int
draw_kind(struct page *p, const struct page_options *o)
{
	double mm = o->dpi / 25.4;
	int m = (int)(MARGIN_MM * mm);

	if (strcmp(o->kind, "idcard") == 0) {
		int w = (int)(85.6 * mm), h = (int)(54 * mm);

		draw_card(p, m + (int)(10 * mm), m + (int)(10 * mm), w, h, mm,
		    1);
		draw_card(p, m + (int)(10 * mm), m + (int)(80 * mm), w, h, mm,
		    0);
	} else if (strcmp(o->kind, "diploma") == 0) {
		for (int k = 0; k < 3; k++) {
			int in = m + (int)((k * 1.5) * mm);
			int t = (int)((k == 1 ? 1.0 : 0.4) * mm);

			fill_rect(p, in, in, p->width - 2 * in, t, 90);
			fill_rect(p, in, p->height - in - t, p->width - 2 * in,
			    t, 90);
			fill_rect(p, in, in, t, p->height - 2 * in, 90);
			fill_rect(p, p->width - in - t, in, t,
			    p->height - 2 * in, 90);
		}
		draw_guilloche(p, m + (int)(6 * mm), m + (int)(6 * mm),
		    p->width - 2 * m - (int)(12 * mm), (int)(40 * mm), mm);
		fill_rect(p, p->width / 2 - (int)(50 * mm), m + (int)(55 * mm),
		    (int)(100 * mm), (int)(9 * mm), 40);
		draw_photo(p, m + (int)(12 * mm), m + (int)(75 * mm),
		    (int)(30 * mm), (int)(40 * mm));
		draw_glyph_text(p, m + (int)(50 * mm), m + (int)(75 * mm),
		    p->width - 2 * m - (int)(62 * mm), (int)(130 * mm),
		    (int)(4 * mm), mm);
		draw_seal(p, p->width - m - (int)(45 * mm),
		    p->height - m - (int)(45 * mm), (int)(20 * mm), mm);
		for (int x = 0; x < (int)(50 * mm); x++)     /* a signature */
			fill_rect(p, m + (int)(30 * mm) + x, p->height - m -
			    (int)(40 * mm) + (int)(3 * mm * sin(x / mm * 0.8) *
			    sin(x / mm * 0.13)), 2, (int)(0.5 * mm) + 1, 50);
	} else if (strcmp(o->kind, "photo") == 0) {
		draw_photo(p, 0, 0, p->width, p->height);
	} else {
		return -1;
	}
	return 0;
}

/* add_paper - the slow, faint texture of paper (value noise) */
static void
add_paper(struct page *p, double mm)
{
	int cell = (int)(2 * mm) > 2 ? (int)(2 * mm) : 2;
	int gw = p->width / cell + 2, gh = p->height / cell + 2;
	float *grid = malloc((size_t)gw * gh * sizeof *grid);

	if (grid == NULL)
		return;
	for (int i = 0; i < gw * gh; i++)
		grid[i] = (float)(rng_uniform() - 0.5);
	for (int y = 0; y < p->height; y++)
		for (int x = 0; x < p->width; x++) {
			int gx = x / cell, gy = y / cell;
			float fx = (float)(x % cell) / cell;
			float fy = (float)(y % cell) / cell;
			float a = grid[gy * gw + gx], b = grid[gy * gw + gx + 1];
			float c = grid[(gy + 1) * gw + gx];
			float d = grid[(gy + 1) * gw + gx + 1];
			float v = (a * (1 - fx) + b * fx) * (1 - fy) +
			    (c * (1 - fx) + d * fx) * fy;

			p->px[(size_t)y * p->width + x] *= 1 + 0.06f * v;
		}
	free(grid);
}

/*
 * draw_code - QR modules of QR at (x0, y0) (top-left of the quiet zone),
 * MODULE pixels each, rotated by DEG about the code's centre; 4x4
 * supersampling per pixel gives the soft edges of a real scan.
 */
static void
draw_code(struct page *p, const QRcode *qr, int x0, int y0, int module,
    double deg)
{
	int n = qr->width + 2 * QUIET_MODULES;
	double side = (double)n * module, cx = x0 + side / 2, cy = y0 + side / 2;
	double c = cos(deg * M_PI / 180), s = sin(deg * M_PI / 180);
	double reach = side * 0.75;

	for (int y = (int)(cy - reach); y <= (int)(cy + reach); y++) {
		if (y < 0 || y >= p->height)
			continue;
		for (int x = (int)(cx - reach); x <= (int)(cx + reach); x++) {
			int dark = 0, inside = 0;

			if (x < 0 || x >= p->width)
				continue;
			for (int sy = 0; sy < 4; sy++)
				for (int sx = 0; sx < 4; sx++) {
					double dx = x + (sx + 0.5) / 4 - cx;
					double dy = y + (sy + 0.5) / 4 - cy;
					/* inverse rotation into code space */
					double u = (c * dx + s * dy) / module +
					    n / 2.0;
					double v = (-s * dx + c * dy) / module +
					    n / 2.0;
					int mu = (int)floor(u) - QUIET_MODULES;
					int mv = (int)floor(v) - QUIET_MODULES;

					if (u < 0 || v < 0 || u >= n || v >= n)
						continue;
					inside++;
					if (mu >= 0 && mv >= 0 &&
					    mu < qr->width && mv < qr->width &&
					    (qr->data[mv * qr->width + mu] & 1))
						dark++;
				}
			if (inside > 0) {
				float *px = &p->px[(size_t)y * p->width + x];
				float ink = 25.0f, cover = inside / 16.0f;
				float val = 255.0f - (255.0f - ink) * dark /
				    16.0f;

				*px = *px * (1 - cover) + val * cover;
			}
		}
	}
}

/* box_blur_pass - one horizontal and one vertical running-sum pass */
static void
box_blur_pass(struct page *p, int r, float *tmp)
{
	int w = p->width, h = p->height;
	float norm = 1.0f / (2 * r + 1);

	for (int y = 0; y < h; y++) {
		float *row = p->px + (size_t)y * w, sum = 0;

		for (int x = -r; x <= r; x++)
			sum += row[x < 0 ? 0 : x >= w ? w - 1 : x];
		for (int x = 0; x < w; x++) {
			int add = x + r + 1, sub = x - r;

			tmp[x] = sum * norm;
			sum += row[add >= w ? w - 1 : add] -
			    row[sub < 0 ? 0 : sub];
		}
		memcpy(row, tmp, (size_t)w * sizeof *row);
	}
	for (int x = 0; x < w; x++) {
		float sum = 0;

		for (int y = -r; y <= r; y++)
			sum += p->px[(size_t)(y < 0 ? 0 : y >= h ? h - 1 : y) *
			    w + x];
		for (int y = 0; y < h; y++) {
			int add = y + r + 1, sub = y - r;

			tmp[y] = sum * norm;
			sum += p->px[(size_t)(add >= h ? h - 1 : add) * w + x] -
			    p->px[(size_t)(sub < 0 ? 0 : sub) * w + x];
		}
		for (int y = 0; y < h; y++)
			p->px[(size_t)y * w + x] = tmp[y];
	}
}

/* jpeg_blocks - 8x8 DCT, coarse quantisation, inverse: JPEG's artifacts */
static void
jpeg_blocks(struct page *p)
{
	static const int q50[64] = {
		16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
		14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
		18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
		92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112,
		100, 103, 99 };
	double cosv[8][8];

	for (int i = 0; i < 8; i++)
		for (int k = 0; k < 8; k++)
			cosv[i][k] = cos((2 * i + 1) * k * M_PI / 16) *
			    (k == 0 ? sqrt(0.125) : 0.5);
	for (int by = 0; by + 8 <= p->height; by += 8)
		for (int bx = 0; bx + 8 <= p->width; bx += 8) {
			double in[8][8], co[8][8];

			for (int y = 0; y < 8; y++)
				for (int x = 0; x < 8; x++)
					in[y][x] = p->px[(size_t)(by + y) *
					    p->width + bx + x] - 128;
			for (int v = 0; v < 8; v++)
				for (int u = 0; u < 8; u++) {
					double sum = 0, q = q50[v * 8 + u] * 2.0;

					for (int y = 0; y < 8; y++)
						for (int x = 0; x < 8; x++)
							sum += in[y][x] *
							    cosv[x][u] *
							    cosv[y][v];
					co[v][u] = round(sum / q) * q;
				}
			for (int y = 0; y < 8; y++)
				for (int x = 0; x < 8; x++) {
					double sum = 0;

					for (int v = 0; v < 8; v++)
						for (int u = 0; u < 8; u++)
							sum += co[v][u] *
							    cosv[x][u] *
							    cosv[y][v];
					p->px[(size_t)(by + y) * p->width +
					    bx + x] = (float)(sum + 128);
				}
		}
}

/* degrade - lighting, contrast, blur, JPEG, noise, inversion */
static int
degrade(struct page *p, const struct page_options *o)
{
	size_t n = (size_t)p->width * p->height;

	if (o->light || o->contrast < 1.0) {
		/* light: darker towards the bottom-left, plus a soft vignette */
		for (int y = 0; y < p->height; y++)
			for (int x = 0; x < p->width; x++) {
				float *px = &p->px[(size_t)y * p->width + x];
				double ink = 255.0 - *px;

				if (o->contrast < 1.0)
					*px = (float)(255.0 - ink * o->contrast);
				if (o->light) {
					double fx = (double)x / p->width;
					double fy = (double)y / p->height;
					double l = 1.0 - 0.45 * (0.6 * fy +
					    0.4 * (1 - fx)) - 0.15 *
					    ((fx - 0.5) * (fx - 0.5) +
					    (fy - 0.5) * (fy - 0.5));

					*px = (float)(*px * l);
				}
			}
	}
	if (o->blur > 0) {
		int len = p->width > p->height ? p->width : p->height;
		float *tmp = malloc((size_t)len * sizeof *tmp);

		if (tmp == NULL)
			return -1;
		for (int i = 0; i < 3; i++)
			box_blur_pass(p, o->blur, tmp);
		free(tmp);
	}
	if (o->jpegish)
		jpeg_blocks(p);
	if (o->noise > 0)
		for (size_t i = 0; i < n; i++)
			p->px[i] += (float)(rng_gauss() * o->noise);
	if (o->invert)
		for (size_t i = 0; i < n; i++)
			p->px[i] = 255 - p->px[i];
	return 0;
}

/* write_png - the page as 8-bit gray PNG */
static int
write_png(const struct page *p, const char *path)
{
	png_structp png;
	png_infop info;
	unsigned char *row;
	FILE *fp;

	if ((fp = fopen(path, "wb")) == NULL)
		return -1;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	row = malloc((size_t)p->width);
	if (png == NULL || info == NULL || row == NULL || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(row);
		fclose(fp);
		return -1;
	}
	png_init_io(png, fp);
	png_set_IHDR(png, info, (png_uint_32)p->width, (png_uint_32)p->height,
	    8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < p->height; y++) {
		for (int x = 0; x < p->width; x++) {
			float v = p->px[(size_t)y * p->width + x];

			row[x] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 :
			    v + 0.5f);
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	return fclose(fp);
}

/* usage - print the synopsis and exit */
static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: qrpage -o FILE [--text TEXT] "
	    "[--dpi 150|200|300] [--module PX]\n"
	    "    [--rotate DEG] [--blur R] [--noise SIGMA] [--light] "
	    "[--contrast F]\n"
	    "    [--invert] [--pos tl|tr|bl|br|center] [--seed N] "
	    "[--jpeg-ish]\n"
	    "    [--kind text|idcard|diploma|photo] [--paper]\n");
	exit(status);
}

/* parse_options - argv into O */
static void
parse_options(int argc, char **argv, struct page_options *o)
{
	static const struct option opts[] = {
		{ "text", required_argument, NULL, 't' },
		{ "dpi", required_argument, NULL, 'd' },
		{ "module", required_argument, NULL, 'm' },
		{ "rotate", required_argument, NULL, 'r' },
		{ "blur", required_argument, NULL, 'b' },
		{ "noise", required_argument, NULL, 'n' },
		{ "light", no_argument, NULL, 'l' },
		{ "contrast", required_argument, NULL, 'c' },
		{ "invert", no_argument, NULL, 'i' },
		{ "pos", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "jpeg-ish", no_argument, NULL, 'j' },
		{ "kind", required_argument, NULL, 'k' },
		{ "paper", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	int ch;

	memset(o, 0, sizeof *o);
	o->dpi = 200;
	o->contrast = 1.0;
	o->pos = "tr";
	o->seed = 1;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': o->out = optarg; break;
		case 't': o->text = optarg; break;
		case 'd': o->dpi = atoi(optarg); break;
		case 'm': o->module = atoi(optarg); break;
		case 'r': o->rotate = atof(optarg); break;
		case 'b': o->blur = atoi(optarg); break;
		case 'n': o->noise = atof(optarg); break;
		case 'l': o->light = 1; break;
		case 'c': o->contrast = atof(optarg); break;
		case 'i': o->invert = 1; break;
		case 'p': o->pos = optarg; break;
		case 's': o->seed = strtoul(optarg, NULL, 10); break;
		case 'j': o->jpegish = 1; break;
		case 'k': o->kind = optarg; break;
		case 'P': o->paper = 1; break;
		case 'h': usage(0); break;
		default: usage(EX_USAGE);
		}
	}
	if (o->out == NULL || optind != argc || o->dpi < 50 || o->dpi > 600 ||
	    o->module < 0 || o->module > 40 || o->blur < 0 || o->blur > 20 ||
	    o->contrast <= 0 || o->contrast > 1)
		usage(EX_USAGE);
}

/* place_code - top-left corner of a code of SIDE pixels at O->pos */
static int
place_code(const struct page_options *o, const struct page *p, int side,
    int *x, int *y)
{
	int m = (int)(MARGIN_MM * o->dpi / 25.4);

	if (strcmp(o->pos, "tl") == 0)
		*x = m, *y = m;
	else if (strcmp(o->pos, "tr") == 0)
		*x = p->width - m - side, *y = m;
	else if (strcmp(o->pos, "bl") == 0)
		*x = m, *y = p->height - m - side;
	else if (strcmp(o->pos, "br") == 0)
		*x = p->width - m - side, *y = p->height - m - side;
	else if (strcmp(o->pos, "center") == 0)
		*x = (p->width - side) / 2, *y = (p->height - side) / 2;
	else
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct page_options o;
	struct page p;
	QRcode *qr = NULL;
	int avoid[4] = { 0, 0, 0, 0 };

	parse_options(argc, argv, &o);
	rng_state = 0x9E3779B97F4A7C15ULL ^ (o.seed * 0xD1B54A32D192ED03ULL);
	if (rng_state == 0)
		rng_state = 1;
	p.width = (int)lround(A4_WIDTH_MM * o.dpi / 25.4);
	p.height = (int)lround(A4_HEIGHT_MM * o.dpi / 25.4);
	if ((p.px = malloc((size_t)p.width * p.height * sizeof *p.px)) ==
	    NULL) {
		fprintf(stderr, "qrpage: out of memory\n");
		return EX_SOFTWARE;
	}
	for (size_t i = 0; i < (size_t)p.width * p.height; i++)
		p.px[i] = 250;
	if (o.text != NULL) {
		int module = o.module ? o.module :
		    (int)lround(o.dpi * 0.7 / 25.4);
		int side;

		qr = QRcode_encodeData((int)strlen(o.text),
		    (const unsigned char *)o.text, 0, QR_ECLEVEL_M);
		if (qr == NULL) {
			fprintf(stderr, "qrpage: cannot encode: %s\n",
			    strerror(errno));
			return EX_SOFTWARE;
		}
		side = (qr->width + 2 * QUIET_MODULES) * module;
		if (place_code(&o, &p, side, &avoid[0], &avoid[1]) == -1)
			usage(EX_USAGE);
		avoid[2] = avoid[3] = side;
		if (o.kind != NULL && strcmp(o.kind, "text") != 0) {
			if (draw_kind(&p, &o) == -1)
				usage(EX_USAGE);
		} else {
			draw_text_lines(&p, o.dpi, avoid);
		}
		fill_rect(&p, avoid[0], avoid[1], side, side, 250);
		draw_code(&p, qr, avoid[0], avoid[1], module, o.rotate);
		QRcode_free(qr);
	} else if (o.kind != NULL && strcmp(o.kind, "text") != 0) {
		if (draw_kind(&p, &o) == -1)
			usage(EX_USAGE);
	} else {
		draw_text_lines(&p, o.dpi, avoid);
	}
	if (o.paper)
		add_paper(&p, o.dpi / 25.4);
	if (degrade(&p, &o) == -1 || write_png(&p, o.out) != 0) {
		fprintf(stderr, "qrpage: %s: cannot write\n", o.out);
		return EX_SOFTWARE;
	}
	free(p.px);
	return 0;
}
