/* Forecast from a rehearsal: data-bound time scaled by the data's growth, the rest as measured. */
#include "config.h"
#include "review/forecast.h"
#include "core/util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct report_step *rehearsal_step(const struct report *r, const char *id)
{
	for (size_t i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].id, id) == 0)
			return &r->steps[i];
	return NULL;
}

static char *source_key(const struct report_move *m)
{
	struct sbuf b;
	sbuf_init(&b);
	for (size_t i = 0; m->schemas && m->schemas[i]; i++)
		sbuf_addf(&b, "%s%s", i ? "," : "", m->schemas[i]);
	const char *src = m->source ? m->source : "";
	size_t n = strlen(src);
	sbuf_addf(&b, " on %.*s", (int)(n && src[n - 1] == '/' ? n - 1 : n), src);
	return sbuf_steal(&b);
}

/* The size now of m's data, measured once per source and schemas; the row in f->sources. */
static json_t *measure(struct forecast *f, const char *step, size_t k, const struct report_move *m,
		       forecast_size_fn size, void *ud)
{
	char *key = source_key(m);
	json_t *row;
	size_t i;
	json_array_foreach(f->sources, i, row)
		if (strcmp(json_string_value(json_object_get(row, "key")), key) == 0) {
			free(key);
			return row;
		}
	char why[200] = "";
	double now = size ? size(ud, step, k, m, why, sizeof why) : -1;
	json_t *names = json_array();
	for (size_t q = 0; m->schemas && m->schemas[q]; q++)
		json_array_append_new(names, json_string(m->schemas[q]));
	row = json_pack("{s:s,s:s,s:o,s:f}", "key", key, "source", m->source ? m->source : "", "schemas", names,
			"then", m->bytes);
	if (now >= 0 && m->bytes > 0) {
		json_object_set_new(row, "now", json_real(now));
		json_object_set_new(row, "scale", json_real(now / m->bytes));
	} else {
		json_object_set_new(row, "error", json_string(why[0] ? why : m->bytes > 0 ? "not measured"
							      : "no size was recorded then"));
	}
	json_array_append_new(f->sources, row);
	free(key);
	return row;
}

/* Of a call's time, the part its data took: the phases that move rows (the connecting,
 * snapshot, schema, checks and post objects around them do not grow with the data); for a
 * journal without phase times, from its bar's first movement to its end; else all of it. */
static double data_secs(const struct report *r, const struct report_step *s, const struct report_move *m)
{
	static const char *const data_phases[] = {"data", "sync", "building indexes", NULL};
	if (m->phases) {
		double d = 0;
		for (const char *const *p = data_phases; *p; p++)
			d += json_number_value(json_object_get(m->phases, *p));
		if (d > 0)
			return d < m->secs ? d : m->secs;
	}
	for (size_t i = 0; i < r->nseries; i++) {
		const struct report_series *se = &r->series[i];
		if (se->gauge || strcmp(se->step, s->id) != 0 || strcmp(se->name, m->op) != 0)
			continue;
		double from = -1, to = -1;
		for (size_t k = 0; k < se->n; k++) {
			const struct report_point *p = &se->pts[k];
			if (p->t < m->at - m->secs - 0.5 || p->t > m->at + 0.5)
				continue;
			if (from < 0 && p->v > 0)
				from = p->t;
			to = p->t;
		}
		/* the first movement was seen up to a poll (0.5 s) after it began */
		if (from >= 0 && to > from)
			return to - from + 0.25 < m->secs ? to - from + 0.25 : m->secs;
	}
	return m->secs;
}

static void fill_step(struct forecast *f, const struct report *r, struct forecast_step *fs,
		      const struct report_step *s, forecast_size_fn size, void *ud)
{
	fs->in_rehearsal = s && s->started && s->ended;
	if (!fs->in_rehearsal) {
		fs->known = false;
		snprintf(fs->basis, sizeof fs->basis, "%s", s && s->started ? "did not end in the rehearsal"
			 : "not run in the rehearsal");
		return;
	}
	fs->rehearsal = fs->forecast = s->secs;
	fs->known = true;
	struct sbuf b;
	sbuf_init(&b);
	double then = 0, now = 0, bytes_then = 0, bytes_now = 0;
	for (size_t k = 0; k < s->nmoves; k++) {
		const struct report_move *m = &s->moves[k];
		json_t *row = measure(f, s->id, k, m, size, ud);
		json_t *scale = json_object_get(row, "scale");
		double d = data_secs(r, s, m);
		then += d;
		if (!scale) {
			fs->known = false;
			now += d;
			sbuf_addf(&b, "%s%s.%s: %s", b.len ? "; " : "", m->module, m->op,
				  json_string_value(json_object_get(row, "error")));
			continue;
		}
		double x = json_number_value(scale);
		now += d * x;
		bytes_then += m->bytes;
		bytes_now += m->bytes * x;
		sbuf_addf(&b, "%s%s.%s %.1f s, of which data %.1f s \xC3\x97%.2f", b.len ? "; " : "", m->module, m->op,
			  m->secs, d, x);
	}
	fs->data_then = then;
	fs->data_now = now;
	fs->scale = bytes_then > 0 ? bytes_now / bytes_then : 0;
	/* the step's time but its calls' data-bound part as measured (prompts, waits, the calls'
	 * connecting and post work), that part scaled */
	double rest = s->secs - then;
	fs->forecast = (rest > 0 ? rest : 0) + now;
	if (!s->nmoves)
		sbuf_adds(&b, s->nconfirms ? "as measured (prompts included)" : "as measured");
	else if (!fs->known)
		sbuf_adds(&b, "; unknown: counted as in the rehearsal");
	snprintf(fs->basis, sizeof fs->basis, "%s", b.data ? b.data : "");
	sbuf_free(&b);
}

