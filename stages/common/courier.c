/*
 * courier.c - batch order, manifest CSV, Code 128 bars (SPEC §7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zint.h>

#include "courier.h"
#include "log.h"

/* buffer_append - append LEN bytes */
void
buffer_append(struct buffer *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *grown = realloc(b->data, cap);
		if (grown == NULL)
			fatal("buffer_append");
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* buffer_free - release the bytes */
void
buffer_free(struct buffer *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* courier_parcel_compare - courier, postcode, dossier id */
int
courier_parcel_compare(const void *a, const void *b)
{
	const struct parcel *p = a, *q = b;
	int c;

	if ((c = strcmp(p->courier, q->courier)) != 0)
		return c;
	if ((c = strcmp(p->postcode, q->postcode)) != 0)
		return c;
	return strcmp(p->dossier_id, q->dossier_id);
}

/*
 * courier_sort - order parcels for batching. Dossier ids are unique, so
 * the key (courier, postcode, id) is total and qsort's instability cannot
 * show.
 */
void
courier_sort(struct parcel *parcels, size_t n)
{
	if (n > 1)
		qsort(parcels, n, sizeof *parcels, courier_parcel_compare);
}

/* courier_cut - number of batches of at most BATCH_SIZE */
size_t
courier_cut(size_t n, size_t batch_size)
{
	if (batch_size == 0)
		batch_size = 1;
	return (n + batch_size - 1) / batch_size;
}

/*
 * courier_csv_guard - formula injection (CWE-1236). The manifest is an
 * import file, but mailrooms open it in spreadsheets, which run a cell
 * starting with = + - @ (or TAB/CR before one) as a formula. OWASP's
 * advice is a leading apostrophe. To keep the transformation reversible
 * a field that already starts with ' gets one too, so an importer strips
 * exactly one leading ' from the free-text columns and has the original.
 */
int
courier_csv_guard(const char *field)
{
	return field[0] != '\0' && strchr("=+-@\t\r'", field[0]) != NULL;
}

/* courier_csv_field - RFC 4180: quote when , " CR LF; double the quotes */
void
courier_csv_field(struct buffer *b, const char *field, int guard)
{
	int quote = strpbrk(field, ",\"\r\n") != NULL;

	if (quote)
		buffer_append(b, "\"", 1);
	if (guard && courier_csv_guard(field))
		buffer_append(b, "'", 1);
	for (const char *s = field; *s != '\0'; s++) {
		if (*s == '"')
			buffer_append(b, "\"\"", 2);
		else
			buffer_append(b, s, 1);
	}
	if (quote)
		buffer_append(b, "\"", 1);
}

/* courier_csv - the whole manifest.csv */
void
courier_csv(struct buffer *b, const struct parcel *parcels, size_t n)
{
	static const char bom[] = "\xEF\xBB\xBF";

	buffer_append(b, bom, 3);
	buffer_append(b, COURIER_CSV_HEADER "\r\n",
	    strlen(COURIER_CSV_HEADER) + 2);
	for (size_t i = 0; i < n; i++) {
		const struct parcel *p = &parcels[i];
		/* the columns in order; 1 = free text, guarded */
		const struct { const char *value; int guard; } cols[] = {
			{ p->waybill, 0 }, { p->report_number, 0 },
			{ p->recipient, 1 }, { p->phone, 0 },
			{ p->province, 1 }, { p->city, 1 },
			{ p->district, 1 }, { p->address, 1 },
			{ p->postcode, 0 }, { COURIER_CONTENTS, 0 },
			{ "1", 0 }, { p->dossier_id, 0 },
		};
		for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) {
			if (c > 0)
				buffer_append(b, ",", 1);
			courier_csv_field(b, cols[c].value, cols[c].guard);
		}
		buffer_append(b, "\r\n", 2);
	}
}

/* compare_bars - by x */
static int
compare_bars(const void *a, const void *b)
{
	const struct barcode_bar *p = a, *q = b;

	return (p->x > q->x) - (p->x < q->x);
}

/*
 * courier_barcode - Code 128 via zint's vector output. zint lays the
 * symbol out in its own units; dividing by the symbol's width in modules
 * gives bars in modules, which the layouts scale to any X-dimension.
 */
int
courier_barcode(const char *text, struct barcode *out)
{
	struct zint_symbol *sym;
	struct zint_vector_rect *r;
	float unit;
	int rc;

	memset(out, 0, sizeof *out);
	if ((sym = ZBarcode_Create()) == NULL)
		fatal("ZBarcode_Create");
	sym->symbology = BARCODE_CODE128;
	sym->show_hrt = 0;
	sym->whitespace_width = 0;
	sym->border_width = 0;
	sym->scale = 1;
	rc = ZBarcode_Encode_and_Buffer_Vector(sym,
	    (const unsigned char *)text, (int)strlen(text), 0);
	if (rc >= ZINT_ERROR || sym->vector == NULL || sym->width <= 0) {
		log_warnx("barcode: zint: %s", sym->errtxt);
		ZBarcode_Delete(sym);
		return -1;
	}
	out->modules = sym->width;
	unit = sym->vector->width / (float)sym->width;
	for (r = sym->vector->rectangles; r != NULL; r = r->next) {
		if (out->nbars == (int)(sizeof out->bars / sizeof *out->bars)) {
			ZBarcode_Delete(sym);
			return -1;
		}
		out->bars[out->nbars].x = r->x / unit;
		out->bars[out->nbars].width = r->width / unit;
		out->nbars++;
	}
	ZBarcode_Delete(sym);
	qsort(out->bars, (size_t)out->nbars, sizeof *out->bars, compare_bars);
	return 0;
}

/* courier_mask_phone - keep the first 3 and the last 4 digits */
char *
courier_mask_phone(const char *phone, char *buf, size_t size)
{
	size_t len = strlen(phone);

	if (len < 8) {
		snprintf(buf, size, "****");
		return buf;
	}
	snprintf(buf, size, "%.3s****%s", phone, phone + len - 4);
	return buf;
}

/* courier_csv_unguard - drop the one leading ' the writer added */
const char *
courier_csv_unguard(const char *field)
{
	return field[0] == '\'' ? field + 1 : field;
}

/*
 * csv_record - read one record at *POS into FIELDS (pointers into OUT,
 * which has room for the record's bytes); 1 read, 0 at end, -1 malformed.
 */
static int
csv_record(const char *buf, size_t len, size_t *pos, char *out,
    char **fields, int max, int *nfields, int *line)
{
	size_t i = *pos;
	char *o = out;
	int n = 0;

	if (i >= len)
		return 0;
	for (;;) {
		if (n == max)
			return -1;
		fields[n++] = o;
		if (i < len && buf[i] == '"') {
			/* quoted: "" is a quote; anything else is literal */
			i++;
			for (;;) {
				if (i >= len)
					return -1;      /* unterminated */
				if (buf[i] == '"') {
					if (i + 1 < len && buf[i + 1] == '"') {
						*o++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (buf[i] == '\n')
					(*line)++;
				*o++ = buf[i++];
			}
		} else {
			while (i < len && buf[i] != ',' && buf[i] != '\r' &&
			    buf[i] != '\n') {
				if (buf[i] == '"')
					return -1;      /* stray quote */
				*o++ = buf[i++];
			}
		}
		*o++ = '\0';
		if (i < len && buf[i] == ',') {
			i++;
			continue;
		}
		if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n') {
			i += 2;
			(*line)++;
			break;
		}
		return -1;      /* junk after a quote, bare CR/LF, no CRLF */
	}
	*pos = i;
	*nfields = n;
	return 1;
}

/* courier_csv_parse - strict reader (see courier.h) */
int
courier_csv_parse(const char *buf, size_t len, courier_csv_record_fn fn,
    void *ctx, int *errline)
{
	static const char head[] = "\xEF\xBB\xBF" COURIER_CSV_HEADER "\r\n";
	char *fields[COURIER_CSV_COLUMNS + 1];
	size_t pos = sizeof head - 1;
	int line = 2, records = 0, nfields, rc;
	char *out;

	*errline = 1;
	if (len < pos || memcmp(buf, head, pos) != 0)
		return -1;
	if ((out = malloc(len + 1)) == NULL)
		fatal("courier_csv_parse");
	for (;;) {
		int start = line;

		rc = csv_record(buf, len, &pos, out, fields,
		    COURIER_CSV_COLUMNS + 1, &nfields, &line);
		if (rc == 0)
			break;
		if (rc == -1 || nfields != COURIER_CSV_COLUMNS) {
			*errline = start;
			free(out);
			return -1;
		}
		records++;
		if (fn != NULL && fn(fields, nfields, ctx) != 0)
			break;
	}
	free(out);
	return records;
}
