/*
 * pdfpage.c - PDF verification reports to gray pixels with MuPDF.
 *
 * An applicant checking a report may upload the PDF credpipe issued
 * instead of a scan of its printout (SPEC §3: only a verification-report
 * may be a PDF; its first two pages are read). The PDF is as hostile as
 * any upload, so:
 *
 *  - only the PDF interpreter is used (pdf_open_document_with_stream on
 *    the bytes already in memory), not fz_open_document, whose handlers
 *    would also parse HTML, XPS and EPUB; no file is opened by MuPDF;
 *  - JavaScript is never enabled (MuPDF runs none unless pdf_enable_js
 *    is called) and nothing external is fetched: links and file
 *    specifications are not followed when a page is drawn;
 *  - an encrypted file is refused, even one that opens with an empty
 *    password: a report is never encrypted, and a person should say so;
 *  - a file that does not end with %%EOF is truncated: MuPDF would
 *    quietly repair it and draw what is left;
 *  - at most PDFPAGE_MAX_PAGES pages, each at most PDFPAGE_MAX_POINTS a
 *    side, at PDFPAGE_DPI: at most 2 × 4167² pixels, under the 50
 *    megapixels of any image; MuPDF's allocations are capped by a
 *    counting allocator (PDFPAGE_MAX_MEMORY), and its resource store too;
 *  - MuPDF's own messages on stderr are silenced: the error that ends a
 *    parse becomes the sentence a person reads.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "image.h"
#include "pdfpage.h"
#include "text.h"

#define PDFPAGE_MAX_MEMORY (512UL * 1024 * 1024)
#define PDFPAGE_STORE (64UL * 1024 * 1024)

/*
 * The counting allocator: every block carries its size in a header so
 * that free and realloc can give it back to the count.
 */
struct budget {
	size_t used;
};

#define HEADER 16

/* budget_malloc - malloc within the budget */
static void *
budget_malloc(void *opaque, size_t size)
{
	struct budget *b = opaque;
	unsigned char *p;

	if (size > PDFPAGE_MAX_MEMORY - b->used)
		return NULL;
	if ((p = malloc(size + HEADER)) == NULL)
		return NULL;
	memcpy(p, &size, sizeof size);
	b->used += size;
	return p + HEADER;
}

/* budget_free - free and give back */
static void
budget_free(void *opaque, void *ptr)
{
	struct budget *b = opaque;
	unsigned char *p = ptr;
	size_t size;

	if (p == NULL)
		return;
	memcpy(&size, p - HEADER, sizeof size);
	b->used -= size;
	free(p - HEADER);
}

/* budget_realloc - realloc within the budget */
static void *
budget_realloc(void *opaque, void *old, size_t size)
{
	struct budget *b = opaque;
	unsigned char *p = old, *q;
	size_t was;

	if (p == NULL)
		return budget_malloc(opaque, size);
	if (size == 0) {
		budget_free(opaque, old);
		return NULL;
	}
	memcpy(&was, p - HEADER, sizeof was);
	if (size > was && size - was > PDFPAGE_MAX_MEMORY - b->used)
		return NULL;
	if ((q = realloc(p - HEADER, size + HEADER)) == NULL)
		return NULL;
	memcpy(q, &size, sizeof size);
	b->used = b->used - was + size;
	return q + HEADER;
}

/* quiet - MuPDF's warnings and errors are not for stderr */
static void
quiet(void *user, const char *message)
{
	(void)user;
	(void)message;
}

/* complete - the file ends with %%EOF (and at most some white space) */
static int
complete(const unsigned char *d, size_t n)
{
	size_t from = n > 1024 ? n - 1024 : 0;

	for (size_t i = n; i >= from + 5; i--)
		if (memcmp(d + i - 5, "%%EOF", 5) == 0)
			return 1;
	return 0;
}

/*
 * walk - open the PDF and, for each of its first pages, check its size;
 * with IMG render it (gray, stacked) into IMG. *W × *H the stacked size.
 */
