/* The TUI model: folds the event stream into steps, logs, progress, gauges and prompts. */
#include "config.h"
#include "ui/tui_model.h"
#include "ui/tui_text.h"
#include "core/util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *wire, *mark, *label;
} states[] = {
#define X(name, wire, mark, label) {wire, mark, label},
	TUI_STATES(X)
#undef X
};

const char *tui_state_mark(enum tui_state s)
{
	return (unsigned)s < TUI__NSTATES ? states[s].mark : "?";
}

const char *tui_state_label(enum tui_state s)
{
	return (unsigned)s < TUI__NSTATES ? states[s].label : "?";
}

int tui_state_from_name(const char *wire)
{
	for (int i = 0; wire && i < TUI__NSTATES; i++)
		if (strcmp(states[i].wire, wire) == 0)
			return i;
	return -1;
}

/* ---- logs ---- */

const struct tui_line *tui_log_line(const struct tui_log *l, long abs)
{
	long i = abs - l->dropped;
	return i >= 0 && (size_t)i < l->n ? &l->lines[i] : NULL;
}

long tui_log_end(const struct tui_log *l)
{
	return l->dropped + (long)l->n;
}

static void log_push(struct tui_log *l, double ts, enum tui_level level, char *text)
{
	if (l->n == TUI_LOG_MAX) {
		/* drop a quarter at once so a chatty step costs amortised O(1) per line */
		size_t k = TUI_LOG_MAX / 4;
		for (size_t i = 0; i < k; i++)
			free(l->lines[i].text);
		memmove(l->lines, l->lines + k, (l->n - k) * sizeof *l->lines);
		l->n -= k;
		l->dropped += (long)k;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->lines = xrealloc(l->lines, l->cap * sizeof *l->lines);
	}
	l->lines[l->n++] = (struct tui_line){ts, level, tui_text_width(text), text};
}

void tui_model_log_add(struct tui_log *l, double ts, enum tui_level level, const char *text)
{
	if (!text)
		return;
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		/* a trailing newline does not make an empty line */
		if (n || nl || p == text)
			log_push(l, ts, level, tui_text_sanitize(p, n));
		if (!nl || !nl[1])
			break;
		p = nl + 1;
	}
}

static void log_free(struct tui_log *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->lines[i].text);
	free(l->lines);
	memset(l, 0, sizeof *l);
}

/* ---- progress ---- */

void tui_progress_add(struct tui_progress *p, double ts, double done, double total)
{
	if (!p->win.n || done < p->done) { /* the first, or a count that went back: start again */
		ratewin_reset(&p->win, TUI_RATE_WINDOW);
		p->first_ts = ts;
		p->first_done = done;
	}
	ratewin_add(&p->win, ts, done, 0);
	p->done = done;
	p->total = total;
	p->last_ts = ts;
	p->eta = -1;
}

double tui_progress_rate(const struct tui_progress *p)
{
	if (p->win.n < 2)
		return 0;
	if (p->total > 0 && p->done >= p->total && p->last_ts - p->first_ts > 0)
		return (p->done - p->first_done) / (p->last_ts - p->first_ts);
	return ratewin_rate(&p->win, 0);
}

double tui_progress_eta(const struct tui_progress *p)
{
	if (p->total <= 0 || p->done >= p->total)
		return -1;
	if (p->eta >= 0)
		return p->eta;
	double r = tui_progress_rate(p);
	if (r <= 0)
		return -1;
	return (p->total - p->done) / r;
}

/* ---- gauges ---- */

void tui_gauge_add(struct tui_gauge *g, double value)
{
	g->value = value;
	if (g->nh == TUI_GAUGE_HISTORY) {
		g->head = (g->head + 1) % TUI_GAUGE_HISTORY;
		g->nh--;
	}
	g->hist[(g->head + g->nh) % TUI_GAUGE_HISTORY] = value;
	g->nh++;
}

wchar_t tui_spark_char(double v, double lo, double hi)
{
	static const wchar_t bars[] = L"\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588";
	if (!(hi > lo) || !isfinite(v))
		return bars[0];
	double f = (v - lo) / (hi - lo);
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	return bars[(int)lround(f * 7)];
}

