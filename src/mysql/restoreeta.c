/* Restore ETA from the work still queued: the files left, handed to the workers in the
 * order they take them, at the rate measured so far. "Left / rate" assumes every worker
 * stays busy to the end; a run ends on fewer (its last file loads alone), and an index
 * build starts only once its table is in. */
#include "config.h"
#include "mysql/restore_int.h"
#include <math.h>
#include <stdlib.h>

struct job {
	const struct rfile *f;
	double left;                   /* progress units */
	bool on;
};

/* qsort in the order pick() hands data files out */
static int pick_order(const void *pa, const void *pb)
{
	const struct job *a = pa, *b = pb;
	return restore_before(a->f, b->f) ? -1 : restore_before(b->f, a->f) ? 1 : 0;
}

/* Units per second k busy workers move together, when n moved `rate`. Each LOAD DATA is one
 * thread in the server, so k of n loaders move k/n of it. (An earlier sqrt(k/n) came from
 * one loader's 44 MB/s alone against 59 MB/s for two, but that lone loader was filling an
 * empty table in bulk mode; on the uniform table one loader alone and each of two both ran
 * at ~28 MB/s, and sqrt left the tail's ETA 10-20 % short.) With more loaders than the
 * target's cores this is pessimistic, the safe side for a maintenance window. */
static double pace(double rate, int k, int n)
{
	return rate * (double)k / (double)n;
}

static double file_left(const struct restore *r, const struct rfile *f)
{
	double done = f->state == RF_RUNNING ? (double)f->inflight : 0;
	if (f->kind == RK_INDEXES) {
		double iw = restore_index_weight(f->t);
		return iw - (f->state == RF_RUNNING ? restore_index_credit(r, f, iw) : 0);
	}
	double left = (double)f->raw - done;
	if (f->kind == RK_DATA && f->t && f->t->w > 0)
		left *= f->t->cost / f->t->w;
	return left > 0 ? left : 0;
}

/* The next job for an idle worker: an index build whose table is loaded, else a file. */
static struct job *next_job(struct job *data, size_t nd, size_t *di, struct job *builds, size_t *nb,
			    const int *data_left)
{
	for (size_t k = 0; k < *nb; k++)
		if (data_left[builds[k].f->t->ix] == 0) {
			struct job *j = &builds[k];
			struct job tmp = *j; /* taken: swap it past the end */
			*j = builds[--*nb];
			builds[*nb] = tmp;
			return &builds[*nb];
		}
	return *di < nd ? &data[(*di)++] : NULL;
}

double restore_sched_eta(const struct restore *r, double rate)
{
	if (rate <= 0)
		return -1;
	int n = r->o.threads > 0 ? r->o.threads : 1;
	struct job *data = xcalloc(r->nfiles + 1, sizeof *data);
	struct job *builds = xcalloc(r->nfiles + 1, sizeof *builds);
	struct job *slot = xcalloc((size_t)n, sizeof *slot);
	int *data_left = xcalloc(r->ntables + 1, sizeof *data_left);
	size_t nd = 0, di = 0, nb = 0;
	int busy = 0;
	double serial = 0; /* views, triggers, routines: loaded one by one after the workers */
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct rfile *f = r->files[i];
		if (f->state == RF_DONE || f->kind == RK_SCHEMA)
			continue;
		if (f->kind == RK_POST || f->kind == RK_MYSQLDUMP) {
			serial += file_left(r, f);
			continue;
		}
		if (!f->t)
			continue;
		struct job j = {.f = f, .left = file_left(r, f)};
		if (f->kind == RK_DATA)
			data_left[f->t->ix]++;
		if (f->state == RF_RUNNING && busy < n) {
			j.on = true;
			slot[busy++] = j;
		} else if (f->kind == RK_INDEXES) {
			builds[nb++] = j;
		} else {
			data[nd++] = j;
		}
	}
	qsort(data, nd, sizeof *data, pick_order);
	double secs = 0;
	for (;;) {
		for (int s = 0; s < n; s++) {
			struct job *j = slot[s].on ? NULL : next_job(data, nd, &di, builds, &nb, data_left);
			if (j) {
				slot[s] = *j;
				slot[s].on = true;
			}
		}
		int k = 0;
		double least = INFINITY;
		for (int s = 0; s < n; s++)
			if (slot[s].on) {
				k++;
				if (slot[s].left < least)
					least = slot[s].left;
			}
		if (k == 0)
			break;
		double each = pace(rate, k, n) / k;
		secs += least / each;
		for (int s = 0; s < n; s++) {
			if (!slot[s].on)
				continue;
			slot[s].left -= least;
			if (slot[s].left <= 1e-6) {
				slot[s].on = false;
				if (slot[s].f->kind == RK_DATA)
					data_left[slot[s].f->t->ix]--;
			}
		}
	}
	free(data);
	free(builds);
	free(slot);
	free(data_left);
	return secs + serial / pace(rate, 1, n);
}
