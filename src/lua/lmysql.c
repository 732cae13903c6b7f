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


/* ---- connection objects ---- */

static struct lm_cref **conn_ud(lua_State *L, int i)
{
	return luaL_checkudata(L, i, LM_CONN_MT);
}

static void push_conn(lua_State *L, struct dbconn *c)
{
	struct lm_cref **p = lua_newuserdatauv(L, sizeof *p, 0);
	*p = xcalloc(1, sizeof **p);
	(*p)->c = c;
	(*p)->refs = 1;
	luaL_setmetatable(L, LM_CONN_MT);
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
	{NULL, NULL},
};

/* The other parts of the module: each adds its functions to the module table and its
 * methods to connections. A new part is one line here. */
static const struct {
	const char *what;
	void (*add)(lua_State *L, int module, int methods);
} parts[] = {
	{"mysql.heartbeat, mysql.wait_lag, db:lag", lmysql_lag_register},
	{"mysql.verify, mysql.preflight, db:rename_database, db:check", lmysql_ops_register},
	{"mysql.dump, mysql.restore, mysql.copy", lmysql_dump_register},
};

int luaopen_tejun_mysql(lua_State *L)
{
	luaL_newmetatable(L, LM_CONN_MT);
	luaL_setfuncs(L, conn_meta, 0);
	int mt = lua_gettop(L);
	luaL_newlib(L, conn_methods);
	int methods = lua_gettop(L);
	luaL_newlib(L, module_funcs);
	int module = lua_gettop(L);
	for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
		parts[k].add(L, module, methods);
	lua_pushvalue(L, methods);
	lua_setfield(L, mt, "methods");
	lua_replace(L, mt); /* leaves [module, methods] */
	lua_pop(L, 1);
	return 1;
}
