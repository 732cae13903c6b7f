/* The ctx object a step receives: log, progress, gauge, prompts, sleep, set/get, fail. */
#include "config.h"
#include "core/engine_int.h"
#include "core/loop.h"
#include "core/util.h"
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct engine *ctx_engine(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

/* ctx.f(x) and ctx:f(x) both work: skip ctx itself when passed as the first argument. */
static int argbase(lua_State *L)
{
	return lua_rawequal(L, 1, lua_upvalueindex(2)) ? 2 : 1;
}

static void need_step(lua_State *L, struct engine *e, const char *fn)
{
	if (!e->co || L != e->co || !lua_isyieldable(L))
		luaL_error(L, "ctx.%s can only be called from a running step's own code", fn);
}

static char *join_args(lua_State *L, int from)
{
	struct sbuf b;
	sbuf_init(&b);
	int top = lua_gettop(L);
	for (int i = from; i <= top; i++) {
		size_t len;
		const char *s = luaL_tolstring(L, i, &len);
		if (i > from)
			sbuf_add(&b, " ", 1);
		sbuf_add(&b, s, len);
		lua_pop(L, 1);
	}
	return sbuf_steal(&b);
}

static int c_log(lua_State *L)
{
	struct engine *e = ctx_engine(L);
	char *text = join_args(L, argbase(L));
	engine_emit(e, EV_LOG, json_pack("{s:s,s:s}", "text", text, "level", "info"));
	free(text);
	return 0;
}

static int c_warn(lua_State *L)
{
	struct engine *e = ctx_engine(L);
	char *text = join_args(L, argbase(L));
	engine_emit(e, EV_LOG, json_pack("{s:s,s:s}", "text", text, "level", "warn"));
	free(text);
	return 0;
}

static const char *opt_field(lua_State *L, int t, const char *k)
{
	if (!lua_istable(L, t))
		return NULL;
	lua_getfield(L, t, k);
	const char *v = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
	lua_pop(L, 1); /* the string stays alive in the options table */
	return v;
}

static bool opt_bool(lua_State *L, int t, const char *k)
{
	if (!lua_istable(L, t))
		return false;
	lua_getfield(L, t, k);
	bool v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

static int c_progress(lua_State *L)
{
	int b = argbase(L);
	double done = luaL_checknumber(L, b), total = luaL_checknumber(L, b + 1);
	luaL_argcheck(L, total >= 0, b + 1, "total must not be negative");
	if (opt_bool(L, b + 2, "limit"))
		lb_progress_wait(L, done, total, opt_field(L, b + 2, "label"), opt_bool(L, b + 2, "finished"));
	else
		lb_progress(L, done, total, opt_field(L, b + 2, "unit"), opt_field(L, b + 2, "label"));
	return 0;
}

static int c_gauge(lua_State *L)
{
	int b = argbase(L);
	const char *name = luaL_checkstring(L, b);
	double v = luaL_checknumber(L, b + 1);
	double max = 0;
	if (lua_istable(L, b + 2)) {
		lua_getfield(L, b + 2, "max");
		max = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 0;
		lua_pop(L, 1);
	}
	lb_gauge(L, name, v, opt_field(L, b + 2, "unit"), max);
	return 0;
}

static void wake_sleeper(void *arg)
{
	struct engine *e = arg;
	e->sleep_timer = 0;
	if (e->co)
		engine_resume_co(e, 0);
}

static int c_sleep(lua_State *L)
{
	struct engine *e = ctx_engine(L);
	double s = luaL_checknumber(L, argbase(L));
	luaL_argcheck(L, s >= 0 && s < 1e7, argbase(L), "seconds out of range");
	need_step(L, e, "sleep");
	e->sleep_timer = loop_timer(e->loop, s, wake_sleeper, e);
	return lua_yield(L, 0);
}

static int c_confirm(lua_State *L)
{
	struct engine *e = ctx_engine(L);
	const char *text = luaL_checkstring(L, argbase(L));
	need_step(L, e, "confirm");
	engine_ask(e, PROMPT_CONFIRM, text, NULL, NULL, true);
	return lua_yield(L, 0);
}

static int c_challenge(lua_State *L)
{
	struct engine *e = ctx_engine(L);
	int b = argbase(L);
	const char *text = luaL_checkstring(L, b);
	const char *word = luaL_checkstring(L, b + 1);
	luaL_argcheck(L, *word, b + 1, "the challenge word must not be empty");
	need_step(L, e, "challenge");
	engine_ask(e, PROMPT_CHALLENGE, text, word, NULL, true);
	return lua_yield(L, 0);
}

static int c_ask(lua_State *L)
{
	struct engine *e = ctx_engine(L);
	int b = argbase(L);
	const char *text = luaL_checkstring(L, b);
	const char *def = luaL_optstring(L, b + 1, NULL);
	need_step(L, e, "ask");
	engine_ask(e, PROMPT_ASK, text, NULL, def, true);
	return lua_yield(L, 0);
}

json_t *ctx_lua_to_json(lua_State *L, int idx, char **err)
{
	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return json_null();
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer(lua_tointeger(L, idx));
		if (!isfinite(lua_tonumber(L, idx))) {
			*err = xstrdup("numbers must be finite");
			return NULL;
		}
		return json_real(lua_tonumber(L, idx));
	case LUA_TSTRING:
		return json_stringn(lua_tostring(L, idx), lua_rawlen(L, idx));
	case LUA_TTABLE: {
		lua_Unsigned n = lua_rawlen(L, idx);
		size_t count = 0;
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			count++;
			lua_pop(L, 1);
		}
		if (n > 0 && count == n) {
			json_t *a = json_array();
			for (lua_Unsigned i = 1; i <= n; i++) {
				lua_rawgeti(L, idx, (lua_Integer)i);
				json_t *v = ctx_lua_to_json(L, -1, err);
				lua_pop(L, 1);
				if (!v) {
					json_decref(a);
					return NULL;
				}
				json_array_append_new(a, v);
			}
			return a;
		}
		json_t *o = json_object();
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			if (lua_type(L, -2) != LUA_TSTRING) {
				lua_pop(L, 2);
				json_decref(o);
				*err = xstrdup("table keys must be strings (or a list)");
				return NULL;
			}
			json_t *v = ctx_lua_to_json(L, -1, err);
			if (!v) {
				lua_pop(L, 2);
				json_decref(o);
				return NULL;
			}
			json_object_set_new(o, lua_tostring(L, -2), v);
			lua_pop(L, 1);
		}
		return o;
	}
	default:
		*err = xasprintf("a %s cannot be kept in the journal", luaL_typename(L, idx));
		return NULL;
	}
}

