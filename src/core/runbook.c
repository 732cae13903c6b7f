/* Runbook DSL: the globals runbook/phase/step collect a model; mistakes become FILE:LINE errors. */
#include "config.h"
#include "core/runbook.h"
#include "core/runbook_int.h"
#include "core/lbind.h"
#include "core/secret.h"
#include "core/util.h"
#include <lauxlib.h>
#include <lualib.h>
#include <libgen.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char RB_KEY[] = "tejun.runbook";

static const char *const step_fields[] = {"title", "run", "check", "verify", "undo", "confirm",
					  "critical", "timeout", "retries", "doc", NULL};
static const char *const param_fields[] = {"default", "doc", "choices", "secret", "env", "optional", NULL};
static const char *const runbook_fields[] = {"id", "title", "params", "description", "lock", NULL};

void runbook_error(struct runbook *rb, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	rb->errors = xrealloc(rb->errors, (rb->nerrors + 1) * sizeof *rb->errors);
	rb->errors[rb->nerrors++] = xasprintf("%s:%d: %s", rb->at_file ? rb->at_file : rb->path, line, msg);
	free(msg);
}

static struct runbook *get_rb(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, RB_KEY);
	struct runbook *rb = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return rb;
}

/* runbook, phase and step describe the runbook as it loads; called from a running step
 * they would change the plan under the engine's feet */
static struct runbook *get_rb_loading(lua_State *L, const char *fn)
{
	struct runbook *rb = get_rb(L);
	if (rb->loaded)
		luaL_error(L, "%s: steps are declared when the runbook loads, not from a running step", fn);
	return rb;
}

/* The library file a DSL call came from, NULL for the runbook itself. */
static char *caller_lib_file(lua_State *L, const struct runbook *rb)
{
	lua_Debug ar;
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		lua_getinfo(L, "Sl", &ar);
		if (ar.currentline > 0)
			return ar.source[0] == '@' && strcmp(ar.source + 1, rb->path) != 0 ? xstrdup(ar.source + 1) : NULL;
	}
	return NULL;
}

/* Line of the runbook code that called the DSL function. */
static int caller_line(lua_State *L)
{
	lua_Debug ar;
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		lua_getinfo(L, "Sl", &ar);
		if (ar.currentline > 0)
			return ar.currentline;
	}
	return 0;
}

/* Reports keys of the table at idx that are not in allowed, suggesting the closest. */
static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_fields(lua_State *L, int idx, const char *const *allowed, struct runbook *rb,
			 int line, const char *what)
{
	char **unknown = NULL;
	size_t nunknown = 0;
	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING) {
			runbook_error(rb, line, "%s: fields must be named (found a %s key)", what, luaL_typename(L, -1));
			continue;
		}
		const char *k = lua_tostring(L, -1);
		bool ok = false;
		const char *best = closest_name(k, allowed, &ok);
		if (!ok) {
			unknown = xrealloc(unknown, (nunknown + 1) * sizeof *unknown);
			unknown[nunknown++] = best ? xasprintf("%s: unknown field '%s' (did you mean '%s'?)", what, k, best)
						   : xasprintf("%s: unknown field '%s'", what, k);
		}
	}
	/* a table has no order: sorted, the same runbook gives the same errors every time */
	if (nunknown)
		qsort(unknown, nunknown, sizeof *unknown, str_cmp);
	for (size_t i = 0; i < nunknown; i++) {
		runbook_error(rb, line, "%s", unknown[i]);
		free(unknown[i]);
	}
	free(unknown);
}

/* A string field or NULL; wrong type is an error. */
static char *opt_string(lua_State *L, int idx, const char *field, struct runbook *rb, int line, const char *what)
{
	lua_getfield(L, idx, field);
	char *v = NULL;
	if (lua_type(L, -1) == LUA_TSTRING)
		v = xstrdup(lua_tostring(L, -1));
	else if (!lua_isnil(L, -1))
		runbook_error(rb, line, "%s: '%s' must be a string, not a %s", what, field, luaL_typename(L, -1));
	lua_pop(L, 1);
	return v;
}

