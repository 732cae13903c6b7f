/* The table of Lua modules a runbook sees; a new module is one new line (and its prototype). */
#include "config.h"
#include "lbind.h"

const struct lb_module lb_modules[] = {
	{NULL, NULL},
};
