/* Journal writer and reader: one JSON object per line, each chained to the last by sha256. */
#include "config.h"
#include "core/journal.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct journal {
	struct event_sink sink;
	int fd;
	char *path;
	char prev[65];
	long last_seq;
	bool dirty; /* written since the last fsync */
};

static const char HASH_KEY[] = ",\"hash\":\"";

char *journal_body(const struct event *ev)
{
	char ts[40];
	format_iso_time(ev->ts, ts, sizeof ts);
	json_t *o = json_object();
	json_object_set_new(o, "seq", json_integer(ev->seq));
	json_object_set_new(o, "ts", json_string(ts));
	json_object_set_new(o, "type", json_string(event_type_name(ev->type)));
	if (ev->step)
		json_object_set_new(o, "step", json_string(ev->step));
	json_object_set(o, "data", ev->data ? ev->data : json_object());
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(o);
	if (!s)
		die("cannot serialise a journal event");
	return s;
}

static void chain_hash(const char *prev, const char *body, size_t bodylen, char out[65])
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_adds(&b, prev);
	sbuf_add(&b, "\n", 1);
	sbuf_add(&b, body, bodylen);
	sha256_hex(b.data, b.len, out);
	sbuf_free(&b);
}

static void write_all(struct journal *j, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(j->fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("cannot write journal %s: %s", j->path, strerror(errno));
		s += w;
		n -= (size_t)w;
	}
}

static void journal_on_event(struct event_sink *sink, const struct event *ev)
{
	struct journal *j = (struct journal *)sink;
	char *body = journal_body(ev);
	size_t bl = strlen(body);
	char h[65];
	chain_hash(j->prev, body, bl, h);
	/* body ends in '}': splice the hash in as the last member, then one write() per line. */
	struct sbuf line;
	sbuf_init(&line);
	sbuf_add(&line, body, bl - 1);
	sbuf_adds(&line, HASH_KEY);
	sbuf_adds(&line, h);
	sbuf_adds(&line, "\"}\n");
	write_all(j, line.data, line.len);
	sbuf_free(&line);
	free(body);
	memcpy(j->prev, h, sizeof h);
	j->last_seq = ev->seq;
	j->dirty = true;
	if (event_type_is_sync(ev->type)) {
		if (fsync(j->fd) != 0)
			die("cannot fsync journal %s: %s", j->path, strerror(errno));
		j->dirty = false;
	}
}

static struct journal *journal_new(int fd, const char *path)
{
	struct journal *j = xcalloc(1, sizeof *j);
	j->sink.on_event = journal_on_event;
	j->fd = fd;
	j->path = xstrdup(path);
	return j;
}

struct journal *journal_create(const char *path, char **err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("cannot create journal %s: %s", path, strerror(errno));
		return NULL;
	}
	return journal_new(fd, path);
}

struct journal *journal_reopen(const char *path, off_t good_len, long last_seq,
			       const char *last_hash, char **err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, good_len) != 0) {
		*err = xasprintf("cannot reopen journal %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct journal *j = journal_new(fd, path);
	j->last_seq = last_seq;
	snprintf(j->prev, sizeof j->prev, "%s", last_hash);
	return j;
}

struct event_sink *journal_sink(struct journal *j)
{
	return &j->sink;
}

long journal_last_seq(const struct journal *j)
{
	return j->last_seq;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->dirty)
		fsync(j->fd);
	close(j->fd);
	free(j->path);
	free(j);
}

const char *journal_problem_name(enum journal_problem p)
{
	static const char *names[] = {"ok", "torn last line", "line changed", "line removed",
				      "line inserted", "not a journal line", "read error"};
	return names[p];
}

double journal_parse_ts(const char *s)
{
	struct tm tm = {0};
	int ms = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + ms / 1000.0;
}

static void set_problem(struct journal_scan *out, enum journal_problem p, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void set_problem(struct journal_scan *out, enum journal_problem p, long line, const char *fmt, ...)
{
	va_list ap;
	out->problem = p;
	out->bad_line = line;
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof out->message, fmt, ap);
	va_end(ap);
}

