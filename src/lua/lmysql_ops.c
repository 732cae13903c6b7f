/* Lua side of db:rename_database, db:check, mysql.preflight and mysql.verify. */
#include "config.h"
#include "core/lbind.h"
#include "lua/lmysql.h"
#include "mysql/dbcheck.h"
#include "mysql/dbrename.h"
#include "mysql/dbverify.h"
#include "core/util.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

/* nil, message, errno, report: the report still tells what was found. */
static int push_fail_with(lua_State *L, struct lm_job *j)
{
	if (!j->err)
		return lm_push_out(L, j);
	lua_pushnil(L);
	lua_pushstring(L, j->err);
	lua_pushinteger(L, j->errnum);
	if (j->out)
		lm_push_json(L, j->out);
	else
		lua_pushnil(L);
	return 4;
}

/* ---- rename ---- */

struct renargs {
	char *old, *nw;
	bool recreate, dry;
};

static void free_renargs(void *p)
{
	struct renargs *a = p;
	free(a->old);
	free(a->nw);
	free(a);
}

static char *joined(json_t *plan)
{
	struct sbuf b;
	sbuf_init(&b);
	json_t *s;
	size_t i;
	json_array_foreach(json_object_get(plan, "statements"), i, s)
		sbuf_addf(&b, "%s;\n", json_string_value(s));
	return sbuf_steal(&b);
}

static int run_rename(struct lm_job *j)
{
	struct renargs *a = j->arg;
	struct dbconn *c = j->r->c;
	j->out = dbrename_plan(c, a->old, a->nw, a->recreate);
	if (!j->out)
		return -1;
	free(j->detail);
	j->detail = joined(j->out);
	json_object_set_new(j->out, "dry_run", json_boolean(a->dry));
	if ((j->err = dbrename_refusal(j->out, a->recreate)))
		return -1;
	if (a->dry)
		return 0;
	return dbrename_run(c, j->out);
}

static int push_rename(lua_State *L, struct lm_job *j)
{
	struct renargs *a = j->arg;
	if (a->dry && !j->err) {
		json_t *s;
		size_t i;
		lb_log(L, "rename_database %s -> %s would run:", a->old, a->nw);
		json_array_foreach(json_object_get(j->out, "statements"), i, s)
			lb_log(L, "  %s;", json_string_value(s));
	}
	return push_fail_with(L, j);
}

/* db:rename_database(old, new, {recreate = false, dry_run = false}) -> plan | nil, msg, errno, plan */
static int lm_conn_rename_database(lua_State *L)
{
	struct lm_cref *r = lm_check_conn(L, 1);
	const char *old = luaL_checkstring(L, 2), *nw = luaL_checkstring(L, 3);
	int busy = lm_busy(L, r);
	if (busy)
		return busy;
	struct renargs *a = xcalloc(1, sizeof *a);
	a->old = xstrdup(old);
	a->nw = xstrdup(nw);
	if (lua_istable(L, 4)) {
		a->recreate = lm_optbool(L, 4, "recreate", false);
		a->dry = lm_optbool(L, 4, "dry_run", false);
	}
	a->dry |= lb_dry_run(L);
	struct lm_job *j = lm_job_new(r, "rename_database", run_rename, push_rename);
	j->arg = a;
	j->free_arg = free_renargs;
	j->push_on_error = true;
	j->detail = xasprintf("%s -> %s", old, nw);
	return lm_job_await(L, j);
}

/* ---- checks ---- */

struct chkargs {
	struct lm_cref *t;
	char *name;
	json_t *params;
};

static void free_chkargs(void *p)
{
	struct chkargs *a = p;
	if (a->t) {
		a->t->busy = false;
		lm_cref_drop(a->t);
	}
	free(a->name);
	json_decref(a->params);
	free(a);
}

static int run_check(struct lm_job *j)
{
	struct chkargs *a = j->arg;
	struct dbconn *t = a->t ? a->t->c : NULL;
	j->out = a->name ? dbcheck_one(j->r->c, t, a->name, a->params) : dbcheck_all(j->r->c, t, a->params);
	return j->out ? 0 : -1;
}