static int opt_func_ref(lua_State *L, int idx, const char *field, struct runbook *rb, int line, const char *what)
{
	lua_getfield(L, idx, field);
	if (lua_isfunction(L, -1))
		return luaL_ref(L, LUA_REGISTRYINDEX);
	if (!lua_isnil(L, -1))
		runbook_error(rb, line, "%s: '%s' must be a function, not a %s", what, field, luaL_typename(L, -1));
	lua_pop(L, 1);
	return LUA_NOREF;
}

static void parse_params(lua_State *L, int idx, struct runbook *rb, int line)
{
	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
			runbook_error(rb, line, "params: each entry must be name = { ... }");
			lua_pop(L, 1);
			continue;
		}
		const char *name = lua_tostring(L, -2);
		char *what = xasprintf("param '%s'", name);
		int t = lua_gettop(L);
		check_fields(L, t, param_fields, rb, line, what);
		struct param_def p = {.name = xstrdup(name), .line = line};
		p.doc = opt_string(L, t, "doc", rb, line, what);
		p.env = opt_string(L, t, "env", rb, line, what);
		lua_getfield(L, t, "default");
		if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
			p.def = xstrdup(lua_tostring(L, -1));
			p.has_default = true;
		} else if (lua_isboolean(L, -1)) {
			p.def = xstrdup(lua_toboolean(L, -1) ? "true" : "false");
			p.has_default = true;
		} else if (!lua_isnil(L, -1)) {
			runbook_error(rb, line, "%s: 'default' must be a string, number or boolean", what);
		}
		lua_pop(L, 1);
		lua_getfield(L, t, "secret");
		if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
			runbook_error(rb, line, "%s: 'secret' must be true or false", what);
		p.secret = lua_toboolean(L, -1);
		lua_pop(L, 1);
		lua_getfield(L, t, "optional");
		if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
			runbook_error(rb, line, "%s: 'optional' must be true or false", what);
		p.optional = lua_toboolean(L, -1);
		lua_pop(L, 1);
		lua_getfield(L, t, "choices");
		if (lua_istable(L, -1)) {
			lua_Integer n = luaL_len(L, -1);
			for (lua_Integer i = 1; i <= n; i++) {
				lua_rawgeti(L, -1, i);
				if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
					p.choices = xrealloc(p.choices, (p.nchoices + 1) * sizeof *p.choices);
					p.choices[p.nchoices++] = xstrdup(lua_tostring(L, -1));
				} else {
					runbook_error(rb, line, "%s: choices must be strings", what);
				}
				lua_pop(L, 1);
			}
			if (n == 0)
				runbook_error(rb, line, "%s: choices is empty", what);
		} else if (!lua_isnil(L, -1)) {
			runbook_error(rb, line, "%s: 'choices' must be a list of strings", what);
		}
		lua_pop(L, 1);
		if (p.has_default && p.nchoices) {
			bool found = false;
			for (size_t i = 0; i < p.nchoices; i++)
				found |= strcmp(p.choices[i], p.def) == 0;
			if (!found)
				runbook_error(rb, line, "%s: default '%s' is not one of its choices", what, p.def);
		}
		if (p.secret && p.has_default)
			runbook_error(rb, line, "%s: a secret must not have a default in the runbook (use env)", what);
		rb->params = xrealloc(rb->params, (rb->nparams + 1) * sizeof *rb->params);
		rb->params[rb->nparams++] = p;
		free(what);
		lua_pop(L, 1);
	}
}

static int param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct param_def *)a)->name, ((const struct param_def *)b)->name);
}

static bool valid_id(const char *s);