size_t tui_gauge_sparkline(const struct tui_gauge *g, size_t width, wchar_t *out)
{
	size_t n = (size_t)g->nh < width ? (size_t)g->nh : width;
	size_t start = (size_t)g->nh - n;
	double lo = 0, hi = 0;
	for (int i = 0; i < g->nh; i++) {
		double v = g->hist[(g->head + i) % TUI_GAUGE_HISTORY];
		if (i == 0 || v > hi)
			hi = v;
		if (v < lo)
			lo = v;
	}
	if (g->has_max && g->max > lo)
		hi = g->max;
	for (size_t i = 0; i < n; i++)
		out[i] = tui_spark_char(g->hist[(g->head + start + i) % TUI_GAUGE_HISTORY], lo, hi);
	out[n] = 0;
	return n;
}

/* ---- the model ---- */

struct tui_model *tui_model_new(void)
{
	struct tui_model *m = xcalloc(1, sizeof *m);
	m->current = -1;
	return m;
}

static void step_free(struct tui_step *s)
{
	free(s->id);
	free(s->title);
	free(s->phase);
	free(s->confirm);
	free(s->error);
	free(s->reason);
	log_free(&s->log);
	for (size_t i = 0; i < s->nprog; i++) {
		free(s->prog[i].label);
		free(s->prog[i].unit);
	}
	free(s->prog);
	for (size_t i = 0; i < s->ngauges; i++) {
		free(s->gauges[i].name);
		free(s->gauges[i].unit);
	}
	free(s->gauges);
}

static void prompt_free(struct tui_prompt *p)
{
	free(p->text);
	free(p->word);
	free(p->deflt);
}

void tui_model_reset(struct tui_model *m)
{
	free(m->session);
	free(m->title);
	free(m->runbook_id);
	free(m->runbook_path);
	free(m->operator);
	free(m->host);
	free(m->version);
	for (size_t i = 0; i < m->nphases; i++)
		free(m->phases[i]);
	free(m->phases);
	free(m->phase);
	for (size_t i = 0; i < m->nsteps; i++)
		step_free(&m->steps[i]);
	free(m->steps);
	log_free(&m->log);
	for (size_t i = 0; i < m->ngauges; i++) {
		free(m->gauges[i].name);
		free(m->gauges[i].unit);
	}
	free(m->gauges);
	for (size_t i = 0; i < m->nprompts; i++)
		prompt_free(&m->prompts[i]);
	free(m->prompts);
	free(m->end_status);
	memset(m, 0, sizeof *m);
	m->current = -1;
}

void tui_model_free(struct tui_model *m)
{
	if (!m)
		return;
	tui_model_reset(m);
	free(m);
}

static char *dup_str(json_t *data, const char *key)
{
	const char *s = json_string_value(json_object_get(data, key));
	return s ? xstrdup(s) : NULL;
}

