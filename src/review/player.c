/* Replay player: feeds an indexed journal into a view by time, by event, or by jump. */
#include "config.h"
#include "review/player.h"
#include "core/util.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A forward jump longer than this rebuilds from the skeleton instead of feeding every event. */
#define FEED_LIMIT 20000

struct player {
	const struct jindex *ix;
	struct player_target t;
	size_t n, pos;
	double *vt; /* playback clock of each event: recorded time with idle gaps capped */
	bool playing;
	double speed;
	bool anchored;
	double real0, vt0; /* while playing: vt = vt0 + (now - real0) * speed */
};

struct player *player_new(const struct jindex *ix, const struct player_target *t)
{
	struct player *p = xcalloc(1, sizeof *p);
	p->ix = ix;
	p->t = *t;
	p->n = jindex_count(ix);
	p->speed = 1.0;
	p->vt = xmalloc((p->n ? p->n : 1) * sizeof *p->vt);
	double acc = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (i > 0) {
			double gap = jindex_ts(ix, i) - jindex_ts(ix, i - 1);
			/* a clock stepped back plays as no gap: the playback clock never runs backwards */
			acc += gap < 0 ? 0 : gap > PLAYER_IDLE_CAP ? PLAYER_IDLE_CAP : gap;
		}
		p->vt[i] = acc;
	}
	return p;
}

void player_free(struct player *p)
{
	if (!p)
		return;
	free(p->vt);
	free(p);
}

void player_limit(struct player *p, size_t n)
{
	if (n >= p->n)
		return;
	p->n = n;
	if (p->pos > n)
		player_seek(p, n);
	if (p->pos >= p->n)
		p->playing = false;
}

size_t player_pos(const struct player *p) { return p->pos; }
size_t player_count(const struct player *p) { return p->n; }
bool player_playing(const struct player *p) { return p->playing; }
double player_speed(const struct player *p) { return p->speed; }
double player_duration(const struct player *p) { return p->n ? p->vt[p->n - 1] : 0; }

double player_elapsed(const struct player *p)
{
	return p->pos ? p->vt[p->pos - 1] : 0;
}

static void feed(struct player *p, size_t i)
{
	struct event ev;
	if (jindex_event(p->ix, i, &ev) != 0)
		return;
	p->t.sink->on_event(p->t.sink, &ev);
	jindex_event_release(&ev);
}

static void flush(struct player *p)
{
	if (p->t.flush)
		p->t.flush(p->t.arg);
}

void player_seek(struct player *p, size_t k)
{
	if (k > p->n)
		k = p->n;
	if (k >= p->pos && k - p->pos <= FEED_LIMIT) {
		for (; p->pos < k; p->pos++)
			feed(p, p->pos);
	} else {
		if (p->t.reset)
			p->t.reset(p->t.arg);
		uint32_t *idx;
		size_t m = jindex_skeleton(p->ix, k, &idx);
		for (size_t i = 0; i < m; i++)
			feed(p, idx[i]);
		free(idx);
		p->pos = k;
	}
	p->anchored = false; /* the clock restarts from here at the next tick */
	flush(p);
}

void player_play(struct player *p, double now)
{
	if (p->pos >= p->n)
		return;
	p->playing = true;
	p->anchored = false;
	player_tick(p, now);
}

void player_pause(struct player *p, double now)
{
	(void)now;
	p->playing = false;
}

void player_toggle(struct player *p, double now)
{
	if (p->playing)
		player_pause(p, now);
	else
		player_play(p, now);
}

double player_set_speed(struct player *p, double x, double now)
{
	if (p->playing && p->anchored) {
		/* keep the position continuous: re-anchor at the current playback time */
		p->vt0 += (now - p->real0) * p->speed;
		p->real0 = now;
	}
	p->speed = x < PLAYER_SPEED_MIN ? PLAYER_SPEED_MIN : x > PLAYER_SPEED_MAX ? PLAYER_SPEED_MAX : x;
	return p->speed;
}

