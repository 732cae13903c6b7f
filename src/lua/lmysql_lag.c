/* Lua side of replica lag: mysql.heartbeat (writer object), db:lag(), mysql.wait_lag{}. */
#include "config.h"
#include "core/lbind.h"
#include "lua/lmysql.h"
#include "mysql/dblag.h"
#include "core/util.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define HB_MT "tejun.mysql.heartbeat"

struct lhb {
	struct dbheartbeat *h;
	char *schema;
	unsigned long server_id;
};

static struct lhb *check_hb(lua_State *L, int i)
{
	return luaL_checkudata(L, i, HB_MT);
}

static void hb_stop(struct lhb *hb)
{
	dblag_heartbeat_stop(hb->h);
	hb->h = NULL;
}

static int hb_stats(lua_State *L)
{
	struct lhb *hb = check_hb(L, 1);
	long beats = 0, errors = 0;
	char err[256] = "";
	if (hb->h)
		dblag_heartbeat_stats(hb->h, &beats, &errors, err, sizeof err);
	lua_createtable(L, 0, 5);
	lua_pushinteger(L, beats);
	lua_setfield(L, -2, "beats");
	lua_pushinteger(L, errors);
	lua_setfield(L, -2, "errors");
	lua_pushboolean(L, hb->h != NULL);
	lua_setfield(L, -2, "running");
	lua_pushstring(L, hb->schema);
	lua_setfield(L, -2, "schema");
	lua_pushinteger(L, (lua_Integer)hb->server_id);
	lua_setfield(L, -2, "server_id");
	if (err[0]) {
		lua_pushstring(L, err);
		lua_setfield(L, -2, "last_error");
	}
	return 1;
}

/* Stopping joins the writer: at most one in-flight REPLACE, so it stays on the loop thread. */
static int hb_stop_l(lua_State *L)
{
	struct lhb *hb = check_hb(L, 1);
	long beats = 0, errors = 0;
	if (hb->h)
		dblag_heartbeat_stats(hb->h, &beats, &errors, NULL, 0);
	hb_stop(hb);
	lua_pushinteger(L, beats);
	return 1;
}

static int hb_gc(lua_State *L)
{
	struct lhb *hb = check_hb(L, 1);
	hb_stop(hb);
	free(hb->schema);
	hb->schema = NULL;
	return 0;
}

static int hb_index(lua_State *L)
{
	struct lhb *hb = check_hb(L, 1);
	const char *k = luaL_checkstring(L, 2);
	if (strcmp(k, "stop") == 0)
		lua_pushcfunction(L, hb_stop_l);
	else if (strcmp(k, "stats") == 0)
		lua_pushcfunction(L, hb_stats);
	else if (strcmp(k, "schema") == 0)
		lua_pushstring(L, hb->schema);
	else if (strcmp(k, "server_id") == 0)
		lua_pushinteger(L, (lua_Integer)hb->server_id);
	else
		lua_pushnil(L);
	return 1;
}

struct hbargs {
	char *schema;
	double interval;
	struct dbheartbeat *h;
};

static void free_hbargs(void *p)
{
	struct hbargs *a = p;
	dblag_heartbeat_stop(a->h); /* only when the result was never pushed */
	free(a->schema);
	free(a);
}

static int run_hb(struct lm_job *j)
{
	struct hbargs *a = j->arg;
	a->h = dblag_heartbeat_start(&j->opts, a->schema, a->interval, &j->err);
	return a->h ? 0 : -1;
}

static int push_hb(lua_State *L, struct lm_job *j)
{
	struct hbargs *a = j->arg;
	struct lhb *hb = lua_newuserdatauv(L, sizeof *hb, 0);
	hb->h = a->h;
	hb->schema = xstrdup(a->schema);
	hb->server_id = a->h ? dblag_heartbeat_server_id(a->h) : 0;
	a->h = NULL;
	luaL_setmetatable(L, HB_MT);
	return 1;
}

