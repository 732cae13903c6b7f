/* The engine's controller: the operator's answers to prompts and commands (run, run on,
 * retry, skip, abort, undo, quit), from any view, checked against the state machine. */
#include "config.h"
#include "core/engine_int.h"
#include "core/loop.h"
#include "core/secret.h"
#include "core/util.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

void engine_ask(struct engine *e, enum prompt_kind kind, const char *text, const char *challenge,
		const char *def, bool for_co)
{
	static const char *const kinds[] = {"confirm", "challenge", "ask", "decision"};
	engine_free_prompt(e);
	struct prompt *p = xcalloc(1, sizeof *p);
	p->id = ++e->next_prompt_id;
	p->kind = kind;
	p->text = xstrdup(text);
	p->challenge = challenge ? xstrdup(challenge) : NULL;
	p->def = def ? xstrdup(def) : NULL;
	p->for_co = for_co;
	p->asked_at = now_wall();
	e->prompt = p;
	if (for_co)
		engine_pause_deadline(e);
	json_t *d = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)p->id, "kind", kinds[kind], "text", text);
	if (challenge)
		json_object_set_new(d, "challenge", json_string(challenge));
	if (def)
		json_object_set_new(d, "default", json_string(def));
	if (kind == PROMPT_DECISION)
		json_object_set_new(d, "options", json_pack("[s,s,s]", "retry", "skip", "abort"));
	engine_emit(e, EV_PROMPT, d);
}

static bool is_yes(const char *a)
{
	return a && (strcasecmp(a, "yes") == 0 || strcasecmp(a, "y") == 0);
}

static void skip_step(struct engine *e, const char *reason)
{
	struct step_rt *s = engine_cur_step(e);
	if (!s->started)
		s->started = now_wall();
	engine_end_step(e, STEP_SKIPPED, NULL, reason);
	e->cur++;
	engine_advance(e);
}

static void abort_session(struct engine *e, enum step_state st, const char *why, const char *status, int code)
{
	struct step_rt *s = engine_cur_step(e);
	bool busy = e->phase != PH_NONE || e->defer_timer;
	if (e->defer_timer)
		loop_cancel(e->loop, e->defer_timer);
	e->defer_timer = 0;
	if (e->co)
		engine_abandon_co(e);
	e->phase = PH_NONE;
	engine_free_prompt(e);
	if (s && (busy || s->state == STEP_WAITING || s->state == STEP_RUNNING))
		engine_end_step(e, st, why, NULL);
	engine_finish(e, status, code);
}

/* Applies an answer; runs on the loop, never inside the emit that asked. */
static void apply_answer(struct engine *e, const char *answer, const char *source)
{
	struct prompt *p = e->prompt;
	bool ok = false;
	const char *shown = answer ? answer : "";
	switch (p->kind) {
	case PROMPT_CONFIRM:
		ok = is_yes(answer);
		break;
	case PROMPT_CHALLENGE:
		ok = answer && strcmp(answer, p->challenge) == 0;
		break;
	case PROMPT_ASK:
		ok = answer != NULL;
		if (answer && !*answer && p->def)
			shown = p->def;
		break;
	case PROMPT_DECISION:
		ok = answer && (strcmp(answer, "retry") == 0 || strcmp(answer, "abort") == 0 ||
				(strncmp(answer, "skip ", 5) == 0 && answer[5]));
		break;
	}
	json_t *d = json_pack("{s:I,s:s,s:b,s:s,s:s}", "id", (json_int_t)p->id, "answer", shown, "ok", ok,
			      "operator", e->opt.operator_name, "source", answer ? source : "none");
	engine_emit(e, EV_ANSWER, d);

	if (p->kind == PROMPT_DECISION) {
		char *a = xstrdup(ok ? answer : "abort");
		engine_free_prompt(e);
		if (strcmp(a, "retry") == 0) {
			engine_cur_step(e)->state = STEP_PENDING;
			engine_start_step(e);
		} else if (strncmp(a, "skip ", 5) == 0) {
			skip_step(e, a + 5);
		} else {
			struct step_rt *s = engine_cur_step(e);
			engine_log_line(e, "error", answer ? "aborted by the operator" : "no answer: aborting");
			(void)s;
			engine_finish(e, "aborted", 1);
		}
		free(a);
		return;
	}
	if (p->step_confirm) {
		engine_free_prompt(e);
		if (ok) {
			engine_start_run(e);
		} else {
			engine_step_failed(e, answer ? (engine_cur_step(e)->def->challenge ? "challenge answer did not match: not confirmed"
									       : "not confirmed by the operator")
					      : "no answer to the confirmation: not confirmed",
				    false);
		}
		return;
	}
	/* an answer a step asked for: resume its coroutine with it */
	enum prompt_kind kind = p->kind;
	char *val = xstrdup(shown);
	engine_free_prompt(e);
	if (!e->co) {
		free(val);
		return;
	}
	if (kind == PROMPT_ASK && !answer) {
		free(val);
		lua_pushnil(e->co);
		lua_pushstring(e->co, "no answer");
		engine_arm_deadline(e);
		engine_resume_co(e, 2);
		return;
	}
	if (kind == PROMPT_ASK)
		lua_pushstring(e->co, val);
	else
		lua_pushboolean(e->co, ok);
	free(val);
	engine_arm_deadline(e);
	engine_resume_co(e, 1);
}

