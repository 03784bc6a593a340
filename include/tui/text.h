/* text.h: UTF-8 decoding and terminal column widths, independent of the C locale. */
#ifndef OSMO_TUI_TEXT_H
#define OSMO_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEXT_REPLACEMENT 0xfffd

/*
 * Decodes one code point at s (len bytes available); returns the bytes consumed (>= 1).
 * Invalid sequences yield TEXT_REPLACEMENT and consume one byte.
 */
size_t text_decode(const char *s, size_t len, uint32_t *cp);
/*
 * Takes the user's locale and, when its LC_CTYPE is not UTF-8, C.UTF-8's, so widths are known
 * for every character in any locale. Returns whether the user's own locale was UTF-8.
 */
bool text_locale(void);
/*
 * Columns a code point takes, as glibc's wcwidth counts them (text_locale first): 0
 * (combining, bidi controls, separators), 1, or 2 (East Asian wide); -1 for controls.
 */
int text_cp_width(uint32_t cp);
/* Columns of a UTF-8 string, controls counted as one column (they are shown replaced). */
size_t text_width(const char *s);
/* The bytes of s its next row of width columns takes: as many characters as fit, ending before
 * a space when the rest does not fit and there is one to break at (a word wider than the row
 * is broken where the row is full); at least one character while s has any. */
size_t text_wrap(const char *s, int width);
/* Whether hay (NULL: empty) holds the first len bytes of needle, ASCII letters in any case:
 * the '/' filters' and the warnings' match. */
bool text_has_nocase(const char *hay, const char *needle, size_t len);
/* Encodes cp as UTF-8 into out (4 bytes); returns the length. */
size_t text_encode(uint32_t cp, char out[4]);

#endif
