/* Lua binding of dump, restore and copy: mysql.dump{...}, mysql.restore{...}, mysql.copy{...}
 * (a part of the mysql module, lmysql.c). Each is a long operation
 * (mysql/op.h) run on a worker thread; every 0.5 s the loop thread journals its phases,
 * notes, progress, rate, ETA and gauges; each loaded file becomes a ctx.set-style record. */
#include "config.h"
#include "core/lbind.h"
#include "lua/lmysql.h"
#include "mysql/copy.h"
#include "mysql/dump.h"
#include "mysql/manifest.h"
#include "mysql/op.h"
#include "mysql/restore.h"
#include "core/util.h"
#include <lauxlib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum lop { OP_DUMP, OP_RESTORE, OP_COPY };
static const char *const op_names[] = {"dump", "restore", "copy"};

struct ljob {
	enum lop op;
	struct op *o;
	struct dbopts src, dst;
	char **schemas, **map;
	char *dir, *target;
	json_t *known_done;             /* paths the caller says are loaded (read-only) */
	json_t *loaded;                 /* paths loaded since the last tick (guarded by mu) */
	pthread_mutex_t mu;
	int rc;
	const char *err;                /* borrowed from o */
	double t0;
	double t_first, done_first;     /* when the first progress was journaled (0 before), and its amount */
};

