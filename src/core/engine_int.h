/* Engine internals shared by engine.c (state machine), engine_ctl.c (the operator's commands
 * and answers) and engine_ctx.c (the ctx Lua API). */
#ifndef TEJUN_ENGINE_INT_H
#define TEJUN_ENGINE_INT_H
#include "core/engine.h"
#include "core/lbind.h"
#include <lua.h>

enum phase_kind { PH_NONE, PH_CHECK, PH_RUN, PH_VERIFY, PH_UNDO };
enum prompt_kind { PROMPT_CONFIRM, PROMPT_CHALLENGE, PROMPT_ASK, PROMPT_DECISION };
enum run_mode { MODE_STEP, MODE_RUN_ON, MODE_ALL };

struct prompt {
	long id;
	enum prompt_kind kind;
	char *text, *challenge, *def;
	bool for_co;       /* the answer resumes the step coroutine */
	bool step_confirm; /* the engine's confirmation before run */
	double asked_at;
};

struct step_rt {
	struct step_def *def;
	enum step_state state;
	int attempt;
	double started, secs;
	char *error;
};

struct engine {
	struct runbook *rb;
	struct bus *bus;
	struct loop *loop;
	struct engine_options opt;
	struct controller ctl;
	struct lb_host host;
	struct step_rt *steps;
	size_t n, cur;
	enum run_mode mode;
	const char *last_phase;
	/* the phase in flight */
	enum phase_kind phase;
	lua_State *co;
	int co_ref, ctx_ref, kv_ref, params_ref;
	int sleep_timer, deadline_timer, defer_timer;
	double deadline_left; /* seconds of step timeout left, < 0 when none */
	double deadline_at;   /* mono time the running slice must end by, 0 when none */
	double slice_start;
	bool killing;
	char kill_msg[160];
	struct prompt *prompt;
	long next_prompt_id;
	bool undoing;
	/* session */
	double t0;
	bool ended, quit;
	int exit_code;
};

/* engine.c: the state machine's moves (engine_ctl.c makes them on the operator's word) */
void engine_resume_co(struct engine *e, int nargs);
void engine_emit(struct engine *e, enum event_type t, json_t *data);
struct step_rt *engine_cur_step(struct engine *e);
void engine_advance(struct engine *e);
void engine_start_step(struct engine *e);
void engine_start_run(struct engine *e);
void engine_run_phase(struct engine *e, enum phase_kind kind, int ref);
void engine_end_step(struct engine *e, enum step_state st, const char *error, const char *reason);
void engine_step_failed(struct engine *e, const char *msg, bool may_retry);
void engine_finish(struct engine *e, const char *status, int code);
void engine_free_prompt(struct engine *e);
void engine_log_line(struct engine *e, const char *level, const char *text);
void engine_abandon_co(struct engine *e);
void engine_arm_deadline(struct engine *e);
void engine_pause_deadline(struct engine *e);

/* engine_ctl.c: prompts, and the controller the views drive */
void engine_ask(struct engine *e, enum prompt_kind kind, const char *text, const char *challenge,
		const char *def, bool for_co);
int engine_ctl_command(void *self, enum control_cmd cmd, const char *arg, char *errbuf, size_t n);
void engine_ctl_answer(void *self, long id, const char *text, const char *source);

/* engine_ctx.c */
void ctx_install_globals(struct engine *e);        /* print, ctx prelude */
void ctx_push_new(struct engine *e, struct step_rt *s); /* pushes a ctx table */
json_t *ctx_lua_to_json(lua_State *L, int idx, char **err);
void ctx_push_json(lua_State *L, json_t *v);
#endif
