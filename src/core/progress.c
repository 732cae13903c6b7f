/* Progress estimator: monotonic clamp plus a windowed rate for the ETA. */
#include "config.h"
#include "core/progress.h"
#include "core/util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The last 0.1 % is reserved for progress_finish, so a raw signal that overshoots (an
 * information_schema estimate that was too low) stalls at 99.9 % instead of lying. */
#define PROGRESS_CAP 0.999

void ratewin_reset(struct ratewin *w, double window_secs)
{
	memset(w, 0, sizeof *w);
	w->window = window_secs;
}

void ratewin_add(struct ratewin *w, double t, double v, double min_gap)
{
	unsigned last = (w->head + RATEWIN_SAMPLES - 1) % RATEWIN_SAMPLES;
	if (w->n > 1 && t - w->t[last] < min_gap) {
		w->v[last] = v;
		return;
	}
	w->t[w->head] = t;
	w->v[w->head] = v;
	w->head = (w->head + 1) % RATEWIN_SAMPLES;
	if (w->n < RATEWIN_SAMPLES)
		w->n++;
}

double ratewin_newest(const struct ratewin *w)
{
	return w->n ? w->t[(w->head + RATEWIN_SAMPLES - 1) % RATEWIN_SAMPLES] : 0;
}

double ratewin_rate(const struct ratewin *w, double min_span)
{
	if (w->n < 2)
		return 0;
	unsigned last = (w->head + RATEWIN_SAMPLES - 1) % RATEWIN_SAMPLES;
	double tn = w->t[last], vn = w->v[last];
	double from = w->since > 0 && tn - w->since >= 1.0 ? w->since : 0;
	unsigned first = (w->head + RATEWIN_SAMPLES - w->n) % RATEWIN_SAMPLES;
	for (unsigned k = 0; k < w->n - 1; k++) {
		unsigned i = (first + k) % RATEWIN_SAMPLES;
		if ((tn - w->t[i] <= w->window && w->t[i] >= from) || k == w->n - 2) {
			first = i;
			break;
		}
	}
	double dt = tn - w->t[first];
	if (dt <= 0 || dt < min_span)
		return 0;
	return (vn - w->v[first]) / dt;
}

void progress_init_from(struct progress *p, double total, double done, double now)
{
	memset(p, 0, sizeof *p);
	p->total = total > 0 ? total : 1;
	double cap = p->total * PROGRESS_CAP;
	p->base = done > 0 && isfinite(done) ? (done < cap ? done : cap) : 0;
	p->shown = p->base;
	p->t0 = now;
	ratewin_reset(&p->win, 20);
	ratewin_add(&p->win, now, p->base, 0);
}

void progress_init(struct progress *p, double total, double now)
{
	progress_init_from(p, total, 0, now);
}

/* samples at least 0.2 s apart, so the ring covers the window */
#define SAMPLE_GAP 0.2

double progress_update(struct progress *p, double raw_done, double now)
{
	if (p->finished)
		return p->shown;
	double v = isfinite(raw_done) ? raw_done : 0;
	double cap = p->total * PROGRESS_CAP;
	if (v > cap)
		v = cap;
	if (v > p->shown)
		p->shown = v;
	if (p->win.n == 1 && p->shown <= p->base) {
		/* nothing done yet (connecting, checking files): the rate starts with the work */
		ratewin_reset(&p->win, p->win.window);
		ratewin_add(&p->win, now, p->base, 0);
		return p->shown;
	}
	ratewin_add(&p->win, now, p->shown, SAMPLE_GAP);
	return p->shown;
}

void progress_finish(struct progress *p, double now)
{
	p->shown = p->total;
	p->finished = true;
	ratewin_add(&p->win, now, p->shown, SAMPLE_GAP);
}

void progress_rebase(struct progress *p, double now)
{
	p->win.since = now;
}

double progress_rate(const struct progress *p)
{
	return ratewin_rate(&p->win, 0.5);
}

double progress_eta(const struct progress *p)
{
	if (p->finished)
		return 0;
	/* too early: the first second of a run says little about its rate */
	if (ratewin_newest(&p->win) - p->t0 < 1.0)
		return -1;
	double r = progress_rate(p);
	if (r <= 0)
		return -1;
	return (p->total - p->shown) / r;
}

void phase_set(struct phase *p, const char *name)
{
	if (strcmp(p->now, name) == 0)
		return;
	snprintf(p->now, sizeof p->now, "%s", name);
	char *c = xasprintf("%s%s\n", p->changes ? p->changes : "", name);
	free(p->changes);
	p->changes = c;
}

char *phase_take(struct phase *p)
{
	char *c = p->changes;
	p->changes = NULL;
	return c;
}

void phase_free(struct phase *p)
{
	free(p->changes);
	p->changes = NULL;
}

double progress_pct(const struct progress *p)
{
	return p->shown / p->total * 100.0;
}
