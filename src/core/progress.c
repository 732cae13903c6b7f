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

void progress_init_from(struct progress *p, double total, double done, double now)
{
	memset(p, 0, sizeof *p);
	p->total = total > 0 ? total : 1;
	double cap = p->total * PROGRESS_CAP;
	p->base = done > 0 && isfinite(done) ? (done < cap ? done : cap) : 0;
	p->shown = p->base;
	p->t0 = now;
	p->window_secs = 20;
	p->st[0] = now;
	p->sv[0] = p->base;
	p->n = 1;
	p->head = 1;
}

void progress_init(struct progress *p, double total, double now)
{
	progress_init_from(p, total, 0, now);
}

static void sample(struct progress *p, double now)
{
	unsigned last = (p->head + PROGRESS_WINDOW - 1) % PROGRESS_WINDOW;
	/* keep samples at least 0.2 s apart so the ring covers the window */
	if (p->n > 1 && now - p->st[last] < 0.2) {
		p->sv[last] = p->shown;
		return;
	}
	p->st[p->head] = now;
	p->sv[p->head] = p->shown;
	p->head = (p->head + 1) % PROGRESS_WINDOW;
	if (p->n < PROGRESS_WINDOW)
		p->n++;
}

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
	if (p->n == 1 && p->shown <= p->base) {
		/* nothing done yet (connecting, checking files): the rate starts with the work */
		p->st[0] = now;
		return p->shown;
	}
	sample(p, now);
	return p->shown;
}

void progress_finish(struct progress *p, double now)
{
	p->shown = p->total;
	p->finished = true;
	sample(p, now);
}

void progress_rebase(struct progress *p, double now)
{
	p->since = now;
}

double progress_rate(const struct progress *p)
{
	if (p->n < 2)
		return 0;
	unsigned last = (p->head + PROGRESS_WINDOW - 1) % PROGRESS_WINDOW;
	double tn = p->st[last], vn = p->sv[last];
	double from = p->since > 0 && tn - p->since >= 1.0 ? p->since : 0;
	/* the oldest sample still inside the window (or the oldest we have) */
	unsigned first = (p->head + PROGRESS_WINDOW - p->n) % PROGRESS_WINDOW;
	for (unsigned k = 0; k < p->n - 1; k++) {
		unsigned i = (first + k) % PROGRESS_WINDOW;
		if ((tn - p->st[i] <= p->window_secs && p->st[i] >= from) || k == p->n - 2) {
			first = i;
			break;
		}
	}
	double dt = tn - p->st[first];
	if (dt < 0.5)
		return 0;
	return (vn - p->sv[first]) / dt;
}

double progress_eta(const struct progress *p)
{
	if (p->finished)
		return 0;
	/* too early: the first second of a run says little about its rate */
	unsigned last = (p->head + PROGRESS_WINDOW - 1) % PROGRESS_WINDOW;
	if (p->st[last] - p->t0 < 1.0)
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
