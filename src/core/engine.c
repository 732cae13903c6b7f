/* Step state machine: check → confirm → run → verify per attempt, each phase a Lua coroutine.
 * Every transition is an event; views and the journal learn everything from them. */
#include "config.h"
#include "core/engine_int.h"
#include "core/loop.h"
#include "core/secret.h"
#include "core/util.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SLICE_LIMIT 5.0
#define HOOK_COUNT 1000

static const char *const state_names[] = {
#define X(name, wire) wire,
	STEP_STATES(X)
#undef X
};

const char *step_state_name(enum step_state s)
{
	return state_names[s];
}

int step_state_from_name(const char *s)
{
	for (size_t i = 0; i < sizeof state_names / sizeof *state_names; i++)
		if (s && strcmp(state_names[i], s) == 0)
			return (int)i;
	return -1;
}

/* The instruction hook has no user data slot; there is one engine per process. */
static struct engine *hook_engine;

static void phase_done(struct engine *e, bool ok, const char *msg);

void engine_emit(struct engine *e, enum event_type t, json_t *data)
{
	const char *step = NULL;
	if (t != EV_SESSION && t != EV_RESUME && t != EV_END && e->cur < e->n)
		step = e->steps[e->cur].def->id;
	bus_emit(e->bus, t, step, data);
}

struct step_rt *engine_cur_step(struct engine *e)
{
	return e->cur < e->n ? &e->steps[e->cur] : NULL;
}

static void set_state(struct engine *e, enum step_state st, const char *reason)
{
	struct step_rt *s = engine_cur_step(e);
	s->state = st;
	json_t *d = json_pack("{s:s}", "state", step_state_name(st));
	if (reason)
		json_object_set_new(d, "reason", json_string(reason));
	engine_emit(e, EV_STEP_STATE, d);
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	struct engine *e = hook_engine;
	if (!e || !e->co)
		return;
	if (!e->killing) {
		double t = now_mono();
		if (e->deadline_at > 0 && t > e->deadline_at) {
			e->killing = true;
			snprintf(e->kill_msg, sizeof e->kill_msg, "timed out after %g s (stopped by the step timeout)",
				 engine_cur_step(e)->def->timeout);
		} else if (t - e->slice_start > e->opt.slice_limit) {
			e->killing = true;
			snprintf(e->kill_msg, sizeof e->kill_msg,
				 "ran %.0f s without yielding (a runaway loop?): stopped so the console stays responsive",
				 t - e->slice_start);
		}
	}
	/* A yield cannot be caught by pcall: the engine then drops the coroutine. Where the loop
	 * runs under a C call that cannot yield, raise instead, again on every count. */
	if (e->killing) {
		if (lua_isyieldable(L))
			lua_yield(L, 0);
		else
			luaL_error(L, "%s", e->kill_msg);
	}
}

static void release_co(struct engine *e)
{
	if (e->co_ref != LUA_NOREF)
		luaL_unref(e->rb->L, LUA_REGISTRYINDEX, e->co_ref);
	e->co_ref = LUA_NOREF;
	e->co = NULL;
	e->host.step_co = NULL;
	if (e->sleep_timer)
		loop_cancel(e->loop, e->sleep_timer);
	if (e->deadline_timer)
		loop_cancel(e->loop, e->deadline_timer);
	e->sleep_timer = e->deadline_timer = 0;
	e->deadline_at = 0;
	e->killing = false;
}

/* Drop the coroutine in flight: its pending worker job completes into the void. */
void engine_abandon_co(struct engine *e)
{
	lb_orphan(&e->host);
	release_co(e);
	e->phase = PH_NONE;
}

void engine_free_prompt(struct engine *e)
{
	if (!e->prompt)
		return;
	free(e->prompt->text);
	free(e->prompt->challenge);
	free(e->prompt->def);
	free(e->prompt);
	e->prompt = NULL;
}

