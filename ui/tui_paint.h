/* Painting primitives shared by the TUI's drawing modules (curses; ui/ only). */
#ifndef TEJUN_TUI_PAINT_H
#define TEJUN_TUI_PAINT_H
#include "ui/tui.h"

enum tui_role {
	TUI_R_NORMAL, TUI_R_FRAME, TUI_R_TITLE, TUI_R_DIM, TUI_R_OK, TUI_R_FAILED, TUI_R_RUNNING, TUI_R_WAITING, TUI_R_SKIPPED,
	TUI_R_INTERRUPTED, TUI_R_CRITICAL, TUI_R_WARN, TUI_R_ERROR, TUI_R_BAR, TUI_R_MATCH, TUI_R_SELECTED, TUI_R_KEY, TUI_R_MSG_ERR,
	TUI_R_BADGE_OK, TUI_R_BADGE_BAD, TUI_R__COUNT
};

/* Colour and NO_COLOR renderings of each role: without colour, bold and reverse carry
 * only what must stand out (failures, the running step, the point of no return). */

/* Colour pairs for the roles (when t->color); once after start_color. */
void tui_paint_init(struct tui *t);
/* The attributes of a role: its colour, or under NO_COLOR plain/bold/reverse. */
attr_t tui_paint_attr(const struct tui *t, enum tui_role r);
/* UTF-8 s at y,x in at most w columns, cut with "…" when longer; returns columns used. */
int tui_paint_put(int y, int x, int w, const char *s, attr_t a);
/* put, then pad with spaces to exactly w columns (keeps columns aligned). */
int tui_paint_put_pad(int y, int x, int w, const char *s, attr_t a);
/* Right-aligned so that it ends at column xend. */
void tui_paint_put_right(int y, int xend, int w, const char *s, attr_t a);
void tui_paint_fill(int y, int x, int w, attr_t a);

/* A line decoded for drawing: characters and their byte offsets in the UTF-8 text. */
struct tui_wtext {
	wchar_t *ws;
	size_t *offs;
	size_t n;
};
void tui_paint_wtext(struct tui_wtext *w, const char *s);
void tui_paint_wtext_free(struct tui_wtext *w);
/* Start of the row after the one starting at i, for tw columns. */
size_t tui_paint_wrap_next(const struct tui_wtext *w, size_t i, int tw);
/* Word-wrapped paragraph in at most maxrows rows (… when cut); returns rows used. */
int tui_paint_wrapped(int y, int x, int w, int maxrows, const char *s, attr_t a);
int tui_paint_wrapped_rows(int w, const char *s);
#endif
