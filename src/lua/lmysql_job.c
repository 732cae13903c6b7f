/* The mysql binding's toolkit, shared by its parts (lmysql.c, lmysql_lag.c, lmysql_ops.c,
 * ldump.c): worker jobs through lb_await, JSON results, option readers, connection references. */
#include "config.h"
#include "core/lbind.h"
#include "lua/lmysql.h"
#include "mysql/dbconn.h"
#include "core/secret.h"
#include "core/util.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- jobs: one blocking call, prepared on the loop thread, run on a worker ---- */

static void job_work(void *arg)
{
	struct lm_job *j = arg;
	dbconn_thread_init();
	double t0 = now_mono();
	int rc = j->run(j);
	j->secs = now_mono() - t0;
	if (rc < 0 && !j->err) {
		struct dbconn *c = j->r ? j->r->c : NULL;
		j->err = xstrdup(c && c->err[0] ? c->err : "failed");
		j->errnum = c ? c->errnum : 0;
	}
}

static void job_free(struct lm_job *j)
{
	if (j->r) {
		j->r->busy = false;
		lm_cref_drop(j->r);
	}
	if (j->free_arg)
		j->free_arg(j->arg);
	free(j->detail);
	free(j->sql);
	free(j->err);
	free(j->target);
	dbres_free(j->res);
	json_decref(j->out);
	json_decref(j->live);
	dbopts_free(&j->opts);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

static int job_done(lua_State *L, void *arg)
{
	struct lm_job *j = arg;
	if (!L) { /* abandoned step */
		job_free(j);
		return 0;
	}
	if (j->tick && j->tick_at_end)
		j->tick(L, j);
	lb_call(L, "mysql", j->op, j->target, j->detail, j->secs, j->err);
	int n;
	if (j->err && !j->push_on_error) {
		lua_pushnil(L);
		lua_pushstring(L, j->err);
		lua_pushinteger(L, j->errnum);
		n = 3;
	} else {
		n = j->push(L, j);
	}
	job_free(j);
	return n;
}

struct lm_job *lm_job_new(struct lm_cref *r, const char *op, int (*run)(struct lm_job *),
			  int (*push)(lua_State *, struct lm_job *))
{
	struct lm_job *j = xcalloc(1, sizeof *j);
	j->r = r;
	j->op = op;
	j->run = run;
	j->push = push;
	pthread_mutex_init(&j->mu, NULL);
	if (r) {
		r->refs++;
		r->busy = true;
		j->target = xstrdup(r->c->target);
	}
	return j;
}

static void job_tick(lua_State *L, void *arg)
{
	struct lm_job *j = arg;
	if (j->tick)
		j->tick(L, j);
}

int lm_job_await(lua_State *L, struct lm_job *j)
{
	return lb_await_cancelable(L, job_work, job_tick, j->tick_secs > 0 ? j->tick_secs : 0.5, job_done, j,
				   &j->cancel);
}

bool lm_job_abandoned(struct lm_job *j)
{
	return __atomic_load_n(&j->cancel, __ATOMIC_SEQ_CST) != 0;
}

void lm_sleep(double secs)
{
	struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
	nanosleep(&ts, NULL);
}

/* ---- JSON results to Lua ---- */

void lm_push_json(lua_State *L, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;
		lua_createtable(L, 0, (int)json_object_size(v));
		json_object_foreach(v, k, x) {
			if (json_is_null(x))
				continue;
			lm_push_json(L, x);
			lua_setfield(L, -2, k);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *x;
		lua_createtable(L, (int)json_array_size(v), 0);
		json_array_foreach(v, i, x) {
			lm_push_json(L, x);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	}
	case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); break;
	case JSON_REAL: lua_pushnumber(L, json_real_value(v)); break;
	case JSON_TRUE: lua_pushboolean(L, 1); break;
	case JSON_FALSE: lua_pushboolean(L, 0); break;
	default: lua_pushnil(L); break;
	}
}

int lm_push_out(lua_State *L, struct lm_job *j)
{
	lm_push_json(L, j->out);
	return 1;
}

/* ---- option helpers ---- */

const char *lm_optstring(lua_State *L, int t, const char *key, const char *def)
{
	lua_getfield(L, t, key);
	const char *v = lua_isnil(L, -1) ? def : lua_tostring(L, -1);
	if (!lua_isnil(L, -1) && !lua_isstring(L, -1))
		luaL_error(L, "option '%s' must be a string", key);
	lua_pop(L, 1); /* the value stays alive: it is in the options table */
	return v;
}

double lm_optnumber(lua_State *L, int t, const char *key, double def)
{
	lua_getfield(L, t, key);
	if (!lua_isnil(L, -1) && !lua_isnumber(L, -1))
		luaL_error(L, "option '%s' must be a number", key);
	double v = lua_isnil(L, -1) ? def : lua_tonumber(L, -1);
	lua_pop(L, 1);
	return v;
}