/* Turns the coroutine's error value into one message (traceback for plain Lua errors). */
static char *error_message(struct engine *e, lua_State *co)
{
	if (e->killing)
		return xstrdup(e->kill_msg);
	if (lua_istable(co, -1)) {
		lua_getfield(co, -1, "tejun_fail");
		bool ours = lua_isstring(co, -1);
		char *m = ours ? xstrdup(lua_tostring(co, -1)) : NULL;
		lua_pop(co, 1);
		if (ours)
			return m;
	}
	struct sbuf v;
	sbuf_init(&v);
	if (lua_isstring(co, -1)) {
		sbuf_adds(&v, lua_tostring(co, -1));
	} else if (luaL_getmetafield(co, -1, "__tostring") != LUA_TNIL) {
		lua_pop(co, 1);
		sbuf_adds(&v, luaL_tolstring(co, -1, NULL));
		lua_pop(co, 1);
	} else if (lua_istable(co, -1)) {
		/* error{code = 7}: say what it holds, not just "failed" */
		sbuf_adds(&v, "error raised with a table {");
		int n = 0;
		lua_pushnil(co);
		while (lua_next(co, -2)) {
			if (n++ < 8 && (lua_type(co, -2) == LUA_TSTRING || lua_type(co, -2) == LUA_TNUMBER)) {
				lua_pushvalue(co, -2);
				sbuf_addf(&v, "%s%s = ", n > 1 ? ", " : "", lua_tostring(co, -1));
				lua_pop(co, 1);
				if (lua_isstring(co, -1) || lua_isboolean(co, -1)) {
					sbuf_adds(&v, luaL_tolstring(co, -1, NULL));
					lua_pop(co, 1);
				} else {
					sbuf_adds(&v, luaL_typename(co, -1));
				}
			}
			lua_pop(co, 1); /* the value; the key stays for lua_next */
		}
		sbuf_adds(&v, "}");
	} else {
		sbuf_addf(&v, "error raised with a %s", luaL_typename(co, -1));
	}
	luaL_traceback(e->rb->L, co, v.data, 0);
	sbuf_free(&v);
	char *m = xstrdup(lua_tostring(e->rb->L, -1));
	lua_pop(e->rb->L, 1);
	return m;
}

static void deferred_resume(void *arg)
{
	struct engine *e = arg;
	e->defer_timer = 0;
	if (e->co)
		engine_resume_co(e, 0);
}


void engine_resume_co(struct engine *e, int nargs)
{
	lua_State *co = e->co;
	enum phase_kind phase = e->phase;
	int nres = 0;
	e->slice_start = now_mono();
	int st = lua_resume(co, e->rb->L, nargs, &nres);
	if (st == LUA_YIELD && e->killing) {
		char *msg = xstrdup(e->kill_msg);
		engine_abandon_co(e);
		e->phase = phase;
		phase_done(e, false, msg);
		free(msg);
		return;
	}
	if (st == LUA_YIELD) {
		lua_pop(co, nres);
		/* A bare coroutine.yield() from the step: just continue on the next turn. */
		if (!e->sleep_timer && !e->host.pending && !(e->prompt && e->prompt->for_co))
			e->defer_timer = loop_timer(e->loop, 0, deferred_resume, e);
		return;
	}
	if (st == LUA_OK) {
		bool ok = true;
		char *msg = NULL;
		if (nres >= 1 && lua_isboolean(co, -nres) && !lua_toboolean(co, -nres)) {
			ok = false;
			msg = xstrdup(nres >= 2 && lua_isstring(co, -nres + 1) ? lua_tostring(co, -nres + 1)
									 : "returned false");
		}
		lua_pop(co, nres);
		release_co(e);
		phase_done(e, ok, msg);
		free(msg);
		return;
	}
	char *msg = error_message(e, co);
	release_co(e);
	phase_done(e, false, msg);
	free(msg);
}

