/* Session report model: one pass of journal_scan folds the events into steps,
 * confirmations, failures and chart series. */
#include "config.h"
#include "review/report.h"
#include "core/util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A 3-hour dump logs progress four times a second: a chart needs far fewer points. */
#define MAX_POINTS 400

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s ? s : "");
}

static struct report_step *find_step(struct report *r, const char *id, bool add)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].id, id) == 0)
			return &r->steps[i];
	if (!add)
		return NULL;
	r->steps = xrealloc(r->steps, (r->nsteps + 1) * sizeof *r->steps);
	struct report_step *s = &r->steps[r->nsteps++];
	memset(s, 0, sizeof *s);
	s->id = xstrdup(id);
	s->title = xstrdup("");
	s->phase = xstrdup("");
	s->status = xstrdup("not run");
	return s;
}

static void on_session(struct report *r, json_t *d)
{
	json_t *rb = json_object_get(d, "runbook");
	set_str(&r->session, str(d, "session"));
	set_str(&r->title, str(rb, "title"));
	set_str(&r->runbook_id, str(rb, "id"));
	set_str(&r->runbook_path, str(rb, "path"));
	set_str(&r->runbook_sha256, str(rb, "sha256"));
	set_str(&r->operator_name, str(d, "operator"));
	set_str(&r->host, str(d, "host"));
	set_str(&r->version, str(d, "version"));
	r->dry_run = json_is_true(json_object_get(d, "dry_run"));
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(d, "steps"), i, st) {
		struct report_step *s = find_step(r, str(st, "id"), true);
		set_str(&s->title, str(st, "title"));
		set_str(&s->phase, str(st, "phase"));
		s->critical = json_is_true(json_object_get(st, "critical"));
	}
}

static struct report_series *find_series(struct report *r, const char *step, const char *name, bool gauge)
{
	for (size_t i = 0; i < r->nseries; i++) {
		struct report_series *s = &r->series[i];
		if (s->gauge == gauge && strcmp(s->step, step) == 0 && strcmp(s->name, name) == 0)
			return s;
	}
	r->series = xrealloc(r->series, (r->nseries + 1) * sizeof *r->series);
	struct report_series *s = &r->series[r->nseries++];
	memset(s, 0, sizeof *s);
	s->step = xstrdup(step);
	s->name = xstrdup(name);
	s->unit = xstrdup("");
	s->gauge = gauge;
	return s;
}

/* Keeps at most MAX_POINTS: when full, every other point goes (the shape stays). */
static void add_point(struct report_series *s, double t, double v)
{
	if (s->n == MAX_POINTS) {
		size_t k = 0;
		for (size_t i = 0; i < s->n; i += 2)
			s->pts[k++] = s->pts[i];
		s->n = k;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->pts = xrealloc(s->pts, s->cap * sizeof *s->pts);
	}
	s->pts[s->n++] = (struct report_point){t, v};
}

static struct report_confirm *find_confirm(struct report *r, long id, struct report_step **owner)
{
	for (size_t i = 0; i < r->nsteps; i++)
		for (size_t k = 0; k < r->steps[i].nconfirms; k++)
			if (r->steps[i].confirms[k].id == id) {
				*owner = &r->steps[i];
				return &r->steps[i].confirms[k];
			}
	return NULL;
}

static void on_step_end(struct report_step *s, const struct event *ev)
{
	json_t *d = ev->data;
	const char *state = str(d, "state");
	set_str(&s->status, state);
	s->ended = true;
	s->end = ev->ts;
	if (!s->started)
		s->start = ev->ts; /* skipped before it ever ran */
	s->secs = s->end - s->start;
	int attempt = (int)json_integer_value(json_object_get(d, "attempt"));
	if (attempt > s->attempts)
		s->attempts = attempt;
	if (strcmp(state, "skipped") == 0)
		set_str(&s->reason, str(d, "reason"));
	if (strcmp(state, "failed") == 0 || strcmp(state, "interrupted") == 0) {
		const char *e = json_string_value(json_object_get(d, "error"));
		if (!e)
			e = json_string_value(json_object_get(d, "reason"));
		set_str(&s->error, e ? e : state);
		s->failures = xrealloc(s->failures, (s->nfailures + 1) * sizeof *s->failures);
		s->failures[s->nfailures++] = (struct report_failure){ev->ts, attempt, xstrdup(s->error)};
	}
}

