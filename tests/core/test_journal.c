/* Journal unit tests: what is written through the sink reads back through journal_scan, the
 * chain is the documented sha256(PREV "\n" BODY), every kind of tampering is named at its line,
 * a torn tail is a crash (not tampering) and reopening continues the chain, the file is 0600,
 * and registered secrets never reach the file. */
#include "config.h"
#include "core/event.h"
#include "core/journal.h"
#include "core/secret.h"
#include "core/util.h"
#include "tests/tap.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tejun-test-journal-XXXXXX";

/* --- small file helpers --- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct sbuf b;
	sbuf_init(&b);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sbuf_add(&b, buf, n);
	fclose(f);
	if (!b.data)
		sbuf_add(&b, "", 0);
	return sbuf_steal(&b);
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(99);
	}
	fputs(text, f);
	fclose(f);
}

/* The lines of text (without their '\n'); the last may be torn (no '\n'). */
struct lines {
	char **l;
	size_t n;
};

static struct lines split_lines(const char *text)
{
	struct lines ls = {NULL, 0};
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		ls.l = xrealloc(ls.l, (ls.n + 1) * sizeof *ls.l);
		ls.l[ls.n++] = xstrndup(p, len);
		p += len + (nl ? 1 : 0);
	}
	return ls;
}

static void free_lines(struct lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->l[i]);
	free(ls->l);
}

/* Writes lines joined by '\n', each terminated. */
static void write_lines(const char *path, char **l, size_t n)
{
	struct sbuf b;
	sbuf_init(&b);
	for (size_t i = 0; i < n; i++) {
		sbuf_adds(&b, l[i]);
		sbuf_add(&b, "\n", 1);
	}
	spit(path, b.data ? b.data : "");
	sbuf_free(&b);
}

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* --- a journal with known content --- */

#define NEVENTS 8

/* Writes a fresh journal of NEVENTS events: session, step_start, 4 logs, step_end, end. */
static void write_sample(const char *path)
{
	char *err = NULL;
	struct journal *j = journal_create(path, &err);
	CHECKF(j != NULL, "journal_create: %s", err ? err : "?");
	if (!j) {
		free(err);
		exit(1);
	}
	struct bus bus;
	bus_init(&bus);
	bus_add(&bus, journal_sink(j));
	bus_emit(&bus, EV_SESSION, NULL, json_pack("{s:s,s:{s:s}}", "session", "S1", "runbook", "id", "sample"));
	bus_emit(&bus, EV_STEP_START, "alpha", json_pack("{s:i,s:s}", "attempt", 1, "title", "Alpha 手順"));
	for (int i = 1; i <= 4; i++) {
		char text[64];
		snprintf(text, sizeof text, "log line %d", i);
		bus_emit(&bus, EV_LOG, "alpha", json_pack("{s:s,s:s}", "text", text, "level", "info"));
	}
	bus_emit(&bus, EV_STEP_END, "alpha", json_pack("{s:s,s:f,s:i}", "state", "ok", "secs", 0.5, "attempt", 1));
	bus_emit(&bus, EV_END, NULL, json_pack("{s:s,s:i}", "status", "done", "exit_code", 0));
	CHECK_INT(journal_last_seq(j), NEVENTS);
	journal_close(j);
}

struct seen {
	long seq[32];
	long line[32];
	char type[32][16];
	char step[32][16];
	char text[32][64];
	int n;
	int stop_after; /* 0: never */
};

