/*
 * courier_pdf.c - the dispatch list and the labels of a courier batch
 * (SPEC §7), drawn with the PDF module; barcodes from courier_barcode().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courier.h"
#include "log.h"
#include "pdf.h"

/* courier_draw_barcode - bars as filled rectangles, quiet zones blank */
double
courier_draw_barcode(struct pdf_page *page, double x, double y,
    double module, double height, const struct barcode *bc)
{
	double left = x + COURIER_QUIET_MODULES * module;

	pdf_gray(page, 0);
	for (int i = 0; i < bc->nbars; i++)
		pdf_fill_rect(page, left + bc->bars[i].x * module, y,
		    bc->bars[i].width * module, height);
	return (bc->modules + 2 * COURIER_QUIET_MODULES) * module;
}

/*
 * fit_module - the X-dimension that fits BC into WIDTH mm with its quiet
 * zones, capped at MAX. At 300 dpi 0.25 mm is ~3 pixels a module, the
 * least zbar reads reliably; the layouts give more room than that.
 */
static double
fit_module(const struct barcode *bc, double width, double max)
{
	double module = width / (bc->modules + 2 * COURIER_QUIET_MODULES);

	return module > max ? max : module;
}

/*
 * sender_text - the sender block as text: "name  phone", the address,
 * "邮编 Postcode N", each group only when it is configured, joined by SEP
 * ("\n" on a label, spaces on the dispatch list). Unset keys leave no
 * blank label behind ("邮编 Postcode" with nothing after it).
 */