static void on_deadline(void *arg)
{
	struct engine *e = arg;
	e->deadline_timer = 0;
	if (!e->co)
		return;
	char msg[96];
	snprintf(msg, sizeof msg, "timed out after %g s", engine_cur_step(e)->def->timeout);
	engine_abandon_co(e);
	e->phase = PH_RUN;
	phase_done(e, false, msg);
}

void engine_arm_deadline(struct engine *e)
{
	if (e->deadline_left < 0 || e->deadline_timer)
		return;
	e->deadline_at = now_mono() + e->deadline_left;
	e->deadline_timer = loop_timer(e->loop, e->deadline_left, on_deadline, e);
}

/* Prompts stop the step clock: the operator's thinking time is not the step's. */
void engine_pause_deadline(struct engine *e)
{
	if (!e->deadline_timer)
		return;
	e->deadline_left = e->deadline_at - now_mono();
	if (e->deadline_left < 0)
		e->deadline_left = 0;
	loop_cancel(e->loop, e->deadline_timer);
	e->deadline_timer = 0;
	e->deadline_at = 0;
}

void engine_run_phase(struct engine *e, enum phase_kind kind, int ref)
{
	struct step_rt *s = engine_cur_step(e);
	lua_State *L = e->rb->L;
	e->phase = kind;
	e->co = lua_newthread(L);
	e->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_sethook(e->co, count_hook, LUA_MASKCOUNT, HOOK_COUNT);
	e->host.step_co = e->co;
	e->host.step_id = s->def->id;
	lua_rawgeti(e->co, LUA_REGISTRYINDEX, ref);
	lua_rawgeti(e->co, LUA_REGISTRYINDEX, e->ctx_ref);
	if (kind == PH_RUN || kind == PH_VERIFY)
		engine_arm_deadline(e);
	engine_resume_co(e, 1);
}

void engine_start_run(struct engine *e)
{
	struct step_rt *s = engine_cur_step(e);
	set_state(e, STEP_RUNNING, NULL);
	e->deadline_left = s->def->timeout > 0 ? s->def->timeout : -1;
	engine_run_phase(e, PH_RUN, s->def->run_ref);
}

static void after_check(struct engine *e)
{
	struct step_rt *s = engine_cur_step(e);
	if (!s->def->confirm_text) {
		engine_start_run(e);
		return;
	}
	set_state(e, STEP_WAITING, NULL);
	engine_ask(e, s->def->challenge ? PROMPT_CHALLENGE : PROMPT_CONFIRM, s->def->confirm_text,
		   s->def->challenge, NULL, false);
	e->prompt->step_confirm = true;
}

static void begin_attempt(struct engine *e)
{
	struct step_rt *s = engine_cur_step(e);
	s->attempt++;
	if (s->attempt == 1 || s->started == 0)
		s->started = now_wall();
	free(s->error);
	s->error = NULL;
	if (s->def->phase && (!e->last_phase || strcmp(e->last_phase, s->def->phase) != 0)) {
		e->last_phase = s->def->phase;
		engine_emit(e, EV_PHASE, json_pack("{s:s}", "name", s->def->phase));
	}
	engine_emit(e, EV_STEP_START, json_pack("{s:i,s:s,s:s}", "attempt", s->attempt, "title",
						s->def->title, "operator", e->opt.operator_name));
	lua_State *L = e->rb->L;
	ctx_push_new(e, s);
	if (e->ctx_ref != LUA_NOREF)
		luaL_unref(L, LUA_REGISTRYINDEX, e->ctx_ref);
	e->ctx_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	if (s->def->check_ref != LUA_NOREF) {
		set_state(e, STEP_RUNNING, "checking preconditions");
		engine_run_phase(e, PH_CHECK, s->def->check_ref);
	} else {
		after_check(e);
	}
}

void engine_start_step(struct engine *e)
{
	struct step_rt *s = engine_cur_step(e);
	s->attempt = 0;
	s->started = 0;
	/* "Run on" stops after the next step that needs the operator's confirmation. */
	if (e->mode == MODE_RUN_ON && s->def->confirm_text)
		e->mode = MODE_STEP;
	begin_attempt(e);
}

