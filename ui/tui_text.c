/* Display-column arithmetic for UTF-8 text (wcwidth based; LC_CTYPE must be UTF-8). */
#include "config.h"
#include "ui/tui_text.h"
#include "core/util.h"
#include <stdbool.h>
#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

static int is_control(wchar_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0);
}

size_t tui_text_decode(const char *s, size_t n, wchar_t *out, size_t *offs, size_t cap)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t i = 0, k = 0;
	if (cap == 0)
		return 0;
	while (i < n && k + 1 < cap) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, s + i, n - i, &st);
		size_t len;
		if (r == (size_t)-1 || r == (size_t)-2) {
			/* one bad byte, one replacement: the rest of the line still decodes */
			wc = 0xFFFD;
			len = 1;
			memset(&st, 0, sizeof st);
		} else if (r == 0) {
			break;
		} else {
			len = r;
		}
		if (is_control(wc))
			wc = L' ';
		if (offs)
			offs[k] = i;
		out[k++] = wc;
		i += len;
	}
	out[k] = 0;
	return k;
}

int tui_text_wcwidth(wchar_t c)
{
	int w = wcwidth(c);
	return w < 0 ? 1 : w;
}

int tui_text_wswidth(const wchar_t *ws, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n; i++)
		w += tui_text_wcwidth(ws[i]);
	return w;
}

/* Printable ASCII needs no decoding: most log lines are, and a dump can log a lot. */
static bool plain_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

int tui_text_width(const char *s)
{
	size_t len = strlen(s);
	if (plain_ascii(s, len))
		return (int)len;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = len, i = 0;
	int w = 0;
	while (i < n) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, s + i, n - i, &st);
		if (r == (size_t)-1 || r == (size_t)-2) {
			w++;
			i++;
			memset(&st, 0, sizeof st);
			continue;
		}
		if (r == 0)
			break;
		w += is_control(wc) ? 1 : tui_text_wcwidth(wc);
		i += r;
	}
	return w;
}

size_t tui_text_fit(const wchar_t *ws, size_t n, int cols, int *used)
{
	int w = 0;
	size_t i = 0;
	while (i < n) {
		int cw = tui_text_wcwidth(ws[i]);
		if (w + cw > cols)
			break;
		w += cw;
		i++;
	}
	if (used)
		*used = w;
	return i;
}

/* Length of an escape sequence starting at s[0] == ESC (CSI, OSC or a two-byte one). */
static size_t escape_len(const char *s, size_t n)
{
	if (n < 2)
		return n;
	size_t i = 2;
	if (s[1] == '[') {
		while (i < n && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e))
			i++;
		return i < n ? i + 1 : n;
	}
	if (s[1] == ']') {
		while (i < n && s[i] != '\a' && !(s[i] == 0x1b && i + 1 < n && s[i + 1] == '\\'))
			i++;
		if (i < n && s[i] == '\a')
			return i + 1;
		return i < n ? i + 2 : n;
	}
	return 2;
}

char *tui_text_sanitize(const char *s, size_t n)
{
	/* A carriage return overwrites the line on a terminal: keep what would be visible last. */
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == '\r' && i < n) {
			s += i;
			n -= i;
			break;
		}
	if (plain_ascii(s, n))
		return xstrndup(s, n);
	struct sbuf b;
	sbuf_init(&b);
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t i = 0;
	int col = 0;
	while (i < n) {
		if (s[i] == 0x1b) {
			i += escape_len(s + i, n - i);
			continue;
		}
		if (s[i] == '\t') {
			do
				sbuf_add(&b, " ", 1);
			while (++col % 4);
			i++;
			continue;
		}
		wchar_t wc;
		size_t r = mbrtowc(&wc, s + i, n - i, &st);
		if (r == (size_t)-1 || r == (size_t)-2) {
			sbuf_adds(&b, replacement);
			memset(&st, 0, sizeof st);
			col++;
			i++;
			continue;
		}
		if (r == 0)
			break;
		if (is_control(wc)) {
			if (wc != '\r' && wc != '\n') {
				sbuf_add(&b, " ", 1);
				col++;
			}
		} else {
			sbuf_add(&b, s + i, r);
			col += tui_text_wcwidth(wc);
		}
		i += r;
	}
	return sbuf_steal(&b);
}

int tui_text_truncate(const char *s, int cols, char *buf, size_t bufsize)
{
	if (bufsize == 0)
		return 0;
	buf[0] = 0;
	if (cols <= 0)
		return 0;
	int full = tui_text_width(s);
	int limit = full > cols ? cols - 1 : cols;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = strlen(s), i = 0, out = 0;
	int w = 0;
	while (i < n) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, s + i, n - i, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0)
			break; /* sanitized text never gets here */
		int cw = tui_text_wcwidth(wc);
		if (w + cw > limit || out + r + 1 > bufsize)
			break;
		memcpy(buf + out, s + i, r);
		out += r;
		w += cw;
		i += r;
	}
	if (full > cols && out + 4 <= bufsize) {
		memcpy(buf + out, "\xE2\x80\xA6", 3); /* … */
		out += 3;
		w++;
	}
	buf[out] = 0;
	return w;
}
