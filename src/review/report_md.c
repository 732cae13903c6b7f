/* Markdown rendering of the session report and of a rehearsal/live comparison. */
#include "config.h"
#include "review/report_md.h"
#include "review/forecast.h"
#include "core/util.h"
#include <stdlib.h>
#include <string.h>

/* A table cell: one line, pipes escaped, so any log text keeps the table whole. */
static void cell(FILE *f, const char *s)
{
	fputc(' ', f);
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '|')
			fputs("\\|", f);
		else if (*p == '\n' || *p == '\r' || *p == '\t')
			fputc(' ', f);
		else
			fputc(*p, f);
	}
	fputs(" |", f);
}

static void row_start(FILE *f)
{
	fputc('|', f);
}

static void head(FILE *f, const char *const *cols)
{
	size_t n = 0;
	row_start(f);
	for (; cols[n]; n++)
		cell(f, cols[n]);
	fputs("\n|", f);
	for (size_t i = 0; i < n; i++)
		fputs("---|", f);
	fputc('\n', f);
}

static void kv(FILE *f, const char *k, const char *v, bool code)
{
	row_start(f);
	cell(f, k);
	if (code) {
		char *c = xasprintf("`%s`", v);
		cell(f, c);
		free(c);
	} else {
		cell(f, v);
	}
	fputc('\n', f);
}

static const char *confirmed_by(const struct report_step *s, char *buf, size_t n)
{
	buf[0] = '\0';
	size_t used = 0;
	for (size_t i = 0; i < s->nconfirms; i++) {
		const struct report_confirm *c = &s->confirms[i];
		if (!c->answered || strcmp(c->kind, "decision") == 0)
			continue;
		int w = snprintf(buf + used, n - used, "%s%s (%s)", used ? ", " : "", c->operator_name,
				 !c->ok ? "declined" : strcmp(c->kind, "ask") == 0 ? "answered" : "confirmed");
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

static void header(FILE *f, const struct report *r)
{
	char integ[512];
	fprintf(f, "# Session report: %s\n\n", *r->title ? r->title : r->runbook_id);
	report_integrity(r, integ, sizeof integ);
	fprintf(f, "**Journal integrity:** %s\n\n", integ);
	head(f, (const char *const[]){"", "", NULL});
	report_summary(r, kv, f);
	fputc('\n', f);
}

static void steps(FILE *f, const struct report *r)
{
	fprintf(f, "## Steps\n\n");
	head(f, (const char *const[]){"#", "Step", "Title", "Phase", "Status", "Duration", "Retries", "Confirmed by",
				      "Notes", NULL});
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct report_step *s = &r->steps[i];
		char num[24], dur[32], retries[16], by[512], id[128];
		snprintf(num, sizeof num, "%zu", i + 1);
		snprintf(id, sizeof id, "`%s`%s", s->id, s->critical ? " ⚠" : "");
		if (s->started || s->ended)
			report_format_secs(s->secs, dur, sizeof dur);
		else
			snprintf(dur, sizeof dur, "-");
		snprintf(retries, sizeof retries, "%d", s->attempts > 1 ? s->attempts - 1 : 0);
		row_start(f);
		cell(f, num);
		cell(f, id);
		cell(f, s->title);
		cell(f, s->phase);
		cell(f, s->status);
		cell(f, dur);
		cell(f, retries);
		cell(f, confirmed_by(s, by, sizeof by));
		cell(f, strcmp(s->status, "skipped") == 0 ? s->reason : s->error);
		fputc('\n', f);
	}
	fputc('\n', f);
}

static void confirmations(FILE *f, const struct report *r)
{
	fprintf(f, "## Confirmations and decisions\n\n");
	size_t n = 0;
	for (size_t i = 0; i < r->nsteps; i++)
		n += r->steps[i].nconfirms;
	if (!n) {
		fprintf(f, "No prompts.\n\n");
		return;
	}
	head(f, (const char *const[]){"Asked", "Step", "Kind", "Prompt", "Answer", "Result", "By", "Via", "Answered",
				      NULL});
	for (size_t i = 0; i < r->nsteps; i++)
		for (size_t k = 0; k < r->steps[i].nconfirms; k++) {
			const struct report_confirm *c = &r->steps[i].confirms[k];
			char asked[64], at[64];
			report_format_time(c->asked, asked, sizeof asked);
			report_format_time(c->at, at, sizeof at);
			row_start(f);
			cell(f, asked);
			cell(f, r->steps[i].id);
			cell(f, c->kind);
			cell(f, c->text);
			cell(f, c->answered ? (c->answer ? c->answer : "(none)") : "(never answered)");
			cell(f, !c->answered ? "-" : c->ok ? "accepted" : "not confirmed");
			cell(f, c->answered ? c->operator_name : "-");
			cell(f, c->answered ? c->source : "-");
			cell(f, c->answered ? at : "-");
			fputc('\n', f);
		}
	fputc('\n', f);
}

static void skips_and_failures(FILE *f, const struct report *r)
{
	fprintf(f, "## Skipped steps\n\n");
	bool any = false;
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct report_step *s = &r->steps[i];
		if (strcmp(s->status, "skipped") != 0)
			continue;
		if (!any)
			head(f, (const char *const[]){"Step", "Reason", NULL});
		any = true;
		row_start(f);
		cell(f, s->id);
		cell(f, s->reason);
		fputc('\n', f);
	}
	fprintf(f, any ? "\n" : "None.\n\n");
	fprintf(f, "## Failures\n\n");
	any = false;
	for (size_t i = 0; i < r->nsteps; i++)
		for (size_t k = 0; k < r->steps[i].nfailures; k++) {
			const struct report_failure *fl = &r->steps[i].failures[k];
			char at[64], att[16];
			if (!any)
				head(f, (const char *const[]){"Time", "Step", "Attempt", "Error", NULL});
			any = true;
			report_format_time(fl->at, at, sizeof at);
			snprintf(att, sizeof att, "%d", fl->attempt);
			row_start(f);
			cell(f, at);
			cell(f, r->steps[i].id);
			cell(f, att);
			cell(f, fl->error);
			fputc('\n', f);
		}
	fprintf(f, any ? "\n" : "None.\n\n");
}