int forecast_build(const struct report *r, const struct forecast_want *want, size_t nwant,
		   forecast_size_fn size, void *ud, struct forecast *f, char **err)
{
	memset(f, 0, sizeof *f);
	f->sources = json_array();
	size_t n = want ? nwant : r->nsteps;
	f->steps = xcalloc(n + 1, sizeof *f->steps);
	bool ran = false;
	for (size_t i = 0; i < n; i++) {
		struct forecast_step *fs = &f->steps[f->nsteps++];
		const char *id = want ? want[i].id : r->steps[i].id;
		const struct report_step *s = rehearsal_step(r, id);
		fs->id = id;
		fs->title = want ? want[i].title : s->title;
		fs->phase = want ? want[i].phase : s->phase;
		fill_step(f, r, fs, s, size, ud);
		ran = ran || fs->in_rehearsal;
	}
	if (!ran) {
		*err = xasprintf("%s: no step ran to its end in that session: nothing to forecast from", r->path);
		forecast_free(f);
		return -1;
	}
	double from, to;
	if (report_downtime(r, &from, &to)) {
		f->has_window = f->window_known = true;
		f->window_rehearsal = f->window_forecast = to - from;
		/* the window moves by what its steps' data-bound calls move; a step of the phase
		 * that did not run then is unknown */
		for (size_t i = 0; i < f->nsteps; i++) {
			const struct forecast_step *fs = &f->steps[i];
			if (!fs->phase || strcasecmp(fs->phase, "maintenance") != 0)
				continue;
			f->window_forecast += fs->forecast - fs->rehearsal;
			if (!fs->known)
				f->window_known = false;
		}
	}
	return 0;
}

void forecast_free(struct forecast *f)
{
	free(f->steps);
	json_decref(f->sources);
	memset(f, 0, sizeof *f);
}

static void secs_cell(double s, bool known, char *buf, size_t n)
{
	char t[32];
	report_format_secs(s, t, sizeof t);
	snprintf(buf, n, "%s%s", t, known ? "" : " ?");
}

void forecast_print(const struct forecast *f, const struct report *r, FILE *out)
{
	char when[40];
	report_format_time(r->start, when, sizeof when);
	fprintf(out, "forecast from the rehearsal %s (%s, %s)\n", r->session, when, r->runbook_id);
	size_t i;
	json_t *row;
	json_array_foreach(f->sources, i, row) {
		json_t *scale = json_object_get(row, "scale");
		char then[32], now[32];
		format_bytes(json_number_value(json_object_get(row, "then")), then, sizeof then);
		if (scale) {
			format_bytes(json_number_value(json_object_get(row, "now")), now, sizeof now);
			fprintf(out, "  data %s: %s now, %s then (\xC3\x97%.2f)\n",
				json_string_value(json_object_get(row, "key")), now, then, json_number_value(scale));
		} else {
			fprintf(out, "  data %s: %s then; now unknown: %s\n", json_string_value(json_object_get(row, "key")),
				then, json_string_value(json_object_get(row, "error")));
		}
	}
	fprintf(out, "\n%-4s %-22s %12s %12s  %s\n", "", "step", "rehearsal", "forecast", "basis");
	const char *phase = NULL;
	double ph_r = 0, ph_f = 0;
	bool ph_known = true;
	for (size_t k = 0; k <= f->nsteps; k++) {
		const struct forecast_step *s = k < f->nsteps ? &f->steps[k] : NULL;
		bool new_phase = !s || !phase || (s->phase && strcmp(s->phase, phase) != 0);
		if (new_phase && phase) {
			char a[40], b[40];
			secs_cell(ph_r, true, a, sizeof a);
			secs_cell(ph_f, ph_known, b, sizeof b);
			fprintf(out, "%-4s %-22s %12s %12s\n", "", "phase total", a, b);
		}
		if (!s)
			break;
		if (new_phase) {
			phase = s->phase ? s->phase : "";
			fprintf(out, "== %s ==\n", phase);
			ph_r = ph_f = 0;
			ph_known = true;
		}
		char a[40], b[40];
		if (s->in_rehearsal)
			secs_cell(s->rehearsal, true, a, sizeof a);
		else
			snprintf(a, sizeof a, "-");
		if (s->in_rehearsal)
			secs_cell(s->forecast, s->known, b, sizeof b);
		else
			snprintf(b, sizeof b, "?");
		fprintf(out, "%3zu. %-22.22s %12s %12s  %s\n", k + 1, s->id, a, b, s->basis);
		ph_r += s->rehearsal;
		ph_f += s->forecast;
		ph_known = ph_known && s->known;
	}
	if (f->has_window) {
		char a[40], b[40];
		secs_cell(f->window_rehearsal, true, a, sizeof a);
		secs_cell(f->window_forecast, f->window_known, b, sizeof b);
		fprintf(out, "\ndowntime (Maintenance, first start to last end): %s in the rehearsal, forecast %s%s\n", a, b,
			f->window_known ? "" : " (a step of it is unknown: '?')");
	} else {
		fprintf(out, "\nno Maintenance phase ran in the rehearsal: no downtime to forecast\n");
	}
}

