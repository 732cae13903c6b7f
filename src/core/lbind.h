/* What Lua modules (mysql, aws, sh, slack) use to reach the engine without knowing it.
 *
 * A module's lua_CFunction that must block (a query, an HTTP call, a dump chunk) does
 *     return lb_await(L, work, tick, 0.5, done, job);
 * work(job) runs on a worker thread and must not touch Lua or emit events; tick(L, job)
 * runs on the loop thread every tick_secs while work runs (emit progress there; may be NULL);
 * done(L, job) runs on the loop thread afterwards, inside the step's coroutine (so it may raise
 * a Lua error), pushes the Lua results, frees job and returns how many it pushed.
 * done is called with L == NULL when the step was abandoned
 * (timeout, abort): then it only frees job. Outside a step coroutine (plain Lua state, tests)
 * lb_await runs work and done at once on the calling thread. */
#ifndef TEJUN_LBIND_H
#define TEJUN_LBIND_H
#include "core/event.h"
#include <lua.h>
#include <stdbool.h>

struct loop;
typedef void (*lb_work_fn)(void *job);
typedef void (*lb_tick_fn)(lua_State *L, void *job);
typedef int (*lb_done_fn)(lua_State *L, void *job);

int lb_await(lua_State *L, lb_work_fn work, lb_tick_fn tick, double tick_secs, lb_done_fn done, void *job);
/* Same, and when the step is abandoned *cancel is set to 1 (atomically) so work can stop early
 * (kill a child process, KILL QUERY, stop a dump). */
int lb_await_cancelable(lua_State *L, lb_work_fn work, lb_tick_fn tick, double tick_secs, lb_done_fn done,
			void *job, int *cancel);

/* Emit an event for the running step (data stolen). Without an engine: dropped. */
void lb_emit(lua_State *L, enum event_type type, json_t *data);
/* A log line for the running step (secrets scrubbed). Without an engine: stderr. */
void lb_log(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Journal one module call: module "mysql", op "query", target (host/db, ARN, ...), detail
 * (SQL, parameters; may be NULL), seconds taken, error (NULL when it worked). */
void lb_call(lua_State *L, const char *module, const char *op, const char *target,
	     const char *detail, double secs, const char *error);
/* The same, with what the call moved (data, stolen; may be NULL): a dump's source, schemas
 * and their size, which a forecast scales by (docs/journal.md). */
void lb_call_data(lua_State *L, const char *module, const char *op, const char *target,
		  const char *detail, double secs, const char *error, json_t *data);
/* Journal a mutating call that a dry run did not send ("would call"). */
void lb_would_call(lua_State *L, const char *module, const char *op, const char *target, const char *detail);
/* Raises "FN: unknown option 'K' (did you mean ...)" for a key of the options table at idx
 * not in known (NULL-terminated): a mistyped timeout must not be silently no timeout. */
void lb_check_options(lua_State *L, int idx, const char *fn, const char *const *known);
/* A progress event: done/total in unit ("bytes", "rows", ...), label may be NULL. */
void lb_progress(lua_State *L, double done, double total, const char *unit, const char *label);
/* The same with the step's own estimate of the seconds left (eta < 0: none). */
void lb_progress_eta(lua_State *L, double done, double total, const char *unit, const char *label, double eta);
/* A wait against a time limit (unit "s"): waited of at most limit seconds, marked so views
 * show the time waited and the time left before it gives up, not a bar and an ETA (the
 * limit is no estimate). finished: the wait is over, its condition met. */
void lb_progress_wait(lua_State *L, double waited, double limit, const char *label, bool finished);
/* A gauge event: value of name in unit, max <= 0 for none. */
void lb_gauge(lua_State *L, const char *name, double value, const char *unit, double max);
/* Is the session a dry run? Mutating calls then journal "would call" and send nothing. */
bool lb_dry_run(lua_State *L);
/* The loop of the running engine, or NULL. */
struct loop *lb_loop(lua_State *L);

/* --- engine side --- */
struct lb_host {
	struct loop *loop;
	struct bus *bus;
	lua_State *step_co;   /* coroutine of the running step, NULL between steps */
	const char *step_id;
	bool dry_run;
	struct lb_await *pending; /* in-flight await of step_co */
	/* Resume co with nres values already pushed on it. */
	void (*resume)(void *engine, lua_State *co, int nres);
	void *engine;
};
void lb_set_host(lua_State *L, struct lb_host *host);
struct lb_host *lb_get_host(lua_State *L);
/* The engine abandons a step: its in-flight work completes into the void. */
void lb_orphan(struct lb_host *host);

/* A module a runbook's state opens; the table of them ends with {NULL, NULL}. The core
 * knows none by name: the commands hand their table (src/lua/lmodules.h) to the loader. */
struct lb_module {
	const char *name;
	int (*open)(lua_State *L);
};
/* Opens every module of the table as a global and in package.loaded. */
void lb_open_modules(lua_State *L, const struct lb_module *modules);
#endif
