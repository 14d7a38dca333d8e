/*
 * qrscan.c - the decoding strategy: which images zbar sees, in what order.
 *
 * zbar alone (what zbarimg does) fails on blurred, low-contrast, unevenly
 * lit and inverted scans, and spends most of its time on pages where a
 * cheaper look would do. The strategy is a list of passes, each a view
 * of the page handed to zbar, tried in order until one yields a code
 * (or all of them, when the caller wants every code):
 *
 *   top      the top third of the page, decoded from the PNG before the
 *            rest (report QR codes sit in the top corners); only for a
 *            verification-report, whose payload then ends the search
 *            before the rest of the PNG is even inflated
 *   full     the page as scanned
 *   half     the page averaged 2x2 (removes noise, sharpens blur for
 *            zbar's edge detector, a quarter of the pixels)
 *   bin      the page binarised against its local mean (adaptive
 *            threshold): rescues low contrast, uneven light, blur, JPEG
 *   binhalf  the half page binarised
 *   inv      the page inverted (light modules on dark ground)
 *   invhalf  the half page inverted
 *   zxing    the page through zxing-cpp (qrzxing.cc), the second decoder
 *   flip     the page mirrored (a code photographed from behind)
 *   up       the page doubled (bilinear), when it is at most a megapixel
 *   sauvola  the page binarised by Sauvola's rule (mean and deviation)
 *   rect     each finder triple's quadrilateral made square (qrrect.c)
 *   upbox    each finder triple's region scaled x2 or x3 (qrrect.c)
 *
 * The default order, half,full,binhalf,bin,invhalf, was chosen by
 * measurement (bench/decode.sh, 200 pages at 200 dpi, --jobs 1):
 *   full,half,bin,binhalf,inv       275 ms/page  96.5% read
 *   half,binhalf,full,bin,invhalf   106 ms/page  96.5%
 *   half,full,binhalf,bin,invhalf    93 ms/page  96.5%
 *   zbarimg (full page only)        185 ms/page  73.5%
 * The half page is a quarter of the pixels and finds most codes (modules
 * of 3+ pixels); full catches the 2-pixel modules; the binarised and
 * inverted views only run on pages nothing else could read. The order
 * can be changed with qrscan_set_passes() for such measurements.
 *
 * Phone photographs (bench/photo.sh, 220 synthetic photographs in 11
 * classes, the whole cascade): the five zbar passes read 178, zxing after
 * them 187 (+5 strongly tilted codes, +3 version-1 codes at 1.5-3 pixels
 * a module, +1 at JPEG quality 40-50) at no measurable cost (73.9 s
 * against 75.0 s for the set, one decode a photograph, on a loaded
 * machine): it runs only where zbar failed. zbar reads mirrored codes itself (20 of
 * 20), so flip adds nothing after the zbar passes; up (the view doubled)
 * added nothing over zxing either. sauvola after zxing reads 2 more (189:
 * a motion-blurred code, a version-1 code); rect after sauvola 10 more
 * (5 version-1 codes, 2 damaged finders, 1 each of light, JPEG, motion)
 * for 17 ms a photograph it runs on; upbox read 5, all of them rect's
 * too. flip, up, zxing, sauvola, rect and upbox are photo passes:
 * they run in the whole cascade of a verification report, never on a
 * gated attachment, whose flat scans keep their cost (bench/night.sh).
 *
 * The gate (qrgate.c) comes first when the caller allows it: most pages
 * of a night carry no code, and on those the cascade ran every pass to
 * the end (8x the cost of reading the PNG). The gate looks for finder
 * patterns, three of them placed like one code's; none, and the page is
 * "unreadable" at once; some, and the cascade runs on the region around
 * each such triple (the whole page when they cover half of it). Policy
 * (decode.c, SPEC 4): a verification-report must yield a code, so it
 * gets the whole cascade, gate or not; other attachments are gated.
 *
 * A time budget (qrscan_options.budget) is checked between passes and
 * between regions; a zbar call itself cannot be interrupted.
 *
 * zbar: QR only, ZBAR_CFG_BINARY so payload bytes are returned as they
 * are (zbar's charset guessing turned UTF-8 payloads into mojibake), one
 * scanner per worker (zbar scanners are not thread-safe), recreated every
 * QRSCAN_RECYCLE images because a long-lived scanner grows.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zbar.h>

#include "image.h"
#include "jpeg.h"
#include "log.h"
#include "qrgate.h"
#include "qrrect.h"
#include "qrscan.h"
#include "qrzxing.h"

#define QRSCAN_MAX_PASSES 12
#define QRSCAN_DEFAULT_PASSES "half,full,binhalf,bin,invhalf,zxing,sauvola,rect"
/*
 * JPEGs of QRSCAN_DCT_MIN pixels and more are looked at DCT-scaled first
 * (scan_scaled), at the smallest scale that keeps QRSCAN_DCT_PIXELS
 */
#define QRSCAN_DCT_MIN (4000UL * 1000)
#define QRSCAN_DCT_PIXELS (700UL * 1000)
/*
 * the scaled look decodes rows in QRSCAN_STRIPS strips and asks the gate
 * from strip QRSCAN_STRIP_FIRST on, over the last QRSCAN_BAND_PART of
 * the rows (scan_scaled); at most QRSCAN_EARLY_TRIED boxes are read there
 */
#define QRSCAN_STRIPS 8
#define QRSCAN_STRIP_FIRST 3
#define QRSCAN_BAND_PART 2
#define QRSCAN_EARLY_TRIED 8
/* the largest view the up pass doubles, pixels */
#define QRSCAN_UP_MAX (1000UL * 1000)

enum pass_kind { PASS_TOP, PASS_FULL, PASS_HALF, PASS_BIN, PASS_BINHALF,
                 PASS_INV, PASS_INVHALF, PASS_ZXING, PASS_FLIP, PASS_UP,
                 PASS_SAUVOLA, PASS_RECT, PASS_UPBOX };

static const char *pass_names[] = { "top", "full", "half", "bin", "binhalf",
                                    "inv", "invhalf", "zxing", "flip", "up",
                                    "sauvola", "rect", "upbox" };

struct qrscan {
	zbar_image_scanner_t *scanner;
	unsigned images;        /* scanned since the scanner was created */
	enum pass_kind passes[QRSCAN_MAX_PASSES];
	int npasses;
	/* scratch buffers, kept between images to spare malloc/free */
	unsigned char *half, *bin;
	size_t half_size, bin_size;
	uint32_t *colsum;
	size_t colsum_size;
	uint64_t *colsq;        /* Sauvola: column sums of squares */
	size_t colsq_size;
	struct qrgate *gate;
	unsigned char *crop;    /* the region around a gate's candidates */
	size_t crop_size;
	unsigned char *big;     /* the flipped or upscaled view */
	size_t big_size;
	struct qrscan_stats last;
	double started;         /* monotonic seconds: this image's start */
};