/* mysql.heartbeat{source = db or DSN, interval = 0.2, schema = "tejun"} -> writer object. */
static int lm_heartbeat(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "source");
	struct lm_cref *src = lm_toconn(L, -1);
	struct dbopts o;
	char *err = NULL;
	if (src) {
		dbopts_copy(&o, &src->c->opts);
	} else if (lua_isnil(L, -1)) {
		return luaL_error(L, "mysql.heartbeat: source (a connection or DSN) is required");
	} else if (lm_opts_from_lua(L, lua_gettop(L), &o, &err) < 0) {
		lua_pushnil(L);
		lua_pushfstring(L, "mysql.heartbeat source: %s", err);
		free(err);
		lua_pushinteger(L, 0);
		return 3;
	}
	lua_pop(L, 1);
	const char *schema = lm_optstring(L, 1, "schema", DBLAG_DEFAULT_SCHEMA);
	double interval = lm_optnumber(L, 1, "interval", 0.2);
	char *target = src ? xstrdup(src->c->target) : xasprintf("%s:%u", o.host ? o.host : "localhost", o.port);
	char *detail = xasprintf("REPLACE INTO `%s`.%s every %.2f s", schema, DBLAG_TABLE, interval);
	if (lb_dry_run(L)) { /* an idle writer: nothing is written in a dry run */
		lb_would_call(L, "mysql", "heartbeat", target, detail);
		free(target);
		free(detail);
		dbopts_free(&o);
		struct lhb *hb = lua_newuserdatauv(L, sizeof *hb, 0);
		*hb = (struct lhb){.schema = xstrdup(schema)};
		luaL_setmetatable(L, HB_MT);
		return 1;
	}
	struct hbargs *a = xcalloc(1, sizeof *a);
	a->schema = xstrdup(schema);
	a->interval = interval;
	struct lm_job *j = lm_job_new(NULL, "heartbeat", run_hb, push_hb);
	j->opts = o;
	j->arg = a;
	j->free_arg = free_hbargs;
	j->target = target;
	j->detail = detail;
	return lm_job_await(L, j);
}

/* ---- lag sampling ---- */

struct lagargs {
	char *schema;             /* NULL: no heartbeat */
	bool hb_required;
	unsigned long source_id;
	double max, timeout, stable, interval;
	char *last_lie;           /* loop thread: last warning logged */
};

static void free_lagargs(void *p)
{
	struct lagargs *a = p;
	free(a->schema);
	free(a->last_lie);
	free(a);
}

/* heartbeat = hb object | schema string | true (default schema) | false (the default): a
 * heartbeat table nobody writes any more would report ever-growing lag, so it is opt-in. */
static struct lagargs *lag_args(lua_State *L, int t)
{
	struct lagargs *a = xcalloc(1, sizeof *a);
	if (t == 0)
		return a;
	lua_getfield(L, t, "heartbeat");
	struct lhb *hb = luaL_testudata(L, -1, HB_MT);
	if (hb) {
		a->schema = xstrdup(hb->schema);
		a->source_id = hb->server_id;
		a->hb_required = true;
	} else if (lua_type(L, -1) == LUA_TSTRING) {
		a->schema = xstrdup(lua_tostring(L, -1));
		a->hb_required = true;
	} else if (lua_toboolean(L, -1)) {
		a->schema = xstrdup(DBLAG_DEFAULT_SCHEMA);
		a->hb_required = true;
	}
	lua_pop(L, 1);
	a->source_id = (unsigned long)lm_optnumber(L, t, "source_id", (double)a->source_id);
	return a;
}

static int run_lag(struct lm_job *j)
{
	struct lagargs *a = j->arg;
	j->out = dblag_sample(j->r->c, a->schema, a->source_id);
	if (j->out && a->hb_required && json_object_get(j->out, "heartbeat_error")) {
		j->err = xstrdup(json_string_value(json_object_get(j->out, "heartbeat_error")));
		return -1;
	}
	return j->out ? 0 : -1;
}

/* db:lag{heartbeat=} -> {lag, heartbeat_lag, seconds_behind, io_running, sql_running, sbm_lie, stopped} */
static int lm_conn_lag(lua_State *L)
{
	struct lm_cref *r = lm_check_conn(L, 1);
	int busy = lm_busy(L, r);
	if (busy)
		return busy;
	struct lm_job *j = lm_job_new(r, "lag", run_lag, lm_push_out);
	j->arg = lag_args(L, lua_istable(L, 2) ? 2 : 0);
	j->free_arg = free_lagargs;
	j->detail = xstrdup("SHOW REPLICA STATUS + heartbeat");
	return lm_job_await(L, j);
}

static bool wait_cancelled(void *ud)
{
	return lm_job_abandoned(ud);
}