static void free_list(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void job_free(struct ljob *j)
{
	op_free(j->o);
	dbopts_free(&j->src);
	dbopts_free(&j->dst);
	free_list(j->schemas);
	free_list(j->map);
	free(j->dir);
	free(j->target);
	json_decref(j->known_done);
	json_decref(j->loaded);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

static bool is_done(void *ud, const char *path)
{
	struct ljob *j = ud;
	return j->known_done && json_is_true(json_object_get(j->known_done, path));
}

static void on_done(void *ud, const char *path)
{
	struct ljob *j = ud;
	pthread_mutex_lock(&j->mu);
	json_array_append_new(j->loaded, json_string(path));
	pthread_mutex_unlock(&j->mu);
}

static void work(void *arg)
{
	struct ljob *j = arg;
	j->rc = op_run(j->o, &j->err);
}

/* Logs each line of text (freed) as "op: line", leaving out the phase "done". */
static void log_lines(lua_State *L, struct ljob *j, char *text)
{
	for (char *line = text, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		else
			*nl = '\0';
		if (*line && strcmp(line, "done") != 0)
			lb_log(L, "%s: %s", op_names[j->op], line);
	}
	free(text);
}

/* Journal what happened since the last tick: phases, notes, loaded files, progress and
 * gauges. The last report's MB/s is the average since the first progress event: a dump
 * shorter than the rate window has no recent rate to show, the average is what a reviewer
 * asks (of this run's work: what an interrupted run loaded does not count), and a view
 * draws the finished bar's rate over the same span, so the two agree. */
static void report(lua_State *L, struct ljob *j, bool last)
{
	char *notes = op_take_notes(j->o);
	pthread_mutex_lock(&j->mu);
	json_t *loaded = j->loaded;
	j->loaded = json_array();
	pthread_mutex_unlock(&j->mu);
	size_t i;
	json_t *p;
	json_array_foreach(loaded, i, p) {
		char *key = xasprintf("restore:%s:%s", j->dir, json_string_value(p));
		lb_emit(L, EV_SET, json_pack("{s:s,s:b}", "key", key, "value", 1));
		free(key);
	}
	json_decref(loaded);
	struct op_stat st;
	op_stat(j->o, &st);
	for (int k = 0; k < st.nparts; k++)
		lb_progress(L, st.part[k].done, st.part[k].total, st.unit, st.part[k].label);
	for (int k = 0; k < st.ngauges; k++)
		lb_gauge(L, st.gauge[k].name, st.gauge[k].value, st.gauge[k].unit, st.gauge[k].max);
	/* one bar per operation, so it ends at 100 %; its phases are log lines, for the
	 * reviewer's timeline (when the index builds began); phases first: a note (how
	 * consistency was ensured) is news from within them */
	log_lines(L, j, op_take_phases(j->o));
	log_lines(L, j, notes);
	if (st.total > 0) {
		double rate = st.rate;
		lb_progress_eta(L, st.done, st.total, st.unit, op_names[j->op], st.eta);
		double now = now_mono();
		if (j->t_first == 0)
			j->t_first = now, j->done_first = st.done;
		if (last && now > j->t_first)
			rate = (st.done - j->done_first) / (now - j->t_first);
		else if (last && now > j->t0)
			rate = (st.done - st.start_done) / (now - j->t0); /* a resumed restore's earlier files took no time here */
		if (st.rate_gauge)
			lb_gauge(L, "MB/s", rate / 1e6, "MB/s", 0);
		if (st.eta >= 0)
			lb_gauge(L, "ETA", st.eta, "s", 0);
	}
}

static void tick(lua_State *L, void *arg)
{
	report(L, arg, false);
}

/* What the call moved, from the dump's manifest: {source, schemas, bytes, phases}, bytes
 * being the source's data and index length at the dump (information_schema), the measure a
 * forecast compares with the same schemas' size now, and phases the seconds spent in each
 * phase, which tell the data-bound part of the call from the fixed one. */
static json_t *moved(const struct ljob *j)
{
	char *err = NULL;
	json_t *m = manifest_load(j->dir, &err);
	free(err);
	if (!m)
		return NULL;
	json_t *names = json_array(), *s, *t;
	double bytes = 0;
	size_t i, k;
	json_array_foreach(json_object_get(m, "schemas"), i, s) {
		json_array_append(names, json_object_get(s, "name"));
		json_array_foreach(json_object_get(s, "tables"), k, t)
			bytes += json_number_value(json_object_get(t, "data_length")) +
				 json_number_value(json_object_get(t, "index_length"));
	}
	json_t *d = json_pack("{s:s?,s:o,s:f,s:s?,s:o}", "source",
			      json_string_value(json_object_get(json_object_get(m, "source"), "target")),
			      "schemas", names, "bytes", bytes, "dump_id", json_string_value(json_object_get(m, "id")),
			      "phases", op_phase_secs(j->o));
	json_decref(m);
	return d;
}

static int done(lua_State *L, void *arg)
{
	struct ljob *j = arg;
	if (!L) {
		job_free(j);
		return 0;
	}
	report(L, j, j->rc >= 0);
	lb_call_data(L, "mysql", op_names[j->op], j->target, j->dir, now_mono() - j->t0, j->rc < 0 ? j->err : NULL,
		     j->rc < 0 ? NULL : moved(j));
	if (j->rc < 0) {
		lua_pushfstring(L, "mysql.%s: %s", op_names[j->op], j->err);
		job_free(j);
		return lua_error(L);
	}
	lm_push_json(L, op_result(j->o));
	job_free(j);
	return 1;
}

/* source/target: an open connection (its options are reused: a dump needs several
 * connections of its own), a DSN or an options table. NULL, or a message to raise (caller
 * frees it after freeing what it holds, so nothing leaks). */
static char *conn_opt(lua_State *L, const char *key, struct dbopts *o)
{
	lua_getfield(L, 1, key);
	char *err = NULL;
	struct lm_cref *r = lm_toconn(L, -1);
	if (r && r->c) {
		dbopts_copy(o, &r->c->opts);
	} else if (lua_isnil(L, -1)) {
		err = xasprintf("option '%s' is required (a connection, a DSN or an options table)", key);
	} else if (lm_opts_from_lua(L, lua_gettop(L), o, &err) < 0) {
		char *e = xasprintf("%s: %s", key, err);
		free(err);
		err = e;
	}
	lua_pop(L, 1);
	return err;
}

/* Until start() hands the job over, a guard on the Lua stack owns it: an option of the
 * wrong type raises from inside lm_opt* and would leak it otherwise. */
struct job_guard {
	struct ljob *j;
};

static int guard_gc(lua_State *L)
{
	struct job_guard *g = lua_touserdata(L, 1);
	if (g->j)
		job_free(g->j);
	g->j = NULL;
	return 0;
}

static struct job_guard *guard_new(lua_State *L, struct ljob *j)
{
	struct job_guard *g = lua_newuserdatauv(L, sizeof *g, 0);
	g->j = j;
	if (luaL_newmetatable(L, "tejun.mysql.job_guard")) {
		lua_pushcfunction(L, guard_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	return g; /* left on the stack: alive until start() returns */
}

static int fail_start(lua_State *L, struct job_guard *g, char *msg)
{
	enum lop op = g->j->op;
	job_free(g->j);
	g->j = NULL;
	luaL_where(L, 1);
	lua_pushfstring(L, "mysql.%s: %s", op_names[op], msg);
	free(msg);
	lua_concat(L, 2);
	return lua_error(L);
}

/* map = {old = "new", ...} as pairs */
static char **map_opt(lua_State *L)
{
	lua_getfield(L, 1, "map");
	char **v = NULL;
	size_t n = 0;
	if (lua_istable(L, -1)) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
				v = xrealloc(v, (n + 3) * sizeof *v);
				v[n++] = xstrdup(lua_tostring(L, -2));
				v[n++] = xstrdup(lua_tostring(L, -1));
				v[n] = NULL;
			}
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	return v;
}

/* done = ctx.get(...)-style table: {["restore:DIR:PATH"] = true} or {[PATH] = true} or a list */
static json_t *done_opt(lua_State *L, const char *dir)
{
	lua_getfield(L, 1, "done");
	json_t *o = NULL;
	if (lua_istable(L, -1)) {
		o = json_object();
		size_t plen = strlen(dir) + 9;
		char *prefix = xasprintf("restore:%s:", dir);
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			const char *p = lua_type(L, -2) == LUA_TSTRING && lua_toboolean(L, -1) ? lua_tostring(L, -2)
				: lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
			if (p && strncmp(p, prefix, plen) == 0)
				p += plen;
			if (p)
				json_object_set_new(o, p, json_true());
			lua_pop(L, 1);
		}
		free(prefix);
	}
	lua_pop(L, 1);
	return o;
}

static int start(lua_State *L, enum lop op)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	static const char *const known[][12] = {
		[OP_DUMP] = {"source", "schemas", "dir", "threads", "compress", "chunk_mb", "defer_indexes", "definer",
			     "lock", "driver", "mysqldump", NULL},
		[OP_RESTORE] = {"target", "dir", "threads", "map", "done", "sql_inserts", NULL},
		[OP_COPY] = {"source", "target", "schemas", "map", "dir", "threads", "keep", "sql_inserts", NULL},
	};
	char fn[24];
	snprintf(fn, sizeof fn, "mysql.%s", op_names[op]);
	lb_check_options(L, 1, fn, known[op]);
	struct ljob *j = xcalloc(1, sizeof *j);
	j->op = op;
	j->t0 = now_mono();
	pthread_mutex_init(&j->mu, NULL);
	j->loaded = json_array();
	struct job_guard *g = guard_new(L, j);
	const char *dir = lm_optstring(L, 1, "dir", NULL);
	if (!dir)
		return fail_start(L, g, xstrdup("option 'dir' is required"));
	j->dir = xstrdup(dir);
	int threads = (int)lm_optnumber(L, 1, "threads", 4);
	char *err;
	if (op != OP_RESTORE) {
		if ((err = conn_opt(L, "source", &j->src)))
			return fail_start(L, g, err);
		j->schemas = lm_optlist(L, 1, "schemas");
		if (!j->schemas)
			return fail_start(L, g, xstrdup("option 'schemas' is required"));
	}
	if (op != OP_DUMP) {
		if ((err = conn_opt(L, "target", &j->dst)))
			return fail_start(L, g, err);
		j->map = map_opt(L);
	}
	const struct dbopts *tgt = op == OP_RESTORE ? &j->dst : &j->src;
	j->target = dbopts_label(tgt);
	if (lb_dry_run(L)) {
		lb_would_call(L, "mysql", op_names[op], j->target, j->dir);
		lua_newtable(L);
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "dry_run");
		return 1; /* the guard frees the job */
	}
	if (op == OP_DUMP) {
		double compress = 0;
		lua_getfield(L, 1, "compress");
		compress = lua_isboolean(L, -1) ? (lua_toboolean(L, -1) ? 3 : 0) : lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 0;
		lua_pop(L, 1);
		struct dump_opts o = {.src = &j->src, .schemas = (const char *const *)j->schemas, .dir = j->dir,
			.threads = threads, .zstd_level = (int)compress,
			.chunk_bytes = (unsigned long long)(lm_optnumber(L, 1, "chunk_mb", DUMP_CHUNK_MB) * 1048576),
			.no_defer_indexes = !lm_optbool(L, 1, "defer_indexes", true),
			.keep_definer = lm_optbool(L, 1, "definer", false),
			.lock = lm_optstring(L, 1, "lock", "auto"), .driver = lm_optstring(L, 1, "driver", "native"),
			.mysqldump = lm_optstring(L, 1, "mysqldump", NULL)};
		j->o = dump_op(&o);
	} else if (op == OP_RESTORE) {
		j->known_done = done_opt(L, j->dir);
		struct restore_opts o = {.dst = &j->dst, .dir = j->dir, .threads = threads,
			.map = (const char *const *)j->map, .is_done = is_done,
			.on_done = on_done, .ud = j, .sql_inserts = lm_optbool(L, 1, "sql_inserts", false)};
		j->o = restore_op(&o);
	} else {
		struct copy_opts o = {.src = &j->src, .dst = &j->dst, .schemas = (const char *const *)j->schemas,
			.map = (const char *const *)j->map, .dir = j->dir, .threads = threads,
			.keep_files = lm_optbool(L, 1, "keep", false),
			.sql_inserts = lm_optbool(L, 1, "sql_inserts", false), .on_done = on_done, .ud = j};
		j->o = copy_op(&o);
	}
	g->j = NULL; /* handed over: done() frees it */
	return lb_await_cancelable(L, work, tick, 0.5, done, j, op_cancel_flag(j->o));
}

static int l_dump(lua_State *L) { return start(L, OP_DUMP); }
static int l_restore(lua_State *L) { return start(L, OP_RESTORE); }
static int l_copy(lua_State *L) { return start(L, OP_COPY); }

static const luaL_Reg funcs[] = {
	{"dump", l_dump},
	{"restore", l_restore},
	{"copy", l_copy},
	{NULL, NULL},
};

void lmysql_dump_register(lua_State *L, int module, int methods)
{
	(void)methods;
	lua_pushvalue(L, module);
	luaL_setfuncs(L, funcs, 0);
	lua_pop(L, 1);
}
