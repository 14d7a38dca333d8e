/*
 * pdf.h - PDF documents on libharu with an embedded, subset CJK font.
 *
 * A document is built in two steps. Layout calls (pdf_page_add, pdf_text,
 * pdf_text_box, pdf_rect, pdf_qr, ...) only RECORD what to draw, and note
 * every code point used. pdf_doc_save / pdf_doc_render then subset the
 * font to exactly those code points with HarfBuzz's subsetter (glyphs
 * renumbered from 0), load the subset into a fresh libharu document and
 * replay the recording. This is why (libharu 2.3.0, measured):
 *   - libharu alone embeds ~315 KB of a CJK font per PDF and spends ~80 ms
 *     in a linear cmap lookup; a HarfBuzz subset gives a ~10 KB PDF;
 *   - libharu reads composite-glyph component numbers as signed 16-bit,
 *     so glyphs above 32767 (报 in WenQuanYi Micro Hei) come out blank;
 *     renumbered subset glyphs are all small;
 *   - every libharu call happens inside pdf_doc_render, the only place
 *     that handles libharu's error longjmp.
 * Text widths are measured during layout from the full font's advance
 * widths exactly as libharu computes them (advance * 1000 / units-per-em,
 * truncated, per glyph), which equals HPDF_Page_TextWidth on the subset.
 * Line breaking steps by code point (HPDF_Page_TextRect draws nothing for
 * Chinese without spaces, HPDF_Page_MeasureText counts bytes in UTF-8).
 *
 * Units: millimetres, origin at the TOP-LEFT corner of the page, y grows
 * DOWN. Font sizes and line widths in points. Text is UTF-8.
 *
 * Characters: a code point the font has no glyph for, one outside the
 * Basic Multilingual Plane (libharu 2.3.0 cannot encode it), a control
 * character or invalid UTF-8 is never dropped: the document records the
 * first such character, and save/render refuse with PDF_HELD and a
 * message naming it (U+XXXX), which the caller turns into "held for an
 * operator" (SPEC §6). pdf_font_covers checks a string up front.
 *
 * Threads: one struct pdf_font may be shared by any number of threads
 * (read-only after pdf_font_open); one struct pdf_doc per thread.
 */
#ifndef CREDPIPE_PDF_H
#define CREDPIPE_PDF_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define PDF_A4_WIDTH 210.0      /* mm: 595.276 pt */
#define PDF_A4_HEIGHT 297.0     /* mm: 841.89 pt */
#define PDF_MM_PER_PT (25.4 / 72.0)
#define PDF_QR_MIN_MODULE 0.7   /* mm per QR module, SPEC §6 */
#define PDF_QR_QUIET 4          /* modules of quiet zone on each side */

/* results of pdf_doc_save / pdf_doc_render */
enum pdf_status {
	PDF_OK = 0,
	PDF_HELD = 1,           /* a character cannot be shown: hold it */
	PDF_ERROR = -1,         /* I/O (errno set), memory, libharu error */
};

/* flags of pdf_text / pdf_text_box / table columns */
#define PDF_LEFT   0x0
#define PDF_RIGHT  0x1          /* x is the right edge (figures) */
#define PDF_CENTER 0x2          /* x is the centre (pdf_text) */
#define PDF_BOLD   0x4          /* fill + thin stroke: the font has no bold */
#define PDF_MIDDLE 0x8          /* pdf_text_box: centre vertically */

struct pdf_font;
struct pdf_doc;
struct pdf_page;

/* document information dictionary (NULL or "" entries are left out) */
struct pdf_info {
	const char *title;
	const char *author;
	const char *subject;
	const char *keywords;
	const char *creator;    /* default "credpipe VERSION" */
	time_t created;         /* SOURCE_DATE_EPOCH wins; 0: now */
};

/*
 * pdf_font_open - the CJK TrueType font: PATH (.ttf/.ttc, --font), or when
 * PATH is NULL or "" the best Chinese TrueType font fontconfig knows
 * (wqy-microhei, arphic uming, ...). CFF/OpenType-CFF fonts are refused
 * (libharu cannot load them). NULL with a sentence in WHY.
 */
struct pdf_font *pdf_font_open(const char *path, char *why, size_t size);
/* pdf_font_close - release it (after every document using it is freed) */
void pdf_font_close(struct pdf_font *font);
/* pdf_font_path - the file in use (for messages) */
const char *pdf_font_path(const struct pdf_font *font);
/*
 * pdf_font_covers - 1 when every character of the UTF-8 TEXT can be shown;
 * else 0 with a sentence naming the first one that cannot in WHY.
 */
int pdf_font_covers(const struct pdf_font *font, const char *text,
    char *why, size_t size);
/* pdf_text_width - width in mm of TEXT (one line) at SIZE points */
double pdf_text_width(const struct pdf_font *font, double size,
    const char *text);

/* pdf_doc_new - an empty document (no pages); NULL when out of memory */
struct pdf_doc *pdf_doc_new(const struct pdf_font *font,
    const struct pdf_info *info);
