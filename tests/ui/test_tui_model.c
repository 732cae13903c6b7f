/* Unit tests of the TUI model without curses: display widths, truncation, progress rate and
 * ETA, sparklines, and how events fold into steps, logs and prompts. */
#include "config.h"
#include "ui/tui_model.h"
#include "ui/tui_text.h"
#include "core/util.h"
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, checks;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		checks++;                                                            \
		if (!(cond)) {                                                       \
			failures++;                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                    \
	} while (0)

static void test_widths(void)
{
	CHECK(tui_text_width("ALB") == 3);
	CHECK(tui_text_width("ALBをメンテにする") == 3 + 2 * 7);
	CHECK(tui_text_width("auroraをmasterに昇格") == 20);
	CHECK(tui_text_width("\xE2\x9C\x93") == 1);        /* ✓ */
	CHECK(tui_text_width("e\xCC\x81") == 1);           /* e + combining acute */
	CHECK(tui_text_width("bad\xFF") == 4);             /* invalid byte: one column */
}

static void test_fit_never_splits(void)
{
	wchar_t ws[64];
	size_t n = tui_text_decode("ALBをメンテ", strlen("ALBをメンテ"), ws, NULL, 64);
	CHECK(n == 7);
	int used;
	/* 4 columns: "ALB" (3) fits, "を" (2) would cross the edge */
	CHECK(tui_text_fit(ws, n, 4, &used) == 3 && used == 3);
	CHECK(tui_text_fit(ws, n, 5, &used) == 4 && used == 5);
	CHECK(tui_text_fit(ws, n, 0, &used) == 0 && used == 0);

	char buf[64];
	/* cut with an ellipsis within the columns, never through a double-width character */
	int w = tui_text_truncate("auroraをmasterに昇格", 10, buf, sizeof buf);
	CHECK(strcmp(buf, "auroraをm\xE2\x80\xA6") == 0 && w == 10);
	CHECK(tui_text_width(buf) == w);
	w = tui_text_truncate("auroraをmasterに昇格", 9, buf, sizeof buf);
	CHECK(strcmp(buf, "auroraを\xE2\x80\xA6") == 0 && w == 9);
	/* 8 columns: "を" would end on column 9 with the ellipsis: left out, one column short */
	w = tui_text_truncate("auroraをmasterに昇格", 8, buf, sizeof buf);
	CHECK(strcmp(buf, "aurora\xE2\x80\xA6") == 0 && w == 7);
	w = tui_text_truncate("short", 10, buf, sizeof buf);
	CHECK(strcmp(buf, "short") == 0 && w == 5);
}

static void test_decode_offsets(void)
{
	wchar_t ws[16];
	size_t offs[16];
	size_t n = tui_text_decode("aを\tb", strlen("aを\tb"), ws, offs, 16);
	CHECK(n == 4);
	CHECK(offs[0] == 0 && offs[1] == 1 && offs[2] == 4 && offs[3] == 5);
	CHECK(ws[2] == L' '); /* a control character is drawn as a space */
}

static void test_sanitize(void)
{
	char *s = tui_text_sanitize("\x1b[31mred\x1b[0m ok", strlen("\x1b[31mred\x1b[0m ok"));
	CHECK(strcmp(s, "red ok") == 0);
	free(s);
	s = tui_text_sanitize("10%\r55%\r", strlen("10%\r55%\r"));
	CHECK(strcmp(s, "55%") == 0);
	free(s);
	s = tui_text_sanitize("a\tb", 3);
	CHECK(strcmp(s, "a   b") == 0); /* tab stops every 4 columns */
	free(s);
	s = tui_text_sanitize("x\xFFy", 3);
	CHECK(strcmp(s, "x\xEF\xBF\xBDy") == 0);
	free(s);
}

