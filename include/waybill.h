/*
 * waybill.h - courier waybill numbers (SPEC §5, §7).
 *
 * format "s10" (the default): UPU S10, prefix (2 letters) + 8-digit serial
 * + check digit + suffix (2 letters); weights 8 6 4 2 3 5 9 7, check =
 * 11 - (sum mod 11), 10 -> 0, 11 -> 5.
 * format "digits": prefix + serial zero-padded to WIDTH digits (the width
 * `last` is written with), no check digit, no suffix.
 */
#ifndef CREDPIPE_WAYBILL_H
#define CREDPIPE_WAYBILL_H

#include <stddef.h>

/* s10_check_digit - check digit of an 8-digit SERIAL (0..99999999), or -1 */
int s10_check_digit(unsigned long serial);
/* s10_valid - TEXT is a well-formed S10 number with a correct check digit */
int s10_valid(const char *text);
/*
 * waybill_format - the number of SERIAL in a range of FORMAT ("s10" or
 * "digits"; NULL or "" means "s10") into BUF; 0, or -1 when SERIAL does
 * not fit the format or BUF is too small.
 */
int waybill_format(char *buf, size_t size, const char *format,
    const char *prefix, unsigned long serial, int width, const char *suffix);

#endif
