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

/* Keys a driver adds before a view's own (replay: the player's). key gets printable keys as
 * themselves and arrows as VIEW_KEY_*; it returns true when it took the key. help lists
 * them for the view's help screen. */
enum { VIEW_KEY_LEFT = 0x110000, VIEW_KEY_RIGHT };
struct view_keys {
	bool (*key)(void *ud, int key);
	void (*help)(void *ud, void (*fn)(void *arg, const char *keys, const char *doc), void *arg);
	void *ud;
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
	/* The driver's keys (copied), before the view's own; NULL for a view that reads none. */
	void (*add_keys)(struct view *v, const struct view_keys *k);
	/* A line the driver keeps current (replay: position, speed, paused), shown with the
	 * view's own hints; NULL for a view with nowhere to show it. */
	void (*set_status)(struct view *v, const char *status);
	/* The operator asked to leave (q); NULL: never (the line view ends with its input). */
	bool (*quit_requested)(const struct view *v);
};

extern const struct view_ops tui_view_ops;
extern const struct view_ops line_view_ops;
/* Restore the terminal from a signal or fatal path (async-signal-safe enough: endwin). */
void tui_emergency_restore(void);
#endif
