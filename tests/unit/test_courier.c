/*
 * test_courier.c - waybill check digits, batch order and cut, the
 * manifest CSV (read back strictly, hostile fields included), barcodes.
 */
#include <stdlib.h>
#include <string.h>

#include "courier.h"
#include "waybill.h"
#include "unit.h"

/*
 * test_s10 - UPU S10 check digits, each worked by hand:
 *   47312482 (the S10 standard's example): 4*8+7*6+3*4+1*2+2*3+4*5+8*9+2*7
 *     = 200, 200 mod 11 = 2, 11-2 = 9          -> AA473124829GB
 *   12345678: 8+12+12+8+15+30+63+56 = 204, mod 11 = 6, 11-6 = 5
 *                                              -> EE123456785CN
 *   00000008: 8*7 = 56, mod 11 = 1, 11-1 = 10 -> 0
 *   00000000: 0, mod 11 = 0, 11-0 = 11 -> 5
 *   10000001: 8+7 = 15, mod 11 = 4 -> 7        -> EA100000017CN
 * (SPEC §7's illustration EA100000015CN does not carry a valid digit.)
 */
static void
test_s10(void)
{
	static const struct { unsigned long serial; int check; } digits[] = {
		{ 47312482, 9 }, { 12345678, 5 }, { 8, 0 }, { 0, 5 },
		{ 10000001, 7 }, { 10000000, 3 },
	};
	static const struct { const char *text; int valid; } numbers[] = {
		{ "AA473124829GB", 1 }, { "EE123456785CN", 1 },
		{ "RR123456785CN", 1 }, { "EA100000017CN", 1 },
		{ "EA100000015CN", 0 }, { "EE123456784CN", 0 },
		{ "EE12345678CN", 0 }, { "ee123456785CN", 0 },
		{ "EE1234567X5CN", 0 },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof digits / sizeof *digits; i++)
		CHECK(s10_check_digit(digits[i].serial) == digits[i].check,
		    "S10 check digit of %08lu is %d", digits[i].serial,
		    digits[i].check);
	CHECK(s10_check_digit(100000000UL) == -1, "9-digit serial refused");
	for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
		CHECK(s10_valid(numbers[i].text) == numbers[i].valid,
		    "s10_valid(%s) = %d", numbers[i].text, numbers[i].valid);
	CHECK(waybill_format(buf, sizeof buf, "s10", "EA", 10000001, 8,
	    "CN") == 0 && strcmp(buf, "EA100000017CN") == 0,
	    "waybill_format s10 -> EA100000017CN");
}

/* parcel - a parcel with the fields the order looks at */
static struct parcel
parcel(const char *courier, const char *postcode, const char *id)
{
	struct parcel p;

	memset(&p, 0, sizeof p);
	snprintf(p.courier, sizeof p.courier, "%s", courier);
	snprintf(p.postcode, sizeof p.postcode, "%s", postcode);
	snprintf(p.dossier_id, sizeof p.dossier_id, "%s", id);
	return p;
}

/* test_order - (courier, postcode, id) order; batch counts */
static void
test_order(void)
{
	struct parcel ps[] = {
		parcel("SF", "100871", "A00000000002"),
		parcel("EMS", "200000", "A00000000001"),
		parcel("EMS", "100871", "A00000000009"),
		parcel("EMS", "100871", "A00000000003"),
		parcel("SF", "010000", "A00000000008"),
	};
	static const char *const want[] = { "A00000000003", "A00000000009",
		"A00000000001", "A00000000008", "A00000000002" };
	static const struct { size_t n, size, batches; } cuts[] = {
		{ 0, 50, 0 }, { 1, 50, 1 }, { 50, 50, 1 }, { 51, 50, 2 },
		{ 100, 50, 2 }, { 101, 50, 3 }, { 3, 1, 3 },
	};

	courier_sort(ps, sizeof ps / sizeof *ps);
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		CHECK_STR(ps[i].dossier_id, want[i], "order position %zu", i);
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
		CHECK(courier_cut(cuts[i].n, cuts[i].size) == cuts[i].batches,
		    "%zu parcels, batch size %zu: %zu batches", cuts[i].n,
		    cuts[i].size, cuts[i].batches);
}

