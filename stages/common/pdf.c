/*
 * pdf.c - PDF documents on libharu with a HarfBuzz-subset CJK font.
 *
 * Layout calls record operations per page; pdf_doc_render subsets the font
 * to the code points the document uses, loads the subset into a fresh
 * libharu document and replays the operations (see pdf.h for why). All
 * libharu calls are in render_with_libharu(), which owns the error
 * handler's longjmp: after it only HPDF_Free is called, and every local
 * that lives across setjmp is volatile.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>
#include <hb.h>
#include <hb-subset.h>
#include <hpdf.h>
#include <qrencode.h>

#include "fsutil.h"
#include "pdf.h"
#include "text.h"

#ifndef CREDPIPE_VERSION
#define CREDPIPE_VERSION "0.0.0"
#endif

#define PT_PER_MM (72.0 / 25.4)
#define LINE_HEIGHT 1.25        /* line pitch as a multiple of the size */
#define MIN_SIZE 4.0            /* pdf_text_box never goes below (pt) */
#define SHRINK_STEP 0.5         /* pt per shrink step */
#define CELL_PAD_X 1.5          /* mm, table cells */
#define CELL_PAD_Y 1.2
#define MAX_LINES 256           /* per text box */

struct pdf_font {
	char path[4096];
	unsigned index;                 /* face within a .ttc */
	char family[128];
	hb_blob_t *blob;
	hb_face_t *face;
	hb_font_t *font;
	unsigned upem;
};

enum op_kind { OP_GRAY, OP_TEXT, OP_LINE, OP_RECT, OP_FILL };

struct op {
	enum op_kind kind;
	int flags;
	double x, y, w, h;              /* mm; OP_LINE: x,y -> w,h (x2,y2) */
	double size;                    /* pt: text size, line width, gray */
	char *text;
};

struct pdf_page {
	struct pdf_doc *doc;
	double width, height;           /* mm */
	struct op *ops;
	size_t nops, cap;
};

struct pdf_doc {
	const struct pdf_font *font;
	struct pdf_page **pages;
	int npages, cap;
	unsigned char used[65536 / 8];  /* BMP code points drawn */
	int subset;
	int oom;
	char held[512];
	char error[512];
	char *title, *author, *subject, *keywords, *creator;
	time_t created;
};

/* utf8_next - decode one code point at *S (advanced); -1 if invalid */
static long
utf8_next(const unsigned char **s)
{
	size_t len;
	/* a NUL is no continuation byte: decoding stops at the end */
	long cp = utf8_decode(*s, 4, &len);

	*s += len;
	return cp;
}

/* layout_space - newline, CR and tab: drawn as a space, never a glyph */
static int
layout_space(long cp)
{
	return cp == '\n' || cp == '\r' || cp == '\t';
}

/*
 * char_problem - why code point CP cannot be shown with FONT, or NULL.
 * Newlines and tabs are layout, not glyphs: callers map them first.
 */
static const char *
char_problem(const struct pdf_font *font, long cp)
{
	hb_codepoint_t gid;

	if (cp < 0)
		return "is not valid UTF-8";
	if (cp > 0xFFFF)
		return "is outside the Basic Multilingual Plane, which "
		    "libharu 2.3.0 cannot encode";
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return "is a control character";
	if (!hb_font_get_nominal_glyph(font->font, (hb_codepoint_t)cp, &gid)
	    || gid == 0)
		return "has no glyph in the font";
	return NULL;
}

/* describe_char - "U+20BB7 '𠮷'" (the character itself when printable) */
static void
describe_char(long cp, const unsigned char *start, size_t len, char *buf,
    size_t size)
{
	if (cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0))
		snprintf(buf, size, "U+%04lX '%.*s'", cp, (int)len,
		    (const char *)start);
	else if (cp >= 0)
		snprintf(buf, size, "U+%04lX", cp);
	else
		snprintf(buf, size, "byte 0x%02X", start[0]);
}

/* pdf_font_covers - every character of TEXT can be shown */
int
pdf_font_covers(const struct pdf_font *font, const char *text, char *why,
    size_t size)
{
	const unsigned char *p = (const unsigned char *)text, *start;
	const char *problem;
	char what[64];
	long cp;

	while (*p) {
		start = p;
		cp = utf8_next(&p);
		if (layout_space(cp))
			continue;
		if ((problem = char_problem(font, cp)) != NULL) {
			describe_char(cp, start, (size_t)(p - start), what,
			    sizeof what);
			snprintf(why, size, "character %s %s (%s)", what,
			    problem, font->family);
			return 0;
		}
	}
	return 1;
}

/* glyph_width - libharu's width of CP in 1/1000 em (truncated like it) */
static int
glyph_width(const struct pdf_font *font, long cp)
{
	hb_codepoint_t gid;

	if (cp < 0 || cp > 0xFFFF ||
	    !hb_font_get_nominal_glyph(font->font, (hb_codepoint_t)cp, &gid))
		gid = 0;
	return (int)((unsigned)hb_font_get_glyph_h_advance(font->font, gid) *
	    1000u / font->upem);
}

/* pdf_text_width - width in mm of one line */
double
pdf_text_width(const struct pdf_font *font, double size, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	long units = 0;

	while (*p)
		units += glyph_width(font, utf8_next(&p));
	return (double)units * size / 1000.0 / PT_PER_MM;
}

