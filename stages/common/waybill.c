/*
 * waybill.c - UPU S10 check digits and waybill formatting (SPEC §5, §7).
 */
#include <stdio.h>
#include <string.h>

#include "waybill.h"

static const int s10_weights[8] = { 8, 6, 4, 2, 3, 5, 9, 7 };

/* s10_check_digit - check digit of an 8-digit serial */
int
s10_check_digit(unsigned long serial)
{
	int sum = 0, check;

	if (serial > 99999999UL)
		return -1;
	for (int i = 7; i >= 0; i--) {
		sum += (int)(serial % 10) * s10_weights[i];
		serial /= 10;
	}
	check = 11 - sum % 11;
	if (check == 10)
		return 0;
	if (check == 11)
		return 5;
	return check;
}

/* is_upper - an ASCII capital letter */
static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* s10_valid - two letters, 8 digits, the check digit, two letters */
int
s10_valid(const char *text)
{
	unsigned long serial = 0;

	if (strlen(text) != 13 || !is_upper(text[0]) || !is_upper(text[1]) ||
	    !is_upper(text[11]) || !is_upper(text[12]))
		return 0;
	for (int i = 2; i < 11; i++)
		if (text[i] < '0' || text[i] > '9')
			return 0;
	for (int i = 2; i < 10; i++)
		serial = serial * 10 + (unsigned long)(text[i] - '0');
	return s10_check_digit(serial) == text[10] - '0';
}

/* waybill_format - the waybill of SERIAL in its range's format */
int
waybill_format(char *buf, size_t size, const char *format,
    const char *prefix, unsigned long serial, int width, const char *suffix)
{
	int n;

	if (format == NULL || format[0] == '\0' || strcmp(format, "s10") == 0) {
		int check = s10_check_digit(serial);

		if (check < 0)
			return -1;
		n = snprintf(buf, size, "%s%08lu%d%s", prefix, serial, check,
		    suffix ? suffix : "");
	} else if (strcmp(format, "digits") == 0) {
		char digits[32];

		if (width < 1 || width > 20)
			return -1;
		n = snprintf(digits, sizeof digits, "%0*lu", width, serial);
		if (n != width)
			return -1;      /* the serial is wider than the range */
		n = snprintf(buf, size, "%s%s", prefix, digits);
	} else {
		return -1;
	}
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