static int l_runbook(lua_State *L)
{
	struct runbook *rb = get_rb_loading(L, "runbook");
	int line = caller_line(L);
	if (!lua_istable(L, 1)) {
		runbook_error(rb, line, "runbook: expected runbook { id = ..., title = ... }");
		return 0;
	}
	if (rb->id) {
		runbook_error(rb, line, "runbook: declared twice");
		return 0;
	}
	check_fields(L, 1, runbook_fields, rb, line, "runbook");
	rb->id = opt_string(L, 1, "id", rb, line, "runbook");
	rb->title = opt_string(L, 1, "title", rb, line, "runbook");
	rb->description = opt_string(L, 1, "description", rb, line, "runbook");
	if (!rb->id) {
		lua_getfield(L, 1, "id");
		if (lua_isnil(L, -1)) /* of another type: said already */
			runbook_error(rb, line, "runbook: 'id' is required");
		lua_pop(L, 1);
		rb->id = xstrdup("unnamed");
	} else if (!valid_id(rb->id)) {
		/* it names the session and its journal file */
		runbook_error(rb, line, "runbook: 'id' must be letters, digits, '-', '_' or '.' (got \"%s\")", rb->id);
	}
	if (!rb->title)
		rb->title = xstrdup(rb->id);
	lua_getfield(L, 1, "params");
	if (lua_istable(L, -1)) {
		parse_params(L, -1, rb, line);
		/* a Lua table has no order: sort, so plan, errors and the journal are stable */
		qsort(rb->params, rb->nparams, sizeof *rb->params, param_cmp);
	}
	else if (!lua_isnil(L, -1))
		runbook_error(rb, line, "runbook: 'params' must be a table");
	lua_pop(L, 1);
	/* lock = "PARAM": the server that param's DSN names holds the session's lock */
	rb->lock_param = opt_string(L, 1, "lock", rb, line, "runbook");
	if (rb->lock_param) {
		bool found = false;
		for (size_t i = 0; i < rb->nparams && !found; i++)
			found = strcmp(rb->params[i].name, rb->lock_param) == 0;
		if (!found)
			runbook_error(rb, line, "runbook: lock = \"%s\" names no param: name the param whose DSN is the "
				      "server to lock (lock = \"prod\")", rb->lock_param);
	}
	return 0;
}

static char *current_phase(struct runbook *rb)
{
	return rb->nphases ? rb->phases[rb->nphases - 1] : NULL;
}

static int l_phase(lua_State *L)
{
	struct runbook *rb = get_rb_loading(L, "phase");
	if (lua_type(L, 1) != LUA_TSTRING) {
		runbook_error(rb, caller_line(L), "phase: expected phase \"name\"");
		return 0;
	}
	rb->phases = xrealloc(rb->phases, (rb->nphases + 1) * sizeof *rb->phases);
	rb->phases[rb->nphases++] = xstrdup(lua_tostring(L, 1));
	return 0;
}

static bool valid_id(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static void parse_confirm(lua_State *L, int t, struct step_def *s, struct runbook *rb, const char *what)
{
	lua_getfield(L, t, "confirm");
	if (lua_type(L, -1) == LUA_TSTRING) {
		s->confirm_text = xstrdup(lua_tostring(L, -1));
	} else if (lua_istable(L, -1)) {
		static const char *const cf[] = {"text", "challenge", NULL};
		check_fields(L, -1, cf, rb, s->line, what);
		s->confirm_text = opt_string(L, lua_gettop(L), "text", rb, s->line, what);
		s->challenge = opt_string(L, lua_gettop(L), "challenge", rb, s->line, what);
		if (!s->confirm_text)
			runbook_error(rb, s->line, "%s: confirm needs a 'text'", what);
		if (s->challenge && !*s->challenge)
			runbook_error(rb, s->line, "%s: confirm challenge must not be empty", what);
	} else if (lua_isboolean(L, -1) && lua_toboolean(L, -1)) {
		s->confirm_text = xasprintf("Run step '%s'?", s->id);
	} else if (!lua_isnil(L, -1) && !lua_isboolean(L, -1)) {
		runbook_error(rb, s->line, "%s: 'confirm' must be text or { text = ..., challenge = ... }", what);
	}
	lua_pop(L, 1);
}

static void parse_step_numbers(lua_State *L, int t, struct step_def *s, struct runbook *rb, const char *what)
{
	lua_getfield(L, t, "critical");
	if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
		runbook_error(rb, s->line, "%s: 'critical' must be true or false", what);
	s->critical = lua_toboolean(L, -1);
	lua_pop(L, 1);
	lua_getfield(L, t, "timeout");
	/* a number, not "30"; and at most a week (math.huge showed as "timeout infh") */
	if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) > 0 && lua_tonumber(L, -1) <= 7 * 86400)
		s->timeout = lua_tonumber(L, -1);
	else if (!lua_isnil(L, -1))
		runbook_error(rb, s->line, "%s: 'timeout' must be a number of seconds, above 0 and at most a week", what);
	lua_pop(L, 1);
	lua_getfield(L, t, "retries");
	if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0 && lua_tointeger(L, -1) <= 100)
		s->retries = (int)lua_tointeger(L, -1);
	else if (!lua_isnil(L, -1))
		runbook_error(rb, s->line, "%s: 'retries' must be a whole number from 0 to 100", what);
	lua_pop(L, 1);
}

