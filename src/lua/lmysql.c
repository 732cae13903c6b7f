/* The mysql Lua module: connection objects whose every blocking call runs on a worker thread
 * through lb_await, is journaled (SQL redacted) and fails as nil, message, errno. */
#include "config.h"
#include "core/lbind.h"
#include "lua/lmysql.h"
#include "mysql/dbconn.h"
#include "mysql/dblag.h"
#include "mysql/dbsizes.h"
#include "core/secret.h"
#include "core/util.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONN_MT "tejun.mysql.conn"
#define HB_MT "tejun.mysql.heartbeat"

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

/* ---- connection objects ---- */

void lm_cref_drop(struct lm_cref *r)
{
	if (--r->refs == 0) {
		dbconn_close(r->c);
		free(r);
	}
}

static struct lm_cref **conn_ud(lua_State *L, int i)
{
	return luaL_checkudata(L, i, CONN_MT);
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
	struct lm_cref **p = luaL_testudata(L, i, CONN_MT);
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

static void push_conn(lua_State *L, struct dbconn *c)
{
	struct lm_cref **p = lua_newuserdatauv(L, sizeof *p, 0);
	*p = xcalloc(1, sizeof **p);
	(*p)->c = c;
	(*p)->refs = 1;
	luaL_setmetatable(L, CONN_MT);
}

static int run_connect(struct lm_job *j)
{
	unsigned num;
	j->newc = dbconn_open(&j->opts, &j->err, &num);
	j->errnum = num;
	return j->newc ? 0 : -1;
}

static int push_connect(lua_State *L, struct lm_job *j)
{
	push_conn(L, j->newc);
	j->newc = NULL;
	return 1;
}

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

static int push_error(lua_State *L, const char *msg, int num)
{
	lua_pushnil(L);
	lua_pushstring(L, msg);
	lua_pushinteger(L, num);
	return 3;
}

static int l_connect(lua_State *L)
{
	struct dbopts o;
	char *err = NULL;
	if (lua_type(L, 1) != LUA_TSTRING && !lua_istable(L, 1)) /* misuse raises (docs/mysql.md) */
		return luaL_error(L, "mysql.connect: wants a DSN string or an options table, not a %s",
				  luaL_typename(L, 1));
	if (lm_opts_from_lua(L, 1, &o, &err) < 0) {
		lb_call(L, "mysql", "connect", NULL, NULL, 0, err);
		push_error(L, err, 0);
		free(err);
		return 3;
	}
	struct lm_job *j = lm_job_new(NULL, "connect", run_connect, push_connect);
	j->opts = o;
	j->target = dbopts_label(&o);
	return lm_job_await(L, j);
}

/* Formats sql with the ? values from stack index first on. */
static char *format_args(lua_State *L, struct dbconn *c, const char *sql, int first)
{
	int n = lua_gettop(L) - first + 1;
	if (n < 0)
		n = 0;
	struct dbval *v = xcalloc((size_t)n + 1, sizeof *v);
	for (int k = 0; k < n; k++) {
		int i = first + k;
		switch (lua_type(L, i)) {
		case LUA_TNIL: v[k].kind = DBV_NULL; break;
		case LUA_TBOOLEAN: v[k].kind = DBV_BOOL; v[k].i = lua_toboolean(L, i); break;
		case LUA_TNUMBER:
			if (lua_isinteger(L, i)) {
				v[k].kind = DBV_INT;
				v[k].i = (long long)lua_tointeger(L, i);
			} else {
				v[k].kind = DBV_FLOAT;
				v[k].d = lua_tonumber(L, i);
			}
			break;
		case LUA_TSTRING: v[k].kind = DBV_STRING; v[k].s = lua_tolstring(L, i, &v[k].len); break;
		default:
			free(v);
			luaL_argerror(L, i, "a ? value must be nil, boolean, number or string");
			return NULL;
		}
	}
	char *out = dbconn_format(c, sql, v, n);
	free(v);
	return out;
}

static int run_query(struct lm_job *j)
{
	return dbconn_query(j->r->c, j->sql, &j->res);
}

static void push_cell(lua_State *L, const struct dbres *r, size_t row, unsigned col)
{
	const char *s = dbres_get(r, row, col);
	size_t len = dbres_len(r, row, col);
	if (!s) {
		lua_pushnil(L);
		return;
	}
	switch (r->types[col]) {
	case DBT_INT: lua_pushinteger(L, (lua_Integer)strtoll(s, NULL, 10)); break;
	case DBT_UINT: {
		unsigned long long u = strtoull(s, NULL, 10);
		if (u <= (unsigned long long)LUA_MAXINTEGER)
			lua_pushinteger(L, (lua_Integer)u);
		else
			lua_pushlstring(L, s, len); /* beyond a Lua integer: keep it exact */
		break;
	}
	case DBT_FLOAT: lua_pushnumber(L, strtod(s, NULL)); break;
	default: lua_pushlstring(L, s, len); break;
	}
}

static int push_rows(lua_State *L, struct lm_job *j)
{
	struct dbres *r = j->res;
	if (!r) { /* a statement without rows through query(): say how many it touched */
		lua_createtable(L, 0, 1);
		lua_pushinteger(L, (lua_Integer)j->affected);
		lua_setfield(L, -2, "affected");
		return 1;
	}
	lua_createtable(L, (int)r->nrows, 1);
	for (size_t i = 0; i < r->nrows; i++) {
		lua_createtable(L, 0, (int)r->ncols);
		for (unsigned k = 0; k < r->ncols; k++) {
			push_cell(L, r, i, k);
			lua_setfield(L, -2, r->names[k]);
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_createtable(L, (int)r->ncols, 0);
	for (unsigned k = 0; k < r->ncols; k++) {
		lua_pushstring(L, r->names[k]);
		lua_rawseti(L, -2, k + 1);
	}
	lua_setfield(L, -2, "columns");
	return 1;
}

static int run_exec(struct lm_job *j)
{
	return dbconn_exec(j->r->c, j->sql, &j->affected, &j->insert_id);
}

static int push_exec(lua_State *L, struct lm_job *j)
{
	lua_pushinteger(L, (lua_Integer)j->affected);
	lua_pushinteger(L, (lua_Integer)j->insert_id);
	return 2;
}

static int sql_call(lua_State *L, bool exec)
{
	struct lm_cref *r = lm_check_conn(L, 1);
	const char *sql = luaL_checkstring(L, 2);
	int busy = lm_busy(L, r);
	if (busy)
		return busy;
	char *full = format_args(L, r->c, sql, 3);
	if (!full)
		return push_error(L, r->c->err, 0);
	char *detail = dbconn_redact_sql(full);
	if (exec && lb_dry_run(L)) { /* mutations are journaled, not sent */
		lb_would_call(L, "mysql", "exec", r->c->target, detail);
		free(detail);
		free(full);
		lua_pushinteger(L, 0);
		lua_pushinteger(L, 0);
		return 2;
	}
	struct lm_job *j = lm_job_new(r, exec ? "exec" : "query", exec ? run_exec : run_query,
				      exec ? push_exec : push_rows);
	j->sql = full;
	j->detail = detail;
	return lm_job_await(L, j);
}

static int m_query(lua_State *L) { return sql_call(L, false); }
static int m_exec(lua_State *L) { return sql_call(L, true); }

static int m_close(lua_State *L)
{
	struct lm_cref **p = conn_ud(L, 1);
	if (*p) {
		lm_cref_drop(*p); /* a call still in flight keeps its own reference */
		*p = NULL;
	}
	return 0;
}

static int m_tostring(lua_State *L)
{
	struct lm_cref *r = *conn_ud(L, 1);
	if (r)
		lua_pushfstring(L, "mysql connection %s (%s %s)", r->c->target,
				dbflavour_name(r->c->flavour), r->c->version);
	else
		lua_pushliteral(L, "mysql connection (closed)");
	return 1;
}

static int m_info(lua_State *L)
{
	struct dbconn *c = lm_check_conn(L, 1)->c;
	lua_createtable(L, 0, 6);
	lua_pushstring(L, dbflavour_name(c->flavour));
	lua_setfield(L, -2, "flavour");
	lua_pushstring(L, c->version);
	lua_setfield(L, -2, "version");
	lua_pushinteger(L, (lua_Integer)c->vnum);
	lua_setfield(L, -2, "version_number");
	lua_pushinteger(L, (lua_Integer)c->server_id);
	lua_setfield(L, -2, "server_id");
	lua_pushstring(L, c->target);
	lua_setfield(L, -2, "target");
	if (c->aurora_version) {
		lua_pushstring(L, c->aurora_version);
		lua_setfield(L, -2, "aurora_version");
	}
	return 1;
}

static int m_aurora_version(lua_State *L)
{
	struct dbconn *c = lm_check_conn(L, 1)->c;
	if (c->aurora_version)
		lua_pushstring(L, c->aurora_version);
	else
		lua_pushnil(L);
	return 1;
}

/* ---- sizes ---- */

static int run_sizes(struct lm_job *j)
{
	struct dbsizes_opts *o = j->arg;
	j->out = dbsizes_collect(j->r->c, o);
	return j->out ? 0 : -1;
}

static void free_sizes(void *p)
{
	struct dbsizes_opts *o = p;
	lm_freelist((void *)o->schemas);
	free(o);
}

static int m_sizes(lua_State *L)
{
	struct lm_cref *r = lm_check_conn(L, 1);
	int busy = lm_busy(L, r);
	if (busy)
		return busy;
	struct dbsizes_opts *o = xcalloc(1, sizeof *o);
	if (lua_istable(L, 2)) {
		o->schemas = (const char *const *)lm_optlist(L, 2, "schemas");
		o->analyze = lm_optbool(L, 2, "analyze", false);
		o->exact = lm_optbool(L, 2, "exact", false);
	}
	struct lm_job *j = lm_job_new(r, "sizes", run_sizes, lm_push_out);
	j->arg = o;
	j->free_arg = free_sizes;
	j->detail = xasprintf("information_schema.TABLES%s%s", o->analyze ? " after ANALYZE" : "",
			      o->exact ? " + COUNT(*)" : "");
	return lm_job_await(L, j);
}

/* ---- replica status and lag ---- */

static int run_replica_status(struct lm_job *j)
{
	j->out = dblag_replica_status(j->r->c);
	return j->out ? 0 : -1;
}

static int m_replica_status(lua_State *L)
{
	struct lm_cref *r = lm_check_conn(L, 1);
	int busy = lm_busy(L, r);
	if (busy)
		return busy;
	struct lm_job *j = lm_job_new(r, "replica_status", run_replica_status, lm_push_out);
	j->detail = xstrdup("SHOW REPLICA STATUS");
	return lm_job_await(L, j);
}

static const luaL_Reg conn_methods[] = {
	{"query", m_query},
	{"exec", m_exec},
	{"close", m_close},
	{"info", m_info},
	{"aurora_version", m_aurora_version},
	{"sizes", m_sizes},
	{"replica_status", m_replica_status},
	{"lag", lm_conn_lag},
	{"rename_database", lm_conn_rename_database},
	{"check", lm_conn_check},
	{NULL, NULL},
};

/* Fields (db.flavour, db.version, ...) come from info(); methods first. */
static int m_index(lua_State *L)
{
	lua_getmetatable(L, 1);
	lua_getfield(L, -1, "methods");
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	if (!lua_isnil(L, -1))
		return 1;
	lua_settop(L, 2);
	if (!*conn_ud(L, 1))
		return 0;
	if (lua_type(L, 2) != LUA_TSTRING)
		return 0;
	m_info(L);
	lua_getfield(L, -1, lua_tostring(L, 2));
	return 1;
}

static const luaL_Reg conn_meta[] = {
	{"__index", m_index},
	{"__gc", m_close},
	{"__close", m_close},
	{"__tostring", m_tostring},
	{NULL, NULL},
};

static const luaL_Reg module_funcs[] = {
	{"connect", l_connect},
	{"heartbeat", lm_heartbeat},
	{"wait_lag", lm_wait_lag},
	{"verify", lm_verify},
	{"preflight", lm_preflight},
	{NULL, NULL},
};

int luaopen_tejun_mysql(lua_State *L)
{
	luaL_newmetatable(L, CONN_MT);
	luaL_setfuncs(L, conn_meta, 0);
	luaL_newlib(L, conn_methods);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);
	lm_lag_register(L);
	luaL_newlib(L, module_funcs);
	lmysql_dump_register(L); /* mysql.dump, mysql.restore, mysql.copy (src/ldump.c) */
	return 1;
}
