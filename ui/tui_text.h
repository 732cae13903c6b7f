/* Display-column arithmetic for UTF-8 text: decode, measure with wcwidth, cut without splitting a character. */
#ifndef TEJUN_TUI_TEXT_H
#define TEJUN_TUI_TEXT_H
#include <stddef.h>
#include <wchar.h>

/* Decodes the n bytes of UTF-8 at s into at most cap-1 wide characters (NUL-terminated).
 * Invalid bytes become U+FFFD and control characters a space, so every result is drawable.
 * offs, when not NULL, receives each character's byte offset in s. Returns the count. */
size_t tui_text_decode(const char *s, size_t n, wchar_t *out, size_t *offs, size_t cap);
/* Columns one character takes: 0 for combining marks, 1 for anything wcwidth cannot measure. */
int tui_text_wcwidth(wchar_t c);
int tui_text_wswidth(const wchar_t *ws, size_t n);
/* Display width of a UTF-8 string. */
int tui_text_width(const char *s);
/* How many leading characters of ws[0..n) fit in cols columns without splitting a wide
 * character (trailing combining marks stay with their base); *used gets their width. */
size_t tui_text_fit(const wchar_t *ws, size_t n, int cols, int *used);
/* A log line made safe to draw: ANSI escape sequences dropped, tabs and other controls
 * turned into spaces, invalid UTF-8 repaired. Malloc'd; caller frees. */
char *tui_text_sanitize(const char *s, size_t n);
/* Truncates UTF-8 s to at most cols columns into buf (bytes), with "…" when cut.
 * Returns the columns used. */
int tui_text_truncate(const char *s, int cols, char *buf, size_t bufsize);
#endif
