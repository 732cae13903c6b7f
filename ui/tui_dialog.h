/* The TUI's footer, prompt dialog, small modals and help overlay (drawn over the panes). */
#ifndef TEJUN_TUI_DIALOG_H
#define TEJUN_TUI_DIALOG_H
#include "ui/tui.h"

#define TUI_MIN_COLS 60
#define TUI_MIN_ROWS 16

/* Keys valid now, or the current message. */
void tui_dialog_footer(struct tui *t);
/* The dialog of an unanswered prompt: confirm, typed challenge, question, decision. */
void tui_dialog_prompt(struct tui *t, const struct tui_prompt *p);
/* A text input line (search, skip reason) or an "are you sure?" box. */
void tui_dialog_modal(struct tui *t);
void tui_dialog_help(struct tui *t);
/* Instead of everything else below TUI_MIN_COLS x TUI_MIN_ROWS. */
void tui_dialog_too_small(struct tui *t);
#endif