static const char *get_str(json_t *data, const char *key)
{
	return json_string_value(json_object_get(data, key));
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

int tui_model_find(const struct tui_model *m, const char *step_id)
{
	if (!step_id)
		return -1;
	for (size_t i = 0; i < m->nsteps; i++)
		if (strcmp(m->steps[i].id, step_id) == 0)
			return (int)i;
	return -1;
}

static int add_step(struct tui_model *m, const char *id, const char *title)
{
	m->steps = xrealloc(m->steps, (m->nsteps + 1) * sizeof *m->steps);
	struct tui_step *s = &m->steps[m->nsteps];
	memset(s, 0, sizeof *s);
	s->id = xstrdup(id);
	s->title = xstrdup(title && *title ? title : id);
	s->state = TUI_PENDING;
	return (int)m->nsteps++;
}

/* The step an event names; a step missing from the header is added rather than lost. */
static int event_step(struct tui_model *m, const struct event *ev)
{
	int i = tui_model_find(m, ev->step);
	if (i < 0 && ev->step)
		i = add_step(m, ev->step, get_str(ev->data, "title"));
	return i;
}

struct tui_log *tui_model_log(struct tui_model *m, int step)
{
	return step >= 0 && (size_t)step < m->nsteps ? &m->steps[step].log : &m->log;
}

static void on_session(struct tui_model *m, const struct event *ev, int si)
{
	json_t *d = ev->data;
	if (m->has_session)
		tui_model_reset(m);
	m->has_session = true;
	m->t0 = ev->ts;
	m->session = dup_str(d, "session");
	m->operator = dup_str(d, "operator");
	m->host = dup_str(d, "host");
	m->version = dup_str(d, "version");
	m->dry_run = json_is_true(json_object_get(d, "dry_run"));
	json_t *rb = json_object_get(d, "runbook");
	m->title = dup_str(rb, "title");
	m->runbook_id = dup_str(rb, "id");
	m->runbook_path = dup_str(rb, "path");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(d, "phases"), i, v) {
		if (!json_is_string(v))
			continue;
		m->phases = xrealloc(m->phases, (m->nphases + 1) * sizeof *m->phases);
		m->phases[m->nphases++] = xstrdup(json_string_value(v));
	}
	json_array_foreach(json_object_get(d, "steps"), i, v) {
		const char *id = get_str(v, "id");
		if (!id || tui_model_find(m, id) >= 0)
			continue;
		int k = add_step(m, id, get_str(v, "title")); /* reallocates m->steps */
		struct tui_step *s = &m->steps[k];
		s->phase = dup_str(v, "phase");
		s->confirm = dup_str(v, "confirm");
		s->critical = json_is_true(json_object_get(v, "critical"));
		s->challenge = json_is_true(json_object_get(v, "challenge"));
		s->undo = json_is_true(json_object_get(v, "undo"));
	}
	(void)si;
}

static void on_resume(struct tui_model *m, const struct event *ev, int si)
{
	json_t *d = ev->data;
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b, "session resumed by %s", get_str(d, "operator") ? get_str(d, "operator") : "?");
	if (json_is_true(json_object_get(d, "force")))
		sbuf_adds(&b, " (runbook changed, --force)");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(d, "interrupted"), i, v) {
		int k = tui_model_find(m, json_string_value(v));
		if (k >= 0)
			m->steps[k].state = TUI_INTERRUPTED;
	}
	m->ended = false;
	tui_model_log_add(&m->log, ev->ts, TUI_NOTE, b.data);
	sbuf_free(&b);
	(void)si;
}

static void on_phase(struct tui_model *m, const struct event *ev, int si)
{
	set_str(&m->phase, get_str(ev->data, "name"));
}

static void on_step_start(struct tui_model *m, const struct event *ev, int si)
{
	if (si < 0)
		return;
	struct tui_step *s = &m->steps[si];
	json_int_t attempt = json_integer_value(json_object_get(ev->data, "attempt"));
	s->attempt = attempt > 0 ? (int)attempt : s->attempt + 1;
	s->state = TUI_RUNNING;
	s->started = true;
	s->ended = false;
	s->start_ts = ev->ts;
	free(s->error);
	s->error = NULL;
	/* a new attempt measures its own progress */
	for (size_t i = 0; i < s->nprog; i++) {
		free(s->prog[i].label);
		free(s->prog[i].unit);
	}
	s->nprog = 0;
	if (s->attempt > 1) {
		char buf[64];
		snprintf(buf, sizeof buf, "attempt %d", s->attempt);
		tui_model_log_add(&s->log, ev->ts, TUI_NOTE, buf);
	}
	m->current = si;
	if (s->phase)
		set_str(&m->phase, s->phase);
}

static void on_step_state(struct tui_model *m, const struct event *ev, int si)
{
	int st = tui_state_from_name(get_str(ev->data, "state"));
	if (si < 0 || st < 0)
		return;
	m->steps[si].state = st;
	const char *reason = get_str(ev->data, "reason");
	if (reason)
		set_str(&m->steps[si].reason, reason);
}