double player_tick(struct player *p, double now)
{
	if (!p->playing)
		return -1;
	if (!p->anchored) {
		p->anchored = true;
		p->real0 = now;
		p->vt0 = player_elapsed(p);
	}
	double vt = p->vt0 + (now - p->real0) * p->speed;
	size_t start = p->pos;
	while (p->pos < p->n && p->vt[p->pos] <= vt)
		feed(p, p->pos++);
	if (p->pos != start)
		flush(p);
	if (p->pos >= p->n) {
		p->playing = false;
		return -1;
	}
	return (p->vt[p->pos] - vt) / p->speed;
}

bool player_step_forward(struct player *p)
{
	if (p->pos >= p->n)
		return false;
	player_seek(p, p->pos + 1);
	return true;
}

bool player_step_back(struct player *p)
{
	if (p->pos <= 1)
		return false; /* the header stays: a blank screen tells nothing */
	player_seek(p, p->pos - 1);
	return true;
}

bool player_next(struct player *p, unsigned flags)
{
	for (size_t i = p->pos; i < p->n; i++)
		if (jindex_flags(p->ix, i) & flags) {
			player_seek(p, i + 1);
			return true;
		}
	return false;
}

bool player_prev(struct player *p, unsigned flags)
{
	/* the event shown last is pos-1: look before it */
	for (size_t i = p->pos > 1 ? p->pos - 1 : 0; i-- > 0;)
		if (jindex_flags(p->ix, i) & flags) {
			player_seek(p, i + 1);
			return true;
		}
	return false;
}

bool player_jump_step(struct player *p, const char *arg)
{
	int step = jindex_step_find(p->ix, arg);
	char *end;
	long num = strtol(arg, &end, 10);
	if (step < 0 && *arg && !*end && num >= 1 && (size_t)num <= jindex_nsteps(p->ix))
		step = (int)num - 1;
	if (step < 0)
		return false;
	for (size_t i = 0; i < p->n; i++)
		if (jindex_step(p->ix, i) == step && jindex_type(p->ix, i) == EV_STEP_START) {
			player_seek(p, i + 1);
			return true;
		}
	return false;
}

void player_seek_fraction(struct player *p, double f)
{
	if (!p->n)
		return;
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	double want = f * player_duration(p);
	size_t lo = 0, hi = p->n; /* first event after want */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->vt[mid] <= want)
			lo = mid + 1;
		else
			hi = mid;
	}
	player_seek(p, lo ? lo : 1);
}

double player_fraction(const struct player *p)
{
	double d = player_duration(p);
	return d > 0 ? player_elapsed(p) / d : p->pos >= p->n ? 1 : 0;
}

static bool line_has(const char *s, size_t len, const char *needle, size_t nl)
{
	if (nl == 0 || nl > len)
		return false;
	for (size_t i = 0; i + nl <= len; i++)
		if (tolower((unsigned char)s[i]) == tolower((unsigned char)needle[0]) && strncasecmp(s + i, needle, nl) == 0)
			return true;
	return false;
}

bool player_search(struct player *p, const char *text, bool forward)
{
	size_t nl = strlen(text), len;
	if (forward) {
		for (size_t i = p->pos; i < p->n; i++) {
			const char *s = jindex_line(p->ix, i, &len);
			if (line_has(s, len, text, nl)) {
				player_seek(p, i + 1);
				return true;
			}
		}
		return false;
	}
	for (size_t i = p->pos > 1 ? p->pos - 1 : 0; i-- > 0;) {
		const char *s = jindex_line(p->ix, i, &len);
		if (line_has(s, len, text, nl)) {
			player_seek(p, i + 1);
			return true;
		}
	}
	return false;
}

void player_status(const struct player *p, char *buf, size_t n)
{
	char at[32], total[32];
	format_duration(player_elapsed(p), at, sizeof at);
	format_duration(player_duration(p), total, sizeof total);
	snprintf(buf, n, "%s %g\xC3\x97 %s/%s %3.0f%% event %zu/%zu", p->playing ? "\xE2\x96\xB6" : "\xE2\x80\x96",
		 p->speed, at, total, player_fraction(p) * 100, p->pos, p->n);
}