/* pdf_doc_free - release it */
void pdf_doc_free(struct pdf_doc *doc);
/* pdf_doc_font - the document's font (for pdf_text_width) */
const struct pdf_font *pdf_doc_font(const struct pdf_doc *doc);
/* pdf_doc_set_subset - 0 embeds the whole font (benchmark only) */
void pdf_doc_set_subset(struct pdf_doc *doc, int subset);
/* pdf_doc_pages - number of pages so far */
int pdf_doc_pages(const struct pdf_doc *doc);
/*
 * pdf_doc_held - NULL, or the message about the first character that
 * cannot be shown ("character U+20BB7 '𠮷' is outside ...")
 */
const char *pdf_doc_held(const struct pdf_doc *doc);
/* pdf_doc_error - the message of the last PDF_ERROR / PDF_HELD */
const char *pdf_doc_error(const struct pdf_doc *doc);
/*
 * pdf_doc_render - subset, replay through libharu, return the PDF bytes
 * (malloc'd) in *BUF, *LEN. PDF_OK, PDF_HELD or PDF_ERROR.
 */
enum pdf_status pdf_doc_render(struct pdf_doc *doc, unsigned char **buf,
    size_t *len);
/* pdf_doc_save - pdf_doc_render, then the commit routine to PATH, MODE */
enum pdf_status pdf_doc_save(struct pdf_doc *doc, const char *path,
    mode_t mode);

/* pdf_page_add - a new page WIDTH x HEIGHT mm (A4: PDF_A4_WIDTH, ...) */
struct pdf_page *pdf_page_add(struct pdf_doc *doc, double width,
    double height);
/* pdf_page_doc - the document PAGE belongs to */
struct pdf_doc *pdf_page_doc(struct pdf_page *page);
/* pdf_page_width / pdf_page_height - its size in mm */
double pdf_page_width(const struct pdf_page *page);
double pdf_page_height(const struct pdf_page *page);

/* pdf_gray - colour of what follows on PAGE: 0 black .. 1 white */
void pdf_gray(struct pdf_page *page, double gray);
/*
 * pdf_text - one line of TEXT at SIZE points, baseline at Y mm; X is the
 * left edge, or the right edge with PDF_RIGHT, or the centre with
 * PDF_CENTER. Returns the width drawn in mm. Newlines count as spaces.
 */
double pdf_text(struct pdf_page *page, double x, double y, double size,
    int flags, const char *text);
/*
 * pdf_text_box - TEXT wrapped into the box (X, Y top-left, W x H mm),
 * breaking at spaces where it can and between any two characters (CJK)
 * where it must, '\n' a hard break. Starts at SIZE points and shrinks
 * (down to 4 pt) until every line fits: never overflows the box. Returns
 * the size used, or -1 if even 4 pt does not fit (drawn at 4 pt, clipped
 * lines left out, and the document held: never a silent loss).
 */
double pdf_text_box(struct pdf_page *page, double x, double y, double w,
    double h, double size, int flags, const char *text);
/*
 * pdf_text_height - height in mm TEXT needs wrapped to width W at SIZE
 * points (line height 1.25 * size), for tables that grow with content.
 */
double pdf_text_height(const struct pdf_font *font, double w, double size,
    const char *text);
/* pdf_line - a line from (X1, Y1) to (X2, Y2), WIDTH points */
void pdf_line(struct pdf_page *page, double x1, double y1, double x2,
    double y2, double width);
/* pdf_rect - outline of a box, WIDTH points */
void pdf_rect(struct pdf_page *page, double x, double y, double w,
    double h, double width);
/*
 * pdf_fill_rect - a filled box in the current gray: the hook for vector
 * barcodes (zint's rectangles) and QR modules
 */
void pdf_fill_rect(struct pdf_page *page, double x, double y, double w,
    double h);

/*
 * pdf_qr_size - side in mm (quiet zone included) of the QR code of TEXT
 * at MODULE mm per module (level M); -1 if TEXT cannot be encoded
 */
double pdf_qr_size(const char *text, double module);
/*
 * pdf_qr - the QR code of TEXT (libqrencode, level M, 8-bit mode,
 * 4-module quiet zone) as vector rectangles, top-left of the quiet zone at
 * (X, Y), MODULE mm per module (raised to PDF_QR_MIN_MODULE). Returns the
 * side in mm, or -1 (errno) when TEXT cannot be encoded.
 */
double pdf_qr(struct pdf_page *page, double x, double y, double module,
    const char *text);

/* a table column: width in mm and PDF_LEFT / PDF_RIGHT / PDF_CENTER */
struct pdf_column {
	double width;
	int flags;
};

/*
 * pdf_table_row_height - height in mm of a row of N CELLS at SIZE points:
 * the tallest wrapped cell plus padding (1.2 mm top and bottom, 1.5 mm
 * left and right of each cell)
 */
double pdf_table_row_height(const struct pdf_font *font,
    const struct pdf_column *cols, int n, const char *const *cells,
    double size);
/*
 * pdf_table_row - draw one row at (X, Y) top-left: cell borders (0.4 pt)
 * and the wrapped cell texts; FLAGS adds to every cell (PDF_BOLD for a
 * header row, which is also shaded). Returns the row height in mm.
 */
double pdf_table_row(struct pdf_page *page, double x, double y,
    const struct pdf_column *cols, int n, const char *const *cells,
    double size, int flags);

#endif
