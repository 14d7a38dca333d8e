/*
 * timeutil.h - ISO 8601 times, calendar dates in the office's time zone.
 *
 * Every date credpipe judges is a calendar date in --tz (default +08:00),
 * computed from a time_t by adding the fixed offset; no TZ database, no
 * locale. Dates are day numbers (days since 1970-01-01) for arithmetic.
 */
#ifndef CREDPIPE_TIMEUTIL_H
#define CREDPIPE_TIMEUTIL_H

#include <stddef.h>
#include <time.h>

/* date_valid - true when Y-M-D is a real Gregorian date */
int date_valid(int y, int m, int d);
/* date_parse - "YYYY-MM-DD", a real date; 0 ok, -1 otherwise */
int date_parse(const char *s, int *y, int *m, int *d);
/* date_days - days since 1970-01-01 of a (valid) date */
long date_days(int y, int m, int d);
/* date_from_days - inverse of date_days */
void date_from_days(long days, int *y, int *m, int *d);
/* date_parse_days - "YYYY-MM-DD" to a day number; 0 ok, -1 otherwise */
int date_parse_days(const char *s, long *days);
/* date_format - "YYYY-MM-DD" of a day number into buf (>= 11 bytes) */
char *date_format(long days, char *buf, size_t size);
/* tz_parse - "+08:00", "-0530", "Z" to minutes east of UTC; 0 or -1 */
int tz_parse(const char *s, int *minutes);
/*
 * time_parse_iso - "YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM]"; without an offset
 * the time is in DEFAULT_TZ minutes. 0 ok, -1 malformed or unreal.
 */
int time_parse_iso(const char *s, int default_tz, time_t *out);
/* time_format_iso - "YYYY-MM-DDTHH:MM:SS+08:00" of T in TZ */
char *time_format_iso(time_t t, int tz, char *buf, size_t size);
/* time_day - the calendar day number of T in TZ */
long time_day(time_t t, int tz);

#endif
