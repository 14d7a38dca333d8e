/*
 * pdftool - exercise the PDF module from tests and the benchmark.
 *
 *   pdftool [--font F] [--no-subset] chars TEXT OUT.pdf
 *       one A4 page per character of TEXT, the character alone, 120 pt
 *   pdftool [--font F] [--no-subset] text TEXT OUT.pdf
 *       TEXT as one line at 14 pt, and wrapped in a 60 x 40 mm box
 *   pdftool [--font F] qr TEXT OUT.pdf
 *       TEXT's QR code, 0.8 mm a module, on an A4 page
 *   pdftool [--font F] covers TEXT
 *       exit 0 when the font shows every character, else 1 and why
 *   pdftool [--font F] width SIZE TEXT
 *       the width in mm pdf_text_width gives
 *   pdftool ink FILE.png
 *       the number of dark pixels (gray < 128): a blank glyph has none
 * Exit: 0 ok, 1 held (the message on stderr), 2 usage, 3 error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "pdf.h"

/* usage - how to call */
static int
usage(void)
{
	fprintf(stderr, "usage: pdftool [--font F] [--no-subset] "
	    "chars|text|qr|covers|width ARGS\n");
	return 2;
}

/* ink - count the dark pixels of a PNG */
static int
ink(const char *path)
{
	struct image img;
	unsigned long dark = 0, i;
	char why[256];

	if (image_load_gray(path, &img, why, sizeof why) == -1) {
		fprintf(stderr, "pdftool: %s: %s\n", path, why);
		return 3;
	}
	for (i = 0; i < (unsigned long)img.width * img.height; i++)
		if (img.gray[i] < 128)
			dark++;
	printf("%lu\n", dark);
	image_free(&img);
	return 0;
}

/* finish - save DOC to PATH; the exit status */
static int
finish(struct pdf_doc *doc, const char *path)
{
	enum pdf_status st = pdf_doc_save(doc, path, 0644);

	if (st != PDF_OK)
		fprintf(stderr, "pdftool: %s\n", pdf_doc_error(doc));
	pdf_doc_free(doc);
	return st == PDF_OK ? 0 : st == PDF_HELD ? 1 : 3;
}

int
main(int argc, char **argv)
{
	const char *font_path = NULL, *cmd, *p;
	struct pdf_info info = { .title = "pdftool", .created = 1 };
	struct pdf_font *font;
	struct pdf_doc *doc;
	struct pdf_page *page;
	char why[512], one[8];
	int subset = 1, rc;
	size_t n;

	while (argc > 1 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--font") == 0 && argc > 2) {
			font_path = argv[2];
			argv += 2;
			argc -= 2;
		} else if (strcmp(argv[1], "--no-subset") == 0) {
			subset = 0;
			argv++;
			argc--;
		} else
			return usage();
	}
	if (argc < 3)
		return usage();
	cmd = argv[1];
	if (strcmp(cmd, "ink") == 0)
		return ink(argv[2]);
	if ((font = pdf_font_open(font_path, why, sizeof why)) == NULL) {
		fprintf(stderr, "pdftool: %s\n", why);
		return 3;
	}
	if (strcmp(cmd, "covers") == 0) {
		rc = pdf_font_covers(font, argv[2], why, sizeof why) ? 0 : 1;
		if (rc)
			fprintf(stderr, "pdftool: %s\n", why);
		pdf_font_close(font);
		return rc;
	}
	if (strcmp(cmd, "width") == 0 && argc == 4) {
		printf("%.3f\n", pdf_text_width(font, atof(argv[2]), argv[3]));
		pdf_font_close(font);
		return 0;
	}
	if (argc != 4)
		return usage();
	doc = pdf_doc_new(font, &info);
	pdf_doc_set_subset(doc, subset);
	if (strcmp(cmd, "chars") == 0) {
		for (p = argv[2]; *p; p += n) {
			n = 1;
			while ((p[n] & 0xC0) == 0x80)
				n++;
			snprintf(one, sizeof one, "%.*s", (int)n, p);
			page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
			pdf_text(page, 40, 120, 120, PDF_LEFT, one);
		}
	} else if (strcmp(cmd, "text") == 0) {
		page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
		pdf_text(page, 20, 30, 14, PDF_LEFT, argv[2]);
		pdf_rect(page, 20, 50, 60, 40, 0.5);
		pdf_text_box(page, 20, 50, 60, 40, 14, PDF_LEFT, argv[2]);
	} else if (strcmp(cmd, "qr") == 0) {
		page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
		pdf_qr(page, 20, 20, 0.8, argv[2]);
	} else {
		pdf_doc_free(doc);
		pdf_font_close(font);
		return usage();
	}
	rc = finish(doc, argv[3]);
	pdf_font_close(font);
	return rc;
}