static int fold(void *arg, const struct journal_event *je)
{
	struct report *r = arg;
	const struct event *ev = &je->ev;
	json_t *d = ev->data;
	if (r->start == 0)
		r->start = ev->ts;
	r->end = ev->ts;
	struct report_step *s = find_step(r, ev->step, ev->step != NULL);
	switch (ev->type) {
	case EV_SESSION:
		if (!r->session)
			on_session(r, d);
		break;
	case EV_RESUME:
		r->resumes++;
		r->ended = false;
		break;
	case EV_LOG:
		if (!ev->step && strcmp(str(d, "level"), "warn") == 0) {
			r->warnings = xrealloc(r->warnings, (r->nwarnings + 1) * sizeof *r->warnings);
			r->warnings[r->nwarnings++] = xstrdup(str(d, "text"));
		}
		break;
	case EV_STEP_START: {
		int attempt = (int)json_integer_value(json_object_get(d, "attempt"));
		if (!s->started) {
			s->started = true;
			s->start = ev->ts;
		}
		if (attempt > s->attempts)
			s->attempts = attempt;
		if (!*s->title)
			set_str(&s->title, str(d, "title"));
		if (!s->ended)
			set_str(&s->status, "running");
		break;
	}
	case EV_STEP_END:
		on_step_end(s, ev);
		break;
	case EV_PROMPT: {
		struct report_step *owner = s;
		if (!owner)
			break;
		owner->confirms = xrealloc(owner->confirms, (owner->nconfirms + 1) * sizeof *owner->confirms);
		struct report_confirm *c = &owner->confirms[owner->nconfirms++];
		memset(c, 0, sizeof *c);
		c->id = (long)json_integer_value(json_object_get(d, "id"));
		c->kind = xstrdup(str(d, "kind"));
		c->text = xstrdup(str(d, "text"));
		c->asked = ev->ts;
		break;
	}
	case EV_ANSWER: {
		struct report_step *owner;
		struct report_confirm *c = find_confirm(r, (long)json_integer_value(json_object_get(d, "id")), &owner);
		if (!c)
			break;
		c->answered = true;
		c->ok = json_is_true(json_object_get(d, "ok"));
		c->answer = dup_or_null(json_string_value(json_object_get(d, "answer")));
		c->operator_name = xstrdup(str(d, "operator"));
		c->source = xstrdup(str(d, "source"));
		c->at = ev->ts;
		break;
	}
	case EV_PROGRESS: {
		double total = json_number_value(json_object_get(d, "total"));
		if (total <= 0)
			break;
		struct report_series *se = find_series(r, ev->step ? ev->step : "", str(d, "label"), false);
		if (json_is_true(json_object_get(d, "limit"))) { /* a wait: the time waited, not % of its limit */
			set_str(&se->unit, "s");
			add_point(se, ev->ts, json_number_value(json_object_get(d, "done")));
			break;
		}
		set_str(&se->unit, "%");
		add_point(se, ev->ts, 100.0 * json_number_value(json_object_get(d, "done")) / total);
		break;
	}
	case EV_CALL: {
		json_t *data = json_object_get(d, "data");
		if (!s || !json_is_object(data) || !json_is_true(json_object_get(d, "ok")))
			break;
		s->moves = xrealloc(s->moves, (s->nmoves + 1) * sizeof *s->moves);
		struct report_move *m = &s->moves[s->nmoves++];
		memset(m, 0, sizeof *m);
		m->module = xstrdup(str(d, "module"));
		m->op = xstrdup(str(d, "op"));
		m->dir = xstrdup(str(d, "detail"));
		m->source = xstrdup(str(data, "source"));
		m->secs = json_number_value(json_object_get(d, "secs"));
		m->bytes = json_number_value(json_object_get(data, "bytes"));
		m->at = ev->ts;
		m->phases = json_is_object(json_object_get(data, "phases")) ? json_incref(json_object_get(data, "phases")) : NULL;
		json_t *names = json_object_get(data, "schemas");
		m->schemas = xcalloc(json_array_size(names) + 1, sizeof *m->schemas);
		for (size_t k = 0; k < json_array_size(names); k++)
			m->schemas[k] = xstrdup(json_string_value(json_array_get(names, k)) ?
						json_string_value(json_array_get(names, k)) : "");
		break;
	}
	case EV_GAUGE: {
		struct report_series *se = find_series(r, ev->step ? ev->step : "", str(d, "name"), true);
		set_str(&se->unit, str(d, "unit"));
		add_point(se, ev->ts, json_number_value(json_object_get(d, "value")));
		break;
	}
	case EV_END:
		r->ended = true;
		set_str(&r->end_status, str(d, "status"));
		r->exit_code = (int)json_integer_value(json_object_get(d, "exit_code"));
		break;
	default:
		break;
	}
	return 0;
}