bool lm_optbool(lua_State *L, int t, const char *key, bool def)
{
	lua_getfield(L, t, key);
	bool v = lua_isnil(L, -1) ? def : lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

/* A list option ({"a","b"} or "a") as a NULL-terminated malloc'd array; NULL when absent. */
char **lm_optlist(lua_State *L, int t, const char *key)
{
	lua_getfield(L, t, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return NULL;
	}
	if (lua_isstring(L, -1)) {
		char **v = xcalloc(2, sizeof *v);
		v[0] = xstrdup(lua_tostring(L, -1));
		lua_pop(L, 1);
		return v;
	}
	if (!lua_istable(L, -1))
		luaL_error(L, "option '%s' must be a list of names", key);
	lua_Integer n = luaL_len(L, -1);
	char **v = xcalloc((size_t)n + 1, sizeof *v);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, i);
		v[i - 1] = xstrdup(luaL_checkstring(L, -1));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return v;
}

void lm_freelist(void *p)
{
	char **v = p;
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ---- connection references ---- */

void lm_cref_drop(struct lm_cref *r)
{
	if (--r->refs == 0) {
		dbconn_close(r->c);
		free(r);
	}
}

static struct lm_cref **conn_ud(lua_State *L, int i)
{
	return luaL_checkudata(L, i, LM_CONN_MT);
}

struct lm_cref *lm_check_conn(lua_State *L, int i)
{
	struct lm_cref *r = *conn_ud(L, i);
	if (!r)
		luaL_argerror(L, i, "connection is closed");
	return r;
}

struct lm_cref *lm_toconn(lua_State *L, int i)
{
	struct lm_cref **p = luaL_testudata(L, i, LM_CONN_MT);
	return p ? *p : NULL;
}

/* nil, "connection is busy" when a call is still running on it (two coroutines sharing one). */
int lm_busy(lua_State *L, struct lm_cref *r)
{
	if (!r->busy)
		return 0;
	lua_pushnil(L);
	lua_pushfstring(L, "connection to %s is busy with another call", r->c->target);
	lua_pushinteger(L, 0);
	return 3;
}

/* ---- connection options ---- */

static void set_opt(char **dst, lua_State *L, int t, const char *key)
{
	const char *v = lm_optstring(L, t, key, NULL);
	if (v) {
		free(*dst);
		*dst = xstrdup(v);
	}
}

/* Fills o from a DSN string or an options table (whose fields override its dsn). */
int lm_opts_from_lua(lua_State *L, int i, struct dbopts *o, char **err)
{
	if (lua_type(L, i) == LUA_TSTRING)
		return dbopts_parse_dsn(lua_tostring(L, i), o, err);
	if (!lua_istable(L, i)) {
		*err = xstrdup("connect wants a DSN string or an options table");
		return -1;
	}
	const char *dsn = lm_optstring(L, i, "dsn", NULL);
	if (dsn) {
		if (dbopts_parse_dsn(dsn, o, err) < 0)
			return -1;
	} else {
		memset(o, 0, sizeof *o);
	}
	static const struct { const char *key; size_t off; } strs[] = {
		{"host", offsetof(struct dbopts, host)}, {"user", offsetof(struct dbopts, user)},
		{"password", offsetof(struct dbopts, password)}, {"database", offsetof(struct dbopts, database)},
		{"db", offsetof(struct dbopts, database)}, {"socket", offsetof(struct dbopts, socket)},
		{"ssl_mode", offsetof(struct dbopts, ssl_mode)}, {"ssl_ca", offsetof(struct dbopts, ssl_ca)},
		{"ssl_cert", offsetof(struct dbopts, ssl_cert)}, {"ssl_key", offsetof(struct dbopts, ssl_key)},
		{"defaults_file", offsetof(struct dbopts, defaults_file)}, {"group", offsetof(struct dbopts, group)},
	};
	for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
		set_opt((char **)((char *)o + strs[k].off), L, i, strs[k].key);
	const char *env = lm_optstring(L, i, "password_env", NULL);
	if (env) {
		const char *pw = getenv(env);
		if (!pw) {
			*err = xasprintf("password_env: environment variable %s is not set", env);
			dbopts_free(o);
			return -1;
		}
		free(o->password);
		o->password = xstrdup(pw);
	}
	if (o->password)
		secret_add(o->password);
	double port = lm_optnumber(L, i, "port", o->port);
	if (port < 0 || port > 65535 || port != (unsigned)port) {
		*err = xasprintf("port %g is out of range (1-65535)", port);
		dbopts_free(o);
		return -1;
	}
	o->port = (unsigned)port;
	o->connect_timeout = (unsigned)lm_optnumber(L, i, "connect_timeout", o->connect_timeout);
	o->read_timeout = (unsigned)lm_optnumber(L, i, "read_timeout", o->read_timeout);
	o->write_timeout = (unsigned)lm_optnumber(L, i, "write_timeout", o->write_timeout);
	o->no_defaults = lm_optbool(L, i, "no_defaults", o->no_defaults);
	if (dbopts_validate(o, err) < 0) {
		dbopts_free(o);
		return -1;
	}
	return 0;
}

