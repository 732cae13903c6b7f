/* Progress estimator shared by dump, restore and copy: turns a raw "done of total" signal,
 * which may jitter or overshoot (row estimates are off, table statistics refresh lazily),
 * into what an operator can trust: monotonic, never above 100 % until the work has
 * really finished, exactly 100 % at the end, and an ETA from a moving average of the
 * recent rate. Not thread-safe: the owner serialises calls. */
#ifndef TEJUN_PROGRESS_H
#define TEJUN_PROGRESS_H
#include <stdbool.h>

/* The one rate estimator (the operations' progress and the views' bars both use it): a
 * ring of (time, amount) samples, and the rate from the oldest sample inside the window to
 * the newest. */
#define RATEWIN_SAMPLES 64
struct ratewin {
	double t[RATEWIN_SAMPLES], v[RATEWIN_SAMPLES];
	unsigned n, head;          /* head: where the next sample goes */
	double window;             /* seconds the rate is measured over */
	double since;              /* samples before it stop counting (0: none) */
};
void ratewin_reset(struct ratewin *w, double window_secs);
/* A sample; one closer than min_gap seconds to the newest replaces it, so the ring spans
 * the window whatever the sampling rate. */
void ratewin_add(struct ratewin *w, double t, double v, double min_gap);
/* Units per second from the oldest sample inside the window (not before since, once the
 * newest is a second past it) to the newest, never the newest alone: sparse samples still
 * give a rate from the one before. 0 with fewer than two samples or a span under min_span. */
double ratewin_rate(const struct ratewin *w, double min_span);
/* Time of the newest sample (0 when none). */
double ratewin_newest(const struct ratewin *w);

struct progress {
	double total;              /* fixed at init */
	double shown;              /* what was last reported, never decreases */
	double t0;
	bool finished;
	struct ratewin win;        /* (time, shown) over the last 20 s */
	double base;               /* done before this run began (a resumed restore) */
};

void progress_init(struct progress *p, double total, double now);
/* As progress_init, for work of which `done` was finished by an earlier run: shown starts
 * there, and the rate counts only what this run does. */
void progress_init_from(struct progress *p, double total, double done, double now);
/* Feeds a raw estimate of work done; returns the value to show: at least the last one,
 * at most 99.9 % of total (only progress_finish reaches 100 %). */
double progress_update(struct progress *p, double raw_done, double now);
/* The work has completed: shown becomes exactly total. */
void progress_finish(struct progress *p, double now);
/* The work changed pace for good (a copy's dump has finished and no longer competes with
 * its load): once a second has passed, the rate counts only samples from now on. */
void progress_rebase(struct progress *p, double now);
/* Units of total per second over the recent window, 0 when unknown. */
double progress_rate(const struct progress *p);
/* Seconds left at the recent rate, -1 when unknown (too early or stalled), 0 when finished. */
double progress_eta(const struct progress *p);
/* shown / total * 100. */
double progress_pct(const struct progress *p);

/* The phase a run is in, and the changes not yet taken: whoever polls every half second
 * (the journal) still sees a phase that lasted less. The owner's lock guards it. */
struct phase {
	char now[24];
	char *changes;             /* "data\nbuilding indexes\n", NULL when none */
};
void phase_set(struct phase *p, const char *name);
/* The changes since the last take (caller frees), NULL if none. */
char *phase_take(struct phase *p);
void phase_free(struct phase *p);
#endif
