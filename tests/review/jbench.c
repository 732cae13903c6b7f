/* Replay benchmark helper. `jbench gen PATH N` writes an N-event journal through the real
 * journal writer (same hash chain as tejun run); `jbench open PATH` times what replay does
 * when a reviewer opens it and jumps to the last step: index + player + seek. */
#include "config.h"
#include "core/jindex.h"
#include "core/journal.h"
#include "review/player.h"
#include "core/util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The machine may be shared: CPU time says what the code costs, wall time what one waits. */
static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

#define NSTEPS 12

static void put(struct journal *j, long *seq, double ts, enum event_type t, const char *step, json_t *data)
{
	struct event ev = {.type = t, .seq = ++*seq, .ts = ts, .step = step, .data = data};
	journal_sink(j)->on_event(journal_sink(j), &ev);
	json_decref(data);
}

static int gen(const char *path, long n)
{
	char *err = NULL;
	struct journal *j = journal_create(path, &err);
	if (!j) {
		fprintf(stderr, "jbench: %s\n", err);
		free(err);
		return 1;
	}
	char ids[NSTEPS][16];
	json_t *steps = json_array();
	for (int s = 0; s < NSTEPS; s++) {
		snprintf(ids[s], sizeof ids[s], "step-%02d", s + 1);
		json_array_append_new(steps, json_pack("{s:s,s:s,s:s,s:b}", "id", ids[s], "title", ids[s], "phase",
						       s < 2 ? "Before" : "Maintenance", "critical", s == NSTEPS - 1));
	}
	long seq = 0;
	double ts = 1795000000.0;
	put(j, &seq, ts, EV_SESSION, NULL,
	    json_pack("{s:s,s:{s:s,s:s},s:s,s:o}", "session", "bench", "runbook", "id", "bench", "title", "bench",
		      "operator", "bench", "steps", steps));
	long per = (n - 2) / NSTEPS;
	for (int s = 0; s < NSTEPS && seq < n - 1; s++) {
		put(j, &seq, ts += 0.01, EV_STEP_START, ids[s], json_pack("{s:i,s:s}", "attempt", 1, "title", ids[s]));
		long body = per - 2;
		for (long k = 0; k < body && seq < n - 2; k++) {
			ts += 0.005;
			if (k % 50 == 49)
				put(j, &seq, ts, EV_PROGRESS, ids[s],
				    json_pack("{s:I,s:I,s:s,s:s}", "done", (json_int_t)k, "total", (json_int_t)body, "unit",
					      "rows", "label", "app.users"));
			else if (k % 50 == 48)
				put(j, &seq, ts, EV_GAUGE, ids[s], json_pack("{s:s,s:f,s:s}", "name", "replica lag", "value",
									       (k % 7) / 10.0, "unit", "s"));
			else
				put(j, &seq, ts, EV_LOG, ids[s],
				    json_pack("{s:s,s:s}", "text", "dumping app.users chunk 12/40 (1.9 GB of 2.6 GB)", "level",
					      "info"));
		}
		put(j, &seq, ts += 0.01, EV_STEP_END, ids[s], json_pack("{s:s,s:f,s:i}", "state", "ok", "secs", 1.0, "attempt", 1));
	}
	while (seq < n - 1)
		put(j, &seq, ts += 0.001, EV_LOG, NULL, json_pack("{s:s,s:s}", "text", "filler", "level", "info"));
	put(j, &seq, ts += 0.01, EV_END, NULL, json_pack("{s:s,s:i}", "status", "done", "exit_code", 0));
	journal_close(j);
	printf("wrote %ld events to %s\n", seq, path);
	return 0;
}

struct counter {
	struct event_sink sink;
	long fed;
};

static void count_event(struct event_sink *s, const struct event *ev)
{
	(void)ev;
	((struct counter *)s)->fed++;
}

static int open_jump(const char *path)
{
	struct counter c = {.sink.on_event = count_event};
	struct player_target t = {.sink = &c.sink};
	double t0 = now_mono(), c0 = cpu_now();
	struct journal_scan scan;
	char *err = NULL;
	struct jindex *ix = jindex_open(path, getenv("JBENCH_VERIFY_NOW") ? 0 : JINDEX_VERIFY_LATER, &scan, &err);
	if (!ix) {
		fprintf(stderr, "jbench: %s\n", err);
		free(err);
		return 1;
	}
	double t1 = now_mono(), c1 = cpu_now();
	struct player *p = player_new(ix, &t);
	player_seek(p, 1);
	char last[16];
	snprintf(last, sizeof last, "%d", (int)jindex_nsteps(ix));
	bool ok = player_jump_step(p, last);
	double t2 = now_mono(), c2 = cpu_now();
	long fed = c.fed;
	player_seek(p, player_count(p));
	double t3 = now_mono(), c3 = cpu_now();
	jindex_verify(ix, &scan);
	double t4 = now_mono(), c4 = cpu_now();
	printf("events %zu, chain %s\n", jindex_count(ix), journal_problem_name(scan.problem));
	printf("index (read, seq and layout checked): %.3f s wall, %.3f s cpu\n", t1 - t0, c1 - c0);
	printf("jump to last step (%s): %.3f s wall, %.3f s cpu, %ld events fed\n", ok ? "found" : "NOT FOUND", t2 - t1,
	       c2 - c1, fed);
	printf("open + jump to last step: %.3f s wall, %.3f s cpu\n", t2 - t0, c2 - c0);
	printf("then seek to the very end: %.3f s wall, %.3f s cpu, %ld events fed\n", t3 - t2, c3 - c2, c.fed - fed);
	printf("hash chain verified (replay does it on a worker while the reviewer watches): %.3f s wall, %.3f s cpu\n",
	       t4 - t3, c4 - c3);
	player_free(p);
	jindex_free(ix);
	return ok && scan.problem == JOURNAL_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], atol(argv[3]));
	if (argc == 3 && strcmp(argv[1], "open") == 0)
		return open_jump(argv[2]);
	fprintf(stderr, "usage: jbench gen PATH N | jbench open PATH\n");
	return 2;
}
