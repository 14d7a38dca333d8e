/*
 * test_qrscan.c - the finder-pattern gate and the time budget, on pages
 * drawn in memory (libqrencode): a code is found through the gate,
 * normal and inverted; a page of text-like blocks skips the cascade; a
 * budget that is spent stops the cascade with "decoding took longer".
 */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "qrgate.h"
#include "qrscan.h"
#include "scanresult.h"
#include "unit.h"

#define W 1200
#define H 1600

/* page - white paper with gray word blocks, and TEXT's code at (X, Y) */
static void
page(struct image *img, const char *text, int x0, int y0, int module,
    int invert)
{
	img->width = W;
	img->height = H;
	img->gray = malloc((size_t)W * H);
	memset(img->gray, 245, (size_t)W * H);
	/* words: 20..60 px blocks, 18 px tall, lines every 40 px */
	srand(7);
	for (int y = 100; y + 18 < H - 100; y += 40)
		for (int x = 80; x < W - 140; ) {
			int len = 20 + rand() % 40;

			for (int dy = 0; dy < 18; dy++)
				memset(img->gray + (size_t)(y + dy) * W + x, 70,
				    (size_t)len);
			x += len + 12;
		}
	if (text != NULL) {
		QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M,
		    QR_MODE_8, 1);
		int side = (qr->width + 8) * module;

		for (int y = 0; y < side; y++)
			memset(img->gray + (size_t)(y0 + y) * W + x0, 245,
			    (size_t)side);
		for (int my = 0; my < qr->width; my++)
			for (int mx = 0; mx < qr->width; mx++) {
				if (!(qr->data[my * qr->width + mx] & 1))
					continue;
				for (int y = 0; y < module; y++)
					memset(img->gray + (size_t)(y0 +
					    (my + 4) * module + y) * W + x0 +
					    (mx + 4) * module, 20,
					    (size_t)module);
			}
		QRcode_free(qr);
	}
	if (invert)
		for (size_t i = 0; i < (size_t)W * H; i++)
			img->gray[i] = (unsigned char)(255 - img->gray[i]);
}

/* scan - one image through QS with OPT; SA cleared first */
static int
scan(struct qrscan *qs, const struct image *img,
    const struct qrscan_options *opt, struct scan_attachment *sa)
{
	for (int i = 0; i < sa->ncodes; i++)
		free(sa->codes[i].data);
	memset(sa, 0, sizeof *sa);
	return qrscan_image(qs, img, opt, sa);
}

int
main(void)
{
	const char *text = "https://verify.example/v?c=GATE0001&s=abcdef";
	struct qrscan *qs = qrscan_new();
	struct qrgate *g = qrgate_new();
	struct qrscan_options gated = { NULL, 0, 1, 0 };
	struct qrscan_options whole = { NULL, 0, 0, 0 };
	struct scan_attachment sa;
	struct qrgate_result gr;
	struct image img;

	memset(&sa, 0, sizeof sa);
	CHECK(qs != NULL && g != NULL, "a scanner and a gate");

	/* a code: the gate sees its three finder patterns */
	page(&img, text, 800, 120, 5, 0);
	CHECK(qrgate_scan(g, img.gray, W, H, W, 1, &gr) == 0 &&
	    gr.ntriples >= 1 && gr.nboxes >= 1,
	    "gate: three finder patterns placed like a code (%d triples)",
	    gr.ntriples);
	CHECK(gr.nboxes >= 1 && gr.box[0].x0 <= 800 + 20 &&
	    gr.box[0].y0 <= 120 + 20 && gr.box[0].x1 >= 800 + 5 * 37 &&
	    gr.box[0].y1 >= 120 + 5 * 37, "gate: its box holds the code");
	CHECK(scan(qs, &img, &gated, &sa) == 0 && sa.ncodes == 1 &&
	    sa.codes[0].len == strlen(text) &&
	    memcmp(sa.codes[0].data, text, sa.codes[0].len) == 0,
	    "gated: the code is read");
	CHECK(qrscan_last(qs)->regions >= 1 && qrscan_last(qs)->passes >= 1,
	    "gated: the cascade ran on the region around it");
	CHECK(sa.ncodes == 1 && sa.codes[0].x >= 800 && sa.codes[0].x < 900 &&
	    sa.codes[0].y >= 120 && sa.codes[0].y < 220,
	    "gated: the code's place is in page pixels (%d, %d)",
	    sa.ncodes ? sa.codes[0].x : -1, sa.ncodes ? sa.codes[0].y : -1);
	free(img.gray);

	/* inverted: light modules on dark ground */
	page(&img, text, 100, 900, 4, 1);
	CHECK(scan(qs, &img, &gated, &sa) == 0 && sa.ncodes == 1,
	    "gated: an inverted code is read");
	free(img.gray);

	/* no code: the cascade does not run at all */
	page(&img, NULL, 0, 0, 0, 0);
	CHECK(qrgate_scan(g, img.gray, W, H, W, 1, &gr) == 0 &&
	    gr.ntriples == 0, "gate: text blocks are no code");
	CHECK(scan(qs, &img, &gated, &sa) == 0 &&
	    strcmp(sa.status, "unreadable") == 0, "gated: unreadable");
	CHECK(qrscan_last(qs)->passes == 0 && qrscan_last(qs)->gated,
	    "gated: no pass ran");
	CHECK(scan(qs, &img, &whole, &sa) == 0 &&
	    qrscan_last(qs)->passes == 8, "not gated: all eight passes ran");

	/* the budget: spent after the first pass, the rest is not run */
	{
		struct qrscan_options tight = { NULL, 0, 0, 1e-6 };

		CHECK(scan(qs, &img, &tight, &sa) == -1 &&
		    strcmp(sa.status, "error") == 0 &&
		    strstr(sa.message, "decoding took longer than") != NULL,
		    "budget spent: error \"%s\"", sa.message);
		CHECK(qrscan_last(qs)->over_budget &&
		    qrscan_last(qs)->passes < 8,
		    "budget spent: the cascade stopped (%d passes)",
		    qrscan_last(qs)->passes);
	}
	{
		struct qrscan_options roomy = { NULL, 0, 0, 600 };

		CHECK(scan(qs, &img, &roomy, &sa) == 0 &&
		    qrscan_last(qs)->passes == 8 &&
		    !qrscan_last(qs)->over_budget,
		    "a budget not spent changes nothing");
	}
	free(img.gray);
	for (int i = 0; i < sa.ncodes; i++)
		free(sa.codes[i].data);
	qrgate_free(g);
	qrscan_free(qs);
	return unit_done();
}
