/* Replay player: a cursor over an indexed journal that feeds a view's sink by time (play,
 * pause, speed), by event (step forward/back), or by jump (step, failure, prompt, skip,
 * critical, scrubber, search). Pure C: no curses, no clock of its own (callers pass now). */
#ifndef TEJUN_PLAYER_H
#define TEJUN_PLAYER_H
#include "core/event.h"
#include "core/jindex.h"
#include <stdbool.h>
#include <stddef.h>

#define PLAYER_SPEED_MIN 0.5
#define PLAYER_SPEED_MAX 64.0
/* Recorded idle longer than this (seconds) plays as this: a 3-hour wait is not watched. */
#define PLAYER_IDLE_CAP 2.0

/* Where the player feeds: a view's sink, and its reset (seek backwards) and flush. */
struct player_target {
	struct event_sink *sink;
	void (*reset)(void *arg);
	void (*flush)(void *arg);
	void *arg;
};

struct player;

/* ix is borrowed and must outlive the player. Starts paused with nothing fed. */
struct player *player_new(const struct jindex *ix, const struct player_target *t);
void player_free(struct player *p);

/* Only the first n events may be shown (a late verification found line n+1 bad): the
 * position moves back if it is past them. */
void player_limit(struct player *p, size_t n);
size_t player_pos(const struct player *p);   /* events fed so far: the first pos */
size_t player_count(const struct player *p); /* events in the journal */
bool player_playing(const struct player *p);
double player_speed(const struct player *p);
/* Playback clock (idle capped) of the position and of the whole session, seconds. */
double player_elapsed(const struct player *p);
double player_duration(const struct player *p);

void player_play(struct player *p, double now);
void player_pause(struct player *p, double now);
void player_toggle(struct player *p, double now);
/* Clamped to PLAYER_SPEED_MIN..MAX; returns the speed now in effect. */
double player_set_speed(struct player *p, double x, double now);

/* Feeds every event due by now (monotonic seconds). Returns the seconds until the next one
 * is due, or -1 when paused or at the end (reaching the end pauses). */
double player_tick(struct player *p, double now);

/* Shows exactly the first k events (k is clamped to the count); backwards = reset + refeed. */
void player_seek(struct player *p, size_t k);
bool player_step_forward(struct player *p);
bool player_step_back(struct player *p);
/* To the first start of a step, by id or 1-based number in the runbook's order. */
bool player_jump_step(struct player *p, const char *id_or_number);
/* To the next (previous) event carrying any of flags (JINDEX_*), shown as the last event. */
bool player_next(struct player *p, unsigned flags);
bool player_prev(struct player *p, unsigned flags);
/* Scrubber: fraction 0..1 of the playback clock. */
void player_seek_fraction(struct player *p, double f);
double player_fraction(const struct player *p);
/* The next (or previous) event whose line contains text (case-insensitive), shown last. */
bool player_search(struct player *p, const char *text, bool forward);

/* One line for a footer: "▶ 4× 00:12:03/01:02:00 41% event 123/4567". */
void player_status(const struct player *p, char *buf, size_t n);

/* Keys, as a table: a view in replay mode hands the player every key it does not use
 * itself. Special keys use these codes (a curses view maps KEY_LEFT etc. to them). */
enum { PLAYER_KEY_LEFT = 0x110000, PLAYER_KEY_RIGHT, PLAYER_KEY_HOME, PLAYER_KEY_END };
/* True when the key was the player's. */
bool player_key(struct player *p, int key, double now);
/* Every player binding for a help screen. */
void player_key_help(void (*fn)(void *arg, const char *keys, const char *doc), void *arg);
#endif