int report_load(const char *path, struct report *r, char **err)
{
	memset(r, 0, sizeof *r);
	r->path = xstrdup(path);
	journal_scan(path, fold, r, &r->scan);
	if (r->scan.problem == JOURNAL_IOERR) {
		*err = xstrdup(r->scan.message);
		report_free(r);
		return -1;
	}
	if (!r->session)
		on_session(r, NULL);
	return 0;
}

void report_free(struct report *r)
{
	free(r->path);
	free(r->session);
	free(r->title);
	free(r->runbook_id);
	free(r->runbook_path);
	free(r->runbook_sha256);
	free(r->operator_name);
	free(r->host);
	free(r->version);
	free(r->end_status);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	for (size_t i = 0; i < r->nsteps; i++) {
		struct report_step *s = &r->steps[i];
		free(s->id);
		free(s->title);
		free(s->phase);
		free(s->status);
		free(s->reason);
		free(s->error);
		for (size_t k = 0; k < s->nconfirms; k++) {
			free(s->confirms[k].kind);
			free(s->confirms[k].text);
			free(s->confirms[k].answer);
			free(s->confirms[k].operator_name);
			free(s->confirms[k].source);
		}
		free(s->confirms);
		for (size_t k = 0; k < s->nfailures; k++)
			free(s->failures[k].error);
		free(s->failures);
		for (size_t k = 0; k < s->nmoves; k++) {
			struct report_move *m = &s->moves[k];
			free(m->module);
			free(m->op);
			free(m->source);
			free(m->dir);
			json_decref(m->phases);
			for (size_t q = 0; m->schemas && m->schemas[q]; q++)
				free(m->schemas[q]);
			free(m->schemas);
		}
		free(s->moves);
	}
	free(r->steps);
	for (size_t i = 0; i < r->nseries; i++) {
		free(r->series[i].step);
		free(r->series[i].name);
		free(r->series[i].unit);
		free(r->series[i].pts);
	}
	free(r->series);
	memset(r, 0, sizeof *r);
}

bool report_intact(const struct report *r)
{
	return r->scan.problem == JOURNAL_OK || r->scan.problem == JOURNAL_TORN;
}

void report_integrity(const struct report *r, char *buf, size_t n)
{
	switch (r->scan.problem) {
	case JOURNAL_OK:
		snprintf(buf, n, "verify-log passed: hash chain intact (%ld events)", r->scan.lines);
		break;
	case JOURNAL_TORN:
		snprintf(buf, n, "verify-log passed: hash chain intact up to line %ld; the last line is torn (a crash, not tampering)",
			 r->scan.lines);
		break;
	default:
		snprintf(buf, n, "verify-log FAILED: the journal was TAMPERED WITH: %s. This report covers only the %ld lines before it",
			 r->scan.message, r->scan.lines);
		break;
	}
}