/* ---- keys ---- */

static void k_toggle(struct player *p, double now) { player_toggle(p, now); }
static void k_faster(struct player *p, double now) { player_set_speed(p, p->speed * 2, now); }
static void k_slower(struct player *p, double now) { player_set_speed(p, p->speed / 2, now); }
static void k_fwd(struct player *p, double now) { (void)now; player_step_forward(p); }
static void k_back(struct player *p, double now) { (void)now; player_step_back(p); }
static void k_next_step(struct player *p, double now) { (void)now; player_next(p, JINDEX_START); }
static void k_prev_step(struct player *p, double now) { (void)now; player_prev(p, JINDEX_START); }
static void k_failure(struct player *p, double now) { (void)now; player_next(p, JINDEX_FAILURE); }
static void k_prompt(struct player *p, double now) { (void)now; player_next(p, JINDEX_PROMPT); }
static void k_skip(struct player *p, double now) { (void)now; player_next(p, JINDEX_SKIP); }
static void k_critical(struct player *p, double now) { (void)now; player_next(p, JINDEX_CRITICAL); }
static void k_home(struct player *p, double now) { (void)now; player_seek(p, 1); }
static void k_end(struct player *p, double now) { (void)now; player_seek(p, p->n); }
static void k_scrub_back(struct player *p, double now) { (void)now; player_seek_fraction(p, player_fraction(p) - 0.05); }
static void k_scrub_fwd(struct player *p, double now) { (void)now; player_seek_fraction(p, player_fraction(p) + 0.05); }

static const struct player_binding {
	int key;
	const char *keys, *doc; /* NULL: an alias documented with the line before */
	void (*fn)(struct player *p, double now);
} bindings[] = {
	{'p', "p", "play / pause", k_toggle},
	{'+', "+ -", "faster / slower (0.5\xC3\x97 to 64\xC3\x97; idle gaps play as 2 s at most)", k_faster},
	{'=', NULL, NULL, k_faster},
	{'-', NULL, NULL, k_slower},
	{'.', ". ,", "one event forward / back", k_fwd},
	{PLAYER_KEY_RIGHT, NULL, NULL, k_fwd},
	{',', NULL, NULL, k_back},
	{PLAYER_KEY_LEFT, NULL, NULL, k_back},
	{'>', "> <", "next / previous step start", k_next_step},
	{'<', NULL, NULL, k_prev_step},
	{'F', "F", "next failure", k_failure},
	{'P', "P", "next prompt (confirmation, challenge, question)", k_prompt},
	{'S', "S", "next skipped step", k_skip},
	{'C', "C", "next critical step", k_critical},
	{']', "[ ]", "scrub back / forward 5 %", k_scrub_fwd},
	{'[', NULL, NULL, k_scrub_back},
	{'^', "^ $ 0-9", "start / end of the session, or 0 %..90 %", k_home},
	{PLAYER_KEY_HOME, NULL, NULL, k_home},
	{'$', NULL, NULL, k_end},
	{PLAYER_KEY_END, NULL, NULL, k_end},
};

bool player_key(struct player *p, int key, double now)
{
	if (key >= '0' && key <= '9') {
		player_seek_fraction(p, (key - '0') / 10.0);
		return true;
	}
	for (size_t i = 0; i < sizeof bindings / sizeof *bindings; i++)
		if (bindings[i].key == key) {
			bindings[i].fn(p, now);
			return true;
		}
	return false;
}

void player_key_help(void (*fn)(void *arg, const char *keys, const char *doc), void *arg)
{
	for (size_t i = 0; i < sizeof bindings / sizeof *bindings; i++)
		if (bindings[i].keys)
			fn(arg, bindings[i].keys, bindings[i].doc);
}
