/* Journal index and replay player: the index agrees with journal_scan (also on tampered and
 * torn files), seeks show exactly the first k events (backwards by reset + refeed), jumps
 * land on failures, prompts, skips and critical steps, speed is capped at 0.5x..64x, idle
 * gaps play as PLAYER_IDLE_CAP, and a seek over a huge log feeds only the kept tail. */
#include "config.h"
#include "core/jindex.h"
#include "core/journal.h"
#include "review/player.h"
#include "core/util.h"
#include "tests/tap.h"
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tejun-test-player-XXXXXX";

/* A sink that remembers what it was fed. */
struct rec {
	struct event_sink sink;
	long fed, resets, flushes;
	long last_seq;
	char last_type[16];
};

static void rec_on_event(struct event_sink *s, const struct event *ev)
{
	struct rec *r = (struct rec *)s;
	r->fed++;
	r->last_seq = ev->seq;
	snprintf(r->last_type, sizeof r->last_type, "%s", event_type_name(ev->type));
}
static void rec_reset(void *arg) { ((struct rec *)arg)->resets++; }
static void rec_flush(void *arg) { ((struct rec *)arg)->flushes++; }

struct writer {
	struct journal *j;
	long seq;
	double ts;
};

static void put(struct writer *w, double dt, enum event_type t, const char *step, json_t *data)
{
	w->ts += dt;
	struct event ev = {.type = t, .seq = ++w->seq, .ts = w->ts, .step = step, .data = data};
	journal_sink(w->j)->on_event(journal_sink(w->j), &ev);
	json_decref(data);
}

/* header, steps a (ok), b (critical: prompt, fails, then skipped), c (an hour idle, nlogs
 * logs, progress), end. Returns the event count. */
static long write_session(const char *path, int nlogs)
{
	char *err = NULL;
	struct writer w = {.j = journal_create(path, &err), .ts = 1795000000.0};
	if (!w.j) {
		fprintf(stderr, "journal_create: %s\n", err);
		exit(1);
	}
	put(&w, 0, EV_SESSION, NULL,
	    json_pack("{s:s,s:[{s:s,s:b},{s:s,s:b},{s:s,s:b}]}", "session", "S", "steps", "id", "a", "critical", 0,
		      "id", "b", "critical", 1, "id", "c", "critical", 0));
	put(&w, 0.1, EV_PHASE, NULL, json_pack("{s:s}", "name", "Maintenance"));
	put(&w, 0.1, EV_STEP_START, "a", json_pack("{s:i,s:s}", "attempt", 1, "title", "A"));
	put(&w, 0.5, EV_LOG, "a", json_pack("{s:s,s:s}", "text", "hello from a", "level", "info"));
	put(&w, 0.5, EV_STEP_END, "a", json_pack("{s:s,s:f,s:i}", "state", "ok", "secs", 1.0, "attempt", 1));
	put(&w, 0.1, EV_STEP_START, "b", json_pack("{s:i,s:s}", "attempt", 1, "title", "B"));
	put(&w, 0.1, EV_PROMPT, "b", json_pack("{s:i,s:s,s:s}", "id", 1, "kind", "confirm", "text", "go?"));
	put(&w, 1.0, EV_ANSWER, "b", json_pack("{s:i,s:s,s:b}", "id", 1, "answer", "yes", "ok", 1));
	put(&w, 0.2, EV_LOG, "b", json_pack("{s:s,s:s}", "text", "the needle is here", "level", "error"));
	put(&w, 0.1, EV_STEP_END, "b", json_pack("{s:s,s:f,s:s}", "state", "failed", "secs", 1.4, "error", "boom"));
	put(&w, 0.1, EV_STEP_END, "b", json_pack("{s:s,s:f,s:s}", "state", "skipped", "secs", 0.0, "reason", "later"));
	put(&w, 3600, EV_STEP_START, "c", json_pack("{s:i,s:s}", "attempt", 1, "title", "C"));
	for (int i = 0; i < nlogs; i++)
		put(&w, 0.001, EV_LOG, "c", json_pack("{s:s,s:s}", "text", "chunk", "level", "info"));
	put(&w, 0.1, EV_PROGRESS, "c", json_pack("{s:i,s:i,s:s,s:s}", "done", 5, "total", 10, "unit", "rows", "label", "t1"));
	put(&w, 0.1, EV_STEP_END, "c", json_pack("{s:s,s:f}", "state", "ok", "secs", 0.3));
	put(&w, 0.1, EV_END, NULL, json_pack("{s:s,s:i}", "status", "failed", "exit_code", 1));
	journal_close(w.j);
	return w.seq;
}

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