struct pending_answer {
	struct engine *e;
	long id;
	char *text;
	char source[16];
};

static void answer_later(void *arg)
{
	struct pending_answer *pa = arg;
	struct engine *e = pa->e;
	if (!e->ended && e->prompt && e->prompt->id == pa->id)
		apply_answer(e, pa->text, pa->source);
	free(pa->text);
	free(pa);
}

void engine_ctl_answer(void *self, long id, const char *text, const char *source)
{
	struct engine *e = self;
	struct pending_answer *pa = xcalloc(1, sizeof *pa);
	pa->e = e;
	pa->id = id;
	pa->text = text ? xstrdup(text) : NULL;
	snprintf(pa->source, sizeof pa->source, "%s", source ? source : "tty");
	loop_timer(e->loop, 0, answer_later, pa);
}

static int refuse(char *errbuf, size_t n, const char *fmt, const char *arg) __attribute__((format(printf, 3, 0)));
static int refuse(char *errbuf, size_t n, const char *fmt, const char *arg)
{
	if (errbuf && n)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(errbuf, n, fmt, arg ? arg : "");
#pragma GCC diagnostic pop
	return -1;
}

int engine_ctl_command(void *self, enum control_cmd cmd, const char *arg, char *errbuf, size_t n)
{
	struct engine *e = self;
	struct step_rt *s = engine_cur_step(e);
	bool idle = e->phase == PH_NONE && !e->defer_timer;
	bool deciding = e->prompt && e->prompt->kind == PROMPT_DECISION;
	if (e->ended && cmd != CTL_QUIT)
		return refuse(errbuf, n, "the session has ended: press q to leave%s", "");
	switch (cmd) {
	case CTL_QUIT:
		if (!e->ended)
			return refuse(errbuf, n, "the session is still running: abort it first (a)%s", "");
		e->quit = true;
		return 0;
	case CTL_RUN_NEXT:
	case CTL_RUN_ON:
		if (!idle || e->prompt)
			return refuse(errbuf, n, deciding ? "step '%s' needs a decision: retry (r), skip (s) or abort (a)"
							  : "step '%s' is still in progress",
				      s ? s->def->id : "");
		e->mode = cmd == CTL_RUN_ON ? MODE_RUN_ON : MODE_STEP;
		if (s && s->state == STEP_PENDING)
			engine_start_step(e);
		else
			engine_advance(e);
		return 0;
	case CTL_RETRY:
	case CTL_SKIP:
		if (!deciding && !(idle && !e->prompt && s && cmd == CTL_SKIP && s->state == STEP_PENDING))
			return refuse(errbuf, n, cmd == CTL_RETRY ? "nothing to retry: no step has failed%s"
								  : "only a pending, failed or interrupted step can be skipped%s",
				      "");
		if (cmd == CTL_SKIP && (!arg || !*arg))
			return refuse(errbuf, n, "a skip needs a reason%s", "");
		if (deciding) {
			char *a = cmd == CTL_RETRY ? xstrdup("retry") : xasprintf("skip %s", arg);
			apply_answer(e, a, "tty");
			free(a);
		} else {
			skip_step(e, arg);
		}
		return 0;
	case CTL_ABORT:
		if (e->prompt && e->prompt->kind == PROMPT_DECISION) {
			apply_answer(e, "abort", "tty");
			return 0;
		}
		if (s)
			engine_log_line(e, "error", "aborted by the operator");
		abort_session(e, STEP_INTERRUPTED, "aborted by the operator", "aborted", 1);
		return 0;
	case CTL_UNDO: {
		struct step_rt *u = NULL;
		for (size_t i = 0; i < e->n && arg; i++)
			if (strcmp(e->steps[i].def->id, arg) == 0)
				u = &e->steps[i];
		if (!u || u->state != STEP_OK || u->def->undo_ref == LUA_NOREF)
			return refuse(errbuf, n, "step '%s' has no undo or has not finished", arg);
		if (!idle || e->prompt)
			return refuse(errbuf, n, "wait until no step is running to undo '%s'", arg);
		e->cur = (size_t)(u - e->steps);
		e->undoing = true;
		e->mode = MODE_STEP;
		engine_log_line(e, "warn", "undo requested by the operator");
		ctx_push_new(e, u);
		if (e->ctx_ref != LUA_NOREF)
			luaL_unref(e->rb->L, LUA_REGISTRYINDEX, e->ctx_ref);
		e->ctx_ref = luaL_ref(e->rb->L, LUA_REGISTRYINDEX);
		e->deadline_left = -1;
		engine_run_phase(e, PH_UNDO, u->def->undo_ref);
		return 0;
	}
	case CTL__COUNT:
		break;
	}
	return refuse(errbuf, n, "unknown command%s", "");
}

void engine_interrupt(struct engine *e, const char *why)
{
	/* After the end (the TUI waiting for q) a SIGTERM or a dropped SSH session still leaves. */
	if (e->ended) {
		e->quit = true;
		return;
	}
	if (engine_cur_step(e))
		engine_log_line(e, "error", why);
	abort_session(e, STEP_INTERRUPTED, why, "interrupted", 130);
	e->quit = true;
}
