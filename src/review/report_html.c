/* HTML rendering of the session report: one page, no external files, charts drawn as
 * inline SVG (a step timeline, progress per bar, gauges such as replica lag). */
#include "config.h"
#include "review/report_html.h"
#include "review/forecast.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void report_html_escape(FILE *f, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*p, f);
		}
	}
}

static void td(FILE *f, const char *cls, const char *s)
{
	if (cls)
		fprintf(f, "<td class=\"%s\">", cls);
	else
		fputs("<td>", f);
	report_html_escape(f, s);
	fputs("</td>", f);
}

static void th_row(FILE *f, const char *const *cols)
{
	fputs("<tr>", f);
	for (; *cols; cols++) {
		fputs("<th>", f);
		report_html_escape(f, *cols);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
}

static void kv(FILE *f, const char *k, const char *v, bool code)
{
	fputs("<tr><th>", f);
	report_html_escape(f, k);
	fputs("</th>", f);
	if (code) {
		fputs("<td><code>", f);
		report_html_escape(f, v);
		fputs("</code></td>", f);
	} else {
		td(f, NULL, v);
	}
	fputs("</tr>\n", f);
}

static const char *status_class(const char *st)
{
	return strcmp(st, "ok") == 0 ? "ok" : strcmp(st, "skipped") == 0 ? "skip"
	       : strcmp(st, "failed") == 0 || strcmp(st, "interrupted") == 0 ? "bad" : "other";
}

static const char STYLE[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1150px}"
	"h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}"
	"table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
	"th{background:#f3f3f3}.ok{color:#176c2c}.bad{color:#b00020;font-weight:bold}.skip{color:#8a5a00}.other{color:#555}"
	".banner{padding:10px 14px;border-radius:6px;font-weight:bold;margin:10px 0}"
	".intact{background:#e6f4ea;color:#176c2c}.tampered{background:#fde7e9;color:#b00020;border:2px solid #b00020}"
	"code{font-size:12px}.slow{background:#fde7e9;color:#b00020;font-weight:bold}svg{background:#fafafa;border:1px solid #ddd;margin:6px 12px 6px 0}"
	".charts{display:flex;flex-wrap:wrap}";

static void page_start(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
	report_html_escape(f, title);
	fprintf(f, "</title><style>%s</style></head><body>\n", STYLE);
}

static void banner(FILE *f, const struct report *r)
{
	char integ[512];
	report_integrity(r, integ, sizeof integ);
	fprintf(f, "<div class=\"banner %s\">", report_intact(r) ? "intact" : "tampered");
	report_html_escape(f, integ);
	fputs("</div>\n", f);
}

static void summary(FILE *f, const struct report *r)
{
	fputs("<table>\n", f);
	report_summary(r, kv, f);
	fputs("</table>\n", f);
}

static void steps(FILE *f, const struct report *r)
{
	fputs("<h2>Steps</h2>\n<table>\n", f);
	th_row(f, (const char *const[]){"#", "Step", "Title", "Phase", "Status", "Duration", "Retries", "Confirmed by",
					"Notes", NULL});
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct report_step *s = &r->steps[i];
		char num[24], dur[32], retries[16];
		snprintf(num, sizeof num, "%zu", i + 1);
		if (s->started || s->ended)
			report_format_secs(s->secs, dur, sizeof dur);
		else
			snprintf(dur, sizeof dur, "-");
		snprintf(retries, sizeof retries, "%d", s->attempts > 1 ? s->attempts - 1 : 0);
		fprintf(f, "<tr id=\"step-%zu\">", i + 1);
		td(f, NULL, num);
		fputs("<td><code>", f);
		report_html_escape(f, s->id);
		fputs(s->critical ? "</code> \xE2\x9A\xA0</td>" : "</code></td>", f);
		td(f, NULL, s->title);
		td(f, NULL, s->phase);
		td(f, status_class(s->status), s->status);
		td(f, NULL, dur);
		td(f, NULL, retries);
		fputs("<td>", f);
		for (size_t k = 0, shown = 0; k < s->nconfirms; k++) {
			const struct report_confirm *c = &s->confirms[k];
			if (!c->answered || strcmp(c->kind, "decision") == 0)
				continue;
			fputs(shown++ ? ", " : "", f);
			report_html_escape(f, c->operator_name);
			fputs(!c->ok ? " (declined)" : strcmp(c->kind, "ask") == 0 ? " (answered)" : " (confirmed)", f);
		}
		fputs("</td>", f);
		td(f, NULL, strcmp(s->status, "skipped") == 0 ? s->reason : s->error);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void confirmations(FILE *f, const struct report *r)
{
	fputs("<h2>Confirmations and decisions</h2>\n", f);
	size_t n = 0;
	for (size_t i = 0; i < r->nsteps; i++)
		n += r->steps[i].nconfirms;
	if (!n) {
		fputs("<p>No prompts.</p>\n", f);
		return;
	}
	fputs("<table>\n", f);
	th_row(f, (const char *const[]){"Asked", "Step", "Kind", "Prompt", "Answer", "Result", "By", "Via", "Answered",
					NULL});
	for (size_t i = 0; i < r->nsteps; i++)
		for (size_t k = 0; k < r->steps[i].nconfirms; k++) {
			const struct report_confirm *c = &r->steps[i].confirms[k];
			char asked[64], at[64];
			report_format_time(c->asked, asked, sizeof asked);
			report_format_time(c->at, at, sizeof at);
			fputs("<tr>", f);
			td(f, NULL, asked);
			td(f, NULL, r->steps[i].id);
			td(f, NULL, c->kind);
			td(f, NULL, c->text);
			td(f, NULL, c->answered ? (c->answer ? c->answer : "(none)") : "(never answered)");
			td(f, c->answered && c->ok ? "ok" : "bad", !c->answered ? "-" : c->ok ? "accepted" : "not confirmed");
			td(f, NULL, c->answered ? c->operator_name : "-");
			td(f, NULL, c->answered ? c->source : "-");
			td(f, NULL, c->answered ? at : "-");
			fputs("</tr>\n", f);
		}
	fputs("</table>\n", f);
}

static void skips_and_failures(FILE *f, const struct report *r)
{
	fputs("<h2>Skipped steps</h2>\n", f);
	bool any = false;
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct report_step *s = &r->steps[i];
		if (strcmp(s->status, "skipped") != 0)
			continue;
		if (!any) {
			fputs("<table>\n", f);
			th_row(f, (const char *const[]){"Step", "Reason", NULL});
		}
		any = true;
		fputs("<tr>", f);
		td(f, NULL, s->id);
		td(f, NULL, s->reason);
		fputs("</tr>\n", f);
	}
	fputs(any ? "</table>\n" : "<p>None.</p>\n", f);
	fputs("<h2>Failures</h2>\n", f);
	any = false;
	for (size_t i = 0; i < r->nsteps; i++)
		for (size_t k = 0; k < r->steps[i].nfailures; k++) {
			const struct report_failure *fl = &r->steps[i].failures[k];
			char at[64], att[16];
			if (!any) {
				fputs("<table>\n", f);
				th_row(f, (const char *const[]){"Time", "Step", "Attempt", "Error", NULL});
			}
			any = true;
			report_format_time(fl->at, at, sizeof at);
			snprintf(att, sizeof att, "%d", fl->attempt);
			fputs("<tr>", f);
			td(f, NULL, at);
			td(f, NULL, r->steps[i].id);
			td(f, NULL, att);
			td(f, "bad", fl->error);
			fputs("</tr>\n", f);
		}
	fputs(any ? "</table>\n" : "<p>None.</p>\n", f);
}

/* ---- charts ---- */

enum { CW = 520, CH = 170, PL = 48, PR = 12, PT = 26, PB = 26 };

static void chart(FILE *f, const struct report *r, const struct report_series *s)
{
	double t0 = s->pts[0].t, t1 = s->pts[s->n - 1].t, lo = 0, hi = s->gauge ? 0 : 100;
	for (size_t i = 0; i < s->n; i++) {
		if (s->pts[i].v > hi)
			hi = s->pts[i].v;
		if (s->pts[i].v < lo)
			lo = s->pts[i].v;
	}
	if (hi <= lo)
		hi = lo + 1;
	if (t1 <= t0)
		t1 = t0 + 1;
	double w = CW - PL - PR, h = CH - PT - PB;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
		CW, CH, CW, CH);
	fputs("<title>", f);
	report_html_escape(f, s->name);
	fputs("</title><text x=\"8\" y=\"17\" font-size=\"13\" font-weight=\"bold\">", f);
	report_html_escape(f, s->step);
	fputs(" \xC2\xB7 ", f);
	report_html_escape(f, *s->name ? s->name : (s->gauge ? "gauge" : "progress"));
	if (*s->unit) { /* "%" for a bar, "s" for a wait, a gauge's own */
		fputs(" (", f);
		report_html_escape(f, s->unit);
		fputc(')', f);
	}
	fputs("</text>", f);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", PL, PT, PL, CH - PB);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", PL, CH - PB, CW - PR, CH - PB);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%g</text>", PL - 4, PT + 4, hi);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%g</text>", PL - 4, CH - PB, lo);
	char a[64], d[32];
	report_format_time(t0, a, sizeof a);
	report_format_secs(t1 - t0, d, sizeof d);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", PL, CH - 8, a + 11);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">+%s</text>", CW - PR, CH - 8, d);
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", s->gauge ? "#c05000" : "#1f5fbf");
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%.1f,%.1f ", PL + w * (s->pts[i].t - t0) / (t1 - t0),
			PT + h * (1 - (s->pts[i].v - lo) / (hi - lo)));
	fputs("\"/></svg>\n", f);
	(void)r;
}