static void on_log(struct tui_model *m, const struct event *ev, int si)
{
	const char *lv = get_str(ev->data, "level");
	enum tui_level level = TUI_INFO;
	if (lv && strcmp(lv, "warn") == 0)
		level = TUI_WARN;
	else if (lv && strcmp(lv, "error") == 0)
		level = TUI_ERROR;
	tui_model_log_add(tui_model_log(m, si), ev->ts, level, get_str(ev->data, "text"));
	/* a session-level warning (an earlier session left unfinished) must be seen before the
	 * first step runs: it heads the first step's log too, which is what the screen opens on */
	if (si < 0 && level != TUI_INFO && m->nsteps > 0)
		tui_model_log_add(&m->steps[0].log, ev->ts, level, get_str(ev->data, "text"));
}

static void on_progress(struct tui_model *m, const struct event *ev, int si)
{
	if (si < 0)
		return;
	struct tui_step *s = &m->steps[si];
	const char *label = get_str(ev->data, "label");
	if (!label)
		label = "";
	size_t i;
	for (i = 0; i < s->nprog; i++)
		if (strcmp(s->prog[i].label, label) == 0)
			break;
	if (i == s->nprog) {
		s->prog = xrealloc(s->prog, (s->nprog + 1) * sizeof *s->prog);
		memset(&s->prog[i], 0, sizeof s->prog[i]);
		s->prog[i].label = xstrdup(label);
		s->nprog++;
	}
	struct tui_progress *p = &s->prog[i];
	const char *unit = get_str(ev->data, "unit");
	if (unit && (!p->unit || strcmp(p->unit, unit) != 0))
		set_str(&p->unit, unit);
	tui_progress_add(p, ev->ts, json_number_value(json_object_get(ev->data, "done")),
			 json_number_value(json_object_get(ev->data, "total")));
	p->limit = json_is_true(json_object_get(ev->data, "limit"));
	p->finished = p->limit && json_is_true(json_object_get(ev->data, "finished"));
	json_t *eta = json_object_get(ev->data, "eta");
	if (json_is_number(eta) && json_number_value(eta) >= 0)
		p->eta = json_number_value(eta);
}

static void on_gauge(struct tui_model *m, const struct event *ev, int si)
{
	const char *name = get_str(ev->data, "name");
	if (!name)
		return;
	struct tui_gauge **gs = si >= 0 ? &m->steps[si].gauges : &m->gauges;
	size_t *n = si >= 0 ? &m->steps[si].ngauges : &m->ngauges;
	size_t i;
	for (i = 0; i < *n; i++)
		if (strcmp((*gs)[i].name, name) == 0)
			break;
	if (i == *n) {
		*gs = xrealloc(*gs, (*n + 1) * sizeof **gs);
		memset(&(*gs)[i], 0, sizeof (*gs)[i]);
		(*gs)[i].name = xstrdup(name);
		(*n)++;
	}
	struct tui_gauge *g = &(*gs)[i];
	const char *unit = get_str(ev->data, "unit");
	if (unit && (!g->unit || strcmp(g->unit, unit) != 0))
		set_str(&g->unit, unit);
	json_t *max = json_object_get(ev->data, "max");
	g->has_max = json_is_number(max);
	g->max = json_number_value(max);
	tui_gauge_add(g, json_number_value(json_object_get(ev->data, "value")));
}

static const struct {
	const char *name;
	enum tui_prompt_kind kind;
} prompt_kinds[] = {
	{"confirm", TUI_CONFIRM}, {"challenge", TUI_CHALLENGE}, {"ask", TUI_ASK}, {"decision", TUI_DECISION},
};

static void on_prompt(struct tui_model *m, const struct event *ev, int si)
{
	json_t *d = ev->data;
	struct tui_prompt p = {.id = (long)json_integer_value(json_object_get(d, "id")), .step = si};
	const char *kind = get_str(d, "kind");
	for (size_t i = 0; kind && i < sizeof prompt_kinds / sizeof *prompt_kinds; i++)
		if (strcmp(kind, prompt_kinds[i].name) == 0)
			p.kind = prompt_kinds[i].kind;
	p.text = dup_str(d, "text");
	p.word = dup_str(d, "challenge");
	p.deflt = dup_str(d, "default");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(d, "options"), i, v) {
		if (!json_is_string(v) || p.noptions == 8)
			continue;
		snprintf(p.options[p.noptions++], sizeof p.options[0], "%s", json_string_value(v));
	}
	if (p.kind == TUI_DECISION && p.noptions == 0) {
		static const char *const def[] = {"retry", "skip", "abort"};
		for (int k = 0; k < 3; k++)
			snprintf(p.options[p.noptions++], sizeof p.options[0], "%s", def[k]);
	}
	m->prompts = xrealloc(m->prompts, (m->nprompts + 1) * sizeof *m->prompts);
	m->prompts[m->nprompts++] = p;
}

