/* The one event stream: the engine emits, the journal and the views consume. */
#ifndef TEJUN_EVENT_H
#define TEJUN_EVENT_H
#include <jansson.h>

/* X-macro: enum name, wire name, whether the journal fsyncs it before the engine goes on. */
#define EVENT_TYPES(X)                        \
	X(SESSION, "session", 1)              \
	X(RESUME, "resume", 1)                \
	X(PHASE, "phase", 0)                  \
	X(STEP_START, "step_start", 1)        \
	X(STEP_STATE, "step_state", 1)        \
	X(LOG, "log", 0)                      \
	X(PROGRESS, "progress", 0)            \
	X(GAUGE, "gauge", 0)                  \
	X(PROMPT, "prompt", 1)                \
	X(ANSWER, "answer", 1)                \
	X(CALL, "call", 1)                    \
	X(SET, "set", 1)                      \
	X(STEP_END, "step_end", 1)            \
	X(END, "end", 1)

enum event_type {
#define X(name, wire, sync) EV_##name,
	EVENT_TYPES(X)
#undef X
	EV__COUNT
};

const char *event_type_name(enum event_type t);
/* -1 when the name is unknown. */
int event_type_from_name(const char *name);
int event_type_is_sync(enum event_type t);

struct event {
	enum event_type type;
	long seq;          /* 1-based position in the session */
	double ts;         /* wall clock seconds */
	const char *step;  /* step id or NULL */
	json_t *data;      /* type-specific fields; owned by the emitter */
};

/* A consumer of the stream (journal, TUI, line view, recorder). */
struct event_sink {
	void (*on_event)(struct event_sink *self, const struct event *ev);
	struct event_sink *next;
};

struct bus {
	long seq;
	struct event_sink *sinks;
};

void bus_init(struct bus *b);
void bus_add(struct bus *b, struct event_sink *sink); /* appended: delivery order = add order */
/* Emits one event: scrubs secrets from data (in place), stamps seq and ts, delivers.
 * Steals the reference to data (may be NULL). */
void bus_emit(struct bus *b, enum event_type type, const char *step, json_t *data);
/* Replay/resume: deliver an already-stamped event (seq, ts kept). */
void bus_deliver(struct bus *b, const struct event *ev);

/* Recursively replaces secrets in every string of a JSON value. */
void json_redact(json_t *v);
#endif
