/* The table of Lua modules a runbook sees; a new module is one new line (and its prototype). */
#include "config.h"
#include "lbind.h"

int luaopen_tejun_mysql(lua_State *L);

const struct lb_module lb_modules[] = {
	{"mysql", luaopen_tejun_mysql},
	{NULL, NULL},
};
