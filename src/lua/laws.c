/* Lua bindings `aws` and `slack`: every AWS call goes through lb_await on a worker thread
 * and is journaled with lb_call; the higher-level helpers live in the aws prelude. */
#include "config.h"
#include "aws/awscall.h"
#include "aws/slack.h"
#include "core/lbind.h"
#include "core/secret.h"
#include "core/util.h"
#include "lua/laws_prelude.h"
#include <jansson.h>
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- Lua <-> JSON ------------------------------------------------------------ */

static json_t *to_json(lua_State *L, int idx, int depth)
{
	idx = lua_absindex(L, idx);
	if (depth > 32)
		luaL_error(L, "aws: parameters nested too deeply");
	switch (lua_type(L, idx)) {
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer((json_int_t)lua_tointeger(L, idx));
		return json_real(lua_tonumber(L, idx));
	case LUA_TSTRING:
		return json_string(lua_tostring(L, idx));
	case LUA_TTABLE: {
		lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
		if (n > 0) {
			json_t *a = json_array();
			for (lua_Integer i = 1; i <= n; i++) {
				lua_rawgeti(L, idx, i);
				json_array_append_new(a, to_json(L, -1, depth + 1));
				lua_pop(L, 1);
			}
			return a;
		}
		json_t *o = json_object();
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			if (lua_type(L, -2) == LUA_TSTRING)
				json_object_set_new(o, lua_tostring(L, -2), to_json(L, -1, depth + 1));
			lua_pop(L, 1);
		}
		return o;
	}
	default:
		return json_null();
	}
}

static void push_json(lua_State *L, json_t *v)
{
	luaL_checkstack(L, 4, "aws answer");
	if (json_is_object(v)) {
		lua_createtable(L, 0, (int)json_object_size(v));
		const char *k;
		json_t *c;
		json_object_foreach(v, k, c) {
			if (json_is_null(c))
				continue;
			push_json(L, c);
			lua_setfield(L, -2, k);
		}
	} else if (json_is_array(v)) {
		lua_createtable(L, (int)json_array_size(v), 0);
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c) {
			push_json(L, c);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
	} else if (json_is_string(v)) {
		lua_pushstring(L, json_string_value(v));
	} else if (json_is_integer(v)) {
		lua_pushinteger(L, (lua_Integer)json_integer_value(v));
	} else if (json_is_real(v)) {
		lua_pushnumber(L, json_real_value(v));
	} else if (json_is_boolean(v)) {
		lua_pushboolean(L, json_is_true(v));
	} else {
		lua_pushnil(L);
	}
}

/* --- aws.call ---------------------------------------------------------------- */

struct call_job {
	const struct awsops_op *op;
	json_t *params;
	char *target;
	struct awscall_result res;
	int rc;
};

static void call_work(void *arg)
{
	struct call_job *j = arg;
	j->rc = awscall_run(j->op->name, j->params, NULL, &j->res);
}

static char *detail_of(json_t *params)
{
	char *d = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	if (d && strlen(d) > 2000)
		memcpy(d + 1990, "...", 4);
	return d;
}

/* The error text a runbook author sees: operation, target, code, message and a hint. */
static char *error_text(const struct call_job *j)
{
	const char *hint = "";
	if (awscall_is_denied(j->res.code))
		hint = " (the credentials in use lack this IAM permission)";
	else if (awscall_is_not_found(j->res.code))
		hint = " (no such resource: check the name and the region)";
	else if (j->res.attempts > 1)
		hint = " (gave up after retries)";
	char *t = xasprintf("%s %s: %s: %s%s [%d attempt%s]", j->op->name, j->target ? j->target : "-",
			    j->res.code, j->res.message ? j->res.message : "", hint, j->res.attempts,
			    j->res.attempts == 1 ? "" : "s");
	char *r = secret_redact(t);
	free(t);
	return r;
}

