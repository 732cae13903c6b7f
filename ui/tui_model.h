/* The TUI's picture of a session, built only from events: steps, logs, progress, gauges,
 * prompts. Pure C (no curses) so it can be unit-tested; drawing reads it, never the engine. */
#ifndef TEJUN_TUI_MODEL_H
#define TEJUN_TUI_MODEL_H
#include "core/event.h"
#include "core/progress.h"
#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* X-macro: state, wire name, mark, label. */
#define TUI_STATES(X)                                                      \
	X(PENDING, "pending", "\u00b7", "pending")                          \
	X(RUNNING, "running", "\u25b6", "running")                          \
	X(WAITING, "waiting", "?", "waiting for confirmation")              \
	X(OK, "ok", "\u2713", "ok")                                         \
	X(FAILED, "failed", "\u2717", "failed")                             \
	X(SKIPPED, "skipped", "\u21b7", "skipped")                          \
	X(INTERRUPTED, "interrupted", "!", "interrupted")

enum tui_state {
#define X(name, wire, mark, label) TUI_##name,
	TUI_STATES(X)
#undef X
	TUI__NSTATES
};
const char *tui_state_mark(enum tui_state s);
const char *tui_state_label(enum tui_state s);
/* -1 when unknown. */
int tui_state_from_name(const char *wire);

enum tui_level { TUI_INFO, TUI_WARN, TUI_ERROR, TUI_NOTE };

struct tui_line {
	double ts;
	enum tui_level level;
	int width;  /* display columns of text */
	char *text; /* sanitized UTF-8, one screen line's worth of meaning (no newlines) */
};

/* Lines of one step (or of the session); the oldest are dropped past a cap, so a line's
 * absolute number (dropped + index) stays stable for search and scroll anchors. */
struct tui_log {
	struct tui_line *lines;
	size_t n, cap;
	long dropped;
};
/* NULL when absolute line number abs is gone or not there yet. */
const struct tui_line *tui_log_line(const struct tui_log *l, long abs);
long tui_log_end(const struct tui_log *l); /* one past the last absolute line number */

#define TUI_RATE_WINDOW 20.0 /* seconds of samples the rate averages over */

struct tui_progress {
	char *label, *unit;
	double done, total;
	double first_ts, last_ts;
	double first_done;         /* done at first_ts */
	double eta;                /* the step's own estimate with the last sample, -1 if none */
	bool limit, finished;      /* a wait: done is the time waited, total its limit (no estimate) */
	struct ratewin win;        /* the samples: core/progress.h's estimator */
};
/* Adds one sample; a count that goes backwards starts a new measurement. */
void tui_progress_add(struct tui_progress *p, double ts, double done, double total);
/* Units per second over the recent window; once complete, over the bar's whole life (the
 * figure the step's own final MB/s gives). 0 when not yet known. */
double tui_progress_rate(const struct tui_progress *p);
/* Seconds to completion: the step's own estimate when its events carry one (a restore's
 * knows which files are left), else at the recent rate; -1 when unknown or done. */
double tui_progress_eta(const struct tui_progress *p);

#define TUI_GAUGE_HISTORY 64

struct tui_gauge {
	char *name, *unit;
	double value, max;
	bool has_max;
	double hist[TUI_GAUGE_HISTORY]; /* ring */
	int nh, head;
};
void tui_gauge_add(struct tui_gauge *g, double value);
/* One of ▁▂▃▄▅▆▇█ for v on the scale lo..hi. */
wchar_t tui_spark_char(double v, double lo, double hi);
/* The last up-to-width values as a sparkline into out (width+1 wide chars); returns the count.
 * The scale is 0..max (or the history's maximum), or min..max when values go negative. */
size_t tui_gauge_sparkline(const struct tui_gauge *g, size_t width, wchar_t *out);

enum tui_prompt_kind { TUI_CONFIRM, TUI_CHALLENGE, TUI_ASK, TUI_DECISION };

struct tui_prompt {
	long id;
	enum tui_prompt_kind kind;
	int step;                 /* step index, -1 when none */
	char *text, *word, *deflt;
	char options[8][16];      /* decision options (retry, skip, abort) */
	int noptions;
};

struct tui_step {
	char *id, *title, *phase, *confirm;
	bool critical, challenge, undo;
	enum tui_state state;
	int attempt;
	bool started, ended;
	double start_ts, end_ts, secs; /* secs from step_end */
	char *error, *reason;
	struct tui_log log;
	struct tui_progress *prog;
	size_t nprog;
	struct tui_gauge *gauges;
	size_t ngauges;
};

struct tui_model {
	bool has_session, dry_run;
	char *session, *title, *runbook_id, *runbook_path, *operator, *host, *version;
	char **phases;
	size_t nphases;
	char *phase;                 /* current phase, from phase events */
	struct tui_step *steps;
	size_t nsteps;
	int current;                 /* step that started last, -1 */
	struct tui_log log;          /* lines with no step */
	struct tui_gauge *gauges;    /* gauges with no step */
	size_t ngauges;
	struct tui_prompt *prompts;  /* unanswered, oldest first */
	size_t nprompts;
	double t0, t_last;           /* first and latest event time */
	bool ended;
	char *end_status;
	int exit_code;
	double end_ts;
	long events;
};

#define TUI_LOG_MAX 20000 /* lines kept per step */

struct tui_model *tui_model_new(void);
void tui_model_free(struct tui_model *m);
void tui_model_reset(struct tui_model *m);
/* Folds one event in. Returns the index of the step it concerns (or -1). */
int tui_model_apply(struct tui_model *m, const struct event *ev);
/* -1 when unknown. */
int tui_model_find(const struct tui_model *m, const char *step_id);
/* Log of step i, or the session log for -1. */
struct tui_log *tui_model_log(struct tui_model *m, int step);
/* Appends text (may hold newlines) to a log as sanitized lines. */
void tui_model_log_add(struct tui_log *l, double ts, enum tui_level level, const char *text);
/* Oldest unanswered prompt or NULL. */
const struct tui_prompt *tui_model_prompt(const struct tui_model *m);
/* First pending step at or after the last one that ran, -1 when none. */
int tui_model_next(const struct tui_model *m);
/* Seconds step i has taken so far (now for a running step), -1 if it never started. */
double tui_model_step_secs(const struct tui_model *m, int i, double now);
/* True while some step runs or waits. */
bool tui_model_busy(const struct tui_model *m);
/* A failed or interrupted step waiting for retry or skip, -1 when none. */
int tui_model_stuck(const struct tui_model *m);

/* "12s", "4m05s", "1h02m" into buf: steps pane durations, at most 6 columns. */
void tui_format_short_duration(double secs, char *buf, size_t n);
/* "41.0 MB/s", "1.2k rows/s". */
void tui_format_rate(double per_sec, const char *unit, char *buf, size_t n);
/* "1.9 GB", "120k rows" */
void tui_format_amount(double v, const char *unit, char *buf, size_t n);
/* "240 MB/2.6 GB", "16/600 rows": the unit once when it is not a size. */
void tui_format_fraction(double done, double total, const char *unit, char *buf, size_t n);
#endif