/* Each step as a bar on the session's clock, coloured by how it ended. */
static void timeline(FILE *f, const struct report *r)
{
	double t0 = r->start, t1 = r->end > r->start ? r->end : r->start + 1;
	int rowh = 18, height = (int)r->nsteps * rowh + 30, left = 170, width = 1000;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
		   "<title>step timeline</title>", width, height, width, height);
	double from, to;
	if (report_downtime(r, &from, &to))
		fprintf(f, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%d\" fill=\"#fde7e9\"/>"
			   "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#b00020\">downtime</text>",
			left + (width - left - 10) * (from - t0) / (t1 - t0), fmax(1, (width - left - 10) * (to - from) / (t1 - t0)),
			height - 14, left + (width - left - 10) * (from - t0) / (t1 - t0) + 2, height - 4);
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct report_step *s = &r->steps[i];
		int y = 4 + (int)i * rowh;
		fprintf(f, "<text x=\"4\" y=\"%d\" font-size=\"12\">", y + 12);
		report_html_escape(f, s->id);
		fputs("</text>", f);
		if (!s->started && !s->ended)
			continue;
		double end = s->ended ? s->end : r->end;
		const char *cls = status_class(s->status);
		const char *color = strcmp(cls, "ok") == 0 ? "#2e8b47" : strcmp(cls, "skip") == 0 ? "#d0a020"
				    : strcmp(cls, "bad") == 0 ? "#c0203a" : "#888";
		fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>",
			left + (width - left - 10) * (s->start - t0) / (t1 - t0), y + 2,
			fmax(2, (width - left - 10) * (end - s->start) / (t1 - t0)), rowh - 5, color);
		report_html_escape(f, s->id);
		fputs(": ", f);
		report_html_escape(f, s->status);
		fputs("</title></rect>", f);
	}
	fputs("</svg>\n", f);
}

