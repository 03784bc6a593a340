/* osmo_time.c: parse and format OSMO timestamps without the C library's time zone state. */
#include "common/osmo_time.h"

#include <stdbool.h>
#include <stdio.h>

int64_t
osmo_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static void
time_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Reads exactly n digits; returns false when they are not there. */
static bool
time_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool
time_expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static unsigned
time_month_days(int y, int m)
{
	static const unsigned days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

int
osmo_time_parse(const char *s, int64_t *out_ms)
{
	const char *p = s;
	int y, mo, d, h, mi, sec = 0, ms = 0, off_min = 0;

	if (!s || !time_digits(&p, 4, &y) || !time_expect(&p, '-') || !time_digits(&p, 2, &mo) ||
	    !time_expect(&p, '-') || !time_digits(&p, 2, &d))
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (!time_digits(&p, 2, &h) || !time_expect(&p, ':') || !time_digits(&p, 2, &mi))
		return -1;
	if (*p == ':') {
		p++;
		if (!time_digits(&p, 2, &sec))
			return -1;
		if (*p == '.' || *p == ',') {
			int scale = 100, digits = 0;

			p++;
			while (*p >= '0' && *p <= '9') {
				ms += (*p - '0') * scale;
				scale /= 10;
				p++;
				digits++;
			}
			if (digits == 0)
				return -1;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om = 0;

		p++;
		if (!time_digits(&p, 2, &oh))
			return -1;
		if (*p == ':') {
			p++;
			if (!time_digits(&p, 2, &om))
				return -1;
		} else if (*p >= '0' && *p <= '9' && !time_digits(&p, 2, &om)) {
			return -1;
		}
		if (oh > 23 || om > 59)
			return -1;
		off_min = sign * (oh * 60 + om);
	}
	if (*p != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > time_month_days(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	int64_t days = osmo_days_from_civil(y, (unsigned)mo, (unsigned)d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - (int64_t)off_min * 60;

	*out_ms = secs * 1000 + ms;
	return 0;
}

static void
time_split(int64_t ms, int *y, unsigned *mo, unsigned *d, int *h, int *mi, int *s, int *frac)
{
	int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;

	*frac = (int)(ms - secs * 1000);
	time_civil_from_days(days, y, mo, d);
	*h = (int)(rem / 3600);
	*mi = (int)(rem % 3600 / 60);
	*s = (int)(rem % 60);
}

void
osmo_time_format_iso(int64_t ms, char buf[OSMO_TIME_BUF])
{
	int y, h, mi, s, frac;
	unsigned mo, d;

	time_split(ms, &y, &mo, &d, &h, &mi, &s, &frac);
	if (frac)
		snprintf(buf, OSMO_TIME_BUF, "%04d-%02u-%02uT%02d:%02d:%02d.%03d000", y, mo, d, h,
		         mi, s, frac);
	else
		snprintf(buf, OSMO_TIME_BUF, "%04d-%02u-%02uT%02d:%02d:%02d", y, mo, d, h, mi, s);
}

void
osmo_time_format_log(int64_t ms, char buf[OSMO_TIME_BUF])
{
	int y, h, mi, s, frac;
	unsigned mo, d;

	time_split(ms, &y, &mo, &d, &h, &mi, &s, &frac);
	snprintf(buf, OSMO_TIME_BUF, "%04d/%02u/%02u %02d:%02d:%02d", y, mo, d, h, mi, s);
}

double
osmo_time_span_s(int64_t start_ms, int64_t end_ms, int64_t now_ms)
{
	int64_t end = end_ms ? end_ms : now_ms;

	if (!start_ms)
		return -1;
	return end > start_ms ? (double)(end - start_ms) / 1000.0 : 0;
}