static void drop_prompts(struct tui_model *m, long id, int step)
{
	size_t k = 0;
	for (size_t i = 0; i < m->nprompts; i++) {
		struct tui_prompt *p = &m->prompts[i];
		if ((id >= 0 && p->id == id) || (step >= 0 && p->step == step) || (id < 0 && step < 0))
			prompt_free(p);
		else
			m->prompts[k++] = *p;
	}
	m->nprompts = k;
}

static void on_answer(struct tui_model *m, const struct event *ev, int si)
{
	json_t *d = ev->data;
	long id = (long)json_integer_value(json_object_get(d, "id"));
	const char *ans = get_str(d, "answer");
	const char *who = get_str(d, "operator");
	bool ok = json_is_true(json_object_get(d, "ok"));
	char buf[512];
	snprintf(buf, sizeof buf, "answer \"%s\"%s%s%s (%s)", ans ? ans : "", ok ? " \xE2\x9C\x93" : "",
		 who ? " by " : "", who ? who : "", get_str(d, "source") ? get_str(d, "source") : "?");
	tui_model_log_add(tui_model_log(m, si), ev->ts, TUI_NOTE, buf);
	drop_prompts(m, id, -1);
}

static void on_call(struct tui_model *m, const struct event *ev, int si)
{
	json_t *d = ev->data;
	const char *target = get_str(d, "target"), *err = get_str(d, "error");
	bool ok = json_is_true(json_object_get(d, "ok"));
	char buf[1024];
	snprintf(buf, sizeof buf, "\xE2\x86\x92 %s.%s%s%s %s %.2fs%s%s%s", get_str(d, "module") ? get_str(d, "module") : "?",
		 get_str(d, "op") ? get_str(d, "op") : "?", target ? " " : "", target ? target : "",
		 ok ? "ok" : "FAILED", json_number_value(json_object_get(d, "secs")),
		 err ? ": " : "", err ? err : "", json_is_true(json_object_get(d, "dry_run")) ? " (dry run)" : "");
	tui_model_log_add(tui_model_log(m, si), ev->ts, ok ? TUI_NOTE : TUI_ERROR, buf);
}

static void on_step_end(struct tui_model *m, const struct event *ev, int si)
{
	if (si < 0)
		return;
	struct tui_step *s = &m->steps[si];
	json_t *d = ev->data;
	int st = tui_state_from_name(get_str(d, "state"));
	if (st >= 0)
		s->state = st;
	s->ended = true;
	s->end_ts = ev->ts;
	json_t *secs = json_object_get(d, "secs");
	s->secs = json_is_number(secs) ? json_number_value(secs) : (s->started ? ev->ts - s->start_ts : 0);
	if (get_str(d, "error"))
		set_str(&s->error, get_str(d, "error"));
	if (get_str(d, "reason"))
		set_str(&s->reason, get_str(d, "reason"));
	drop_prompts(m, -1, si);
}

static void on_end(struct tui_model *m, const struct event *ev, int si)
{
	m->ended = true;
	m->end_ts = ev->ts;
	set_str(&m->end_status, get_str(ev->data, "status"));
	m->exit_code = (int)json_integer_value(json_object_get(ev->data, "exit_code"));
	drop_prompts(m, -1, -1);
}

static void on_ignore(struct tui_model *m, const struct event *ev, int si)
{
}

/* One handler per event type, in enum order. */
static void (*const handlers[EV__COUNT])(struct tui_model *, const struct event *, int) = {
	[EV_SESSION] = on_session, [EV_RESUME] = on_resume, [EV_PHASE] = on_phase,
	[EV_STEP_START] = on_step_start, [EV_STEP_STATE] = on_step_state, [EV_LOG] = on_log,
	[EV_PROGRESS] = on_progress, [EV_GAUGE] = on_gauge, [EV_PROMPT] = on_prompt,
	[EV_ANSWER] = on_answer, [EV_CALL] = on_call, [EV_SET] = on_ignore,
	[EV_STEP_END] = on_step_end, [EV_END] = on_end,
};