static void charts(FILE *f, const struct report *r)
{
	fputs("<h2>Timeline</h2>\n", f);
	timeline(f, r);
	fputs("<h2>Progress and lag</h2>\n", f);
	if (!r->nseries) {
		fputs("<p>No progress or gauge events in this session.</p>\n", f);
		return;
	}
	fputs("<div class=\"charts\">\n", f);
	for (int gauge = 0; gauge < 2; gauge++)
		for (size_t i = 0; i < r->nseries; i++)
			if (r->series[i].gauge == gauge && r->series[i].n > 0)
				chart(f, r, &r->series[i]);
	fputs("</div>\n", f);
}

void report_html_write(FILE *f, const struct report *r)
{
	page_start(f, r->title);
	fputs("<h1>Session report: ", f);
	report_html_escape(f, *r->title ? r->title : r->runbook_id);
	fputs("</h1>\n", f);
	banner(f, r);
	summary(f, r);
	steps(f, r);
	confirmations(f, r);
	skips_and_failures(f, r);
	charts(f, r);
	fputs("</body></html>\n", f);
}

static void step_cell(FILE *f, const struct report_step *s, const char *missing)
{
	char d[32];
	if (!s) {
		td(f, "other", missing);
		return;
	}
	fprintf(f, "<td class=\"%s\">", status_class(s->status));
	if (s->ended) {
		report_format_secs(s->secs, d, sizeof d);
		fprintf(f, "%s ", d);
	}
	report_html_escape(f, s->status);
	fputs("</td>", f);
}