static int call_done(lua_State *L, void *arg)
{
	struct call_job *j = arg;
	int n = 0;
	if (L) {
		char *detail = detail_of(j->params);
		char *err = j->rc ? error_text(j) : NULL;
		lb_call(L, "aws", j->op->name, j->target, detail, j->res.secs, err);
		if (j->rc == 0) {
			push_json(L, j->res.doc);
			n = 1;
		} else {
			lua_pushnil(L);
			lua_pushstring(L, err);
			lua_pushstring(L, j->res.code);
			n = 3;
		}
		free(err);
		free(detail);
	}
	awscall_result_free(&j->res);
	json_decref(j->params);
	free(j->target);
	free(j);
	return n;
}

/* aws.call(op, params) -> answer | nil, message, code. Unknown op or bad params raise. */
static int l_call(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	const struct awsops_op *op = awsops_find(name);
	luaL_argcheck(L, op != NULL, 1, "unknown AWS operation (see docs/aws.md)");
	luaL_argcheck(L, lua_isnoneornil(L, 2) || lua_istable(L, 2), 2, "parameters must be a table");
	struct call_job *j = xcalloc(1, sizeof *j);
	j->op = op;
	j->params = lua_istable(L, 2) ? to_json(L, 2, 0) : json_object();
	if (op->target) {
		json_t *t = json_object_get(j->params, op->target);
		if (json_is_string(t))
			j->target = xstrdup(json_string_value(t));
		else if (json_is_array(t) && json_is_string(json_array_get(t, 0)))
			j->target = xstrdup(json_string_value(json_array_get(t, 0)));
	}
	if (op->mutating && lb_dry_run(L)) {
		char *detail = detail_of(j->params);
		lb_log(L, "dry run: would call %s %s %s", op->name, j->target ? j->target : "", detail);
		lb_would_call(L, "aws", op->name, j->target, detail);
		free(detail);
		lua_createtable(L, 0, 1);
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "dry_run");
		json_decref(j->params);
		free(j->target);
		free(j);
		return 1;
	}
	return lb_await(L, call_work, NULL, 0, call_done, j);
}

/* --- sleeping without blocking the loop ----------------------------------------- */

static void sleep_work(void *arg)
{
	double d = *(double *)arg;
	struct timespec ts = {(time_t)d, (long)((d - floor(d)) * 1e9)};
	nanosleep(&ts, NULL);
}

static int sleep_done(lua_State *L, void *arg)
{
	free(arg);
	return 0;
}

static int l_sleep(lua_State *L)
{
	double *d = xmalloc(sizeof *d);
	*d = luaL_checknumber(L, 1);
	if (*d < 0)
		*d = 0;
	return lb_await(L, sleep_work, NULL, 0, sleep_done, d);
}

/* --- small helpers for the prelude ---------------------------------------------- */

static int l_clock(lua_State *L)
{
	lua_pushnumber(L, now_mono());
	return 1;
}

static int l_region(lua_State *L)
{
	char *r = awscred_region();
	lua_pushstring(L, r);
	free(r);
	return 1;
}

static int l_config(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "max_attempts");
	lua_getfield(L, 1, "max_backoff");
	lua_getfield(L, 1, "timeout");
	awscall_configure((int)luaL_optinteger(L, -3, 0), luaL_optnumber(L, -2, -1), luaL_optnumber(L, -1, 0));
	lua_pop(L, 3);
	lua_getfield(L, 1, "reset_credentials");
	if (lua_toboolean(L, -1))
		awscred_reset();
	lua_pop(L, 1);
	return 0;
}

static int l_log(lua_State *L)
{
	lb_log(L, "%s", luaL_checkstring(L, 1));
	return 0;
}

/* aws._progress(done, total, unit, label[, limit, finished]): limit marks a wait's time limit */
static int l_progress(lua_State *L)
{
	if (lua_toboolean(L, 5))
		lb_progress_wait(L, luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_optstring(L, 4, NULL),
				 lua_toboolean(L, 6));
	else
		lb_progress(L, luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_optstring(L, 3, NULL),
			    luaL_optstring(L, 4, NULL));
	return 0;
}