void ctx_push_json(lua_State *L, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		lua_newtable(L);
		const char *k;
		json_t *item;
		json_object_foreach(v, k, item) {
			ctx_push_json(L, item);
			lua_setfield(L, -2, k);
		}
		break;
	}
	case JSON_ARRAY: {
		lua_newtable(L);
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item) {
			ctx_push_json(L, item);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	}
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(v));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(v));
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	case JSON_NULL:
		lua_pushnil(L);
		break;
	}
}

static int c_set(lua_State *L)
{
	struct engine *e = ctx_engine(L);
	int b = argbase(L);
	const char *key = luaL_checkstring(L, b);
	luaL_checkany(L, b + 1);
	char *err = NULL;
	json_t *v = ctx_lua_to_json(L, b + 1, &err);
	if (!v) {
		lua_pushfstring(L, "ctx.set('%s'): %s", key, err);
		free(err);
		return lua_error(L);
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, e->kv_ref);
	ctx_push_json(L, v); /* a copy: later changes to the caller's table are not silently kept */
	lua_setfield(L, -2, key);
	lua_pop(L, 1);
	engine_emit(e, EV_SET, json_pack("{s:s,s:o}", "key", key, "value", v));
	return 0;
}

static int c_get(lua_State *L)
{
	struct engine *e = ctx_engine(L);
	int b = argbase(L);
	const char *key = luaL_checkstring(L, b);
	int def = b + 1; /* index of the default, before anything is pushed */
	bool has_def = !lua_isnoneornil(L, def);
	lua_rawgeti(L, LUA_REGISTRYINDEX, e->kv_ref);
	lua_getfield(L, -1, key);
	if (lua_isnil(L, -1) && has_def) {
		lua_pop(L, 1);
		lua_pushvalue(L, def);
	}
	return 1;
}