/* Options shared by db:check and mysql.preflight: target connection and thresholds. */
static struct chkargs *check_args(lua_State *L, int t, struct lm_cref *self, int *busy)
{
	struct chkargs *a = xcalloc(1, sizeof *a);
	a->params = json_object();
	*busy = 0;
	if (!t)
		return a;
	lua_getfield(L, t, "target");
	struct lm_cref *tr = lm_toconn(L, -1);
	lua_pop(L, 1);
	if (tr && tr != self) {
		if ((*busy = lm_busy(L, tr)))
			return a;
		a->t = tr;
		tr->refs++;
		tr->busy = true;
	}
	static const char *const nums[] = {"min_retention_hours", "headroom", NULL};
	for (int i = 0; nums[i]; i++) {
		lua_getfield(L, t, nums[i]);
		if (lua_isnumber(L, -1))
			json_object_set_new(a->params, nums[i], json_real(lua_tonumber(L, -1)));
		lua_pop(L, 1);
	}
	lua_getfield(L, t, "expect_read_only");
	if (lua_isboolean(L, -1))
		json_object_set_new(a->params, "expect_read_only", json_boolean(lua_toboolean(L, -1)));
	lua_pop(L, 1);
	return a;
}

static int start_check(lua_State *L, struct lm_cref *r, const char *name, int opt)
{
	int busy = lm_busy(L, r);
	if (busy)
		return busy;
	struct chkargs *a = check_args(L, opt, r, &busy);
	if (busy) {
		free_chkargs(a);
		return busy;
	}
	a->name = name ? xstrdup(name) : NULL;
	struct lm_job *j = lm_job_new(r, name ? "check" : "preflight", run_check, lm_push_out);
	j->arg = a;
	j->free_arg = free_chkargs;
	j->detail = xasprintf("%s%s%s", name ? name : "all checks", a->t ? " vs " : "", a->t ? a->t->c->target : "");
	return lm_job_await(L, j);
}

/* db:check(name, {target=, expect_read_only=, min_retention_hours=, headroom=}) -> {name, status, reason, ...} */
static int lm_conn_check(lua_State *L)
{
	struct lm_cref *r = lm_check_conn(L, 1);
	const char *name = luaL_checkstring(L, 2);
	return start_check(L, r, name, lua_istable(L, 3) ? 3 : 0);
}

/* mysql.preflight{source=, target=, ...} -> {status, checks = {...}} */
static int lm_preflight(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "source");
	struct lm_cref *r = lm_toconn(L, -1);
	lua_pop(L, 1);
	if (!r)
		return luaL_error(L, "mysql.preflight: source must be an open connection");
	return start_check(L, r, NULL, 1);
}

/* ---- verify ---- */

struct verargs {
	struct lm_cref *t;
	struct dbverify_opts o;
	char **schemas, **map;
	struct lm_job *j;
	char *table;               /* the table last journaled as being compared */
};

static void free_verargs(void *p)
{
	struct verargs *a = p;
	if (a->t) {
		a->t->busy = false;
		lm_cref_drop(a->t);
	}
	lm_freelist(a->schemas);
	lm_freelist(a->map);
	free(a->table);
	free(a);
}

static void ver_progress(void *ud, double done, double total, const char *label)
{
	struct lm_job *j = ud;
	pthread_mutex_lock(&j->mu);
	json_decref(j->live);
	j->live = json_pack("{s:f,s:f,s:s}", "done", done, "total", total, "label", label);
	pthread_mutex_unlock(&j->mu);
}

static bool ver_cancel(void *ud)
{
	return lm_job_abandoned(ud);
}

/* One bar for the whole verify (rows against the source's estimate), and a log line as
 * each table's turn comes: a bar per table was left short of 100 % whenever the estimate
 * was high. */