/* font_load - open PATH face INDEX with HarfBuzz; 0 or -1 with WHY */
static int
font_load(struct pdf_font *f, const char *path, unsigned index, char *why,
    size_t size)
{
	hb_blob_t *glyf;
	unsigned len;

	f->blob = hb_blob_create_from_file_or_fail(path);
	if (f->blob == NULL) {
		snprintf(why, size, "%s: cannot read the font file", path);
		return -1;
	}
	if (index >= hb_face_count(f->blob)) {
		snprintf(why, size, "%s: not a TrueType font", path);
		return -1;
	}
	f->face = hb_face_create(f->blob, index);
	glyf = hb_face_reference_table(f->face, HB_TAG('g', 'l', 'y', 'f'));
	len = hb_blob_get_length(glyf);
	hb_blob_destroy(glyf);
	if (len == 0) {
		snprintf(why, size, "%s: not a TrueType (glyf) font; libharu "
		    "cannot load CFF/OpenType-CFF fonts", path);
		return -1;
	}
	f->upem = hb_face_get_upem(f->face);
	f->font = hb_font_create(f->face);
	hb_font_make_immutable(f->font);
	hb_face_make_immutable(f->face);
	f->index = index;
	snprintf(f->path, sizeof f->path, "%s", path);
	if (f->family[0] == '\0') {
		unsigned n = sizeof f->family;
		if (hb_ot_name_get_utf8(f->face, HB_OT_NAME_ID_FONT_FAMILY,
		    hb_language_from_string("en", -1), &n, f->family) == 0)
			snprintf(f->family, sizeof f->family, "%.100s", path);
	}
	return 0;
}

