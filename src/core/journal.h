/* The session journal: JSON Lines with a sha256 hash chain, fsync'd at state changes. */
#ifndef TEJUN_JOURNAL_H
#define TEJUN_JOURNAL_H
#include "core/event.h"
#include <stdbool.h>
#include <sys/types.h>

struct journal;

/* A new journal file (created 0600, must not exist). NULL and *err (caller frees) on failure. */
struct journal *journal_create(const char *path, char **err);
/* Reopen for appending after a scan: drops a torn last line, continues seq and the chain. */
struct journal *journal_reopen(const char *path, off_t good_len, long last_seq,
			       const char *last_hash, char **err);
/* The sink to add to a bus; write errors are fatal (a journal that silently stops is worse). */
struct event_sink *journal_sink(struct journal *j);
long journal_last_seq(const struct journal *j);
void journal_close(struct journal *j);

/* One event parsed back from a line; valid only during the scan callback. */
struct journal_event {
	long line;         /* 1-based line number */
	off_t offset;      /* byte offset of the line */
	struct event ev;   /* ev.data borrowed */
};
typedef int (*journal_scan_fn)(void *arg, const struct journal_event *je); /* nonzero stops */

enum journal_problem {
	JOURNAL_OK,
	JOURNAL_TORN,      /* last line incomplete: a crash, not tampering */
	JOURNAL_CHANGED,   /* hash does not match the line's text */
	JOURNAL_REMOVED,   /* seq jumps forward */
	JOURNAL_INSERTED,  /* seq repeats or goes back */
	JOURNAL_GARBLED,   /* not a journal line */
	JOURNAL_IOERR,
};

struct journal_scan {
	enum journal_problem problem;
	long bad_line;      /* first bad line, 0 when none */
	char message[256];  /* human explanation of problem */
	long lines;         /* good lines */
	long last_seq;
	char last_hash[65];
	off_t good_len;     /* bytes up to the end of the last good line */
};

/* Reads path line by line, checks the chain, calls fn (may be NULL) for each good line.
 * Stops at the first problem. Returns 0 when it read to the end (a torn tail counts as the end). */
int journal_scan(const char *path, journal_scan_fn fn, void *arg, struct journal_scan *out);
const char *journal_problem_name(enum journal_problem p);

/* Parse "2026-11-24T10:39:55.120Z" back to epoch seconds; -1 on error. */
double journal_parse_ts(const char *s);
/* Serialise one event as a journal body (no hash), compact. Caller frees. */
char *journal_body(const struct event *ev);
#endif
