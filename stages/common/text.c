/*
 * text.c - one UTF-8 decoder, hex digits and the sentence formatter for every module.
 */
#include <stdarg.h>
#include <stdio.h>

#include "text.h"

/* utf8_decode - one code point, or -1 with the bytes to skip */
long
utf8_decode(const unsigned char *s, size_t avail, size_t *len)
{
	long cp;
	size_t n;

	*len = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return -1;
	for (size_t i = 1; i < n; i++) {
		if (i >= avail || (s[i] & 0xC0) != 0x80) {
			*len = i;
			return -1;
		}
		cp = cp << 6 | (s[i] & 0x3F);
	}
	*len = n;
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	return cp;
}

/* utf8_valid - all LEN bytes at S are well-formed UTF-8 */
int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t step;

	for (size_t i = 0; i < len; i += step)
		if (utf8_decode(s + i, len - i, &step) < 0)
			return 0;
	return 1;
}

/* hex_digit - value of hex digit CH (either case), or -1 */
int
hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* text_say - format a sentence into WHY (SIZE bytes; WHY may be NULL) */
void
text_say(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}