/* step "id" { ... }: the first call captures id and line, the returned closure takes the body. */
static void step_body(lua_State *L, struct runbook *rb, const char *id, int line);

static int l_step_body(lua_State *L)
{
	struct runbook *rb = get_rb_loading(L, "step");
	struct pending_step *p = &rb->pending[lua_tointeger(L, lua_upvalueindex(1))];
	if (p->bodied)
		return luaL_error(L, "step '%s': its body is given once", p->id);
	p->bodied = true;
	/* copies: a body's metamethods could declare steps and move the array */
	const char *id = p->id;
	int line = p->line;
	rb->at_file = p->file;
	step_body(L, rb, id, line);
	rb->at_file = NULL;
	return 0;
}

static void step_body(lua_State *L, struct runbook *rb, const char *id, int line)
{
	char *what = xasprintf("step '%s'", id);
	if (!lua_istable(L, 1)) {
		runbook_error(rb, line, "%s: expected step \"%s\" { title = ..., run = function(ctx) ... end }", what, id);
		free(what);
		return;
	}
	for (size_t i = 0; i < rb->nsteps; i++)
		if (strcmp(rb->steps[i].id, id) == 0) {
			runbook_error(rb, line, "duplicate step id '%s' (first defined at line %d)", id, rb->steps[i].line);
			free(what);
			return;
		}
	check_fields(L, 1, step_fields, rb, line, what);
	struct step_def s = {.id = xstrdup(id), .line = line};
	s.title = opt_string(L, 1, "title", rb, line, what);
	if (!s.title)
		s.title = xstrdup(id);
	char *ph = current_phase(rb);
	s.phase = ph ? xstrdup(ph) : NULL;
	s.run_ref = opt_func_ref(L, 1, "run", rb, line, what);
	s.check_ref = opt_func_ref(L, 1, "check", rb, line, what);
	s.verify_ref = opt_func_ref(L, 1, "verify", rb, line, what);
	s.undo_ref = opt_func_ref(L, 1, "undo", rb, line, what);
	lua_getfield(L, 1, "run");
	if (s.run_ref == LUA_NOREF && lua_isnil(L, -1)) /* of another type: said already */
		runbook_error(rb, line, "%s: missing 'run' function", what);
	lua_pop(L, 1);
	parse_confirm(L, 1, &s, rb, what);
	parse_step_numbers(L, 1, &s, rb, what);
	if (s.critical && !s.confirm_text)
		runbook_error(rb, line, "%s: a critical step must have a confirm", what);
	rb->steps = xrealloc(rb->steps, (rb->nsteps + 1) * sizeof *rb->steps);
	rb->steps[rb->nsteps++] = s;
	free(what);
}

/* the body of a step whose id was refused: that error is enough */
static int l_step_ignored(lua_State *L)
{
	get_rb_loading(L, "step");
	return 0;
}

static int l_step(lua_State *L)
{
	struct runbook *rb = get_rb_loading(L, "step");
	struct pending_step p = {.line = caller_line(L), .file = caller_lib_file(L, rb)};
	rb->at_file = p.file;
	if (lua_type(L, 1) != LUA_TSTRING || !valid_id(lua_tostring(L, 1))) {
		runbook_error(rb, p.line, "step: id must be a string of letters, digits, '-', '_' or '.' (got %s)",
			  lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : luaL_typename(L, 1));
		p.bodied = true; /* one error is enough: its body is checked under no id */
		p.id = xstrdup("invalid");
	} else {
		p.id = xstrdup(lua_tostring(L, 1));
	}
	rb->at_file = NULL;
	rb->pending = xrealloc(rb->pending, (rb->npending + 1) * sizeof *rb->pending);
	rb->pending[rb->npending] = p;
	lua_pushinteger(L, (lua_Integer)rb->npending++);
	lua_pushcclosure(L, p.bodied ? l_step_ignored : l_step_body, 1);
	return 1;
}

/* While the runbook loads, its code outside steps runs (for check and plan too): a module
 * global is then a stand-in that refuses what would act (sh.run, mysql.*, aws.call, ...)
 * and hands out the rest. Kept by a library as a local, it passes through once loaded. */