static void test_progress(void)
{
	struct tui_progress p;
	memset(&p, 0, sizeof p);
	CHECK(tui_progress_rate(&p) == 0);
	CHECK(tui_progress_eta(&p) < 0);
	/* 10 MB/s for 30 s, then 40 MB/s for 20 s: the window (20 s) sees only the recent rate */
	double t = 1000, done = 0;
	for (int i = 0; i < 30; i++)
		tui_progress_add(&p, t += 1, done += 10e6, 2e9);
	CHECK(fabs(tui_progress_rate(&p) - 10e6) < 1);
	for (int i = 0; i < 20; i++)
		tui_progress_add(&p, t += 1, done += 40e6, 2e9);
	CHECK(fabs(tui_progress_rate(&p) - 40e6) < 1);
	double eta = tui_progress_eta(&p);
	CHECK(fabs(eta - (2e9 - done) / 40e6) < 1e-6);
	/* sparse events: a rate from the previous sample even outside the window */
	tui_progress_add(&p, t += 100, done += 100e6, 2e9);
	CHECK(fabs(tui_progress_rate(&p) - 1e6) < 1);
	/* going backwards starts a new measurement */
	tui_progress_add(&p, t += 1, 5, 10);
	CHECK(p.win.n == 1 && tui_progress_rate(&p) == 0);
	/* done (or beyond: estimates are off) has no ETA */
	tui_progress_add(&p, t += 1, 15, 10);
	CHECK(tui_progress_eta(&p) < 0);
	/* a finished bar's rate is its whole life's average (what the step's last MB/s says),
	 * not the last window's: 10 units/s for 30 s, then 40 units/s for 10 s */
	memset(&p, 0, sizeof p);
	t = 0, done = 0;
	tui_progress_add(&p, t, done, 700);
	for (int i = 0; i < 30; i++)
		tui_progress_add(&p, t += 1, done += 10, 700);
	for (int i = 0; i < 10; i++)
		tui_progress_add(&p, t += 1, done += 40, 700);
	CHECK(done == 700 && fabs(tui_progress_rate(&p) - 700.0 / 40) < 1e-9);
	/* the ring keeps the newest samples */
	memset(&p, 0, sizeof p);
	for (int i = 0; i < RATEWIN_SAMPLES * 3; i++)
		tui_progress_add(&p, i * 0.25, i * 100.0, 1e9);
	CHECK(p.win.n == RATEWIN_SAMPLES);
	CHECK(fabs(tui_progress_rate(&p) - 400) < 1e-6);
}

static void test_sparkline(void)
{
	CHECK(tui_spark_char(0, 0, 1) == L'\u2581');
	CHECK(tui_spark_char(1, 0, 1) == L'\u2588');
	CHECK(tui_spark_char(0.5, 0, 1) == L'\u2585');
	CHECK(tui_spark_char(2, 0, 1) == L'\u2588');   /* clamped */
	CHECK(tui_spark_char(5, 5, 5) == L'\u2581');   /* flat: lowest bar */
	CHECK(tui_spark_char(NAN, 0, 1) == L'\u2581');

	struct tui_gauge g;
	memset(&g, 0, sizeof g);
	double vals[] = {0.3, 0.3, 0.6, 0.3, 0.3, 0.3, 1.2, 0.3};
	for (size_t i = 0; i < 8; i++)
		tui_gauge_add(&g, vals[i]);
	wchar_t out[80];
	CHECK(tui_gauge_sparkline(&g, 40, out) == 8);
	CHECK(out[6] == L'\u2588' && out[0] == L'\u2583' && wcslen(out) == 8);
	CHECK(tui_gauge_sparkline(&g, 3, out) == 3);     /* the newest values */
	CHECK(out[1] == L'\u2588');
	g.has_max = true;
	g.max = 2.4;
	tui_gauge_sparkline(&g, 40, out);
	CHECK(out[6] == L'\u2585');                       /* 1.2 of 2.4 */
	for (int i = 0; i < TUI_GAUGE_HISTORY * 2; i++)
		tui_gauge_add(&g, i);
	CHECK(g.nh == TUI_GAUGE_HISTORY && g.value == TUI_GAUGE_HISTORY * 2 - 1);
}

static void emit(struct tui_model *m, enum event_type type, const char *step, const char *json, double ts)
{
	json_error_t jerr;
	json_t *d = json_loads(json, 0, &jerr);
	if (!d) {
		fprintf(stderr, "bad test json: %s\n", jerr.text);
		exit(2);
	}
	struct event ev = {.type = type, .seq = 1, .ts = ts, .step = step, .data = d};
	tui_model_apply(m, &ev);
	json_decref(d);
}