struct fixture {
	struct jindex *ix;
	struct journal_scan scan;
	struct rec r;
	struct player *p;
};

static void open_fixture(struct fixture *f, const char *path)
{
	char *err = NULL;
	memset(f, 0, sizeof *f);
	f->ix = jindex_open(path, 0, &f->scan, &err);
	CHECKF(f->ix != NULL, "jindex_open: %s", err ? err : "?");
	if (!f->ix)
		exit(1);
	f->r.sink.on_event = rec_on_event;
	struct player_target t = {&f->r.sink, rec_reset, rec_flush, &f->r};
	f->p = player_new(f->ix, &t);
}

static void close_fixture(struct fixture *f)
{
	player_free(f->p);
	jindex_free(f->ix);
}

static void test_index(const char *path, long n)
{
	SECTION("the index holds every line with its type, step and jump flags");
	struct fixture f;
	open_fixture(&f, path);
	CHECK_INT(f.scan.problem, JOURNAL_OK);
	CHECK_INT(jindex_count(f.ix), n);
	CHECK_INT(f.scan.lines, n);
	struct journal_scan js;
	journal_scan(path, NULL, NULL, &js);
	CHECK_STR(f.scan.last_hash, js.last_hash);
	CHECK_INT(f.scan.good_len, js.good_len);
	CHECK_INT(jindex_type(f.ix, 0), EV_SESSION);
	CHECK(jindex_header(f.ix) != NULL);
	CHECK_INT(jindex_nsteps(f.ix), 3);
	CHECK_STR(jindex_step_name(f.ix, 1), "b");
	CHECK_INT(jindex_step(f.ix, 5), 1);
	CHECK(jindex_flags(f.ix, 5) & JINDEX_CRITICAL);
	CHECK(jindex_flags(f.ix, 6) & JINDEX_PROMPT);
	CHECK(jindex_flags(f.ix, 9) & JINDEX_FAILURE);
	CHECK(jindex_flags(f.ix, 10) & JINDEX_SKIP);
	CHECK(!(jindex_flags(f.ix, 2) & JINDEX_CRITICAL));
	struct event ev;
	CHECK_INT(jindex_event(f.ix, 9, &ev), 0);
	CHECK_STR(json_string_value(json_object_get(ev.data, "error")), "boom");
	CHECK_STR(ev.step, "b");
	CHECK_INT(ev.seq, 10);
	jindex_event_release(&ev);
	close_fixture(&f);
}

static void test_seek_and_jumps(const char *path, long n)
{
	SECTION("seek shows the first k events; backwards resets and refeeds; jumps land on marks");
	struct fixture f;
	open_fixture(&f, path);
	player_seek(f.p, 4);
	CHECK_INT(player_pos(f.p), 4);
	CHECK_INT(f.r.fed, 4);
	CHECK_INT(f.r.last_seq, 4);
	CHECK_INT(f.r.resets, 0);
	CHECK(player_step_forward(f.p));
	CHECK_INT(f.r.last_seq, 5);
	CHECK(player_step_back(f.p));
	CHECK_INT(f.r.resets, 1);
	CHECK_INT(player_pos(f.p), 4);
	CHECK_INT(f.r.last_seq, 4);

	CHECK(player_next(f.p, JINDEX_FAILURE));
	CHECK_INT(player_pos(f.p), 10);
	CHECK_STR(f.r.last_type, "step_end");
	CHECK(!player_next(f.p, JINDEX_FAILURE)); /* only one */
	CHECK(player_prev(f.p, JINDEX_PROMPT));
	CHECK_INT(player_pos(f.p), 7);
	CHECK_STR(f.r.last_type, "prompt");
	CHECK(player_next(f.p, JINDEX_SKIP));
	CHECK_INT(player_pos(f.p), 11);
	player_seek(f.p, 1);
	CHECK(player_next(f.p, JINDEX_CRITICAL));
	CHECK_INT(player_pos(f.p), 6);

	CHECK(player_jump_step(f.p, "c"));
	CHECK_INT(player_pos(f.p), 12);
	CHECK(player_jump_step(f.p, "1"));
	CHECK_INT(player_pos(f.p), 3);
	CHECK(!player_jump_step(f.p, "nope"));
	CHECK(!player_jump_step(f.p, "4"));

	CHECK(player_search(f.p, "NEEDLE", true));
	CHECK_INT(player_pos(f.p), 9);
	CHECK(!player_search(f.p, "NEEDLE", true));
	player_seek(f.p, (size_t)n);
	CHECK(player_search(f.p, "hello from", false));
	CHECK_INT(player_pos(f.p), 4);

	player_seek(f.p, (size_t)n + 100); /* clamped */
	CHECK_INT(player_pos(f.p), n);
	CHECK_INT(f.r.last_seq, n);
	CHECK(f.r.flushes > 0);
	close_fixture(&f);
}

