/* The step engine: runs a runbook's steps as Lua coroutines on the loop and emits events.
 * It never draws and never blocks. */
#ifndef TEJUN_ENGINE_H
#define TEJUN_ENGINE_H
#include "core/control.h"
#include "core/event.h"
#include "core/runbook.h"
#include <stdbool.h>

#define STEP_STATES(X)          \
	X(PENDING, "pending")   \
	X(RUNNING, "running")   \
	X(WAITING, "waiting")   \
	X(OK, "ok")             \
	X(FAILED, "failed")     \
	X(SKIPPED, "skipped")   \
	X(INTERRUPTED, "interrupted")

enum step_state {
#define X(name, wire) STEP_##name,
	STEP_STATES(X)
#undef X
};
const char *step_state_name(enum step_state s);
int step_state_from_name(const char *s); /* -1 when unknown */

struct loop;
struct engine;

struct engine_options {
	const char *operator_name, *host, *session_id;
	bool dry_run;
	bool autorun;        /* run every step without waiting for run commands (line view) */
	int term_cols, term_rows;
	double slice_limit;  /* seconds a step may run without yielding; 0 = default */
	const char *const *warnings; /* NULL-terminated; journaled after a fresh session's header */
};

/* State recovered from a journal for --resume. */
struct resume_state {
	char **step_ids;
	enum step_state *states;
	double *secs;
	size_t nsteps;
	json_t *kv;            /* set/get values */
	long last_prompt_id;
	bool force;            /* runbook changed, --force given */
	bool torn_line_dropped;
};

struct engine *engine_new(struct runbook *rb, struct bus *bus, struct loop *loop,
			  const struct engine_options *opt);
/* Fresh session: emits the session header. Resumed: applies rs and emits a resume event. */
void engine_start(struct engine *e, const struct resume_state *rs);
struct controller *engine_controller(struct engine *e);
bool engine_finished(const struct engine *e);
bool engine_quit_requested(const struct engine *e);
int engine_exit_code(const struct engine *e);
/* A signal ended the session: the running step is journaled as interrupted. */
void engine_interrupt(struct engine *e, const char *why);
void engine_free(struct engine *e);
#endif
