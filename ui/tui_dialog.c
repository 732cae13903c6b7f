/* The TUI's footer, prompt dialog, small modals (input, are-you-sure) and help overlay. */
#include "config.h"
#include "ui/tui_int.h"
#include "ui/tui_text.h"
#include "core/util.h"
#include <stdio.h>
#include <string.h>

#define MIN_COLS TUI_MIN_COLS
#define MIN_ROWS TUI_MIN_ROWS

/* ---- footer ---- */

void tui_dialog_footer(struct tui *t)
{
	int y = t->rows - 1, x = 2, xmax = t->cols - 3;
	mvaddch(y, 1, ' ');
	/* the driver's line (replay: where the player is) keeps the right end, whatever else
	 * the footer says, as long as half the width is left for the rest */
	int sw = t->status[0] ? tui_text_width(t->status) : 0;
	if (sw > 0 && sw + 2 <= (xmax - x) / 2) {
		tui_paint_put(y, xmax - sw, sw, t->status, tui_paint_attr(t, TUI_R_TITLE));
		mvaddch(y, xmax - sw - 1, ' ');
		xmax -= sw + 2;
	}
	if (t->msg[0] && now_mono() < t->msg_until) {
		x += tui_paint_put(y, x, xmax - x, t->msg, t->msg_err ? tui_paint_attr(t, TUI_R_MSG_ERR) : tui_paint_attr(t, TUI_R_TITLE));
		mvaddch(y, x, ' ');
		return;
	}
	struct tui_hint hints[24];
	size_t n;
	switch (t->modal) {
	case TUI_MODAL_HELP:
		n = 1;
		hints[0] = (struct tui_hint){"any key", "close help", false, 1};
		break;
	case TUI_MODAL_INPUT:
		n = 2;
		hints[0] = (struct tui_hint){"enter", "ok", false, 1};
		hints[1] = (struct tui_hint){"esc", "cancel", false, 1};
		break;
	case TUI_MODAL_YESNO:
		n = 2;
		hints[0] = (struct tui_hint){"y", "yes", false, 1};
		hints[1] = (struct tui_hint){"n", "no", false, 1};
		break;
	default:
		n = tui_input_footer(t, hints, sizeof hints / sizeof *hints);
	}
	/* what does not fit gives way, least important first; the rest keeps its order */
	int need[24], total = 0;
	bool on[24];
	for (size_t i = 0; i < n; i++) {
		need[i] = 2 + tui_text_width(hints[i].key) + 1 + tui_text_width(hints[i].label) +
			  (hints[i].warn ? 2 : 0) + 2;
		total += need[i];
		on[i] = true;
	}
	while (total - 2 > xmax - x) {
		size_t drop = n;
		for (size_t i = 0; i < n; i++)
			if (on[i] && (drop == n || hints[i].prio >= hints[drop].prio))
				drop = i;
		if (drop == n)
			break;
		on[drop] = false;
		total -= need[drop];
	}
	for (size_t i = 0; i < n; i++) {
		if (!on[i] || x + need[i] - 2 > xmax)
			continue;
		char key[40];
		snprintf(key, sizeof key, "[%s]", hints[i].key);
		x += tui_paint_put(y, x, need[i], key, tui_paint_attr(t, TUI_R_KEY));
		mvaddch(y, x++, ' ');
		x += tui_paint_put(y, x, need[i], hints[i].label, tui_paint_attr(t, TUI_R_NORMAL));
		if (hints[i].warn)
			x += tui_paint_put(y, x, 2, " \xE2\x9A\xA0", tui_paint_attr(t, TUI_R_CRITICAL));
		if (x + 2 <= xmax) {
			mvaddstr(y, x, "  ");
			x += 2;
		}
	}
}

/* ---- dialogs ---- */

static void frame_box(const struct tui *t, int y, int x, int h, int w, const char *title, enum tui_role r)
{
	/* whole rows are cleared: half-hidden log text beside a dialog reads as garbage */
	for (int i = 0; i < h; i++)
		tui_paint_fill(y + i, 1, t->cols - 2, A_NORMAL);
	attrset(tui_paint_attr(t, r));
	mvhline(y, x + 1, ACS_HLINE, w - 2);
	mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
	mvvline(y + 1, x, ACS_VLINE, h - 2);
	mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
	mvaddch(y, x, ACS_ULCORNER);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	attrset(A_NORMAL);
	if (title) {
		char buf[256];
		snprintf(buf, sizeof buf, " %s ", title);
		tui_paint_put(y, x + 2, w - 4, buf, tui_paint_attr(t, r) | A_BOLD);
	}
}