struct readback {
	const struct parcel *want;
	size_t n, seen;
	int mismatches;
};

/* compare_record - a record read back equals the parcel written */
static int
compare_record(char **f, int nfields, void *ctx)
{
	struct readback *rb = ctx;
	const struct parcel *p = &rb->want[rb->seen++];
	const char *const want[COURIER_CSV_COLUMNS] = {
		p->waybill, p->report_number, p->recipient, p->phone,
		p->province, p->city, p->district, p->address, p->postcode,
		COURIER_CONTENTS, "1", p->dossier_id,
	};
	static const int free_text[COURIER_CSV_COLUMNS] = {
		0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0 };

	for (int c = 0; c < nfields; c++) {
		const char *got = free_text[c] ? courier_csv_unguard(f[c]) :
		    f[c];
		if (strcmp(got, want[c]) != 0) {
			printf("#   record %zu column %d: got \"%s\"\n",
			    rb->seen, c, f[c]);
			rb->mismatches++;
		}
	}
	return 0;
}

/* hostile - a parcel whose address is TEXT */
static struct parcel
hostile(const char *id, const char *recipient, const char *address)
{
	struct parcel p = parcel("EMS", "100871", id);

	snprintf(p.waybill, sizeof p.waybill, "EA100000017CN");
	snprintf(p.report_number, sizeof p.report_number, "P2026000001");
	snprintf(p.recipient, sizeof p.recipient, "%s", recipient);
	snprintf(p.phone, sizeof p.phone, "13800138000");
	snprintf(p.province, sizeof p.province, "北京市");
	snprintf(p.city, sizeof p.city, "北京市");
	snprintf(p.district, sizeof p.district, "海淀区");
	snprintf(p.address, sizeof p.address, "%s", address);
	return p;
}