void report_html_compare(FILE *f, const struct report *a, const struct report *b)
{
	page_start(f, b->title);
	fputs("<h1>Rehearsal vs live: ", f);
	report_html_escape(f, *b->title ? b->title : b->runbook_id);
	fputs("</h1>\n<p>Rehearsal:</p>", f);
	banner(f, a);
	fputs("<p>Live:</p>", f);
	banner(f, b);
	fputs("<table>\n", f);
	th_row(f, (const char *const[]){"", "Rehearsal", "Live", NULL});
	const char *rows[][3] = {{"Session", a->session, b->session},
				 {"Runbook sha256", a->runbook_sha256, b->runbook_sha256},
				 {"Operator", a->operator_name, b->operator_name},
				 {"Host", a->host, b->host}};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		fputs("<tr><th>", f);
		report_html_escape(f, rows[i][0]);
		fputs("</th>", f);
		td(f, NULL, rows[i][1]);
		td(f, NULL, rows[i][2]);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (strcmp(a->runbook_sha256, b->runbook_sha256) != 0)
		fputs("<p class=\"bad\">The runbook changed between the two sessions.</p>\n", f);
	struct report_pair *p;
	size_t n = report_compare(a, b, &p), slow = 0;
	struct forecast fc;
	char *ferr = NULL;
	bool have_fc = forecast_build(a, NULL, 0, forecast_size_from, (void *)b, &fc, &ferr) == 0;
	free(ferr);
	fputs("<h2>Steps</h2>\n<table>\n", f);
	th_row(f, (const char *const[]){"Step", "Title", "Rehearsal", "Forecast", "Live", "Live / rehearsal", "Flag", NULL});
	for (size_t i = 0; i < n; i++) {
		const struct report_step *x = p[i].rehearsal, *y = p[i].live;
		fprintf(f, "<tr%s>", p[i].slower ? " class=\"slow\"" : "");
		td(f, NULL, p[i].id);
		td(f, NULL, p[i].title);
		step_cell(f, x, "not in rehearsal");
		char fcell[64];
		forecast_cell(have_fc ? forecast_find(&fc, p[i].id) : NULL, fcell, sizeof fcell);
		td(f, NULL, fcell);
		step_cell(f, y, "not in live");
		if (x && y && x->ended && y->ended && x->secs > 0)
			fprintf(f, "<td>%.1f\xC3\x97</td>", y->secs / x->secs);
		else
			fputs("<td>-</td>", f);
		td(f, NULL, p[i].slower ? "SLOWER LIVE" : "");
		fputs("</tr>\n", f);
		slow += p[i].slower;
	}
	fprintf(f, "</table>\n<p>%zu step(s) ran much longer live (more than %.1f\xC3\x97 the rehearsal and %.0f s more).</p>\n",
		slow, REPORT_SLOW_RATIO, REPORT_SLOW_SECS);
	char line[256];
	if (have_fc && forecast_window_text(&fc, b, line, sizeof line)) {
		fputs("<p><b>Downtime:</b> ", f);
		report_html_escape(f, line);
		fputs("</p>\n", f);
	}
	if (have_fc)
		forecast_free(&fc);
	free(p);
	fputs("</body></html>\n", f);
}