static void wait_sample(void *ud, json_t *s)
{
	struct lm_job *j = ud;
	pthread_mutex_lock(&j->mu);
	json_decref(j->live);
	j->live = json_incref(s);
	pthread_mutex_unlock(&j->mu);
}

static int run_wait(struct lm_job *j)
{
	struct lagargs *a = j->arg;
	struct dblag_wait w = {.schema = a->schema, .source_id = a->source_id, .hb_required = a->hb_required,
			       .max = a->max, .timeout = a->timeout, .stable = a->stable, .interval = a->interval,
			       .cancelled = wait_cancelled, .on_sample = wait_sample, .ud = j};
	return dblag_wait(j->r->c, &w, &j->out, &j->err);
}

static void gauge_sample(lua_State *L, struct lagargs *a, json_t *s)
{
	json_t *lag = json_object_get(s, "lag"), *sbm = json_object_get(s, "seconds_behind");
	if (lag)
		lb_gauge(L, "replica lag", json_number_value(lag), "s", a->max);
	if (sbm)
		lb_gauge(L, "Seconds_Behind_Master", json_number_value(sbm), "s", 0);
	const char *lie = json_string_value(json_object_get(s, "sbm_lie"));
	if (lie && (!a->last_lie || strcmp(lie, a->last_lie) != 0))
		lb_log(L, "warning: %s", lie);
	free(a->last_lie);
	a->last_lie = lie ? xstrdup(lie) : NULL;
}

static void tick_wait(lua_State *L, struct lm_job *j)
{
	pthread_mutex_lock(&j->mu);
	json_t *s = json_incref(j->live);
	pthread_mutex_unlock(&j->mu);
	if (s)
		gauge_sample(L, j->arg, s);
	json_decref(s);
}

static int push_wait(lua_State *L, struct lm_job *j)
{
	gauge_sample(L, j->arg, j->out);
	return lm_push_out(L, j);
}

/* mysql.wait_lag{replica = db, max = 1, timeout = 300, stable = 1, interval = 0.25,
 * heartbeat = hb|schema|bool, source_id = n} -> last sample | nil, message */
static int lm_wait_lag(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "replica");
	struct lm_cref *r = lm_toconn(L, -1);
	if (!r)
		return luaL_error(L, "mysql.wait_lag: replica must be an open connection (mysql.connect)");
	lua_pop(L, 1);
	int busy = lm_busy(L, r);
	if (busy)
		return busy;
	struct lagargs *a = lag_args(L, 1);
	a->max = lm_optnumber(L, 1, "max", 1.0);
	a->timeout = lm_optnumber(L, 1, "timeout", 300);
	a->stable = lm_optnumber(L, 1, "stable", 1.0);
	a->interval = lm_optnumber(L, 1, "interval", 0.25);
	if (a->max < 0 || a->timeout <= 0 || a->interval <= 0) {
		free_lagargs(a);
		return luaL_error(L, "mysql.wait_lag: max >= 0, timeout > 0 and interval > 0 please");
	}
	struct lm_job *j = lm_job_new(r, "wait_lag", run_wait, push_wait);
	j->arg = a;
	j->free_arg = free_lagargs;
	j->tick = tick_wait;
	j->tick_secs = 0.5;
	j->detail = xasprintf("lag <= %g s for %g s (timeout %g s, %s)", a->max, a->stable, a->timeout,
			      a->schema ? "heartbeat" : "Seconds_Behind_Master");
	return lm_job_await(L, j);
}

static const luaL_Reg hb_meta[] = {
	{"__index", hb_index},
	{"__gc", hb_gc},
	{"__close", hb_gc},
	{NULL, NULL},
};

static const luaL_Reg module_funcs[] = {
	{"heartbeat", lm_heartbeat},
	{"wait_lag", lm_wait_lag},
	{NULL, NULL},
};

void lmysql_lag_register(lua_State *L, int module, int methods)
{
	luaL_newmetatable(L, HB_MT);
	luaL_setfuncs(L, hb_meta, 0);
	lua_pop(L, 1);
	lua_pushvalue(L, module);
	luaL_setfuncs(L, module_funcs, 0);
	lua_pop(L, 1);
	lua_pushcfunction(L, lm_conn_lag);
	lua_setfield(L, methods, "lag");
}
