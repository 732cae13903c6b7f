/* The TUI view's state, shared by its lifecycle (tui.c), drawing (tui_draw.c) and keys
 * (tui_input.c). Only ui/ includes this header. */
#ifndef TEJUN_TUI_H
#define TEJUN_TUI_H
#define NCURSES_WIDECHAR 1
#include "ui/tui_model.h"
#include "ui/view.h"
#include <curses.h>
#include <stdbool.h>
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
#endif
