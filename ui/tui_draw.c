/* Drawing the TUI's main screen: frame with header, steps pane, detail pane (progress,
 * gauges, log); dialogs and the footer are in tui_dialog.c. */
#include "config.h"
#include "ui/tui_int.h"
#include "ui/tui_text.h"
#include "core/util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STALL_SECS 15.0 /* no progress for this long while running: say so */
#define WBUF 1024

static const enum tui_role state_roles[TUI__NSTATES] = {
	[TUI_PENDING] = TUI_R_NORMAL, [TUI_RUNNING] = TUI_R_RUNNING, [TUI_WAITING] = TUI_R_WAITING,
	[TUI_OK] = TUI_R_OK, [TUI_FAILED] = TUI_R_FAILED, [TUI_SKIPPED] = TUI_R_SKIPPED,
	[TUI_INTERRUPTED] = TUI_R_INTERRUPTED,
};

static const enum tui_role level_roles[] = {
	[TUI_INFO] = TUI_R_NORMAL, [TUI_WARN] = TUI_R_WARN, [TUI_ERROR] = TUI_R_ERROR, [TUI_NOTE] = TUI_R_DIM,
};

/* ---- layout ---- */

struct layout {
	int lw;     /* steps pane inner width, from x = 1 */
	int dx, dw; /* detail pane */
	int top, h; /* pane rows */
};

static struct layout layout_of(const struct tui *t)
{
	struct layout L;
	L.lw = t->cols * 42 / 100;
	if (L.lw < 30)
		L.lw = 30;
	if (L.lw > 46)
		L.lw = 46;
	L.dx = L.lw + 3;
	L.dw = t->cols - L.dx - 2;
	L.top = 1;
	L.h = t->rows - 2;
	return L;
}

static void frame(const struct tui *t, const struct layout *L)
{
	attr_t a = tui_paint_attr(t, TUI_R_FRAME);
	attrset(a);
	mvhline(0, 1, ACS_HLINE, t->cols - 2);
	mvhline(t->rows - 1, 1, ACS_HLINE, t->cols - 2);
	mvvline(1, 0, ACS_VLINE, L->h);
	mvvline(1, L->lw + 1, ACS_VLINE, L->h);
	mvvline(1, t->cols - 1, ACS_VLINE, L->h);
	mvaddch(0, 0, ACS_ULCORNER);
	mvaddch(0, t->cols - 1, ACS_URCORNER);
	mvaddch(t->rows - 1, 0, ACS_LLCORNER);
	mvaddch(t->rows - 1, t->cols - 1, ACS_LRCORNER);
	mvaddch(0, L->lw + 1, ACS_TTEE);
	mvaddch(t->rows - 1, L->lw + 1, ACS_BTEE);
	attrset(A_NORMAL);
}

/* ---- header ---- */

