/* The TUI view's private interface: its state, and what its parts call of each other:
 * lifecycle (tui.c), painting (tui_paint.c), drawing (tui_draw.c), dialogs (tui_dialog.c)
 * and keys (tui_input.c). The view's public face is ui/view.h; only these files include this. */
#ifndef TEJUN_TUI_INT_H
#define TEJUN_TUI_INT_H
#define NCURSES_WIDECHAR 1
#include "ui/tui_model.h"
#include "ui/view.h"
#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

enum tui_modal {
	TUI_MODAL_NONE,
	TUI_MODAL_HELP,
	TUI_MODAL_INPUT, /* one line of text: search, skip reason */
	TUI_MODAL_YESNO, /* "are you sure?" before abort or undo */
};

#define TUI_INPUT_MAX 200

struct tui;
typedef void (*tui_input_done)(struct tui *t, const char *utf8);
typedef void (*tui_yes_fn)(struct tui *t);

struct tui {
	struct event_sink sink; /* first: the bus hands us back this pointer */
	struct view_config cfg;
	struct tui_model *model;
	SCREEN *screen;
	bool color, dead_tty;
	int rows, cols;

	/* navigation: the step shown in the detail pane (-1: session log) */
	int sel;
	bool follow;     /* selection follows the step that runs */
	bool tail;       /* log shows its newest lines */
	long top_line;   /* else: absolute number of the first log line shown */
	int list_top;    /* first row of the steps pane */
	int log_rows;    /* rows the log had at the last draw (page size) */
	long shown_top, shown_end; /* log lines on screen at the last draw: [top, end) */

	/* search */
	char search[TUI_INPUT_MAX * 4];
	int match_step;  /* where the current match is (-1: session log) */
	long match_line; /* -1: none yet */

	/* local modals (over the prompt dialog) */
	enum tui_modal modal;
	const char *input_title;
	tui_input_done input_done;
	char yesno_text[512];
	tui_yes_fn yesno_yes;
	char yesno_arg[256];
	wchar_t input[TUI_INPUT_MAX + 1];
	size_t ninput;

	/* the prompt dialog's own typed text (challenge, ask) */
	long prompt_id;
	wchar_t pinput[TUI_INPUT_MAX + 1];
	size_t npinput;

	struct view_keys keys;  /* the driver's, tried first (replay's player) */
	char status[160];       /* the driver's line in the footer */

	char msg[256];
	bool msg_err;
	double msg_until;
	bool quit;

	/* loop wiring */
	int tty_watch, winch_watch, tick_timer, draw_timer;
	int winch_pipe[2];
	int idle_wakes;  /* tty readable but no key, in a row */
	double last_draw;
	bool dirty;
};

/* Marks the screen dirty; draws within 50 ms (never more than ~20 frames a second). */
void tui_redraw_soon(struct tui *t);
/* A one-line message in the footer for a few seconds; err makes it stand out. */
void tui_message(struct tui *t, bool err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The clock the screen shows: wall time live, the latest event's time in replay. */
double tui_now(const struct tui *t);
/* Re-reads the terminal size after SIGWINCH or ^L and redraws everything. */
void tui_resize(struct tui *t);
/* ==== tui_paint.c ==== */
/* Painting primitives shared by the TUI's drawing modules (curses; ui/ only). */

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

/* ==== tui_draw.c ==== */
/* Drawing the TUI from its model: frame, steps pane, detail pane, then the dialogs. Only reads. */

/* One full frame into curses' buffer; curses sends only the difference to the terminal. */
void tui_draw(struct tui *t);
/* The first log line of the page above the one starting at from (same wrapping as drawn). */
long tui_draw_page_up(struct tui *t, long from);

/* ==== tui_dialog.c ==== */
/* The TUI's footer, prompt dialog, small modals and help overlay (drawn over the panes). */

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

/* ==== tui_input.c ==== */
/* The TUI's keys: one table of bindings, the prompt dialog's keys, and the small modals
 * (search, skip reason, "are you sure?"). Replay adds its keys as table entries. */
#include <stddef.h>

/* One key from get_wch: fkey is true for KEY_* codes. */
void tui_input_key(struct tui *t, bool fkey, wint_t key);

struct tui_hint {
	char key[16];
	char label[48];
	bool warn; /* e.g. the next step is the point of no return */
	int prio;  /* 1 most important; the footer drops the highest numbers first */
};
/* The keys valid right now, most important first, for the footer. Returns the count. */
size_t tui_input_footer(struct tui *t, struct tui_hint *out, size_t max);
/* Every binding of this mode, for the help overlay: calls fn(arg, keys, doc) per action. */
void tui_input_help(const struct tui *t, void (*fn)(void *arg, const char *keys, const char *doc), void *arg);
/* Forgets modals and typed text (view reset). */
void tui_input_reset(struct tui *t);
#endif