json_t *forecast_json(const struct forecast *f, const struct report *r)
{
	json_t *steps = json_array();
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct forecast_step *s = &f->steps[i];
		json_t *o = json_pack("{s:s,s:s?,s:s?,s:b,s:b,s:s}", "id", s->id, "title", s->title, "phase", s->phase,
				      "in_rehearsal", s->in_rehearsal, "known", s->known, "basis", s->basis);
		if (s->in_rehearsal) {
			json_object_set_new(o, "rehearsal_secs", json_real(s->rehearsal));
			json_object_set_new(o, "forecast_secs", json_real(s->forecast));
			json_object_set_new(o, "data_secs_then", json_real(s->data_then));
			json_object_set_new(o, "data_secs_now", json_real(s->data_now));
			if (s->scale > 0)
				json_object_set_new(o, "scale", json_real(s->scale));
		}
		json_array_append_new(steps, o);
	}
	json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:O}", "rehearsal", r->session, "journal", r->path, "runbook",
			      r->runbook_id, "steps", steps, "sources", f->sources);
	if (f->has_window)
		json_object_set_new(o, "downtime", json_pack("{s:f,s:f,s:b}", "rehearsal_secs", f->window_rehearsal,
							     "forecast_secs", f->window_forecast, "known",
							     f->window_known));
	return o;
}

double forecast_size_from(void *live_report, const char *step, size_t k, const struct report_move *m,
			  char *why, size_t n)
{
	const struct report *live = live_report;
	const struct report_step *s = rehearsal_step(live, step);
	if (!s || k >= s->nmoves) {
		snprintf(why, n, "the live run made no such call");
		return -1;
	}
	const struct report_move *l = &s->moves[k];
	if (strcmp(l->op, m->op) != 0) {
		snprintf(why, n, "the live run's call was %s, not %s", l->op, m->op);
		return -1;
	}
	return l->bytes;
}

const struct forecast_step *forecast_find(const struct forecast *f, const char *id)
{
	for (size_t i = 0; i < f->nsteps; i++)
		if (strcmp(f->steps[i].id, id) == 0)
			return &f->steps[i];
	return NULL;
}

void forecast_cell(const struct forecast_step *s, char *buf, size_t n)
{
	if (!s || !s->in_rehearsal)
		snprintf(buf, n, "-");
	else
		secs_cell(s->forecast, s->known, buf, n);
}

bool forecast_window_text(const struct forecast *f, const struct report *live, char *buf, size_t n)
{
	double from, to;
	if (!f->has_window)
		return false;
	char a[40], b[40], c[40];
	secs_cell(f->window_rehearsal, true, a, sizeof a);
	secs_cell(f->window_forecast, f->window_known, b, sizeof b);
	if (!report_downtime(live, &from, &to)) {
		snprintf(buf, n, "rehearsal %s, forecast %s; the live run had no Maintenance phase", a, b);
		return true;
	}
	secs_cell(to - from, true, c, sizeof c);
	double err = f->window_forecast > 0 ? ((to - from) / f->window_forecast - 1) * 100 : 0;
	snprintf(buf, n, "rehearsal %s, forecast %s, live %s (live %+.0f %% of the forecast)", a, b, c, err);
	return true;
}
