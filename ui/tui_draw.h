/* Drawing the TUI from its model: frame, steps pane, detail pane, then the dialogs. Only reads. */
#ifndef TEJUN_TUI_DRAW_H
#define TEJUN_TUI_DRAW_H
#include "ui/tui.h"

/* One full frame into curses' buffer; curses sends only the difference to the terminal. */
void tui_draw(struct tui *t);
/* The first log line of the page above the one starting at from (same wrapping as drawn). */
long tui_draw_page_up(struct tui *t, long from);
#endif
