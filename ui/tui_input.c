/* Keys of the TUI: the binding table, the prompt dialog, and the small modals. */
#include "config.h"
#include "ui/tui_int.h"
#include "ui/tui_model.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stdarg.h>
#include <wctype.h>

#define CTRL(c) ((c) & 0x1f)
#define ESC 27

static const char *const command_names[] = {
#define X(name, wire, doc) wire,
	CONTROL_COMMANDS(X)
#undef X
};

/* ---- helpers ---- */

static bool live(const struct tui *t)
{
	return !t->cfg.replay && t->cfg.ctl;
}

static void command(struct tui *t, enum control_cmd c, const char *arg)
{
	char err[256] = "";
	if (!t->cfg.ctl) {
		tui_message(t, true, "read-only: nothing to control");
		return;
	}
	/* acting on the session means watching it again */
	if (c != CTL_ABORT && c != CTL_QUIT) {
		t->follow = true;
		t->tail = true;
	}
	if (t->cfg.ctl->command(t->cfg.ctl->self, c, arg, err, sizeof err) != 0)
		tui_message(t, true, "%s: %s", command_names[c], err[0] ? err : "refused");
	tui_redraw_soon(t);
}

static void answer(struct tui *t, long id, const char *text)
{
	if (!live(t))
		return;
	t->npinput = 0;
	t->pinput[0] = 0;
	t->cfg.ctl->answer(t->cfg.ctl->self, id, text, "tty");
	tui_redraw_soon(t);
}

static void to_utf8(const wchar_t *ws, size_t n, char *out, size_t cap)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t k = 0;
	char mb[MB_LEN_MAX];
	for (size_t i = 0; i < n; i++) {
		size_t r = wcrtomb(mb, ws[i], &st);
		if (r == (size_t)-1 || k + r + 1 > cap)
			break;
		memcpy(out + k, mb, r);
		k += r;
	}
	out[k] = 0;
}

static void ask_text(struct tui *t, const char *title, tui_input_done done)
{
	t->modal = TUI_MODAL_INPUT;
	t->input_title = title;
	t->input_done = done;
	t->ninput = 0;
	t->input[0] = 0;
	tui_redraw_soon(t);
}

static void ask_yesno(struct tui *t, tui_yes_fn yes, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ask_yesno(struct tui *t, tui_yes_fn yes, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->yesno_text, sizeof t->yesno_text, fmt, ap);
	va_end(ap);
	t->modal = TUI_MODAL_YESNO;
	t->yesno_yes = yes;
	tui_redraw_soon(t);
}

/* Edits a line buffer; returns 1 on enter, -1 on escape, 0 otherwise. */
static int edit(wchar_t *buf, size_t *n, bool fkey, wint_t k)
{
	if (!fkey && (k == '\r' || k == '\n'))
		return 1;
	if (fkey && k == KEY_ENTER)
		return 1;
	if (!fkey && k == ESC)
		return -1;
	if ((fkey && k == KEY_BACKSPACE) || (!fkey && (k == 127 || k == CTRL('h')))) {
		if (*n)
			buf[--*n] = 0;
	} else if (!fkey && k == CTRL('u')) {
		*n = 0;
		buf[0] = 0;
	} else if (!fkey && iswprint(k) && *n < TUI_INPUT_MAX) {
		buf[(*n)++] = (wchar_t)k;
		buf[*n] = 0;
	}
	return 0;
}

/* ---- conditions ---- */

static bool session_open(struct tui *t)
{
	return t->model->has_session && !t->model->ended;
}

static bool can_run(struct tui *t)
{
	return session_open(t) && !tui_model_busy(t->model) && tui_model_stuck(t->model) < 0 &&
	       tui_model_next(t->model) >= 0;
}

static bool can_retry(struct tui *t)
{
	return session_open(t) && !tui_model_busy(t->model) && tui_model_stuck(t->model) >= 0;
}