bool report_downtime(const struct report *r, double *from, double *to)
{
	bool any = false;
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct report_step *s = &r->steps[i];
		if (strcasecmp(s->phase, "maintenance") != 0 || !(s->started || s->ended))
			continue;
		double end = s->ended ? s->end : r->end; /* still running at the end of the journal */
		if (!any || s->start < *from)
			*from = s->start;
		if (!any || end > *to)
			*to = end;
		any = true;
	}
	return any;
}

size_t report_compare(const struct report *a, const struct report *b, struct report_pair **out)
{
	struct report_pair *p = xcalloc(a->nsteps + b->nsteps + 1, sizeof *p);
	size_t n = 0;
	for (size_t i = 0; i < b->nsteps; i++) {
		const struct report_step *live = &b->steps[i];
		const struct report_step *reh = NULL;
		for (size_t k = 0; k < a->nsteps; k++)
			if (strcmp(a->steps[k].id, live->id) == 0)
				reh = &a->steps[k];
		p[n] = (struct report_pair){live->id, live->title, reh, live, false};
		if (reh && reh->ended && live->ended)
			p[n].slower = live->secs > REPORT_SLOW_RATIO * reh->secs && live->secs - reh->secs > REPORT_SLOW_SECS;
		n++;
	}
	for (size_t k = 0; k < a->nsteps; k++) {
		bool seen = false;
		for (size_t i = 0; i < b->nsteps && !seen; i++)
			seen = strcmp(a->steps[k].id, b->steps[i].id) == 0;
		if (!seen)
			p[n++] = (struct report_pair){a->steps[k].id, a->steps[k].title, &a->steps[k], NULL, false};
	}
	*out = p;
	return n;
}

void report_format_time(double t, char *buf, size_t n)
{
	char iso[40];
	format_iso_time(t, iso, sizeof iso);
	/* 2026-11-24T10:02:00.123Z -> 2026-11-24 10:02:00Z: seconds are enough on paper */
	snprintf(buf, n, "%.10s %.8sZ", iso, iso + 11);
}

void report_format_secs(double secs, char *buf, size_t n)
{
	if (secs < 60)
		snprintf(buf, n, "%.1f s", secs);
	else
		format_duration(secs, buf, n);
}

void report_downtime_text(const struct report *r, char *buf, size_t n)
{
	double from, to;
	if (!report_downtime(r, &from, &to)) {
		snprintf(buf, n, "no Maintenance phase");
		return;
	}
	char a[64], b[64], d[64];
	report_format_time(from, a, sizeof a);
	report_format_time(to, b, sizeof b);
	report_format_secs(to - from, d, sizeof d);
	snprintf(buf, n, "%s \xE2\x86\x92 %s (%s)", a, b, d);
}

void report_summary(const struct report *r, report_kv_fn kv, FILE *f)
{
	char a[64], b[64], buf[256];
	kv(f, "Session", r->session, false);
	kv(f, "Journal", r->path, false);
	kv(f, "Runbook", r->runbook_path, false);
	kv(f, "Runbook sha256", r->runbook_sha256, true);
	kv(f, "Operator", r->operator_name, false);
	kv(f, "Host", r->host, false);
	kv(f, "tejun", r->version, false);
	if (r->dry_run)
		kv(f, "Mode", "DRY RUN: nothing was changed", false);
	report_format_time(r->start, a, sizeof a);
	kv(f, "Start", a, false);
	report_format_time(r->end, b, sizeof b);
	snprintf(buf, sizeof buf, "%s (%s, exit %d)", b, r->ended ? r->end_status : "no end event: interrupted or still running",
		 r->exit_code);
	kv(f, "End", buf, false);
	report_format_secs(r->end - r->start, a, sizeof a);
	kv(f, "Duration", a, false);
	report_downtime_text(r, buf, sizeof buf);
	kv(f, "Downtime window", buf, false);
	if (r->resumes) {
		snprintf(buf, sizeof buf, "%ld time(s)", r->resumes);
		kv(f, "Resumed", buf, false);
	}
	for (size_t i = 0; i < r->nwarnings; i++)
		kv(f, "Warning", r->warnings[i], false);
}
