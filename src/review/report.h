/* Session report: what happened in one journal (steps, confirmations, skips, failures,
 * downtime, progress and gauge series), read once and checked against the hash chain.
 * report_md.c and report_html.c render it; report_compare lines two sessions up. */
#ifndef TEJUN_REPORT_H
#define TEJUN_REPORT_H
#include "core/journal.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

struct report_confirm {
	long id;
	char *kind, *text;           /* the prompt */
	double asked;
	bool answered, ok;
	char *answer, *operator_name, *source;
	double at;                   /* when answered */
};

struct report_failure {
	double at;
	int attempt;
	char *error;
};

/* A module call that moved data (its journal event has data: {source, schemas, bytes}). */
struct report_move {
	char *module, *op, *source, *dir;
	char **schemas;              /* NULL-terminated */
	double secs, bytes, at;
	json_t *phases;              /* {phase: seconds}, or NULL (older journals) */
};

struct report_step {
	char *id, *title, *phase;
	bool critical;
	char *status;                /* last step_end state, or "not run" / "running" */
	bool started, ended;
	double start, end;           /* first step_start, last step_end */
	double secs;                 /* end - start: the time the step held the window */
	int attempts;                /* highest attempt seen (retries = attempts - 1) */
	char *reason;                /* skip reason */
	char *error;                 /* last error */
	struct report_confirm *confirms;
	size_t nconfirms;
	struct report_failure *failures;
	size_t nfailures;
	struct report_move *moves;
	size_t nmoves;
};

struct report_point {
	double t, v;
};

/* A progress bar (percent of total) or a gauge (value) over time. */
struct report_series {
	char *step, *name, *unit;
	bool gauge;
	struct report_point *pts;
	size_t n, cap;
};

struct report {
	char *path, *session, *title, *runbook_id, *runbook_path, *runbook_sha256;
	char *operator_name, *host, *version;
	bool dry_run;
	double start, end;           /* first and last event */
	bool ended;
	char *end_status;
	int exit_code;
	long resumes;
	char **warnings;             /* session-level warnings (an earlier unfinished session) */
	size_t nwarnings;
	struct report_step *steps;
	size_t nsteps;
	struct report_series *series;
	size_t nseries;
	struct journal_scan scan;    /* the chain check: scan.problem JOURNAL_OK means intact */
};

/* Reads and checks path. 0, or -1 and *err (caller frees) when it cannot be read at all;
 * a tampered journal loads (up to the bad line) with r->scan saying so. */
int report_load(const char *path, struct report *r, char **err);
void report_free(struct report *r);

/* The chain is intact (a torn last line from a crash counts as intact, with a note). */
bool report_intact(const struct report *r);
/* One sentence on the chain check, e.g. "hash chain intact (110 events)". */
void report_integrity(const struct report *r, char *buf, size_t n);
/* From the first start to the last end of the steps of the phase named "Maintenance"
 * (any case). False when there is no such phase or none of its steps ran. */
bool report_downtime(const struct report *r, double *from, double *to);
/* The session summary as (key, value) rows in order, for each format to draw; code marks a
 * value to show as code (the sha256). */
typedef void (*report_kv_fn)(FILE *f, const char *key, const char *value, bool code);
void report_summary(const struct report *r, report_kv_fn kv, FILE *f);
/* "START → END (DURATION)" or "no Maintenance phase", into buf. */
void report_downtime_text(const struct report *r, char *buf, size_t n);

/* Steps of two sessions lined up by id, in the live runbook's order, then steps only the
 * rehearsal had. */
struct report_pair {
	const char *id, *title;
	const struct report_step *rehearsal, *live; /* NULL: not in that session */
	bool slower;                                /* live > 1.5x rehearsal and > 30 s more */
};
/* Returns the count and *out (caller frees the array only). */
size_t report_compare(const struct report *rehearsal, const struct report *live, struct report_pair **out);
#define REPORT_SLOW_RATIO 1.5
#define REPORT_SLOW_SECS 30.0

/* Shared by the renderers. */
void report_format_time(double t, char *buf, size_t n);     /* "2026-11-24 10:02:00Z" */
void report_format_secs(double secs, char *buf, size_t n);  /* "0.4 s", "00:03:12" */
#endif
