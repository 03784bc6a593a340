/* text.c: UTF-8 decoding and column widths: glibc's wcwidth, as curses and terminals count. */
#include "tui/text.h"

#include <langinfo.h>
#include <locale.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "common/util.h"

bool
text_locale(void)
{
	const char *codeset;
	bool utf8;

	setlocale(LC_ALL, "");
	codeset = nl_langinfo(CODESET);
	utf8 = strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0;
	/* glibc always has C.UTF-8; without a UTF-8 LC_CTYPE wcwidth knows only ASCII. */
	if (!utf8)
		setlocale(LC_CTYPE, "C.UTF-8");
	return utf8;
}

int
text_cp_width(uint32_t cp)
{
	int w;

	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return -1;
	if (cp < 0x300)
		return 1;
	/* Bidi controls and separators would reorder or split the row: they take no cell. */
	if (utf8_cp_unsafe(cp))
		return 0;
	/* As curses and the terminal count it; a code point it does not know takes one. */
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

size_t
text_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c = p[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		*cp = TEXT_REPLACEMENT;
		return 1;
	}
	if (len < n)
		goto bad;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = TEXT_REPLACEMENT;
	return 1;
}

size_t
text_width(const char *s)
{
	size_t len = strlen(s), w = 0;

	while (len) {
		uint32_t cp;
		size_t n = text_decode(s, len, &cp);
		int cw = text_cp_width(cp);

		w += cw < 0 ? 1 : (size_t)cw;
		s += n;
		len -= n;
	}
	return w;
}

size_t
text_wrap(const char *s, int width)
{
	size_t len = strlen(s), at = 0, cut = 0;
	int used = 0;

	while (at < len) {
		uint32_t cp;
		size_t n = text_decode(s + at, len - at, &cp);
		int w = text_cp_width(cp);

		w = w < 0 ? 1 : w;
		if (used + w > width)
			break;
		used += w;
		at += n;
		if (s[at] == ' ')
			cut = at;
	}
	if (at < len && cut)
		return cut;
	if (!at && len) {
		uint32_t cp;

		return text_decode(s, len, &cp); /* a character wider than the row: alone on it */
	}
	return at;
}

size_t
text_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

bool
text_has_nocase(const char *hay, const char *needle, size_t len)
{
	for (; hay && *hay; hay++)
		if (strncasecmp(hay, needle, len) == 0)
			return true;
	return false;
}
