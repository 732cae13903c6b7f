/* The sandboxed Lua state a runbook and its steps run in: chosen libraries only, os without
 * execute/exit/remove, no binary chunks, and a require() that finds text modules beside the
 * runbook and in the step libraries; the modules it was handed opened as globals. */
#include "config.h"
#include "core/runbook.h"
#include "core/util.h"
#include <lauxlib.h>
#include <lualib.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char LIBDIRS_KEY[] = "tejun.libdirs";

/* require(name): text modules from the runbook's directory and the step libraries only. */
static int l_require(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_getfield(L, -1, name);
	if (!lua_isnil(L, -1))
		return 1;
	lua_pop(L, 1);
	struct sbuf rel;
	sbuf_init(&rel);
	for (const char *p = name; *p; p++)
		sbuf_add(&rel, *p == '.' ? "/" : p, 1);
	if (strstr(rel.data, "..")) {
		sbuf_free(&rel);
		return luaL_error(L, "require: bad module name '%s'", name);
	}
	/* errors below carry the require's FILE:LINE, like luaL_error */
	lua_getfield(L, LUA_REGISTRYINDEX, LIBDIRS_KEY);
	lua_Integer n = luaL_len(L, -1);
	struct sbuf tried;
	sbuf_init(&tried);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, i);
		char *path = xasprintf("%s/%s.lua", lua_tostring(L, -1), rel.data);
		lua_pop(L, 1);
		if (access(path, R_OK) == 0) {
			if (luaL_loadfilex(L, path, "t") != LUA_OK) {
				free(path);
				sbuf_free(&rel);
				sbuf_free(&tried);
				return lua_error(L);
			}
			lua_pushstring(L, name);
			lua_call(L, 1, 1);
			if (lua_isnil(L, -1)) {
				lua_pop(L, 1);
				lua_pushboolean(L, 1);
			}
			lua_pushvalue(L, -1);
			lua_setfield(L, -4, name); /* loaded[name] */
			free(path);
			sbuf_free(&rel);
			sbuf_free(&tried);
			return 1;
		}
		sbuf_addf(&tried, "\n\tno file '%s'", path);
		free(path);
	}
	luaL_where(L, 1);
	lua_pushfstring(L, "module '%s' not found:%s", name, tried.data ? tried.data : "");
	lua_concat(L, 2);
	sbuf_free(&rel);
	sbuf_free(&tried);
	return lua_error(L);
}

/* load() restricted to text chunks: binary chunks can break the VM's safety. */
static int l_load_text(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	const char *chunkname = luaL_optstring(L, 2, s);
	int env = !lua_isnone(L, 4) ? 4 : 0;
	if (luaL_loadbufferx(L, s, len, chunkname, "t") != LUA_OK) {
		lua_pushnil(L);
		lua_insert(L, -2);
		return 2;
	}
	if (env) {
		lua_pushvalue(L, env);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
	}
	return 1;
}

static void add_libdir(lua_State *L, const char *dir)
{
	lua_getfield(L, LUA_REGISTRYINDEX, LIBDIRS_KEY);
	lua_pushstring(L, dir);
	lua_rawseti(L, -2, luaL_len(L, -2) + 1);
	lua_pop(L, 1);
}

lua_State *runbook_new_state(const char *runbook_dir, const struct lb_module *modules)
{
	lua_State *L = luaL_newstate();
	if (!L)
		die("cannot create a Lua state");
	static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base}, {LUA_STRLIBNAME, luaopen_string},
					{LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
					{LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine},
					{LUA_OSLIBNAME, luaopen_os}, {NULL, NULL}};
	for (const luaL_Reg *l = libs; l->func; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	/* os: keep only the clock and environment readers. */
	lua_getglobal(L, "os");
	static const char *const os_drop[] = {"execute", "exit", "remove", "rename", "tmpname", "setlocale", NULL};
	for (const char *const *d = os_drop; *d; d++) {
		lua_pushnil(L);
		lua_setfield(L, -2, *d);
	}
	lua_pop(L, 1);
	static const char *const g_drop[] = {"dofile", "loadfile", NULL};
	for (const char *const *d = g_drop; *d; d++) {
		lua_pushnil(L);
		lua_setglobal(L, *d);
	}
	lua_pushcfunction(L, l_load_text);
	lua_setglobal(L, "load");
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, LIBDIRS_KEY);
	if (runbook_dir) {
		add_libdir(L, runbook_dir);
		char *lib = xasprintf("%s/lib", runbook_dir);
		add_libdir(L, lib);
		free(lib);
		char *up = xasprintf("%s/../lib", runbook_dir);
		add_libdir(L, up);
		free(up);
	}
	const char *env_lib = getenv("TEJUN_LIB");
	if (env_lib && *env_lib)
		add_libdir(L, env_lib);
	/* installed: the configured prefix, never the build machine's source tree */
	add_libdir(L, TEJUN_PKGDATADIR "/runbooks/lib");
	lua_pushcfunction(L, l_require);
	lua_setglobal(L, "require");
	lb_open_modules(L, modules);
	return L;
}