static void header(const struct tui *t)
{
	const struct tui_model *m = t->model;
	char clock[64] = "--:--:--", right[128];
	enum tui_role badge_role = TUI_R_BADGE_OK;
	const char *badge = NULL;
	if (m->has_session)
		format_duration((m->ended ? m->end_ts : tui_now(t)) - m->t0, clock, sizeof clock);
	if (m->ended) {
		badge = m->end_status ? m->end_status : "ended";
		if (strcmp(badge, "done") != 0)
			badge_role = TUI_R_BADGE_BAD;
	} else if (m->dry_run) {
		badge = "DRY RUN";
		badge_role = TUI_R_BADGE_BAD;
	}
	char badge_txt[64] = "";
	if (badge) {
		snprintf(badge_txt, sizeof badge_txt, " %s ", badge);
		for (char *p = badge_txt; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
	}
	snprintf(right, sizeof right, " %s ", clock);
	int rw = tui_text_width(right) + tui_text_width(badge_txt);
	int x_right = t->cols - 1 - rw;
	if (badge)
		tui_paint_put(0, x_right, rw, badge_txt, tui_paint_attr(t, badge_role));
	tui_paint_put(0, t->cols - 1 - tui_text_width(right), tui_text_width(right), right, tui_paint_attr(t, TUI_R_TITLE));

	/* left: segments by priority; whatever does not fit is left out, the title is cut last */
	char op[160] = "";
	if (m->operator)
		snprintf(op, sizeof op, "%s%s%s", m->operator,
			 m->host && !strchr(m->operator, '@') ? "@" : "", m->host && !strchr(m->operator, '@') ? m->host : "");
	const char *seg[4] = {m->title ? m->title : (m->runbook_id ? m->runbook_id : "waiting for the session"),
			      m->phase, op[0] ? op : NULL, m->session};
	int prio_order[4] = {0, 1, 2, 3};
	bool on[4] = {true, false, false, false};
	int avail = x_right - 2 - 1;
	const char *lead = "tejun \xC2\xB7 ";
	int used = tui_text_width(lead) + tui_text_width(seg[0]);
	for (int k = 1; k < 4; k++) {
		int i = prio_order[k];
		if (!seg[i] || !*seg[i])
			continue;
		int w = 3 + tui_text_width(seg[i]);
		if (used + w <= avail) {
			on[i] = true;
			used += w;
		}
	}
	mvaddch(0, 1, ' ');
	int x = 2;
	x += tui_paint_put(0, x, avail - (x - 2), lead, tui_paint_attr(t, TUI_R_FRAME));
	int title_room = avail - (x - 2);
	for (int i = 1; i < 4; i++)
		if (on[i])
			title_room -= 3 + tui_text_width(seg[i]);
	x += tui_paint_put(0, x, title_room, seg[0], tui_paint_attr(t, TUI_R_TITLE));
	for (int i = 1; i < 4; i++) {
		if (!on[i])
			continue;
		x += tui_paint_put(0, x, 3, " \xC2\xB7 ", tui_paint_attr(t, TUI_R_FRAME));
		x += tui_paint_put(0, x, t->cols, seg[i], i == 1 ? tui_paint_attr(t, TUI_R_TITLE) : tui_paint_attr(t, TUI_R_NORMAL));
	}
	mvaddch(0, x, ' ');
}

/* ---- steps pane ---- */

enum row_kind { ROW_PHASE, ROW_STEP, ROW_CRITICAL };

struct row {
	enum row_kind kind;
	int step;
};

/* Rows of the steps pane: phase separators, steps, and a warning under each critical step. */
static size_t step_rows(const struct tui_model *m, struct row *rows, size_t max)
{
	size_t n = 0;
	const char *phase = NULL;
	for (size_t i = 0; i < m->nsteps && n + 3 <= max; i++) {
		const struct tui_step *s = &m->steps[i];
		if (s->phase && (!phase || strcmp(phase, s->phase) != 0)) {
			rows[n++] = (struct row){ROW_PHASE, (int)i};
			phase = s->phase;
		}
		rows[n++] = (struct row){ROW_STEP, (int)i};
		if (s->critical)
			rows[n++] = (struct row){ROW_CRITICAL, (int)i};
	}
	return n;
}

static void step_row(struct tui *t, const struct layout *L, int y, int i, int numw)
{
	const struct tui_model *m = t->model;
	const struct tui_step *s = &m->steps[i];
	bool sel = i == t->sel;
	attr_t base = sel ? tui_paint_attr(t, TUI_R_SELECTED) : tui_paint_attr(t, TUI_R_NORMAL);
	attr_t title_a = base | (i == m->current && !s->ended ? A_BOLD : 0);
	char num[16], dur[16] = "";
	double secs = tui_model_step_secs(m, i, tui_now(t));
	if (secs >= 0)
		tui_format_short_duration(secs, dur, sizeof dur);
	snprintf(num, sizeof num, "%*d", numw, i + 1);
	/* [sp][mark][sp][num][sp][title…][sp][dur][sp]: marks, numbers and the right edge of
	 * durations line up; a title may use the room of a duration it does not have yet */
	int x = 1, right = L->lw, durw = tui_text_width(dur);
	int tx = 5 + numw, tw = right - tx - (durw ? durw + 1 : 0);
	tui_paint_fill(y, x, L->lw, base);
	tui_paint_put(y, 2, 1, tui_state_mark(s->state), sel ? base : tui_paint_attr(t, state_roles[s->state]));
	tui_paint_put(y, 4, numw, num, base);
	tui_paint_put_pad(y, tx, tw, s->title, title_a);
	if (durw)
		tui_paint_put_right(y, right, durw, dur, sel ? base : tui_paint_attr(t, TUI_R_DIM));
}

static void steps_pane(struct tui *t, const struct layout *L)
{
	const struct tui_model *m = t->model;
	size_t max = m->nsteps * 3 + 1;
	struct row *rows = xcalloc(max, sizeof *rows);
	size_t n = step_rows(m, rows, max);
	int numw = m->nsteps >= 100 ? 3 : 2;
	/* keep the selected step in view, with its phase title and warning when there is room */
	int sr = -1;
	for (size_t r = 0; r < n; r++)
		if (rows[r].kind == ROW_STEP && rows[r].step == t->sel)
			sr = (int)r;
	if (sr >= 0) {
		int first = sr, last = sr;
		if (sr > 0 && rows[sr - 1].kind == ROW_PHASE)
			first = sr - 1;
		if ((size_t)sr + 1 < n && rows[sr + 1].kind == ROW_CRITICAL)
			last = sr + 1;
		if (first < t->list_top)
			t->list_top = first;
		if (last >= t->list_top + L->h)
			t->list_top = last - L->h + 1;
	}
	if (t->list_top > (int)n - L->h)
		t->list_top = (int)n - L->h;
	if (t->list_top < 0)
		t->list_top = 0;
	for (int y = 0; y < L->h && (size_t)(t->list_top + y) < n; y++) {
		const struct row *r = &rows[t->list_top + y];
		const struct tui_step *s = &m->steps[r->step];
		int yy = L->top + y;
		switch (r->kind) {
		case ROW_PHASE: {
			bool cur = m->phase && strcmp(m->phase, s->phase) == 0;
			attrset(tui_paint_attr(t, TUI_R_FRAME));
			mvhline(yy, 1, ACS_HLINE, L->lw);
			attrset(A_NORMAL);
			int w = tui_paint_put(yy, 3, L->lw - 4, " ", A_NORMAL);
			w += tui_paint_put(yy, 3 + w, L->lw - 5 - w, s->phase, cur ? tui_paint_attr(t, TUI_R_TITLE) : tui_paint_attr(t, TUI_R_NORMAL));
			tui_paint_put(yy, 3 + w, 1, " ", A_NORMAL);
			break;
		}
		case ROW_STEP:
			step_row(t, L, yy, r->step, numw);
			break;
		case ROW_CRITICAL:
			tui_paint_put(yy, 4 + numw, L->lw - 4 - numw,
			    s->ended ? "\xE2\x9A\xA0 no way back (passed)" : "\xE2\x9A\xA0 no way back",
			    s->ended ? tui_paint_attr(t, TUI_R_DIM) : tui_paint_attr(t, TUI_R_CRITICAL));
			break;
		}
	}
	/* scroll marks on the divider */
	if (t->list_top > 0)
		tui_paint_put(L->top, L->lw + 1, 1, "\xE2\x96\xB2", tui_paint_attr(t, TUI_R_KEY));
	if ((size_t)(t->list_top + L->h) < n)
		tui_paint_put(L->top + L->h - 1, L->lw + 1, 1, "\xE2\x96\xBC", tui_paint_attr(t, TUI_R_KEY));
	free(rows);
}

/* ---- detail pane: progress and gauges ---- */

static void bar(const struct tui *t, int y, int x, int w, double frac)
{
	if (w <= 0)
		return;
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	int full = (int)(frac * w + 0.5);
	wchar_t ws[WBUF];
	int k = 0;
	for (; k < full && k < WBUF - 1; k++)
		ws[k] = L'\u2588';
	attrset(tui_paint_attr(t, TUI_R_BAR));
	mvaddnwstr(y, x, ws, k);
	for (k = 0; k < w - full && k < WBUF - 1; k++)
		ws[k] = L'\u2591';
	attrset(tui_paint_attr(t, TUI_R_DIM));
	mvaddnwstr(y, x + full, ws, k);
	attrset(A_NORMAL);
}

static void eta_text(double eta, char *buf, size_t n)
{
	char d[32];
	format_duration(eta, d, sizeof d);
	snprintf(buf, n, "ETA %s", d);
}

/* A wait's row: the time waited and the time left before it gives up, or how long it took. */
static void wait_text(const struct tui_progress *p, char *buf, size_t n)
{
	char a[32], b[32];
	tui_format_short_duration(p->done, a, sizeof a);
	if (p->finished) {
		snprintf(buf, n, "done after %s", a);
		return;
	}
	tui_format_short_duration(p->total - p->done, b, sizeof b);
	snprintf(buf, n, "waiting %s \xC2\xB7 gives up in %s", a, b);
}

/* One line per bar: label, bar, percent, amounts when they fit; then one line of rate and
 * ETA (for the bar alone, or the total of several). A wait against a time limit is a line
 * of text instead (its limit is no estimate). Returns rows used. */
static int progress_block(struct tui *t, const struct tui_step *s, int y, int x, int w, int maxrows)
{
	if (!s->nprog || maxrows < 2)
		return 0;
	size_t shown = s->nprog;
	if ((int)shown > maxrows - 1)
		shown = (size_t)(maxrows - 1);
	size_t first = s->nprog - shown; /* the newest bars are the live ones */
	int labw = 0;
	for (size_t i = first; i < s->nprog; i++) {
		if (s->prog[i].limit)
			continue;
		int lw = tui_text_width(s->prog[i].label);
		if (lw > labw)
			labw = lw;
	}
	if (labw > w / 3)
		labw = w / 3;
	double sum_done = 0, sum_total = 0, sum_rate = 0, last_ts = 0;
	bool all_totals = true;
	const char *unit = NULL;
	const struct tui_progress *one = NULL; /* the only bar of work, if one */
	int nwork = 0;
	for (size_t i = 0; i < s->nprog; i++) {
		const struct tui_progress *p = &s->prog[i];
		if (p->last_ts > last_ts)
			last_ts = p->last_ts;
		if (p->limit)
			continue; /* a wait's limit is no amount of work: it stays out of the sums */
		if (nwork++ == 0)
			unit = p->unit, one = p;
		else
			one = NULL;
		sum_done += p->done;
		sum_total += p->total;
		if (p->total <= 0)
			all_totals = false;
		if (p->total <= 0 || p->done < p->total)
			sum_rate += tui_progress_rate(p);
		if (!unit || !p->unit || strcmp(unit, p->unit) != 0)
			unit = NULL;
	}
	/* one bar width for every row, so bars and percentages line up */
	int amtw_max = 0;
	for (size_t i = first; i < s->nprog; i++) {
		char amt[96];
		if (s->prog[i].total <= 0 || s->prog[i].limit)
			continue;
		tui_format_fraction(s->prog[i].done, s->prog[i].total, s->prog[i].unit, amt, sizeof amt);
		if (tui_text_width(amt) > amtw_max)
			amtw_max = tui_text_width(amt);
	}
	int bar_x = x + (labw ? labw + 1 : 0);
	int bw = x + w - bar_x - 5 - (amtw_max + 1);
	bool with_amt = bw >= 6;
	if (!with_amt)
		bw = x + w - bar_x - 5;
	int row = 0;
	for (size_t i = first; i < s->nprog; i++, row++) {
		const struct tui_progress *p = &s->prog[i];
		char amt[96], a1[40], pct[16];
		int cx = x;
		if (p->limit) { /* no bar to line up with: the label may take what the text leaves */
			wait_text(p, amt, sizeof amt);
			int tw = tui_text_width(amt), lw = tui_text_width(p->label);
			if (lw > w - tw - 1)
				lw = w - tw - 1;
			if (lw > 0)
				cx += tui_paint_put_pad(y + row, cx, lw, p->label, tui_paint_attr(t, TUI_R_NORMAL)) ? lw + 1 : 0;
			tui_paint_put(y + row, cx, x + w - cx, amt, tui_paint_attr(t, TUI_R_NORMAL));
			continue;
		}
		if (labw) {
			tui_paint_put_pad(y + row, cx, labw, p->label, tui_paint_attr(t, TUI_R_NORMAL));
			cx += labw + 1;
		}
		tui_format_amount(p->done, p->unit, a1, sizeof a1);
		if (p->total > 0) {
			tui_format_fraction(p->done, p->total, p->unit, amt, sizeof amt);
			snprintf(pct, sizeof pct, "%3.0f%%", floor(100.0 * p->done / p->total));
			bar(t, y + row, cx, bw, p->done / p->total);
			cx += bw + 1;
			cx += tui_paint_put(y + row, cx, 4, pct, tui_paint_attr(t, TUI_R_TITLE));
			if (with_amt)
				tui_paint_put(y + row, cx + 1, amtw_max, amt, tui_paint_attr(t, TUI_R_NORMAL));
		} else {
			char r[48];
			tui_format_rate(tui_progress_rate(p), p->unit, r, sizeof r);
			snprintf(amt, sizeof amt, "%s \xC2\xB7 %s", a1, r);
			tui_paint_put(y + row, cx, x + w - cx, amt, tui_paint_attr(t, TUI_R_NORMAL));
		}
	}
	/* the summary line: rate, ETA, or a stall the operator should look at */
	if (!nwork)
		return row; /* waits only: their rows say it all */
	char line[256], rate[48] = "", eta[48] = "", pre[96] = "";
	double rt = one ? tui_progress_rate(one) : sum_rate;
	if (rt > 0)
		tui_format_rate(rt, one ? one->unit : unit, rate, sizeof rate);
	double remaining = all_totals ? sum_total - sum_done : -1;
	double left = one ? tui_progress_eta(one) : remaining > 0 && rt > 0 ? remaining / rt : -1;
	if (remaining > 0 && left >= 0)
		eta_text(left, eta, sizeof eta);
	if (!one && all_totals && sum_total > 0)
		snprintf(pre, sizeof pre, "total %.0f%%", floor(100.0 * sum_done / sum_total));
	else if (one && one->total > 0 && one->done >= one->total)
		snprintf(pre, sizeof pre, "complete");
	snprintf(line, sizeof line, "%s%s%s%s%s", pre, pre[0] && rate[0] ? " \xC2\xB7 " : "", rate,
		 (pre[0] || rate[0]) && eta[0] ? " \xC2\xB7 " : "", eta);
	double idle = tui_now(t) - last_ts;
	bool stalled = s->state == TUI_RUNNING && remaining != 0 && idle >= STALL_SECS;
	if (!line[0] && !stalled)
		return row;
	int used = tui_paint_put(y + row, x, w, line, tui_paint_attr(t, TUI_R_NORMAL));
	if (stalled) {
		char st[64], d[32];
		tui_format_short_duration(idle, d, sizeof d);
		snprintf(st, sizeof st, "%sno progress for %s", used ? " \xC2\xB7 " : "", d);
		tui_paint_put(y + row, x + used, w - used, st, tui_paint_attr(t, TUI_R_WARN) | A_BOLD);
	}
	return row + 1;
}

static int gauge_lines(struct tui *t, const struct tui_gauge *g, size_t n, int y, int x, int w, int maxrows)
{
	int row = 0;
	for (size_t i = 0; i < n && row < maxrows; i++, row++) {
		char val[64];
		if (fabs(g[i].value) >= 10000) /* "205k rows", not "2.05e+05 rows" */
			tui_format_amount(g[i].value, g[i].unit, val, sizeof val);
		else
			snprintf(val, sizeof val, "%.3g%s%s", g[i].value, g[i].unit ? " " : "", g[i].unit ? g[i].unit : "");
		int nw = tui_text_width(g[i].name);
		if (nw > w / 3)
			nw = w / 3;
		int cx = x;
		cx += tui_paint_put_pad(y + row, cx, nw, g[i].name, tui_paint_attr(t, TUI_R_NORMAL)) ? nw + 1 : 0;
		cx += tui_paint_put(y + row, cx, x + w - cx, val, tui_paint_attr(t, TUI_R_TITLE)) + 1;
		int room = x + w - cx;
		if (room > 40)
			room = 40;
		if (room > 0) {
			wchar_t sp[64];
			size_t k = tui_gauge_sparkline(&g[i], (size_t)room, sp);
			attrset(tui_paint_attr(t, TUI_R_BAR));
			mvaddnwstr(y + row, cx, sp, (int)k);
			attrset(A_NORMAL);
		}
	}
	return row;
}

static int line_rows(const struct tui_line *ln, int tw)
{
	if (ln->width <= tw)
		return 1;
	struct tui_wtext w;
	tui_paint_wtext(&w, ln->text);
	int rows = 0;
	for (size_t i = 0; i < w.n; i = tui_paint_wrap_next(&w, i, tw))
		rows++;
	tui_paint_wtext_free(&w);
	return rows ? rows : 1;
}

struct hl {
	size_t from[32], to[32];
	int n;
};

static void find_matches(const char *text, const char *q, struct hl *h)
{
	h->n = 0;
	if (!q || !*q)
		return;
	bool exact = false;
	for (const char *p = q; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			exact = true;
	size_t ql = strlen(q);
	const char *p = text;
	while (h->n < 32 && (p = exact ? strstr(p, q) : strcasestr(p, q)) != NULL) {
		h->from[h->n] = (size_t)(p - text);
		h->to[h->n++] = (size_t)(p - text) + ql;
		p += ql;
	}
}

static bool in_match(const struct hl *h, size_t off)
{
	for (int i = 0; i < h->n; i++)
		if (off >= h->from[i] && off < h->to[i])
			return true;
	return false;
}

/* Draws characters [from, to) of w at y,x, switching to the match colour inside matches. */
static void draw_run(const struct tui *t, int y, int x, const struct tui_wtext *w, size_t from, size_t to,
		     attr_t base, const struct hl *h)
{
	attr_t mat = tui_paint_attr(t, TUI_R_MATCH);
	size_t i = from;
	int cx = x;
	while (i < to) {
		bool m = in_match(h, w->offs[i]);
		size_t j = i;
		while (j < to && in_match(h, w->offs[j]) == m)
			j++;
		attrset(m ? mat : base);
		mvaddnwstr(y, cx, w->ws + i, (int)(j - i));
		cx += tui_text_wswidth(w->ws + i, j - i);
		i = j;
	}
	attrset(A_NORMAL);
}

/* Draws rows [skip, skip + maxrows) of one log line; returns the rows drawn. */
static int log_line(struct tui *t, const struct tui_line *ln, int y, int x, int pw, int tw, int skip, int maxrows)
{
	struct tui_wtext w;
	struct hl h;
	tui_paint_wtext(&w, ln->text);
	find_matches(ln->text, t->search, &h);
	int row = 0, drawn = 0;
	size_t i = 0;
	do {
		size_t next = w.n ? tui_paint_wrap_next(&w, i, tw) : 0;
		if (row >= skip) {
			if (row == 0 && pw) {
				char ts[16];
				time_t tt = (time_t)ln->ts;
				struct tm tm;
				localtime_r(&tt, &tm);
				strftime(ts, sizeof ts, "%H:%M:%S", &tm);
				tui_paint_put(y + drawn, x, pw - 1, ts, tui_paint_attr(t, TUI_R_DIM));
			}
			draw_run(t, y + drawn, x + pw, &w, i, next, tui_paint_attr(t, level_roles[ln->level]), &h);
			drawn++;
		}
		row++;
		i = next;
	} while (i < w.n && drawn < maxrows);
	tui_paint_wtext_free(&w);
	return drawn;
}

static void log_widths(const struct layout *L, int *pw, int *tw)
{
	*pw = L->dw >= 40 ? 9 : 0;
	*tw = L->dw - *pw;
}

static void log_area(struct tui *t, const struct tui_log *l, int y0, int x, int w, int h, int pw, int tw)
{
	long start = l->dropped, end = tui_log_end(l), first;
	int skip = 0;
	if (!t->tail) {
		first = t->top_line < start ? start : t->top_line;
		int sum = 0;
		long i;
		for (i = first; i < end && sum <= h; i++)
			sum += line_rows(tui_log_line(l, i), tw);
		if (i >= end && sum <= h)
			t->tail = true; /* the rest fits: follow new lines again */
	}
	if (t->tail) {
		int sum = 0;
		first = end;
		while (first > start && sum < h)
			sum += line_rows(tui_log_line(l, --first), tw);
		skip = sum > h ? sum - h : 0;
	} else {
		first = t->top_line < start ? start : t->top_line;
	}
	int y = 0;
	long i = first;
	for (; i < end && y < h; i++) {
		const struct tui_line *ln = tui_log_line(l, i);
		int rows = line_rows(ln, tw);
		int drawn = log_line(t, ln, y0 + y, x, pw, tw, skip, h - y);
		if (drawn < rows - skip) {
			y += drawn;
			break; /* cut at the bottom: not counted as shown */
		}
		y += drawn;
		skip = 0;
	}
	t->shown_top = first;
	t->shown_end = i;
	t->log_rows = h;
	(void)w;
}

long tui_draw_page_up(struct tui *t, long from)
{
	const struct tui_log *l = tui_model_log(t->model, t->sel);
	struct layout L = layout_of(t);
	int pw, tw, sum = 0;
	log_widths(&L, &pw, &tw);
	long i = from;
	int page = t->log_rows > 1 ? t->log_rows - 1 : 1;
	while (i > l->dropped) {
		int r = line_rows(tui_log_line(l, i - 1), tw);
		if (sum + r > page && sum > 0)
			break;
		sum += r;
		i--;
	}
	return i;
}

/* Word-wrapped paragraph in at most maxrows rows; returns rows used. */
/* ---- detail pane ---- */

static void state_line(struct tui *t, const struct tui_step *s, int i, char *buf, size_t n)
{
	char d[32] = "";
	double secs = tui_model_step_secs(t->model, i, tui_now(t));
	if (secs >= 0)
		tui_format_short_duration(secs, d, sizeof d);
	struct sbuf b;
	sbuf_init(&b);
	sbuf_adds(&b, tui_state_label(s->state));
	if (d[0])
		sbuf_addf(&b, " \xC2\xB7 %s", d);
	if (s->attempt > 1)
		sbuf_addf(&b, " \xC2\xB7 attempt %d", s->attempt);
	if (s->state == TUI_SKIPPED && s->reason)
		sbuf_addf(&b, " \xC2\xB7 reason: %s", s->reason);
	if ((s->state == TUI_FAILED || s->state == TUI_INTERRUPTED) && !t->model->ended)
		sbuf_adds(&b, " \xC2\xB7 [r] retry or [s] skip");
	snprintf(buf, n, "%s", b.data);
	sbuf_free(&b);
}

static void log_rule(struct tui *t, const struct tui_log *l, int y, int x, int w)
{
	attrset(tui_paint_attr(t, TUI_R_FRAME));
	mvhline(y, x, ACS_HLINE, w);
	attrset(A_NORMAL);
	char buf[256];
	int cx = x + 1;
	cx += tui_paint_put(y, cx, w - 2, " log ", tui_paint_attr(t, TUI_R_DIM));
	if (!t->tail) {
		long newer = tui_log_end(l) - t->shown_end;
		if (newer > 0)
			snprintf(buf, sizeof buf, " \xE2\x86\x93 %ld newer [End] ", newer);
		else
			snprintf(buf, sizeof buf, " scrolled [End] ");
		cx += tui_paint_put(y, cx, x + w - cx, buf, tui_paint_attr(t, TUI_R_KEY));
	}
	if (t->search[0]) {
		snprintf(buf, sizeof buf, " /%.200s [n/N] ", t->search);
		tui_paint_put(y, cx, x + w - cx, buf, tui_paint_attr(t, TUI_R_MATCH));
	}
}

static void detail_pane(struct tui *t, const struct layout *L)
{
	struct tui_model *m = t->model;
	int x = L->dx, w = L->dw, y = L->top, ymax = L->top + L->h;
	const struct tui_log *log = &m->log;
	if (t->sel >= 0 && (size_t)t->sel < m->nsteps) {
		const struct tui_step *s = &m->steps[t->sel];
		char buf[512];
		log = &s->log;
		snprintf(buf, sizeof buf, "%d. ", t->sel + 1);
		int cx = x;
		cx += tui_paint_put(y, cx, w, tui_state_mark(s->state), tui_paint_attr(t, state_roles[s->state])) + 1;
		cx += tui_paint_put(y, cx, x + w - cx, buf, tui_paint_attr(t, TUI_R_TITLE));
		tui_paint_put(y, cx, x + w - cx, s->title, tui_paint_attr(t, TUI_R_TITLE));
		y++;
		state_line(t, s, t->sel, buf, sizeof buf);
		y += tui_paint_wrapped(y, x, w, 2, buf, tui_paint_attr(t, state_roles[s->state]));
		if (s->critical)
			tui_paint_put(y++, x, w, "\xE2\x9A\xA0 point of no return: no way back", tui_paint_attr(t, TUI_R_CRITICAL));
		if (s->state == TUI_PENDING && s->confirm) {
			snprintf(buf, sizeof buf, "asks%s: %s", s->challenge ? " (typed)" : "", s->confirm);
			tui_paint_put(y++, x, w, buf, tui_paint_attr(t, TUI_R_DIM));
		}
		if (s->error && (s->state == TUI_FAILED || s->state == TUI_INTERRUPTED))
			y += tui_paint_wrapped(y, x, w, 3, s->error, tui_paint_attr(t, TUI_R_ERROR) | A_BOLD);
		int room = ymax - y - 4;
		y += progress_block(t, s, y, x, w, room > 6 ? 6 : room);
		room = ymax - y - 4;
		y += gauge_lines(t, s->gauges, s->ngauges, y, x, w, room > 4 ? 4 : room);
	} else {
		tui_paint_put(y++, x, w, m->has_session ? "Session" : "Waiting for the session to start\xE2\x80\xA6", tui_paint_attr(t, TUI_R_TITLE));
	}
	int room = ymax - y - 4;
	y += gauge_lines(t, m->gauges, m->ngauges, y, x, w, room > 3 ? 3 : room);
	if (ymax - y < 2)
		return;
	log_rule(t, log, y, x - 1, w + 2);
	y++;
	int pw, tw;
	log_widths(L, &pw, &tw);
	log_area(t, log, y, x, w, ymax - y, pw, tw);
}

void tui_draw(struct tui *t)
{
	erase();
	if (t->cols < TUI_MIN_COLS || t->rows < TUI_MIN_ROWS) {
		tui_dialog_too_small(t);
	} else {
		struct layout L = layout_of(t);
		frame(t, &L);
		header(t);
		steps_pane(t, &L);
		detail_pane(t, &L);
		tui_dialog_footer(t);
		/* a reason being typed replaces the prompt's dialog, whose [r]/[s]/[a] keys would
		 * otherwise still show while those letters go into the reason */
		const struct tui_prompt *p = tui_model_prompt(t->model);
		if (p && t->modal != TUI_MODAL_INPUT)
			tui_dialog_prompt(t, p);
		if (t->modal == TUI_MODAL_HELP)
			tui_dialog_help(t);
		else if (t->modal != TUI_MODAL_NONE)
			tui_dialog_modal(t);
	}
	wnoutrefresh(stdscr);
	doupdate();
}
