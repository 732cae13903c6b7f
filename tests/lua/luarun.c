/* Test driver: runs a Lua file with tejun's modules opened and no engine (calls block). */
#include "config.h"
#include "lua/lmodules.h"
#include "core/lbind.h"
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>

static int traceback(lua_State *L)
{
	luaL_traceback(L, L, lua_tostring(L, 1), 1);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: luarun FILE.lua [ARGS]\n");
		return 2;
	}
	lua_State *L = luaL_newstate();
	luaL_openlibs(L);
	lb_open_modules(L, lmodules_all);
	lua_newtable(L);
	for (int i = 2; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i - 1);
	}
	lua_setglobal(L, "arg");
	lua_pushcfunction(L, traceback);
	int rc = luaL_loadfile(L, argv[1]);
	if (rc == LUA_OK)
		rc = lua_pcall(L, 0, 0, -2);
	if (rc != LUA_OK)
		fprintf(stderr, "%s\n", lua_tostring(L, -1));
	lua_close(L);
	return rc == LUA_OK ? 0 : 1;
}