void engine_end_step(struct engine *e, enum step_state st, const char *error, const char *reason)
{
	struct step_rt *s = engine_cur_step(e);
	s->state = st;
	s->secs = s->started > 0 ? now_wall() - s->started : 0;
	json_t *d = json_pack("{s:s}", "state", step_state_name(st));
	if (reason)
		json_object_set_new(d, "reason", json_string(reason));
	else if (error)
		json_object_set_new(d, "reason", json_string(error));
	engine_emit(e, EV_STEP_STATE, d);
	d = json_pack("{s:s,s:f,s:i}", "state", step_state_name(st), "secs", s->secs, "attempt", s->attempt);
	if (error)
		json_object_set_new(d, "error", json_string(error));
	if (reason)
		json_object_set_new(d, "reason", json_string(reason));
	engine_emit(e, EV_STEP_END, d);
}

void engine_log_line(struct engine *e, const char *level, const char *text)
{
	engine_emit(e, EV_LOG, json_pack("{s:s,s:s}", "text", text, "level", level));
}

static void retry_timer(void *arg)
{
	struct engine *e = arg;
	e->defer_timer = 0;
	if (!e->ended)
		begin_attempt(e);
}

void engine_step_failed(struct engine *e, const char *msg, bool may_retry)
{
	struct step_rt *s = engine_cur_step(e);
	engine_log_line(e, "error", msg);
	if (may_retry && s->attempt <= s->def->retries) {
		double delay = s->attempt < 5 ? (double)(1 << (s->attempt - 1)) : 30.0;
		char *m = xasprintf("attempt %d of %d failed; retrying in %g s", s->attempt, s->def->retries + 1, delay);
		engine_log_line(e, "warn", m);
		free(m);
		set_state(e, STEP_RUNNING, "waiting to retry");
		e->defer_timer = loop_timer(e->loop, delay, retry_timer, e);
		return;
	}
	/* the traceback is in the log; the step's error is its first line */
	const char *nl = strchr(msg, '\n');
	s->error = nl ? xstrndup(msg, (size_t)(nl - msg)) : xstrdup(msg);
	engine_end_step(e, STEP_FAILED, s->error, NULL);
	if (e->mode == MODE_RUN_ON)
		e->mode = MODE_STEP;
	engine_advance(e);
}

static void step_ok(struct engine *e)
{
	engine_end_step(e, STEP_OK, NULL, NULL);
	e->cur++;
	engine_advance(e);
}

static void phase_done(struct engine *e, bool ok, const char *msg)
{
	enum phase_kind kind = e->phase;
	e->phase = PH_NONE;
	struct step_rt *s = engine_cur_step(e);
	if (e->ended || !s)
		return;
	switch (kind) {
	case PH_CHECK:
		if (ok) {
			after_check(e);
		} else {
			char *m = xasprintf("blocked by check: %s", msg ? msg : "returned false");
			engine_step_failed(e, m, false);
			free(m);
		}
		break;
	case PH_RUN:
		if (!ok)
			engine_step_failed(e, msg ? msg : "failed", true);
		else if (s->def->verify_ref != LUA_NOREF)
			engine_run_phase(e, PH_VERIFY, s->def->verify_ref);
		else
			step_ok(e);
		break;
	case PH_VERIFY:
		if (ok) {
			step_ok(e);
		} else {
			char *m = xasprintf("verify: %s", msg ? msg : "returned false");
			engine_step_failed(e, m, true);
			free(m);
		}
		break;
	case PH_UNDO: {
		size_t keep = e->cur;
		e->undoing = false;
		engine_log_line(e, ok ? "info" : "error", ok ? "undo finished" : msg);
		if (ok) {
			s->state = STEP_PENDING;
			set_state(e, STEP_PENDING, "undone by operator");
		}
		/* back to the first step not yet done */
		e->cur = 0;
		(void)keep;
		engine_advance(e);
		break;
	}
	case PH_NONE:
		break;
	}
}