static bool can_skip(struct tui *t)
{
	return session_open(t) && !tui_model_busy(t->model) &&
	       (tui_model_stuck(t->model) >= 0 || tui_model_next(t->model) >= 0);
}

static bool can_undo(struct tui *t)
{
	const struct tui_model *m = t->model;
	return session_open(t) && !tui_model_busy(m) && t->sel >= 0 && (size_t)t->sel < m->nsteps &&
	       m->steps[t->sel].undo && m->steps[t->sel].state == TUI_OK;
}

static bool can_quit(struct tui *t)
{
	return !t->model->has_session || t->model->ended || !live(t);
}

static bool not_following(struct tui *t)
{
	return !t->follow && t->model->current >= 0;
}

static bool has_search(struct tui *t)
{
	return t->search[0] != 0;
}

/* ---- actions ---- */

static void act_run_next(struct tui *t)
{
	command(t, CTL_RUN_NEXT, NULL);
}

static void act_run_on(struct tui *t)
{
	command(t, CTL_RUN_ON, NULL);
}

static void act_retry(struct tui *t)
{
	command(t, CTL_RETRY, NULL);
}

static void skip_with(struct tui *t, const char *reason)
{
	while (*reason == ' ')
		reason++;
	if (!*reason) {
		tui_message(t, true, "not skipped: a reason is required");
		return;
	}
	command(t, CTL_SKIP, reason);
}

static void act_skip(struct tui *t)
{
	ask_text(t, "Skip: reason (required, journaled)", skip_with);
}

/* The engine takes abort, retry and skip as commands during a decision prompt too. */
static void abort_yes(struct tui *t)
{
	command(t, CTL_ABORT, NULL);
}

static void act_abort(struct tui *t)
{
	if (!session_open(t) || !live(t)) {
		tui_message(t, false, "the session has ended: [q] quits");
		return;
	}
	ask_yesno(t, abort_yes, "Abort the session? A running step is interrupted; finished steps stay done.");
}

static void undo_yes(struct tui *t)
{
	command(t, CTL_UNDO, t->yesno_arg);
}

static void act_undo(struct tui *t)
{
	const struct tui_step *s = &t->model->steps[t->sel];
	snprintf(t->yesno_arg, sizeof t->yesno_arg, "%s", s->id);
	ask_yesno(t, undo_yes, "Run the undo of step %d \"%s\"?", t->sel + 1, s->title);
}

static void select_step(struct tui *t, int i)
{
	const struct tui_model *m = t->model;
	if (m->nsteps == 0)
		return;
	if (i < 0)
		i = 0;
	if ((size_t)i >= m->nsteps)
		i = (int)m->nsteps - 1;
	t->sel = i;
	t->follow = i == m->current || (m->current < 0 && i == tui_model_next(m));
	t->tail = true;
	tui_redraw_soon(t);
}

static void act_up(struct tui *t)
{
	select_step(t, t->sel - 1);
}

static void act_down(struct tui *t)
{
	select_step(t, t->sel + 1);
}

static void act_follow(struct tui *t)
{
	const struct tui_model *m = t->model;
	t->follow = true;
	t->sel = m->current >= 0 ? m->current : tui_model_next(m);
	t->tail = true;
	tui_redraw_soon(t);
}

static void act_page_up(struct tui *t)
{
	t->top_line = tui_draw_page_up(t, t->shown_top);
	t->tail = false;
	tui_redraw_soon(t);
}

static void act_page_down(struct tui *t)
{
	const struct tui_log *l = tui_model_log(t->model, t->sel);
	if (t->tail)
		return;
	if (t->shown_end >= tui_log_end(l))
		t->tail = true;
	else
		t->top_line = t->shown_end;
	tui_redraw_soon(t);
}

static void act_log_home(struct tui *t)
{
	t->top_line = tui_model_log(t->model, t->sel)->dropped;
	t->tail = false;
	tui_redraw_soon(t);
}