static char *
sender_text(const struct sender *sender, const char *sep, char *buf,
    size_t size)
{
	char first[sizeof sender->name + sizeof sender->phone + 2];
	char postcode[sizeof sender->postcode + 32] = "";
	const char *groups[3];
	size_t used = 0;

	snprintf(first, sizeof first, "%s%s%s", sender->name,
	    sender->name[0] && sender->phone[0] ? "  " : "", sender->phone);
	if (sender->postcode[0])
		snprintf(postcode, sizeof postcode, "邮编 Postcode %s",
		    sender->postcode);
	groups[0] = first;
	groups[1] = sender->address;
	groups[2] = postcode;
	buf[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		if (groups[i][0] == '\0')
			continue;
		int n = snprintf(buf + used, size - used, "%s%s",
		    used ? sep : "", groups[i]);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

/* the dispatch list's geometry, in mm */
#define DL_MARGIN 15.0
#define DL_TOP 15.0
#define DL_BOTTOM 282.0         /* where the footer line starts */
#define DL_SIZE 8.5             /* table text, points */
#define DL_BARCODE_H 8.0        /* bar height in the waybill cell */
#define DL_COLUMNS 7

static const struct pdf_column dl_columns[DL_COLUMNS] = {
	{ 10, PDF_RIGHT }, { 58, PDF_LEFT }, { 26, PDF_LEFT },
	{ 24, PDF_LEFT }, { 16, PDF_LEFT }, { 24, PDF_LEFT },
	{ 22, PDF_LEFT },
};

/* dispatch_header - title block; returns the y below it */
static double
dispatch_header(struct pdf_page *page, const struct batch *batch,
    const struct sender *sender, int first)
{
	char line[1600], from[1500];
	double y = DL_TOP;

	pdf_gray(page, 0);
	pdf_text(page, PDF_A4_WIDTH / 2, y + 6, 16, PDF_CENTER | PDF_BOLD,
	    "交寄清单 Dispatch list");
	y += 12;
	snprintf(line, sizeof line, "批次 Batch: %s    日期 Date: %s    "
	    "快递 Courier: %s", batch->id, batch->date, batch->courier);
	pdf_text(page, DL_MARGIN, y + 4, 10, PDF_LEFT, line);
	y += 7;
	if (first) {
		snprintf(line, sizeof line, "寄件人 Sender: %s",
		    sender_text(sender, "    ", from, sizeof from));
		pdf_text_box(page, DL_MARGIN, y, PDF_A4_WIDTH - 2 * DL_MARGIN,
		    10, 9, PDF_LEFT, line);
		y += 11;
	}
	return y;
}

/* dispatch_table_header - the column titles row */
static double
dispatch_table_header(struct pdf_page *page, double y)
{
	static const char *const titles[DL_COLUMNS] = {
		"序号 No.", "运单号 Waybill", "收件人 Recipient",
		"城市 City", "邮编 Postcode", "报告编号 Report no.",
		"电话 Phone",
	};

	return pdf_table_row(page, DL_MARGIN, y, dl_columns, DL_COLUMNS,
	    titles, DL_SIZE, PDF_BOLD);
}

/*
 * dispatch_row_cells - the texts of a parcel's row. The waybill cell ends
 * with blank lines that reserve the height of the barcode drawn into it.
 */
static void
dispatch_row_cells(const struct parcel *p, size_t seq, char *seqbuf,
    size_t seqsize, char *waybill, size_t wsize, char *phone,
    size_t psize, const char *cells[DL_COLUMNS])
{
	snprintf(seqbuf, seqsize, "%zu", seq);
	snprintf(waybill, wsize, "%s\n\n\n\n", p->waybill);
	courier_mask_phone(p->phone, phone, psize);
	cells[0] = seqbuf;
	cells[1] = waybill;
	cells[2] = p->recipient;
	cells[3] = p->city;
	cells[4] = p->postcode;
	cells[5] = p->report_number;
	cells[6] = phone;
}

/* the signature block's height: totals line and two signature lines */
#define DL_SIGNATURES_H 40.0

/* dispatch_signatures - totals and handover signature lines at Y */
static void
dispatch_signatures(struct pdf_page *page, double y,
    const struct batch *batch)
{
	char line[256];
	double x2 = PDF_A4_WIDTH / 2 + 5, right = PDF_A4_WIDTH - DL_MARGIN;

	pdf_gray(page, 0);
	snprintf(line, sizeof line, "合计 Total: %zu 件 parcels, %zu 件 "
	    "pieces", batch->nparcels, batch->nparcels);
	pdf_text(page, DL_MARGIN, y + 6, 11, PDF_BOLD, line);
	y += 16;
	pdf_text(page, DL_MARGIN, y, 9, PDF_LEFT, "交件人 Handed over by:");
	pdf_line(page, DL_MARGIN + 38, y + 1, x2 - 8, y + 1, 0.5);
	pdf_text(page, x2, y, 9, PDF_LEFT, "收件人 Received by (courier):");
	pdf_line(page, x2 + 48, y + 1, right, y + 1, 0.5);
	y += 12;
	pdf_text(page, DL_MARGIN, y, 9, PDF_LEFT, "日期时间 Date/time:");
	pdf_line(page, DL_MARGIN + 38, y + 1, x2 - 8, y + 1, 0.5);
	pdf_text(page, x2, y, 9, PDF_LEFT, "日期时间 Date/time:");
	pdf_line(page, x2 + 48, y + 1, right, y + 1, 0.5);
}

/* courier_dispatch_list - the dispatch list (see courier.h) */
int
courier_dispatch_list(struct pdf_doc *doc, const struct batch *batch,
    const struct sender *sender)
{
	const struct pdf_font *font = pdf_doc_font(doc);
	struct pdf_page **pages = NULL;
	size_t npages = 0, cap = 0;
	struct pdf_page *page = NULL;
	double y = 0;

	for (size_t i = 0; i <= batch->nparcels; i++) {
		const char *cells[DL_COLUMNS];
		char seq[24], waybill[64], phone[32];
		double need;

		if (i < batch->nparcels) {
			dispatch_row_cells(&batch->parcels[i], i + 1, seq,
			    sizeof seq, waybill, sizeof waybill, phone,
			    sizeof phone, cells);
			need = pdf_table_row_height(font, dl_columns,
			    DL_COLUMNS, cells, DL_SIZE);
		} else {
			need = DL_SIGNATURES_H;
		}
		if (page == NULL || y + need > DL_BOTTOM - 4) {
			if (npages == cap) {
				cap = cap ? cap * 2 : 8;
				struct pdf_page **grown = realloc(pages,
				    cap * sizeof *pages);
				if (grown == NULL)
					fatal("courier_dispatch_list");
				pages = grown;
			}
			page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
			if (page == NULL) {
				free(pages);
				return -1;
			}
			pages[npages++] = page;
			y = dispatch_header(page, batch, sender, npages == 1);
			if (i < batch->nparcels)
				y += dispatch_table_header(page, y);
		}
		if (i == batch->nparcels) {
			dispatch_signatures(page, y + 4, batch);
			break;
		}
		double h = pdf_table_row(page, DL_MARGIN, y, dl_columns,
		    DL_COLUMNS, cells, DL_SIZE, 0);
		struct barcode bc;
		if (courier_barcode(batch->parcels[i].waybill, &bc) == 0) {
			double cell_x = DL_MARGIN + dl_columns[0].width + 1.5;
			double w = dl_columns[1].width - 3;
			courier_draw_barcode(page, cell_x, y + 5.2,
			    fit_module(&bc, w, 0.4), DL_BARCODE_H, &bc);
		}
		y += h;
	}
	for (size_t p = 0; p < npages; p++) {
		char footer[256];

		snprintf(footer, sizeof footer, "%s    第 %zu 页 共 %zu 页 "
		    "page %zu of %zu", batch->id, p + 1, npages, p + 1,
		    npages);
		pdf_gray(pages[p], 0);
		pdf_line(pages[p], DL_MARGIN, DL_BOTTOM, PDF_A4_WIDTH -
		    DL_MARGIN, DL_BOTTOM, 0.4);
		pdf_text(pages[p], PDF_A4_WIDTH / 2, DL_BOTTOM + 6, 8,
		    PDF_CENTER, footer);
	}
	free(pages);
	return 0;
}

/* the label's geometry, in mm (100 x 150, origin top-left) */
#define LB_MARGIN 5.0
#define LB_INNER (COURIER_LABEL_WIDTH - 2 * LB_MARGIN)

/* label_block - a titled, outlined box with TEXT wrapped inside */
static void
label_block(struct pdf_page *page, double y, double h, const char *title,
    const char *text, double size)
{
	pdf_gray(page, 0);
	pdf_rect(page, LB_MARGIN, y, LB_INNER, h, 0.8);
	pdf_text_box(page, LB_MARGIN + 2, y + 1.5, LB_INNER - 4, 5, 9,
	    PDF_BOLD, title);
	pdf_text_box(page, LB_MARGIN + 2, y + 7, LB_INNER - 4, h - 8.5,
	    size, PDF_LEFT, text);
}

/* courier_label - the label of parcel I of BATCH, a page of its own */
int
courier_label(struct pdf_doc *doc, const struct batch *batch, size_t i,
    const struct sender *sender)
{
	const struct parcel *p = &batch->parcels[i];
	struct pdf_page *page;
	struct barcode bc;
	char text[2400];
	double y;

	page = pdf_page_add(doc, COURIER_LABEL_WIDTH, COURIER_LABEL_HEIGHT);
	if (page == NULL)
		return -1;
	pdf_gray(page, 0);
	/* head: courier, batch and sequence */
	pdf_text_box(page, LB_MARGIN, LB_MARGIN, 30, 9, 18, PDF_BOLD,
	    p->courier);
	snprintf(text, sizeof text, "%s  #%zu/%zu", batch->id, i + 1,
	    batch->nparcels);
	pdf_text_box(page, LB_MARGIN + 30, LB_MARGIN + 1, LB_INNER - 30, 7,
	    10, PDF_RIGHT, text);
	y = LB_MARGIN + 10;
	pdf_line(page, LB_MARGIN, y, COURIER_LABEL_WIDTH - LB_MARGIN, y, 1);
	/* the waybill: barcode with its number under it */
	y += 2;
	if (courier_barcode(p->waybill, &bc) == -1)
		return -1;
	double module = fit_module(&bc, LB_INNER, 0.5);
	double width = (bc.modules + 2 * COURIER_QUIET_MODULES) * module;
	courier_draw_barcode(page, (COURIER_LABEL_WIDTH - width) / 2, y,
	    module, 18, &bc);
	y += 18;
	pdf_text(page, COURIER_LABEL_WIDTH / 2, y + 5.5, 13,
	    PDF_CENTER | PDF_BOLD, p->waybill);
	y += 9;
	/* recipient: name and full phone, address, postcode */
	snprintf(text, sizeof text, "%s  %s\n%s%s%s %s\n邮编 Postcode %s",
	    p->recipient, p->phone, p->province, p->city, p->district,
	    p->address, p->postcode);
	label_block(page, y, 46, "收件人 To", text, 12);
	y += 48;
	/* sender, from the configuration: the lines that are set */
	label_block(page, y, 30, "寄件人 From", sender_text(sender, "\n",
	    text, sizeof text), 9);
	y += 32;
	/* contents, order, batch */
	snprintf(text, sizeof text, "内件 Contents: %s    件数 Pieces: 1\n"
	    "报告编号 Report no.: %s\n批次 Batch: %s    序号 No. %zu",
	    COURIER_CONTENTS, p->report_number, batch->id, i + 1);
	pdf_text_box(page, LB_MARGIN, y, LB_INNER,
	    COURIER_LABEL_HEIGHT - LB_MARGIN - y, 9, PDF_LEFT, text);
	return 0;
}

/* courier_labels - a label page per parcel */
int
courier_labels(struct pdf_doc *doc, const struct batch *batch,
    const struct sender *sender)
{
	for (size_t i = 0; i < batch->nparcels; i++)
		if (courier_label(doc, batch, i, sender) == -1)
			return -1;
	return 0;
}

/*
 * printable_field - whether TEXT can be shown: pdf_font_covers on a copy
 * with CR as a space, as the layout draws it (pdf_text maps CR, LF and
 * TAB to spaces; pdf_font_covers alone would call CR a control character)
 */
static int
printable_field(const struct pdf_font *font, const char *text, char *why,
    size_t size)
{
	char copy[sizeof ((struct parcel *)0)->address];

	snprintf(copy, sizeof copy, "%s", text);
	for (char *s = copy; (s = strchr(s, '\r')) != NULL; s++)
		*s = ' ';
	return pdf_font_covers(font, copy, why, size);
}

/*
 * courier_parcel_printable - first each delivery field the labels and the
 * dispatch list print, so that the message names the field; then the
 * label itself laid out in a scratch document (recorded, never rendered),
 * which also catches a text that would not fit its box.
 */
int
courier_parcel_printable(const struct pdf_font *font, const struct parcel *p,
    const struct sender *sender, char *why, size_t size)
{
	const struct { const char *name, *text; } fields[] = {
		{ "recipient", p->recipient }, { "phone", p->phone },
		{ "province", p->province }, { "city", p->city },
		{ "district", p->district }, { "address", p->address },
		{ "postcode", p->postcode },
	};
	struct pdf_info info = { 0 };
	struct parcel copy = *p;
	struct batch b;
	struct pdf_doc *doc;
	char what[400];
	int rc;

	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (!printable_field(font, fields[i].text, what,
		    sizeof what)) {
			snprintf(why, size, "delivery/%s: %s", fields[i].name,
			    what);
			return 0;
		}
	/* any waybill of the same shape will do for the layout */
	if (copy.waybill[0] == '\0')
		snprintf(copy.waybill, sizeof copy.waybill, "EA000000000CN");
	memset(&b, 0, sizeof b);
	snprintf(b.courier, sizeof b.courier, "%s", p->courier);
	snprintf(b.date, sizeof b.date, "0000-00-00");
	snprintf(b.id, sizeof b.id, "0000-00-00/%s-1", p->courier);
	b.number = 1;
	b.parcels = &copy;
	b.nparcels = 1;
	if ((doc = pdf_doc_new(font, &info)) == NULL)
		return -1;
	rc = courier_label(doc, &b, 0, sender) == -1 ? -1 : 1;
	if (rc == 1 && pdf_doc_held(doc) != NULL) {
		snprintf(why, size, "delivery: the label cannot show it: %s",
		    pdf_doc_held(doc));
		rc = 0;
	}
	pdf_doc_free(doc);
	return rc;
}
