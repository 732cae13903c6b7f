/* A journal opened for replay: every good line indexed once (offset, seq, time, type, step)
 * in compact arrays while the chain is checked; JSON is parsed only for the events fed. */
#ifndef TEJUN_JINDEX_H
#define TEJUN_JINDEX_H
#include "core/event.h"
#include "core/journal.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jindex;

/* What a line is, for jumps: known at index time (state events are few and parsed then). */
enum {
	JINDEX_FAILURE = 1 << 0,  /* step_end failed or interrupted */
	JINDEX_PROMPT = 1 << 1,   /* prompt */
	JINDEX_SKIP = 1 << 2,     /* step_end skipped */
	JINDEX_CRITICAL = 1 << 3, /* step_start of a step declared critical */
	JINDEX_START = 1 << 4,    /* step_start */
};

/* Hashes are most of an open's cost: JINDEX_VERIFY_LATER leaves them to jindex_verify
 * (e.g. on a worker thread while the reviewer already watches). */
enum { JINDEX_VERIFY_LATER = 1 };

/* Opens and indexes path, checking the chain (hashes on every core); indexing stops at the
 * first bad line and *scan says what is wrong exactly as journal_scan would (a torn tail is
 * JOURNAL_TORN). NULL and *err (caller frees) only when nothing can be read. */
struct jindex *jindex_open(const char *path, unsigned flags, struct journal_scan *scan, char **err);
/* After JINDEX_VERIFY_LATER: checks every hash and fills *scan (otherwise copies the open's
 * result). The index is not cut: only the first scan->lines events are trustworthy. Reads
 * ix only, so one worker thread may run it while the loop thread feeds from ix. */
void jindex_verify(const struct jindex *ix, struct journal_scan *scan);
void jindex_free(struct jindex *ix);

size_t jindex_count(const struct jindex *ix);
long jindex_seq(const struct jindex *ix, size_t i);
double jindex_ts(const struct jindex *ix, size_t i);
/* EV__COUNT for a type this build does not know (such lines are kept but never fed). */
enum event_type jindex_type(const struct jindex *ix, size_t i);
/* Step number (0-based, in order of first appearance), -1 for none. */
int jindex_step(const struct jindex *ix, size_t i);
unsigned jindex_flags(const struct jindex *ix, size_t i);
size_t jindex_nsteps(const struct jindex *ix);
const char *jindex_step_name(const struct jindex *ix, int step);
/* -1 when the step never appears. */
int jindex_step_find(const struct jindex *ix, const char *id);
/* The raw text of line i (no newline), valid while ix lives. */
const char *jindex_line(const struct jindex *ix, size_t i, size_t *len);
/* The session header's data (first line), or NULL; owned by ix. */
json_t *jindex_header(const struct jindex *ix);

/* Parses line i into ev (ev->data is a new reference the caller releases with
 * jindex_event_release). Returns 0, or -1 for an unknown type. */
int jindex_event(const struct jindex *ix, size_t i, struct event *ev);
void jindex_event_release(struct event *ev);

/* Lines a view needs to show the state after the first k events, in order: every state
 * event before k, and of each high-volume series (log per step, progress per step and
 * label, gauge per step and name) only a tail: what the TUI keeps (20000 log lines) for
 * the step on screen, the last 1000 log lines of other steps. Lets a seek to the end of a
 * million-event journal feed thousands of events, not a million. Returns the count and
 * *out (caller frees). */
size_t jindex_skeleton(const struct jindex *ix, size_t k, uint32_t **out);
#endif