static int
walk(const unsigned char *data, size_t n, struct image *img, unsigned *w,
    unsigned *h, char *why, size_t size)
{
	struct budget b = { 0 };
	fz_alloc_context alloc = { &b, budget_malloc, budget_realloc,
	    budget_free };
	fz_context *ctx;
	fz_stream *volatile stm = NULL;
	pdf_document *volatile doc = NULL;
	fz_page *volatile page = NULL;
	fz_pixmap *volatile pix = NULL;
	unsigned char *volatile gray = NULL;
	volatile unsigned width = 0, height = 0;
	volatile int rc = -1;
	float scale = PDFPAGE_DPI / 72.0f;

	if (!complete(data, n)) {
		text_say(why, size, "truncated PDF (it does not end with %%%%EOF)");
		return -1;
	}
	if ((ctx = fz_new_context(&alloc, NULL, PDFPAGE_STORE)) == NULL) {
		text_say(why, size, "out of memory");
		return -1;
	}
	fz_set_warning_callback(ctx, quiet, NULL);
	fz_set_error_callback(ctx, quiet, NULL);
	why[0] = '\0';
	fz_try(ctx) {
		int pages;

		stm = fz_open_memory(ctx, data, n);
		doc = pdf_open_document_with_stream(ctx, stm);
		if (doc->crypt != NULL || pdf_needs_password(ctx, doc)) {
			text_say(why, size, "encrypted PDF (a verification report "
			    "is never password-protected or encrypted)");
			fz_throw(ctx, FZ_ERROR_GENERIC, "encrypted");
		}
		pages = pdf_count_pages(ctx, doc);
		if (pages < 1) {
			text_say(why, size, "PDF without pages");
			fz_throw(ctx, FZ_ERROR_GENERIC, "no pages");
		}
		if (pages > PDFPAGE_MAX_PAGES)
			pages = PDFPAGE_MAX_PAGES;
		for (int i = 0; i < pages; i++) {
			fz_rect r;
			fz_irect box;
			unsigned pw, ph;

			page = fz_load_page(ctx, (fz_document *)doc, i);
			r = fz_bound_page(ctx, page);
			if (r.x1 - r.x0 > PDFPAGE_MAX_POINTS ||
			    r.y1 - r.y0 > PDFPAGE_MAX_POINTS ||
			    r.x1 - r.x0 < 1 || r.y1 - r.y0 < 1) {
				text_say(why, size, "PDF page %d of %.0f×%.0f "
				    "points, not between 1 and %d a side",
				    i + 1, r.x1 - r.x0, r.y1 - r.y0,
				    PDFPAGE_MAX_POINTS);
				fz_throw(ctx, FZ_ERROR_GENERIC, "page size");
			}
			box = fz_round_rect(fz_transform_rect(r,
			    fz_scale(scale, scale)));
			pw = (unsigned)(box.x1 - box.x0);
			ph = (unsigned)(box.y1 - box.y0);
			if (img == NULL && i == 0)
				width = pw;
			if (img != NULL) {
				unsigned char *grown;
				unsigned copy;

				pix = fz_new_pixmap_from_page(ctx, page,
				    fz_scale(scale, scale), fz_device_gray(ctx),
				    0);
				pw = (unsigned)fz_pixmap_width(ctx, pix);
				ph = (unsigned)fz_pixmap_height(ctx, pix);
				if (i == 0)
					width = pw;
				/* a wider page 2 is cut, a narrower one padded */
				copy = pw < width ? pw : width;
				grown = realloc(gray, (size_t)width *
				    (height + ph));
				if (grown == NULL) {
					text_say(why, size, "out of memory");
					fz_throw(ctx, FZ_ERROR_GENERIC, "oom");
				}
				gray = grown;
				memset(gray + (size_t)width * height, 255,
				    (size_t)width * ph);
				for (unsigned y = 0; y < ph; y++)
					memcpy(gray + (size_t)width *
					    (height + y), fz_pixmap_samples(ctx,
					    pix) + (size_t)y *
					    (size_t)fz_pixmap_stride(ctx, pix),
					    copy);
				fz_drop_pixmap(ctx, pix);
				pix = NULL;
			}
			height += ph;
			fz_drop_page(ctx, page);
			page = NULL;
		}
		rc = 0;
	}
	fz_always(ctx) {
		fz_drop_pixmap(ctx, pix);
		fz_drop_page(ctx, page);
		pdf_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx) {
		if (why[0] == '\0')
			text_say(why, size, "not a readable PDF (%s)",
			    fz_caught_message(ctx));
	}
	fz_drop_context(ctx);
	if (rc == -1) {
		free(gray);
		return -1;
	}
	*w = width;
	*h = height;
	if (img != NULL) {
		img->width = width;
		img->height = height;
		img->gray = gray;
	}
	return 0;
}

/* pdfpage_probe - parse, check, measure; nothing rendered */
int
pdfpage_probe(const unsigned char *data, size_t n, unsigned *w,
    unsigned *h, char *why, size_t size)
{
	return walk(data, n, NULL, w, h, why, size);
}

/* pdfpage_render - the first pages, gray, stacked */
int
pdfpage_render(const unsigned char *data, size_t n, struct image *img,
    char *why, size_t size)
{
	unsigned w, h;

	memset(img, 0, sizeof *img);
	return walk(data, n, img, &w, &h, why, size);
}
