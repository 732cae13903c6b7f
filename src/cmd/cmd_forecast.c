/* tejun plan RUNBOOK --rehearsal JOURNAL: the forecast (src/review/forecast.c) with "now"
 * measured on the servers the runbook's params name, matched to the rehearsal's sources. */
#include "config.h"
#include "cmd/cmd.h"
#include "core/runbook.h"
#include "core/session.h"
#include "core/util.h"
#include "mysql/dbconn.h"
#include "mysql/dbsizes.h"
#include "review/forecast.h"
#include "review/report.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct measurer {
	struct runbook *rb;
	bool analyze;
};

/* The param whose DSN opens the connection the rehearsal recorded as source (its label). */
static bool param_for(struct runbook *rb, const char *source, struct dbopts *o)
{
	for (size_t i = 0; i < rb->nparams; i++) {
		const char *v = rb->params[i].value;
		char *err = NULL;
		if (!v || strncmp(v, "mysql://", 8) != 0 || dbopts_parse_dsn(v, o, &err) < 0) {
			free(err);
			continue;
		}
		char *label = dbopts_label(o);
		/* the rehearsal's label ends with the DSN's database; compare host and port */
		const char *a = strrchr(label, '/'), *b = strrchr(source, '/');
		size_t la = a ? (size_t)(a - label) : strlen(label), lb = b ? (size_t)(b - source) : strlen(source);
		bool same = la == lb && strncmp(label, source, la) == 0;
		free(label);
		if (same)
			return true;
		dbopts_free(o);
	}
	return false;
}

static double size_now(void *ud, const char *step, size_t k, const struct report_move *m, char *why, size_t n)
{
	(void)step;
	(void)k;
	struct measurer *me = ud;
	struct dbopts o;
	memset(&o, 0, sizeof o);
	if (!m->source || !*m->source || !param_for(me->rb, m->source, &o)) {
		snprintf(why, n, "no param of the runbook connects to %s", m->source && *m->source ? m->source : "its source");
		return -1;
	}
	char *err = NULL;
	unsigned en = 0;
	dbconn_thread_init();
	struct dbconn *c = dbconn_open(&o, &err, &en);
	dbopts_free(&o);
	if (!c) {
		snprintf(why, n, "%s", err ? err : "cannot connect");
		free(err);
		return -1;
	}
	struct dbsizes_opts so = {.schemas = (const char *const *)m->schemas, .analyze = me->analyze};
	json_t *rep = dbsizes_collect(c, &so);
	double bytes = -1;
	if (!rep) {
		snprintf(why, n, "sizes on %s: %s", c->target, c->err);
	} else {
		size_t i, found = 0;
		json_t *s;
		bytes = 0;
		json_array_foreach(json_object_get(rep, "schemas"), i, s) {
			bytes += json_number_value(json_object_get(s, "data_length")) +
				 json_number_value(json_object_get(s, "index_length"));
			found++;
		}
		size_t want = 0;
		while (m->schemas && m->schemas[want])
			want++;
		if (found < want) {
			snprintf(why, n, "%zu of the %zu schemas are gone from %s", want - found, want, c->target);
			bytes = -1;
		}
	}
	json_decref(rep);
	dbconn_close(c);
	return bytes;
}

int cmd_forecast(struct runbook *rb, const struct forecast_opts *o)
{
	char *dir = session_log_dir(o->log_dir), *err = NULL;
	char *path = session_resolve(dir, o->rehearsal, &err);
	free(dir);
	if (!path) {
		fprintf(stderr, "tejun plan: --rehearsal %s: %s\n", o->rehearsal, err);
		free(err);
		return EXIT_USAGE;
	}
	struct report r;
	if (report_load(path, &r, &err) < 0) {
		fprintf(stderr, "tejun plan: --rehearsal %s: %s\n", path, err);
		free(err);
		free(path);
		return EXIT_USAGE;
	}
	free(path);
	if (!report_intact(&r)) {
		char why[512];
		report_integrity(&r, why, sizeof why);
		fprintf(stderr, "tejun plan: warning: the rehearsal's journal: %s; forecasting from what is intact\n", why);
	}
	struct forecast_want *want = xcalloc(rb->nsteps + 1, sizeof *want);
	for (size_t i = 0; i < rb->nsteps; i++)
		want[i] = (struct forecast_want){rb->steps[i].id, rb->steps[i].title, rb->steps[i].phase};
	struct measurer me = {rb, o->analyze};
	struct forecast f;
	int rc = EXIT_DONE;
	if (forecast_build(&r, want, rb->nsteps, size_now, &me, &f, &err) < 0) {
		fprintf(stderr, "tejun plan: %s\n", err);
		free(err);
		rc = EXIT_USAGE;
	} else {
		if (o->json) {
			json_t *j = forecast_json(&f, &r);
			char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
			puts(s);
			free(s);
			json_decref(j);
		} else {
			forecast_print(&f, &r, stdout);
		}
		forecast_free(&f);
	}
	free(want);
	report_free(&r);
	return rc;
}
