/* Painting primitives of the TUI: colour roles (and their NO_COLOR form), text cut to
 * display columns, word-wrapped paragraphs. */
#include "config.h"
#include "ui/tui_int.h"
#include "ui/tui_text.h"
#include "core/util.h"
#include <stdlib.h>
#include <string.h>

#define WBUF 1024

static const struct {
	short fg, bg;
	attr_t color, mono;
} roles[TUI_R__COUNT] = {
	[TUI_R_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
	[TUI_R_FRAME] = {COLOR_BLUE, -1, A_NORMAL, A_NORMAL},
	[TUI_R_TITLE] = {-1, -1, A_BOLD, A_BOLD},
	[TUI_R_DIM] = {-1, -1, A_DIM, A_DIM},
	[TUI_R_OK] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
	[TUI_R_FAILED] = {COLOR_RED, -1, A_BOLD, A_BOLD},
	[TUI_R_RUNNING] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
	[TUI_R_WAITING] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
	[TUI_R_SKIPPED] = {COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL},
	[TUI_R_INTERRUPTED] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
	[TUI_R_CRITICAL] = {COLOR_RED, -1, A_BOLD, A_BOLD},
	[TUI_R_WARN] = {COLOR_YELLOW, -1, A_NORMAL, A_NORMAL},
	[TUI_R_ERROR] = {COLOR_RED, -1, A_NORMAL, A_BOLD},
	[TUI_R_BAR] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
	[TUI_R_MATCH] = {COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE},
	[TUI_R_SELECTED] = {-1, -1, A_REVERSE, A_REVERSE},
	[TUI_R_KEY] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
	[TUI_R_MSG_ERR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
	[TUI_R_BADGE_OK] = {COLOR_BLACK, COLOR_GREEN, A_BOLD, A_BOLD},
	[TUI_R_BADGE_BAD] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
};

void tui_paint_init(struct tui *t)
{
	if (!t->color)
		return;
	for (int r = 1; r < TUI_R__COUNT; r++)
		init_pair((short)r, roles[r].fg, roles[r].bg);
}

attr_t tui_paint_attr(const struct tui *t, enum tui_role r)
{
	if (!t->color)
		return roles[r].mono;
	return roles[r].color | (r ? COLOR_PAIR(r) : 0);
}

/* ---- text primitives ---- */


/* Draws UTF-8 s at y,x in at most w columns, cut with "…" when longer; returns columns used. */
int tui_paint_put(int y, int x, int w, const char *s, attr_t a)
{
	wchar_t ws[WBUF];
	if (w <= 0 || !s)
		return 0;
	size_t n = tui_text_decode(s, strlen(s), ws, NULL, WBUF);
	int used;
	size_t k = tui_text_fit(ws, n, w, &used);
	if (k < n) {
		k = tui_text_fit(ws, n, w - 1, &used);
		ws[k++] = L'\u2026';
		used++;
	}
	attrset(a);
	mvaddnwstr(y, x, ws, (int)k);
	attrset(A_NORMAL);
	return used;
}

void tui_paint_fill(int y, int x, int w, attr_t a)
{
	if (w > 0)
		mvhline(y, x, ' ' | a, w);
}

/* put, then pad with spaces to exactly w columns (keeps columns aligned). */
int tui_paint_put_pad(int y, int x, int w, const char *s, attr_t a)
{
	int used = tui_paint_put(y, x, w, s, a);
	tui_paint_fill(y, x + used, w - used, a);
	return used;
}

void tui_paint_put_right(int y, int xend, int w, const char *s, attr_t a)
{
	int sw = tui_text_width(s);
	if (sw > w)
		sw = w;
	tui_paint_put(y, xend - sw, sw, s, a);
}

#define LINE_CHARS_MAX 8192 /* longer lines are cut on screen (the journal keeps them whole) */

void tui_paint_wtext(struct tui_wtext *w, const char *s)
{
	size_t len = strlen(s);
	size_t cap = (len < LINE_CHARS_MAX ? len : LINE_CHARS_MAX) + 1;
	w->ws = xmalloc(cap * sizeof *w->ws);
	w->offs = xmalloc(cap * sizeof *w->offs);
	w->n = tui_text_decode(s, len, w->ws, w->offs, cap);
}

void tui_paint_wtext_free(struct tui_wtext *w)
{
	free(w->ws);
	free(w->offs);
}

/* Start of the row after the one starting at i, for width tw. */
size_t tui_paint_wrap_next(const struct tui_wtext *w, size_t i, int tw)
{
	size_t k = tui_text_fit(w->ws + i, w->n - i, tw, NULL);
	if (k == 0)
		k = 1; /* a character wider than the pane still advances */
	while (i + k < w->n && tui_text_wcwidth(w->ws[i + k]) == 0)
		k++; /* combining marks stay with their base */
	if (i + k < w->n && w->ws[i + k] != L' ') {
		/* break after the last space when that keeps at least two thirds of the row */
		for (size_t j = k; j > k * 2 / 3; j--)
			if (w->ws[i + j - 1] == L' ')
				return i + j;
	}
	return i + k;
}

int tui_paint_wrapped(int y, int x, int w, int maxrows, const char *s, attr_t a)
{
	if (!s || w <= 0)
		return 0;
	struct tui_wtext wt;
	tui_paint_wtext(&wt, s);
	int row = 0;
	size_t i = 0;
	while (i < wt.n && row < maxrows) {
		size_t next = tui_paint_wrap_next(&wt, i, w);
		if (row == maxrows - 1 && next < wt.n) {
			size_t k = tui_text_fit(wt.ws + i, wt.n - i, w - 1, NULL);
			attrset(a);
			mvaddnwstr(y + row, x, wt.ws + i, (int)k);
			mvaddnwstr(y + row, x + tui_text_wswidth(wt.ws + i, k), L"\u2026", 1);
			attrset(A_NORMAL);
			row++;
			break;
		}
		attrset(a);
		mvaddnwstr(y + row, x, wt.ws + i, (int)(next - i));
		attrset(A_NORMAL);
		row++;
		i = next;
		while (i < wt.n && wt.ws[i] == L' ')
			i++;
	}
	tui_paint_wtext_free(&wt);
	return row;
}

int tui_paint_wrapped_rows(int w, const char *s)
{
	if (!s || w <= 0)
		return 0;
	struct tui_wtext wt;
	tui_paint_wtext(&wt, s);
	int row = 0;
	size_t i = 0;
	while (i < wt.n) {
		size_t next = tui_paint_wrap_next(&wt, i, w);
		row++;
		i = next;
		while (i < wt.n && wt.ws[i] == L' ')
			i++;
	}
	tui_paint_wtext_free(&wt);
	return row;
}