static void act_log_end(struct tui *t)
{
	t->tail = true;
	tui_redraw_soon(t);
}

/* Smart case: a query with a capital letter matches case exactly. */
static bool line_matches(const char *text, const char *q)
{
	for (const char *p = q; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return strstr(text, q) != NULL;
	return strcasestr(text, q) != NULL;
}

/* Moves to the next (dir 1) or previous (dir -1) matching line across the session log and
 * every step's log, in order, wrapping once. */
static void find(struct tui *t, int dir, int from_step, long from_line)
{
	struct tui_model *m = t->model;
	int nb = (int)m->nsteps + 1; /* bucket 0 is the session log */
	long total = 0, ordinal = 0;
	int found_b = -1;
	long found_l = -1;
	for (int b = 0; b < nb; b++) {
		const struct tui_log *l = tui_model_log(m, b - 1);
		for (long i = l->dropped; i < tui_log_end(l); i++) {
			if (!line_matches(tui_log_line(l, i)->text, t->search))
				continue;
			total++;
			bool after = b - 1 > from_step || (b - 1 == from_step && i > from_line);
			bool before = b - 1 < from_step || (b - 1 == from_step && i < from_line);
			if (dir > 0 && after && found_b < 0) {
				found_b = b, found_l = i, ordinal = total;
			} else if (dir < 0 && before) {
				found_b = b, found_l = i, ordinal = total;
			}
		}
	}
	if (total == 0) {
		t->match_line = -1;
		tui_message(t, true, "no match for \"%s\"", t->search);
		return;
	}
	if (found_b < 0) { /* wrap around */
		find(t, dir, dir > 0 ? -2 : (int)m->nsteps, dir > 0 ? -1 : 0x7fffffffL);
		return;
	}
	t->match_step = found_b - 1;
	t->match_line = found_l;
	t->sel = t->match_step;
	t->follow = false;
	t->tail = false;
	long start = tui_model_log(m, t->sel)->dropped;
	t->top_line = found_l - 2 < start ? start : found_l - 2;
	tui_message(t, false, "\"%s\": match %ld of %ld", t->search, ordinal, total);
	tui_redraw_soon(t);
}

static void search_with(struct tui *t, const char *q)
{
	if (!*q) {
		if (!t->search[0])
			return;
	} else {
		snprintf(t->search, sizeof t->search, "%s", q);
	}
	find(t, 1, t->sel, t->shown_top - 1);
}

static void act_search(struct tui *t)
{
	ask_text(t, "Search the log (/)", search_with);
}

static void act_next_match(struct tui *t)
{
	if (t->match_line < 0)
		find(t, 1, t->sel, t->shown_top - 1);
	else
		find(t, 1, t->match_step, t->match_line);
}

static void act_prev_match(struct tui *t)
{
	if (t->match_line < 0)
		find(t, -1, t->sel, t->shown_top);
	else
		find(t, -1, t->match_step, t->match_line);
}

static void act_help(struct tui *t)
{
	t->modal = TUI_MODAL_HELP;
	tui_redraw_soon(t);
}

static void act_repaint(struct tui *t)
{
	tui_resize(t);
}

static void act_escape(struct tui *t)
{
	t->match_line = -1;
	t->search[0] = 0;
	t->msg[0] = 0;
	tui_redraw_soon(t);
}

static void act_quit(struct tui *t)
{
	if (!can_quit(t))
		tui_message(t, true, "the session is still open: [a] aborts it, then [q] quits");
	else if (t->cfg.ctl)
		command(t, CTL_QUIT, NULL); /* the engine, or the player in replay, ends the loop */
	else
		t->quit = true;
}

/* ---- the table ---- */

enum { LIVE = 1, REPLAY = 2, ANY = 3 };

struct binding {
	int key;
	bool fkey;
	const char *keys;   /* how help and the footer name it; NULL: an alias of the entry above */
	const char *footer; /* short footer label, NULL: help only */
	int prio;           /* footer: 1 shown first, higher numbers give way on narrow screens */
	const char *doc;
	unsigned modes;
	bool nav;           /* still works while a prompt dialog is up */
	bool (*valid)(struct tui *t);
	void (*fn)(struct tui *t);
};

static const struct binding bindings[] = {
	{'\r', false, "enter", "run next", 1, "run the next step", LIVE, false, can_run, act_run_next},
	{'\n', false, NULL, NULL, 0, NULL, LIVE, false, can_run, act_run_next},
	{KEY_ENTER, true, NULL, NULL, 0, NULL, LIVE, false, can_run, act_run_next},
	{'c', false, "c", "run on", 3, "run on until the next confirmation", LIVE, false, can_run, act_run_on},
	{'r', false, "r", "retry", 1, "retry the failed or interrupted step", LIVE, false, can_retry, act_retry},
	{'s', false, "s", "skip", 1, "skip the step (asks for a reason)", LIVE, false, can_skip, act_skip},
	{'u', false, "u", "undo", 3, "run the undo of the selected finished step (asks first)", LIVE, false, can_undo, act_undo},
	{'a', false, "a", "abort", 1, "abort the session (asks first)", LIVE, true, session_open, act_abort},
	{CTRL('c'), false, "^C", NULL, 0, "same as [a]: asks before aborting", LIVE, true, NULL, act_abort},
	{'q', false, "q", "quit", 1, "quit (once the session has ended)", ANY, false, can_quit, act_quit},
	{'f', false, "f", "follow", 3, "follow the running step again", ANY, true, not_following, act_follow},
	{'/', false, "/", "search", 4, "search every log; n / N: next / previous match", ANY, true, NULL, act_search},
	{'n', false, NULL, NULL, 0, NULL, ANY, true, has_search, act_next_match},
	{'N', false, NULL, NULL, 0, NULL, ANY, true, has_search, act_prev_match},
	{'?', false, "?", "help", 2, "this help", ANY, true, NULL, act_help},
	{KEY_UP, true, "\xE2\x86\x91\xE2\x86\x93", "step", 5, "select a step to show its log (also k / j)", ANY, true, NULL, act_up},
	{KEY_DOWN, true, NULL, NULL, 0, NULL, ANY, true, NULL, act_down},
	{'k', false, NULL, NULL, 0, NULL, ANY, true, NULL, act_up},
	{'j', false, NULL, NULL, 0, NULL, ANY, true, NULL, act_down},
	{KEY_PPAGE, true, "PgUp PgDn", "scroll", 5, "scroll the log (also b / space)", ANY, true, NULL, act_page_up},
	{KEY_NPAGE, true, NULL, NULL, 0, NULL, ANY, true, NULL, act_page_down},
	{'b', false, NULL, NULL, 0, NULL, ANY, true, NULL, act_page_up},
	{' ', false, NULL, NULL, 0, NULL, ANY, true, NULL, act_page_down},
	{KEY_HOME, true, "Home End", NULL, 0, "oldest / newest log lines (End follows new lines)", ANY, true, NULL, act_log_home},
	{KEY_END, true, NULL, NULL, 0, NULL, ANY, true, NULL, act_log_end},
	{'g', false, NULL, NULL, 0, NULL, ANY, true, NULL, act_log_home},
	{'G', false, NULL, NULL, 0, NULL, ANY, true, NULL, act_log_end},
	{CTRL('l'), false, "^L", NULL, 0, "repaint the screen", ANY, true, NULL, act_repaint},
	{ESC, false, "Esc", NULL, 0, "clear the search highlight and messages", ANY, true, NULL, act_escape},
};

static unsigned mode(const struct tui *t)
{
	return t->cfg.replay ? REPLAY : LIVE;
}

static bool prompt_up(const struct tui *t)
{
	return live(t) && tui_model_prompt(t->model) != NULL;
}

/* A key that does nothing now says why, instead of leaving the operator to guess. */
static void why_not(struct tui *t, const struct binding *b)
{
	const struct tui_model *m = t->model;
	const char *why = !m->has_session ? "no session yet" : m->ended ? "the session has ended"
		: tui_model_busy(m) ? "a step is running" : NULL;
	if (b->fn == act_run_next || b->fn == act_run_on) {
		tui_message(t, true, "cannot run now: %s", why ? why : tui_model_stuck(m) >= 0 ?
			    "retry [r] or skip [s] the failed step" : "no pending step");
	} else if (b->fn == act_retry) {
		tui_message(t, true, "cannot retry now: %s", why ? why : "no step failed or was interrupted");
	} else if (b->fn == act_skip) {
		tui_message(t, true, "cannot skip now: %s", why ? why : "no step is left");
	} else if (b->fn == act_undo) {
		const struct tui_step *st = t->sel >= 0 && (size_t)t->sel < m->nsteps ? &m->steps[t->sel] : NULL;
		if (!why && st && !st->undo)
			tui_message(t, true, "step %d \"%s\" has no undo", t->sel + 1, st->title);
		else
			tui_message(t, true, "cannot undo now: %s", why ? why : !st ? "no step selected"
				    : "only a finished step can be undone");
	}
}

static void run_binding(struct tui *t, bool fkey, wint_t k)
{
	for (size_t i = 0; i < sizeof bindings / sizeof *bindings; i++) {
		const struct binding *b = &bindings[i];
		if (b->key != (int)k || b->fkey != fkey || !(b->modes & mode(t)))
			continue;
		if (prompt_up(t) && !b->nav) {
			tui_message(t, true, "answer the prompt first");
			return;
		}
		if (b->valid && !b->valid(t)) {
			if (b->fn == act_quit)
				act_quit(t); /* explains why not */
			else
				why_not(t, b);
			return;
		}
		b->fn(t);
		return;
	}
}

/* ---- the prompt dialog ---- */

static bool prompt_key(struct tui *t, const struct tui_prompt *p, bool fkey, wint_t k)
{
	char buf[TUI_INPUT_MAX * 4 + 1];
	switch (p->kind) {
	case TUI_CONFIRM:
		if (!fkey && (k == 'y' || k == 'Y'))
			answer(t, p->id, "yes");
		else if (!fkey && (k == 'n' || k == 'N' || k == ESC))
			answer(t, p->id, "no");
		else if (!fkey && (k == '\r' || k == '\n'))
			tui_message(t, true, "press y to confirm or n to decline");
		else
			return false;
		return true;
	case TUI_CHALLENGE:
	case TUI_ASK: {
		if (t->prompt_id != p->id) {
			t->prompt_id = p->id;
			t->npinput = 0;
			t->pinput[0] = 0;
		}
		if (fkey && k != KEY_BACKSPACE && k != KEY_ENTER)
			return false; /* arrows, PgUp: look around while deciding */
		int r = edit(t->pinput, &t->npinput, fkey, k);
		if (r < 0) {
			/* declining a question is no answer, not the text "no" */
			answer(t, p->id, p->kind == TUI_ASK ? NULL : "no");
		} else if (r > 0) {
			to_utf8(t->pinput, t->npinput, buf, sizeof buf);
			if (p->kind == TUI_CHALLENGE && (!p->word || strcmp(buf, p->word) != 0))
				tui_message(t, true, "that is not \"%s\": type it exactly, or Esc to decline",
					    p->word ? p->word : "");
			else
				answer(t, p->id, p->kind == TUI_ASK && !*buf && p->deflt ? p->deflt : buf);
		}
		tui_redraw_soon(t);
		return true;
	}
	case TUI_DECISION:
		if (fkey)
			return false;
		if (k == 'r')
			act_retry(t);
		else if (k == 's')
			act_skip(t);
		else if (k == 'a')
			act_abort(t);
		else if (k == ESC || k == '\r' || k == '\n')
			tui_message(t, true, "choose: [r] retry, [s] skip or [a] abort");
		else
			return false;
		return true;
	}
	return false;
}

/* The driver's keys (replay's player): printable ones and left/right, which the view
 * itself does not use. */
static bool driver_key(struct tui *t, bool fkey, wint_t k)
{
	int key = !fkey && k >= ' ' && k < 0x7f ? (int)k : fkey && k == KEY_LEFT ? VIEW_KEY_LEFT
		: fkey && k == KEY_RIGHT ? VIEW_KEY_RIGHT : -1;
	return key >= 0 && t->keys.key(t->keys.ud, key);
}

/* ---- entry points ---- */

void tui_input_key(struct tui *t, bool fkey, wint_t k)
{
	if (fkey && k == KEY_RESIZE) {
		tui_resize(t);
		return;
	}
	if (t->msg[0] && !t->msg_err)
		t->msg[0] = 0;
	switch (t->modal) {
	case TUI_MODAL_HELP:
		t->modal = TUI_MODAL_NONE;
		tui_redraw_soon(t);
		return;
	case TUI_MODAL_YESNO:
		t->modal = TUI_MODAL_NONE;
		if (!fkey && (k == 'y' || k == 'Y'))
			t->yesno_yes(t);
		else
			tui_message(t, false, "cancelled");
		tui_redraw_soon(t);
		return;
	case TUI_MODAL_INPUT: {
		int r = edit(t->input, &t->ninput, fkey, k);
		if (r != 0) {
			char buf[TUI_INPUT_MAX * 4 + 1];
			to_utf8(t->input, t->ninput, buf, sizeof buf);
			t->modal = TUI_MODAL_NONE;
			if (r > 0)
				t->input_done(t, buf);
		}
		tui_redraw_soon(t);
		return;
	}
	case TUI_MODAL_NONE:
		break;
	}
	if (t->msg_err)
		t->msg[0] = 0;
	if (t->keys.key && driver_key(t, fkey, k)) {
		tui_redraw_soon(t);
		return;
	}
	const struct tui_prompt *p = prompt_up(t) ? tui_model_prompt(t->model) : NULL;
	if (!p || !prompt_key(t, p, fkey, k))
		run_binding(t, fkey, k);
	tui_redraw_soon(t); /* every key shows its effect at once, not at the next tick */
}

size_t tui_input_footer(struct tui *t, struct tui_hint *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof bindings / sizeof *bindings && n < max; i++) {
		const struct binding *b = &bindings[i];
		if (!b->footer || !(b->modes & mode(t)) || (b->valid && !b->valid(t)))
			continue;
		if (prompt_up(t) && !b->nav)
			continue;
		struct tui_hint *h = &out[n++];
		memset(h, 0, sizeof *h);
		snprintf(h->key, sizeof h->key, "%s", b->keys);
		snprintf(h->label, sizeof h->label, "%s", b->footer);
		h->prio = b->prio;
		if (b->fn == act_run_next) {
			int next = tui_model_next(t->model);
			snprintf(h->label, sizeof h->label, "run %d", next + 1);
			h->warn = t->model->steps[next].critical;
		}
	}
	return n;
}

void tui_input_help(const struct tui *t, void (*fn)(void *arg, const char *keys, const char *doc), void *arg)
{
	if (t->keys.help)
		t->keys.help(t->keys.ud, fn, arg);
	for (size_t i = 0; i < sizeof bindings / sizeof *bindings; i++)
		if (bindings[i].keys && (bindings[i].modes & mode(t)))
			fn(arg, bindings[i].keys, bindings[i].doc);
}

void tui_input_reset(struct tui *t)
{
	t->modal = TUI_MODAL_NONE;
	t->ninput = t->npinput = 0;
	t->input[0] = t->pinput[0] = 0;
	t->prompt_id = -1;
	t->match_line = -1;
}