static int l_gauge(lua_State *L)
{
	lb_gauge(L, luaL_checkstring(L, 1), luaL_checknumber(L, 2), luaL_optstring(L, 3, NULL),
		 luaL_optnumber(L, 4, 0));
	return 0;
}

static int l_dry_run(lua_State *L)
{
	lua_pushboolean(L, lb_dry_run(L));
	return 1;
}

static const luaL_Reg aws_fns[] = {
	{"call", l_call},       {"sleep", l_sleep}, {"region", l_region},     {"config", l_config},
	{"dry_run", l_dry_run}, {"_clock", l_clock}, {"_log", l_log},         {"_progress", l_progress},
	{"_gauge", l_gauge},    {NULL, NULL},
};

int luaopen_tejun_aws(lua_State *L)
{
	luaL_newlib(L, aws_fns);
	lua_createtable(L, 0, 0);
	for (const struct awsops_op *op = awsops_ops; op->name; op++) {
		lua_pushboolean(L, op->mutating);
		lua_setfield(L, -2, op->name);
	}
	lua_setfield(L, -2, "operations");
	if (luaL_loadbufferx(L, laws_prelude_lua, laws_prelude_lua_len, "=aws", "t") != LUA_OK)
		return lua_error(L);
	lua_pushvalue(L, -2);
	lua_call(L, 1, 0);
	return 1;
}

/* --- slack ------------------------------------------------------------------------ */

struct slack_job {
	char *webhook, *text, *err;
	int rc;
};

static void slack_work(void *arg)
{
	struct slack_job *j = arg;
	j->rc = slack_post(j->webhook, j->text, &j->err);
}

static int slack_done(lua_State *L, void *arg)
{
	struct slack_job *j = arg;
	int n = 0;
	if (L) {
		if (j->rc != 0)
			lb_log(L, "warning: slack notification failed: %s", j->err);
		lb_call(L, "slack", "notify", "webhook", NULL, 0, j->rc ? j->err : NULL);
		lua_pushboolean(L, j->rc == 0);
		n = 1;
		if (j->rc) {
			lua_pushstring(L, j->err);
			n = 2;
		}
	}
	free(j->webhook);
	free(j->text);
	free(j->err);
	free(j);
	return n;
}

/* slack.notify{text=, webhook=} -> true | false, message. Never raises for delivery. */
static int l_notify(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	static const char *const known[] = {"text", "webhook", NULL};
	lb_check_options(L, 1, "slack.notify", known);
	lua_getfield(L, 1, "text");
	if (lua_type(L, -1) != LUA_TSTRING)
		return luaL_error(L, "slack.notify: 'text' must be a string (the message to send)");
	const char *text = lua_tostring(L, -1);
	lua_getfield(L, 1, "webhook");
	const char *hook = lua_tostring(L, -1);
	if (!hook || !*hook)
		hook = getenv("SLACK_WEBHOOK_URL");
	struct slack_job *j = xcalloc(1, sizeof *j);
	j->text = xstrdup(text);
	j->webhook = hook ? xstrdup(hook) : NULL;
	lua_pop(L, 2);
	if (j->webhook)
		secret_add(j->webhook);
	if (lb_dry_run(L)) {
		lb_log(L, "dry run: would notify slack: %s", j->text);
		lb_would_call(L, "slack", "notify", "webhook", NULL);
		free(j->webhook);
		free(j->text);
		free(j);
		lua_pushboolean(L, 1);
		return 1;
	}
	return lb_await(L, slack_work, NULL, 0, slack_done, j);
}

static const luaL_Reg slack_fns[] = {
	{"notify", l_notify},
	{NULL, NULL},
};

int luaopen_tejun_slack(lua_State *L)
{
	luaL_newlib(L, slack_fns);
	return 1;
}
