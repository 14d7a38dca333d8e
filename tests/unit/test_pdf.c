/*
 * test_pdf.c - the PDF module and the report helpers: masking, code
 * grouping, the reason catalogue, character checks, text widths equal to
 * libharu's, line breaking that never overflows, QR size, rendering.
 */
#include <hpdf.h>
#include <stdlib.h>
#include <string.h>

#include "pdf.h"
#include "report.h"
#include "unit.h"

/* test_helpers - masking and grouping (table-driven) */
static void
test_helpers(void)
{
	static const struct { const char *in, *want; } masks[] = {
		{ "110105199703150029", "110105********0029" },
		{ "11010519970315002X", "110105********002X" },
		{ "123", "***" },
	};
	static const struct { const char *in, *want; } groups[] = {
		{ "7KQ2M9X4T1HC8D5R", "7KQ2 M9X4 T1HC 8D5R" },
		{ "ABCD", "ABCD" },
		{ "", "" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof masks / sizeof masks[0]; i++)
		CHECK_STR(report_mask_id(masks[i].in, buf, sizeof buf),
		    masks[i].want, "mask %s", masks[i].want);
	for (i = 0; i < sizeof groups / sizeof groups[0]; i++)
		CHECK_STR(report_group_code(groups[i].in, buf, sizeof buf),
		    groups[i].want, "group \"%s\"", groups[i].in);
	CHECK_STR(reason_title_en("qr-expired"), "Report expired",
	    "reason catalogue: English");
	CHECK_STR(reason_title_zh("no-record"), "未查到相应记录",
	    "reason catalogue: Chinese");
	CHECK_STR(reason_title_en("made-up"), "made-up",
	    "unknown reason: its code");
}

/* test_covers - characters that cannot be shown are named, never lost */
static void
test_covers(const struct pdf_font *font)
{
	static const struct { const char *text; int ok; const char *what; }
	cases[] = {
		{ "张伟 ZHANG Wei 报告", 1, "CJK and Latin" },
		{ "张\n伟", 1, "newline is layout" },
		{ "颐和园路\r\n5号\t", 1, "CR and tab are layout too" },
		{ "张𠮷", 0, "U+20BB7" },
		{ "a\x01" "b", 0, "U+0001" },
		{ "bad \xff byte", 0, "byte 0xFF" },
	};
	char why[512];
	size_t i;
	int ok;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		why[0] = '\0';
		ok = pdf_font_covers(font, cases[i].text, why, sizeof why);
		CHECK(ok == cases[i].ok && (ok || strstr(why, cases[i].what)),
		    "covers: %s (%s)", cases[i].what, ok ? "ok" : why);
	}
}

/* test_widths - pdf_text_width equals HPDF_Page_TextWidth on the subset */
static void
test_widths(const struct pdf_font *font)
{
	static const char *const texts[] = { "学历认证报告", "ZHANG Wei",
	    "7KQ2 M9X4 T1HC 8D5R", "北京大学（10001）" };
	struct pdf_doc *doc;
	struct pdf_page *page;
	unsigned char *buf;
	size_t len, i;
	HPDF_Doc pdf;
	HPDF_Page hp;
	HPDF_Font hf;
	const char *name;

	/* the texts render; then libharu measures them on the whole font
	 * (the subset keeps every advance width, so the numbers agree) */
	doc = pdf_doc_new(font, NULL);
	page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		pdf_text(page, 10, 10 + 10 * (double)i, 12, PDF_LEFT, texts[i]);
	CHECK(pdf_doc_render(doc, &buf, &len) == PDF_OK && len > 1000,
	    "render: %zu bytes", len);
	free(buf);
	pdf_doc_free(doc);

	pdf = HPDF_New(NULL, NULL);
	HPDF_UseUTFEncodings(pdf);
	HPDF_SetCurrentEncoder(pdf, "UTF-8");
	name = HPDF_LoadTTFontFromFile2(pdf, pdf_font_path(font), 0,
	    HPDF_FALSE);
	hf = name ? HPDF_GetFont(pdf, name, "UTF-8") : NULL;
	hp = HPDF_AddPage(pdf);
	if (hf != NULL)
		HPDF_Page_SetFontAndSize(hp, hf, 12);
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		double want = hf ? HPDF_Page_TextWidth(hp, texts[i]) *
		    PDF_MM_PER_PT : -1;
		double got = pdf_text_width(font, 12, texts[i]);
		CHECK(hf != NULL && got > want - 0.01 && got < want + 0.01,
		    "width of \"%s\": %.3f mm, libharu %.3f mm", texts[i], got,
		    want);
	}
	HPDF_Free(pdf);
}

/* test_wrap - long text wraps and shrinks inside its box */
static void
test_wrap(const struct pdf_font *font)
{
	const char *text = "中国人民解放军国防科学技术大学电子科学与工程学院"
	    "信息与通信工程系研究生院继续教育学院分院";
	struct pdf_doc *doc = pdf_doc_new(font, NULL);
	struct pdf_page *page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
	double h = pdf_text_height(font, 60, 11, text), size;

	CHECK(h > 11 * 1.25 * PDF_MM_PER_PT * 2, "50 characters wrap into "
	    "several lines (%.1f mm)", h);
	size = pdf_text_box(page, 10, 10, 60, 10, 11, PDF_LEFT, text);
	CHECK(size > 0 && size < 11, "shrunk to fit a small box: %.1f pt",
	    size);
	CHECK(pdf_doc_held(doc) == NULL, "fitting text does not hold");
	size = pdf_text_box(page, 10, 40, 5, 2, 11, PDF_LEFT, text);
	CHECK(size < 0 && pdf_doc_held(doc) != NULL,
	    "text that cannot fit holds the document");
	pdf_doc_free(doc);
}

/* test_qr - module size and quiet zone */
static void
test_qr(void)
{
	double side = pdf_qr_size("https://verify.example.edu.cn/v?c=X", 0.5);

	CHECK(side > 0 && side / PDF_QR_MIN_MODULE ==
	    (int)(side / PDF_QR_MIN_MODULE + 0.5) && side >= 29 * 0.7,
	    "QR: module raised to 0.7 mm, quiet zone included (%.1f mm)",
	    side);
}

/* test_held_render - a held document refuses to render */
static void
test_held_render(const struct pdf_font *font)
{
	struct pdf_doc *doc = pdf_doc_new(font, NULL);
	struct pdf_page *page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
	unsigned char *buf;
	size_t len;

	pdf_text(page, 10, 10, 12, PDF_LEFT, "张𠮷");
	CHECK(pdf_doc_render(doc, &buf, &len) == PDF_HELD &&
	    strstr(pdf_doc_error(doc), "U+20BB7") != NULL,
	    "render refuses a held document: %s", pdf_doc_error(doc));
	pdf_doc_free(doc);
}

int
main(void)
{
	struct pdf_font *font;
	char why[512];

	test_helpers();
	test_qr();
	font = pdf_font_open(NULL, why, sizeof why);
	CHECK(font != NULL, "a CJK font found with fontconfig: %s",
	    font ? pdf_font_path(font) : why);
	if (font == NULL)
		return unit_done();
	test_covers(font);
	test_widths(font);
	test_wrap(font);
	test_held_render(font);
	pdf_font_close(font);
	CHECK(pdf_font_open("/nonexistent.ttf", why, sizeof why) == NULL,
	    "a missing --font is refused: %s", why);
	return unit_done();
}