static void test_timing(const char *path, long n)
{
	SECTION("playback: idle gaps capped, speed clamped to 0.5x..64x, ticks feed what is due");
	struct fixture f;
	open_fixture(&f, path);
	/* the hour before step c plays as PLAYER_IDLE_CAP */
	CHECK(player_duration(f.p) < 10);
	CHECK(player_duration(f.p) > PLAYER_IDLE_CAP);
	CHECK(player_set_speed(f.p, 1000, 0) == PLAYER_SPEED_MAX);
	CHECK(player_set_speed(f.p, 0.01, 0) == PLAYER_SPEED_MIN);
	CHECK(player_set_speed(f.p, 2, 0) == 2);
	player_seek(f.p, 1);
	player_play(f.p, 100.0);
	CHECK(player_playing(f.p));
	CHECK_INT(player_pos(f.p), 1); /* the phase event is 0.1 s in: not due yet */
	/* at 2x, 0.3 s of real time is 0.6 s of playback: phase (0.1), start a (0.2) */
	double due = player_tick(f.p, 100.3);
	CHECK_INT(player_pos(f.p), 3);
	CHECK(due > 0 && due <= 0.35);
	/* pausing stops the clock */
	player_pause(f.p, 100.3);
	CHECK(player_tick(f.p, 200) < 0);
	CHECK_INT(player_pos(f.p), 3);
	/* 64x over 5 s of real time reaches the end, capped hour included; the end pauses */
	player_set_speed(f.p, 64, 200);
	player_play(f.p, 200);
	CHECK(player_tick(f.p, 205) < 0);
	CHECK_INT(player_pos(f.p), n);
	CHECK(!player_playing(f.p));
	char st[128];
	player_status(f.p, st, sizeof st);
	CHECK_HAS(st, "64");
	CHECK_HAS(st, "100%");

	SECTION("keys: a table; digits scrub; unknown keys are left to the view");
	player_seek(f.p, 1);
	CHECK(player_key(f.p, 'F', 0));
	CHECK_INT(player_pos(f.p), 10);
	CHECK(player_key(f.p, '^', 0));
	CHECK_INT(player_pos(f.p), 1);
	CHECK(player_key(f.p, '$', 0));
	CHECK_INT(player_pos(f.p), n);
	CHECK(player_key(f.p, '0', 0));
	CHECK_INT(player_pos(f.p), 1);
	player_set_speed(f.p, 2, 0);
	CHECK(player_key(f.p, '+', 0));
	CHECK(player_speed(f.p) == 4);
	CHECK(!player_key(f.p, 'q', 0));
	close_fixture(&f);
}

