/* A view renders the event stream and sends the operator's keys back through a controller.
 * The TUI, the line view and replay all implement these ops. */
#ifndef TEJUN_VIEW_H
#define TEJUN_VIEW_H
#include "core/control.h"
#include "core/event.h"
#include <stdbool.h>
#include <stdio.h>

struct loop;

struct view_config {
	struct controller *ctl;    /* NULL: read-only (replay --no-tui) */
	struct loop *loop;
	const char *answers_path;  /* line view: answers file, or NULL for stdin */
	const char *operator_name;
	bool replay;               /* keys drive a player, not the engine */
	FILE *out;                 /* line view output (stdout) */
	/* TUI: draw on this terminal instead of stdout (the screen recorder's pty); keys are
	 * still read from stdin, which the TUI then puts in raw mode itself. */
	FILE *tty_out;
	/* Called on the loop thread after the real terminal was resized (the recorder notes it). */
	void (*resized)(void *arg, int cols, int rows);
	void *resized_arg;
};

struct view;
struct view_ops {
	const char *name;
	/* NULL and a message in err (caller frees) when it cannot open (e.g. no terminal). */
	struct view *(*open)(const struct view_config *cfg, char **err);
	struct event_sink *(*sink)(struct view *v);
	/* Forget everything seen (replay seeks backwards by reset + refeed). */
	void (*reset)(struct view *v);
	/* Redraw now (after a batch of events). */
	void (*flush)(struct view *v);
	/* Restores the terminal; safe to call twice; frees v. */
	void (*close)(struct view *v);
};

extern const struct view_ops tui_view_ops;
extern const struct view_ops line_view_ops;
/* Restore the terminal from a signal or fatal path (async-signal-safe enough: endwin). */
void tui_emergency_restore(void);
#endif
