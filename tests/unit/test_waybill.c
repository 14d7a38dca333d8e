/*
 * test_waybill.c - UPU S10 check digits and waybill formats (SPEC §5, §7).
 */
#include "waybill.h"
#include "unit.h"

/* test_s10 - check digits of published and computed examples */
static void
test_s10(void)
{
	/* weights 8 6 4 2 3 5 9 7; check = 11 - sum mod 11, 10 -> 0, 11 -> 5 */
	static const struct { unsigned long serial; int check; } cases[] = {
		{ 47312482, 9 },        /* UPU's example AA473124829GB: sum 200 */
		{ 10000000, 3 },        /* sum 8 */
		{ 10000001, 7 },        /* sum 15 */
		{ 3, 1 },               /* sum 21: remainder 10 */
		{ 8, 0 },               /* sum 56: remainder 1, 10 -> 0 */
		{ 0, 5 },               /* sum 0: 11 -> 5 */
		{ 99999999, 5 },        /* sum 396 = 36 * 11: 11 -> 5 */
	};
	char buf[32];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK(s10_check_digit(cases[i].serial) == cases[i].check,
		    "S10 check digit of %08lu is %d", cases[i].serial,
		    cases[i].check);
	CHECK(s10_check_digit(100000000UL) == -1, "9-digit serial refused");
	CHECK(s10_valid("AA473124829GB"), "AA473124829GB is valid");
	CHECK(!s10_valid("AA473124828GB"), "wrong check digit refused");
	CHECK(!s10_valid("AA47312482GB"), "short number refused");
	CHECK(!s10_valid("aa473124829GB"), "lower-case prefix refused");

	CHECK(waybill_format(buf, sizeof buf, "s10", "EA", 10000000, 8,
	    "CN") == 0, "format s10");
	CHECK_STR(buf, "EA100000003CN", "s10 waybill");
	CHECK(s10_valid(buf), "formatted s10 number validates");
	CHECK(waybill_format(buf, sizeof buf, NULL, "EA", 47312482, 8,
	    "CN") == 0, "default format is s10");
	CHECK_STR(buf, "EA473124829CN", "default s10 waybill");
	CHECK(waybill_format(buf, sizeof buf, "digits", "SF", 42, 12, "") == 0,
	    "format digits");
	CHECK_STR(buf, "SF000000000042", "digits: zero-padded to width");
	CHECK(waybill_format(buf, sizeof buf, "digits", "", 1234, 3, "") == -1,
	    "digits: serial wider than the range refused");
	CHECK(waybill_format(buf, 5, "s10", "EA", 1, 8, "CN") == -1,
	    "too small a buffer refused");
	CHECK(waybill_format(buf, sizeof buf, "iso", "EA", 1, 8, "CN") == -1,
	    "unknown format refused");
}

int
main(void)
{
	test_s10();
	return unit_done();
}
