/* Restore ETA from the work still queued: the files left, handed to the workers in the
 * order they take them, at the rate measured so far. "Left / rate" assumes every worker
 * stays busy to the end; a run ends on fewer (its last file loads alone), and an index
 * build starts only once its table is in. */
#include "config.h"
#include "mysql/restore_int.h"
#include <math.h>
#include <stdlib.h>

struct job {
	const struct rtable *t;
	double left;                   /* progress units */
	double raw;                    /* a data file's size, for the order */
	bool idx, on, taken;
};

/* Near enough the order pick() hands data files out in: tables with an index build to
 * come first, then the largest file. */
static int pick_order(const void *pa, const void *pb)
{
	const struct job *a = pa, *b = pb;
	bool ia = a->t && a->t->indexes, ib = b->t && b->t->indexes;
	if (ia != ib)
		return ia ? -1 : 1;
	return (a->raw < b->raw) - (a->raw > b->raw);
}

/* Units per second k busy workers move together, when n moved `rate`: fewer workers share
 * the server's CPUs with fewer, so one alone does more than 1/n of it (bench: one loader
 * 44 MB/s, two 59 MB/s). */
static double pace(double rate, int k, int n)
{
	return rate * sqrt((double)k / (double)n);
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
static struct job *next_job(struct job *q, size_t nq, size_t *qi, const int *data_left)
{
	for (size_t k = 0; k < nq; k++)
		if (q[k].idx && !q[k].taken && data_left[q[k].t->ix] == 0)
			return &q[k];
	while (*qi < nq && (q[*qi].idx || q[*qi].taken))
		(*qi)++;
	return *qi < nq ? &q[(*qi)++] : NULL;
}

double restore_sched_eta(const struct restore *r, double rate)
{
	if (rate <= 0)
		return -1;
	int n = r->o.threads > 0 ? r->o.threads : 1;
	struct job *q = xcalloc(r->nfiles + 1, sizeof *q), *slot = xcalloc((size_t)n, sizeof *slot);
	int *data_left = xcalloc(r->ntables + 1, sizeof *data_left);
	size_t nq = 0, qi = 0;
	int busy = 0;
	double serial = 0; /* views, triggers, routines: loaded one by one after the workers */
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct rfile *f = r->files[i];
		if (f->state == RF_DONE || f->kind == RK_SCHEMA || (f->kind != RK_POST && f->kind != RK_MYSQLDUMP && !f->t))
			continue;
		if (f->kind == RK_POST || f->kind == RK_MYSQLDUMP) {
			serial += file_left(r, f);
			continue;
		}
		struct job j = {.t = f->t, .left = file_left(r, f), .raw = (double)f->raw, .idx = f->kind == RK_INDEXES};
		if (!j.idx)
			data_left[f->t->ix]++;
		if (f->state == RF_RUNNING && busy < n) {
			j.on = true;
			slot[busy++] = j;
		} else {
			q[nq++] = j;
		}
	}
	qsort(q, nq, sizeof *q, pick_order);
	double secs = 0;
	for (;;) {
		for (int s = 0; s < n; s++) {
			struct job *j = slot[s].on ? NULL : next_job(q, nq, &qi, data_left);
			if (j) {
				j->taken = true;
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
				if (!slot[s].idx)
					data_left[slot[s].t->ix]--;
			}
		}
	}
	free(q);
	free(slot);
	free(data_left);
	return secs + serial / pace(rate, 1, n);
}