int tui_model_apply(struct tui_model *m, const struct event *ev)
{
	if ((unsigned)ev->type >= EV__COUNT)
		return -1;
	m->events++;
	if (!m->t0)
		m->t0 = ev->ts;
	if (ev->ts > m->t_last)
		m->t_last = ev->ts;
	int si = ev->type == EV_SESSION ? -1 : event_step(m, ev);
	handlers[ev->type](m, ev, si);
	return si;
}

const struct tui_prompt *tui_model_prompt(const struct tui_model *m)
{
	return m->nprompts ? &m->prompts[0] : NULL;
}

int tui_model_next(const struct tui_model *m)
{
	for (size_t i = m->current < 0 ? 0 : (size_t)m->current; i < m->nsteps; i++)
		if (m->steps[i].state == TUI_PENDING)
			return (int)i;
	for (size_t i = 0; i < m->nsteps; i++)
		if (m->steps[i].state == TUI_PENDING)
			return (int)i;
	return -1;
}

double tui_model_step_secs(const struct tui_model *m, int i, double now)
{
	const struct tui_step *s = &m->steps[i];
	if (!s->started)
		return s->ended ? s->secs : -1;
	if (s->ended)
		return s->secs;
	if (s->state == TUI_INTERRUPTED || m->ended)
		return -1;
	return now - s->start_ts;
}

bool tui_model_busy(const struct tui_model *m)
{
	for (size_t i = 0; i < m->nsteps; i++)
		if (m->steps[i].state == TUI_RUNNING || m->steps[i].state == TUI_WAITING)
			return true;
	return false;
}

int tui_model_stuck(const struct tui_model *m)
{
	for (size_t i = 0; i < m->nsteps; i++)
		if (m->steps[i].state == TUI_FAILED || m->steps[i].state == TUI_INTERRUPTED)
			return (int)i;
	return -1;
}

void tui_format_short_duration(double secs, char *buf, size_t n)
{
	long s = secs < 0 ? 0 : (long)(secs + 0.5);
	if (s < 60)
		snprintf(buf, n, "%lds", s);
	else if (s < 3600)
		snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, n, "%ldh%02ldm", s / 3600, (s / 60) % 60);
}

void tui_format_amount(double v, const char *unit, char *buf, size_t n)
{
	/* three significant digits at most: bars keep their room at 80 columns */
	bool bytes = unit && strcmp(unit, "bytes") == 0;
	static const char *const sfx[] = {"", "k", "M", "G", "T"};
	static const char *const bsfx[] = {"B", "KB", "MB", "GB", "TB"};
	int k = 0;
	while (fabs(v) >= 1000.0 && k < 4) {
		v /= 1000.0;
		k++;
	}
	const char *u = bytes ? "" : unit && *unit ? unit : "";
	const char *sp = bytes || *u ? " " : "";
	const char *x = bytes ? bsfx[k] : sfx[k];
	if ((k == 0 && v == floor(v)) || fabs(v) >= 100)
		snprintf(buf, n, "%.0f%s%s%s%s", v, bytes ? sp : x, bytes ? x : "", bytes ? "" : sp, u);
	else
		snprintf(buf, n, "%.1f%s%s%s%s", v, bytes ? sp : x, bytes ? x : "", bytes ? "" : sp, u);
}

void tui_format_fraction(double done, double total, const char *unit, char *buf, size_t n)
{
	char a[48], b[48];
	bool bytes = unit && strcmp(unit, "bytes") == 0;
	tui_format_amount(done, bytes ? unit : NULL, a, sizeof a);
	tui_format_amount(total, unit, b, sizeof b);
	snprintf(buf, n, "%s/%s", a, b);
}

void tui_format_rate(double per_sec, const char *unit, char *buf, size_t n)
{
	char amt[48];
	tui_format_amount(per_sec, unit, amt, sizeof amt);
	snprintf(buf, n, "%s/s", amt);
}
