/* Forecast of a session from its rehearsal: each step takes what it took then, except the
 * time its data-bound calls (dump, restore, copy) spent, which is scaled by how much bigger
 * their data is now (bytes now / bytes then, information_schema data + index length).
 * Prompts and waits count as measured. The window (the Maintenance phase, first start to
 * last end) moves by the same amounts. Pure: the caller measures "now". */
#ifndef TEJUN_FORECAST_H
#define TEJUN_FORECAST_H
#include "review/report.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* The size now of the data a rehearsal call moved (m->source, m->schemas), in the unit of
 * m->bytes; < 0 when it cannot be measured, with why. step and k say which call it is (the
 * k-th data-bound call of that step). */
typedef double (*forecast_size_fn)(void *ud, const char *step, size_t k, const struct report_move *m,
				   char *why, size_t n);

/* A step the forecast covers (the runbook as it is now); NULL list: the rehearsal's steps. */
struct forecast_want {
	const char *id, *title, *phase;
};

struct forecast_step {
	const char *id, *title, *phase;   /* borrowed */
	bool in_rehearsal, known;
	double rehearsal, forecast;       /* seconds; forecast as rehearsal when unknown */
	double data_then, data_now;       /* of those seconds, the data-bound calls' */
	double scale;                     /* bytes now / then of its data, 0 when none */
	char basis[240];                  /* "as measured", "data ×4.0 (mysql.dump 11.6 s)", why unknown */
};

struct forecast {
	struct forecast_step *steps;
	size_t nsteps;
	bool has_window, window_known;
	double window_rehearsal, window_forecast;
	json_t *sources;                  /* [{source, schemas, then, now, scale, error}] */
};

/* Builds f from the rehearsal r. 0, or -1 with *err when r has no step that ran. */
int forecast_build(const struct report *r, const struct forecast_want *want, size_t nwant,
		   forecast_size_fn size, void *ud, struct forecast *f, char **err);
void forecast_free(struct forecast *f);
/* The table a terminal shows, and the same as JSON (caller decrefs). */
void forecast_print(const struct forecast *f, const struct report *r, FILE *out);
json_t *forecast_json(const struct forecast *f, const struct report *r);
const struct forecast_step *forecast_find(const struct forecast *f, const char *id);
/* "forecast 00:03:40 ?", "-" when the step has none, into buf. */
void forecast_cell(const struct forecast_step *s, char *buf, size_t n);
/* "rehearsal X, forecast Y, live Z (live vs forecast +12 %)"; false without a window. */
bool forecast_window_text(const struct forecast *f, const struct report *live, char *buf, size_t n);
/* A size function for report --compare: the live session's own moves (the same step's
 * call, same op, in the same order) give "now". ud is the live report. */
double forecast_size_from(void *live_report, const char *step, size_t k, const struct report_move *m,
			  char *why, size_t n);
#endif