/* An input field: "> text█", scrolled so the end of what was typed stays visible. */
static void field(const struct tui *t, int y, int x, int w, const wchar_t *ws, size_t n, attr_t a)
{
	mvaddstr(y, x, "> ");
	int room = w - 3;
	size_t from = 0;
	while (tui_text_wswidth(ws + from, n - from) > room)
		from++;
	attrset(a);
	mvaddnwstr(y, x + 2, ws + from, (int)(n - from));
	attrset(tui_paint_attr(t, TUI_R_SELECTED));
	addch(' ');
	attrset(A_NORMAL);
}

void tui_dialog_prompt(struct tui *t, const struct tui_prompt *p)
{
	const struct tui_model *m = t->model;
	const struct tui_step *s = p->step >= 0 ? &m->steps[p->step] : NULL;
	bool critical = s && s->critical;
	int w = t->cols - 4 < 72 ? t->cols - 4 : 72, iw = w - 4;
	int text_rows = tui_paint_wrapped_rows(iw, p->text);
	if (text_rows > 6)
		text_rows = 6;
	bool live = !t->cfg.replay && t->cfg.ctl;
	int extra = p->kind == TUI_CHALLENGE || p->kind == TUI_ASK ? 3 : 2;
	if (p->kind == TUI_DECISION && s && s->error && (!p->text || !strstr(p->text, s->error)))
		extra += 1;
	int h = 2 + 1 + (critical ? 1 : 0) + text_rows + extra;
	int y = (t->rows - h) / 2, x = (t->cols - w) / 2;
	if (y < 2)
		y = 2;
	static const char *const titles[] = {
		[TUI_CONFIRM] = "Confirm", [TUI_CHALLENGE] = "Type to confirm",
		[TUI_ASK] = "Question", [TUI_DECISION] = "The step did not finish: decide",
	};
	char title[160];
	snprintf(title, sizeof title, "%s%s", critical ? "\xE2\x9A\xA0 POINT OF NO RETURN \xC2\xB7 " : "", titles[p->kind]);
	frame_box(t, y, x, h, w, title, critical || p->kind == TUI_DECISION ? TUI_R_CRITICAL : TUI_R_WAITING);
	int cy = y + 1, cx = x + 2;
	if (s) {
		char buf[512];
		snprintf(buf, sizeof buf, "step %d \xC2\xB7 %s", p->step + 1, s->title);
		tui_paint_put(cy++, cx, iw, buf, tui_paint_attr(t, TUI_R_TITLE));
	} else {
		cy++;
	}
	if (critical)
		tui_paint_put(cy++, cx, iw, "This step cannot be taken back.", tui_paint_attr(t, TUI_R_CRITICAL));
	cy += tui_paint_wrapped(cy, cx, iw, text_rows, p->text, tui_paint_attr(t, TUI_R_NORMAL));
	cy++;
	char buf[512];
	switch (p->kind) {
	case TUI_CONFIRM:
		tui_paint_put(cy, cx, iw, live ? "[y] yes, go ahead      [n] no (also Esc)" : "waiting for the operator\xE2\x80\xA6", tui_paint_attr(t, TUI_R_KEY));
		break;
	case TUI_CHALLENGE: {
		snprintf(buf, sizeof buf, "Type %s exactly, then Enter (Esc declines):", p->word ? p->word : "?");
		int used = tui_paint_put(cy, cx, iw, "Type ", tui_paint_attr(t, TUI_R_NORMAL));
		used += tui_paint_put(cy, cx + used, iw - used, p->word ? p->word : "?", tui_paint_attr(t, TUI_R_MATCH) | A_BOLD);
		tui_paint_put(cy, cx + used, iw - used, " exactly, then Enter (Esc declines)", tui_paint_attr(t, TUI_R_NORMAL));
		char typed[TUI_INPUT_MAX * 4 + 1] = "";
		if (t->prompt_id == p->id) {
			mbstate_t st;
			memset(&st, 0, sizeof st);
			const wchar_t *src = t->pinput;
			wcsrtombs(typed, &src, sizeof typed, &st);
		}
		bool prefix = p->word && strncmp(p->word, typed, strlen(typed)) == 0;
		if (live)
			field(t, cy + 1, cx, iw, t->pinput, t->prompt_id == p->id ? t->npinput : 0,
			      prefix ? tui_paint_attr(t, TUI_R_TITLE) : tui_paint_attr(t, TUI_R_ERROR) | A_BOLD);
		break;
	}
	case TUI_ASK:
		snprintf(buf, sizeof buf, "Enter answers%s%s%s; Esc declines", p->deflt ? " (empty: " : "",
			 p->deflt ? p->deflt : "", p->deflt ? ")" : "");
		tui_paint_put(cy, cx, iw, buf, tui_paint_attr(t, TUI_R_NORMAL));
		if (live)
			field(t, cy + 1, cx, iw, t->pinput, t->prompt_id == p->id ? t->npinput : 0, tui_paint_attr(t, TUI_R_TITLE));
		break;
	case TUI_DECISION:
		if (s && s->error && (!p->text || !strstr(p->text, s->error)))
			tui_paint_put(cy++, cx, iw, s->error, tui_paint_attr(t, TUI_R_ERROR) | A_BOLD);
		tui_paint_put(cy, cx, iw, live ? "[r] retry   [s] skip (asks a reason)   [a] abort (asks first)" : "waiting for the operator\xE2\x80\xA6",
		    tui_paint_attr(t, TUI_R_KEY));
		break;
	}
}

