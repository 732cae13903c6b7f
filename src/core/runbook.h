/* Loading a Lua runbook into a model: runbook{}, params, phases, steps; validation with FILE:LINE. */
#ifndef TEJUN_RUNBOOK_H
#define TEJUN_RUNBOOK_H
#include <lua.h>
#include "core/lbind.h"
#include <stdbool.h>
#include <stddef.h>

struct param_def {
	char *name, *doc, *def, *env;
	char **choices;
	size_t nchoices;
	bool secret, has_default, optional; /* optional: nil in ctx.params when not given */
	int line;
	char *value; /* resolved by runbook_resolve_params */
};

struct step_def {
	char *id, *title, *phase;
	int line;
	bool critical;
	char *confirm_text; /* NULL when no confirmation */
	char *challenge;    /* the word to type, or NULL */
	int run_ref, check_ref, verify_ref, undo_ref; /* LUA_NOREF when absent */
	double timeout;     /* seconds, 0 = none */
	int retries;
};

struct runbook {
	char *path, *sha256, *id, *title, *description;
	char *lock_param; /* runbook{lock = "PARAM"}: the DSN param whose server holds the lock */
	lua_State *L;
	struct param_def *params;
	size_t nparams;
	struct step_def *steps;
	size_t nsteps;
	char **phases;
	size_t nphases;
	char **errors; /* "FILE:LINE: message", in order found */
	size_t nerrors;
	/* while loading: step "id" calls still waiting for their { body }, and the file of
	 * the declaration being checked when it is a library's, not the runbook's */
	struct pending_step { char *id, *file; int line; bool bodied; } *pending;
	size_t npending;
	const char *at_file;
	bool loaded;   /* the DSL is closed: steps are declared when the runbook loads */
	const struct lb_module *modules; /* borrowed: what runbook_load was handed */
};

/* Loads and validates. Always returns a runbook (free with runbook_free); errors in rb->errors.
 * The Lua state is sandboxed and has each of modules (borrowed, outliving rb) opened. */
struct runbook *runbook_load(const char *path, const struct lb_module *modules);
void runbook_free(struct runbook *rb);

/* Resolve values: overrides ("K=V") first, then the declared env var, then the default.
 * Registers secret values. Returns 0, or -1 with errors appended to rb->errors. */
int runbook_resolve_params(struct runbook *rb, char **overrides, size_t noverrides);
/* Pushes the resolved params as a table (for ctx.params). */
void runbook_push_params(struct runbook *rb, lua_State *L);
struct step_def *runbook_step(struct runbook *rb, const char *id);
/* Does the step declare this function (one of its *_ref)? */
bool runbook_has_fn(int ref);

/* A sandboxed Lua state (no os.execute, io, binary chunks, package.loadlib) whose require()
 * finds text modules beside the runbook and in the step libraries. */
lua_State *runbook_new_state(const char *runbook_dir, const struct lb_module *modules);
#endif
