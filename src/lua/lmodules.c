/* The table of Lua modules a runbook sees; a new module is one new line (and its prototype). */
#include "config.h"
#include "lua/lmodules.h"

int luaopen_tejun_sh(lua_State *L);
int luaopen_tejun_mysql(lua_State *L);
int luaopen_tejun_aws(lua_State *L);
int luaopen_tejun_slack(lua_State *L);

const struct lb_module lmodules_all[] = {
	{"sh", luaopen_tejun_sh},
	{"mysql", luaopen_tejun_mysql},
	{"aws", luaopen_tejun_aws},
	{"slack", luaopen_tejun_slack},
	{NULL, NULL},
};