void report_md_write(FILE *f, const struct report *r)
{
	header(f, r);
	steps(f, r);
	confirmations(f, r);
	skips_and_failures(f, r);
	if (r->nseries)
		fprintf(f, "Progress and lag charts: see the HTML report (`tejun report %s --format html`).\n", r->session);
}

/* "12.0 s ok", or why there is no time. */
static void step_cell(const struct report_step *s, const char *missing, char *buf, size_t n)
{
	char d[32];
	if (!s) {
		snprintf(buf, n, "%s", missing);
		return;
	}
	if (!s->ended) {
		snprintf(buf, n, "%s", s->status);
		return;
	}
	report_format_secs(s->secs, d, sizeof d);
	snprintf(buf, n, "%s %s", d, s->status);
}

void report_md_compare(FILE *f, const struct report *a, const struct report *b)
{
	char ia[512], ib[512];
	report_integrity(a, ia, sizeof ia);
	report_integrity(b, ib, sizeof ib);
	fprintf(f, "# Rehearsal vs live: %s\n\n", *b->title ? b->title : b->runbook_id);
	head(f, (const char *const[]){"", "Rehearsal", "Live", NULL});
	const char *rows[][3] = {{"Session", a->session, b->session},
				 {"Journal integrity", ia, ib},
				 {"Runbook sha256", a->runbook_sha256, b->runbook_sha256},
				 {"Operator", a->operator_name, b->operator_name},
				 {"Host", a->host, b->host}};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		row_start(f);
		for (int k = 0; k < 3; k++)
			cell(f, rows[i][k]);
		fputc('\n', f);
	}
	fputc('\n', f);
	if (strcmp(a->runbook_sha256, b->runbook_sha256) != 0)
		fprintf(f, "**The runbook changed between the two sessions.**\n\n");
	struct report_pair *p;
	size_t n = report_compare(a, b, &p), slow = 0;
	/* what plan --rehearsal would have forecast with the live run's data sizes */
	struct forecast fc;
	char *ferr = NULL;
	bool have_fc = forecast_build(a, NULL, 0, forecast_size_from, (void *)b, &fc, &ferr) == 0;
	free(ferr);
	fprintf(f, "## Steps\n\n");
	head(f, (const char *const[]){"Step", "Title", "Rehearsal", "Forecast", "Live", "Live / rehearsal", "Flag", NULL});
	for (size_t i = 0; i < n; i++) {
		char ra[64], rb[64], ratio[32];
		const struct report_step *x = p[i].rehearsal, *y = p[i].live;
		step_cell(x, "not in rehearsal", ra, sizeof ra);
		step_cell(y, "not in live", rb, sizeof rb);
		if (x && y && x->ended && y->ended && x->secs > 0)
			snprintf(ratio, sizeof ratio, "%.1f\xC3\x97", y->secs / x->secs);
		else
			snprintf(ratio, sizeof ratio, "-");
		slow += p[i].slower;
		char fcell[64];
		forecast_cell(have_fc ? forecast_find(&fc, p[i].id) : NULL, fcell, sizeof fcell);
		row_start(f);
		cell(f, p[i].id);
		cell(f, p[i].title);
		cell(f, ra);
		cell(f, fcell);
		cell(f, rb);
		cell(f, ratio);
		cell(f, p[i].slower ? "**SLOWER LIVE**" : "");
		fputc('\n', f);
	}
	fprintf(f, "\n%zu step(s) ran much longer live (more than %.1f\xC3\x97 the rehearsal and %.0f s more).\n", slow,
		REPORT_SLOW_RATIO, REPORT_SLOW_SECS);
	char line[256];
	if (have_fc && forecast_window_text(&fc, b, line, sizeof line))
		fprintf(f, "\n**Downtime:** %s\n", line);
	if (have_fc)
		forecast_free(&fc);
	free(p);
}
