/*
 * timeutil.c - ISO 8601 times and calendar dates in a fixed time zone.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

/* is_leap - Gregorian leap year */
static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* date_valid - true when Y-M-D is a real Gregorian date */
int
date_valid(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	                             30, 31 };
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && is_leap(y));
}

/* digits - N ASCII digits at S as a number, or -1 */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* date_parse - "YYYY-MM-DD", a real date; 0 ok, -1 otherwise */
int
date_parse(const char *s, int *y, int *m, int *d)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	*y = digits(s, 4);
	*m = digits(s + 5, 2);
	*d = digits(s + 8, 2);
	if (*y < 0 || *m < 0 || *d < 0 || !date_valid(*y, *m, *d))
		return -1;
	return 0;
}

/* date_days - days since 1970-01-01 (H. Hinnant's days_from_civil) */
long
date_days(int y, int m, int d)
{
	long yy = y - (m <= 2);
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* date_from_days - inverse of date_days */
void
date_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* date_parse_days - "YYYY-MM-DD" to a day number */
int
date_parse_days(const char *s, long *days)
{
	int y, m, d;

	if (date_parse(s, &y, &m, &d) == -1)
		return -1;
	*days = date_days(y, m, d);
	return 0;
}

/* date_format - "YYYY-MM-DD" of a day number */
char *
date_format(long days, char *buf, size_t size)
{
	int y, m, d;

	date_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
	return buf;
}

/* tz_parse - "+08:00", "+0800", "+08", "Z" to minutes east of UTC */
int
tz_parse(const char *s, int *minutes)
{
	int sign, hh, mm = 0;
	size_t len = strlen(s);

	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0) {
		*minutes = 0;
		return 0;
	}
	if (len < 3 || (s[0] != '+' && s[0] != '-'))
		return -1;
	sign = s[0] == '-' ? -1 : 1;
	hh = digits(s + 1, 2);
	if (len == 6 && s[3] == ':')
		mm = digits(s + 4, 2);
	else if (len == 5)
		mm = digits(s + 3, 2);
	else if (len != 3)
		return -1;
	if (hh < 0 || hh > 14 || mm < 0 || mm > 59)
		return -1;
	*minutes = sign * (hh * 60 + mm);
	return 0;
}

/* time_parse_iso - "YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM]" */
int
time_parse_iso(const char *s, int default_tz, time_t *out)
{
	int y, m, d, hh = 0, mi = 0, ss = 0, tz = default_tz;
	char date[11];
	const char *p;

	if (strlen(s) < 10)
		return -1;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (date_parse(date, &y, &m, &d) == -1)
		return -1;
	p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		hh = digits(p, 2);
		if (hh < 0 || p[2] != ':')
			return -1;
		mi = digits(p + 3, 2);
		if (mi < 0)
			return -1;
		p += 5;
		if (*p == ':') {
			ss = digits(p + 1, 2);
			if (ss < 0)
				return -1;
			p += 3;
			if (*p == '.' || *p == ',') {   /* fraction: ignored */
				p++;
				while (*p >= '0' && *p <= '9')
					p++;
			}
		}
		if (hh > 23 || mi > 59 || ss > 60)
			return -1;
	}
	if (*p != '\0' && tz_parse(p, &tz) == -1)
		return -1;
	*out = (time_t)((date_days(y, m, d) * 86400L) + hh * 3600L +
	    mi * 60L + ss - tz * 60L);
	return 0;
}

/* time_format_iso - "YYYY-MM-DDTHH:MM:SS+08:00" of T in TZ */
char *
time_format_iso(time_t t, int tz, char *buf, size_t size)
{
	long local = (long)t + tz * 60L;
	long days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	long secs = local - days * 86400;
	int y, m, d, atz = tz < 0 ? -tz : tz;

	date_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04d-%02d-%02dT%02ld:%02ld:%02ld%c%02d:%02d",
	    y, m, d, secs / 3600, secs / 60 % 60, secs % 60,
	    tz < 0 ? '-' : '+', atz / 60, atz % 60);
	return buf;
}

/* time_day - the calendar day number of T in TZ */
long
time_day(time_t t, int tz)
{
	long local = (long)t + tz * 60L;

	return local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
}
