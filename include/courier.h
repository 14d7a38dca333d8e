/*
 * courier.h - courier batches of paper reports (SPEC §7): order and cut,
 * the manifest CSV the courier imports, Code 128 barcodes for waybills,
 * and the dispatch-list and label layouts the mailroom prints.
 *
 * Everything here works on an array of struct parcel in memory; the stage
 * (stages/manifest.c) decides which dossiers ship and commits the files.
 */
#ifndef CREDPIPE_COURIER_H
#define CREDPIPE_COURIER_H

#include <stddef.h>

/* the column line of manifest.csv, exactly as SPEC §7 */
#define COURIER_CSV_HEADER "waybill,order_id,recipient,phone,province," \
	"city,district,address,postcode,contents,pieces,dossier_id"
#define COURIER_CSV_COLUMNS 12
/* what every parcel contains: documents */
#define COURIER_CONTENTS "文件"

struct parcel {
	char dossier_id[48];
	char courier[8];            /* EMS | SF */
	char waybill[24];
	char report_number[20];     /* order_id */
	char recipient[256];
	char phone[32];
	char province[128];
	char city[128];
	char district[128];
	char address[1024];
	char postcode[16];
};

/* the sender block printed on labels and the dispatch list */
struct sender {
	char name[256];
	char phone[64];
	char address[1024];
	char postcode[16];
};

/* one batch: its id "2026-11-28/EMS-1" and its parcels in order */
struct batch {
	char date[16];              /* YYYY-MM-DD */
	char courier[8];
	int number;                 /* n of <courier>-<n> */
	char id[48];                /* "<date>/<courier>-<n>" */
	const struct parcel *parcels;
	size_t nparcels;
};

/* a byte buffer that grows; the CSV is built in memory, then committed */
struct buffer {
	char *data;
	size_t len, cap;
};

/* buffer_append - append LEN bytes; exits on out of memory (fatal) */
void buffer_append(struct buffer *b, const void *data, size_t len);
/* buffer_free - release the bytes */
void buffer_free(struct buffer *b);

/* courier_parcel_compare - the batch order: postcode, then dossier id */
int courier_parcel_compare(const void *a, const void *b);
/*
 * courier_sort - order PARCELS for batching: grouped by courier (byte
 * order), within a courier by (postcode, dossier id), stable for equal keys.
 */
void courier_sort(struct parcel *parcels, size_t n);
/*
 * courier_cut - how many batches N parcels of one courier make with at
 * most BATCH_SIZE each (0 for 0 parcels); batch I (0-based) starts at
 * I * BATCH_SIZE.
 */
size_t courier_cut(size_t n, size_t batch_size);

/*
 * courier_csv_guard - whether FIELD needs the formula-injection guard: it
 * starts with = + - @ TAB CR or with the guard character ' itself. Such
 * a field of the free-text columns is written with a leading ' (a
 * spreadsheet shows it as text; an importer strips exactly one leading ').
 */
int courier_csv_guard(const char *field);
/* courier_csv_field - append FIELD RFC 4180-quoted when it needs it */
void courier_csv_field(struct buffer *b, const char *field, int guard);
/*
 * courier_csv - the whole manifest.csv of PARCELS: UTF-8 BOM, the header
 * line, a record per parcel, every line ended by CRLF (RFC 4180).
 */
void courier_csv(struct buffer *b, const struct parcel *parcels, size_t n);

/* courier_csv_record_fn - one record's fields (NUL-terminated) */
typedef int (*courier_csv_record_fn)(char **fields, int nfields,
    void *ctx);
/*
 * courier_csv_parse - a strict RFC 4180 reader for manifest.csv: the BOM,
 * then the header line exactly, then records of COURIER_CSV_COLUMNS
 * fields, every line ended by CRLF; a quote inside an unquoted field,
 * anything but , or CRLF after a closing quote, a bare CR or LF outside
 * quotes, an unterminated quote or a wrong field count is an error. FN
 * gets each record (fields as written: guards kept); a nonzero return
 * stops. Returns the number of records, or -1 with the 1-based line of
 * the error in *ERRLINE.
 */
int courier_csv_parse(const char *buf, size_t len, courier_csv_record_fn fn,
    void *ctx, int *errline);
/* courier_csv_unguard - FIELD of a free-text column without its guard */
const char *courier_csv_unguard(const char *field);

/* a Code 128 symbol as bars, in modules from its left edge */
struct barcode_bar {
	float x, width;
};
struct barcode {
	int modules;                /* width of the symbol in modules */
	int nbars;
	struct barcode_bar bars[128];
};

/*
 * courier_barcode - encode TEXT as Code 128 with zint and take its bars
 * from zint's vector output (no quiet zone, no human-readable text: the
 * layouts draw both). 0, or -1 when zint refuses TEXT.
 */
int courier_barcode(const char *text, struct barcode *out);

/* courier_mask_phone - "13800138000" -> "138****8000" into BUF */
char *courier_mask_phone(const char *phone, char *buf, size_t size);

struct pdf_doc;
struct pdf_page;
struct pdf_font;

/*
 * courier_draw_barcode - BC at (X, Y) top-left of its quiet zone (10
 * modules each side, left white), MODULE mm per module, bars HEIGHT mm
 * tall; returns the width drawn in mm, quiet zones included.
 */
double courier_draw_barcode(struct pdf_page *page, double x, double y,
    double module, double height, const struct barcode *bc);
/*
 * courier_dispatch_list - the dispatch list of BATCH into DOC (A4): header
 * (batch id, date, courier, sender), a row per parcel (sequence, waybill
 * with its barcode, recipient, city, postcode, report number, masked
 * phone), totals, handover signature lines, "page i of n". 0 or -1.
 */
int courier_dispatch_list(struct pdf_doc *doc, const struct batch *batch,
    const struct sender *sender);
/*
 * courier_labels - one 100 x 150 mm label per parcel of BATCH into DOC:
 * barcode and number, recipient block, sender block, contents, batch id
 * and sequence; every text in a box it cannot overflow. 0 or -1.
 */
int courier_labels(struct pdf_doc *doc, const struct batch *batch,
    const struct sender *sender);
/*
 * courier_label - the label of parcel I of BATCH alone, the same page
 * courier_labels draws for it (sequence "#i/n" included), for reprinting
 * one parcel's label. 0 or -1.
 */
int courier_label(struct pdf_doc *doc, const struct batch *batch, size_t i,
    const struct sender *sender);

/*
 * courier_parcel_printable - whether everything of P that its label and
 * the dispatch list print can be shown with FONT (SENDER: the sender
 * block): 1; 0 with a sentence in WHY naming the delivery field and the
 * character (U+XXXX) that cannot be shown, or the text that does not fit
 * its box, so that the dossier can be held for an operator BEFORE a
 * batch would fail (SPEC §6); -1 out of memory or a barcode zint refuses.
 */
int courier_parcel_printable(const struct pdf_font *font,
    const struct parcel *p, const struct sender *sender, char *why,
    size_t size);

#define COURIER_LABEL_WIDTH 100.0     /* mm: 283.465 pt */
#define COURIER_LABEL_HEIGHT 150.0    /* mm: 425.197 pt */
#define COURIER_QUIET_MODULES 10      /* Code 128 quiet zone, each side */

#endif