void engine_finish(struct engine *e, const char *status, int code)
{
	if (e->ended)
		return;
	e->ended = true;
	e->exit_code = code;
	engine_free_prompt(e);
	bus_emit(e->bus, EV_END, NULL,
		 json_pack("{s:s,s:i,s:f}", "status", status, "exit_code", code, "secs", now_wall() - e->t0));
	if (e->opt.autorun)
		e->quit = true;
}

void engine_advance(struct engine *e)
{
	if (e->ended || e->phase != PH_NONE || e->prompt || e->defer_timer)
		return;
	while (e->cur < e->n && (e->steps[e->cur].state == STEP_OK || e->steps[e->cur].state == STEP_SKIPPED))
		e->cur++;
	if (e->cur == e->n) {
		engine_finish(e, "done", 0);
		return;
	}
	struct step_rt *s = engine_cur_step(e);
	if (s->state == STEP_FAILED || s->state == STEP_INTERRUPTED) {
		char *t = xasprintf("Step '%s' %s%s%s. Retry, skip (with a reason) or abort?", s->def->id,
				    s->state == STEP_FAILED ? "failed" : "was interrupted",
				    s->error ? ": " : "", s->error ? s->error : "");
		engine_ask(e, PROMPT_DECISION, t, NULL, NULL, false);
		free(t);
		return;
	}
	if (e->mode != MODE_STEP)
		engine_start_step(e);
}

static void host_resume(void *engine, lua_State *co, int nres)
{
	struct engine *e = engine;
	if (e->co == co)
		engine_resume_co(e, nres);
}

struct engine *engine_new(struct runbook *rb, struct bus *bus, struct loop *loop,
			  const struct engine_options *opt)
{
	struct engine *e = xcalloc(1, sizeof *e);
	e->rb = rb;
	e->bus = bus;
	e->loop = loop;
	e->opt = *opt;
	if (e->opt.slice_limit <= 0)
		e->opt.slice_limit = DEFAULT_SLICE_LIMIT;
	e->ctl = (struct controller){e, engine_ctl_command, engine_ctl_answer};
	e->host = (struct lb_host){.loop = loop, .bus = bus, .dry_run = opt->dry_run,
				   .resume = host_resume, .engine = e};
	lb_set_host(rb->L, &e->host);
	e->n = rb->nsteps;
	e->steps = xcalloc(e->n, sizeof *e->steps);
	for (size_t i = 0; i < e->n; i++)
		e->steps[i].def = &rb->steps[i];
	e->mode = opt->autorun ? MODE_ALL : MODE_STEP;
	e->co_ref = e->ctx_ref = LUA_NOREF;
	lua_newtable(rb->L);
	e->kv_ref = luaL_ref(rb->L, LUA_REGISTRYINDEX);
	runbook_push_params(rb, rb->L);
	e->params_ref = luaL_ref(rb->L, LUA_REGISTRYINDEX);
	e->t0 = now_wall();
	hook_engine = e;
	ctx_install_globals(e);
	return e;
}

