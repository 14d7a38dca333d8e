/*
 * text.h - the byte-level text helpers every module shares: one UTF-8
 * decoder (each caller adds its own policy: XML, payloads, PDF glyphs,
 * printable output), hex digits, and text_say for the sentences the image
 * readers hand back.
 */
#ifndef CREDPIPE_TEXT_H
#define CREDPIPE_TEXT_H

#include <stddef.h>

/*
 * utf8_decode - the code point of the well-formed UTF-8 sequence at S
 * (at most AVAIL bytes), its length into *LEN; -1 when the bytes are not
 * UTF-8 (overlong form, surrogate, beyond U+10FFFF, truncated), with *LEN
 * the number of bytes to skip. AVAIL must be at least 1.
 */
long utf8_decode(const unsigned char *s, size_t avail, size_t *len);
/* utf8_valid - all LEN bytes at S are well-formed UTF-8 */
int utf8_valid(const unsigned char *s, size_t len);
/* hex_digit - value of hex digit CH (either case), or -1 */
int hex_digit(int ch);
/* text_say - format a sentence into WHY (SIZE bytes; WHY may be NULL) */
void text_say(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