static void ver_tick(lua_State *L, struct lm_job *j)
{
	struct verargs *a = j->arg;
	pthread_mutex_lock(&j->mu);
	json_t *p = json_incref(j->live);
	pthread_mutex_unlock(&j->mu);
	const char *table = p ? json_string_value(json_object_get(p, "label")) : NULL;
	if (table && (!a->table || strcmp(a->table, table) != 0)) {
		free(a->table);
		a->table = xstrdup(table);
		lb_log(L, "verify: %s", table);
	}
	if (p)
		lb_progress(L, json_number_value(json_object_get(p, "done")),
			    json_number_value(json_object_get(p, "total")), "rows", "verify");
	json_decref(p);
}

static int run_verify(struct lm_job *j)
{
	struct verargs *a = j->arg;
	j->out = dbverify_run(j->r->c, a->t->c, &a->o, &j->err);
	if (!j->out)
		return -1;
	pthread_mutex_lock(&j->mu);
	if (j->live) /* every table compared: the bar ends full, whatever the estimate said */
		json_object_set(j->live, "done", json_object_get(j->live, "total"));
	pthread_mutex_unlock(&j->mu);
	json_t *probs = json_object_get(j->out, "problems");
	size_t n = json_array_size(probs);
	if (n)
		j->err = xasprintf("verify found %zu mismatch%s: %s%s", n, n == 1 ? "" : "es",
				   json_string_value(json_array_get(probs, 0)), n > 1 ? " (and more)" : "");
	return n ? -1 : 0;
}

/* mysql.verify{source=, target=, schemas=, map={old=new}, chunk=1000, no_data=false}
 * -> report | nil, message, 0, report */
static int lm_verify(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "source");
	struct lm_cref *r = lm_toconn(L, -1);
	lua_getfield(L, 1, "target");
	struct lm_cref *t = lm_toconn(L, -1);
	lua_pop(L, 2);
	if (!r || !t || r == t)
		return luaL_error(L, "mysql.verify: source and target must be two open connections");
	int busy = lm_busy(L, r);
	if (!busy)
		busy = lm_busy(L, t);
	if (busy)
		return busy;
	struct verargs *a = xcalloc(1, sizeof *a);
	a->schemas = lm_optlist(L, 1, "schemas");
	lua_getfield(L, 1, "map");
	if (lua_istable(L, -1)) {
		size_t n = 0;
		for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1))
			n++;
		a->map = xcalloc(2 * n + 1, sizeof *a->map);
		n = 0;
		for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
			if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
				free_verargs(a);
				return luaL_error(L, "mysql.verify: map wants {source_schema = \"target_schema\"}");
			}
			a->map[n++] = xstrdup(lua_tostring(L, -2));
			a->map[n++] = xstrdup(lua_tostring(L, -1));
		}
	}
	lua_pop(L, 1);
	a->o.schemas = (const char *const *)a->schemas;
	a->o.map = (const char *const *)a->map;
	a->o.chunk = (size_t)lm_optnumber(L, 1, "chunk", 1000);
	a->o.no_data = lm_optbool(L, 1, "no_data", false);
	if (a->o.chunk < 1) {
		free_verargs(a);
		return luaL_error(L, "mysql.verify: chunk must be at least 1");
	}
	a->t = t;
	t->refs++;
	t->busy = true;
	struct lm_job *j = lm_job_new(r, "verify", run_verify, push_fail_with);
	a->o.progress = ver_progress;
	a->o.cancel = ver_cancel;
	a->o.ud = j;
	j->arg = a;
	j->free_arg = free_verargs;
	j->push_on_error = true;
	j->tick = ver_tick;
	j->tick_at_end = true;
	j->detail = xasprintf("verify %s against %s (chunk %zu)", r->c->target, t->c->target, a->o.chunk);
	return lm_job_await(L, j);
}

static const luaL_Reg module_funcs[] = {
	{"verify", lm_verify},
	{"preflight", lm_preflight},
	{NULL, NULL},
};

static const luaL_Reg conn_methods[] = {
	{"rename_database", lm_conn_rename_database},
	{"check", lm_conn_check},
	{NULL, NULL},
};

void lmysql_ops_register(lua_State *L, int module, int methods)
{
	lua_pushvalue(L, module);
	luaL_setfuncs(L, module_funcs, 0);
	lua_pushvalue(L, methods);
	luaL_setfuncs(L, conn_methods, 0);
	lua_pop(L, 2);
}