static json_t *session_header(struct engine *e)
{
	struct runbook *rb = e->rb;
	json_t *params = json_object();
	for (size_t i = 0; i < rb->nparams; i++)
		json_object_set_new(params, rb->params[i].name,
				    json_string(rb->params[i].secret ? SECRET_MASK : rb->params[i].value));
	json_t *phases = json_array();
	for (size_t i = 0; i < rb->nphases; i++)
		json_array_append_new(phases, json_string(rb->phases[i]));
	json_t *steps = json_array();
	for (size_t i = 0; i < rb->nsteps; i++) {
		struct step_def *s = &rb->steps[i];
		json_array_append_new(
			steps, json_pack("{s:s,s:s,s:o,s:b,s:o,s:b,s:b,s:f,s:i,s:i}", "id", s->id, "title", s->title,
					 "phase", s->phase ? json_string(s->phase) : json_null(), "critical", s->critical,
					 "confirm", s->confirm_text ? json_string(s->confirm_text) : json_null(),
					 "challenge", s->challenge != NULL, "undo", s->undo_ref != LUA_NOREF,
					 "timeout", s->timeout, "retries", s->retries, "line", s->line));
	}
	return json_pack("{s:s,s:{s:s,s:s,s:s,s:s},s:o,s:s,s:s,s:s,s:{s:i,s:i},s:b,s:o,s:o}", "session",
			 e->opt.session_id, "runbook", "path", rb->path, "sha256", rb->sha256, "id", rb->id, "title",
			 rb->title, "params", params, "operator", e->opt.operator_name, "host", e->opt.host,
			 "version", PACKAGE_VERSION, "term", "cols", e->opt.term_cols, "rows", e->opt.term_rows,
			 "dry_run", e->opt.dry_run, "phases", phases, "steps", steps);
}

void engine_start(struct engine *e, const struct resume_state *rs)
{
	if (!rs) {
		bus_emit(e->bus, EV_SESSION, NULL, session_header(e));
		for (size_t i = 0; e->opt.warnings && e->opt.warnings[i]; i++)
			bus_emit(e->bus, EV_LOG, NULL, json_pack("{s:s,s:s}", "text", e->opt.warnings[i], "level", "warn"));
	} else {
		json_t *interrupted = json_array();
		for (size_t i = 0; i < rs->nsteps; i++) {
			struct step_rt *s = NULL;
			for (size_t k = 0; k < e->n; k++)
				if (strcmp(e->steps[k].def->id, rs->step_ids[i]) == 0)
					s = &e->steps[k];
			if (!s)
				continue;
			s->state = rs->states[i];
			s->secs = rs->secs[i];
			if (s->state == STEP_RUNNING || s->state == STEP_WAITING) {
				s->state = STEP_INTERRUPTED;
				json_array_append_new(interrupted, json_string(s->def->id));
			}
		}
		e->next_prompt_id = rs->last_prompt_id;
		if (rs->kv) {
			const char *k;
			json_t *v;
			lua_State *L = e->rb->L;
			lua_rawgeti(L, LUA_REGISTRYINDEX, e->kv_ref);
			json_object_foreach(rs->kv, k, v) {
				ctx_push_json(L, v);
				lua_setfield(L, -2, k);
			}
			lua_pop(L, 1);
		}
		bus_emit(e->bus, EV_RESUME, NULL,
			 json_pack("{s:s,s:s,s:b,s:s,s:b,s:o}", "session", e->opt.session_id, "operator",
				   e->opt.operator_name, "force", rs->force, "runbook_sha256", e->rb->sha256,
				   "torn_line_dropped", rs->torn_line_dropped, "interrupted", interrupted));
		for (size_t i = 0; i < e->n; i++)
			if (e->steps[i].state == STEP_INTERRUPTED) {
				bus_emit(e->bus, EV_STEP_STATE, e->steps[i].def->id,
					 json_pack("{s:s,s:s}", "state", "interrupted", "reason",
						   "was in flight when the session stopped: retry or skip"));
			}
	}
	engine_advance(e);
}

struct controller *engine_controller(struct engine *e)
{
	return &e->ctl;
}

bool engine_finished(const struct engine *e)
{
	return e->ended;
}

bool engine_quit_requested(const struct engine *e)
{
	return e->quit;
}

int engine_exit_code(const struct engine *e)
{
	return e->exit_code;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	if (e->co)
		engine_abandon_co(e);
	engine_free_prompt(e);
	for (size_t i = 0; i < e->n; i++)
		free(e->steps[i].error);
	free(e->steps);
	if (hook_engine == e)
		hook_engine = NULL;
	lb_set_host(e->rb->L, NULL);
	free(e);
}