static int c_fail(lua_State *L)
{
	char *msg = join_args(L, argbase(L));
	lua_newtable(L);
	lua_pushstring(L, *msg ? msg : "failed");
	free(msg);
	lua_setfield(L, -2, "tejun_fail");
	return lua_error(L);
}

/* print() in a runbook logs to the running step (or stderr at load time). */
static int g_print(lua_State *L)
{
	struct engine *e = lua_touserdata(L, lua_upvalueindex(1));
	char *text = join_args(L, 1);
	if (e && e->co)
		engine_emit(e, EV_LOG, json_pack("{s:s,s:s}", "text", text, "level", "info"));
	else
		lb_log(L, "%s", text);
	free(text);
	return 0;
}

/* wait_until is plain Lua over ctx.sleep: polls fn, shows the wait as progress, fails on timeout. */
static const char prelude[] =
	"local ctx = ...\n"
	"function ctx.wait_until(a, b, c)\n"
	"  local fn, opts = a, b\n"
	"  if a == ctx then fn, opts = b, c end\n"
	"  opts = opts or {}\n"
	"  if type(fn) ~= 'function' then error('ctx.wait_until: expected a function', 2) end\n"
	"  local timeout, interval = opts.timeout or 600, opts.interval or 1\n"
	"  local label = opts.label or 'condition'\n"
	"  local t0 = ctx.__clock()\n"
	"  while true do\n"
	"    local v, w = fn()\n"
	"    local spent = ctx.__clock() - t0\n"
	"    if v then\n"
	"      ctx.progress(spent, timeout, {label = 'waiting: ' .. label, limit = true, finished = true})\n"
	"      return v, w\n"
	"    end\n"
	"    if spent >= timeout then\n"
	"      ctx.fail(string.format('timed out after %g s waiting for %s%s', timeout, label, w and (': ' .. tostring(w)) or ''))\n"
	"    end\n"
	"    ctx.progress(spent, timeout, {label = 'waiting: ' .. label, limit = true})\n"
	"    ctx.sleep(math.min(interval, timeout - spent))\n"
	"  end\n"
	"end\n";

static int c_clock(lua_State *L)
{
	lua_pushnumber(L, now_mono());
	return 1;
}

static const luaL_Reg ctx_methods[] = {
	{"log", c_log}, {"warn", c_warn}, {"progress", c_progress}, {"gauge", c_gauge},
	{"sleep", c_sleep}, {"confirm", c_confirm}, {"challenge", c_challenge}, {"ask", c_ask},
	{"set", c_set}, {"get", c_get}, {"fail", c_fail}, {"__clock", c_clock}, {NULL, NULL},
};

void ctx_push_new(struct engine *e, struct step_rt *s)
{
	lua_State *L = e->rb->L;
	lua_newtable(L);
	int t = lua_gettop(L);
	for (const luaL_Reg *m = ctx_methods; m->name; m++) {
		lua_pushlightuserdata(L, e);
		lua_pushvalue(L, t);
		lua_pushcclosure(L, m->func, 2);
		lua_setfield(L, t, m->name);
	}
	/* A copy of the params per step: a step cannot change what the next one sees. */
	lua_newtable(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, e->params_ref);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_settable(L, -5);
	}
	lua_pop(L, 1);
	lua_setfield(L, t, "params");
	lua_pushboolean(L, e->opt.dry_run);
	lua_setfield(L, t, "dry_run");
	lua_pushstring(L, s->def->id);
	lua_setfield(L, t, "step");
	lua_pushinteger(L, s->attempt);
	lua_setfield(L, t, "attempt");
	lua_pushstring(L, e->opt.operator_name);
	lua_setfield(L, t, "operator");
	lua_pushstring(L, e->opt.session_id);
	lua_setfield(L, t, "session");
	if (luaL_loadbufferx(L, prelude, sizeof prelude - 1, "=ctx", "t") != LUA_OK)
		die("ctx prelude: %s", lua_tostring(L, -1));
	lua_pushvalue(L, t);
	lua_call(L, 1, 0);
}

void ctx_install_globals(struct engine *e)
{
	lua_State *L = e->rb->L;
	lua_pushlightuserdata(L, e);
	lua_pushcclosure(L, g_print, 1);
	lua_setglobal(L, "print");
}