/* Checks one complete line (without '\n'); fills ev on success. Returns 0 or -1 (problem set). */
static int check_line(struct journal_scan *out, long lineno, char *text, size_t len, json_t **parsed)
{
	char *hk = NULL;
	for (char *p = strstr(text, HASH_KEY); p; p = strstr(p + 1, HASH_KEY))
		hk = p; /* the last one: hash is always the last member */
	if (!hk || strlen(hk) != strlen(HASH_KEY) + 64 + 2 || strcmp(hk + strlen(HASH_KEY) + 64, "\"}") != 0) {
		set_problem(out, JOURNAL_GARBLED, lineno, "line %ld is not a journal line (no hash): edited or inserted", lineno);
		return -1;
	}
	json_error_t jerr;
	json_t *o = json_loadb(text, len, 0, &jerr);
	json_t *seqv = o ? json_object_get(o, "seq") : NULL;
	if (!o || !json_is_integer(seqv) || !json_is_string(json_object_get(o, "type"))) {
		json_decref(o);
		set_problem(out, JOURNAL_GARBLED, lineno, "line %ld is not a journal line: edited or inserted", lineno);
		return -1;
	}
	long seq = (long)json_integer_value(seqv);
	long want = out->last_seq + 1;
	if (seq > want) {
		json_decref(o);
		set_problem(out, JOURNAL_REMOVED, lineno, "line %ld: seq %ld where %ld was expected: %ld line(s) removed before it",
			    lineno, seq, want, seq - want);
		return -1;
	}
	if (seq < want) {
		json_decref(o);
		set_problem(out, JOURNAL_INSERTED, lineno, "line %ld: seq %ld repeats or goes back (expected %ld): line inserted",
			    lineno, seq, want);
		return -1;
	}
	/* body = text up to the hash member, closed with '}' */
	size_t bl = (size_t)(hk - text);
	char *body = xmalloc(bl + 2);
	memcpy(body, text, bl);
	body[bl] = '}';
	body[bl + 1] = '\0';
	char h[65];
	chain_hash(out->last_hash, body, bl + 1, h);
	free(body);
	if (strncmp(h, hk + strlen(HASH_KEY), 64) != 0) {
		json_decref(o);
		set_problem(out, JOURNAL_CHANGED, lineno, "line %ld (seq %ld): hash does not match its content: line changed",
			    lineno, seq);
		return -1;
	}
	memcpy(out->last_hash, h, sizeof h);
	out->last_seq = seq;
	*parsed = o;
	return 0;
}

int journal_scan(const char *path, journal_scan_fn fn, void *arg, struct journal_scan *out)
{
	memset(out, 0, sizeof *out);
	FILE *f = fopen(path, "rb");
	if (!f) {
		set_problem(out, JOURNAL_IOERR, 0, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	off_t off = 0;
	int rc = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[n - 1] != '\n') {
			set_problem(out, JOURNAL_TORN, lineno,
				    "line %ld is incomplete (%zd bytes, no newline): the writer stopped mid-line (a crash), not tampering",
				    lineno, n);
			break;
		}
		line[--n] = '\0';
		json_t *o = NULL;
		if (check_line(out, lineno, line, (size_t)n, &o) != 0) {
			rc = -1;
			break;
		}
		out->lines++;
		if (fn) {
			struct journal_event je = {.line = lineno, .offset = off};
			const char *step = json_string_value(json_object_get(o, "step"));
			int t = event_type_from_name(json_string_value(json_object_get(o, "type")));
			je.ev = (struct event){.type = t < 0 ? EV_LOG : (enum event_type)t,
					       .seq = out->last_seq,
					       .ts = journal_parse_ts(json_string_value(json_object_get(o, "ts"))),
					       .step = step,
					       .data = json_object_get(o, "data")};
			int stop = t < 0 ? 0 : fn(arg, &je);
			json_decref(o);
			off += n + 1;
			out->good_len = off;
			if (stop)
				break;
			continue;
		}
		json_decref(o);
		off += n + 1;
		out->good_len = off;
	}
	if (ferror(f)) {
		set_problem(out, JOURNAL_IOERR, lineno, "read error on %s", path);
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}