static void test_big_seek(void)
{
	SECTION("a seek over a huge log feeds the state events and the kept tail, not everything");
	char *path = path_in("big.jsonl");
	long n = write_session(path, 30000);
	struct fixture f;
	open_fixture(&f, path);
	CHECK_INT(jindex_count(f.ix), n);
	player_seek(f.p, (size_t)n);
	CHECK_INT(f.r.resets, 1);
	CHECK(f.r.fed < 20100);
	CHECK(f.r.fed >= 20000);
	CHECK_INT(f.r.last_seq, n);
	CHECK_INT(player_pos(f.p), n);
	/* a short step forward from a middle position feeds one by one */
	player_seek(f.p, 20);
	long before = f.r.fed;
	player_seek(f.p, 30);
	CHECK_INT(f.r.fed - before, 10);
	close_fixture(&f);
	free(path);
}

static void rewrite_line(const char *from, const char *to, int lineno, const char *what)
{
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");
	char *line = NULL;
	size_t cap = 0;
	int k = 0;
	while (getline(&line, &cap, in) > 0) {
		k++;
		if (k == lineno && strcmp(what, "drop") == 0)
			continue;
		if (k == lineno && strcmp(what, "edit") == 0) {
			char *p = strstr(line, "hello");
			if (p)
				p[0] = 'j';
		}
		if (k == lineno && strcmp(what, "tear") == 0) {
			line[strlen(line) / 2] = '\0';
			fputs(line, out);
			break;
		}
		fputs(line, out);
	}
	free(line);
	fclose(in);
	fclose(out);
}

static void test_problems(const char *path)
{
	static const struct {
		const char *what;
		int line;
		enum journal_problem want;
	} cases[] = {
		{"edit", 4, JOURNAL_CHANGED},
		{"drop", 6, JOURNAL_REMOVED},
		{"tear", 13, JOURNAL_TORN},
	};
	SECTION("a changed, removed or torn journal: the index stops where journal_scan does");
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *bad = path_in(cases[i].what);
		rewrite_line(path, bad, cases[i].line, cases[i].what);
		struct journal_scan js;
		journal_scan(bad, NULL, NULL, &js);
		struct fixture f;
		open_fixture(&f, bad);
		CHECK_INT(f.scan.problem, cases[i].want);
		CHECK_INT(js.problem, cases[i].want);
		CHECK_INT(f.scan.bad_line, js.bad_line);
		CHECK_INT(jindex_count(f.ix), js.lines);
		CHECK_STR(f.scan.message, js.message);
		player_seek(f.p, 1000);
		CHECK_INT(player_pos(f.p), js.lines);
		close_fixture(&f);
		unlink(bad);
		free(bad);
	}
}

static void test_verify_later(const char *path)
{
	SECTION("verify later: the open trusts the layout, jindex_verify finds the changed line, the player is cut");
	char *bad = path_in("late");
	rewrite_line(path, bad, 4, "edit");
	struct journal_scan open_scan, late;
	char *err = NULL;
	struct jindex *ix = jindex_open(bad, JINDEX_VERIFY_LATER, &open_scan, &err);
	CHECK(ix != NULL);
	CHECK_INT(open_scan.problem, JOURNAL_OK);
	jindex_verify(ix, &late);
	CHECK_INT(late.problem, JOURNAL_CHANGED);
	CHECK_INT(late.bad_line, 4);
	struct rec r = {.sink.on_event = rec_on_event};
	struct player_target t = {&r.sink, rec_reset, rec_flush, &r};
	struct player *p = player_new(ix, &t);
	player_seek(p, 10);
	player_limit(p, (size_t)late.lines);
	CHECK_INT(player_pos(p), 3);
	CHECK_INT(player_count(p), 3);
	CHECK_INT(r.last_seq, 3);
	player_free(p);
	jindex_free(ix);
	/* an intact journal verified later is intact */
	ix = jindex_open(path, JINDEX_VERIFY_LATER, &open_scan, &err);
	jindex_verify(ix, &late);
	CHECK_INT(late.problem, JOURNAL_OK);
	CHECK_STR(late.last_hash, open_scan.last_hash);
	jindex_free(ix);
	unlink(bad);
	free(bad);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	char *path = path_in("s.jsonl");
	long n = write_session(path, 3);
	test_index(path, n);
	test_seek_and_jumps(path, n);
	test_timing(path, n);
	test_big_seek();
	test_problems(path);
	test_verify_later(path);
	free(path);
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	free(cmd);
	return tap_done();
}