/* test_csv - the bytes, and a strict read-back of hostile fields */
static void
test_csv(void)
{
	struct parcel ps[] = {
		hostile("A00000000001", "张伟", "颐和园路5号"),
		hostile("A00000000002", "O'Brien, \"Jack\"",
		    "1号楼,2单元 \"东门\""),
		hostile("A00000000003", "李娜", "第一行\r\n第二行\n第三行\r"),
		hostile("A00000000004", "=HYPERLINK(\"http://x\")",
		    "+86 road"),
		hostile("A00000000005", "-2+3", "@SUM(A1:A9)"),
		hostile("A00000000006", "'quoted", "\tTAB first"),
		hostile("A00000000007", "", ""),
	};
	size_t n = sizeof ps / sizeof *ps;
	struct buffer b = { 0 };
	struct readback rb = { ps, n, 0, 0 };
	int line;

	courier_csv(&b, NULL, 0);
	CHECK(b.len == 3 + strlen(COURIER_CSV_HEADER) + 2 &&
	    memcmp(b.data, "\xEF\xBB\xBFwaybill,order_id,", 20) == 0 &&
	    strcmp(b.data + b.len - 2, "\r\n") == 0,
	    "empty manifest: BOM and header line with CRLF");
	buffer_free(&b);

	courier_csv(&b, ps, 1);
	CHECK(strstr(b.data, "\r\nEA100000017CN,P2026000001,张伟,13800138000,"
	    "北京市,北京市,海淀区,颐和园路5号,100871,文件,1,A00000000001\r\n")
	    != NULL, "a plain record is written unquoted, CRLF-ended");
	buffer_free(&b);

	courier_csv(&b, ps, n);
	CHECK(strstr(b.data, "\"O'Brien, \"\"Jack\"\"\"") != NULL,
	    "comma and quotes: quoted, quotes doubled");
	CHECK(strstr(b.data, "\"第一行\r\n第二行\n第三行\r\"") != NULL,
	    "CR/LF inside a field: quoted, kept byte for byte");
	CHECK(strstr(b.data, ",\"'=HYPERLINK(\"\"http://x\"\")\",") != NULL &&
	    strstr(b.data, ",'+86 road,") != NULL &&
	    strstr(b.data, ",'-2+3,") != NULL &&
	    strstr(b.data, ",'@SUM(A1:A9),") != NULL &&
	    strstr(b.data, ",'\tTAB first,") != NULL &&
	    strstr(b.data, ",''quoted,") != NULL,
	    "formula triggers = + - @ TAB and ' get one leading '");
	CHECK(courier_csv_parse(b.data, b.len, compare_record, &rb, &line)
	    == (int)n && rb.seen == n && rb.mismatches == 0,
	    "strict read-back equals every field written (%d mismatches)",
	    rb.mismatches);
	buffer_free(&b);

	/* the strict reader refuses what RFC 4180 does not allow */
	static const char *const bad[] = {
		"a,b\r\n",                                      /* no BOM */
		"\xEF\xBB\xBF" COURIER_CSV_HEADER "\n",         /* LF only */
		"\xEF\xBB\xBF" COURIER_CSV_HEADER "\r\n1,2,3\r\n",
		"\xEF\xBB\xBF" COURIER_CSV_HEADER
		    "\r\na,b\"c,,,,,,,,,,\r\n",                 /* stray " */
		"\xEF\xBB\xBF" COURIER_CSV_HEADER
		    "\r\n\"a\"x,,,,,,,,,,,\r\n",                /* junk */
		"\xEF\xBB\xBF" COURIER_CSV_HEADER
		    "\r\n\"a,,,,,,,,,,,\r\n",                   /* open " */
		"\xEF\xBB\xBF" COURIER_CSV_HEADER
		    "\r\na,,,,,,,,,,,\n",                       /* bare LF */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(courier_csv_parse(bad[i], strlen(bad[i]), NULL, NULL,
		    &line) == -1, "strict reader refuses malformed input %zu",
		    i);
}

/* test_barcode - zint's bars: in order, inside the symbol, black ~half */
static void
test_barcode(void)
{
	struct barcode bc;
	float black = 0, end = 0;
	int ordered = 1;

	CHECK(courier_barcode("EA100000017CN", &bc) == 0, "Code 128 encodes");
	/* Code 128: 11 modules a symbol, stop 13: start B, E A, code C,
	 * 10 00 00 01, code B, 7 C N, check, stop = 11 * 11 + 13 + ...; the
	 * exact count is zint's choice, the structure is not */
	CHECK(bc.modules > 100 && bc.modules < 200 &&
	    (bc.modules - 13) % 11 == 0, "width %d = 11 per symbol + stop 13",
	    bc.modules);
	for (int i = 0; i < bc.nbars; i++) {
		if (bc.bars[i].x < end - 0.001)
			ordered = 0;
		end = bc.bars[i].x + bc.bars[i].width;
		black += bc.bars[i].width;
	}
	CHECK(ordered && bc.bars[0].x == 0 && end == (float)bc.modules,
	    "bars ordered, from module 0 to the stop bar's end");
	CHECK(black > bc.modules * 0.4 && black < bc.modules * 0.6,
	    "about half the modules are black");
	CHECK(courier_barcode("\xE6\x96\x87", &bc) == -1 ||
	    bc.modules > 0, "non-ASCII either refused or encoded, no crash");
}

/* test_mask - the dispatch list shows 138****8000 */
static void
test_mask(void)
{
	char buf[32];

	CHECK_STR(courier_mask_phone("13800138000", buf, sizeof buf),
	    "138****8000", "mask a mobile number");
	CHECK_STR(courier_mask_phone("123", buf, sizeof buf), "****",
	    "a short number is masked whole");
}

int
main(void)
{
	test_s10();
	test_order();
	test_csv();
	test_barcode();
	test_mask();
	return unit_done();
}