void tui_dialog_modal(struct tui *t)
{
	int w = t->cols - 4 < 64 ? t->cols - 4 : 64, iw = w - 4;
	if (t->modal == TUI_MODAL_INPUT) {
		int y = t->rows - 8, x = (t->cols - w) / 2;
		frame_box(t, y, x, 4, w, t->input_title, TUI_R_KEY);
		field(t, y + 1, x + 2, iw, t->input, t->ninput, tui_paint_attr(t, TUI_R_TITLE));
		tui_paint_put(y + 2, x + 2, iw, "[enter] ok   [esc] cancel   ^U clears", tui_paint_attr(t, TUI_R_DIM));
	} else if (t->modal == TUI_MODAL_YESNO) {
		int rows = tui_paint_wrapped_rows(iw, t->yesno_text);
		int h = rows + 4, y = (t->rows - h) / 2, x = (t->cols - w) / 2;
		frame_box(t, y, x, h, w, "Are you sure?", TUI_R_CRITICAL);
		tui_paint_wrapped(y + 1, x + 2, iw, rows, t->yesno_text, tui_paint_attr(t, TUI_R_TITLE));
		tui_paint_put(y + rows + 2, x + 2, iw, "[y] yes      any other key: no", tui_paint_attr(t, TUI_R_KEY));
	}
}

struct help_ctx {
	struct tui *t;
	int y, x, w, ymax;
};

static void help_line(void *arg, const char *keys, const char *doc)
{
	struct help_ctx *c = arg;
	if (c->y >= c->ymax)
		return;
	tui_paint_put_pad(c->y, c->x, 12, keys, tui_paint_attr(c->t, TUI_R_KEY));
	tui_paint_put(c->y++, c->x + 13, c->w - 13, doc, tui_paint_attr(c->t, TUI_R_NORMAL));
}

void tui_dialog_help(struct tui *t)
{
	const struct tui_model *m = t->model;
	int w = t->cols - 4 < 90 ? t->cols - 4 : 90;
	int h = t->rows - 2, x = (t->cols - w) / 2, y = 1;
	frame_box(t, y, x, h, w, "tejun help (any key closes)", TUI_R_KEY);
	struct help_ctx c = {t, y + 1, x + 2, w - 4, y + h - 4};
	tui_input_help(t, help_line, &c);
	c.ymax = y + h - 1;
	tui_paint_put(c.y++, c.x, c.w, "\xC2\xB7 pending  \xE2\x96\xB6 running  ? waiting for confirmation  \xE2\x9C\x93 ok",
		      tui_paint_attr(t, TUI_R_NORMAL));
	int lw = tui_paint_put(c.y, c.x, c.w, "\xE2\x9C\x97 failed  \xE2\x86\xB7 skipped  ! interrupted  ", tui_paint_attr(t, TUI_R_NORMAL));
	tui_paint_put(c.y++, c.x + lw, c.w - lw, "\xE2\x9A\xA0 critical: the point of no return", tui_paint_attr(t, TUI_R_CRITICAL));
	if (c.y < c.ymax && m->session) {
		char buf[512];
		snprintf(buf, sizeof buf, "session %s \xC2\xB7 %s", m->session, m->runbook_path ? m->runbook_path : "");
		tui_paint_put(c.y++, c.x, c.w, buf, tui_paint_attr(t, TUI_R_DIM));
	}
}

void tui_dialog_too_small(struct tui *t)
{
	char buf[128];
	snprintf(buf, sizeof buf, "terminal too small: %dx%d (need %dx%d)", t->cols, t->rows, MIN_COLS, MIN_ROWS);
	tui_paint_put(t->rows / 2, 0, t->cols, buf, tui_paint_attr(t, TUI_R_TITLE));
	if (tui_model_prompt(t->model))
		tui_paint_put(t->rows / 2 + 1, 0, t->cols, "a prompt is waiting: enlarge the window", tui_paint_attr(t, TUI_R_CRITICAL));
}