static bool module_field_is_inert(const char *module, const char *key)
{
	static const char *const inert[] = {"aws.region", "aws.dry_run", "aws.config", "aws.operations", NULL};
	for (const char *const *p = inert; *p; p++) {
		size_t n = strlen(module);
		if (strncmp(*p, module, n) == 0 && (*p)[n] == '.' && strcmp(*p + n + 1, key) == 0)
			return true;
	}
	return false;
}

static int module_standin_index(lua_State *L)
{
	const char *module = lua_tostring(L, lua_upvalueindex(2));
	const char *key = lua_tostring(L, 2);
	if (!get_rb(L)->loaded && key && !module_field_is_inert(module, key))
		return luaL_error(L, "%s.%s: called while the runbook loads (check and plan load it too); call "
				  "it from a step's run, check, verify or undo function", module, key);
	lua_pushvalue(L, 2);
	lua_gettable(L, lua_upvalueindex(1));
	return 1;
}

static void modules_stand_in(lua_State *L, bool on)
{
	for (const struct lb_module *m = get_rb(L)->modules; m && m->name; m++) {
		lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
		lua_getfield(L, -1, m->name); /* the real module */
		if (on) {
			lua_newtable(L);
			lua_newtable(L);
			lua_pushvalue(L, -3);
			lua_pushstring(L, m->name);
			lua_pushcclosure(L, module_standin_index, 2);
			lua_setfield(L, -2, "__index");
			lua_setmetatable(L, -2);
			lua_setglobal(L, m->name);
		} else {
			lua_pushvalue(L, -1);
			lua_setglobal(L, m->name);
		}
		lua_pop(L, 2);
	}
}

/* Loading a runbook takes milliseconds; a loop outside a step would hang check, plan and
 * run before any screen is up. One runbook loads at a time, so the clock is static. */
#define LOAD_LIMIT_SECS 5
static double load_started;
static const char *load_path;

static void load_hook(lua_State *L, lua_Debug *ar)
{
	double t = now_mono() - load_started;
	if (t > 3 * LOAD_LIMIT_SECS) {
		/* every error was caught (pcall in the loop): nothing has started, so leave */
		fprintf(stderr, "%s: still loading after %.0f s (a loop outside a step?): giving up\n", load_path, t);
		_exit(2);
	}
	if (t > LOAD_LIMIT_SECS) {
		lua_getinfo(L, "Sl", ar);
		luaL_error(L, "%s:%d: loading took over %d s: a loop outside a step?",
			   ar->source[0] == '@' ? ar->source + 1 : ar->short_src, ar->currentline, LOAD_LIMIT_SECS);
	}
}

/* pcall's handler while loading: an error raised without a position (error("x", 0),
 * error({...}), a C function's) gets the line of the runbook code that raised it. */
static int load_error_where(lua_State *L)
{
	lua_Debug ar;
	const char *msg = lua_tostring(L, 1);
	for (const char *c = msg ? strchr(msg, ':') : NULL; c; c = strchr(c + 1, ':')) {
		size_t d = strspn(c + 1, "0123456789");
		if (d && c[1 + d] == ':')
			return 1; /* "file:line: ..." already */
	}
	const char *what = msg ? msg : lua_istable(L, 1) ? "error raised with a table" : luaL_typename(L, 1);
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		lua_getinfo(L, "Sl", &ar);
		if (ar.currentline > 0 && ar.source[0] == '@') {
			lua_pushfstring(L, "%s:%d: %s", ar.source + 1, ar.currentline, what);
			return 1;
		}
	}
	lua_pushstring(L, what);
	return 1;
}

