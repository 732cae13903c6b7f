/* Line view: the event stream as plain lines (no terminal control); prompts answered from an
 * answers file or stdin, never assumed. Used with --no-tui and when stdout is not a terminal. */
#include "config.h"
#include "core/answers.h"
#include "core/loop.h"
#include "core/util.h"
#include "ui/view.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#define POLLIN_EVENTS POLLIN

struct view {
	struct event_sink sink;
	struct view_config cfg;
	FILE *out;
	struct answers *answers;
	/* stdin answering */
	int stdin_watch;
	bool stdin_eof;
	struct sbuf inbuf;
	long waiting_prompt; /* prompt id waiting for a stdin line, 0 none */
	double session_t0;
	int last_pct;
	char last_label[128];
	double last_gauge_at;
};

static void stamp(struct view *v, const struct event *ev)
{
	char ts[40];
	format_iso_time(ev->ts, ts, sizeof ts);
	fprintf(v->out, "%.8s ", ts + 11);
}

static const char *str(json_t *d, const char *k)
{
	const char *s = json_string_value(json_object_get(d, k));
	return s ? s : "";
}

static double num(json_t *d, const char *k)
{
	return json_number_value(json_object_get(d, k));
}

/* "0.4 s" under a minute, "00:03:12" above: a reviewer reads both at a glance. */
static void short_duration(double secs, char *buf, size_t n)
{
	if (secs < 60)
		snprintf(buf, n, "%.1f s", secs);
	else
		format_duration(secs, buf, n);
}

static void print_multiline(struct view *v, const struct event *ev, const char *prefix, const char *text)
{
	const char *p = text;
	do {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		stamp(v, ev);
		fprintf(v->out, "%s%s | %.*s\n", prefix, ev->step ? ev->step : "-", (int)n, p);
		p = nl ? nl + 1 : NULL;
	} while (p && *p);
}

static void stdin_readable(void *arg, int fd, short revents);

static void answer_prompt(struct view *v, const struct event *ev)
{
	long id = (long)json_integer_value(json_object_get(ev->data, "id"));
	if (!v->cfg.ctl)
		return;
	if (v->answers) {
		char *why = NULL;
		const char *a = answers_next(v->answers, ev->step ? ev->step : "", &why);
		if (!a) {
			fprintf(v->out, "         ! no answer: %s\n", why);
			free(why);
		}
		v->cfg.ctl->answer(v->cfg.ctl->self, id, a, "answers-file");
		return;
	}
	if (v->stdin_eof && v->inbuf.len == 0) {
		fprintf(v->out, "         ! no answer: standard input is closed\n");
		v->cfg.ctl->answer(v->cfg.ctl->self, id, NULL, "stdin");
		return;
	}
	fflush(v->out);
	v->waiting_prompt = id;
	/* a line may already be buffered */
	stdin_readable(v, -1, 0);
}

static void take_stdin_line(struct view *v)
{
	char *nl = v->inbuf.data ? strchr(v->inbuf.data, '\n') : NULL;
	if (!v->waiting_prompt || (!nl && !v->stdin_eof))
		return;
	long id = v->waiting_prompt;
	v->waiting_prompt = 0;
	if (!nl) {
		if (v->inbuf.len == 0) {
			fprintf(v->out, "         ! no answer: standard input is closed\n");
			v->cfg.ctl->answer(v->cfg.ctl->self, id, NULL, "stdin");
			return;
		}
		nl = v->inbuf.data + v->inbuf.len;
	}
	char *line = xstrndup(v->inbuf.data, (size_t)(nl - v->inbuf.data));
	size_t rest = v->inbuf.len - (size_t)(nl - v->inbuf.data) - (*nl ? 1 : 0);
	memmove(v->inbuf.data, v->inbuf.data + v->inbuf.len - rest, rest);
	v->inbuf.len = rest;
	v->inbuf.data[rest] = '\0';
	size_t l = strlen(line);
	while (l && (line[l - 1] == '\r' || line[l - 1] == ' '))
		line[--l] = '\0';
	v->cfg.ctl->answer(v->cfg.ctl->self, id, line, "stdin");
	free(line);
}

static void stdin_readable(void *arg, int fd, short revents)
{
	struct view *v = arg;
	(void)revents;
	if (fd >= 0) {
		char buf[4096];
		ssize_t r = read(fd, buf, sizeof buf);
		if (r > 0) {
			sbuf_add(&v->inbuf, buf, (size_t)r);
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			v->stdin_eof = true;
			loop_unwatch(v->cfg.loop, v->stdin_watch);
			v->stdin_watch = 0;
		}
	}
	take_stdin_line(v);
}