static int collect(void *arg, const struct journal_event *je)
{
	struct seen *s = arg;
	if (s->n < 32) {
		s->seq[s->n] = je->ev.seq;
		s->line[s->n] = je->line;
		snprintf(s->type[s->n], sizeof s->type[0], "%s", event_type_name(je->ev.type));
		snprintf(s->step[s->n], sizeof s->step[0], "%s", je->ev.step ? je->ev.step : "");
		const char *t = json_string_value(json_object_get(je->ev.data, "text"));
		snprintf(s->text[s->n], sizeof s->text[0], "%s", t ? t : "");
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static void test_roundtrip(void)
{
	SECTION("events written through the sink read back in order");
	char *p = path_in("roundtrip.jsonl");
	write_sample(p);
	struct seen s = {0};
	struct journal_scan scan;
	int rc = journal_scan(p, collect, &s, &scan);
	CHECK_INT(rc, 0);
	CHECKF(scan.problem == JOURNAL_OK, "problem %s: %s", journal_problem_name(scan.problem), scan.message);
	CHECK_INT(scan.lines, NEVENTS);
	CHECK_INT(scan.last_seq, NEVENTS);
	CHECK_INT(scan.bad_line, 0);
	CHECK_INT(s.n, NEVENTS);
	static const char *const types[NEVENTS] = {"session", "step_start", "log", "log", "log", "log", "step_end", "end"};
	for (int i = 0; i < NEVENTS && i < s.n; i++) {
		CHECK_INT(s.seq[i], i + 1);
		CHECK_INT(s.line[i], i + 1);
		CHECK_STR(s.type[i], types[i]);
	}
	CHECK_STR(s.step[0], "");
	CHECK_STR(s.step[1], "alpha");
	CHECK_STR(s.text[2], "log line 1");
	CHECK_STR(s.text[5], "log line 4");
	CHECK_STR(s.step[7], "");

	/* good_len covers the whole file when nothing is torn */
	struct stat st;
	CHECK(stat(p, &st) == 0);
	CHECK_INT(scan.good_len, st.st_size);

	/* a nonzero return from the callback stops the scan */
	struct seen s2 = {.stop_after = 3};
	journal_scan(p, collect, &s2, &scan);
	CHECK_INT(s2.n, 3);

	/* Each line is a JSON object whose fields are what docs/journal.md promises. */
	char *text = slurp(p);
	struct lines ls = split_lines(text);
	CHECK_INT(ls.n, NEVENTS);
	json_error_t jerr;
	json_t *o = json_loads(ls.n > 1 ? ls.l[1] : "{}", 0, &jerr);
	CHECK(o != NULL);
	CHECK_INT(json_integer_value(json_object_get(o, "seq")), 2);
	CHECK_STR(json_string_value(json_object_get(o, "type")), "step_start");
	CHECK_STR(json_string_value(json_object_get(o, "step")), "alpha");
	CHECK_STR(json_string_value(json_object_get(json_object_get(o, "data"), "title")), "Alpha 手順");
	const char *ts = json_string_value(json_object_get(o, "ts"));
	CHECKF(ts && strlen(ts) == 24 && ts[10] == 'T' && ts[23] == 'Z', "ts %s is not YYYY-MM-DDTHH:MM:SS.mmmZ",
	       ts ? ts : "(null)");
	double parsed = journal_parse_ts(ts);
	CHECKF(parsed > now_wall() - 60 && parsed <= now_wall() + 1, "ts %s parses to %f", ts ? ts : "", parsed);
	json_decref(o);
	free_lines(&ls);
	free(text);
	free(p);
}

/* The chain as docs/journal.md states it, recomputed independently of journal.c. */
static void test_documented_chain(void)
{
	SECTION("hash = sha256(previous hash + \\n + line up to ,\"hash\": + })");
	char *p = path_in("chain.jsonl");
	write_sample(p);
	char *text = slurp(p);
	struct lines ls = split_lines(text);
	char prev[65] = "";
	for (size_t i = 0; i < ls.n; i++) {
		char *line = ls.l[i];
		char *hk = strstr(line, ",\"hash\":\"");
		CHECKF(hk != NULL, "line %zu has no hash member", i + 1);
		if (!hk)
			break;
		CHECKF(strlen(hk) == strlen(",\"hash\":\"") + 64 + 2, "line %zu: hash is not the last member", i + 1);
		struct sbuf b;
		sbuf_init(&b);
		sbuf_adds(&b, prev);
		sbuf_add(&b, "\n", 1);
		sbuf_add(&b, line, (size_t)(hk - line));
		sbuf_add(&b, "}", 1);
		char h[65];
		sha256_hex(b.data, b.len, h);
		sbuf_free(&b);
		char stored[65];
		snprintf(stored, sizeof stored, "%.64s", hk + strlen(",\"hash\":\""));
		CHECK_STR(stored, h);
		memcpy(prev, h, sizeof h);
	}
	free_lines(&ls);
	free(text);
	free(p);
}

static void test_mode_and_exclusive(void)
{
	SECTION("journal file is created 0600 and never overwrites an existing one");
	char *p = path_in("mode.jsonl");
	mode_t old = umask(0); /* even with a permissive umask */
	write_sample(p);
	umask(old);
	struct stat st;
	CHECK(stat(p, &st) == 0);
	CHECKF((st.st_mode & 0777) == 0600, "mode is %o", (unsigned)(st.st_mode & 0777));
	off_t size = st.st_size;
	char *err = NULL;
	struct journal *j = journal_create(p, &err);
	CHECK(j == NULL);
	CHECKF(err && strstr(err, p), "error should name the file: %s", err ? err : "(null)");
	free(err);
	journal_close(j);
	CHECK(stat(p, &st) == 0);
	CHECK_INT(st.st_size, size);
	free(p);
}

/* Scan a copy of the sample whose lines went through edit(); returns the scan result. */
typedef void (*edit_fn)(struct lines *ls);

static struct journal_scan scan_edited(const char *name, edit_fn edit)
{
	char *good = path_in("sample.jsonl");
	struct stat st;
	if (stat(good, &st) != 0)
		write_sample(good);
	char *text = slurp(good);
	struct lines ls = split_lines(text);
	edit(&ls);
	char *p = path_in(name);
	write_lines(p, ls.l, ls.n);
	struct journal_scan scan;
	journal_scan(p, NULL, NULL, &scan);
	free_lines(&ls);
	free(text);
	free(p);
	free(good);
	return scan;
}

static void change_byte_line4(struct lines *ls)
{
	char *t = strstr(ls->l[3], "log line 2"); /* line 4 = seq 4 */
	if (t)
		t[9] = '7'; /* "log line 7": still valid JSON, same length */
}

static void change_hash_line4(struct lines *ls)
{
	char *h = strstr(ls->l[3], ",\"hash\":\"");
	if (h)
		h[9] = h[9] == 'a' ? 'b' : 'a';
}

/* Edits line 4 and recomputes its own hash from line 3's, as a forger who knows the format would. */
static void rehash_line4(struct lines *ls)
{
	char *t = strstr(ls->l[3], "log line 2");
	char *hk3 = strstr(ls->l[2], ",\"hash\":\"");
	char *hk4 = strstr(ls->l[3], ",\"hash\":\"");
	if (!t || !hk3 || !hk4)
		return;
	t[9] = '7';
	char prev[65];
	snprintf(prev, sizeof prev, "%.64s", hk3 + strlen(",\"hash\":\""));
	struct sbuf b;
	sbuf_init(&b);
	sbuf_adds(&b, prev);
	sbuf_add(&b, "\n", 1);
	sbuf_add(&b, ls->l[3], (size_t)(hk4 - ls->l[3]));
	sbuf_add(&b, "}", 1);
	char h[65];
	sha256_hex(b.data, b.len, h);
	sbuf_free(&b);
	memcpy(hk4 + strlen(",\"hash\":\""), h, 64);
}

static void remove_line5(struct lines *ls)
{
	free(ls->l[4]);
	memmove(&ls->l[4], &ls->l[5], (ls->n - 5) * sizeof *ls->l);
	ls->n--;
}

static void duplicate_line3(struct lines *ls)
{
	ls->l = xrealloc(ls->l, (ls->n + 1) * sizeof *ls->l);
	memmove(&ls->l[4], &ls->l[3], (ls->n - 3) * sizeof *ls->l);
	ls->l[3] = xstrdup(ls->l[2]);
	ls->n++;
}

static void garbage_line6(struct lines *ls)
{
	free(ls->l[5]);
	ls->l[5] = xstrdup("this is not a journal line");
}

static void json_without_hash_line2(struct lines *ls)
{
	free(ls->l[1]);
	ls->l[1] = xstrdup("{\"seq\":2,\"type\":\"log\",\"data\":{\"text\":\"forged\"}}");
}

static void test_tampering(void)
{
	struct journal_scan s;

	SECTION("a changed byte in line 4 is JOURNAL_CHANGED at line 4");
	s = scan_edited("changed.jsonl", change_byte_line4);
	CHECKF(s.problem == JOURNAL_CHANGED, "got %s: %s", journal_problem_name(s.problem), s.message);
	CHECK_INT(s.bad_line, 4);
	CHECK_INT(s.lines, 3);
	CHECK_HAS(s.message, "line 4");

	SECTION("a changed hash in line 4 is JOURNAL_CHANGED at line 4");
	s = scan_edited("changed-hash.jsonl", change_hash_line4);
	CHECKF(s.problem == JOURNAL_CHANGED, "got %s: %s", journal_problem_name(s.problem), s.message);
	CHECK_INT(s.bad_line, 4);

	SECTION("an edited line with a recomputed hash breaks the chain at the next line");
	s = scan_edited("rehashed.jsonl", rehash_line4);
	CHECKF(s.problem == JOURNAL_CHANGED, "got %s: %s", journal_problem_name(s.problem), s.message);
	CHECK_INT(s.bad_line, 5);
	CHECK_INT(s.lines, 4);

	SECTION("a removed line is JOURNAL_REMOVED at the line after the gap");
	s = scan_edited("removed.jsonl", remove_line5);
	CHECKF(s.problem == JOURNAL_REMOVED, "got %s: %s", journal_problem_name(s.problem), s.message);
	CHECK_INT(s.bad_line, 5);
	CHECK_INT(s.lines, 4);
	CHECK_HAS(s.message, "line 5");

	SECTION("a duplicated line is JOURNAL_INSERTED at the copy");
	s = scan_edited("inserted.jsonl", duplicate_line3);
	CHECKF(s.problem == JOURNAL_INSERTED, "got %s: %s", journal_problem_name(s.problem), s.message);
	CHECK_INT(s.bad_line, 4);
	CHECK_INT(s.lines, 3);
	CHECK_HAS(s.message, "line 4");

	SECTION("a garbage line is JOURNAL_GARBLED at that line");
	s = scan_edited("garbage.jsonl", garbage_line6);
	CHECKF(s.problem == JOURNAL_GARBLED, "got %s: %s", journal_problem_name(s.problem), s.message);
	CHECK_INT(s.bad_line, 6);
	CHECK_INT(s.lines, 5);

	SECTION("a JSON line without a hash is not accepted");
	s = scan_edited("nohash.jsonl", json_without_hash_line2);
	CHECKF(s.problem == JOURNAL_GARBLED, "got %s: %s", journal_problem_name(s.problem), s.message);
	CHECK_INT(s.bad_line, 2);
}

static void test_torn_and_reopen(void)
{
	SECTION("a torn last line is JOURNAL_TORN (a crash), and reopening continues the chain");
	char *p = path_in("torn.jsonl");
	write_sample(p);
	struct stat st;
	CHECK(stat(p, &st) == 0);
	CHECK(truncate(p, st.st_size - 7) == 0); /* the last line loses its tail and newline */
	struct journal_scan scan;
	struct seen s = {0};
	int rc = journal_scan(p, collect, &s, &scan);
	CHECK_INT(rc, 0);
	CHECKF(scan.problem == JOURNAL_TORN, "got %s: %s", journal_problem_name(scan.problem), scan.message);
	CHECK_INT(scan.bad_line, NEVENTS);
	CHECK_INT(scan.lines, NEVENTS - 1);
	CHECK_INT(scan.last_seq, NEVENTS - 1);
	CHECK_INT(s.n, NEVENTS - 1);
	CHECK_HAS(scan.message, "not tampering");
	char *text = slurp(p);
	const char *last_nl = strrchr(text, '\n');
	CHECK_INT(scan.good_len, last_nl ? last_nl - text + 1 : -1);
	free(text);

	char *err = NULL;
	struct journal *j = journal_reopen(p, scan.good_len, scan.last_seq, scan.last_hash, &err);
	CHECKF(j != NULL, "journal_reopen: %s", err ? err : "?");
	if (j) {
		struct bus bus;
		bus_init(&bus);
		bus.seq = scan.last_seq;
		bus_add(&bus, journal_sink(j));
		bus_emit(&bus, EV_RESUME, NULL, json_pack("{s:b}", "torn_line_dropped", 1));
		bus_emit(&bus, EV_LOG, "alpha", json_pack("{s:s}", "text", "after the crash"));
		bus_emit(&bus, EV_END, NULL, json_pack("{s:s,s:i}", "status", "done", "exit_code", 0));
		CHECK_INT(journal_last_seq(j), NEVENTS + 2);
		journal_close(j);
	}
	free(err);
	struct seen s2 = {0};
	rc = journal_scan(p, collect, &s2, &scan);
	CHECK_INT(rc, 0);
	CHECKF(scan.problem == JOURNAL_OK, "after reopen: %s: %s", journal_problem_name(scan.problem), scan.message);
	CHECK_INT(scan.lines, NEVENTS + 2);
	CHECK_INT(scan.last_seq, NEVENTS + 2);
	if (s2.n == NEVENTS + 2) {
		CHECK_STR(s2.type[NEVENTS - 1], "resume"); /* the torn line is gone, seq NEVENTS reused */
		CHECK_INT(s2.seq[NEVENTS - 1], NEVENTS);
		CHECK_STR(s2.text[NEVENTS], "after the crash");
	}
	CHECK_INT(s2.n, NEVENTS + 2);
	free(p);
}

static void test_secrets_redacted(void)
{
	SECTION("secret values never reach the file, wherever they appear in an event");
	const char *secret = "Hunter2-s3cr3t-Pa55";
	secret_add(secret);
	char *p = path_in("secret.jsonl");
	char *err = NULL;
	struct journal *j = journal_create(p, &err);
	CHECK(j != NULL);
	if (!j) {
		free(err);
		free(p);
		return;
	}
	struct bus bus;
	bus_init(&bus);
	bus_add(&bus, journal_sink(j));
	char *cmd = xasprintf("mysql -pHunter2-s3cr3t-Pa55 -e 'select 1'");
	bus_emit(&bus, EV_LOG, "s", json_pack("{s:s,s:s}", "text", "password is Hunter2-s3cr3t-Pa55!", "level", "info"));
	bus_emit(&bus, EV_CALL, "s", json_pack("{s:s,s:s,s:s}", "module", "sh", "op", "run", "detail", cmd));
	bus_emit(&bus, EV_SET, "s",
		 json_pack("{s:s,s:{s:[s,s]}}", "key", "k", "value", "nested", secret, "x Hunter2-s3cr3t-Pa55 y"));
	bus_emit(&bus, EV_ANSWER, "s", json_pack("{s:i,s:s}", "id", 1, "answer", secret));
	journal_close(j);
	free(cmd);
	char *text = slurp(p);
	CHECK_LACKS(text, secret);
	CHECK_HAS(text, "password is ***!");
	CHECK_HAS(text, "mysql -p*** -e");
	CHECK_HAS(text, "x *** y");
	struct journal_scan scan;
	journal_scan(p, NULL, NULL, &scan);
	CHECK(scan.problem == JOURNAL_OK);
	CHECK_INT(scan.lines, 4);
	free(text);
	free(p);
	secret_clear();
}

static void test_missing_file(void)
{
	SECTION("scanning a missing file is an I/O error, not an empty journal");
	char *p = path_in("does-not-exist.jsonl");
	struct journal_scan scan;
	int rc = journal_scan(p, NULL, NULL, &scan);
	CHECK(rc != 0);
	CHECK(scan.problem == JOURNAL_IOERR);
	free(p);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 99;
	}
	test_roundtrip();
	test_documented_chain();
	test_mode_and_exclusive();
	test_tampering();
	test_torn_and_reopen();
	test_secrets_redacted();
	test_missing_file();
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	free(cmd);
	return tap_done();
}