struct runbook *runbook_load(const char *path, const struct lb_module *modules)
{
	struct runbook *rb = xcalloc(1, sizeof *rb);
	rb->modules = modules;
	rb->path = xstrdup(path);
	char hex[65];
	if (sha256_file_hex(path, hex) != 0) {
		rb->errors = xmalloc(sizeof *rb->errors);
		struct stat st;
		rb->errors[rb->nerrors++] = stat(path, &st) == 0 && S_ISDIR(st.st_mode)
			? xasprintf("%s: cannot read the runbook: it is a directory", path)
			: xasprintf("%s: cannot read the runbook: %s", path, strerror(errno));
		return rb;
	}
	rb->sha256 = xstrdup(hex);
	char *pcopy = xstrdup(path);
	rb->L = runbook_new_state(dirname(pcopy), modules);
	free(pcopy);
	lua_State *L = rb->L;
	lua_pushlightuserdata(L, rb);
	lua_setfield(L, LUA_REGISTRYINDEX, RB_KEY);
	lua_pushcfunction(L, l_runbook);
	lua_setglobal(L, "runbook");
	lua_pushcfunction(L, l_phase);
	lua_setglobal(L, "phase");
	lua_pushcfunction(L, l_step);
	lua_setglobal(L, "step");
	if (luaL_loadfilex(L, path, "t") != LUA_OK) {
		/* "path:line: message" already */
		rb->errors = xrealloc(rb->errors, (rb->nerrors + 1) * sizeof *rb->errors);
		rb->errors[rb->nerrors++] = xstrdup(lua_tostring(L, -1));
		lua_pop(L, 1);
		return rb;
	}
	modules_stand_in(L, true);
	load_started = now_mono();
	load_path = path;
	lua_sethook(L, load_hook, LUA_MASKCOUNT, 10000);
	lua_pushcfunction(L, load_error_where);
	lua_insert(L, -2);
	int rc = lua_pcall(L, 0, 0, -2);
	lua_remove(L, rc == LUA_OK ? -1 : -2); /* the handler */
	lua_sethook(L, NULL, 0, 0);
	rb->loaded = true;
	modules_stand_in(L, false);
	if (rc != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		rb->errors = xrealloc(rb->errors, (rb->nerrors + 1) * sizeof *rb->errors);
		/* "path:line:" from the runbook or a library (.lua) already; others get the path */
		rb->errors[rb->nerrors++] = msg && (strstr(msg, ".lua:") ||
						    (strncmp(msg, path, strlen(path)) == 0 && msg[strlen(path)] == ':'))
			? xstrdup(msg)
							    : xasprintf("%s:0: %s", path, msg ? msg : "error");
		lua_pop(L, 1);
		return rb;
	}
	for (size_t i = 0; i < rb->npending; i++)
		if (!rb->pending[i].bodied) {
			rb->at_file = rb->pending[i].file;
			runbook_error(rb, rb->pending[i].line, "step '%s': missing its body: step \"%s\" { title = ..., "
				  "run = function(ctx) ... end }", rb->pending[i].id, rb->pending[i].id);
			rb->at_file = NULL;
		}
	if (!rb->id)
		runbook_error(rb, 1, "no runbook { id = ..., title = ... } declaration");
	if (rb->nsteps == 0)
		runbook_error(rb, 1, "the runbook has no steps");
	return rb;
}

void runbook_free(struct runbook *rb)
{
	if (!rb)
		return;
	if (rb->L)
		lua_close(rb->L);
	for (size_t i = 0; i < rb->nparams; i++) {
		struct param_def *p = &rb->params[i];
		free(p->name);
		free(p->doc);
		free(p->def);
		free(p->env);
		free(p->value);
		for (size_t c = 0; c < p->nchoices; c++)
			free(p->choices[c]);
		free(p->choices);
	}
	free(rb->params);
	for (size_t i = 0; i < rb->nsteps; i++) {
		struct step_def *s = &rb->steps[i];
		free(s->id);
		free(s->title);
		free(s->phase);
		free(s->confirm_text);
		free(s->challenge);
	}
	free(rb->steps);
	for (size_t i = 0; i < rb->nphases; i++)
		free(rb->phases[i]);
	free(rb->phases);
	for (size_t i = 0; i < rb->npending; i++) {
		free(rb->pending[i].id);
		free(rb->pending[i].file);
	}
	free(rb->pending);
	for (size_t i = 0; i < rb->nerrors; i++)
		free(rb->errors[i]);
	free(rb->errors);
	free(rb->path);
	free(rb->sha256);
	free(rb->id);
	free(rb->title);
	free(rb->description);
	free(rb->lock_param);
	free(rb);
}

struct step_def *runbook_step(struct runbook *rb, const char *id)
{
	for (size_t i = 0; i < rb->nsteps; i++)
		if (strcmp(rb->steps[i].id, id) == 0)
			return &rb->steps[i];
	return NULL;
}

bool runbook_has_fn(int ref)
{
	return ref != LUA_NOREF && ref != LUA_REFNIL;
}