static void test_events(void)
{
	struct tui_model *m = tui_model_new();
	emit(m, EV_SESSION, NULL,
	     "{\"session\":\"s1\",\"operator\":\"ops\",\"host\":\"bastion\",\"runbook\":{\"title\":\"RDS MySQL → Aurora\"},"
	     "\"phases\":[\"Maintenance\"],\"steps\":[{\"id\":\"alb\",\"title\":\"ALBをメンテにする\",\"phase\":\"Maintenance\"},"
	     "{\"id\":\"promote\",\"title\":\"auroraをmasterに昇格\",\"critical\":true,\"confirm\":\"Promote?\",\"challenge\":true}]}",
	     100);
	CHECK(m->nsteps == 2 && m->steps[1].critical && m->steps[1].challenge);
	CHECK(strcmp(m->steps[0].title, "ALBをメンテにする") == 0);
	CHECK(tui_model_next(m) == 0 && !tui_model_busy(m));
	emit(m, EV_STEP_START, "alb", "{\"attempt\":1}", 101);
	CHECK(m->current == 0 && m->steps[0].state == TUI_RUNNING && tui_model_busy(m));
	CHECK(fabs(tui_model_step_secs(m, 0, 104) - 3) < 1e-9);
	emit(m, EV_LOG, "alb", "{\"text\":\"one\\ntwo\\n\",\"level\":\"warn\"}", 102);
	CHECK(m->steps[0].log.n == 2 && m->steps[0].log.lines[1].level == TUI_WARN);
	emit(m, EV_PROGRESS, "alb", "{\"done\":50,\"total\":100,\"unit\":\"bytes\",\"label\":\"dump\"}", 102);
	emit(m, EV_PROGRESS, "alb", "{\"done\":75,\"total\":100,\"unit\":\"bytes\",\"label\":\"dump\"}", 103);
	CHECK(m->steps[0].nprog == 1 && fabs(tui_progress_rate(&m->steps[0].prog[0]) - 25) < 1e-9);
	CHECK(fabs(tui_progress_eta(&m->steps[0].prog[0]) - 1) < 1e-9); /* 25 left at 25/s */
	/* the step's own estimate, when the event carries one, wins; the next event without one
	 * falls back to the rate */
	emit(m, EV_PROGRESS, "alb", "{\"done\":80,\"total\":100,\"unit\":\"bytes\",\"label\":\"dump\",\"eta\":7.5}", 103.2);
	CHECK(fabs(tui_progress_eta(&m->steps[0].prog[0]) - 7.5) < 1e-9);
	emit(m, EV_PROGRESS, "alb", "{\"done\":85,\"total\":100,\"unit\":\"bytes\",\"label\":\"dump\"}", 103.4);
	CHECK(tui_progress_eta(&m->steps[0].prog[0]) > 0 && fabs(tui_progress_eta(&m->steps[0].prog[0]) - 7.5) > 1);
	emit(m, EV_GAUGE, NULL, "{\"name\":\"replica lag\",\"value\":0.3,\"unit\":\"s\"}", 103);
	CHECK(m->ngauges == 1 && strcmp(m->gauges[0].unit, "s") == 0);
	emit(m, EV_STEP_END, "alb", "{\"state\":\"ok\",\"secs\":2.5}", 103.5);
	CHECK(m->steps[0].state == TUI_OK && tui_model_step_secs(m, 0, 999) == 2.5);
	CHECK(tui_model_next(m) == 1);
	emit(m, EV_STEP_START, "promote", "{\"attempt\":1}", 104);
	emit(m, EV_STEP_STATE, "promote", "{\"state\":\"waiting\"}", 104);
	emit(m, EV_PROMPT, "promote", "{\"id\":7,\"kind\":\"challenge\",\"text\":\"Promote?\",\"challenge\":\"prod-aurora\"}", 104);
	const struct tui_prompt *p = tui_model_prompt(m);
	CHECK(p && p->id == 7 && p->kind == TUI_CHALLENGE && p->step == 1 && strcmp(p->word, "prod-aurora") == 0);
	emit(m, EV_ANSWER, "promote", "{\"id\":7,\"answer\":\"prod-aurora\",\"ok\":true,\"source\":\"tty\"}", 105);
	CHECK(tui_model_prompt(m) == NULL);
	emit(m, EV_STEP_END, "promote", "{\"state\":\"failed\",\"secs\":1,\"error\":\"kaboom\"}", 105);
	CHECK(tui_model_stuck(m) == 1 && strcmp(m->steps[1].error, "kaboom") == 0);
	emit(m, EV_PROMPT, "promote", "{\"id\":8,\"kind\":\"decision\",\"text\":\"Retry?\"}", 105);
	CHECK(tui_model_prompt(m)->kind == TUI_DECISION && tui_model_prompt(m)->noptions == 3);
	/* a step the header did not name is shown rather than lost */
	emit(m, EV_LOG, "ghost", "{\"text\":\"hello\"}", 106);
	CHECK(m->nsteps == 3 && tui_model_find(m, "ghost") == 2);
	emit(m, EV_END, NULL, "{\"status\":\"failed\",\"exit_code\":1}", 107);
	CHECK(m->ended && m->nprompts == 0 && strcmp(m->end_status, "failed") == 0);
	tui_model_reset(m);
	CHECK(m->nsteps == 0 && !m->has_session && m->current == -1);
	tui_model_free(m);
}