static void on_prompt(struct view *v, const struct event *ev)
{
	const char *kind = str(ev->data, "kind");
	stamp(v, ev);
	fprintf(v->out, "? %s | %s", ev->step ? ev->step : "-", str(ev->data, "text"));
	if (strcmp(kind, "confirm") == 0)
		fprintf(v->out, " [yes/no]");
	else if (strcmp(kind, "challenge") == 0)
		fprintf(v->out, " [type '%s' to confirm]", str(ev->data, "challenge"));
	else if (strcmp(kind, "ask") == 0 && json_object_get(ev->data, "default"))
		fprintf(v->out, " [default: %s]", str(ev->data, "default"));
	else if (strcmp(kind, "decision") == 0)
		fprintf(v->out, " [retry | skip REASON | abort]");
	fputc('\n', v->out);
	if (!v->cfg.replay)
		answer_prompt(v, ev);
}

/* A wait against a time limit: when it starts, each minute it goes on, and when it is over. */
static void on_wait(struct view *v, const struct event *ev, double waited, double limit, const char *label)
{
	bool finished = json_is_true(json_object_get(ev->data, "finished"));
	int minute = (int)(waited / 60);
	if (strcmp(label, v->last_label) == 0 && !finished && minute == v->last_pct)
		return;
	snprintf(v->last_label, sizeof v->last_label, "%s", label);
	v->last_pct = finished ? -100 : minute;
	char a[32], b[32];
	short_duration(waited, a, sizeof a);
	short_duration(limit - waited, b, sizeof b);
	stamp(v, ev);
	fprintf(v->out, "  %s | %s%s", ev->step ? ev->step : "-", label, *label ? ": " : "");
	if (finished)
		fprintf(v->out, "done after %s\n", a);
	else
		fprintf(v->out, "waiting %s, gives up in %s\n", a, b);
}

static void on_progress(struct view *v, const struct event *ev)
{
	double done = num(ev->data, "done"), total = num(ev->data, "total");
	if (json_is_true(json_object_get(ev->data, "limit"))) {
		on_wait(v, ev, done, total, str(ev->data, "label"));
		return;
	}
	int pct = total > 0 ? (int)(done * 100.0 / total) : 0;
	const char *label = str(ev->data, "label");
	bool same = strcmp(label, v->last_label) == 0;
	/* every 10 %, a new label, or the end: a log, not a flood */
	if (same && pct / 10 == v->last_pct / 10 && done < total)
		return;
	snprintf(v->last_label, sizeof v->last_label, "%s", label);
	v->last_pct = pct;
	const char *unit = str(ev->data, "unit");
	char a[32], b[32];
	if (strcmp(unit, "bytes") == 0) {
		format_bytes(done, a, sizeof a);
		format_bytes(total, b, sizeof b);
	} else {
		snprintf(a, sizeof a, "%.0f", done);
		snprintf(b, sizeof b, "%.0f %s", total, unit);
	}
	stamp(v, ev);
	fprintf(v->out, "  %s | %s%s%3d%% (%s / %s)\n", ev->step ? ev->step : "-", label, *label ? " " : "", pct, a, b);
}