/* font_find - the first Chinese TrueType font fontconfig offers */
static int
font_find(char *path, size_t size, unsigned *index)
{
	FcPattern *pat, *match;
	FcFontSet *set;
	FcResult res;
	FcChar8 *file, *format;
	int i, idx, found = 0;

	if (!FcInit())
		return -1;
	pat = FcNameParse((const FcChar8 *)"sans-serif:lang=zh-cn");
	if (pat == NULL)
		return -1;
	FcConfigSubstitute(NULL, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	set = FcFontSort(NULL, pat, FcTrue, NULL, &res);
	for (i = 0; set != NULL && i < set->nfont && !found; i++) {
		match = set->fonts[i];
		if (FcPatternGetString(match, FC_FILE, 0, &file) != FcResultMatch)
			continue;
		if (FcPatternGetString(match, FC_FONTFORMAT, 0, &format) !=
		    FcResultMatch || strcmp((char *)format, "TrueType") != 0)
			continue;
		{
			FcLangSet *ls;
			if (FcPatternGetLangSet(match, FC_LANG, 0, &ls) !=
			    FcResultMatch || FcLangSetHasLang(ls,
			    (const FcChar8 *)"zh-cn") == FcLangDifferentLang)
				continue;
		}
		if (FcPatternGetInteger(match, FC_INDEX, 0, &idx) !=
		    FcResultMatch)
			idx = 0;
		snprintf(path, size, "%s", (char *)file);
		*index = (unsigned)idx;
		found = 1;
	}
	if (set != NULL)
		FcFontSetDestroy(set);
	FcPatternDestroy(pat);
	/* only the file name is kept: release fontconfig's caches */
	FcFini();
	return found ? 0 : -1;
}

/* pdf_font_open - the CJK TrueType font */
struct pdf_font *
pdf_font_open(const char *path, char *why, size_t size)
{
	struct pdf_font *f;
	char found[4096];
	unsigned index = 0;
	hb_codepoint_t gid;

	if ((f = calloc(1, sizeof *f)) == NULL) {
		snprintf(why, size, "out of memory");
		return NULL;
	}
	if (path == NULL || path[0] == '\0') {
		if (font_find(found, sizeof found, &index) < 0) {
			snprintf(why, size, "no Chinese TrueType font found "
			    "with fontconfig (install fonts-wqy-microhei or "
			    "give --font)");
			free(f);
			return NULL;
		}
		path = found;
	}
	if (font_load(f, path, index, why, size) < 0) {
		pdf_font_close(f);
		return NULL;
	}
	if (!hb_font_get_nominal_glyph(f->font, 0x4E2D, &gid)) {
		snprintf(why, size, "%s: the font has no Chinese characters",
		    path);
		pdf_font_close(f);
		return NULL;
	}
	return f;
}

/* pdf_font_close - release it */
void
pdf_font_close(struct pdf_font *font)
{
	if (font == NULL)
		return;
	if (font->font)
		hb_font_destroy(font->font);
	if (font->face)
		hb_face_destroy(font->face);
	if (font->blob)
		hb_blob_destroy(font->blob);
	free(font);
}

/* pdf_font_path - the font file in use */
const char *
pdf_font_path(const struct pdf_font *font)
{
	return font->path;
}

/* dup_or_null - strdup of a non-empty string, else NULL */
static char *
dup_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

/* pdf_doc_new - an empty document */
struct pdf_doc *
pdf_doc_new(const struct pdf_font *font, const struct pdf_info *info)
{
	struct pdf_doc *doc;
	const char *sde;
	char *end;
	long long t;

	if ((doc = calloc(1, sizeof *doc)) == NULL)
		return NULL;
	doc->font = font;
	doc->subset = 1;
	if (info != NULL) {
		doc->title = dup_or_null(info->title);
		doc->author = dup_or_null(info->author);
		doc->subject = dup_or_null(info->subject);
		doc->keywords = dup_or_null(info->keywords);
		doc->creator = dup_or_null(info->creator);
		doc->created = info->created;
	}
	if (doc->creator == NULL)
		doc->creator = strdup("credpipe " CREDPIPE_VERSION);
	/* SOURCE_DATE_EPOCH wins: the reproducible-builds convention */
	sde = getenv("SOURCE_DATE_EPOCH");
	if (sde != NULL && sde[0] != '\0') {
		errno = 0;
		t = strtoll(sde, &end, 10);
		if (errno == 0 && *end == '\0' && t >= 0)
			doc->created = (time_t)t;
	}
	if (doc->created == 0)
		doc->created = time(NULL);
	return doc;
}

/* pdf_doc_free - release it */
void
pdf_doc_free(struct pdf_doc *doc)
{
	int i;
	size_t j;

	if (doc == NULL)
		return;
	for (i = 0; i < doc->npages; i++) {
		for (j = 0; j < doc->pages[i]->nops; j++)
			free(doc->pages[i]->ops[j].text);
		free(doc->pages[i]->ops);
		free(doc->pages[i]);
	}
	free(doc->pages);
	free(doc->title);
	free(doc->author);
	free(doc->subject);
	free(doc->keywords);
	free(doc->creator);
	free(doc);
}

/* pdf_doc_font - the document's font */
const struct pdf_font *
pdf_doc_font(const struct pdf_doc *doc)
{
	return doc->font;
}

/* pdf_doc_set_subset - 0 embeds the whole font (benchmark) */
void
pdf_doc_set_subset(struct pdf_doc *doc, int subset)
{
	doc->subset = subset;
}

/* pdf_doc_pages - pages so far */
int
pdf_doc_pages(const struct pdf_doc *doc)
{
	return doc->npages;
}

/* pdf_doc_held - the first character that cannot be shown, or NULL */
const char *
pdf_doc_held(const struct pdf_doc *doc)
{
	return doc->held[0] ? doc->held : NULL;
}

/* pdf_doc_error - the last message */
const char *
pdf_doc_error(const struct pdf_doc *doc)
{
	return doc->error;
}

/* doc_hold - remember the first reason to hold the document */
static void
doc_hold(struct pdf_doc *doc, const char *msg)
{
	if (doc->held[0] == '\0')
		snprintf(doc->held, sizeof doc->held, "%s", msg);
}

/* pdf_page_add - a new page */
struct pdf_page *
pdf_page_add(struct pdf_doc *doc, double width, double height)
{
	struct pdf_page *page, **pages;

	if (doc->npages == doc->cap) {
		int cap = doc->cap ? doc->cap * 2 : 4;
		pages = realloc(doc->pages, (size_t)cap * sizeof *pages);
		if (pages == NULL) {
			doc->oom = 1;
			return NULL;
		}
		doc->pages = pages;
		doc->cap = cap;
	}
	if ((page = calloc(1, sizeof *page)) == NULL) {
		doc->oom = 1;
		return NULL;
	}
	page->doc = doc;
	page->width = width;
	page->height = height;
	doc->pages[doc->npages++] = page;
	return page;
}

/* pdf_page_doc - the document of a page */
struct pdf_doc *
pdf_page_doc(struct pdf_page *page)
{
	return page->doc;
}

/* pdf_page_width - mm */
double
pdf_page_width(const struct pdf_page *page)
{
	return page->width;
}

/* pdf_page_height - mm */
double
pdf_page_height(const struct pdf_page *page)
{
	return page->height;
}

/* page_op - append an operation; NULL (doc marked) when out of memory */
static struct op *
page_op(struct pdf_page *page, enum op_kind kind)
{
	struct op *ops, *op;

	if (page == NULL)
		return NULL;
	if (page->nops == page->cap) {
		size_t cap = page->cap ? page->cap * 2 : 64;
		ops = realloc(page->ops, cap * sizeof *ops);
		if (ops == NULL) {
			page->doc->oom = 1;
			return NULL;
		}
		page->ops = ops;
		page->cap = cap;
	}
	op = &page->ops[page->nops++];
	memset(op, 0, sizeof *op);
	op->kind = kind;
	return op;
}

/* pdf_gray - colour of what follows */
void
pdf_gray(struct pdf_page *page, double gray)
{
	struct op *op = page_op(page, OP_GRAY);

	if (op != NULL)
		op->size = gray < 0 ? 0 : gray > 1 ? 1 : gray;
}

/*
 * clean_line - copy TEXT with newlines and tabs as spaces, noting every
 * code point in DOC (and holding DOC for one that cannot be shown)
 */
static char *
clean_line(struct pdf_doc *doc, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *start;
	const unsigned char *end = p + len;
	const char *problem;
	char *out, what[64], msg[512];
	size_t n = 0;
	long cp;

	if ((out = malloc(len + 1)) == NULL) {
		doc->oom = 1;
		return NULL;
	}
	while (p < end && *p) {
		start = p;
		cp = utf8_next(&p);
		if (layout_space(cp)) {
			out[n++] = ' ';
			cp = ' ';
		} else {
			memcpy(out + n, start, (size_t)(p - start));
			n += (size_t)(p - start);
		}
		if ((problem = char_problem(doc->font, cp)) != NULL) {
			describe_char(cp, start, (size_t)(p - start), what,
			    sizeof what);
			snprintf(msg, sizeof msg, "character %s %s (%s)", what,
			    problem, doc->font->family);
			doc_hold(doc, msg);
			continue;
		}
		doc->used[cp >> 3] |= (unsigned char)(1u << (cp & 7));
	}
	out[n] = '\0';
	return out;
}

/* pdf_text - one line of text */
double
pdf_text(struct pdf_page *page, double x, double y, double size, int flags,
    const char *text)
{
	struct op *op;
	double w;
	char *line;

	if (page == NULL || text == NULL)
		return 0;
	if ((line = clean_line(page->doc, text, strlen(text))) == NULL)
		return 0;
	w = pdf_text_width(page->doc->font, size, line);
	if (line[0] == '\0') {
		free(line);
		return 0;
	}
	if ((op = page_op(page, OP_TEXT)) == NULL) {
		free(line);
		return 0;
	}
	if (flags & PDF_RIGHT)
		x -= w;
	else if (flags & PDF_CENTER)
		x -= w / 2;
	op->x = x;
	op->y = y;
	op->size = size;
	op->flags = flags;
	op->text = line;
	return w;
}

/* is_cjk - characters between which a line may break */
static int
is_cjk(long cp)
{
	return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xF900 &&
	    cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
	    (cp >= 0xAC00 && cp <= 0xD7AF);
}

/* no_break_before - closing punctuation never starts a line */
static int
no_break_before(long cp)
{
	static const long closing[] = { 0x3001, 0x3002, 0xFF0C, 0xFF0E,
	    0xFF1A, 0xFF1B, 0xFF01, 0xFF1F, 0xFF09, 0x300D, 0x300F, 0x3011,
	    0x300B, ',', '.', ';', ':', '!', '?', ')', ']', '}' };
	size_t i;

	for (i = 0; i < sizeof closing / sizeof closing[0]; i++)
		if (closing[i] == cp)
			return 1;
	return 0;
}

struct line {
	size_t start, len;              /* bytes within the text */
	double width;                   /* mm */
};

/*
 * break_lines - split TEXT into lines of at most W mm at SIZE pt, stepping
 * by code point: break after the last space that fits, else between
 * CJK characters, else before the character that does not fit. Returns
 * the number of lines (at most MAX), and sets *FITS to 0 when a single
 * character is wider than W.
 */
static int
break_lines(const struct pdf_font *font, const char *text, double w,
    double size, struct line *lines, int max, int *fits)
{
	const unsigned char *base = (const unsigned char *)text, *p, *q;
	double limit = w * PT_PER_MM * 1000.0 / size;   /* 1/1000 em */
	size_t start = 0, brk;
	long units, brk_units, cp, prev;
	int n = 0, chw;

	*fits = 1;
	p = base;
	while (*p == ' ')
		p++;
	start = (size_t)(p - base);
	while (n < max) {
		units = 0;
		brk = 0;
		brk_units = 0;
		prev = -1;
		p = base + start;
		for (;;) {
			q = p;
			if (*p == '\0' || *p == '\n')
				break;
			cp = utf8_next(&p);
			chw = glyph_width(font, cp);
			/* a break opportunity before CP */
			if (q > base + start && !no_break_before(cp) &&
			    (prev == ' ' || is_cjk(cp) || is_cjk(prev))) {
				brk = (size_t)(q - base);
				brk_units = units;
			}
			if (units + chw > limit && q > base + start) {
				if (brk == 0 || brk <= start) {
					brk = (size_t)(q - base);
					brk_units = units;
				}
				p = base + brk;
				units = brk_units;
				goto emit;
			}
			if (units + chw > limit)
				*fits = 0;
			units += chw;
			prev = cp;
		}
		brk = (size_t)(p - base);
emit:
		lines[n].start = start;
		lines[n].len = brk - start;
		/* trailing spaces do not count for the width */
		while (lines[n].len > 0 && base[start + lines[n].len - 1] == ' ') {
			lines[n].len--;
			units -= glyph_width(font, ' ');
		}
		lines[n].width = (double)units * size / 1000.0 / PT_PER_MM;
		n++;
		p = base + brk;
		if (*p == '\0')
			break;
		if (*p == '\n')
			p++;
		else
			while (*p == ' ')
				p++;
		start = (size_t)(p - base);
		if (*p == '\0' && p[-1] != '\n')
			break;
	}
	if (n == max && base[start] != '\0')
		*fits = 0;
	return n;
}

/* pdf_text_height - height a wrapped text needs */
double
pdf_text_height(const struct pdf_font *font, double w, double size,
    const char *text)
{
	struct line lines[MAX_LINES];
	int n, fits;

	n = break_lines(font, text, w, size, lines, MAX_LINES, &fits);
	if (n == 0)
		n = 1;
	return n * size * LINE_HEIGHT / PT_PER_MM;
}

/* pdf_text_box - wrapped text shrunk until it fits the box */
double
pdf_text_box(struct pdf_page *page, double x, double y, double w, double h,
    double size, int flags, const char *text)
{
	struct line lines[MAX_LINES];
	double lh, top, bx, used;
	int n, i, fits, shown, ok = 0;
	char *piece, msg[128];

	if (page == NULL || text == NULL)
		return -1;
	/* note the characters (and hold for bad ones) once, on the whole */
	free(clean_line(page->doc, text, strlen(text)));
	for (; size >= MIN_SIZE; size -= SHRINK_STEP) {
		n = break_lines(page->doc->font, text, w, size, lines,
		    MAX_LINES, &fits);
		if (fits && n * size * LINE_HEIGHT / PT_PER_MM <= h + 1e-6) {
			ok = 1;
			break;
		}
	}
	if (!ok) {
		size = MIN_SIZE;
		n = break_lines(page->doc->font, text, w, size, lines,
		    MAX_LINES, &fits);
		snprintf(msg, sizeof msg, "a text of %zu bytes does not fit "
		    "its %.0f x %.0f mm box", strlen(text), w, h);
		doc_hold(page->doc, msg);
	}
	lh = size * LINE_HEIGHT / PT_PER_MM;
	shown = n;
	while (shown > 0 && shown * lh > h + 1e-6)
		shown--;
	used = shown * lh;
	top = y;
	if (flags & PDF_MIDDLE)
		top = y + (h - used) / 2;
	for (i = 0; i < shown; i++) {
		const char *s = text + lines[i].start;
		struct op *op;
		if (lines[i].len == 0)
			continue;
		if ((piece = clean_line(page->doc, s, lines[i].len)) == NULL)
			return -1;
		bx = x;
		if (flags & PDF_RIGHT)
			bx = x + w - lines[i].width;
		else if (flags & PDF_CENTER)
			bx = x + (w - lines[i].width) / 2;
		if ((op = page_op(page, OP_TEXT)) == NULL) {
			free(piece);
			return -1;
		}
		op->x = bx;
		/* baseline: CJK ideographs sit about 0.38 em above centre */
		op->y = top + i * lh + lh / 2 + 0.36 * size / PT_PER_MM;
		op->size = size;
		op->flags = flags & PDF_BOLD;
		op->text = piece;
	}
	return ok ? size : -1;
}

/* page_box - record KIND with four coordinates and a line width */
static void
page_box(struct pdf_page *page, enum op_kind kind, double x, double y,
    double w, double h, double width)
{
	struct op *op = page_op(page, kind);

	if (op == NULL)
		return;
	op->x = x;
	op->y = y;
	op->w = w;
	op->h = h;
	op->size = width;
}

/* pdf_line - a line from (X1, Y1) to (X2, Y2) */
void
pdf_line(struct pdf_page *page, double x1, double y1, double x2, double y2,
    double width)
{
	page_box(page, OP_LINE, x1, y1, x2, y2, width);
}

/* pdf_rect - outline of a box */
void
pdf_rect(struct pdf_page *page, double x, double y, double w, double h,
    double width)
{
	page_box(page, OP_RECT, x, y, w, h, width);
}

/* pdf_fill_rect - a filled box in the current gray */
void
pdf_fill_rect(struct pdf_page *page, double x, double y, double w, double h)
{
	page_box(page, OP_FILL, x, y, w, h, 0);
}

/* qr_encode - libqrencode, level M, 8-bit, case-sensitive */
static QRcode *
qr_encode(const char *text)
{
	if (text == NULL || text[0] == '\0') {
		errno = EINVAL;
		return NULL;
	}
	return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

/* pdf_qr_size - side in mm with the quiet zone */
double
pdf_qr_size(const char *text, double module)
{
	QRcode *qr = qr_encode(text);
	double side;

	if (qr == NULL)
		return -1;
	if (module < PDF_QR_MIN_MODULE)
		module = PDF_QR_MIN_MODULE;
	side = (qr->width + 2 * PDF_QR_QUIET) * module;
	QRcode_free(qr);
	return side;
}

/*
 * pdf_qr - the QR code as vector rectangles: each horizontal run of dark
 * modules is one rectangle (fewer operators than one per module, and no
 * hairline seams between neighbours when rendered)
 */
double
pdf_qr(struct pdf_page *page, double x, double y, double module,
    const char *text)
{
	QRcode *qr;
	int row, col, run, wd;

	if (page == NULL || (qr = qr_encode(text)) == NULL)
		return -1;
	if (module < PDF_QR_MIN_MODULE)
		module = PDF_QR_MIN_MODULE;
	wd = qr->width;
	pdf_gray(page, 0);
	for (row = 0; row < wd; row++) {
		for (col = 0; col < wd; col = run) {
			if (!(qr->data[row * wd + col] & 1)) {
				run = col + 1;
				continue;
			}
			for (run = col; run < wd &&
			    (qr->data[row * wd + run] & 1); run++)
				;
			pdf_fill_rect(page, x + (PDF_QR_QUIET + col) * module,
			    y + (PDF_QR_QUIET + row) * module,
			    (run - col) * module, module);
		}
	}
	QRcode_free(qr);
	return (wd + 2 * PDF_QR_QUIET) * module;
}

/* pdf_table_row_height - the tallest wrapped cell plus padding */
double
pdf_table_row_height(const struct pdf_font *font,
    const struct pdf_column *cols, int n, const char *const *cells,
    double size)
{
	double h, max = 0;
	int i;

	for (i = 0; i < n; i++) {
		h = pdf_text_height(font, cols[i].width - 2 * CELL_PAD_X, size,
		    cells[i] ? cells[i] : "");
		if (h > max)
			max = h;
	}
	return max + 2 * CELL_PAD_Y;
}

/* pdf_table_row - one row of cells with borders */
double
pdf_table_row(struct pdf_page *page, double x, double y,
    const struct pdf_column *cols, int n, const char *const *cells,
    double size, int flags)
{
	double h, cx = x, total = 0;
	int i;

	if (page == NULL)
		return 0;
	h = pdf_table_row_height(page->doc->font, cols, n, cells, size);
	for (i = 0; i < n; i++)
		total += cols[i].width;
	if (flags & PDF_BOLD) {
		pdf_gray(page, 0.9);
		pdf_fill_rect(page, x, y, total, h);
		pdf_gray(page, 0);
	}
	for (i = 0; i < n; i++) {
		pdf_rect(page, cx, y, cols[i].width, h, 0.4);
		pdf_text_box(page, cx + CELL_PAD_X, y + CELL_PAD_Y,
		    cols[i].width - 2 * CELL_PAD_X, h - 2 * CELL_PAD_Y, size,
		    cols[i].flags | (flags & PDF_BOLD),
		    cells[i] ? cells[i] : "");
		cx += cols[i].width;
	}
	return h;
}

/*
 * subset_font - the font cut down to DOC's code points, glyphs renumbered
 * from 0, hinting and layout tables dropped (libharu uses neither):
 * a malloc'd TrueType file in *BUF. 0 or -1.
 */
static int
subset_font(struct pdf_doc *doc, long extra, unsigned char **buf,
    size_t *len)
{
	hb_subset_input_t *in;
	hb_face_t *sub;
	hb_blob_t *blob;
	hb_set_t *unicodes, *drop;
	const char *data;
	unsigned n, cp;
	static const hb_tag_t dropped[] = {
		HB_TAG('G', 'S', 'U', 'B'), HB_TAG('G', 'P', 'O', 'S'),
		HB_TAG('G', 'D', 'E', 'F'), HB_TAG('k', 'e', 'r', 'n'),
		HB_TAG('h', 'd', 'm', 'x'), HB_TAG('V', 'D', 'M', 'X'),
		HB_TAG('L', 'T', 'S', 'H'), HB_TAG('g', 'a', 's', 'p'),
		HB_TAG('D', 'S', 'I', 'G'), HB_TAG('E', 'B', 'D', 'T'),
		HB_TAG('E', 'B', 'L', 'C'), HB_TAG('E', 'B', 'S', 'C'),
		HB_TAG('v', 'h', 'e', 'a'), HB_TAG('v', 'm', 't', 'x'),
	};
	size_t i;

	if ((in = hb_subset_input_create_or_fail()) == NULL)
		return -1;
	unicodes = hb_subset_input_unicode_set(in);
	hb_set_add(unicodes, ' ');
	if (extra > 0)
		hb_set_add(unicodes, (hb_codepoint_t)extra);
	for (cp = 0; cp < 65536; cp++)
		if (doc->used[cp >> 3] & (1u << (cp & 7)))
			hb_set_add(unicodes, cp);
	drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
	for (i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
		hb_set_add(drop, dropped[i]);
	hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING);
	sub = hb_subset_or_fail(doc->font->face, in);
	hb_subset_input_destroy(in);
	if (sub == NULL)
		return -1;
	blob = hb_face_reference_blob(sub);
	data = hb_blob_get_data(blob, &n);
	*buf = n ? malloc(n) : NULL;
	if (*buf != NULL) {
		memcpy(*buf, data, n);
		*len = n;
	}
	hb_blob_destroy(blob);
	hb_face_destroy(sub);
	return *buf != NULL ? 0 : -1;
}

/*
 * font_file - libharu 2.3.0 loads TrueType fonts only from a file name,
 * and reads the file again when it writes the document: put the subset
 * in an anonymous memory file (memfd), named through /proc/self/fd; where
 * that is impossible, in an unlinked-on-close temp file. 0 or -1/errno.
 */
static int
font_file(const unsigned char *buf, size_t len, char *path, size_t size,
    int *fd_out, int *unlink_after)
{
	const char *tmp;
	size_t off = 0;
	ssize_t w;
	int fd;

	*unlink_after = 0;
	fd = memfd_create("credpipe-font", MFD_CLOEXEC);
	if (fd >= 0) {
		snprintf(path, size, "/proc/self/fd/%d", fd);
		if (access(path, R_OK) != 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		tmp = getenv("TMPDIR");
		snprintf(path, size, "%s/credpipe-font.XXXXXX",
		    tmp && tmp[0] ? tmp : "/tmp");
		if ((fd = mkstemp(path)) < 0)
			return -1;
		*unlink_after = 1;
	}
	while (off < len) {
		w = write(fd, buf + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	*fd_out = fd;
	return 0;
fail:
	close(fd);
	if (*unlink_after)
		unlink(path);
	return -1;
}

struct render_ctx {
	jmp_buf jmp;
	char msg[256];
};

/* haru_error - libharu's error handler: note and leave by longjmp */
static void
haru_error(HPDF_STATUS error, HPDF_STATUS detail, void *user)
{
	struct render_ctx *ctx = user;

	snprintf(ctx->msg, sizeof ctx->msg, "libharu error 0x%04lX "
	    "(detail %lu)", (unsigned long)error, (unsigned long)detail);
	longjmp(ctx->jmp, 1);
}

/* info_date - T as a libharu date, UTC */
static HPDF_Date
info_date(time_t t)
{
	struct tm tm;
	HPDF_Date d;

	gmtime_r(&t, &tm);
	memset(&d, 0, sizeof d);
	d.year = tm.tm_year + 1900;
	d.month = tm.tm_mon + 1;
	d.day = tm.tm_mday;
	d.hour = tm.tm_hour;
	d.minutes = tm.tm_min;
	d.seconds = tm.tm_sec;
	d.ind = 'Z';
	return d;
}

/* replay_page - draw PAGE's recorded operations onto HP */
static void
replay_page(struct pdf_page *page, HPDF_Page hp, HPDF_Font font)
{
	double H = page->height;
	size_t i;
	struct op *op;
	int bold_mode = 0;

	HPDF_Page_SetWidth(hp, (HPDF_REAL)(page->width * PT_PER_MM));
	HPDF_Page_SetHeight(hp, (HPDF_REAL)(H * PT_PER_MM));
	for (i = 0; i < page->nops; i++) {
		op = &page->ops[i];
		switch (op->kind) {
		case OP_GRAY:
			HPDF_Page_SetGrayFill(hp, (HPDF_REAL)op->size);
			HPDF_Page_SetGrayStroke(hp, (HPDF_REAL)op->size);
			break;
		case OP_TEXT:
			if ((op->flags & PDF_BOLD) != bold_mode) {
				bold_mode = op->flags & PDF_BOLD;
				HPDF_Page_SetTextRenderingMode(hp, bold_mode ?
				    HPDF_FILL_THEN_STROKE : HPDF_FILL);
				HPDF_Page_SetLineWidth(hp, (HPDF_REAL)(bold_mode
				    ? op->size * 0.04 : 1.0));
			}
			HPDF_Page_BeginText(hp);
			HPDF_Page_SetFontAndSize(hp, font, (HPDF_REAL)op->size);
			HPDF_Page_TextOut(hp, (HPDF_REAL)(op->x * PT_PER_MM),
			    (HPDF_REAL)((H - op->y) * PT_PER_MM), op->text);
			HPDF_Page_EndText(hp);
			break;
		case OP_LINE:
			HPDF_Page_SetLineWidth(hp, (HPDF_REAL)op->size);
			HPDF_Page_MoveTo(hp, (HPDF_REAL)(op->x * PT_PER_MM),
			    (HPDF_REAL)((H - op->y) * PT_PER_MM));
			HPDF_Page_LineTo(hp, (HPDF_REAL)(op->w * PT_PER_MM),
			    (HPDF_REAL)((H - op->h) * PT_PER_MM));
			HPDF_Page_Stroke(hp);
			bold_mode = -1;
			break;
		case OP_RECT:
			HPDF_Page_SetLineWidth(hp, (HPDF_REAL)op->size);
			HPDF_Page_Rectangle(hp, (HPDF_REAL)(op->x * PT_PER_MM),
			    (HPDF_REAL)((H - op->y - op->h) * PT_PER_MM),
			    (HPDF_REAL)(op->w * PT_PER_MM),
			    (HPDF_REAL)(op->h * PT_PER_MM));
			HPDF_Page_Stroke(hp);
			bold_mode = -1;
			break;
		case OP_FILL:
			/* consecutive fills (QR modules, bars): one path */
			for (;;) {
				HPDF_Page_Rectangle(hp,
				    (HPDF_REAL)(op->x * PT_PER_MM),
				    (HPDF_REAL)((H - op->y - op->h) *
				    PT_PER_MM),
				    (HPDF_REAL)(op->w * PT_PER_MM),
				    (HPDF_REAL)(op->h * PT_PER_MM));
				if (i + 1 >= page->nops ||
				    page->ops[i + 1].kind != OP_FILL)
					break;
				op = &page->ops[++i];
			}
			HPDF_Page_Fill(hp);
			break;
		}
	}
}

/*
 * render_with_libharu - every libharu call of the module. FONT_PATH is
 * the TrueType file to embed (face INDEX). On success the PDF bytes in
 * *BUF, *LEN. After a longjmp from the error handler only HPDF_Free is
 * called; PDF and OUT are volatile because they live across setjmp.
 */
static int
render_with_libharu(struct pdf_doc *doc, const char *font_path,
    unsigned index, unsigned char **buf, size_t *len)
{
	struct render_ctx ctx;
	HPDF_Doc volatile pdf = NULL;
	unsigned char *volatile out = NULL;
	const char *name;
	HPDF_Font font;
	HPDF_Date date;
	HPDF_UINT32 size, got, total;
	int i;

	memset(&ctx, 0, sizeof ctx);
	if (setjmp(ctx.jmp) != 0) {
		snprintf(doc->error, sizeof doc->error, "%s", ctx.msg);
		if (pdf != NULL)
			HPDF_Free(pdf);
		free(out);
		return -1;
	}
	pdf = HPDF_New(haru_error, &ctx);
	if (pdf == NULL) {
		snprintf(doc->error, sizeof doc->error, "libharu: out of "
		    "memory");
		return -1;
	}
	HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(pdf);
	HPDF_SetCurrentEncoder(pdf, "UTF-8");
	if (index > 0 || (strlen(font_path) > 4 && strcasecmp(font_path +
	    strlen(font_path) - 4, ".ttc") == 0))
		name = HPDF_LoadTTFontFromFile2(pdf, font_path, index,
		    HPDF_TRUE);
	else
		name = HPDF_LoadTTFontFromFile(pdf, font_path, HPDF_TRUE);
	font = HPDF_GetFont(pdf, name, "UTF-8");
	date = info_date(doc->created);
	HPDF_SetInfoDateAttr(pdf, HPDF_INFO_CREATION_DATE, date);
	HPDF_SetInfoDateAttr(pdf, HPDF_INFO_MOD_DATE, date);
	if (doc->title)
		HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, doc->title);
	if (doc->author)
		HPDF_SetInfoAttr(pdf, HPDF_INFO_AUTHOR, doc->author);
	if (doc->subject)
		HPDF_SetInfoAttr(pdf, HPDF_INFO_SUBJECT, doc->subject);
	if (doc->keywords)
		HPDF_SetInfoAttr(pdf, HPDF_INFO_KEYWORDS, doc->keywords);
	HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, doc->creator);
	HPDF_SetInfoAttr(pdf, HPDF_INFO_PRODUCER, "credpipe (libharu "
	    HPDF_VERSION_TEXT ", HarfBuzz subset)");
	for (i = 0; i < doc->npages; i++)
		replay_page(doc->pages[i], HPDF_AddPage(pdf), font);
	HPDF_SaveToStream(pdf);
	size = HPDF_GetStreamSize(pdf);
	if ((out = malloc(size ? size : 1)) == NULL) {
		HPDF_Free(pdf);
		snprintf(doc->error, sizeof doc->error, "out of memory");
		return -1;
	}
	HPDF_ResetStream(pdf);
	total = 0;
	while (total < size) {
		got = size - total;
		if (HPDF_ReadFromStream(pdf, out + total, &got) != HPDF_OK &&
		    got == 0)
			break;
		total += got;
	}
	HPDF_Free(pdf);
	if (total != size) {
		free(out);
		snprintf(doc->error, sizeof doc->error, "libharu: short "
		    "stream (%u of %u bytes)", total, size);
		return -1;
	}
	*buf = out;
	*len = size;
	return 0;
}

/*
 * render_subset - subset with one EXTRA code point (0: none), render.
 * 0, -1 (no retry helps), or -2 (libharu failed: another subset may do).
 */
static int
render_subset(struct pdf_doc *doc, long extra, unsigned char **buf,
    size_t *len)
{
	unsigned char *font_buf = NULL;
	size_t font_len = 0;
	char path[4096];
	int fd = -1, unlink_after = 0, rc;

	if (subset_font(doc, extra, &font_buf, &font_len) < 0) {
		snprintf(doc->error, sizeof doc->error, "HarfBuzz could not "
		    "subset %.300s", doc->font->path);
		return -1;
	}
	if (font_file(font_buf, font_len, path, sizeof path, &fd,
	    &unlink_after) < 0) {
		snprintf(doc->error, sizeof doc->error, "temporary font file: "
		    "%s", strerror(errno));
		free(font_buf);
		return -1;
	}
	free(font_buf);
	rc = render_with_libharu(doc, path, 0, buf, len);
	close(fd);
	if (unlink_after)
		unlink(path);
	return rc == 0 ? 0 : -2;
}

/* pdf_doc_render - subset, replay through libharu, the PDF bytes */
enum pdf_status
pdf_doc_render(struct pdf_doc *doc, unsigned char **buf, size_t *len)
{
	static const long extras[] = { 0, 'K', 0x4E2D, '#', 'L', 0x6587 };
	int attempt, rc = -1;

	*buf = NULL;
	*len = 0;
	if (doc->held[0]) {
		snprintf(doc->error, sizeof doc->error, "%s", doc->held);
		return PDF_HELD;
	}
	if (doc->oom) {
		snprintf(doc->error, sizeof doc->error, "out of memory while "
		    "laying out the document");
		errno = ENOMEM;
		return PDF_ERROR;
	}
	if (doc->npages == 0)
		pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
	if (!doc->subset) {
		rc = render_with_libharu(doc, doc->font->path,
		    doc->font->index, buf, len);
		return rc == 0 ? PDF_OK : PDF_ERROR;
	}
	/*
	 * libharu 2.3.0 fails to write a few subset fonts (HPDF_INVALID_OBJECT
	 * at save, about 1 document in 100, depending on the exact glyph
	 * set; seen with wqy-microhei). One more glyph in the subset changes
	 * the font's layout and avoids it: retry with a fixed list of extra
	 * glyphs, so the same document always gives the same bytes.
	 */
	for (attempt = 0; attempt < (int)(sizeof extras / sizeof extras[0]);
	    attempt++) {
		if (attempt > 0) {
			hb_codepoint_t gid;
			if (!hb_font_get_nominal_glyph(doc->font->font,
			    (hb_codepoint_t)extras[attempt], &gid))
				continue;
		}
		rc = render_subset(doc, extras[attempt], buf, len);
		if (rc != -2)
			break;
	}
	return rc == 0 ? PDF_OK : PDF_ERROR;
}

/* pdf_doc_save - render, then commit to PATH */
enum pdf_status
pdf_doc_save(struct pdf_doc *doc, const char *path, mode_t mode)
{
	unsigned char *buf;
	size_t len;
	enum pdf_status st;

	if ((st = pdf_doc_render(doc, &buf, &len)) != PDF_OK)
		return st;
	if (commit_file(path, buf, len, mode) < 0) {
		int e = errno;
		snprintf(doc->error, sizeof doc->error, "%s: %s", path,
		    strerror(e));
		free(buf);
		errno = e;
		return PDF_ERROR;
	}
	free(buf);
	return PDF_OK;
}