static void test_log_cap(void)
{
	struct tui_log l;
	memset(&l, 0, sizeof l);
	for (int i = 0; i < TUI_LOG_MAX + 10; i++) {
		char buf[32];
		snprintf(buf, sizeof buf, "line %d", i);
		tui_model_log_add(&l, i, TUI_INFO, buf);
	}
	CHECK(tui_log_end(&l) == TUI_LOG_MAX + 10);
	CHECK(l.dropped > 0 && tui_log_line(&l, 0) == NULL);
	CHECK(strcmp(tui_log_line(&l, TUI_LOG_MAX + 9)->text, "line 20009") == 0);
	for (size_t i = 0; i < l.n; i++)
		free(l.lines[i].text);
	free(l.lines);
}

static void test_formats(void)
{
	char b[64];
	tui_format_short_duration(12.4, b, sizeof b);
	CHECK(strcmp(b, "12s") == 0);
	tui_format_short_duration(245, b, sizeof b);
	CHECK(strcmp(b, "4m05s") == 0);
	tui_format_short_duration(3725, b, sizeof b);
	CHECK(strcmp(b, "1h02m") == 0);
	tui_format_rate(41e6, "bytes", b, sizeof b);
	CHECK(strcmp(b, "41.0 MB/s") == 0);
	tui_format_rate(1234, "rows", b, sizeof b);
	CHECK(strcmp(b, "1.2k rows/s") == 0);
	tui_format_amount(3, "files", b, sizeof b);
	CHECK(strcmp(b, "3 files") == 0);
	tui_format_amount(240e6, "bytes", b, sizeof b);
	CHECK(strcmp(b, "240 MB") == 0);
	tui_format_amount(2.6e9, "bytes", b, sizeof b);
	CHECK(strcmp(b, "2.6 GB") == 0);
	tui_format_amount(512, "bytes", b, sizeof b);
	CHECK(strcmp(b, "512 B") == 0);
	tui_format_fraction(16, 600, "rows", b, sizeof b);
	CHECK(strcmp(b, "16/600 rows") == 0);
	tui_format_fraction(240e6, 2.6e9, "bytes", b, sizeof b);
	CHECK(strcmp(b, "240 MB/2.6 GB") == 0);
	tui_format_amount(0.3, "s", b, sizeof b);
	CHECK(strcmp(b, "0.3 s") == 0);
}

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8")) {
		fprintf(stderr, "no C.UTF-8 locale: skipped\n");
		return 77;
	}
	test_widths();
	test_fit_never_splits();
	test_decode_offsets();
	test_sanitize();
	test_progress();
	test_sparkline();
	test_events();
	test_log_cap();
	test_formats();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