static void on_event(struct event_sink *sink, const struct event *ev)
{
	struct view *v = (struct view *)sink;
	json_t *d = ev->data;
	char dur[32];
	switch (ev->type) {
	case EV_SESSION:
		v->session_t0 = ev->ts;
		fprintf(v->out, "tejun %s · %s · session %s · operator %s%s\n", str(d, "version"),
			str(json_object_get(d, "runbook"), "title"), str(d, "session"), str(d, "operator"),
			json_is_true(json_object_get(d, "dry_run")) ? " · DRY RUN" : "");
		break;
	case EV_RESUME:
		stamp(v, ev);
		fprintf(v->out, "resumed by %s%s\n", str(d, "operator"),
			json_is_true(json_object_get(d, "force")) ? " (runbook changed: --force)" : "");
		break;
	case EV_PHASE:
		fprintf(v->out, "== %s ==\n", str(d, "name"));
		break;
	case EV_STEP_START:
		stamp(v, ev);
		if (num(d, "attempt") > 1)
			fprintf(v->out, "▶ %s: %s (attempt %d)\n", ev->step, str(d, "title"), (int)num(d, "attempt"));
		else
			fprintf(v->out, "▶ %s: %s\n", ev->step, str(d, "title"));
		break;
	case EV_STEP_STATE:
		if (strcmp(str(d, "state"), "interrupted") == 0) {
			stamp(v, ev);
			fprintf(v->out, "  %s is %s%s%s\n", ev->step, str(d, "state"),
				json_object_get(d, "reason") ? ": " : "", str(d, "reason"));
		}
		break;
	case EV_LOG: {
		const char *lvl = str(d, "level");
		print_multiline(v, ev, strcmp(lvl, "error") == 0 ? "! " : strcmp(lvl, "warn") == 0 ? "~ " : "  ",
				str(d, "text"));
		break;
	}
	case EV_PROGRESS:
		on_progress(v, ev);
		break;
	case EV_GAUGE:
		if (ev->ts - v->last_gauge_at >= 5) {
			v->last_gauge_at = ev->ts;
			stamp(v, ev);
			fprintf(v->out, "  %s | %s = %g %s\n", ev->step ? ev->step : "-", str(d, "name"), num(d, "value"),
				str(d, "unit"));
		}
		break;
	case EV_PROMPT:
		on_prompt(v, ev);
		break;
	case EV_ANSWER:
		stamp(v, ev);
		fprintf(v->out, "  %s | answer: %s (%s, by %s via %s)\n", ev->step ? ev->step : "-",
			*str(d, "answer") ? str(d, "answer") : "(none)",
			json_is_true(json_object_get(d, "ok")) ? "accepted" : "not confirmed", str(d, "operator"),
			str(d, "source"));
		break;
	case EV_CALL:
		stamp(v, ev);
		fprintf(v->out, "  %s | %s%s.%s %s (%.2f s)%s%s\n", ev->step ? ev->step : "-",
			json_is_true(json_object_get(d, "dry_run")) ? "would call " : "", str(d, "module"), str(d, "op"),
			*str(d, "target") ? str(d, "target") : str(d, "detail"), num(d, "secs"),
			json_is_false(json_object_get(d, "ok")) ? " error: " : "", str(d, "error"));
		break;
	case EV_SET:
		break;
	case EV_STEP_END: {
		const char *st = str(d, "state");
		short_duration(num(d, "secs"), dur, sizeof dur);
		stamp(v, ev);
		if (strcmp(st, "ok") == 0)
			fprintf(v->out, "✓ %s ok (%s)\n", ev->step, dur);
		else if (strcmp(st, "skipped") == 0)
			fprintf(v->out, "↷ %s skipped: %s\n", ev->step, str(d, "reason"));
		else
			fprintf(v->out, "✗ %s %s (%s): %s\n", ev->step, st, dur, str(d, "error"));
		break;
	}
	case EV_END:
		format_duration(num(d, "secs"), dur, sizeof dur);
		stamp(v, ev);
		fprintf(v->out, "session %s (exit %d, %s)\n", str(d, "status"), (int)num(d, "exit_code"), dur);
		break;
	case EV__COUNT:
		break;
	}
	fflush(v->out);
}

static struct view *line_open(const struct view_config *cfg, char **err)
{
	struct view *v = xcalloc(1, sizeof *v);
	v->sink.on_event = on_event;
	v->cfg = *cfg;
	v->out = ctl_filter_open(cfg->out ? cfg->out : stdout);
	v->last_pct = -100;
	sbuf_init(&v->inbuf);
	if (cfg->answers_path) {
		v->answers = answers_load(cfg->answers_path, err);
		if (!v->answers) {
			if (v->out != (cfg->out ? cfg->out : stdout))
				fclose(v->out);
			free(v);
			return NULL;
		}
	} else if (cfg->ctl && cfg->loop && !cfg->replay) {
		v->stdin_watch = loop_watch(cfg->loop, STDIN_FILENO, POLLIN_EVENTS, stdin_readable, v);
	}
	return v;
}

static struct event_sink *line_sink(struct view *v)
{
	return &v->sink;
}

static void line_reset(struct view *v)
{
	v->last_pct = -100;
	v->last_label[0] = '\0';
}

static void line_flush(struct view *v)
{
	fflush(v->out);
}

static void line_close(struct view *v)
{
	if (!v)
		return;
	if (v->stdin_watch)
		loop_unwatch(v->cfg.loop, v->stdin_watch);
	answers_free(v->answers);
	sbuf_free(&v->inbuf);
	if (v->out != (v->cfg.out ? v->cfg.out : stdout))
		fclose(v->out); /* the control-character filter, not the stream under it */
	else
		fflush(v->out);
	free(v);
}

const struct view_ops line_view_ops = {
	.name = "line", .open = line_open, .sink = line_sink, .reset = line_reset, .flush = line_flush,
	.close = line_close,
};