/* view - a gray raster handed to zbar, and how it maps to the page */
struct view {
	const unsigned char *gray;
	unsigned width, height;
	int scale;              /* page pixels per view pixel */
};

/* scanner_create - a zbar scanner for QR codes only, binary payloads */
static zbar_image_scanner_t *
scanner_create(void)
{
	zbar_image_scanner_t *s = zbar_image_scanner_create();

	if (s == NULL)
		return NULL;
	zbar_image_scanner_set_config(s, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(s, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	zbar_image_scanner_set_config(s, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
	zbar_image_scanner_set_config(s, ZBAR_NONE, ZBAR_CFG_X_DENSITY, 1);
	zbar_image_scanner_set_config(s, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, 1);
	return s;
}

/* qrscan_set_passes - "full,half,..." as the pass order; 0 or -1 */
int
qrscan_set_passes(struct qrscan *qs, const char *list)
{
	char buf[256], *save = NULL, *tok;
	int n = 0;

	snprintf(buf, sizeof buf, "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		size_t k;

		for (k = 0; k < sizeof pass_names / sizeof *pass_names; k++)
			if (strcmp(tok, pass_names[k]) == 0)
				break;
		if (k == sizeof pass_names / sizeof *pass_names ||
		    n == QRSCAN_MAX_PASSES || k == PASS_TOP)
			return -1;
		qs->passes[n++] = (enum pass_kind)k;
	}
	if (n == 0)
		return -1;
	qs->npasses = n;
	return 0;
}

/* qrscan_new - a scanner for one worker */
struct qrscan *
qrscan_new(void)
{
	struct qrscan *qs = calloc(1, sizeof *qs);

	if (qs == NULL)
		return NULL;
	if ((qs->scanner = scanner_create()) == NULL ||
	    (qs->gate = qrgate_new()) == NULL) {
		if (qs->scanner != NULL)
			zbar_image_scanner_destroy(qs->scanner);
		free(qs);
		return NULL;
	}
	qrscan_set_passes(qs, QRSCAN_DEFAULT_PASSES);
	return qs;
}

/* qrscan_free - release it */
void
qrscan_free(struct qrscan *qs)
{
	if (qs == NULL)
		return;
	if (qs->scanner != NULL)
		zbar_image_scanner_destroy(qs->scanner);
	free(qs->half);
	free(qs->bin);
	free(qs->colsum);
	free(qs->colsq);
	qrgate_free(qs->gate);
	free(qs->crop);
	free(qs->big);
	free(qs);
}

/* qrscan_last - the cost of the last image scanned */
const struct qrscan_stats *
qrscan_last(const struct qrscan *qs)
{
	return &qs->last;
}

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * over_budget - OPT's time budget is spent: SA says so. Checked between
 * passes and between a pass's view and its zbar call; one zbar call is
 * not interruptible (the worker's watchdog bounds that).
 */
static int
over_budget(struct qrscan *qs, const struct qrscan_options *opt,
    struct scan_attachment *sa)
{
	if (opt == NULL || opt->budget <= 0 ||
	    now() - qs->started <= opt->budget)
		return 0;
	qs->last.over_budget = 1;
	snprintf(sa->status, sizeof sa->status, "error");
	snprintf(sa->message, sizeof sa->message,
	    "decoding took longer than %g s", opt->budget);
	return 1;
}

/*
 * add_bytes - record the LEN bytes DATA found by PASS in BOX (x0, y0, x1,
 * y1; NULL: none) of view V, unless SA already has these bytes
 */
static void
add_bytes(struct scan_attachment *sa, const void *data, size_t len,
    const int box[4], const struct view *v, int yoff, const char *pass)
{
	struct scan_code *sc;

	for (int i = 0; i < sa->ncodes; i++)
		if (sa->codes[i].len == len &&
		    memcmp(sa->codes[i].data, data, len) == 0)
			return;
	if (sa->ncodes == SCAN_MAX_CODES)
		return;
	sc = &sa->codes[sa->ncodes];
	memset(sc, 0, sizeof *sc);
	if ((sc->data = malloc(len + 1)) == NULL)
		return;
	memcpy(sc->data, data, len);
	sc->data[len] = '\0';
	sc->len = len;
	if (box != NULL) {
		sc->x = box[0] * v->scale;
		sc->y = box[1] * v->scale + yoff;
		sc->w = (box[2] - box[0] + 1) * v->scale;
		sc->h = (box[3] - box[1] + 1) * v->scale;
	}
	snprintf(sc->pass, sizeof sc->pass, "%s", pass);
	sa->ncodes++;
}

/* add_code - record zbar's SYM (add_bytes) */
static void
add_code(struct scan_attachment *sa, const zbar_symbol_t *sym,
    const struct view *v, int yoff, const char *pass)
{
	unsigned n = zbar_symbol_get_loc_size(sym);
	int box[4] = { 1 << 30, 1 << 30, -1, -1 };

	for (unsigned i = 0; i < n; i++) {
		int x = zbar_symbol_get_loc_x(sym, i);
		int y = zbar_symbol_get_loc_y(sym, i);

		box[0] = x < box[0] ? x : box[0];
		box[2] = x > box[2] ? x : box[2];
		box[1] = y < box[1] ? y : box[1];
		box[3] = y > box[3] ? y : box[3];
	}
	add_bytes(sa, zbar_symbol_get_data(sym),
	    zbar_symbol_get_data_length(sym), n > 0 ? box : NULL, v, yoff,
	    pass);
}

/* zxing_view - run zxing-cpp on V; codes into SA; the number or -1 */
static int
zxing_view(const struct view *v, const char *pass,
    struct scan_attachment *sa)
{
	struct qrzxing_code codes[SCAN_MAX_CODES];
	int n;

	if (v->width < 21 || v->height < 21)
		return 0;
	if ((n = qrzxing_read(v->gray, v->width, v->height, codes,
	    SCAN_MAX_CODES)) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		int box[4] = { codes[i].x0, codes[i].y0, codes[i].x1,
		    codes[i].y1 };

		add_bytes(sa, codes[i].data, codes[i].len, box, v, 0, pass);
		free(codes[i].data);
	}
	return n;
}

/* zbar_view - run zbar on V; codes into SA; the number found or -1 */
static int
zbar_view(struct qrscan *qs, const struct view *v, int yoff,
    const char *pass, struct scan_attachment *sa)
{
	zbar_image_t *zi;
	const zbar_symbol_t *sym;
	int n;

	if (v->width < 21 || v->height < 21)
		return 0;
	if ((zi = zbar_image_create()) == NULL)
		return -1;
	zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(zi, v->width, v->height);
	zbar_image_set_data(zi, v->gray, (unsigned long)v->width * v->height,
	    NULL);
	n = zbar_scan_image(qs->scanner, zi);
	if (n > 0)
		for (sym = zbar_image_first_symbol(zi); sym != NULL;
		    sym = zbar_symbol_next(sym))
			if (zbar_symbol_get_type(sym) == ZBAR_QRCODE)
				add_code(sa, sym, v, yoff, pass);
	zbar_image_destroy(zi);
	return n;
}

/* make_half - V halved by 2x2 averaging into qs->half */
static int
make_half(struct qrscan *qs, const struct view *v, struct view *out)
{
	unsigned w = v->width / 2, h = v->height / 2;

	if (image_scratch(&qs->half, &qs->half_size, (size_t)w * h + 1) == -1)
		return -1;
	for (unsigned y = 0; y < h; y++) {
		const unsigned char *a = v->gray + (size_t)2 * y * v->width;
		const unsigned char *b = a + v->width;
		unsigned char *o = qs->half + (size_t)y * w;

		for (unsigned x = 0; x < w; x++)
			o[x] = (unsigned char)((a[2 * x] + a[2 * x + 1] +
			    b[2 * x] + b[2 * x + 1] + 2) >> 2);
	}
	out->gray = qs->half;
	out->width = w;
	out->height = h;
	out->scale = v->scale * 2;
	return 0;
}

/*
 * make_binary - V thresholded against its local mean (a square window of
 * radius R, sliding column sums: O(1) a pixel, one row of memory). A
 * pixel is dark when it is below the local mean by more than a small
 * margin; the margin keeps flat paper (and its noise) white.
 */
static int
make_binary(struct qrscan *qs, const struct view *v, struct view *out)
{
	unsigned w = v->width, h = v->height;
	int r = (int)(w / 80 > 6 ? w / 80 : 6);
	size_t need = (size_t)w * h;

	if (image_scratch(&qs->bin, &qs->bin_size, need + 1) == -1 ||
	    image_scratch(&qs->colsum, &qs->colsum_size,
	    (size_t)w * sizeof *qs->colsum) == -1)
		return -1;
	memset(qs->colsum, 0, (size_t)w * sizeof *qs->colsum);
	/* rows 0..r-1 pre-loaded; row y adds y+r and drops y-r-1 */
	for (int y = 0; y < r && y < (int)h; y++)
		for (unsigned x = 0; x < w; x++)
			qs->colsum[x] += v->gray[(size_t)y * w + x];
	for (unsigned y = 0; y < h; y++) {
		int top = (int)y - r - 1, bottom = (int)y + r;
		int rows = (bottom < (int)h ? bottom : (int)h - 1) -
		    (top > -1 ? top : -1);
		const unsigned char *in = v->gray + (size_t)y * w;
		unsigned char *o = qs->bin + (size_t)y * w;
		uint32_t sum = 0;
		int cols = 0;

		if (bottom < (int)h)
			for (unsigned x = 0; x < w; x++)
				qs->colsum[x] += v->gray[(size_t)bottom * w + x];
		if (top >= 0)
			for (unsigned x = 0; x < w; x++)
				qs->colsum[x] -= v->gray[(size_t)top * w + x];
		for (int x = 0; x < r && x < (int)w; x++, cols++)
			sum += qs->colsum[x];
		for (unsigned x = 0; x < w; x++) {
			int add = (int)x + r, sub = (int)x - r - 1;
			uint32_t mean;

			if (add < (int)w)
				sum += qs->colsum[add], cols++;
			if (sub >= 0)
				sum -= qs->colsum[sub], cols--;
			mean = sum / (uint32_t)(cols * rows);
			/* dark: below 90% of the local mean, minus 4 */
			o[x] = (uint32_t)in[x] * 10 + 40 < mean * 9 ? 0 : 255;
		}
	}
	out->gray = qs->bin;
	out->width = w;
	out->height = h;
	out->scale = v->scale;
	return 0;
}

/*
 * make_sauvola - V binarised by Sauvola's rule: dark where a pixel is
 * below m (1 + k (s / 128 - 1)), m and s the mean and standard
 * deviation of a square window of radius R (k = 0.2). Against the
 * local mean alone (make_binary), the deviation lowers the threshold
 * in flat regions (glare, shadow, grainy paper stay white) and keeps it
 * near the mean across a code's edges. Sliding column sums and sums of
 * squares: O(1) a pixel, two rows of memory.
 */
static int
make_sauvola(struct qrscan *qs, const struct view *v, struct view *out)
{
	unsigned w = v->width, h = v->height;
	int r = (int)(w / 60 > 8 ? w / 60 : 8);

	if (image_scratch(&qs->bin, &qs->bin_size, (size_t)w * h + 1) == -1 ||
	    image_scratch(&qs->colsum, &qs->colsum_size,
	    (size_t)w * sizeof *qs->colsum) == -1 ||
	    image_scratch(&qs->colsq, &qs->colsq_size,
	    (size_t)w * sizeof *qs->colsq) == -1)
		return -1;
	memset(qs->colsum, 0, (size_t)w * sizeof *qs->colsum);
	memset(qs->colsq, 0, (size_t)w * sizeof *qs->colsq);
	for (int y = 0; y < r && y < (int)h; y++)
		for (unsigned x = 0; x < w; x++) {
			unsigned p = v->gray[(size_t)y * w + x];

			qs->colsum[x] += p;
			qs->colsq[x] += p * p;
		}
	for (unsigned y = 0; y < h; y++) {
		int top = (int)y - r - 1, bottom = (int)y + r;
		int rows = (bottom < (int)h ? bottom : (int)h - 1) -
		    (top > -1 ? top : -1);
		const unsigned char *in = v->gray + (size_t)y * w;
		unsigned char *o = qs->bin + (size_t)y * w;
		uint64_t sum = 0, sq = 0;
		int cols = 0;

		if (bottom < (int)h)
			for (unsigned x = 0; x < w; x++) {
				unsigned p = v->gray[(size_t)bottom * w + x];

				qs->colsum[x] += p;
				qs->colsq[x] += p * p;
			}
		if (top >= 0)
			for (unsigned x = 0; x < w; x++) {
				unsigned p = v->gray[(size_t)top * w + x];

				qs->colsum[x] -= p;
				qs->colsq[x] -= p * p;
			}
		for (int x = 0; x < r && x < (int)w; x++, cols++)
			sum += qs->colsum[x], sq += qs->colsq[x];
		for (unsigned x = 0; x < w; x++) {
			int add = (int)x + r, sub = (int)x - r - 1;
			double n, mean, var;

			if (add < (int)w)
				sum += qs->colsum[add], sq += qs->colsq[add],
				    cols++;
			if (sub >= 0)
				sum -= qs->colsum[sub], sq -= qs->colsq[sub],
				    cols--;
			n = (double)cols * rows;
			mean = sum / n;
			var = sq / n - mean * mean;
			o[x] = in[x] < mean * (1 + 0.2 *
			    (sqrt(var > 0 ? var : 0) / 128 - 1)) ? 0 : 255;
		}
	}
	out->gray = qs->bin;
	out->width = w;
	out->height = h;
	out->scale = v->scale;
	return 0;
}

/* make_inverted - V inverted into qs->bin */
static int
make_inverted(struct qrscan *qs, const struct view *v, struct view *out)
{
	size_t n = (size_t)v->width * v->height;

	if (image_scratch(&qs->bin, &qs->bin_size, n + 1) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		qs->bin[i] = (unsigned char)(255 - v->gray[i]);
	*out = *v;
	out->gray = qs->bin;
	return 0;
}

/* make_flipped - V mirrored left to right into qs->big */
static int
make_flipped(struct qrscan *qs, const struct view *v, struct view *out)
{
	if (image_scratch(&qs->big, &qs->big_size,
	    (size_t)v->width * v->height + 1) == -1)
		return -1;
	for (unsigned y = 0; y < v->height; y++) {
		const unsigned char *in = v->gray + (size_t)y * v->width;
		unsigned char *o = qs->big + (size_t)y * v->width;

		for (unsigned x = 0; x < v->width; x++)
			o[x] = in[v->width - 1 - x];
	}
	*out = *v;
	out->gray = qs->big;
	return 0;
}

/*
 * make_double - V at twice its size (bilinear) into qs->big: zbar's
 * QR finder needs about 3 pixels a module, a small code in a photograph
 * has 1.5 to 3. Only views up to QRSCAN_UP_MAX pixels are doubled (a
 * region the gate found, a small photograph): a whole page four times
 * over costs more than it can find. 0 (OUT->gray NULL when skipped), -1.
 */
static int
make_double(struct qrscan *qs, const struct view *v, struct view *out)
{
	unsigned w = v->width * 2, h = v->height * 2;

	out->gray = NULL;
	if ((size_t)v->width * v->height > QRSCAN_UP_MAX)
		return 0;
	if (image_scratch(&qs->big, &qs->big_size, (size_t)w * h + 1) == -1)
		return -1;
	for (unsigned y = 0; y < h; y++) {
		/* sample centres: (y + 0.5) / 2 - 0.5, in quarter steps */
		int sy = (int)y - 1, y0 = sy < 0 ? 0 : sy / 2;
		int y1 = y0 + 1 < (int)v->height ? y0 + 1 : y0;
		int fy = sy < 0 ? 0 : (sy & 1) ? 3 : 1;
		const unsigned char *a = v->gray + (size_t)y0 * v->width;
		const unsigned char *b = v->gray + (size_t)y1 * v->width;
		unsigned char *o = qs->big + (size_t)y * w;

		for (unsigned x = 0; x < w; x++) {
			int sx = (int)x - 1, x0 = sx < 0 ? 0 : sx / 2;
			int x1 = x0 + 1 < (int)v->width ? x0 + 1 : x0;
			int fx = sx < 0 ? 0 : (sx & 1) ? 3 : 1;
			int top = a[x0] * (4 - fx) + a[x1] * fx;
			int bottom = b[x0] * (4 - fx) + b[x1] * fx;

			o[x] = (unsigned char)((top * (4 - fy) + bottom * fy +
			    8) >> 4);
		}
	}
	out->gray = qs->big;
	out->width = w;
	out->height = h;
	out->scale = v->scale;
	return 0;
}

/* run_pass - one pass over the page PAGE; the number of codes or -1 */
static int
run_pass(struct qrscan *qs, enum pass_kind kind, const struct view *page,
    struct scan_attachment *sa)
{
	struct view v, half;
	int i;

	switch (kind) {
	case PASS_TOP:
	case PASS_FULL:
		return zbar_view(qs, page, 0, pass_names[kind], sa);
	case PASS_HALF:
		if (make_half(qs, page, &v) == -1)
			return -1;
		return zbar_view(qs, &v, 0, pass_names[kind], sa);
	case PASS_BIN:
		if (make_binary(qs, page, &v) == -1)
			return -1;
		return zbar_view(qs, &v, 0, pass_names[kind], sa);
	case PASS_BINHALF:
		if (make_half(qs, page, &half) == -1 ||
		    make_binary(qs, &half, &v) == -1)
			return -1;
		return zbar_view(qs, &v, 0, pass_names[kind], sa);
	case PASS_INV:
		if (make_inverted(qs, page, &v) == -1)
			return -1;
		return zbar_view(qs, &v, 0, pass_names[kind], sa);
	case PASS_INVHALF:
		if (make_half(qs, page, &half) == -1 ||
		    make_inverted(qs, &half, &v) == -1)
			return -1;
		return zbar_view(qs, &v, 0, pass_names[kind], sa);
	case PASS_ZXING:
		return zxing_view(page, pass_names[kind], sa);
	case PASS_SAUVOLA:
		if (make_sauvola(qs, page, &v) == -1)
			return -1;
		return zbar_view(qs, &v, 0, pass_names[kind], sa);
	case PASS_RECT:
	case PASS_UPBOX:
		for (i = 0; i < qs->npasses && qs->passes[i] != PASS_ZXING; i++)
			;       /* zxing-cpp on the views too when it is a pass */
		return qrrect_scan(qs->scanner, i < qs->npasses,
		    kind == PASS_RECT ? QRRECT_RECTIFY : QRRECT_ENLARGE,
		    page->gray, page->width, page->height, page->scale,
		    pass_names[kind], sa);
	case PASS_FLIP: {
		int before = sa->ncodes, n;

		if (make_flipped(qs, page, &v) == -1)
			return -1;
		n = zbar_view(qs, &v, 0, pass_names[kind], sa);
		/* the boxes mirrored back onto the page */
		for (int k = before; k < sa->ncodes; k++)
			sa->codes[k].x = (int)(page->width * page->scale) -
			    sa->codes[k].x - sa->codes[k].w;
		return n;
	}
	case PASS_UP: {
		int before = sa->ncodes, n;

		if (make_double(qs, page, &v) == -1)
			return -1;
		if (v.gray == NULL)
			return 0;
		n = zbar_view(qs, &v, 0, pass_names[kind], sa);
		/* the boxes in the view's pixels: halve them */
		for (int k = before; k < sa->ncodes; k++) {
			sa->codes[k].x /= 2;
			sa->codes[k].y /= 2;
			sa->codes[k].w /= 2;
			sa->codes[k].h /= 2;
		}
		return n;
	}
	}
	return 0;
}

/* recycle - a fresh zbar scanner every QRSCAN_RECYCLE images */
static void
recycle(struct qrscan *qs)
{
	zbar_image_scanner_t *fresh;

	if (++qs->images < QRSCAN_RECYCLE)
		return;
	if ((fresh = scanner_create()) == NULL)
		return;         /* keep the old one: it still works */
	zbar_image_scanner_destroy(qs->scanner);
	qs->scanner = fresh;
	qs->images = 0;
}

/* has_prefix - some code of SA starts with PREFIX */
static int
has_prefix(const struct scan_attachment *sa, const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;

	if (n == 0)
		return 0;
	for (int i = 0; i < sa->ncodes; i++)
		if (sa->codes[i].len >= n &&
		    memcmp(sa->codes[i].data, prefix, n) == 0)
			return 1;
	return 0;
}

/* set_status - "ok" or "unreadable" from the codes found */
static void
set_status(struct scan_attachment *sa)
{
	snprintf(sa->status, sizeof sa->status, "%s",
	    sa->ncodes > 0 ? "ok" : "unreadable");
}

/* found_enough - the search can stop (not exhaustive, wanted code found) */
static int
found_enough(const struct qrscan_options *opt,
    const struct scan_attachment *sa)
{
	if (opt && opt->exhaustive)
		return 0;
	return opt && opt->stop_prefix && opt->stop_prefix[0] ?
	    has_prefix(sa, opt->stop_prefix) : sa->ncodes > 0;
}

/*
 * photo_pass - KIND is for photographs only: a gated attachment (a
 * flat scan that need not carry a code) keeps the cost it had, the
 * whole cascade of a verification report runs it
 */
static int
photo_pass(enum pass_kind kind, const struct qrscan_options *opt)
{
	return kind >= PASS_ZXING && opt != NULL && opt->gated;
}

/* passes - run the configured passes over PAGE */
static int
passes(struct qrscan *qs, const struct view *page,
    const struct qrscan_options *opt, struct scan_attachment *sa)
{
	for (int i = 0; i < qs->npasses; i++) {
		if (photo_pass(qs->passes[i], opt))
			continue;
		if (over_budget(qs, opt, sa))
			return -1;
		qs->last.passes++;
		if (run_pass(qs, qs->passes[i], page, sa) == -1) {
			snprintf(sa->status, sizeof sa->status, "error");
			snprintf(sa->message, sizeof sa->message,
			    "out of memory while decoding");
			return -1;
		}
		/* a report: only our payload ends the search; else any code */
		if (found_enough(opt, sa))
			break;
	}
	set_status(sa);
	return 0;
}

/* box_area - pixels in the gate's boxes */
static long long
box_area(const struct qrgate_result *gr)
{
	long long a = 0;

	for (int b = 0; b < gr->nboxes; b++)
		a += (long long)(gr->box[b].x1 - gr->box[b].x0) *
		    (gr->box[b].y1 - gr->box[b].y0);
	return a;
}

/*
 * crop_view - the box BX of the raster GRAY (rows STRIDE bytes apart)
 * copied into the scanner's crop buffer, as V at scale 1: the gate's
 * regions and the early look's boxes are read as images of their own.
 * 0, or -1 out of memory.
 */
static int
crop_view(struct qrscan *qs, const unsigned char *gray, size_t stride,
    const struct qrgate_box *bx, struct view *v)
{
	unsigned w = (unsigned)(bx->x1 - bx->x0);
	unsigned h = (unsigned)(bx->y1 - bx->y0);

	if (image_scratch(&qs->crop, &qs->crop_size, (size_t)w * h + 1) == -1)
		return -1;
	for (unsigned y = 0; y < h; y++)
		memcpy(qs->crop + (size_t)y * w, gray +
		    (size_t)(bx->y0 + (int)y) * stride + bx->x0, w);
	v->gray = qs->crop;
	v->width = w;
	v->height = h;
	v->scale = 1;
	return 0;
}

/*
 * boxes - the cascade on each region where the gate placed a code, as
 * its own small image (a code and its quiet zone are a few percent of a
 * page, so even a false candidate costs little). 0 or -1 (SA says why).
 */
static int
boxes(struct qrscan *qs, const struct image *img,
    const struct qrgate_result *gr, const struct qrscan_options *opt,
    struct scan_attachment *sa)
{
	for (int b = 0; b < gr->nboxes; b++) {
		const struct qrgate_box *bx = &gr->box[b];
		struct view v;
		int before = sa->ncodes;

		if (over_budget(qs, opt, sa))
			return -1;
		if (crop_view(qs, img->gray, img->width, bx, &v) == -1) {
			snprintf(sa->status, sizeof sa->status, "error");
			snprintf(sa->message, sizeof sa->message,
			    "out of memory while decoding");
			return -1;
		}
		qs->last.regions++;
		if (passes(qs, &v, opt, sa) == -1)
			return -1;
		for (int k = before; k < sa->ncodes; k++) {
			sa->codes[k].x += bx->x0;
			sa->codes[k].y += bx->y0;
		}
		if (found_enough(opt, sa))
			break;
	}
	set_status(sa);
	return 0;
}

/* qrscan_image - find the QR codes of a loaded image into SA */
int
qrscan_image(struct qrscan *qs, const struct image *img,
    const struct qrscan_options *opt, struct scan_attachment *sa)
{
	struct view page = { img->gray, img->width, img->height, 1 };
	int rc;

	if (qs->started == 0) {
		memset(&qs->last, 0, sizeof qs->last);
		qs->started = now();
	}
	if (opt && opt->gated) {
		struct qrgate_result gr;
		struct timespec c0, c1;

		/* the gate's own CPU time: wall time means little on a busy box */
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
		qs->last.gated = 1;
		if (qrgate_scan(qs->gate, img->gray, img->width, img->height,
		    img->width, 1, &gr) == -1) {
			snprintf(sa->status, sizeof sa->status, "error");
			snprintf(sa->message, sizeof sa->message,
			    "out of memory while decoding");
			qs->started = 0;
			return -1;
		}
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		qs->last.gate_ms = (c1.tv_sec - c0.tv_sec) * 1e3 +
		    (c1.tv_nsec - c0.tv_nsec) / 1e6;
		qs->last.candidates = gr.ncandidates;
		qs->last.confirmed = gr.nconfirmed;
		qs->last.triples = gr.ntriples;
		if (gr.ntriples == 0) {
			/* no three finder patterns: no code to find here */
			set_status(sa);
			recycle(qs);
			qs->started = 0;
			return 0;
		}
		if (box_area(&gr) * 2 < (long long)img->width * img->height) {
			rc = boxes(qs, img, &gr, opt, sa);
			recycle(qs);
			qs->started = 0;
			return rc;
		}
	}
	rc = passes(qs, &page, opt, sa);
	recycle(qs);
	qs->started = 0;
	return rc;
}

/*
 * tighten - BX, a gate's box inside a W x H view, narrowed to the square
 * of the finder centres and 0.3 of its side around it. The gate's
 * margin is a whole side each way (qrgate.c add_box: the triple may be
 * false and inside the code), nine times the square's area; a true
 * triple's code with its quiet zone lies within 7.5 modules of the
 * centres, under 0.3 of a side from version 4 on. zbar then scans
 * under a third of the pixels of the gate's box (the five 12-MP
 * photographs of bench/photo.sh: every code read in the crop). An edge
 * the box was cut at stays where it is. A smaller code the narrow crop
 * misses is still read by the caller's pass over the whole view.
 */
static void
tighten(struct qrgate_box *bx, int w, int h)
{
	int cut;

	if (bx->x0 > 0 && bx->x1 < w) {
		cut = (bx->x1 - bx->x0) * 7 / 30;
		bx->x0 += cut;
		bx->x1 -= cut;
	}
	if (bx->y0 > 0 && bx->y1 < h) {
		cut = (bx->y1 - bx->y0) * 7 / 30;
		bx->y0 += cut;
		bx->y1 -= cut;
	}
}

/*
 * scaled_boxes - one zbar pass on each region of the DCT-scaled SMALL
 * where the gate placed a code, boxes in SMALL's pixels. zbar's cost
 * grows with the pixels it scans, and at 1/4 of a 12-MP photograph one
 * pass over the whole view costs about as much as the scaled decode
 * itself, while the gate costs a couple of milliseconds and a code
 * that is a fair part of the frame is still a small part of it. Only a
 * hit counts: when the crops read nothing (no triple, a false one, regions
 * that are most of the view) the caller still scans the whole view, so
 * the gate can cost time but never a code. The number of codes found,
 * or -1 out of memory.
 */
static int
scaled_boxes(struct qrscan *qs, const struct image *small,
    struct scan_attachment *sa)
{
	struct qrgate_result gr;
	int found = 0;

	if (qrgate_scan(qs->gate, small->gray, small->width, small->height,
	    small->width, 1, &gr) == -1)
		return -1;
	qs->last.candidates = gr.ncandidates;
	qs->last.confirmed = gr.nconfirmed;
	qs->last.triples = gr.ntriples;
	for (int b = 0; b < gr.nboxes; b++)
		tighten(&gr.box[b], (int)small->width, (int)small->height);
	/* crops that are most of the view would only precede its pass */
	if (gr.ntriples == 0 ||
	    box_area(&gr) * 3 >= (long long)small->width * small->height * 2)
		return 0;
	for (int b = 0; b < gr.nboxes; b++) {
		const struct qrgate_box *bx = &gr.box[b];
		struct view v;
		int before = sa->ncodes, n;

		if (crop_view(qs, small->gray, small->width, bx, &v) == -1)
			return -1;
		qs->last.regions++;
		qs->last.passes++;
		if ((n = zbar_view(qs, &v, 0, "scaled", sa)) == -1)
			return -1;
		for (int k = before; k < sa->ncodes; k++) {
			sa->codes[k].x += bx->x0;
			sa->codes[k].y += bx->y0;
		}
		found += sa->ncodes - before;
	}
	return found;
}

/*
 * struct early - a large JPEG's scaled look while its rows arrive: the
 * raster as stored (EXIF orientation not applied), what is decoded,
 * and the boxes already read
 */
struct early {
	struct jpeg_rows *jr;
	const unsigned char *gray;
	unsigned w, h;          /* the stored raster */
	unsigned done;          /* rows decoded */
	unsigned looked;        /* rows decoded at the gate's last look */
	int candidates;         /* the finder candidates it saw */
	unsigned overlap;       /* rows of a finder cut at a band's edge */
	int orientation;        /* EXIF, 1..8 */
	struct qrgate_box tried[QRSCAN_EARLY_TRIED];
	int ntried;
};

/* early_tried - whether BX is mostly a box E already read */
static int
early_tried(const struct early *e, const struct qrgate_box *bx)
{
	long long area = (long long)(bx->x1 - bx->x0) * (bx->y1 - bx->y0);

	for (int i = 0; i < e->ntried; i++) {
		const struct qrgate_box *t = &e->tried[i];
		int x0 = t->x0 > bx->x0 ? t->x0 : bx->x0;
		int x1 = t->x1 < bx->x1 ? t->x1 : bx->x1;
		int y0 = t->y0 > bx->y0 ? t->y0 : bx->y0;
		int y1 = t->y1 < bx->y1 ? t->y1 : bx->y1;

		if (x1 > x0 && y1 > y0 &&
		    (long long)(x1 - x0) * (y1 - y0) * 2 > area)
			return 1;
	}
	return 0;
}

/*
 * early_read - one zbar pass on BX of E's stored raster (its rows
 * decoded), turned upright first: zbar's positions are then those of the
 * upright view, and a mirrored orientation is undone. The codes found
 * (boxes in upright scaled pixels) or -1 out of memory.
 */
static int
early_read(struct qrscan *qs, struct early *e, const struct qrgate_box *bx,
    struct scan_attachment *sa)
{
	int ub[4] = { bx->x0, bx->y0, bx->x1, bx->y1 };
	unsigned char *upright = NULL;
	struct view v;
	int before = sa->ncodes, n;

	if (crop_view(qs, e->gray, e->w, bx, &v) == -1)
		return -1;
	if (e->orientation != 1) {
		if ((upright = jpeg_orient(qs->crop, v.width, v.height,
		    e->orientation, &v.width, &v.height)) == NULL)
			return -1;
		v.gray = upright;
	}
	jpeg_orient_box(e->orientation, e->w, e->h, ub);
	qs->last.regions++;
	qs->last.passes++;
	n = zbar_view(qs, &v, 0, "scaled", sa);
	free(upright);
	if (n == -1)
		return -1;
	for (int k = before; k < sa->ncodes; k++) {
		sa->codes[k].x += ub[0];
		sa->codes[k].y += ub[1];
	}
	return sa->ncodes - before;
}

/*
 * early_code - where the code of a box cut by the band is: the three
 * finder candidates of GR in BX (rows from BAND0 on) that are most like
 * one code's corners (two sides from one corner, as equal and as square
 * as they come), the fourth corner completed, and 8 modules around the
 * four centres (a finder's half and a quiet zone) plus a twentieth of
 * the side for perspective, into BX, clipped to W×H. The candidates are
 * measured, not the gate's box: its margin is the gate's own choice
 * (qrgate.c add_box) and says nothing of where the code ends. 0 when no
 * three candidates in BX look like a code's.
 */
static int
early_code(const struct qrgate_result *gr, int band0, int w, int h,
    struct qrgate_box *bx)
{
	const struct qrgate_candidate *in[12];
	int n = 0, best[3] = { -1, -1, -1 }, mod = 1, pad, side;
	double best_score = 0.6;
	int xs[4], ys[4];

	for (int i = 0; i < gr->ncandidates && n < 12; i++) {
		const struct qrgate_candidate *c = &gr->c[i];

		if (c->x >= bx->x0 && c->x < bx->x1 && c->y + band0 >= bx->y0 &&
		    c->y + band0 < bx->y1)
			in[n++] = c;
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			for (int k = j + 1; k < n; k++)
				for (int r = 0; r < 3; r++) {
					const struct qrgate_candidate *t[3] =
					    { in[i], in[j], in[k] };
					const struct qrgate_candidate *a = t[r],
					    *b = t[(r + 1) % 3], *c = t[(r + 2) % 3];
					double ux = b->x - a->x, uy = b->y - a->y;
					double vx = c->x - a->x, vy = c->y - a->y;
					double lu = sqrt(ux * ux + uy * uy);
					double lv = sqrt(vx * vx + vy * vy);
					double score;

					if (lu < 7.0 * a->module ||
					    lv < 7.0 * a->module)
						continue;
					score = fabs(ux * vx + uy * vy) / (lu * lv) +
					    fabs(lu - lv) / (lu > lv ? lu : lv);
					if (score < best_score) {
						best_score = score;
						best[0] = (int)(a - gr->c);
						best[1] = (int)(b - gr->c);
						best[2] = (int)(c - gr->c);
					}
				}
	if (best[0] == -1)
		return 0;
	for (int i = 0; i < 3; i++) {
		xs[i] = gr->c[best[i]].x;
		ys[i] = gr->c[best[i]].y + band0;
		mod = gr->c[best[i]].module > mod ? gr->c[best[i]].module : mod;
	}
	xs[3] = xs[1] + xs[2] - xs[0];
	ys[3] = ys[1] + ys[2] - ys[0];
	side = (int)hypot(xs[1] - xs[0], ys[1] - ys[0]);
	pad = 8 * mod + side / 20;
	bx->x0 = bx->x1 = xs[0];
	bx->y0 = bx->y1 = ys[0];
	for (int i = 1; i < 4; i++) {
		bx->x0 = xs[i] < bx->x0 ? xs[i] : bx->x0;
		bx->x1 = xs[i] > bx->x1 ? xs[i] : bx->x1;
		bx->y0 = ys[i] < bx->y0 ? ys[i] : bx->y0;
		bx->y1 = ys[i] > bx->y1 ? ys[i] : bx->y1;
	}
	bx->x0 = bx->x0 - pad > 0 ? bx->x0 - pad : 0;
	bx->y0 = bx->y0 - pad > 0 ? bx->y0 - pad : 0;
	bx->x1 = bx->x1 + pad + 1 < w ? bx->x1 + pad + 1 : w;
	bx->y1 = bx->y1 + pad + 1 < h ? bx->y1 + pad + 1 : h;
	return 1;
}

/*
 * early_look - the gate over the last rows decoded of E (a band of half
 * the view: a code taller than that waits for the whole view; after a
 * look that saw no finder candidate at all, only the rows since, and a
 * finder's height above them: every finder of a code completed now is
 * there, and a page without a code is not looked at five times over),
 * then one
 * zbar pass on each box it places, as scaled_boxes does on the whole
 * view. A box cut by the last row decoded is a code seen whole (its
 * three finders are in) whose margin is not yet: early_code places the
 * code from its finders, and the rows down to there are decoded for it;
 * one cut at the band's top (the gate's margin above a code is more
 * than a side) is placed the same way. The
 * codes found, or -1 (SA says why: out of memory or a corrupt file,
 * which the full decode will name again).
 */
static int
early_look(struct qrscan *qs, struct early *e, struct scan_attachment *sa)
{
	struct qrgate_result gr;
	unsigned band0 = e->done > e->h / QRSCAN_BAND_PART ?
	    e->done - e->h / QRSCAN_BAND_PART : 0, seen;
	int found = 0, last = (int)e->done;

	if (e->looked && !e->candidates) {
		/* the last look saw no finder: no code began above it */
		seen = e->looked > e->overlap ? e->looked - e->overlap : 0;
		band0 = seen > band0 ? seen : band0;
	}
	if (qrgate_scan(qs->gate, e->gray + (size_t)band0 * e->w, e->w,
	    e->done - band0, e->w, 1, &gr) == -1)
		return -1;
	e->looked = e->done;
	e->candidates = gr.ncandidates;
	qs->last.candidates = gr.ncandidates;
	qs->last.confirmed = gr.nconfirmed;
	qs->last.triples = gr.ntriples;
	if (gr.ntriples == 0)
		return 0;
	for (int b = 0; b < gr.nboxes; b++) {
		struct qrgate_box bx = gr.box[b];
		int n, bottom_cut, cut;

		bx.y0 += (int)band0;
		bx.y1 += (int)band0;
		bottom_cut = bx.y1 >= last && e->done < e->h;
		cut = bottom_cut || (band0 > 0 && bx.y0 == (int)band0);
		if (!cut)
			tighten(&bx, (int)e->w, (int)e->h);
		else if (!early_code(&gr, (int)band0, (int)e->w, (int)e->h,
		    &bx))
			continue;
		if ((long long)(bx.x1 - bx.x0) * (bx.y1 - bx.y0) * 3 >=
		    (long long)e->w * e->h * 2 || early_tried(e, &bx))
			continue;
		if ((unsigned)bx.y1 > e->done) {
			if (jpeg_rows_read(e->jr, (unsigned)bx.y1, sa->message,
			    sizeof sa->message) == -1)
				return -1;
			e->done = (unsigned)bx.y1;
		}
		/* a box guessed at gets another look with more rows */
		if (!cut && e->ntried < QRSCAN_EARLY_TRIED)
			e->tried[e->ntried++] = bx;
		if ((n = early_read(qs, e, &bx, sa)) == -1) {
			snprintf(sa->message, sizeof sa->message,
			    "out of memory while decoding");
			return -1;
		}
		found += n;
	}
	return found;
}

/*
 * scan_scaled - a large JPEG looked at through DCT scaling first: a
 * 12-MP phone photograph decoded at 1/4 skips most of the IDCT and all
 * of the colour conversion of its full decode, and a code that fills a
 * fair part of the frame is still 3 or more pixels a module there. The
 * look is one zbar pass (more passes at this size cost more than the
 * full decode they try to spare), on the gate's regions first, on the
 * whole view only when they read nothing; the scale is the smallest
 * that keeps QRSCAN_DCT_PIXELS (at 1/8 zbar read two of the five 12-MP
 * photographs of bench/photo.sh, at 1/4 all five: a 1/8 look first
 * would mostly add a decode).
 *
 * Even scaled, Huffman decoding every coefficient of the file is most of
 * the time (perf: two thirds of a 12-MP photograph's), and no scale
 * spares it; only rows never decoded do. So the rows arrive in strips,
 * stored as the camera wrote them, and from the third eighth on the gate
 * looks at each new strip with the rows above it (early_look): a code
 * read there, when it is all that is wanted (found_enough), ends the
 * decode, and the rows below it are never read. Phone photographs hold
 * the code near the middle: the five of bench/photo.sh end at 0.7-0.9
 * of the rows. Otherwise the whole view, upright, gets the look as
 * before (scaled_boxes, then the whole view). 0 (SA holds what was
 * found, boxes in page pixels; the caller decides whether the full size
 * is needed), -1 out of memory (SA says why). A scaled decode that fails
 * is no error: the full decode names the fault.
 */
static int
scan_scaled(struct qrscan *qs, struct image_reader *r, unsigned w,
    unsigned h, const struct qrscan_options *opt,
    struct scan_attachment *sa)
{
	unsigned denom = 8, strip;
	struct early e;
	struct image small;
	struct view v;
	char why[256];
	int before = sa->ncodes, rc = 0;

	while (denom > 1 && (unsigned long long)(w / denom) * (h / denom) <
	    QRSCAN_DCT_PIXELS)
		denom /= 2;
	memset(&e, 0, sizeof e);
	if (denom == 1 || image_reader_scaled_rows(r, denom, &e.jr, &e.w,
	    &e.h, &e.orientation, why, sizeof why) == -1)
		return 0;
	qs->last.scale = (int)denom;
	e.gray = jpeg_rows_gray(e.jr);
	strip = e.h / QRSCAN_STRIPS ? e.h / QRSCAN_STRIPS : 1;
	e.overlap = strip / 2;
	for (unsigned k = QRSCAN_STRIP_FIRST; k < QRSCAN_STRIPS; k++) {
		if (k * strip <= e.done)
			continue;
		if (jpeg_rows_read(e.jr, k * strip, why, sizeof why) == -1)
			goto failed;
		e.done = k * strip;
		if (early_look(qs, &e, sa) == -1) {
			if (strstr(sa->message, "out of memory") != NULL)
				goto oom;
			sa->message[0] = '\0';
			goto failed;
		}
		if (found_enough(opt, sa))
			goto scaled;
	}
	if (jpeg_rows_read(e.jr, e.h, why, sizeof why) == -1)
		goto failed;
	e.done = e.h;
	if (jpeg_rows_take(e.jr, e.orientation, &small, why, sizeof why) ==
	    -1)
		goto oom;
	jpeg_rows_close(e.jr);
	e.jr = NULL;
	if ((rc = scaled_boxes(qs, &small, sa)) == 0 && sa->ncodes == before) {
		v.gray = small.gray;
		v.width = small.width;
		v.height = small.height;
		v.scale = 1;
		qs->last.passes++;
		rc = zbar_view(qs, &v, 0, "scaled", sa);
	}
	image_free(&small);
scaled:
	jpeg_rows_close(e.jr);
	qs->last.rows = (int)(100ULL * e.done / e.h);
	for (int k = before; k < sa->ncodes; k++) {
		sa->codes[k].x *= (int)denom;
		sa->codes[k].y *= (int)denom;
		sa->codes[k].w *= (int)denom;
		sa->codes[k].h *= (int)denom;
	}
	if (rc == -1)
		goto oom;
	return 0;
failed:
	/* a corrupt file: what the rows above the fault held still counts */
	jpeg_rows_close(e.jr);
	e.jr = NULL;
	rc = 0;
	goto scaled;
oom:
	jpeg_rows_close(e.jr);
	snprintf(sa->status, sizeof sa->status, "error");
	snprintf(sa->message, sizeof sa->message,
	    "out of memory while decoding");
	return -1;
}

/*
 * scan_open - load PATH (or FD) and decode it. With a stop prefix the top third
 * is decoded from the PNG first and searched on its own: a report's code
 * is there, and finding it spares inflating the rest of the file.
 */
static int
scan_open(struct qrscan *qs, const char *path, int fd,
    const struct qrscan_options *opt, struct scan_attachment *sa)
{
	struct image_reader *r;
	struct image img;
	unsigned w, h;
	int rc;

	memset(&qs->last, 0, sizeof qs->last);
	qs->started = now();
	if ((path != NULL ? image_reader_open(path, &r, &w, &h, sa->message,
	    sizeof sa->message) : image_reader_open_fd(fd, &r, &w, &h,
	    sa->message, sizeof sa->message)) == -1) {
		snprintf(sa->status, sizeof sa->status, "error");
		qs->started = 0;
		return -1;
	}
	if (image_reader_format(r) == IMAGE_JPEG &&
	    (unsigned long long)w * h >= QRSCAN_DCT_MIN) {
		if (scan_scaled(qs, r, w, h, opt, sa) == -1) {
			image_reader_close(r);
			qs->started = 0;
			return -1;
		}
		if (found_enough(opt, sa)) {
			image_reader_close(r);
			set_status(sa);
			recycle(qs);
			qs->started = 0;
			return 0;
		}
		qs->last.scale = 0;     /* the full size is needed after all */
	}
	if (opt && opt->stop_prefix && opt->stop_prefix[0] && h >= 63) {
		unsigned band = h / 3;
		struct view top = { NULL, w, band, 1 };

		if (image_reader_rows(r, band, sa->message,
		    sizeof sa->message) == -1) {
			snprintf(sa->status, sizeof sa->status, "error");
			image_reader_close(r);
			qs->started = 0;
			return -1;
		}
		top.gray = image_reader_gray(r);
		qs->last.passes++;
		if (run_pass(qs, PASS_TOP, &top, sa) > 0 &&
		    has_prefix(sa, opt->stop_prefix)) {
			image_reader_close(r);
			set_status(sa);
			recycle(qs);
			qs->started = 0;
			return 0;
		}
	}
	if (image_reader_rows(r, h, sa->message, sizeof sa->message) == -1) {
		snprintf(sa->status, sizeof sa->status, "error");
		image_reader_close(r);
		qs->started = 0;
		return -1;
	}
	image_reader_take(r, &img);
	image_reader_close(r);
	rc = qrscan_image(qs, &img, opt, sa);
	image_free(&img);
	return rc;
}

/* qrscan_file - load PATH and decode it (scan_open) */
int
qrscan_file(struct qrscan *qs, const char *path,
    const struct qrscan_options *opt, struct scan_attachment *sa)
{
	return scan_open(qs, path, -1, opt, sa);
}

/* qrscan_fd - load the PNG open as FD (taken over) and decode it */
int
qrscan_fd(struct qrscan *qs, int fd, const struct qrscan_options *opt,
    struct scan_attachment *sa)
{
	return scan_open(qs, NULL, fd, opt, sa);
}
